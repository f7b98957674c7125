/// Running totals over effective time, one series per (site, model), site or (investor,
/// recipient): the projection's figures at *every* change point, so that `fleet`, `power` and
/// `capacity` at any point in time are binary searches instead of a replay.
///
/// The series hold the events that count now (not voided). A query with an earlier `known=` or
/// an `at=#N` subtracts the events recorded after its cut and adds back what voids recorded after
/// it took away — work proportional to the events after the cut, never the whole log.
/// First fit needs the rack order only when a site's active racks ask for more power than is
/// allocated; otherwise every rack is energized. Then (and only then) it replays that site's racks.
/// - Complexity: build O(n log n); a query O(k log n) for k series, plus the events after the cut.
public struct FleetIndex: Sendable {
    /// A running total: `value(at:)` is the sum of the deltas effective at or before a time.
    struct Series: Sendable, Equatable {
        var times: [Int64] = []
        var totals: [Int64] = []

        func value(at t: Int64) -> Int64 {
            var lo = 0, hi = times.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if times[mid] <= t { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 ? 0 : totals[lo - 1]
        }

        /// Builds from (time, delta) pairs in any order.
        init(_ points: [(Int64, Int64)]) {
            self.init(sorted: points.sorted { $0.0 < $1.0 })
        }

        /// Builds from (time, delta) pairs in time order.
        init(sorted: [(Int64, Int64)]) {
            times.reserveCapacity(sorted.count)
            totals.reserveCapacity(sorted.count)
            var sum: Int64 = 0
            for (t, d) in sorted {
                sum += d
                if let last = times.last, last == t { totals[totals.count - 1] = sum } else {
                    times.append(t)
                    totals.append(sum)
                }
            }
        }

        init(times: [Int64], totals: [Int64]) {
            self.times = times
            self.totals = totals
        }

        /// Adds `delta` from time `t` on: appended at the end, or inserted and carried forward.
        mutating func insert(_ t: Int64, _ delta: Int64) {
            var lo = 0, hi = times.count
            if let last = times.last, last < t { lo = times.count } else {
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if times[mid] < t { lo = mid + 1 } else { hi = mid }
                }
            }
            if lo < times.count, times[lo] == t {
                for i in lo..<totals.count { totals[i] += delta }
            } else {
                times.insert(t, at: lo)
                totals.insert((lo == 0 ? 0 : totals[lo - 1]) + delta, at: lo)
                for i in (lo + 1)..<totals.count { totals[i] += delta }
            }
        }
    }

    /// What one event adds to the series; a retirement carries the rack it retires.
    struct Contribution: Sendable, Equatable {
        var pair: PairKey?  // (site, model) or (investor, recipient)
        var site: String?
        var delivered: Int64 = 0
        var installed: Int64 = 0
        var retired: Int64 = 0
        var activeWatts: Int64 = 0
        var allocated: Int64 = 0
        var usd: Int64 = 0
    }

    var delivered: [PairKey: Series] = [:]
    var installed: [PairKey: Series] = [:]
    var retired: [PairKey: Series] = [:]
    var activeWatts: [PairKey: Series] = [:]
    var allocated: [String: Series] = [:]
    var usd: [PairKey: Series] = [:]
    /// For each retirement, the rack it retired (model, chips, watts).
    var retiredRacks: [Int: (model: String, chips: Int64, watts: Int64)] = [:]
    /// Events the index covers (seqs 1…count).
    public private(set) var count = 0
    /// Seqs of the few events that define sites and chip models.
    var definitions: [Int] = []
    /// Per site, the seqs of its rack installs and retirements in effective order (for first fit).
    var rackEvents: [String: [Int]] = [:]

