@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The effects table (`FleetEffect`) says what each event type does to the totals, and every
/// consumer agrees with it: for a ledger ending in an event of each type, the fold of events, the
/// fold of packed records, the index built and updated, the checkpoint written and its tail all
/// give the totals the table gives.
struct FleetEffectTests {
    let dir = temporaryDirectory("capacity-effects")
    static let alice = SigningKey(newNamed: "alice")
    static let bob = SigningKey(newNamed: "bob")

    /// The batches that end in an event of `type` (after the opening ones), the signer of each,
    /// and the effects the table gives that last event.
    static func scenario(_ type: EventType) -> (batches: [(words: [String], signer: SigningKey?)], last: [FleetEffect<String>]) {
        func one(_ words: String...) -> [(words: [String], signer: SigningKey?)] { words.map { ([$0], nil) } }
        switch type {
        case .siteOpened:
            return (one("site.opened site=s2 name=Two effective=2025-03-01"), [])
        case .chipModelDefined:
            return (one("chip.model.defined model=m3 vendor=V bf16_tflops=500 fp8_tflops=1000 effective=2025-03-01"), [])
        case .chipsDelivered:
            return (one("chips.delivered site=s1 model=m2 quantity=640 effective=2025-03-01"),
                    [.delivered(site: "s1", model: "m2", chips: 640)])
        case .rackInstalled:
            return (one("rack.installed site=s1 rack=r1 model=m1 chips=64 kw=40 effective=2025-03-01"),
                    [.installed(site: "s1", rack: "r1", model: "m1", chips: 64, watts: 40_000)])
        case .rackRetired:
            return (one("rack.installed site=s1 rack=r1 model=m1 chips=64 kw=40 effective=2025-03-01",
                        "rack.retired site=s1 rack=r1 effective=2025-04-01"),
                    [.retired(site: "s1", rack: "r1", model: "m1", chips: 64, watts: 40_000)])
        case .powerAllocated:
            return (one("power.allocated site=s1 mw=2.5 effective=2025-03-01"), [.allocated(site: "s1", watts: 2_500_000)])
        case .powerReleased:
            return (one("power.released site=s1 mw=4 effective=2025-03-01"), [.allocated(site: "s1", watts: -4_000_000)])
        case .investmentCommitted:
            return (one("investment.committed investor=i1 recipient=r1 usd=1000 effective=2025-03-01"),
                    [.usd(investor: "i1", recipient: "r1", usd: 1000)])
        case .eventVoided:
            // The void of a delivery in the same stretch: the delivery's effects go, the void has none.
            return (one("chips.delivered site=s1 model=m2 quantity=320 effective=2025-03-01", "event.voided target=9 reason=wrong"), [])
        case .keyAdded:
            return (one("key.added key=alice public_key=\(alice.publicKeyHex)"), [])
        case .keyRevoked:
            return ([(["key.added key=alice public_key=\(alice.publicKeyHex)"], nil), (["key.added key=bob public_key=\(bob.publicKeyHex)"], alice),
                     (["key.revoked key=alice"], bob)], [])
        case .siteUpdated:
            return (one("site.updated site=s1 name=Renamed region=North power_cap_mw=80 pue=1.25 effective=2025-03-01"), [])
        case .siteClosed:
            return (one("site.opened site=s3 name=Three pue=1.4 effective=2025-02-01", "site.closed site=s3 effective=2025-03-01"), [])
        }
    }

    /// The opening events: a site with ample power (so that first fit energizes every rack and
    /// the drawn watts are the active watts), two chip models and their chips.
    static let opening = [
        "site.opened site=s1 name=One power_cap_mw=100 effective=2025-01-01",
        "chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01",
        "chip.model.defined model=m2 vendor=V bf16_tflops=300 fp8_tflops=600 effective=2025-01-01",
        "chips.delivered site=s1 model=m1 quantity=1000 effective=2025-01-02",
        "chips.delivered site=s1 model=m2 quantity=1000 effective=2025-01-02",
        "power.allocated site=s1 mw=50 effective=2025-01-02",
        "investment.committed investor=i1 recipient=r1 usd=5 effective=2025-01-02",
        "rack.installed site=s1 rack=r0 model=m2 chips=32 kw=20 effective=2025-01-03",
    ]

