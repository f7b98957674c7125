@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// A query naming a site, model, investor or recipient the ledger never recorded is an error
/// with the nearest known names; a known name with nothing at that time gives the empty result
/// and a note.
struct NameCheckTests {
    func engine() throws -> QueryEngine {
        let store = try makeStore()
        try store.append([
            try d("site.opened site=rainier-in name=Rainier effective=2025-01-01"),
            try d("site.opened site=rainier-ms name=Mississippi effective=2027-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-02-01"),
            try d("investment.committed investor=amazon recipient=anthropic usd=5 effective=2024-01-01"),
        ])
        return QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
    }

    @Test(arguments: [
        ("fleet site=rainer-in", #"fleet: unknown site "rainer-in" (did you mean rainier-in?)"#),
        ("fleet site=Rainier-IN", #"fleet: unknown site "Rainier-IN" (did you mean rainier-in?)"#),
        ("capacity model=m2", #"capacity: unknown chip model "m2" (did you mean m1?)"#),
        ("fleet site=zzz", #"fleet: unknown site "zzz" (known: rainier-in, rainier-ms, s1)"#),
        ("power site=rainier", #"power: unknown site "rainier" (did you mean rainier-in or rainier-ms?)"#),
        ("investments investor=amzon", #"investments: unknown investor "amzon" (did you mean amazon?)"#),
        ("investments recipient=openai", #"investments: unknown recipient "openai" (known: anthropic)"#),
        ("log site=s2", #"log: unknown site "s2" (did you mean s1?)"#),
        ("replay site=S1 from=2025-01-01", #"replay: unknown site "S1" (did you mean s1?)"#),
    ])
    func anUnknownNameIsAnErrorWithTheNearestNames(_ query: String, _ message: String) throws {
        let e = try engine()
        #expect(throws: LedgerError.data(message)) { _ = try e.run(query) }
    }

    @Test func aKnownNameWithNothingThenGivesAnEmptyResultAndANote() throws {
        let e = try engine()
        // Opens in 2027 (a plan): known, but nothing counts in 2026.
        let out = try e.run("power site=rainier-ms")
        #expect(out.rows.isEmpty)
        #expect(out.warnings == ["nothing counts for site rainier-ms at now (known now)"])
        let some = try e.run("fleet site=s1")
        #expect(some.rows.count == 1)
        #expect(some.warnings.isEmpty)
    }

    @Test func aTrailingSemicolonEndsTheCommand() throws {
        let e = try engine()
        #expect(try e.run("fleet site=s1;").rows.count == 1)
        #expect(try e.run("fleet ;  ").rows.count == 1)
        #expect(QueryWords.droppingTerminator(#"append x note=a\;"#) == #"append x note=a\;"#)
        #expect(QueryWords.droppingTerminator(#"append x note="a;""#) == #"append x note="a;""#)
    }

    @Test func suggestionsTakeCaseThenTheFewestEdits() {
        let names = ["rainier-in", "rainier-ms", "rainier-pa", "gcp-tpu"]
        #expect(NameSuggestions.nearest("RAINIER-IN", in: names) == ["rainier-in"])
        #expect(NameSuggestions.nearest("rainier-ix", in: names) == ["rainier-in"])
        #expect(NameSuggestions.nearest("gcp-tpux", in: names) == ["gcp-tpu"])
        #expect(NameSuggestions.nearest("azure", in: names).isEmpty)
        #expect(NameSuggestions.distance("kitten", "sitting", limit: 5) == 3)
        #expect(NameSuggestions.distance("", "abc", limit: 5) == 3)
    }
}