    /// Builds the index of `ledger`; `order` is `ledger.effectiveOrder()` when the caller has it.
    /// One pass over the packed records in effective order: the points of each series arrive
    /// sorted, keyed by name numbers (`NumberMap`), and get their names at the end.
    public init(ledger: Ledger, order: [UInt32]? = nil) {
        count = ledger.count
        let order = order ?? ledger.effectiveOrder()
        let records = ledger.stored
        let names = ledger.codec
        let retiring = ledger.retiredRackNumbers(order: order)
        var racksBySite = NumberMap<[Int]>()
        var points = (d: NumberMap<[(Int64, Int64)]>(), i: NumberMap<[(Int64, Int64)]>(), r: NumberMap<[(Int64, Int64)]>(),
                      w: NumberMap<[(Int64, Int64)]>(), a: NumberMap<[(Int64, Int64)]>(), u: NumberMap<[(Int64, Int64)]>())
        let voided = ledger.voidedMask(through: ledger.count)
        for s in order {
            let seq = Int(s)
            let p = records[seq - 1]
            let t = p.effective
            switch p.code {
            case PackedEvent.siteOpened, PackedEvent.chipModelDefined:
                definitions.append(seq)
            case PackedEvent.rackInstalled:
                racksBySite[UInt64(p.a), default: []].append(seq)
                guard !voided[seq] else { continue }
                let pair = NumberMap<Int>.pair(p.a, p.c)
                points.i[pair, default: []].append((t, p.amount))
                points.w[pair, default: []].append((t, p.amount2))
            case PackedEvent.rackRetired:
                racksBySite[UInt64(p.a), default: []].append(seq)
                guard !voided[seq], let x = retiring[seq] else { continue }
                let pair = NumberMap<Int>.pair(p.a, x.model)
                points.i[pair, default: []].append((t, -x.chips))
                points.r[pair, default: []].append((t, x.chips))
                points.w[pair, default: []].append((t, -x.watts))
            case PackedEvent.chipsDelivered where !voided[seq]:
                points.d[NumberMap<Int>.pair(p.a, p.b), default: []].append((t, p.amount))
            case PackedEvent.powerAllocated where !voided[seq]:
                points.a[UInt64(p.a), default: []].append((t, p.amount))
            case PackedEvent.powerReleased where !voided[seq]:
                points.a[UInt64(p.a), default: []].append((t, -p.amount))
            case PackedEvent.investmentCommitted where !voided[seq]:
                points.u[NumberMap<Int>.pair(p.a, p.b), default: []].append((t, p.amount))
            default: break
            }
        }
        retiredRacks.reserveCapacity(retiring.count)
        for (seq, x) in retiring { retiredRacks[seq] = (names.name(x.model), x.chips, x.watts) }
        func pair(_ k: UInt64) -> PairKey { PairKey(a: names.name(UInt32(k >> 32)), b: names.name(UInt32(truncatingIfNeeded: k))) }
        func series(_ m: NumberMap<[(Int64, Int64)]>, _ key: (UInt64) -> PairKey) -> [PairKey: Series] {
            Dictionary(uniqueKeysWithValues: zip(m.keys, m.values).map { (key($0.0), Series(sorted: $0.1)) })
        }
        delivered = series(points.d, pair)
        installed = series(points.i, pair)
        retired = series(points.r, pair)
        activeWatts = series(points.w, pair)
        usd = series(points.u) { k in
            let p = pair(k)
            return PairKey(a: "$" + p.a, b: p.b)
        }
        allocated = Dictionary(uniqueKeysWithValues: zip(points.a.keys, points.a.values).map { (names.name(UInt32($0.0)), Series(sorted: $0.1)) })
        rackEvents = Dictionary(uniqueKeysWithValues: zip(racksBySite.keys, racksBySite.values).map { (names.name(UInt32($0.0)), $0.1) })
    }

