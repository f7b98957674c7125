@testable import CapacityLedger
@testable import LedgerStorage
import PropertyBased
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Which install a retirement retires (`RackInstalls`): one answer, whether asked in a pass in
/// effective order or looking back from the retirement, and the index and the checkpoint give
/// the figures the fold gives with it.
struct RackInstallsTests {
    let dir = temporaryDirectory("capacity-installs")

    /// A rack installed, that install voided, the rack installed again backdated before it (with
    /// another model and size), then retired: the retirement retires the second install, which
    /// stood when it was recorded, not the voided one that is later in effective order.
    @Test func aRetirementRetiresTheInstallThatStoodWhenItWasRecorded() throws {
        let path = dir + "/voided.ledger"
        unlink(path)
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = try FileEventStore(path: path, create: true, clock: clock)
        try store.append([
            "site.opened site=s1 name=One effective=2025-01-01",
            "chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01",
            "chip.model.defined model=m2 vendor=V bf16_tflops=300 fp8_tflops=600 effective=2025-01-01",
            "chips.delivered site=s1 model=m1 quantity=1000 effective=2025-01-02", "chips.delivered site=s1 model=m2 quantity=1000 effective=2025-01-02",
            "power.allocated site=s1 mw=10 effective=2025-01-02",
        ].map { try d($0) })
        // The checkpoint before the racks: its tail holds them.
        try store.writeCheckpoint()
        let engine = QueryEngine(store: store, clock: clock)
        engine.useIndex = false
        var index = FleetIndex(ledger: store.ledger)
        try store.append([try d("rack.installed site=s1 rack=r1 model=m1 chips=64 kw=40 effective=2025-03-01")])
        try store.append([try d("event.voided target=\(store.ledger.count) reason=wrong")])
        try store.append([try d("rack.installed site=s1 rack=r1 model=m2 chips=32 kw=20 effective=2025-02-01")])
        var updated = index.update(to: store.ledger)
        try store.append([try d("rack.retired site=s1 rack=r1 effective=2025-04-01")])
        updated = index.update(to: store.ledger) && updated
        #expect(updated)
        let built = FleetIndex(ledger: store.ledger)
        let tail = try FleetCheckpoint.figures(ledgerPath: path, point: PointInTime(), now: clock.now())
        try store.writeCheckpoint()
        let written = try FleetCheckpoint.figures(ledgerPath: path, point: PointInTime(), now: clock.now())
        let fold = try engine.figures(PointInTime())
        #expect(fold.fleet(site: nil, model: nil).map { "\($0.model) installed \($0.installed) retired \($0.retired)" }
            == ["m1 installed 0 retired 0", "m2 installed 0 retired 32"])
        let view = engine.view(PointInTime())
        #expect(FleetIndexTests.same(built.snapshot(view, ledger: store.ledger), fold), "index built")
        #expect(FleetIndexTests.same(index.snapshot(view, ledger: store.ledger), fold), "index updated")
        #expect(FleetIndexTests.same(tail, fold), "checkpoint tail")
        #expect(FleetIndexTests.same(written, fold), "checkpoint written")
    }

    /// For every retirement of random histories (racks named again, voids), a pass in effective
    /// order and a look back through its site's racks find the same install.
    @Test func aPassAndALookBackAgree() async {
        await propertyCheck(count: 5, input: Gen.int(in: 1...1_000_000)) { seed in
            let ledger = try! PackedEventTests.store(seed: seed).ledger
            let order = ledger.effectiveOrder()
            let passed = ledger.retiredRackNumbers(order: order)
            var marks: [UInt32: [Int]] = [:]  // per site, its installs and retirements in effective order
            for s in order.map(Int.init) where [PackedEvent.rackInstalled, PackedEvent.rackRetired].contains(ledger.stored[s - 1].code) {
                marks[ledger.stored[s - 1].site, default: []].append(s)
            }
            var retirements = 0
            for (_, seqs) in marks {
                for seq in seqs where ledger.stored[seq - 1].code == PackedEvent.rackRetired {
                    retirements += 1
                    let back = RackInstalls.retired(by: ledger.stored[seq - 1], seq: seq, lookingBackThrough: seqs, records: ledger.stored,
                                                    voidedBy: { ledger.voidedBy[$0] })
                    #expect(back != nil && back == passed[seq], "seed \(seed) #\(seq)")
                }
            }
            #expect(retirements > 0 && passed.count == retirements)
        }
    }
}
