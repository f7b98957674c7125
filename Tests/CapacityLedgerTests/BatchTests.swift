import CapacityLedger
import LedgerStorage
import Testing

struct BatchTests {
    @Test func parseErrorsNameTheLine() {
        let text = "\n" + #"{"type":"investment.committed","investor":"a","recipient":"b","usd":1}"# + "\n{oops\n"
        #expect(errorMessage { _ = try EventBatch.parse(text) } == "line 3: invalid JSON at column 2: expected a field name in quotes")
    }
}
