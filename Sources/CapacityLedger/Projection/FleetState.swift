/// A site as it stands at a point in time: as its `site.opened` described it, with the
/// `site.updated` events in force by then applied in effective order, and its closure, if any.
public struct SiteInfo: Sendable, Hashable {
    public var site: String
    public var name: String
    public var region: String?
    public var cap: Power?
    public var acres: Double?
    public var opened: Timestamp
    /// The power usage effectiveness given (by the opening or the latest update that gives
    /// one); nil when none was: see `pueInForce`.
    public var pue: Double?
    /// When the site closed (`site.closed`), if it had by then.
    public var closed: Timestamp?

    /// The power usage effectiveness in force: facility power over IT power. A site that was
    /// never given one counts 1.0, so its figures are IT power only (what racks draw).
    public var pueInForce: Double { pue ?? 1 }

    /// Takes a site's event into `sites`, applied in effective order: an opening describes the
    /// site, an update changes the fields it gives, a closure marks it closed. The fold, the
    /// index and the checkpoint all read sites through this one function.
    static func apply(_ e: Event, to sites: inout [String: SiteInfo]) {
        switch e.body {
        case .siteOpened(let site, let name, let region, let cap, let acres, let pue):
            sites[site] = SiteInfo(site: site, name: name, region: region, cap: cap, acres: acres, opened: e.effective, pue: pue)
        case .siteUpdated(let site, let name, let region, let cap, let pue):
            // The rules keep every update after its site's opening.
            guard var info = sites[site] else { return }
            if let name { info.name = name }
            if let region { info.region = region }
            if let cap { info.cap = cap }
            if let pue { info.pue = pue }
            sites[site] = info
        case .siteClosed(let site):
            sites[site]?.closed = e.effective
        default:
            break
        }
    }
}

/// A chip model's specs in force.
public struct ChipSpec: Sendable, Hashable {
    public var model: String
    public var vendor: String
    public var bf16TFLOPS: Double
    public var fp8TFLOPS: Double
    public var hbmGB: Double?
    public var watts: Double?
    /// When this definition took effect.
    public var since: Timestamp
    public var seq: Int

    public func tflops(_ p: Precision) -> Double { p == .bf16 ? bf16TFLOPS : fp8TFLOPS }
}

/// Numeric precision for capacity figures.
public enum Precision: String, CaseIterable, Sendable {
    case bf16, fp8
}

/// The projection state: everything the queries read, built by applying events one at a time in
/// effective order (ties by seq). Pure and incremental, so it can be saved and resumed.
public struct FleetState: Sendable, Hashable {
    public private(set) var sites: [String: SiteInfo] = [:]
    public private(set) var catalog: [String: ChipSpec] = [:]
    /// Delivered chips per (site, model).
    var delivered = PairMap<Int64>()
    /// Retired chips per (site, model).
    var retired = PairMap<Int64>()
    /// Active racks and power per site.
    var energizers = SmallMap<String, Energizer>()
    /// Allocated watts per site.
    var allocated: [String: Int64] = [:]
    /// Committed dollars per (investor, recipient).
    var investments: [PairKey: Int64] = [:]
    /// Events applied so far.
    public internal(set) var applied = 0
    /// The last event applied (its effective time and seq).
    public internal(set) var last: TimeKey?
    /// How many racks a site's energizer makes room for when it is created, and which racks
    /// retirements name.
    var hint = SizeHint()

    public init() {}

    /// Prepares a long fold over `events` (or a part of them): makes room for their racks, and
    /// notes which racks their retirements name, so that only those are kept findable by name.
    public mutating func prepare<Events: Sequence<Event>>(for events: Events) {
        var racks = 0, sites = 0
        var retired = NameSet()
        for e in events {
            // Only a retirement's strings are read (patterns without bindings read in place).
            switch e.body {
            case .rackInstalled: racks += 1
            case .siteOpened: sites += 1
            case .rackRetired(_, let rack): retired.insert(rack)
            default: break
            }
        }
        hint.racksPerSite = racks / max(1, sites) + 16
        hint.retired = retired
        hint.anyRack = false
    }

    /// Applies one event. Voids are not applied: the caller leaves voided events out.
    /// (`apply(_:of:names:fold:at:)` does the same for a ledger's packed records.) What it does to
    /// the totals is the effects table's (`FleetEffect`).
    public mutating func apply(_ e: Event) {
        applied += 1
        let key = TimeKey(e.effective, e.seq)
        last = key
        switch e.body {
        case .siteOpened, .siteUpdated, .siteClosed:
            SiteInfo.apply(e, to: &sites)
        case .chipModelDefined(let model, let vendor, let bf16, let fp8, let hbm, let watts):
            catalog[model] = ChipSpec(model: model, vendor: vendor, bf16TFLOPS: bf16, fp8TFLOPS: fp8, hbmGB: hbm,
                                      watts: watts, since: e.effective, seq: e.seq)
        default:
            let fields = EventFields(e.body)
            fields.forEachEffect(retiring: {
                // First fit takes the rack off, found by its number among the site's active racks
                // (the install `RackInstalls` names, in a fold in effective order).
                guard let number = hint.rackNumbers[fields.rack],
                      let rack = energizers.update(fields.site, { $0.retire(rack: number) }) ?? nil else { return nil }
                return RetiredRack(model: rack.model, chips: rack.chips, watts: rack.watts)
            }) { effect in
                apply(effect, key: key)
            }
        }
    }

