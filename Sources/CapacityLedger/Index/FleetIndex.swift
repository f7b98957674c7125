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

    /// The kinds of series, one per kind of total (`FleetTotal`).
    enum Kind: Int, CaseIterable { case delivered, installed, retired, activeWatts, allocated, usd }

    var delivered: [PairKey: Series] = [:]
    var installed: [PairKey: Series] = [:]
    var retired: [PairKey: Series] = [:]
    var activeWatts: [PairKey: Series] = [:]
    var allocated: [String: Series] = [:]
    var usd: [PairKey: Series] = [:]
    /// For each retirement, the rack it retired (`RackInstalls`; its model as a string number).
    var retiredRacks: [Int: RetiredRack<UInt32>] = [:]
    /// Events the index covers (seqs 1…count).
    public private(set) var count = 0
    /// Seqs of the few events that define sites and chip models (`PackedEvent.isDefinition`), in
    /// effective order.
    var definitions: [Int] = []
    /// Per site, the seqs of its rack installs and retirements in effective order (for first fit).
    var rackEvents: [String: [Int]] = [:]

    /// Builds the index of `ledger`; `order` is `ledger.effectiveOrder()` when the caller has it.
    /// One pass over the packed records in effective order, read in place (`row`), each record's
    /// effects from the effects table (`FleetEffect`): the points of each series arrive sorted,
    /// keyed by name numbers (`NumberMap`), and get their names at the end.
    public init(ledger: Ledger, order: [UInt32]? = nil) {
        count = ledger.count
        let order = order ?? ledger.effectiveOrder()
        let records = ledger.stored
        let names = ledger.codec
        let voided = ledger.voidedMask(through: ledger.count)
        let retiring = ledger.retiredRackNumbers(order: order, voided: voided)
        var racksBySite = NumberMap<[Int]>()
        // The points of each series: by kind of total (`Kind`), then by its key's name numbers.
        var points = [NumberMap<[(Int64, Int64)]>](repeating: NumberMap(), count: Kind.allCases.count)
        @inline(__always) func pair(_ a: UInt32, _ b: UInt32) -> UInt64 { NumberMap<Int>.pair(a, b) }
        records.withColumns { records in
            points.withUnsafeMutableBufferPointer { buffer in
            let points = buffer  // a constant: its place is read once for the whole pass
            for s in order {
                let seq = Int(s)
                let p = records.row(seq - 1)
                // What the definitions and first fit read, voided or not.
                switch p.code {
                case _ where PackedEvent.isDefinition(p.code): definitions.append(seq)
                case PackedEvent.rackInstalled, PackedEvent.rackRetired: racksBySite[UInt64(p.site), default: []].append(seq)
                default: break
                }
                guard !voided[seq] else { continue }
                let t = p.effective
                p.forEachEffect(retiring: { retiring[seq] }) { effect in
                    effect.forEachDelta { total, delta in
                        // One place that appends (six were six calls to the map's accessor, not inlined).
                        let (kind, key): (Kind, UInt64)
                        switch total {
                        case .delivered(let site, let model): (kind, key) = (.delivered, pair(site, model))
                        case .installed(let site, let model): (kind, key) = (.installed, pair(site, model))
                        case .retired(let site, let model): (kind, key) = (.retired, pair(site, model))
                        case .activeWatts(let site, let model): (kind, key) = (.activeWatts, pair(site, model))
                        case .allocated(let site): (kind, key) = (.allocated, UInt64(site))
                        case .usd(let investor, let recipient): (kind, key) = (.usd, pair(investor, recipient))
                        }
                        points[kind.rawValue][key, default: []].append((t, delta))
                    }
                }
            }
            }
        }
        retiredRacks = retiring
        func pair(_ k: UInt64) -> PairKey { PairKey(a: names.name(UInt32(k >> 32)), b: names.name(UInt32(truncatingIfNeeded: k))) }
        func series(_ m: NumberMap<[(Int64, Int64)]>) -> [PairKey: Series] {
            Dictionary(uniqueKeysWithValues: zip(m.keys, m.values).map { (pair($0.0), Series(sorted: $0.1)) })
        }
        delivered = series(points[Kind.delivered.rawValue])
        installed = series(points[Kind.installed.rawValue])
        retired = series(points[Kind.retired.rawValue])
        activeWatts = series(points[Kind.activeWatts.rawValue])
        usd = series(points[Kind.usd.rawValue])
        let allocatedPoints = points[Kind.allocated.rawValue]
        allocated = Dictionary(uniqueKeysWithValues: zip(allocatedPoints.keys, allocatedPoints.values).map { (names.name(UInt32($0.0)), Series(sorted: $0.1)) })
        rackEvents = Dictionary(uniqueKeysWithValues: zip(racksBySite.keys, racksBySite.values).map { (names.name(UInt32($0.0)), $0.1) })
    }

    /// Takes in the events appended to `ledger` since the index was built or last updated, at a
    /// cost that grows with the events taken in (and the points after a backdated one), not with
    /// the ledger (a new retirement looks back through its site's racks). Returns false, changing
    /// nothing, when it cannot: a retirement of a rack installed in the same stretch of events;
    /// the caller then builds the index anew.
    public mutating func update(to ledger: Ledger) -> Bool {
        guard ledger.count >= count, !ledger.isPartial else { return false }
        let records = ledger.stored
        let names = ledger.codec
        let new = count..<ledger.count  // indexes of the new records
        // What each new retirement retires (`RackInstalls`), looking back through its site's
        // racks as the index holds them.
        var retiring: [Int: RetiredRack<UInt32>] = [:]
        for i in new where records[i].code == PackedEvent.rackRetired {
            let p = records[i]
            guard let x = RackInstalls.retired(by: p, seq: i + 1, lookingBackThrough: rackEvents[names.name(p.site)] ?? [],
                                               records: records, voidedBy: { ledger.voidedBy[$0] }) else { return false }
            retiring[i + 1] = x
        }
        let before = count
        for i in new {
            let seq = i + 1
            let p = records[i]
            switch p.code {
            case PackedEvent.rackInstalled:
                rackEvents[names.name(p.site), default: []].withinPlace { Self.insert(seq, into: &$0, records: records) }
            case PackedEvent.rackRetired:
                retiredRacks[seq] = retiring[seq]!
                rackEvents[names.name(p.site), default: []].withinPlace { Self.insert(seq, into: &$0, records: records) }
            case _ where PackedEvent.isDefinition(p.code):
                Self.insert(seq, into: &definitions, records: records)
            case PackedEvent.eventVoided:
                // A target the index counted stops counting; a new one was never added.
                if p.target <= before { add(effectsOf: p.target, in: ledger, sign: -1) }
                continue
            default: break
            }
            if ledger.voidedBy[seq] == nil { add(effectsOf: seq, in: ledger, sign: 1) }
        }
        count = ledger.count
        return true
    }

    /// Inserts `seq` into seqs kept in effective order (most land at the end).
    private static func insert(_ seq: Int, into seqs: inout [Int], records: EventStorage) {
        let key = TimeKey(effective: records[seq - 1].effective, seq: seq)
        var lo = seqs.count
        while lo > 0, key < TimeKey(effective: records[seqs[lo - 1] - 1].effective, seq: seqs[lo - 1]) { lo -= 1 }
        seqs.insert(seq, at: lo)
    }

    /// Adds the effects of event `seq` to the series, times `sign`.
    private mutating func add(effectsOf seq: Int, in ledger: Ledger, sign: Int64) {
        let t = ledger.stored[seq - 1].effective
        func put<K: Hashable>(_ series: inout [K: Series], _ k: K, _ v: Int64) {
            guard v != 0 else { return }
            series[k, default: Series([])].insert(t, sign * v)
        }
        forEachDelta(of: seq, in: ledger) { total, delta in
            switch total {
            case .delivered(let site, let model): put(&delivered, PairKey(a: site, b: model), delta)
            case .installed(let site, let model): put(&installed, PairKey(a: site, b: model), delta)
            case .retired(let site, let model): put(&retired, PairKey(a: site, b: model), delta)
            case .activeWatts(let site, let model): put(&activeWatts, PairKey(a: site, b: model), delta)
            case .allocated(let site): put(&allocated, site, delta)
            case .usd(let investor, let recipient): put(&usd, PairKey(a: investor, b: recipient), delta)
            }
        }
    }

    /// The changes event `seq` makes to the totals (its effects, `FleetEffect`), names as
    /// strings; a retirement's rack is the one the index noted for it.
    func forEachDelta(of seq: Int, in ledger: Ledger, _ body: (FleetTotal<String>, Int64) -> Void) {
        let names = ledger.codec
        ledger.stored[seq - 1].forEachEffect(retiring: { retiredRacks[seq] }) { effect in
            effect.forEachDelta { total, delta in body(total.map { names.name($0) }, delta) }
        }
    }

    /// The figures at `view`, from the series plus the corrections for a transaction-time cut.
    public func snapshot(_ view: LedgerView, ledger: Ledger) -> FleetSnapshot {
        let t = view.effectiveLimit.micros
        var snap = FleetSnapshot()
        for (k, s) in delivered { snap.cells[k, default: .init()].delivered = s.value(at: t) }
        for (k, s) in installed { snap.cells[k, default: .init()].installed = s.value(at: t) }
        for (k, s) in retired { snap.cells[k, default: .init()].retired = s.value(at: t) }
        for (k, s) in activeWatts { snap.cells[k, default: .init()].activeWatts = s.value(at: t) }
        for (k, s) in allocated { snap.allocated[k] = s.value(at: t) }
        for (k, s) in usd { snap.usd[k] = s.value(at: t) }
        // Corrections for a cut before the end: events recorded after it do not count, and
        // what voids recorded after it took away counts again.
        func add(effectsOf seq: Int, _ sign: Int64) {
            forEachDelta(of: seq, in: ledger) { total, delta in
                let inRange = snap.add(total, sign * delta)
                precondition(inRange, "index totals out of range")
            }
        }
        if view.seqLimit < count {
            for i in view.seqLimit..<count {
                let seq = i + 1
                let p = ledger.stored[i]
                if p.code == PackedEvent.eventVoided {
                    let target = p.target
                    if target <= view.seqLimit, ledger.voidedBy[target] == seq,
                       ledger.stored[target - 1].effective <= view.effectiveLimit.micros {
                        add(effectsOf: target, 1)
                    }
                } else if ledger.voidedBy[seq] == nil, p.effective <= view.effectiveLimit.micros {
                    add(effectsOf: seq, -1)
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
    /// The sites opened by then, by site id, as they stand then (closed ones included).
    var sites: [String: SiteInfo] { get }
    /// The chip models defined by then, each with the definition in force, by model.
    var catalog: [String: ChipSpec] { get }
}

extension FleetState: FleetFigures {}

extension FleetFigures {
    /// The power usage effectiveness in force at `site` at these figures' point in time
    /// (facility power over IT power: 1.0 for a site never given one), or nil when the site is
    /// not open then. Facility power is drawn power times this; figures at another time
    /// (`QueryEngine.figures`) give the PUE in force then.
    public func powerUsageEffectiveness(site: String) -> Double? {
        guard let info = sites[site], info.closed == nil else { return nil }
        return info.pueInForce
    }
}

/// Fleet figures at one point in time, as `FleetIndex` computes them. Answers the same questions
/// as `FleetState` (and the tests hold the two to the same answers).
public struct FleetSnapshot: Sendable, FleetFigures {
    package struct Cell: Sendable, Equatable {
        package var delivered: Int64 = 0
        package var installed: Int64 = 0
        package var retired: Int64 = 0
        package var activeWatts: Int64 = 0
        /// Set by first fit; nil: every rack of the cell is energized.
        var energized: Int64?
        var energizedWatts: Int64?

        package init(delivered: Int64 = 0, installed: Int64 = 0, retired: Int64 = 0, activeWatts: Int64 = 0, energized: Int64? = nil, energizedWatts: Int64? = nil) {
            self.delivered = delivered
            self.installed = installed
            self.retired = retired
            self.activeWatts = activeWatts
            self.energized = energized
            self.energizedWatts = energizedWatts
        }
    }

    package var cells: [PairKey: Cell] = [:]
    package var allocated: [String: Int64] = [:]
    package var usd: [PairKey: Int64] = [:]

    package init(cells: [PairKey: Cell] = [:], allocated: [String: Int64] = [:], usd: [PairKey: Int64] = [:]) {
        self.cells = cells
        self.allocated = allocated
        self.usd = usd
    }
    public internal(set) var sites: [String: SiteInfo] = [:]
    public internal(set) var catalog: [String: ChipSpec] = [:]

    /// Adds `delta` to one of the totals; false when the sum overflows (only a damaged
    /// checkpoint's totals can), leaving it wrapped.
    @discardableResult
    package mutating func add(_ total: FleetTotal<String>, _ delta: Int64) -> Bool {
        func add(_ x: inout Int64) -> Bool {
            let (sum, overflow) = x.addingReportingOverflow(delta)
            x = sum
            return !overflow
        }
        switch total {
        case .delivered(let site, let model): return add(&cells[PairKey(a: site, b: model), default: .init()].delivered)
        case .installed(let site, let model): return add(&cells[PairKey(a: site, b: model), default: .init()].installed)
        case .retired(let site, let model): return add(&cells[PairKey(a: site, b: model), default: .init()].retired)
        case .activeWatts(let site, let model): return add(&cells[PairKey(a: site, b: model), default: .init()].activeWatts)
        case .allocated(let site): return add(&allocated[site, default: 0])
        case .usd(let investor, let recipient): return add(&usd[PairKey(a: investor, b: recipient), default: 0])
        }
    }

    /// Takes a site's opening, update or closure, or a `chip.model.defined`, into account. Sites
    /// are changed in the order they come, which must be effective order (then seq); of several
    /// definitions of a model, the latest in effective order is in force whatever the order.
    package mutating func define(_ e: Event) {
        switch e.body {
        case .siteOpened, .siteUpdated, .siteClosed:
            SiteInfo.apply(e, to: &sites)
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
        return sites.keys.filter { (site == nil || $0 == site) && sites[$0]?.closed == nil }.sorted().map { s in
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