    /// Takes in the events appended to `ledger` since the index was built or last updated, at a
    /// cost that grows with the events taken in (and the points after a backdated one), not with
    /// the ledger (a new retirement looks back through its site's racks). Returns false, changing
    /// nothing, when it cannot: a retirement of a rack installed in the same stretch of events;
    /// the caller then builds the index anew.
    public mutating func update(to ledger: Ledger) -> Bool {
        guard ledger.count >= count, !ledger.isPartial else { return false }
        let new = ledger.events[count..<ledger.count]
        // What each new retirement retires (`RackInstalls`), looking back through its site's
        // racks as the index holds them.
        var retiring: [Int: (model: String, chips: Int64, watts: Int64)] = [:]
        for e in new {
            guard case .rackRetired(let s, _) = e.body else { continue }
            guard let x = RackInstalls.retired(by: ledger.stored[e.seq - 1], seq: e.seq, lookingBackThrough: rackEvents[s] ?? [],
                                               records: ledger.stored, voidedBy: { ledger.voidedBy[$0] }) else { return false }
            retiring[e.seq] = (ledger.codec.name(x.model), x.chips, x.watts)
        }
        let before = count
        for e in new {
            switch e.body {
            case .rackInstalled(let s, _, _, _, _):
                rackEvents[s, default: []].withinPlace { Self.insert(e, into: &$0, ledger: ledger) }
            case .rackRetired(let s, _):
                retiredRacks[e.seq] = retiring[e.seq]!
                rackEvents[s, default: []].withinPlace { Self.insert(e, into: &$0, ledger: ledger) }
            case .siteOpened, .chipModelDefined:
                Self.insert(e, into: &definitions, ledger: ledger)
            case .eventVoided(let target, _):
                // A target the index counted stops counting; a new one was never added.
                if target <= before {
                    let t = ledger.events[target - 1]
                    add(contribution(t), at: t.effective.micros, sign: -1)
                }
                continue
            default: break
            }
            if ledger.voidedBy[e.seq] == nil { add(contribution(e), at: e.effective.micros, sign: 1) }
        }
        count = ledger.count
        return true
    }

    /// Inserts `e`'s seq into seqs kept in effective order (most land at the end).
    private static func insert(_ e: Event, into seqs: inout [Int], ledger: Ledger) {
        let key = TimeKey(e.effective, e.seq)
        var lo = seqs.count
        while lo > 0, key < TimeKey(ledger.events[seqs[lo - 1] - 1].effective, seqs[lo - 1]) { lo -= 1 }
        seqs.insert(e.seq, at: lo)
    }

    private mutating func add(_ c: Contribution, at t: Int64, sign: Int64) {
        func put<K: Hashable>(_ series: inout [K: Series], _ k: K, _ v: Int64) {
            guard v != 0 else { return }
            series[k, default: Series([])].insert(t, sign * v)
        }
        if let pair = c.pair {
            put(&delivered, pair, c.delivered)
            put(&installed, pair, c.installed)
            put(&retired, pair, c.retired)
            put(&activeWatts, pair, c.activeWatts)
            put(&usd, pair, c.usd)
        }
        if let s = c.site { put(&allocated, s, c.allocated) }
    }

    func contribution(_ e: Event) -> Contribution {
        var c = Contribution()
        switch e.body {
        case .chipsDelivered(let s, let m, let q):
            c.pair = PairKey(a: s, b: m); c.delivered = q
        case .rackInstalled(let s, _, let m, let chips, let p):
            c.pair = PairKey(a: s, b: m); c.installed = chips; c.activeWatts = p.watts
        case .rackRetired(let s, _):
            if let x = retiredRacks[e.seq] {
                c.pair = PairKey(a: s, b: x.model); c.installed = -x.chips; c.retired = x.chips; c.activeWatts = -x.watts
            }
        case .powerAllocated(let s, let p):
            c.site = s; c.allocated = p.watts
        case .powerReleased(let s, let p):
            c.site = s; c.allocated = -p.watts
        case .investmentCommitted(let i, let r, let u, _):
            c.pair = PairKey(a: "$" + i, b: r); c.usd = u
        default: break
        }
        return c
    }