    /// Applies one effect of the event at `key`. A retirement's rack is off its site's energizer
    /// already (`apply(_:)` found it there).
    private mutating func apply(_ effect: FleetEffect<String>, key: TimeKey) {
        switch effect {
        case .delivered(let site, let model, let chips):
            delivered[PairKey(a: site, b: model), default: 0] += chips
        case .installed(let site, let rack, let model, let chips, let watts):
            let number = hint.anyRack || hint.retired.contains(rack) ? hint.number(of: rack) : nil
            let place = energizers.place(of: site, adding: Energizer(reserving: hint.racksPerSite))
            let m = energizers[place: place].modelPlace(model)
            energizers[place: place].install(model: m, rack: number, chips: chips, watts: watts, key: key)
        case .retired(let site, _, let model, let chips, _):
            retired[PairKey(a: site, b: model), default: 0] += chips
        case .allocated(let site, let watts):
            allocated[site, default: 0] += watts
            energizers[site, default: Energizer()].setAllocated(allocated[site]!)
        case .usd(let investor, let recipient, let usd):
            investments[PairKey(a: investor, b: recipient), default: 0] += usd
        }
    }
}

extension FleetState {
    /// Adds `other`, the fold of the same records for other sites (`SitePart`): their site
    /// descriptions, totals, power and energizers. The chip models and investments are this
    /// state's (the records of no site are folded in the first part only).
    mutating func merge(sitesOf other: FleetState) {
        precondition(other.catalog.isEmpty && other.investments.isEmpty, "records of no site folded in the second part")
        for (site, info) in other.sites {
            precondition(sites[site] == nil, "site \(site) folded in both parts")
            sites[site] = info
        }
        for (key, n) in other.delivered.entries { delivered[key, default: 0] += n }
        for (key, n) in other.retired.entries { retired[key, default: 0] += n }
        for (site, e) in other.energizers {
            precondition(energizers[site] == nil, "site \(site) folded in both parts")
            _ = energizers.place(of: site, adding: e)
        }
        allocated.merge(other.allocated) { _, _ in preconditionFailure("a site folded in both parts") }
        applied += other.applied
        if let o = other.last, last.map({ $0 < o }) ?? true { last = o }
    }
}

/// What a fold was told before it started (`FleetState.prepare`): part of a state's storage,
/// not of its value (always equal).
struct SizeHint: Sendable {
    var racksPerSite = 0
    /// The rack names retirements use (at any site), unless any rack may be retired.
    var retired = NameSet()
    /// The same for a fold of packed records (`prepare(packed:)`): a bit per string number.
    var retiredNumbers = Bitset()
    var anyRack = true
    /// A fold of packed records whose energizers keep no racks (see `keepRacks`), how many
    /// times it built them, and how many times it dropped them again.
    var withoutRacks = false
    var racksBuilt = 0
    var racksDropped = 0
    /// A fold of events numbers the rack names its energizers find racks by (a fold of packed
    /// records uses the log's string numbers).
    private(set) var rackNumbers: [String: UInt32] = [:]

    mutating func number(of rack: String) -> UInt32 {
        if let n = rackNumbers[rack] { return n }
        let n = UInt32(rackNumbers.count)
        rackNumbers[rack] = n
        return n
    }
}

extension FleetState {
    /// Two states are equal when what they hold is: the fold's size hint (room to make, rack
    /// names to keep findable) is bookkeeping of how the state was built and takes no part.
    public static func == (a: FleetState, b: FleetState) -> Bool {
        a.sites == b.sites && a.catalog == b.catalog && a.delivered == b.delivered && a.retired == b.retired
            && a.energizers == b.energizers && a.allocated == b.allocated && a.investments == b.investments
            && a.applied == b.applied && a.last == b.last
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(sites)
        hasher.combine(catalog)
        hasher.combine(delivered)
        hasher.combine(retired)
        hasher.combine(energizers)
        hasher.combine(allocated)
        hasher.combine(investments)
        hasher.combine(applied)
        hasher.combine(last)
    }
}

/// A set of names, hashed with `NameHash` (a fold asks it once per rack installed).
struct NameSet: Sendable {
    private var names: [String] = []
    private var index = SlotIndex()

    func contains(_ name: String) -> Bool {
        guard !names.isEmpty else { return false }
        return index.find(NameHash.of(name)) { NameHash.same(names[Int($0)], name) } != nil
    }

    mutating func insert(_ name: String) {
        let h = NameHash.of(name)
        guard index.find(h, { NameHash.same(names[Int($0)], name) }) == nil else { return }
        index.insert(h, UInt32(names.count))
        names.append(name)
    }
}
