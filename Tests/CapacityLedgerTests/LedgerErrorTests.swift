import CapacityLedger
import LedgerStorage
import Testing

/// The line an error is about is a field, rendered once, never read back from the text.
struct LedgerErrorTests {
    @Test func theLineIsAFieldShownBeforeTheText() {
        let e = LedgerError.data("chips.delivered: field \"site\" is missing").atLine(7)
        #expect(e.line == 7)
        #expect(e.text == "chips.delivered: field \"site\" is missing")
        #expect(e.message == "line 7: chips.delivered: field \"site\" is missing")
        #expect(e.exitCode == 65)
        // An error that names its line keeps it: a reader wrapping a decoder's error does not
        // put a second line in front.
        #expect(e.atLine(9).message == e.message)
        #expect(LedgerError.data("no line").atLine(nil).line == nil)
    }

    @Test func aBatchErrorNamesTheLineOnce() {
        let text = "{\"type\":\"site.opened\",\"site\":\"s1\",\"name\":\"S\"}\n\n{\"type\":\"site.opened\",\"site\":\"s1\"}\n"
        #expect(errorMessage { try EventBatch.parse(text) } == "line 3: site.opened: field \"name\" is missing")
    }
}
