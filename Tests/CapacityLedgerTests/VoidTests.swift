import CapacityLedger
import LedgerStorage
import Testing

struct VoidTests {
    @Test func voidingAnUnneededDeliveryIsAccepted() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("chips.delivered site=s1 model=m1 quantity=640 effective=2025-10-01")])
        let v = try store.append([try d("event.voided target=4 reason=keyed-twice")])
        #expect(store.ledger.voidedBy[4] == v[0].seq)
        // The voided chips are gone: only 64 remain to install.
        #expect(errorMessage { try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=65 kw=1 effective=2025-10-02")]) } != nil)
    }

    @Test func voidNamesTheEventsThatDependOnIt() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02")])
        #expect(errorMessage { try store.append([try d("event.voided target=3 reason=wrong")]) }
            == "event.voided #3: cannot void chips.delivered 64 m1 at s1: site s1 would have -64 undeployed m1 chips at 2025-10-02; it is needed by #4 (append the corrected event first, or void those)")
        #expect(errorMessage { try store.append([try d("event.voided target=1 reason=wrong")]) }
            == "event.voided #1: cannot void site.opened s1: site s1 has later events; it is needed by #3, #4 (append the corrected event first, or void those)")
        #expect(errorMessage { try store.append([try d("event.voided target=2 reason=wrong")]) }
            == "event.voided #2: cannot void chip.model.defined m1: chip model m1 would not be defined for them; it is needed by #3, #4 (append the corrected event first, or void those)")
        // Voiding in dependency order works.
        try store.append([try d("event.voided target=4 reason=wrong"), try d("event.voided target=3 reason=wrong")])
        #expect(store.ledger.voidedBy == [4: 5, 3: 6])
    }

    @Test func voidingAnInstallThatWasLaterRetiredIsRejected() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02"),
                          try d("rack.retired site=s1 rack=r-1 effective=2025-10-03")])
        #expect(errorMessage { try store.append([try d("event.voided target=4 reason=x")]) }
            == "event.voided #4: cannot void rack.installed r-1 at s1: rack r-1 would be retired without being installed; it is needed by #5 (append the corrected event first, or void those)")
    }

    @Test func voidingAnAllocationNeededByARelease() throws {
        let store = try makeStore()
        try store.append([try d("power.allocated site=s1 mw=5 effective=2025-03-01"),
                          try d("power.released site=s1 mw=5 effective=2025-04-01")])
        #expect(errorMessage { try store.append([try d("event.voided target=3 reason=x")]) }
            == "event.voided #3: cannot void power.allocated 5 MW at s1: site s1 would have -5 MW allocated at 2025-04-01; it is needed by #4 (append the corrected event first, or void those)")
    }
}