    /// The totals the table gives `ledger`: the effects of every event that counts (not voided,
    /// not a void), each retirement's rack from `RackInstalls`, summed; zeros left out.
    static func tableTotals(_ ledger: Ledger) -> [FleetTotal<String>: Int64] {
        let order = ledger.effectiveOrder()
        let retiring = ledger.retiredRackNumbers(order: order)
        var totals: [FleetTotal<String>: Int64] = [:]
        for s in order.map(Int.init) where ledger.voidedBy[s] == nil {
            EventFields(ledger.events[s - 1].body).forEachEffect(retiring: {
                retiring[s].map { RetiredRack(model: ledger.codec.name($0.model), chips: $0.chips, watts: $0.watts) }
            }) { effect in
                effect.forEachDelta { total, delta in totals[total, default: 0] += delta }
            }
        }
        return totals.filter { $0.value != 0 }
    }

    /// The totals a consumer's figures show (active watts as the watts drawn: every rack has
    /// power here); zeros left out.
    static func totals(_ f: any FleetFigures) -> [FleetTotal<String>: Int64] {
        var totals: [FleetTotal<String>: Int64] = [:]
        for r in f.fleet(site: nil, model: nil) {
            totals[.delivered(site: r.site, model: r.model)] = r.delivered
            totals[.installed(site: r.site, model: r.model)] = r.installed
            totals[.retired(site: r.site, model: r.model)] = r.retired
        }
        for r in f.capacity(precision: .bf16, site: nil, model: nil) {
            totals[.activeWatts(site: r.site!, model: r.model!)] = r.drawn.watts
        }
        for r in f.power(site: nil) { totals[.allocated(site: r.site)] = r.allocated.watts }
        for r in f.investments(investor: nil, recipient: nil) { totals[.usd(investor: r.investor, recipient: r.recipient)] = r.usd }
        return totals.filter { $0.value != 0 }
    }

    @Test(arguments: EventType.allCases)
    func everyConsumerAgreesWithTheTable(_ type: EventType) throws {
        let path = dir + "/\(type.rawValue).ledger"
        unlink(path)
        unlink(FleetCheckpoint.path(forLedger: path))
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = try FileEventStore(path: path, create: true, clock: clock)
        try store.append(Self.opening.map { try d($0) })
        // The index and the checkpoint from before the type's events: they take those in as an
        // update and as the checkpoint's tail.
        var updated = FleetIndex(ledger: store.ledger)
        try store.writeCheckpoint()
        let tail = Self.scenario(type)
        var allUpdated = true
        for batch in tail.batches {
            clock.advance(seconds: 60)
            store.signer = batch.signer
            try store.append(batch.words.map { try d($0) })
            allUpdated = updated.update(to: store.ledger) && allUpdated
        }
        #expect(allUpdated)
        let ledger = store.ledger

        // The table itself: the last event's effects.
        var last: [FleetEffect<String>] = []
        let lastEvent = ledger.events[ledger.count - 1]
        #expect(lastEvent.type == type)
        EventFields(lastEvent.body).forEachEffect(retiring: {
            ledger.retiredRackNumbers(order: ledger.effectiveOrder())[ledger.count].map {
                RetiredRack(model: ledger.codec.name($0.model), chips: $0.chips, watts: $0.watts)
            }
        }) { last.append($0) }
        #expect(last == tail.last, "\(type): the table")

        let expected = Self.tableTotals(ledger)
        let engine = QueryEngine(store: store, clock: clock)
        engine.useIndex = false
        let view = engine.view(PointInTime())
        var events = FleetState()
        for e in engine.countingEvents(view) { events.apply(e) }
        let fromTail = try FleetCheckpoint.figures(ledgerPath: path, point: PointInTime(), now: clock.now())
        try store.writeCheckpoint()
        let consumers: [(String, any FleetFigures)] = [
            ("the fold of events", events),
            ("the fold of packed records", try engine.state(view)),
            ("the index built", FleetIndex(ledger: ledger).snapshot(view, ledger: ledger)),
            ("the index updated", updated.snapshot(view, ledger: ledger)),
            ("the checkpoint's tail", fromTail),
            ("the checkpoint written", try FleetCheckpoint.figures(ledgerPath: path, point: PointInTime(), now: clock.now())),
        ]
        for (name, figures) in consumers {
            #expect(Self.totals(figures) == expected, "\(type): \(name)")
            // The sites as they stand (opened, updated, closed) and the power rows they give.
            #expect(figures.sites == events.sites, "\(type): \(name)'s sites")
            #expect(figures.power(site: nil) == events.power(site: nil), "\(type): \(name)'s power")
        }
    }
}
