@testable import CapacityLedger
import LedgerStorage
import Testing

/// Sites that change (`site.updated`) and close (`site.closed`): the rules at their edges, the
/// voids, and what `sites` and `power` show at a cursor.
struct SiteChangeTests {
    /// Site `s1` (cap 10 MW from 2025-01-01) with 6 MW allocated from 2025-03-01 (#3) and 2 MW
    /// more from 2025-06-01 (#4).
    func allocated() throws -> InMemoryEventStore {
        let store = try makeStore()
        try store.append([try d("power.allocated site=s1 mw=6 effective=2025-03-01"),
                          try d("power.allocated site=s1 mw=2 effective=2025-06-01")])
        return store
    }

    @Test func aCapLoweredBelowALaterAllocationIsRefusedNamingIt() throws {
        let store = try allocated()
        #expect(errorMessage { try store.append([try d("site.updated site=s1 power_cap_mw=7 effective=2025-04-01")]) }
            == "site.updated s1: site s1 has 8 MW allocated at 2025-06-01 (#4), over the new cap of 7 MW from 2025-04-01")
        // Over the new cap from its first moment: the change that brought the level is named.
        #expect(errorMessage { try store.append([try d("site.updated site=s1 power_cap_mw=7.999999 effective=2025-07-01")]) }
            == "site.updated s1: site s1 has 8 MW allocated at 2025-07-01 (since 2025-06-01, #4), over the new cap of 7.999999 MW")
        #expect(store.ledger.count == 4)
    }

    @Test func aCapLoweredExactlyToTheAllocationIsAccepted() throws {
        let store = try allocated()
        try store.append([try d("site.updated site=s1 power_cap_mw=8 effective=2025-04-01")])
        // The new cap holds from then on: one watt more is refused, naming the cap and its event.
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=0.000001 effective=2025-08-01")]) }
            == "power.allocated: site s1 would have 8.000001 MW allocated at 2025-08-01, over its cap of 8 MW from 2025-04-01 (#5) (8 MW already allocated then)")
        // An allocation before it must fit it from its time on.
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=2 effective=2025-01-15")]) }
            == "power.allocated: site s1 would have 10 MW allocated at 2025-06-01 (it allocates from 2025-01-15), over its cap of 8 MW from 2025-04-01 (#5) (8 MW already allocated then)")
    }

    @Test func anAllocationAfterACapRaiseIsAccepted() throws {
        let store = try makeStore()
        try store.append([try d("site.updated site=s1 power_cap_mw=20 effective=2025-06-01")])
        try store.append([try d("power.allocated site=s1 mw=15 effective=2025-07-01")])
        // Before the raise the cap was 10 MW.
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=11 effective=2025-05-01")]) }
            == "power.allocated: site s1 would have 11 MW allocated at 2025-05-01, over its cap of 10 MW (0 MW already allocated then)")
        // 3 MW fits under both: 3 until July, 18 after.
        try store.append([try d("power.allocated site=s1 mw=3 effective=2025-05-01")])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=3 effective=2025-05-01")]) }
            == "power.allocated: site s1 would have 21 MW allocated at 2025-07-01 (it allocates from 2025-05-01), over its cap of 20 MW from 2025-06-01 (#3) (18 MW already allocated then)")
    }

    @Test func anAllocationBeforeACapCutMustFitTheLaterCap() throws {
        let store = try makeStore()
        try store.append([try d("site.updated site=s1 power_cap_mw=4 effective=2025-06-01")])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=6 effective=2025-03-01")]) }
            == "power.allocated: site s1 would have 6 MW allocated at 2025-06-01 (it allocates from 2025-03-01), over its cap of 4 MW from 2025-06-01 (#3) (0 MW already allocated then)")
        try store.append([try d("power.allocated site=s1 mw=4 effective=2025-03-01")])
    }

    @Test func aSiteWithoutACapTakesOneFromAnUpdate() throws {
        let store = try makeStore(cap: "")
        try store.append([try d("power.allocated site=s1 mw=50 effective=2025-02-01")])
        #expect(errorMessage { try store.append([try d("site.updated site=s1 power_cap_mw=40 effective=2025-03-01")]) }
            == "site.updated s1: site s1 has 50 MW allocated at 2025-03-01 (since 2025-02-01, #3), over the new cap of 40 MW")
        try store.append([try d("site.updated site=s1 power_cap_mw=60 effective=2025-03-01")])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=11 effective=2025-04-01")]) } != nil)
    }

    @Test func anUpdateNeedsAnOpenSite() throws {
        let store = try makeStore()
        #expect(errorMessage { try store.append([try d("site.updated site=s9 name=Nine effective=2025-06-01")]) }
            == "site.updated s9: site s9 has not been opened (append a site.opened event for it first)")
        #expect(errorMessage { try store.append([try d("site.updated site=s1 name=Early effective=2024-06-01")]) }
            == "site.updated s1: site s1 is not open at 2024-06-01; it opens 2025-01-01 (#1)")
    }

    /// Site `s2` (no cap) with 5 MW from 2025-02-01 (#3), 64 chips (#4) and rack r-1 from
    /// 2025-02-02 (#5).
    func busySite() throws -> InMemoryEventStore {
        let store = try makeStore()
        try store.append([try d("site.opened site=s2 name=Two effective=2025-01-01"),
                          try d("power.allocated site=s2 mw=5 effective=2025-02-01"),
                          try d("chips.delivered site=s2 model=m1 quantity=64 effective=2025-02-01"),
                          try d("rack.installed site=s2 rack=r-1 model=m1 chips=64 kw=10 effective=2025-02-02")])
        return store
    }

    @Test func aClosureIsRefusedWhilePowerIsAllocatedOrARackIsActive() throws {
        let store = try busySite()
        let close = "site.closed site=s2 effective=2025-03-01"
        #expect(errorMessage { try store.append([try d(close)]) }
            == "site.closed s2: site s2 has 5 MW allocated at 2025-03-01 (since 2025-02-01, #4); release it first")
        try store.append([try d("power.released site=s2 mw=5 effective=2025-02-15")])
        #expect(errorMessage { try store.append([try d(close)]) }
            == "site.closed s2: rack r-1 is active at s2 at 2025-03-01 (installed 2025-02-02, #6); retire it first")
        try store.append([try d("rack.retired site=s2 rack=r-1 effective=2025-02-20"),
                          try d("chips.delivered site=s2 model=m1 quantity=64 effective=2025-04-01")])
        #expect(errorMessage { try store.append([try d(close)]) }
            == "site.closed s2: site s2 has events after 2025-03-01: #9 (a closed site takes none)")
        // Power allocated later than the closure is named too.
        try store.append([try d("event.voided target=9 reason=never-came"), try d("power.allocated site=s2 mw=1 effective=2025-05-01")])
        #expect(errorMessage { try store.append([try d(close)]) }
            == "site.closed s2: site s2 has 1 MW allocated at 2025-05-01 (#11), after the closure at 2025-03-01")
        try store.append([try d("event.voided target=11 reason=never-came")])
        try store.append([try d(close)])
        #expect(store.ledger.events.last?.type == .siteClosed)
    }

    /// `busySite` wound down and closed at 2025-03-01 (#9).
    func closedSite() throws -> InMemoryEventStore {
        let store = try busySite()
        try store.append([try d("power.released site=s2 mw=5 effective=2025-02-15"),
                          try d("rack.retired site=s2 rack=r-1 effective=2025-02-20"),
                          try d("site.closed site=s2 effective=2025-03-01")])
        return store
    }

    @Test func aClosedSiteRefusesLaterEvents() throws {
        let store = try closedSite()
        for (words, subject) in [("chips.delivered site=s2 model=m1 quantity=1 effective=2025-03-01", "chips.delivered"),
                                 ("power.allocated site=s2 mw=1 effective=2025-04-01", "power.allocated"),
                                 ("power.released site=s2 mw=1 effective=2025-04-01", "power.released"),
                                 ("rack.retired site=s2 rack=r-1 effective=2025-04-01", "rack.retired r-1"),
                                 ("site.updated site=s2 name=Later effective=2025-04-01", "site.updated s2"),
                                 ("site.closed site=s2 effective=2025-04-01", "site.closed s2")] {
            let at = words.split(separator: "=").last!
            #expect(errorMessage { try store.append([try d(words)]) } == "\(subject): site s2 is closed at \(at) (closed 2025-03-01, #9)")
        }
        #expect(errorMessage { try store.append([try d("site.closed site=s2 effective=2025-02-25")]) }
            == "site.closed s2: site s2 closes later, at 2025-03-01 (#9); a site closes once")
        #expect(errorMessage { try store.append([try d("site.opened site=s2 name=Again effective=2025-05-01")]) }
            == "site.opened s2: site s2 was opened 2025-01-01 (#3) and closed 2025-03-01 (#9); a site id is opened once")
    }

    @Test func eventsBeforeAClosureMustNotOutlastIt() throws {
        let store = try closedSite()
        #expect(errorMessage { try store.append([try d("power.allocated site=s2 mw=1 effective=2025-02-25")]) }
            == "power.allocated: site s2 closes at 2025-03-01 (#9), and would still have 1 MW allocated then (it allocates from 2025-02-25)")
        try store.append([try d("chips.delivered site=s2 model=m1 quantity=64 effective=2025-02-24")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s2 rack=r-2 model=m1 chips=64 kw=10 effective=2025-02-25")]) }
            == "rack.installed r-2: rack r-2 would still be active at s2 when the site closes at 2025-03-01 (#9)")
    }

    @Test func voidsOfUpdates() throws {
        let store = try makeStore()
        try store.append([try d("site.updated site=s1 power_cap_mw=20 effective=2025-06-01"),
                          try d("power.allocated site=s1 mw=15 effective=2025-07-01"),
                          try d("site.updated site=s1 power_cap_mw=16 effective=2025-08-01"),
                          try d("site.updated site=s1 name=Renamed effective=2025-09-01")])
        // The raise that the allocation relies on cannot go.
        #expect(errorMessage { try store.append([try d("event.voided target=3 reason=wrong")]) }
            == "event.voided #3: cannot void site.updated s1: site s1 would have 15 MW allocated at 2025-07-01, over its cap of 10 MW; it is needed by #4 (append the corrected event first, or void those)")
        // A cut goes: the cap before it (20 MW) holds on.
        try store.append([try d("event.voided target=5 reason=wrong")])
        try store.append([try d("power.allocated site=s1 mw=5 effective=2025-10-01")])
        // An update of the name alone goes too.
        try store.append([try d("event.voided target=6 reason=wrong")])
        // The opening counts its updates still in force among its dependents.
        #expect(errorMessage { try store.append([try d("event.voided target=1 reason=wrong")]) }
            == "event.voided #1: cannot void site.opened s1: site s1 has later events; it is needed by #3, #4, #8 (append the corrected event first, or void those)")
    }

    @Test func aVoidOfAReleaseMustFitTheCapInForce() throws {
        let store = try makeStore()
        try store.append([try d("power.allocated site=s1 mw=8 effective=2025-02-01"),
                          try d("power.released site=s1 mw=4 effective=2025-03-01"),
                          try d("site.updated site=s1 power_cap_mw=5 effective=2025-04-01")])
        #expect(errorMessage { try store.append([try d("event.voided target=4 reason=wrong")]) }
            == "event.voided #4: cannot void power.released 4 MW at s1: site s1 would have 8 MW allocated at 2025-04-01, over its cap of 5 MW from 2025-04-01 (#5); it is needed by #5 (append the corrected event first, or void those)")
    }

    @Test func voidsAroundAClosure() throws {
        let store = try closedSite()
        #expect(errorMessage { try store.append([try d("event.voided target=7 reason=wrong")]) }
            == "event.voided #7: cannot void power.released 5 MW at s2: site s2 would still have 5 MW allocated when it closes at 2025-03-01; it is needed by #9 (append the corrected event first, or void those)")
        #expect(errorMessage { try store.append([try d("event.voided target=8 reason=wrong")]) }
            == "event.voided #8: cannot void rack.retired r-1 at s2: rack r-1 would still be active when site s2 closes at 2025-03-01; it is needed by #9 (append the corrected event first, or void those)")
        #expect(errorMessage { try store.append([try d("event.voided target=3 reason=wrong")]) }
            == "event.voided #3: cannot void site.opened s2: site s2 has later events; it is needed by #4, #5, #6, #7, #8 and 1 more (append the corrected event first, or void those)")
        // The closure itself may go; the site then takes events again.
        try store.append([try d("event.voided target=9 reason=reopened")])
        try store.append([try d("power.allocated site=s2 mw=1 effective=2025-04-01")])
    }

    @Test func sitesAndPowerShowTheValuesInForceAtTheCursor() throws {
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = InMemoryEventStore(name: "test", clock: clock)
        try store.append([try d("site.opened site=s1 name=Site-one power_cap_mw=10 effective=2025-01-01"),
                          try d("site.opened site=s2 name=Two pue=1.4 effective=2025-01-01")])
        clock.advance(seconds: 3600)
        try store.append([try d("site.updated site=s1 name=Renamed region=Ohio power_cap_mw=12 pue=1.25 effective=2025-06-01"),
                          try d("site.closed site=s2 effective=2025-06-01")])
        let engine = QueryEngine(store: store, clock: clock)
        func rows(_ q: String) throws -> [[String]] { try engine.run(q).rows.map { $0.map(\.table) } }
        let before = [["s1", "Site-one", "", "10.000", "1.00", "", "2025-01-01"], ["s2", "Two", "", "", "1.40", "", "2025-01-01"]]
        #expect(try rows("sites at=2025-05-31") == before)
        // The closed site is left out from its closure on.
        #expect(try rows("sites at=2025-06-01") == [["s1", "Renamed", "Ohio", "12.000", "1.25", "", "2025-01-01"]])
        #expect(try engine.state(PointInTime(at: .time(Timestamp.parse("2025-06-01")!))).sites["s2"]?.closed == Timestamp.parse("2025-06-01"))
        // Known before the update and the closure were recorded: as before them.
        #expect(try rows("sites at=2025-07-01 known=2026-01-01") == before)
        #expect(try rows("power at=2025-07-01").map { $0.prefix(2) } == [["s1", "12.000"]])
        #expect(try rows("power at=2025-05-31").map { $0.prefix(2) } == [["s1", "10.000"], ["s2", ""]])
        #expect(try rows("power at=2025-07-01 known=2026-01-01").map { $0.prefix(2) } == [["s1", "10.000"], ["s2", ""]])
        // The PUE in force, for facility power.
        let june = try engine.figures(PointInTime(at: .time(Timestamp.parse("2025-06-01")!)))
        #expect(june.powerUsageEffectiveness(site: "s1") == 1.25 && june.powerUsageEffectiveness(site: "s2") == nil)
        let may = try engine.figures(PointInTime(at: .time(Timestamp.parse("2025-05-01")!)))
        #expect(may.powerUsageEffectiveness(site: "s1") == 1 && may.powerUsageEffectiveness(site: "s2") == 1.4)
        // The index and the fold agree.
        engine.useIndex = false
        #expect(try rows("sites at=2025-06-01").count == 1 && rows("power at=2025-07-01").count == 1)
    }
}
