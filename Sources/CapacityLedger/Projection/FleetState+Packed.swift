/// A fold over a ledger's packed records (`PackedEvent`): the same state `apply(_:)` builds from
/// events, but with the names of the common events compared as numbers. A site's energizer and
/// a (site, model)'s totals are found once per name number (`PackedFoldNames`) and then by
/// place; only the rare events (sites and models defined, power, investments) are read as
/// events, and a retirement's (site, model) as strings.
extension FleetState {
    /// Prepares a fold over `records` (or a part of them), as `prepare(for:)` does for events:
    /// room for their racks, and which rack numbers retirements name.
    mutating func prepare(packed records: EventStorage) {
        var racks = 0, sites = 0
        var retired = Bitset()
        records.withColumns { records in
            for i in 0..<records.count {
                switch records.code(i) {
                case PackedEvent.rackInstalled: racks += 1
                case PackedEvent.siteOpened: sites += 1
                case PackedEvent.rackRetired: retired.insert(Int(records.b[i]))
                default: break
                }
            }
        }
        hint.racksPerSite = racks / max(1, sites) + 16
        hint.retiredNumbers = retired
        hint.anyRack = false
    }

    /// Applies the event at `i` of `events` from its packed record `r`. Voids are not applied.
    /// `names` remembers where each name number's totals are; keep one per fold.
    @inline(__always)
    mutating func apply(_ r: PackedEvent, at i: Int, of events: EventList, names: inout PackedFoldNames) {
        switch r.code {
        case PackedEvent.chipsDelivered:
            applied += 1
            last = TimeKey(effective: r.effective, seq: events.firstSeq + i)
            let p = names.delivered(r.a, r.b) { delivered.place(of: PairKey(a: events.names.name(r.a), b: events.names.name(r.b)), adding: 0) }
            delivered[place: p] += r.amount
        case PackedEvent.rackInstalled:
            applied += 1
            let key = TimeKey(effective: r.effective, seq: events.firstSeq + i)
            last = key
            let site = names.site(r.a) { energizerPlace(events.names.name(r.a)) }!
            let model = names.model(r.a, r.c) { energizers[place: site].modelPlace(events.names.name(r.c)) }
            let named = hint.anyRack || hint.retiredNumbers.contains(Int(r.b))
            energizers[place: site].install(model: model, rack: named ? r.b : nil, chips: r.amount, watts: r.amount2, key: key)
        case PackedEvent.rackRetired:
            applied += 1
            last = TimeKey(effective: r.effective, seq: events.firstSeq + i)
            // A site with no energizer has no rack to retire (and gets none here).
            guard let site = names.site(r.a, { energizers.index(of: events.names.name(r.a)) }) else { return }
            if let x = energizers[place: site].retire(rack: r.b) {
                retired[PairKey(a: events.names.name(r.a), b: x.model), default: 0] += x.chips
            }
        default:
            apply(events[i])
        }
    }

    /// Starts loading what applying `r` will look up first at random places: the energizer slot
    /// of the rack a retirement retires. A fold over millions of records calls it a few records
    /// ahead.
    @inline(__always)
    func prefetch(_ i: Int, of records: EventStorage.Columns, names: PackedFoldNames) {
        guard records.code(i) == PackedEvent.rackRetired, let site = names.knownSite(records.a[i]) else { return }
        energizers[place: site].prefetch(records.b[i])
    }

    private mutating func energizerPlace(_ site: String) -> Int {
        energizers.place(of: site, adding: Energizer(reserving: hint.racksPerSite))
    }
}

/// Where a fold over packed records keeps each name number's totals: the few sites and
/// (site, model) pairs, searched as numbers.
struct PackedFoldNames {
    private var siteKeys: [UInt32] = [], sitePlaces: [Int] = []
    private var modelKeys: [UInt64] = [], modelPlaces: [UInt32] = []
    private var pairKeys: [UInt64] = [], pairPlaces: [(outer: Int, inner: Int)] = []

    init() {}

    /// The place of site number `n`, from `make` the first time (nil: not there, asked again).
    @inline(__always)
    mutating func site(_ n: UInt32, _ make: () -> Int?) -> Int? {
        for k in siteKeys.indices where siteKeys[k] == n { return sitePlaces[k] }
        guard let p = make() else { return nil }
        siteKeys.append(n); sitePlaces.append(p)
        return p
    }

    /// The place of site number `n` when it has one already.
    @inline(__always)
    func knownSite(_ n: UInt32) -> Int? {
        for k in siteKeys.indices where siteKeys[k] == n { return sitePlaces[k] }
        return nil
    }

    @inline(__always)
    mutating func model(_ site: UInt32, _ model: UInt32, _ make: () -> UInt32) -> UInt32 {
        let key = UInt64(site) << 32 | UInt64(model)
        for k in modelKeys.indices where modelKeys[k] == key { return modelPlaces[k] }
        let p = make()
        modelKeys.append(key); modelPlaces.append(p)
        return p
    }

    @inline(__always)
    mutating func delivered(_ site: UInt32, _ model: UInt32, _ make: () -> (outer: Int, inner: Int)) -> (outer: Int, inner: Int) {
        let key = UInt64(site) << 32 | UInt64(model)
        for k in pairKeys.indices where pairKeys[k] == key { return pairPlaces[k] }
        let p = make()
        pairKeys.append(key); pairPlaces.append(p)
        return p
    }
}

/// A set of small non-negative integers, a bit each.
struct Bitset: Sendable {
    private var words: [UInt64] = []

    init() {}

    @inline(__always)
    func contains(_ i: Int) -> Bool {
        let w = i >> 6
        return w < words.count && words[w] & (1 << UInt64(i & 63)) != 0
    }

    mutating func insert(_ i: Int) {
        let w = i >> 6
        if w >= words.count { words.append(contentsOf: repeatElement(0, count: max(w + 1 - words.count, words.count))) }
        words[w] |= 1 << UInt64(i & 63)
    }
}
