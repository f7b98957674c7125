@testable import CapacityLedger
@testable import LedgerStorage
import PropertyBased
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Events as a ledger holds them: packed records whose names are numbers in the log's string
/// table, read back as the events that were appended.
struct PackedEventTests {
    /// A generated history, events with a note and a source, then batches that name racks again
    /// (`w-…`) after retiring them.
    static func store(seed: Int) throws -> InMemoryEventStore {
        let (store, _) = try ProjectionPropertyTests.history(seed: UInt64(seed), count: 300)
        try store.append([
            try d("chips.delivered site=site-a model=b200 quantity=640 effective=2025-12-01 note=\"count \(seed)\" source=https://example.com/\(seed)"),
            try d("rack.installed site=site-a rack=noted-\(seed) model=b200 chips=64 kw=45 effective=2025-12-02 note=\"rack \(seed)\""),
            try d("investment.committed investor=amazon recipient=anthropic usd=1000 instrument=notes effective=2025-12-03"),
        ])
        var rng = SplitMix64(seed: UInt64(seed))
        let racks = store.ledger.events.compactMap { $0.body.rack }
        for _ in 0..<40 {
            let words = WriterBaseTests.batch(&rng, count: store.ledger.count, racks: racks)
            _ = try? store.append(words.map { try d($0) })
        }
        return store
    }

    @Test func theNumbersNameTheEventsStrings() async {
        await propertyCheck(count: 5, input: Gen.int(in: 1...1_000_000)) { seed in
            let ledger = try! Self.store(seed: seed).ledger
            let strings = ledger.codec.strings.texts
            func name(_ n: UInt32) -> String { strings[Int(n)] }
            for (i, e) in ledger.events.enumerated() {
                let p = ledger.stored[i]
                #expect(p.code == e.type.code && p.effective == e.effective.micros, "#\(e.seq)")
                #expect(p.hasExtra == (e.note != nil || e.source != nil || e.type == .siteOpened || e.type == .chipModelDefined
                                       || e.type == .siteUpdated), "#\(e.seq)")
                // Each field by the name of what it holds (`PackedFields`).
                switch e.body {
                case .siteOpened(let site, _, _, _, _, _), .siteClosed(let site): #expect(name(p.site) == site)
                case .siteUpdated(let site, _, _, let cap, _): #expect(name(p.site) == site && p.cap == cap?.watts ?? 0)
                case .chipModelDefined(let model, _, _, _, _, _): #expect(name(p.model) == model)
                case .chipsDelivered(let site, let model, let q): #expect([name(p.site), name(p.model)] == [site, model] && p.quantity == q)
                case .rackInstalled(let site, let rack, let model, let chips, let power):
                    #expect([name(p.site), name(p.rack), name(p.model)] == [site, rack, model] && p.chips == chips && p.watts == power.watts)
                case .rackRetired(let site, let rack): #expect([name(p.site), name(p.rack)] == [site, rack])
                case .powerAllocated(let site, let power), .powerReleased(let site, let power): #expect(name(p.site) == site && p.watts == power.watts)
                case .investmentCommitted(let investor, let recipient, let usd, let instrument):
                    #expect([name(p.investor), name(p.recipient)] == [investor, recipient] && p.usd == usd)
                    #expect(p.instrument.map(name) == instrument)
                case .eventVoided(let target, let reason): #expect(p.target == target && name(p.reason) == reason)
                case .keyAdded(let key, let publicKey): #expect([name(p.signingKey), name(p.publicKey)] == [key, publicKey])
                case .keyRevoked(let key): #expect(name(p.signingKey) == key)
                }
            }
        }
    }

    /// The names read the fields of the packed layout (`PackedEvent`'s table) and nothing else:
    /// the 40-byte record is unchanged.
    @Test func theNamesReadThePackedFields() {
        #expect(MemoryLayout<PackedEvent>.size <= 40 && MemoryLayout<PackedEvent>.stride == 40)
        var p = PackedEvent(code: PackedEvent.rackInstalled, effective: 1)
        (p.a, p.b, p.c, p.amount, p.amount2) = (1, 2, 3, 4, 5)
        #expect([p.site, p.rack, p.model] == [1, 2, 3] && [p.chips, p.watts] == [4, 5])
        p.code = PackedEvent.chipsDelivered
        #expect([p.site, p.model] == [1, 2] && p.quantity == 4)
        p.code = PackedEvent.chipModelDefined
        #expect(p.model == 1)
        p.code = PackedEvent.powerReleased
        #expect(p.site == 1 && p.watts == 4)
        p.code = PackedEvent.investmentCommitted
        #expect([p.investor, p.recipient] == [1, 2] && p.instrument == 2 && p.usd == 4)
        p.code = PackedEvent.eventVoided
        #expect(p.target == 4 && p.reason == 2)
    }

    @Test func aLedgerReadFromItsLogHoldsTheSameEvents() throws {
        let store = try Self.store(seed: 11)
        let path = temporaryDirectory("capacity-packed") + "/copy.ledger"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = store.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let read = try FileEventStore(path: path, create: false)
        #expect(read.ledger.events == store.ledger.events)
        #expect(read.ledger.stored.allRecords() == store.ledger.stored.allRecords())
    }

    /// What a retirement retires, against a search of every install before it: the latest
    /// that stood when the retirement was recorded (recorded before it, not voided before it).
    @Test func eachRetirementFindsItsLatestInstall() async {
        await propertyCheck(count: 5, input: Gen.int(in: 1...1_000_000)) { seed in
            let ledger = try! Self.store(seed: seed).ledger
            let found = ledger.retiredRackNumbers(order: ledger.effectiveOrder())
            let order = ledger.effectiveOrder().map(Int.init)
            let events = ledger.events
            var expected = 0
            for (k, seq) in order.enumerated() {
                guard case .rackRetired(let site, let rack) = events[seq - 1].body else { continue }
                expected += 1
                let install = order[..<k].last { s in
                    guard s < seq, ledger.voidedBy[s].map({ $0 > seq }) ?? true else { return false }
                    if case .rackInstalled(site, rack, _, _, _) = events[s - 1].body { return true }
                    return false
                }
                guard let install, case .rackInstalled(_, _, let model, let chips, let power) = events[install - 1].body else {
                    Issue.record("#\(seq) retires a rack never installed")
                    continue
                }
                let x = found[seq]
                #expect(x.map { ledger.codec.strings.texts[Int($0.model)] } == model && x?.chips == chips && x?.watts == power.watts, "#\(seq)")
            }
            #expect(found.count == expected)
        }
    }

    /// Recorded times are kept per run of equal times; reading them back, cutting at a time, and
    /// taking events off the end agree with a list of every event's time.
    @Test func recordedTimesByRun() {
        var storage = EventStorage()
        var times: [Int64] = []
        var rng = SplitMix64(seed: 5)
        var t: Int64 = 1_000
        for _ in 0..<500 {
            if rng.next() % 4 == 0 { t += Int64(rng.next() % 3) }
            storage.append(PackedEvent(code: PackedEvent.chipsDelivered, effective: 0), recorded: t)
            times.append(t)
        }
        for _ in 0..<137 {
            storage.removeLast()
            times.removeLast()
        }
        storage.append(PackedEvent(code: PackedEvent.chipsDelivered, effective: 0), recorded: t + 5)
        times.append(t + 5)
        #expect((0..<storage.count).map { storage.recorded($0) } == times)
        for cut in (times.first! - 1)...(t + 6) {
            #expect(storage.count(recordedBy: cut) == times.filter { $0 <= cut }.count, "cut \(cut)")
        }
    }
}
