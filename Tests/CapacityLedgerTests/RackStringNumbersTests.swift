@testable import CapacityLedger
import PropertyBased
import Testing

/// Each rack event's rack numbered as in the log's string table, found by walking the table
/// beside the events: looked up only for names used before, and right even out of step.
struct RackStringNumbersTests {
    /// A generated history, events with a note and a source, then batches that name racks again
    /// (`w-…`) after retiring them.
    static func ledger(seed: Int) throws -> Ledger {
        let (store, _) = try ProjectionPropertyTests.history(seed: UInt64(seed), count: 300)
        try store.append([
            try d("chips.delivered site=site-a model=b200 quantity=640 effective=2025-12-01 note=\"count \(seed)\" source=https://example.com/\(seed)"),
            try d("rack.installed site=site-a rack=noted-\(seed) model=b200 chips=64 kw=45 effective=2025-12-02 note=\"rack \(seed)\""),
        ])
        var rng = SplitMix64(seed: UInt64(seed))
        let racks = store.ledger.events.compactMap { $0.body.rack }
        for _ in 0..<40 {
            let words = WriterBaseTests.batch(&rng, count: store.ledger.count, racks: racks)
            _ = try? store.append(words.map { try d($0) })
        }
        return store.ledger
    }

    static func check(_ ledger: Ledger, strings: [String]) throws -> (lookups: Int, reused: Int) {
        let number = Dictionary(strings.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var lookups = 0
        let (numbers, retired) = try ledger.rackStringNumbers(strings: strings) { lookups += 1; return number[$0] }
        var seen = Set<String>(), reused = 0, retiredNames = Set<String>()
        for (i, e) in ledger.events.enumerated() {
            if let r = e.body.rack {
                #expect(numbers[i] == UInt32(number[r]!), "#\(e.seq) \(r)")
                if !seen.insert(r).inserted { reused += 1 }
                if case .rackRetired = e.body { retiredNames.insert(r) }
            } else {
                #expect(numbers[i] == .max, "#\(e.seq)")
            }
        }
        // Marked: exactly the strings that name a rack some retirement names.
        #expect(!retiredNames.isEmpty)
        #expect(Set(retired.indices.filter { retired[$0] }) == Set(retiredNames.map { number[$0]! }))
        return (lookups, reused)
    }

    @Test func inStepOnlyNamesUsedBeforeAreLookedUp() async {
        await propertyCheck(count: 10, input: Gen.int(in: 1...1_000_000)) { seed in
            let ledger = try! Self.ledger(seed: seed)
            let (lookups, reused) = try! Self.check(ledger, strings: ledger.codec.strings)
            #expect(reused > 0)
            #expect(lookups == reused, "seed \(seed)")
        }
    }

    @Test func outOfStepTheNumbersAreStillRight() async {
        await propertyCheck(count: 10, input: Gen.int(in: 1...1_000_000)) { seed in
            let ledger = try! Self.ledger(seed: seed)
            // A string no event brings in, early in the table: the walk stops there until the
            // next rack name, looked up, puts it back in step.
            var strings = ledger.codec.strings
            strings.insert("never-named", at: 3)
            let (lookups, reused) = try! Self.check(ledger, strings: strings)
            #expect(lookups == reused + 1, "seed \(seed)")
        }
    }

    @Test func aRackMissingFromTheTableIsAnError() throws {
        let ledger = try Self.ledger(seed: 7)
        let rack = ledger.events.compactMap { $0.body.rack }.first!
        let strings = ledger.codec.strings.filter { $0 != rack }
        #expect(throws: LedgerError.self) {
            _ = try ledger.rackStringNumbers(strings: strings) { strings.firstIndex(of: $0) }
        }
    }
}
