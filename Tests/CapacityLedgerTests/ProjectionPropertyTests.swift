@testable import CapacityLedger
@testable import LedgerStorage
import PropertyBased
import Testing

/// Over random valid histories (backdated deliveries, retirements, voids, power changes, batches
/// recorded at different times): the engine's state at any point equals a fresh, naive fold of
/// exactly the events that count there, and energization never exceeds what is installed or
/// allocated.
struct ProjectionPropertyTests {
    /// A ledger built from a generated history, appended in batches recorded a day apart, then
    /// site changes (`addSiteChanges`) unless told otherwise.
    static func history(seed: UInt64, count: Int, rackKW: Int = 40_000, siteChanges: Bool = true) throws -> (InMemoryEventStore, ManualClock) {
        var gen = HistoryGenerator(count: count, seed: seed)
        gen.rackKW = rackKW  // 40 MW racks: allocations of 50–250 MW strand some of them
        var lines: [String] = []
        gen.generate { lines.append($0) }
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = InMemoryEventStore(clock: clock)
        var rng = SplitMix64(seed: seed ^ 0xABCDEF)
        var i = 0
        while i < lines.count {
            let n = 1 + Int(rng.next() % 40)
            let batch = lines[i..<min(lines.count, i + n)].joined(separator: "\n")
            try store.append(try EventBatch.parse(batch))
            clock.advance(seconds: 86_400)
            i += n
        }
        if siteChanges { addSiteChanges(store, clock: clock, seed: seed) }
        return (store, clock)
    }

