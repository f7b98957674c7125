@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// `replay to=` and `log until=` reach past the cursor to planned (future-dated) events, as
/// `timeline to=` does; without them the cursor bounds the history as before.
struct HistoryReachTests {
    func engine() throws -> QueryEngine {
        let store = try makeStore(cap: "power_cap_mw=100")
        try store.append([
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-03-01"),
            try d("power.allocated site=s1 mw=10 effective=2025-03-01"),
            // Planned: effective after the clock's now (2026-01-01).
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45 effective=2027-06-01"),
        ])
        return QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
    }

    @Test func replayToReachesPlannedEvents() throws {
        let e = try engine()
        let cursorBound = try e.run("replay from=2025-02-01")
        #expect(cursorBound.rows.count == 2)
        let reaching = try e.run("replay from=2025-02-01 to=2030-01-01")
        #expect(reaching.rows.count == 3)
        #expect(reaching.point?.atText == "2030-01-01")
        // An explicit at= still bounds it.
        #expect(try e.run("replay from=2025-02-01 to=2030-01-01 at=2026-01-01").rows.count == 2)
        // So does a cursor at a seq.
        #expect(try e.run("replay from=2025-02-01 to=2030-01-01", defaults: PointInTime(at: .seq(4))).rows.count == 2)
    }

    @Test func logUntilReachesPlannedEvents() throws {
        let e = try engine()
        #expect(try e.run("log since=2025-03-01").rows.count == 2)
        #expect(try e.run("log since=2025-03-01 until=2028-01-01").rows.count == 3)
        #expect(try e.run("log since=2025-03-01 until=2027-01-01").rows.count == 2)
    }
}

/// A timeline without from= starts at the first event that moves its metric, not at a chip
/// model defined years before any install.
struct TimelineStartTests {
    @Test func theDefaultStartIsTheFirstEventThatMovesTheMetric() throws {
        let store = try makeStore(cap: "power_cap_mw=100")  // site and model: 2025-01-01
        try store.append([
            try d("power.allocated site=s1 mw=10 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-03-01"),
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45 effective=2025-05-10"),
            try d("investment.committed investor=a recipient=b usd=5 effective=2025-07-04"),
        ])
        let e = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2025-09-01")!))
        func firstPoint(_ q: String) throws -> String? {
            guard case .text(let t) = try e.run(q).rows.first?.first else { return nil }
            return t
        }
        #expect(try firstPoint("timeline metric=chips every=week") == "2025-05-10")
        #expect(try firstPoint("timeline metric=mw every=day") == "2025-05-10")
        #expect(try firstPoint("timeline metric=pflops every=month") == "2025-05-01")
        #expect(try firstPoint("timeline metric=usd every=day") == "2025-07-04")
        #expect(try firstPoint("timeline metric=chips every=week from=2025-01-01") == "2025-01-01")
    }
}
