import CapacityLedger
import LedgerStorage
import Testing

/// Every append-time rule, accepted at its edge and rejected just past it.
struct RuleTests {
    @Test func siteIsOpenedOnlyOnce() throws {
        let store = try makeStore()
        #expect(errorMessage { try store.append([try d("site.opened site=s1 name=Again effective=2025-06-01")]) }
            == "site.opened s1: site s1 is already open (opened 2025-01-01, #1)")
        #expect(errorMessage { try store.append([try d("site.opened site=s2 name=Two effective=2025-06-01")]) } == nil)
    }

    @Test func deliveryNeedsAnOpenSiteAndADefinedModel() throws {
        let store = try makeStore()
        #expect(errorMessage { try store.append([try d("chips.delivered site=s9 model=m1 quantity=1 effective=2025-02-01")]) }
            == "chips.delivered: site s9 has not been opened (append a site.opened event for it first)")
        #expect(errorMessage { try store.append([try d("chips.delivered site=s1 model=m1 quantity=1 effective=2024-12-31T23:59:59Z")]) }
            == "chips.delivered: site s1 is not open at 2024-12-31T23:59:59Z; it opens 2025-01-01 (#1)")
        #expect(errorMessage { try store.append([try d("chips.delivered site=s1 model=m9 quantity=1 effective=2025-02-01")]) }
            == "chips.delivered: chip model m9 is not defined (append a chip.model.defined event for it first)")
        // At the very instant both take effect, it is accepted.
        #expect(errorMessage { try store.append([try d("chips.delivered site=s1 model=m1 quantity=1 effective=2025-01-01")]) } == nil)
    }

    @Test func rackNeedsEnoughUndeployedChips() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=24 kw=10 effective=2025-10-02")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-0017 model=m1 chips=64 kw=10 effective=2025-10-03", line: 3)]) }
            == "line 3: rack.installed r-0017: site s1 has 40 undeployed m1 chips at 2025-10-03 (delivered 64, installed 24); the rack needs 64")
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-0017 model=m1 chips=40 kw=10 effective=2025-10-03")]) } == nil)
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-0018 model=m1 chips=1 kw=10 effective=2025-10-04")]) }
            == "rack.installed r-0018: site s1 has 0 undeployed m1 chips at 2025-10-04 (delivered 64, installed 64); the rack needs 1")
    }

    @Test func rackIdIsNotActiveTwice() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=256 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-02")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-05")]) }
            == "rack.installed r-1: rack r-1 is already active at s1 (installed 2025-10-02, #4)")
        try store.append([try d("rack.retired site=s1 rack=r-1 effective=2025-10-06")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-06")]) } == nil)
    }

    @Test func retiredRackMustBeActive() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-02")])
        #expect(errorMessage { try store.append([try d("rack.retired site=s1 rack=r-2 effective=2025-10-03")]) }
            == "rack.retired r-2: rack r-2 was never installed at s1")
        #expect(errorMessage { try store.append([try d("rack.retired site=s1 rack=r-1 effective=2025-10-01")]) }
            == "rack.retired r-1: rack r-1 is not active at s1 at 2025-10-01; it is first installed 2025-10-02 (#4)")
        try store.append([try d("rack.retired site=s1 rack=r-1 effective=2025-10-02T00:00:01Z")])
        #expect(errorMessage { try store.append([try d("rack.retired site=s1 rack=r-1 effective=2025-10-09")]) }
            == "rack.retired r-1: rack r-1 is not active at s1 at 2025-10-09; it was retired 2025-10-02T00:00:01Z (#5)")
    }

    @Test func retiredChipsDoNotReturnToUndeployed() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-02"),
                          try d("rack.retired site=s1 rack=r-1 effective=2025-10-03")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-2 model=m1 chips=1 kw=10 effective=2025-10-04")]) }
            == "rack.installed r-2: site s1 has 0 undeployed m1 chips at 2025-10-04 (delivered 64, installed 64); the rack needs 1")
    }

    @Test func allocatedPowerNeverExceedsTheCap() throws {
        let store = try makeStore(cap: "power_cap_mw=10")
        try store.append([try d("power.allocated site=s1 mw=6 effective=2025-03-01")])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=4.000001 effective=2025-03-02")]) }
            == "power.allocated: site s1 would have 10.000001 MW allocated at 2025-03-02, over its cap of 10 MW (6 MW already allocated then)")
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=4 effective=2025-03-02")]) } == nil)
    }

    @Test func aSiteWithoutACapTakesAnyAllocation() throws {
        let store = try makeStore(cap: "")
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=100000 effective=2025-03-01")]) } == nil)
    }

    @Test func releaseNeverExceedsAllocation() throws {
        let store = try makeStore()
        try store.append([try d("power.allocated site=s1 mw=6 effective=2025-03-01")])
        #expect(errorMessage { try store.append([try d("power.released site=s1 mw=6.5 effective=2025-03-02")]) }
            == "power.released: site s1 has 6 MW allocated at 2025-03-02; cannot release 6.5 MW")
        #expect(errorMessage { try store.append([try d("power.released site=s1 mw=6 effective=2025-03-02")]) } == nil)
    }

    @Test func investmentsNeedNoSite() throws {
        let store = try makeStore(opening: false)
        let events = try store.append([try d("investment.committed investor=amazon recipient=anthropic usd=4000000000 effective=2024-11-22")])
        #expect(events.map(\.seq) == [1])
    }

    @Test func seqsAndRecordedTimesAreAssigned() throws {
        let clock = ManualClock(Timestamp.parse("2026-01-01T10:00:00Z")!)
        let store = InMemoryEventStore(clock: clock)
        let a = try store.append([try d("investment.committed investor=a recipient=b usd=1")])
        clock.set(Timestamp.parse("2025-12-31")!)  // the clock steps back: recorded times do not
        let b = try store.append([try d("investment.committed investor=a recipient=b usd=2")])
        #expect(a[0].seq == 1 && b[0].seq == 2)
        #expect(a[0].recorded == Timestamp.parse("2026-01-01T10:00:00Z"))
        #expect(b[0].recorded == a[0].recorded)
        #expect(a[0].effective == a[0].recorded, "effective defaults to the moment of recording")
    }
}
