@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// Two fleet states are equal when their figures are, however each fold was prepared.
struct FleetStateEqualityTests {
    @Test func theSizeHintTakesNoPartAndTheFiguresDo() throws {
        let store = try makeStore(cap: "power_cap_mw=100")
        try store.append([
            try d("power.allocated site=s1 mw=10 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-02-01"),
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45 effective=2025-03-01"),
        ])
        let events = Array(store.ledger.events)
        var plain = FleetState(), prepared = FleetState()
        prepared.prepare(for: events)
        for e in events {
            plain.apply(e)
            prepared.apply(e)
        }
        #expect(plain == prepared)
        #expect(plain.hashValue == prepared.hashValue)
        var fewer = FleetState()
        for e in events.dropLast() { fewer.apply(e) }
        #expect(fewer != plain)
    }
}
