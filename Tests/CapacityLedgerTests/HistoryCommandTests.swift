@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// The commands that walk history (`timeline`, `replay`) against the event-by-event fold.
struct HistoryCommandTests {
    /// `timeline` and `replay`, one fold over the packed records, give what folding the events
    /// one by one gives: each timeline point the state at that time, each replay row the state
    /// just after its event (with voids, backdated events, stranded racks and known= cuts).
    @Test func timelineAndReplayEqualTheEventByEventFold() throws {
        for seed in [3, 8] as [UInt64] {
            let (store, clock) = try ProjectionPropertyTests.history(seed: seed, count: 1_500)
            // One event effective exactly at a point of the timeline below.
            clock.advance(seconds: 86_400)
            try store.append([try d("investment.committed investor=a recipient=b usd=1000 effective=2024-05-01")])
            let engine = QueryEngine(store: store, clock: clock)
            let known = store.ledger.events[900].recorded
            for (cut, point) in [("", PointInTime()), (" known=\(known.iso8601)", PointInTime(known: known))] {
                // Timeline: every point against a fold to that point.
                let metrics: [(String, (FleetState) -> Double)] = [("energized", { Double($0.energizedChips) }), ("mw", { $0.drawn.megawatts }),
                                                                    ("pflops", { $0.pflops(.bf16) }), ("usd", { Double($0.committedUSD) })]
                for (metric, m) in metrics {
                    let out = try engine.run("timeline metric=\(metric) every=month from=2023-01-01 to=2025-12-31" + cut)
                    #expect(out.rows.count == 37)  // 36 month starts and to=
                    for r in out.rows {
                        guard case .text(let label) = r[0], let t = Timestamp.parse(label), case .number(let value, _) = r[1] else {
                            Issue.record("row \(r)"); continue
                        }
                        var at = point
                        at.at = .time(t)
                        let expected = m(try engine.state(at))
                        #expect(abs(value - expected) <= 1e-9 * max(1, abs(expected)), "seed \(seed) \(metric) \(label)\(cut)")
                    }
                }
                // Replay: the rows of the event-by-event fold.
                for words in ["replay from=2024-03-01 to=2024-04-15", "replay from=2024-06-01 to=2024-06-30 site=site-c"] {
                    let out = try engine.run(words + cut)
                    let v = engine.view(point)
                    let events = engine.countingEvents(v)
                    var s = FleetState()
                    s.prepare(for: events)
                    var rows: [[Cell]] = []
                    let (from, to) = words.contains("03-01") ? ("2024-03-01", "2024-04-15") : ("2024-06-01", "2024-06-30")
                    for e in events {
                        if e.effective > Timestamp.parse(to)! { break }
                        s.apply(e)
                        if e.effective < Timestamp.parse(from)! { continue }
                        if words.contains("site="), e.body.site != "site-c" { continue }
                        rows.append([.seq(e.seq), .text(e.effective.shortString), .text(e.body.label),
                                     .number(s.pflops(.bf16), places: 1), .int(s.energizedChips), .megawatts(s.drawn)])
                    }
                    #expect(rows.count > 3, "\(words)")
                    #expect(out.rows == rows, "seed \(seed) \(words)\(cut)")
                }
            }
        }
    }

    /// The console's `next` and `prev` (`QueryEngine.step`) find the event and the state after
    /// it that the event-by-event fold finds, from cursors at, between and around events.
    @Test func stepsEqualTheEventByEventFold() throws {
        let (store, clock) = try ProjectionPropertyTests.history(seed: 12, count: 1_200)
        let engine = QueryEngine(store: store, clock: clock)
        let known = store.ledger.events[700].recorded
        for point in [PointInTime(at: .time(Timestamp(micros: .max))), PointInTime(at: .time(Timestamp(micros: .max)), known: known)] {
            let view = engine.view(point)
            let all = engine.countingEvents(view)
            var keys = [TimeKey(Timestamp(micros: .min), 0), TimeKey(Timestamp(micros: .max), Int.max)]
            for k in stride(from: 0, to: all.count, by: 97) {
                keys.append(TimeKey(all[k].effective, all[k].seq))
                keys.append(TimeKey(all[k].effective, Int.max))
            }
            for key in keys {
                for forward in [true, false] {
                    let index = forward ? all.firstIndex { TimeKey($0.effective, $0.seq) > key } : all.lastIndex { TimeKey($0.effective, $0.seq) < key }
                    let step = try engine.step(from: key, forward: forward, in: view)
                    guard let i = index else {
                        #expect(step == nil)
                        continue
                    }
                    var s = FleetState()
                    s.prepare(for: all)
                    for e in all[0...i] { s.apply(e) }
                    #expect(step?.event == all[i], "\(key) \(forward)")
                    #expect(step?.state.pflops(.bf16) == s.pflops(.bf16) && step?.state.energizedChips == s.energizedChips
                                && step?.state.drawn == s.drawn, "\(key) \(forward)")
                }
            }
        }
    }
}
