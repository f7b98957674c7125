@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// `log` shows an event's fields as `append` takes them: a line copied from it is valid input.
struct ListingTests {
    @Test(arguments: ["Columbus pilot hall", "Ohio, US", #"say "hi""#, #"back\slash"#, "", "a;", "tab\there", "plain", "x=y", "#1"])
    func aQuotedValueSplitsBackToItself(_ value: String) throws {
        #expect(try QueryWords.splitChecked("append k=" + QueryWords.quoted(value)) == ["append", "k=" + value])
    }

    @Test func aListedEventAppendsAgainAsItWas() throws {
        let store = try makeStore(opening: false)
        try store.append([try d(#"site.opened site=col-1 name="Columbus \"pilot\" hall" region="Ohio, US" power_cap_mw=2 effective=2025-01-06"#)])
        let out = EventListing.output(Array(store.ledger.events), voidedBy: [:])
        guard case .text(let fields) = out.rows[0][4] else { Issue.record("no fields"); return }
        #expect(fields == #"site=col-1 name="Columbus \"pilot\" hall" region="Ohio, US" power_cap_mw=2"#)
        let again = try d("site.opened " + fields.replacingOccurrences(of: "col-1", with: "col-2"))
        #expect(again.body == .siteOpened(site: "col-2", name: #"Columbus "pilot" hall"#, region: "Ohio, US", powerCap: Power(watts: 2_000_000), acres: nil))
    }
}
