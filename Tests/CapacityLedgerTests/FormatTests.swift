import CapacityLedger
import LedgerStorage
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

/// Every finite Double prints whole: as valid JSON, and readably in tables, however large.
struct LargeNumberFormatTests {
    @Test func fixedPrintsEveryDigitOfAnyFiniteDouble() {
        let text = Format.fixed(1e300, places: 1)
        #expect(text.count == 303)
        #expect(!text.contains("\0"))
        #expect(Double(text) == 1e300)
        #expect(Format.fixed(-.greatestFiniteMagnitude, places: 0).count == 310)
    }

    @Test func tablesGroupUpTo10To15AndUseTheScientificFormFromThere() {
        #expect(Format.grouped(123_456_789_012.25, places: 1) == "123,456,789,012.2")
        #expect(Format.grouped(-1234.5, places: 1) == "-1,234.5")
        #expect(Format.grouped(-0.04, places: 1) == "-0.0")
        #expect(Format.grouped(999_999_999_999_999, places: 0) == "999,999,999,999,999")
        #expect(Format.grouped(1e15, places: 1) == "1×10^15")
        #expect(Format.grouped(5.515780764483855e274, places: 1) == "5.516×10^274")
        #expect(Format.grouped(-1e300, places: 3) == "-1×10^300")
        #expect(Format.groupedTrimmed(1.5e300) == "1.5×10^300")
        #expect(Format.groupedTrimmed(1299.5) == "1,299.5")
        #expect(Format.grouped(Int64.min) == "-9,223,372,036,854,775,808")
    }

    @Test func jsonNumbersAreValidAndReadBackAsTheSameDouble() {
        #expect(Format.json(333_521.344) == "333521.344")
        #expect(Format.json(2e15) == "2000000000000000")
        #expect(Format.json(1.5e17) == "1.5e+17")
        #expect(Format.json(1e300) == "1e+300")
        #expect(Format.json(.greatestFiniteMagnitude) == "1.7976931348623157e+308")
        #expect(Format.json(-5.515780764483855e274) == "-5.515780764483855e+274")
    }

    @Test func queriesPrintHugeFieldValuesWhole() throws {
        let store = InMemoryEventStore(name: "test", clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([
            try d("site.opened site=s1 name=Site-one acres=1e300 effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 hbm_gb=1e300 watts=1.7976931348623157e308 effective=2025-01-01"),
        ])
        let engine = QueryEngine(store: store)
        #expect(Renderer.render(try engine.run("sites"), as: .json)
            == #"{"at":"now","known":"now","rows":[{"site":"s1","name":"Site-one","region":null,"cap_mw":null,"pue":1,"acres":1e+300,"opened":"2025-01-01"}]}"#)
        #expect(Renderer.render(try engine.run("models"), as: .json)
            == #"{"at":"now","known":"now","rows":[{"model":"m1","vendor":"V","bf16_tflops":100,"fp8_tflops":200,"hbm_gb":1e+300,"watts":1.7976931348623157e+308,"since":"2025-01-01"}]}"#)
        let models = try engine.run("models")
        let table = Renderer.render(models, as: .table)
        #expect(table.split(separator: "\n").last == "m1     V                 100           200  1×10^300  1.798×10^308  2025-01-01")
        #expect(!table.contains("\0"))
        #expect(Renderer.render(models, as: .csv).hasSuffix("\nm1,V,100,200,1e+300,1.7976931348623157e+308,2025-01-01"))
    }
}