    /// Site changes and closures, appended after a generated history and backdated among its
    /// events (so that cuts in effective and recorded time fall before and after them): updates
    /// of the generator's sites (name, region, PUE, caps cut or raised), spare sites opened with
    /// a little power and a rack, wound down and closed, and voids of updates and closures.
    /// What the rules refuse (a cap below what is allocated, a void an allocation relies on) is
    /// left out; the rest is kept.
    static func addSiteChanges(_ store: InMemoryEventStore, clock: ManualClock, seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0x5173_0C10)
        let first = Timestamp.parse("2023-01-02")!.seconds, span: UInt64 = 3 * 365 * 86_400
        func time(after t: Int64? = nil) -> Int64 { (t ?? first) + Int64(rng.next() % (t == nil ? span : 30 * 86_400)) + (t == nil ? 0 : 3_600) }
        func text(_ t: Int64) -> String { Timestamp(seconds: t).shortString }
        let sites = HistoryGenerator.sites
        for i in 0..<14 {
            var lines: [String] = []
            switch rng.next() % 5 {
            case 0, 1:
                var words = ["site.updated site=\(sites[Int(rng.next() % UInt64(sites.count))])"]
                if rng.next() % 2 == 0 { words.append("name=Renamed-\(i)") }
                if rng.next() % 3 == 0 { words.append("region=Region-\(i)") }
                if rng.next() % 2 == 0 { words.append("power_cap_mw=\(20 + rng.next() % 3_000)") }
                if words.count == 1 || rng.next() % 2 == 0 { words.append("pue=1.\(10 + rng.next() % 90)") }
                lines = [(words + ["effective=\(text(time()))"]).joined(separator: " ")]
            case 2, 3:
                let s = "spare-\(i)"
                let t0 = time(), t1 = time(after: t0), t2 = time(after: t1), t3 = time(after: t2), t4 = time(after: t3)
                lines = ["site.opened site=\(s) name=Spare-\(i) pue=1.\(20 + rng.next() % 50) power_cap_mw=5 effective=\(text(t0))",
                         "power.allocated site=\(s) mw=0.2 effective=\(text(t1))",
                         "chips.delivered site=\(s) model=trainium2 quantity=64 effective=\(text(t1))",
                         "rack.installed site=\(s) rack=x-\(i) model=trainium2 chips=64 kw=40 effective=\(text(t2))",
                         "site.updated site=\(s) power_cap_mw=0.5 effective=\(text(t2))",
                         "rack.retired site=\(s) rack=x-\(i) effective=\(text(t3))",
                         "power.released site=\(s) mw=0.2 effective=\(text(t3))"]
                if rng.next() % 4 != 0 { lines.append("site.closed site=\(s) effective=\(text(t4))") }
            default:
                let changes = store.ledger.events.filter { ($0.type == .siteUpdated || $0.type == .siteClosed) && store.ledger.voidedBy[$0.seq] == nil }
                guard !changes.isEmpty else { continue }
                lines = ["event.voided target=\(changes[Int(rng.next() % UInt64(changes.count))].seq) reason=undone"]
            }
            clock.advance(seconds: 86_400)
            _ = try? store.append(lines.map { try d($0) })
        }
    }

    struct Reference {
        var fleet: [String: (delivered: Int64, installed: Int64, energized: Int64, retired: Int64)] = [:]
        var allocated: [String: Int64] = [:]
        var drawn: [String: Int64] = [:]
        var usd: Int64 = 0
        /// Each site as its opening, the updates after it and its closure leave it.
        var sites: [String: SiteInfo] = [:]
    }

    /// The naive fold: filter, sort, replay, then first fit from scratch per site.
    static func reference(_ ledger: Ledger, _ p: PointInTime, now: Timestamp) -> Reference {
        var limit = ledger.count
        if let k = p.known { limit = min(limit, ledger.events.filter { $0.recorded <= k }.count) }
        var eff = now
        if case .time(let t) = p.at { eff = t }
        if case .seq(let n) = p.at { limit = min(limit, n) }
        let voidSeqs = Dictionary(ledger.events.prefix(limit).compactMap { e -> (Int, Int)? in
            if case .eventVoided(let t, _) = e.body { return (t, e.seq) }
            return nil
        }, uniquingKeysWith: min)
        let counting = ledger.events.prefix(limit)
            .filter { $0.effective <= eff && $0.type != .eventVoided && voidSeqs[$0.seq] == nil }
            .sorted { ($0.effective, $0.seq) < ($1.effective, $1.seq) }
        var r = Reference()
        var racks: [String: (site: String, model: String, chips: Int64, watts: Int64, key: (Timestamp, Int))] = [:]
        func key(_ s: String, _ m: String) -> String { s + "/" + m }
        for e in counting {
            switch e.body {
            case .chipsDelivered(let s, let m, let q): r.fleet[key(s, m), default: (0, 0, 0, 0)].delivered += q
            case .rackInstalled(let s, let rack, let m, let c, let p): racks[s + "/" + rack] = (s, m, c, p.watts, (e.effective, e.seq))
            case .rackRetired(let s, let rack):
                if let x = racks.removeValue(forKey: s + "/" + rack) { r.fleet[key(s, x.model), default: (0, 0, 0, 0)].retired += x.chips }
            case .powerAllocated(let s, let p): r.allocated[s, default: 0] += p.watts
            case .powerReleased(let s, let p): r.allocated[s, default: 0] -= p.watts
            case .investmentCommitted(_, _, let usd, _): r.usd += usd
            case .siteOpened(let s, let name, let region, let cap, let acres, let pue):
                r.sites[s] = SiteInfo(site: s, name: name, region: region, cap: cap, acres: acres, opened: e.effective, pue: pue)
            case .siteUpdated(let s, let name, let region, let cap, let pue):
                r.sites[s]!.name = name ?? r.sites[s]!.name
                r.sites[s]!.region = region ?? r.sites[s]!.region
                r.sites[s]!.cap = cap ?? r.sites[s]!.cap
                r.sites[s]!.pue = pue ?? r.sites[s]!.pue
            case .siteClosed(let s): r.sites[s]!.closed = e.effective
            default: break
            }
        }
        let bySite = Dictionary(grouping: racks.values, by: \.site)
        for (site, list) in bySite {
            var remaining = r.allocated[site] ?? 0
            for x in list.sorted(by: { ($0.key.0, $0.key.1) < ($1.key.0, $1.key.1) }) {
                r.fleet[key(site, x.model), default: (0, 0, 0, 0)].installed += x.chips
                if x.watts <= remaining {
                    remaining -= x.watts
                    r.fleet[key(site, x.model), default: (0, 0, 0, 0)].energized += x.chips
                    r.drawn[site, default: 0] += x.watts
                }
            }
        }
        return r
    }

    @Test func stateEqualsAFreshFoldOfTheEventsThatCount() async {
        await propertyCheck(count: 25, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...1000), Gen.int(in: 0...1000)) { seed, a, k in
            let (store, clock) = try! Self.history(seed: UInt64(seed), count: 400)
            let engine = QueryEngine(store: store, clock: clock)
            let ledger = store.ledger
            let first = Timestamp.parse("2023-01-01")!.micros, last = Timestamp.parse("2026-01-10")!.micros
            let at = Timestamp(seconds: (first + (last - first) / 1000 * Int64(a)) / 1_000_000)
            let known = ledger.events[min(ledger.count - 1, ledger.count * k / 1000)].recorded
            let points = [PointInTime(), PointInTime(at: .time(at)), PointInTime(at: .time(at), known: known),
                          PointInTime(at: .seq(max(0, ledger.count * k / 1000))), PointInTime(known: known)]
            for p in points {
                let s = try! engine.state(p)
                let ref = Self.reference(ledger, p, now: clock.now())
                var got: [String: (Int64, Int64, Int64, Int64)] = [:]
                for row in s.fleet() { got[row.site + "/" + row.model] = (row.delivered, row.installed, row.energized, row.retired) }
                let want = ref.fleet.filter { $0.value != (0, 0, 0, 0) }
                #expect(got.count == want.count, "\(p)")
                for (k, v) in want { #expect(got[k].map { $0 == v } == true, "\(k) at \(p)") }
                #expect(s.sites == ref.sites, "\(p)")
                // Every open site has a row of power, with the cap in force; a closed one none.
                #expect(s.power().map(\.site) == ref.sites.values.filter { $0.closed == nil }.map(\.site).sorted(), "\(p)")
                for row in s.power() {
                    #expect(row.cap == ref.sites[row.site]?.cap, "\(p)")
                    #expect(row.allocated.watts == ref.allocated[row.site] ?? 0)
                    #expect(row.drawn.watts == ref.drawn[row.site] ?? 0)
                    #expect(row.drawn <= row.allocated, "drawn never exceeds allocated")
                }
                for row in s.fleet() { #expect(row.energized <= row.installed, "energized never exceeds installed") }
                #expect(s.committedUSD == ref.usd)
            }
        }
    }

    /// A fold told which racks retirements name keeps only those findable by name; it ends in
    /// the same state as one that keeps every rack findable.
    @Test func aPreparedFoldEqualsAPlainOne() async {
        await propertyCheck(count: 10, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...1000)) { seed, k in
            let (store, clock) = try! Self.history(seed: UInt64(seed), count: 400)
            let engine = QueryEngine(store: store, clock: clock)
            let known = store.ledger.events[store.ledger.count * k / 1001].recorded
            let events = engine.countingEvents(engine.view(PointInTime(known: known)))
            var plain = FleetState(), prepared = FleetState()
            prepared.prepare(for: store.ledger.events)
            for e in events {
                plain.apply(e)
                prepared.apply(e)
            }
            #expect(plain == prepared, "seed \(seed)")
            #expect(plain.fleet() == prepared.fleet() && plain.power() == prepared.power(), "seed \(seed)")
            #expect(prepared.fleet().contains { $0.retired > 0 } || !events.contains { $0.type == .rackRetired }, "seed \(seed)")
        }
    }

    /// The fold over packed records, whose energizers keep no racks while every rack has power
    /// (building them from the records folded so far when power runs short, and dropping them
    /// when it is back), ends as a fold of the same events does: with 40 MW racks, where power
    /// often runs short, and with the generator's 45 kW racks, which strand only before a site
    /// has power.
    @Test(arguments: [40_000, 45])
    func aFoldOfPackedRecordsEqualsAFoldOfEvents(rackKW: Int) async {
        await propertyCheck(count: 15, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...1000)) { seed, k in
            let (store, clock) = try! Self.history(seed: UInt64(seed), count: 400, rackKW: rackKW)
            let engine = QueryEngine(store: store, clock: clock)
            engine.useIndex = false
            let cut = store.ledger.events[store.ledger.count * k / 1001].effective
            for p in [PointInTime(), PointInTime(at: .time(cut))] {
                let packed = try! engine.state(p)
                var plain = FleetState()
                for e in engine.countingEvents(engine.view(p)) { plain.apply(e) }
                #expect(packed == plain ? true : Self.difference(packed, plain), "seed \(seed) at \(p)")
                #expect(packed.fleet() == plain.fleet() && packed.power() == plain.power(), "seed \(seed) at \(p)")
                #expect(packed.capacity(precision: .fp8) == plain.capacity(precision: .fp8), "seed \(seed) at \(p)")
            }
        }
    }

    /// A fold on two threads, each taking a group of sites, merges into the state a fold on one
    /// thread reaches, at the end and at cuts in effective and recorded time.
    @Test(arguments: [40_000, 45])
    func aFoldOnTwoThreadsEqualsAFoldOnOne(rackKW: Int) async {
        await propertyCheck(count: 15, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...1000)) { seed, k in
            let (store, clock) = try! Self.history(seed: UInt64(seed), count: 600, rackKW: rackKW)
            let one = QueryEngine(store: store, clock: clock), two = QueryEngine(store: store, clock: clock)
            one.parallelFoldFrom = .max
            two.parallelFoldFrom = 0
            two.runner = Threads()
            let cut = store.ledger.events[store.ledger.count * k / 1001]
            for p in [PointInTime(), PointInTime(at: .time(cut.effective)), PointInTime(known: cut.recorded)] {
                let a = try! one.state(p), b = try! two.state(p)
                #expect(one.foldThreads == 1 && two.foldThreads == 2, "seed \(seed)")
                #expect(a == b ? true : Self.difference(a, b), "seed \(seed) at \(p)")
                #expect(a.fleet() == b.fleet() && a.power() == b.power() && a.investments().map { "\($0)" } == b.investments().map { "\($0)" }, "seed \(seed) at \(p)")
                #expect(a.capacity(precision: .bf16) == b.capacity(precision: .bf16), "seed \(seed) at \(p)")
            }
        }
    }

    @Test func sitesAreSplitIntoGroupsOfAboutAsManyRecordsWithTheSitelessOnesInTheFirst() throws {
        let (store, _) = try Self.history(seed: 7, count: 3000)
        let ledger = store.ledger
        let second = try #require(ledger.stored.withColumns { FleetState.SitePart.split($0) })
        var counts = [0, 0]
        ledger.stored.withColumns { records in
            for i in 0..<records.count {
                let code = records.code(i)
                let inSecond = FleetState.SitePart(second: second, isSecond: true).takes(code, site: records.a[i])
                let inFirst = FleetState.SitePart(second: second, isSecond: false).takes(code, site: records.a[i])
                #expect(inFirst != inSecond, "record \(i) in exactly one group")
                counts[inSecond ? 1 : 0] += 1
            }
        }
        #expect(counts[0] > 0 && counts[1] > 0)
        #expect(abs(counts[0] - counts[1]) < ledger.count / 3, "\(counts)")
        // One site: nothing to split.
        let single = try makeStore(cap: "power_cap_mw=10")
        try single.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-03-01")])
        #expect(single.ledger.stored.withColumns { FleetState.SitePart.split($0) } == nil)
    }

    /// Where two states differ (for a failure's message).
    static func difference(_ a: FleetState, _ b: FleetState) -> Bool {
        Issue.record("""
            sites \(a.sites == b.sites), catalog \(a.catalog == b.catalog), delivered \(a.delivered == b.delivered), \
            retired \(a.retired == b.retired), allocated \(a.allocated == b.allocated), investments \(a.investments == b.investments), \
            applied \(a.applied) \(b.applied), last \(String(describing: a.last)) \(String(describing: b.last)), \
            energizers \(a.energizers.keys) \(b.energizers.keys) \(zip(a.energizers.values, b.energizers.values).map { $0 == $1 })
            """)
        return false
    }

    /// Racks installed before power (built), power for all (dropped), a cut below what is drawn
    /// (built again), a retirement that frees enough (dropped again), and more cuts than the fold
    /// drops racks for: at each step the packed fold agrees with a fold of the events.
    @Test func theFoldBuildsAndDropsItsRacksAsPowerComesAndGoes() throws {
        let store = try makeStore(cap: "power_cap_mw=10")
        var steps = [
            "chips.delivered site=s1 model=m1 quantity=640 effective=2025-03-01",
            "rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=40 effective=2025-03-02",
            "rack.installed site=s1 rack=r-2 model=m1 chips=64 kw=50 effective=2025-03-03",
            "power.allocated site=s1 mw=0.1 effective=2025-03-04",
            "power.released site=s1 mw=0.02 effective=2025-03-05",
            "rack.retired site=s1 rack=r-2 effective=2025-03-06",
            "rack.installed site=s1 rack=r-3 model=m1 chips=64 kw=30 effective=2025-03-07",
        ]
        for day in 10..<20 {
            steps.append("power.released site=s1 mw=0.03 effective=2025-03-\(day)")
            steps.append("power.allocated site=s1 mw=0.03 effective=2025-03-\(day)T12:00:00Z")
        }
        var seen: [(built: Int, dropped: Int)] = []
        for step in steps {
            try store.append([try d(step)])
            let engine = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
            let packed = try engine.state(PointInTime())
            var plain = FleetState()
            for e in engine.countingEvents(engine.view(PointInTime())) { plain.apply(e) }
            #expect(packed == plain && packed.fleet() == plain.fleet() && packed.power() == plain.power(), "after \(step)")
            seen.append((packed.hint.racksBuilt, packed.hint.racksDropped))
        }
        // Built before power, dropped when it came, built at the cut, dropped at the retirement;
        // then built and dropped until the drops run out, and built for good.
        #expect(seen[1] == (1, 0) && seen[3] == (1, 1) && seen[4] == (2, 1) && seen[5] == (2, 2))
        #expect(seen.last! == (FleetState.maxRackDrops + 1, FleetState.maxRackDrops))
    }

    @Test func generatedHistoriesAreValidAndVerify() throws {
        let (store, _) = try Self.history(seed: 7, count: 2000)
        let report = try store.verify()
        #expect(report.events > 2000)
        #expect(store.ledger.voidedBy.count > 0, "the generator writes voids")
        // The site changes after it: updates and closures, some of them voided.
        let types = store.ledger.events.dropFirst(2000).map(\.type)
        #expect(types.contains(.siteUpdated) && types.contains(.siteClosed), "\(types)")
        let s = try QueryEngine(store: store).state(PointInTime())
        #expect(s.fleet().contains { $0.stranded > 0 }, "scarce power strands racks")
    }
}
