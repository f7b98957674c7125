@testable import CapacityLedger
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