    /// The figures at `view`, from the series plus the corrections for a transaction-time cut.
    public func snapshot(_ view: LedgerView, ledger: Ledger) -> FleetSnapshot {
        let t = view.effectiveLimit.micros
        var snap = FleetSnapshot()
        func add(_ c: Contribution, _ sign: Int64) {
            if let pair = c.pair {
                if c.usd != 0 {
                    snap.usd[PairKey(a: String(pair.a.dropFirst()), b: pair.b), default: 0] += sign * c.usd
                } else {
                    var v = snap.cells[pair] ?? FleetSnapshot.Cell()
                    v.delivered += sign * c.delivered
                    v.installed += sign * c.installed
                    v.retired += sign * c.retired
                    v.activeWatts += sign * c.activeWatts
                    snap.cells[pair] = v
                }
            }
            if let s = c.site { snap.allocated[s, default: 0] += sign * c.allocated }
        }
        for (k, s) in delivered { snap.cells[k, default: .init()].delivered = s.value(at: t) }
        for (k, s) in installed { snap.cells[k, default: .init()].installed = s.value(at: t) }
        for (k, s) in retired { snap.cells[k, default: .init()].retired = s.value(at: t) }
        for (k, s) in activeWatts { snap.cells[k, default: .init()].activeWatts = s.value(at: t) }
        for (k, s) in allocated { snap.allocated[k] = s.value(at: t) }
        for (k, s) in usd { snap.usd[PairKey(a: String(k.a.dropFirst()), b: k.b)] = s.value(at: t) }
        // Corrections for a cut before the end: events recorded after it do not count, and
        // what voids recorded after it took away counts again.
        if view.seqLimit < count {
            for e in ledger.events[view.seqLimit..<count] {
                if case .eventVoided(let target, _) = e.body {
                    if target <= view.seqLimit, ledger.voidedBy[target] == e.seq {
                        let te = ledger.events[target - 1]
                        if te.effective <= view.effectiveLimit { add(contribution(te), 1) }
                    }
                } else if ledger.voidedBy[e.seq] == nil, e.effective <= view.effectiveLimit {
                    add(contribution(e), -1)
                }
            }
        }
        // Sites and the catalog in force: few events, read directly.
        for seq in definitions where seq <= view.seqLimit {
            let e = ledger.events[seq - 1]
            if view.counts(e, voidedBy: ledger.voidedBy) { snap.define(e) }
        }
        // First fit only where power is short.
        var sitesWatts: [String: Int64] = [:]
        for (k, v) in snap.cells { sitesWatts[k.a, default: 0] += v.activeWatts }
        for (site, w) in sitesWatts where w > snap.allocated[site] ?? 0 {
            snap.firstFit(site: site, rackEvents: rackEvents[site] ?? [], view: view, ledger: ledger)
        }
        return snap
    }
}

/// The questions `fleet`, `power`, `capacity`, `investments` and `train` ask of a point in time.
/// `FleetState` (the fold) and `FleetSnapshot` (the index) both answer them, identically.
public protocol FleetFigures {
    func fleet(site: String?, model: String?) -> [FleetRow]
    func power(site: String?) -> [PowerRow]
    func capacity(precision: Precision, site: String?, model: String?) -> [CapacityRow]
    func pflops(_ p: Precision) -> Double
    func investments(investor: String?, recipient: String?) -> [(investor: String, recipient: String, usd: Int64)]
    /// The sites opened by then, by site id.
    var sites: [String: SiteInfo] { get }
    /// The chip models defined by then, each with the definition in force, by model.
    var catalog: [String: ChipSpec] { get }
}

extension FleetState: FleetFigures {}

/// Fleet figures at one point in time, as `FleetIndex` computes them. Answers the same questions
/// as `FleetState` (and the tests hold the two to the same answers).
public struct FleetSnapshot: Sendable, FleetFigures {
    struct Cell: Sendable, Equatable {
        var delivered: Int64 = 0
        var installed: Int64 = 0
        var retired: Int64 = 0
        var activeWatts: Int64 = 0
        /// Set by first fit; nil: every rack of the cell is energized.
        var energized: Int64?
        var energizedWatts: Int64?
    }

    var cells: [PairKey: Cell] = [:]
    var allocated: [String: Int64] = [:]
    var usd: [PairKey: Int64] = [:]
    public internal(set) var sites: [String: SiteInfo] = [:]
    public internal(set) var catalog: [String: ChipSpec] = [:]

    /// Takes a `site.opened` or `chip.model.defined` into account; of several definitions of a
    /// model, the latest in effective order (then seq) is in force.
    mutating func define(_ e: Event) {
        switch e.body {
        case .siteOpened(let s, let name, let region, let cap, let acres):
            sites[s] = SiteInfo(site: s, name: name, region: region, cap: cap, acres: acres, opened: e.effective)
        case .chipModelDefined(let m, let v, let bf, let fp, let hbm, let w):
            let spec = ChipSpec(model: m, vendor: v, bf16TFLOPS: bf, fp8TFLOPS: fp, hbmGB: hbm, watts: w, since: e.effective, seq: e.seq)
            if let old = catalog[m], TimeKey(old.since, old.seq) > TimeKey(spec.since, spec.seq) { return }
            catalog[m] = spec
        default: break
        }
    }

