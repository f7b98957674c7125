import CapacityLedger
import Testing

struct FormatTests {
    @Test func scientificRoundsTheMantissaToFourDigitsAndCarriesIntoTheExponent() {
        #expect(Format.scientific(1.62e26) == "1.62×10^26")
        #expect(Format.scientific(5.669831120256e25) == "5.67×10^25")
        #expect(Format.scientific(1.23456e20) == "1.235×10^20")
        #expect(Format.scientific(9.9996e25) == "1×10^26")
        #expect(Format.scientific(-2e300) == "-2×10^300")
        #expect(Format.scientific(.greatestFiniteMagnitude) == "1.798×10^308")
        #expect(Format.scientific(0) == "0")
    }
}
