@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// The generated histories the benchmark runs on: `constrained` takes the hard path (power binds
/// late, racks strand, three rack sizes, plans), and `ample` stays what it was.
struct GeneratorProfileTests {
    func store(_ profile: HistoryGenerator.Profile, count: Int, sites: Int? = nil) throws -> InMemoryEventStore {
        var gen = HistoryGenerator(count: count, seed: 5)
        gen.profile = profile
        gen.siteCount = sites
        var lines: [String] = []
        gen.generate { lines.append($0) }
        #expect(lines.count == count)
        let store = InMemoryEventStore(name: "gen")
        // The whole history obeys every rule: one batch.
        try store.append(try lines.enumerated().map { try EventDraftDecoder.decode(try JSONLine.parse($0.element), line: $0.offset + 1) })
        return store
    }

    @Test func constrainedPowerBindsLateAndStrandsRacks() throws {
        let store = try store(.constrained, count: 40_000)
        let engine = QueryEngine(store: store)
        func stranded(_ at: String) throws -> (stranded: Int64, installed: Int64) {
            let total = try #require(try engine.run("fleet at=\(at)").total)
            guard case .int(let s) = total["stranded"], case .int(let i) = total["installed"] else { return (0, 0) }
            return (s, i)
        }
        // Early on power follows demand (a rack may wait for the next allocation); at the end
        // the caps bind.
        for at in ["2025-06-01", "2026-06-01"] {
            let early = try stranded(at)
            #expect(Double(early.stranded) < Double(early.installed) * 0.01, "\(at): \(early)")
        }
        let end = try stranded("2027-07-01")
        let share = Double(end.stranded) / Double(end.installed)
        #expect(share > 0.08 && share < 0.28, "stranded share \(share)")
        // Three rack sizes per site, and plans beyond 2026.
        var sizes: [String: Set<Int64>] = [:]
        var future = 0
        for e in store.ledger.events {
            if case .rackInstalled(let site, _, _, _, let p) = e.body { sizes[site, default: []].insert(p.watts) }
            if e.effective > Timestamp.parse("2027-01-01")! { future += 1 }
        }
        #expect(sizes.values.allSatisfy { $0.count >= 3 })
        #expect(future > 40_000 / 10)
    }

    @Test func ampleIsTheHistoryItWasAndNothingStrands() throws {
        var lines: [String] = []
        HistoryGenerator(count: 2_000, seed: 7).generate { lines.append($0) }
        // The same lines as the generator wrote before it had profiles: their hash chain
        // (h = SHA-256(h ‖ line)), taken from that release's output.
        var h = ChainHash.genesis
        for line in lines { h = Array(line.utf8).withUnsafeBytes { h.chained(with: $0) } }
        #expect(h.hex == "a7116d2a69b93843044bc039eed68a2e3e95d90dc7b4c0b79d59ceb58a2dbd73")
        let store = try store(.ample, count: 20_000)
        let total = try #require(try QueryEngine(store: store).run("fleet at=2026-01-01").total)
        #expect(total["stranded"] == .int(0))
    }

    @Test func manySitesSpreadTheSameEvents() throws {
        let store = try store(.constrained, count: 20_000, sites: 500)
        let out = try QueryEngine(store: store).run("sites")
        #expect(out.rows.count == 500)
    }
}
