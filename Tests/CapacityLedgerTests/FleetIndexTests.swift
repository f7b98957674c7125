import CapacityLedger
import LedgerStorage
import PropertyBased
import Testing

/// The index answers exactly what a full fold answers, at any at=, known= and #N, over random
/// histories with backdated deliveries, retirements, voids and scarce power (first fit).
struct FleetIndexTests {
    static func same(_ a: any FleetFigures, _ b: any FleetFigures) -> Bool {
        a.fleet(site: nil, model: nil) == b.fleet(site: nil, model: nil)
            && a.power(site: nil) == b.power(site: nil)
            && a.capacity(precision: .bf16, site: nil, model: nil) == b.capacity(precision: .bf16, site: nil, model: nil)
            && a.capacity(precision: .fp8, site: "site-a", model: nil) == b.capacity(precision: .fp8, site: "site-a", model: nil)
            && a.investments(investor: nil, recipient: nil).map { "\($0)" } == b.investments(investor: nil, recipient: nil).map { "\($0)" }
            && a.sites == b.sites && a.catalog == b.catalog
    }

    @Test func indexEqualsFullReplayEverywhere() async {
        await propertyCheck(count: 20, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...1000), Gen.int(in: 0...1000)) { seed, a, k in
            let (store, clock) = try! ProjectionPropertyTests.history(seed: UInt64(seed), count: 500)
            let engine = QueryEngine(store: store, clock: clock)
            let ledger = store.ledger
            let first = Timestamp.parse("2023-01-01")!.micros, last = Timestamp.parse("2026-01-10")!.micros
            let at = Timestamp(seconds: (first + (last - first) / 1000 * Int64(a)) / 1_000_000)
            let known = ledger.events[min(ledger.count - 1, ledger.count * k / 1000)].recorded
            for p in [PointInTime(), PointInTime(at: .time(at)), PointInTime(at: .time(at), known: known),
                      PointInTime(at: .seq(ledger.count * k / 1000)), PointInTime(known: known)] {
                engine.useIndex = true
                let fast = try! engine.figures(p)
                engine.useIndex = false
                let full = try! engine.figures(p)
                #expect(Self.same(fast, full), "seed \(seed) at \(p)")
            }
        }
    }

    @Test func anIndexUpdatedAfterAppendsAnswersLikeTheFold() async {
        await propertyCheck(count: 10, input: Gen.int(in: 1...1_000_000)) { seed in
            let (store, clock) = try! ProjectionPropertyTests.history(seed: UInt64(seed), count: 400)
            let engine = QueryEngine(store: store, clock: clock)
            engine.useIndex = false
            var rng = SplitMix64(seed: UInt64(seed))
            let racks = store.ledger.events.compactMap { e -> String? in
                if case .rackInstalled(_, let r, _, _, _) = e.body { r } else { nil }
            }
            var index = FleetIndex(ledger: store.ledger)
            var updated = 0, rebuilt = 0
            for round in 0..<50 {
                clock.advance(seconds: 3600)
                let words = WriterBaseTests.batch(&rng, count: store.ledger.count, racks: racks)
                guard (try? store.append(words.map { try d($0) })) != nil else { continue }
                if index.update(to: store.ledger) { updated += 1 } else { index = FleetIndex(ledger: store.ledger); rebuilt += 1 }
                let ledger = store.ledger
                let known = ledger.events[ledger.count * Int(rng.next() % 1000) / 1000].recorded
                for p in [PointInTime(), PointInTime(at: .time(Timestamp.parse("2025-11-01")!)), PointInTime(known: known),
                          PointInTime(at: .seq(ledger.count - 1)), PointInTime(at: .time(Timestamp.parse("2024-03-01")!), known: known)] {
                    let fast = index.snapshot(engine.view(p), ledger: ledger)
                    #expect(Self.same(fast, try! engine.figures(p)), "seed \(seed) round \(round) \(words) at \(p)")
                }
            }
            #expect(updated > 5, "updated \(updated), rebuilt \(rebuilt)")
        }
    }

    @Test func effectiveOrderIsASortByEffectiveTimeThenSeq() async {
        await propertyCheck(count: 10, input: Gen.int(in: 1...1_000_000)) { seed in
            let (store, _) = try! ProjectionPropertyTests.history(seed: UInt64(seed), count: 600)
            let l = store.ledger
            let expected = (1...l.count).sorted { (l.events[$0 - 1].effective, $0) < (l.events[$1 - 1].effective, $1) }
            #expect(l.effectiveOrder().map(Int.init) == expected)
        }
    }

    @Test func theDemoHistoryAnswersTheSameBothWays() throws {
        let store = TranscriptTests.demo
        let engine = QueryEngine(store: store, clock: ManualClock(TranscriptTests.now))
        for day in stride(from: 0, to: 1200, by: 37) {
            let p = PointInTime(at: .time(Timestamp.parse("2023-06-01")!.adding(days: Int64(day))))
            engine.useIndex = true
            let fast = try engine.figures(p)
            engine.useIndex = false
            #expect(Self.same(fast, try engine.figures(p)), "\(p)")
        }
    }
}