    /// Replays first fit for one site from its racks that count at `view`.
    mutating func firstFit(site: String, rackEvents: [Int], view: LedgerView, ledger: Ledger) {
        // Installs and retirements of the site in effective order; a retirement removes the
        // install before it (a rack may be installed again later).
        var active: [String: (key: TimeKey, model: String, chips: Int64, watts: Int64)] = [:]
        for seq in rackEvents {
            let e = ledger.events[seq - 1]
            if e.effective > view.effectiveLimit { break }
            guard view.counts(e, voidedBy: ledger.voidedBy) else { continue }
            switch e.body {
            case .rackInstalled(_, let r, let m, let c, let p): active[r] = (TimeKey(e.effective, e.seq), m, c, p.watts)
            case .rackRetired(_, let r): active[r] = nil
            default: break
            }
        }
        var remaining = allocated[site] ?? 0
        var energized: [String: (Int64, Int64)] = [:]
        for r in active.values.sorted(by: { $0.key < $1.key }) where r.watts <= remaining {
            remaining -= r.watts
            var v = energized[r.model] ?? (0, 0)
            v.0 += r.chips
            v.1 += r.watts
            energized[r.model] = v
        }
        for (k, var c) in cells where k.a == site {
            c.energized = energized[k.b]?.0 ?? 0
            c.energizedWatts = energized[k.b]?.1 ?? 0
            cells[k] = c
        }
    }

    public func fleet(site: String? = nil, model: String? = nil) -> [FleetRow] {
        cells.compactMap { k, c -> FleetRow? in
            guard site == nil || k.a == site, model == nil || k.b == model else { return nil }
            guard c.delivered != 0 || c.installed != 0 || c.retired != 0 else { return nil }
            return FleetRow(site: k.a, model: k.b, delivered: c.delivered, installed: c.installed,
                            energized: c.energized ?? c.installed, retired: c.retired)
        }.sorted { ($0.site, $0.model) < ($1.site, $1.model) }
    }

    public func power(site: String? = nil) -> [PowerRow] {
        var drawn: [String: Int64] = [:]
        for (k, c) in cells { drawn[k.a, default: 0] += c.energizedWatts ?? c.activeWatts }
        return sites.keys.filter { site == nil || $0 == site }.sorted().map { s in
            PowerRow(site: s, cap: sites[s]?.cap, allocated: Power(watts: allocated[s] ?? 0), drawn: Power(watts: drawn[s] ?? 0))
        }
    }

    public func capacity(precision: Precision, site: String? = nil, model: String? = nil) -> [CapacityRow] {
        cells.compactMap { k, c -> CapacityRow? in
            guard site == nil || k.a == site, model == nil || k.b == model else { return nil }
            let chips = c.energized ?? c.installed
            guard chips > 0 else { return nil }
            let tflops = catalog[k.b]?.tflops(precision) ?? 0
            return CapacityRow(site: k.a, model: k.b, chips: chips, pflops: Double(chips) * tflops / 1000,
                               drawn: Power(watts: c.energizedWatts ?? c.activeWatts))
        }.sorted { ($0.site ?? "", $0.model ?? "") < ($1.site ?? "", $1.model ?? "") }
    }

    public func pflops(_ p: Precision) -> Double { capacity(precision: p).reduce(0) { $0 + $1.pflops } }

    public func investments(investor: String? = nil, recipient: String? = nil) -> [(investor: String, recipient: String, usd: Int64)] {
        usd.filter { $0.value != 0 && (investor == nil || $0.key.a == investor) && (recipient == nil || $0.key.b == recipient) }
            .map { ($0.key.a, $0.key.b, $0.value) }
            .sorted { ($0.investor, $0.recipient) < ($1.investor, $1.recipient) }
    }
}
