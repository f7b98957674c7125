import CapacityLedger
import LedgerStorage
import Testing

/// Rules hold at every effective time, also when facts are recorded late.
struct BitemporalRuleTests {
    @Test func backdatedDeliveryMakesAnEarlierInstallPossible() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-10")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-05")]) }
            == "rack.installed r-1: site s1 has 0 undeployed m1 chips at 2025-10-05 (delivered 0, installed 0); the rack needs 64")
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-05")]) } == nil)
    }

    @Test func backdatedInstallMustNotStarveALaterOne() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-2 model=m1 chips=64 kw=10 effective=2025-10-20")])
        // Enough chips on 2025-10-05 (64), but on 2025-10-20 the later rack would leave -64.
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-05")]) }
            == "rack.installed r-1: site s1 would be short of m1 chips at 2025-10-20: 0 undeployed then (delivered 64, installed 64), and the rack needs 64 from 2025-10-05 on")
    }

    @Test func backdatedAllocationMustFitUnderTheCapLater() throws {
        let store = try makeStore(cap: "power_cap_mw=10")
        try store.append([try d("power.allocated site=s1 mw=8 effective=2025-06-01")])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=3 effective=2025-03-01")]) }
            == "power.allocated: site s1 would have 11 MW allocated at 2025-06-01 (it allocates from 2025-03-01), over its cap of 10 MW (8 MW already allocated then)")
    }

    @Test func backdatedReleaseMustNotUndercutALaterRelease() throws {
        let store = try makeStore()
        try store.append([try d("power.allocated site=s1 mw=5 effective=2025-03-01"),
                          try d("power.released site=s1 mw=4 effective=2025-06-01")])
        #expect(errorMessage { try store.append([try d("power.released site=s1 mw=2 effective=2025-04-01")]) }
            == "power.released: site s1 has 1 MW allocated at 2025-06-01 (it releases from 2025-04-01); cannot release 2 MW")
    }

    @Test func backdatedRetireBetweenInstallsIsAccepted() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-02")])
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-08")]) } != nil)
        try store.append([try d("rack.retired site=s1 rack=r-1 effective=2025-10-05"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-08")])
        // A backdated install before the first one would overlap it.
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=10 effective=2025-10-01T12:00:00Z")]) }
            == "rack.installed r-1: rack r-1 at s1 is installed later, at 2025-10-02 (#4); an install at 2025-10-01T12:00:00Z would overlap it")
    }

    @Test func specRedefinitionIsAccepted() throws {
        let store = try makeStore()
        let e = try store.append([try d("chip.model.defined model=m1 vendor=V bf16_tflops=120 fp8_tflops=240 effective=2025-06-01")])
        #expect(e[0].seq == 3)
    }
}
