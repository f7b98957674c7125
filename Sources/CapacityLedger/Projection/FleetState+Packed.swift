/// A fold over a ledger's packed records (`PackedEvent`): the same state `apply(_:)` builds from
/// events, from the same effects table (`FleetEffect`), but with the names compared as numbers.
/// A site's energizer and a (site, model)'s totals are found once per name number
/// (`PackedFoldNames`) and then by place; only the rare definitions (sites and chip models) are
/// read as events, and a retirement's (site, model), a power change's site and an investment's
/// names as strings.
///
/// The energizers start without racks (`Energizer.withoutRacks`): while every rack fits, the
/// totals are all a fold needs. An install or power change that would leave a rack without
/// power builds every site's racks from the records folded so far (`keepRacks`), one pass, and
/// the fold goes on with them; once every rack at every site has power again, it drops them
/// (`dropRacks`), at most `maxRackDrops` times (each drop may cost another pass later). A history
/// that installs racks before their site has power builds them at its start and drops them when
/// the power arrives.
extension FleetState {
    /// What a fold over packed records reads: the records, the order it takes them in, and which
    /// count. (Where it stands is passed beside it: a fold copied with a new place for every
    /// record cost a copy of all of it.)
    struct PackedFold {
        let records: EventStorage.Columns
        /// Seqs in effective order.
        let order: UnsafeBufferPointer<UInt32>
        /// By seq: voided within the cut.
        let voided: Bitset
        let seqLimit: Int
        /// The group of sites this fold takes (a fold on two threads), or nil for all.
        var part: SitePart?

        /// Whether the record at `order[k]` counts (the caller stops at the effective cut), and
        /// is this fold's to apply.
        @inline(__always)
        func counts(_ seq: Int) -> Bool {
            guard seq <= seqLimit, !voided[seq] else { return false }
            let code = records.code(seq - 1)
            guard code != PackedEvent.eventVoided else { return false }
            guard let part else { return true }
            return part.takes(code, site: records.site(seq - 1))
        }
    }

    /// One of the two groups of sites a fold on two threads splits the records into. A site's
    /// fleet state depends on its own records only, so each group is folded on its own and the
    /// two states are merged (`merge(sitesOf:)`). The records of no site (chip models,
    /// investments) belong to the first group.
    struct SitePart {
        /// The string numbers of the second group's sites.
        let second: Bitset
        let isSecond: Bool

        @inline(__always)
        func takes(_ code: UInt8, site: UInt32) -> Bool {
            Self.hasSite(code) ? second.contains(Int(site)) == isSecond : !isSecond
        }

        /// Whether a record of type `code` is a site's (its `site`).
        @inline(__always)
        static func hasSite(_ code: UInt8) -> Bool {
            switch code {
            case PackedEvent.siteOpened, PackedEvent.chipsDelivered, PackedEvent.rackInstalled, PackedEvent.rackRetired,
                 PackedEvent.powerAllocated, PackedEvent.powerReleased, PackedEvent.siteUpdated, PackedEvent.siteClosed:
                return true
            default:
                return false
            }
        }

        /// Splits the sites of `records` into two groups of about as many records each (counted
        /// in a sample of every 61st record, the records of no site counted with the first
        /// group), or nil when the sample holds fewer than two sites.
        static func split(_ records: EventStorage.Columns) -> Bitset? {
            var perSite: [UInt32: Int] = [:]
            var siteless = 0
            for i in stride(from: 0, to: records.count, by: 61) {
                if hasSite(records.code(i)) { perSite[records.site(i), default: 0] += 1 } else { siteless += 1 }
            }
            guard perSite.count >= 2 else { return nil }
            // The busiest sites first, each to the lighter group.
            var weights = (first: siteless, second: 0)
            var second = Bitset()
            for (site, n) in perSite.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                if weights.second < weights.first {
                    second.insert(Int(site))
                    weights.second += n
                } else {
                    weights.first += n
                }
            }
            return second
        }
    }

    /// How many times a fold drops its racks at most.
    static let maxRackDrops = 4

    /// Prepares a fold over `records` (or a part of them), as `prepare(for:)` does for events:
    /// which rack numbers retirements name, and energizers without racks.
    mutating func prepare(packed records: EventStorage) {
        var racks = 0, sites = 0
        var retired = Bitset()
        records.withColumns { records in
            for i in 0..<records.count {
                switch records.code(i) {
                case PackedEvent.rackInstalled: racks += 1
                case PackedEvent.siteOpened: sites += 1
                case PackedEvent.rackRetired: retired.insert(Int(records.rack(i)))
                default: break
                }
            }
        }
        hint.racksPerSite = racks / max(1, sites) + 16
        hint.retiredNumbers = retired
        hint.anyRack = false
        hint.withoutRacks = true
    }

    /// Applies the event at `i` of `events` from its record in `fold.records`, at `position` in
    /// `fold.order`: its effects (`FleetEffect`), or, for a site or chip model defined, the event.
    /// Voids are not applied. `names` remembers where each name number's totals are; keep one
    /// per fold.
    @inline(__always)
    mutating func apply(_ i: Int, of events: EventList, names: inout PackedFoldNames, fold: borrowing PackedFold, at position: Int) {
        let p = fold.records.row(i)
        guard !PackedEvent.isDefinition(p.code) else { return apply(events[i]) }
        applied += 1
        let key = TimeKey(effective: p.effective, seq: events.firstSeq + i)
        last = key
        p.forEachEffect(retiring: {
            // First fit takes the rack off, found by its number among the site's active racks (the
            // install `RackInstalls` names, in a fold in effective order). A site with no
            // energizer has no rack to retire (and gets none here).
            let s = p.site
            guard let site = names.site(s, { energizers.index(of: events.names.name(s)) }),
                  let rack = energizers[place: site].retire(rack: p.rack) else { return nil }
            return RetiredRack(model: names.model(s, place: rack.place), chips: rack.chips, watts: rack.watts)
        }) { effect in
            switch effect {
            case .delivered(let s, let m, let chips):
                let place = names.delivered(s, m) { delivered.place(of: PairKey(a: events.names.name(s), b: events.names.name(m)), adding: 0) }
                delivered[place: place] += chips
            case .installed(let s, let r, let m, let chips, let watts):
                let site = names.site(s) { energizerPlace(events.names.name(s)) }!
                let model = names.model(s, m) { energizers[place: site].modelPlace(events.names.name(m)) }
                let number = hint.anyRack || hint.retiredNumbers.contains(Int(r)) ? r : nil
                if hint.withoutRacks {
                    if energizers[place: site].installWithoutRacks(model: model, rack: number, chips: chips, watts: watts) { return }
                    keepRacks(fold, upTo: position, names: names)
                }
                energizers[place: site].install(model: model, rack: number, chips: chips, watts: watts, key: key)
            case .retired(let s, _, let m, let chips, _):
                // (Off its energizer already: `retiring` above.)
                retired[PairKey(a: events.names.name(s), b: events.names.name(m)), default: 0] += chips
                dropRacksWhenAllPowered()
            case .allocated(let s, let watts):
                let name = events.names.name(s)
                let total = allocated[name, default: 0] + watts
                allocated[name] = total
                let site = names.site(s) { energizerPlace(name) }!
                if hint.withoutRacks {
                    if energizers[place: site].setAllocatedWithoutRacks(total) { return }
                    keepRacks(fold, upTo: position, names: names)
                }
                energizers[place: site].setAllocated(total)
                dropRacksWhenAllPowered()
            case .usd(let investor, let recipient, let usd):
                investments[PairKey(a: events.names.name(investor), b: events.names.name(recipient)), default: 0] += usd
            }
        }
    }

    /// Builds every energizer's racks from the records folded so far (before `position`),
    /// all of them fitting, as a fold that kept them would hold them; from here on the fold
    /// keeps them.
    mutating func keepRacks(_ fold: borrowing PackedFold, upTo position: Int, names: PackedFoldNames) {
        let before = energizers
        energizers.updateEach { $0 = $0.emptyKeepingRacks(reserving: hint.racksPerSite) }
        for k in 0..<position {
            let seq = Int(fold.order[k])
            guard fold.counts(seq) else { continue }
            let i = seq - 1
            switch fold.records.code(i) {
            case PackedEvent.rackInstalled:
                let p = fold.records[i]
                let site = names.knownSite(p.site)!
                let model = names.knownModel(p.site, p.model)!
                let number = hint.anyRack || hint.retiredNumbers.contains(Int(p.rack)) ? p.rack : nil
                energizers[place: site].install(model: model, rack: number, chips: p.chips, watts: p.watts,
                                                key: TimeKey(effective: p.effective, seq: seq))
            case PackedEvent.rackRetired:
                if let site = names.knownSite(fold.records.site(i)) { energizers[place: site].retire(rack: fold.records.rack(i)) }
            default:
                break
            }
        }
        for p in 0..<energizers.count {
            energizers[place: p].restoreAllocation(before[place: p].allocated)
            precondition(energizers[place: p] == before[place: p], "racks built again do not add up to the totals kept")
        }
        hint.withoutRacks = false
        hint.racksBuilt += 1
    }

    /// Drops every energizer's racks when every rack has power (and the fold has drops left).
    private mutating func dropRacksWhenAllPowered() {
        guard !hint.withoutRacks, hint.racksDropped < Self.maxRackDrops, energizers.values.allSatisfy({ $0.stranded == 0 }) else { return }
        energizers.updateEach { $0.dropRacks() }
        hint.withoutRacks = true
        hint.racksDropped += 1
    }

    private mutating func energizerPlace(_ site: String) -> Int {
        energizers.place(of: site, adding: hint.withoutRacks ? .withoutRacks() : Energizer(reserving: hint.racksPerSite))
    }

    /// Starts loading what applying `r` will look up first at random places: the energizer slot
    /// of the rack a retirement retires. A fold over millions of records calls it a few records
    /// ahead.
    @inline(__always)
    func prefetch(_ i: Int, of records: EventStorage.Columns, names: PackedFoldNames) {
        guard records.code(i) == PackedEvent.rackRetired, let site = names.knownSite(records.site(i)) else { return }
        energizers[place: site].prefetch(records.rack(i))
    }

}

/// Where a fold over packed records keeps each name number's totals: the few sites and
/// (site, model) pairs, found through small hash tables of numbers (a search of a short list
/// mispredicted its end on nearly every record, the site of the next record being anyone's).
struct PackedFoldNames {
    private var sites = NumberPlaces<Int>()
    private var models = NumberPlaces<UInt32>()
    /// The other way: per (site, model place), the model's number (an energizer's racks hold
    /// their model's place).
    private var modelNumbers = NumberPlaces<UInt32>()
    private var pairs = NumberPlaces<(outer: Int, inner: Int)>()

    init() {}

    /// The place of site number `n`, from `make` the first time (nil: not there, asked again).
    @inline(__always)
    mutating func site(_ n: UInt32, _ make: () -> Int?) -> Int? {
        if let p = sites[UInt64(n)] { return p }
        guard let p = make() else { return nil }
        sites.insert(UInt64(n), p)
        return p
    }

    /// The place of site number `n` when it has one already.
    @inline(__always)
    func knownSite(_ n: UInt32) -> Int? { sites[UInt64(n)] }

    /// The place of model number `model` at site number `site`, when it has one already.
    @inline(__always)
    func knownModel(_ site: UInt32, _ model: UInt32) -> UInt32? { models[NumberMap<Int>.pair(site, model)] }

    @inline(__always)
    mutating func model(_ site: UInt32, _ model: UInt32, _ make: () -> UInt32) -> UInt32 {
        let key = NumberMap<Int>.pair(site, model)
        if let p = models[key] { return p }
        let p = make()
        models.insert(key, p)
        modelNumbers.insert(NumberMap<Int>.pair(site, p), model)
        return p
    }

    /// The number of the model at place `place` of site number `site`'s energizer (a place
    /// `model(_:_:_:)` gave).
    @inline(__always)
    func model(_ site: UInt32, place: UInt32) -> UInt32 { modelNumbers[NumberMap<Int>.pair(site, place)]! }

    @inline(__always)
    mutating func delivered(_ site: UInt32, _ model: UInt32, _ make: () -> (outer: Int, inner: Int)) -> (outer: Int, inner: Int) {
        let key = NumberMap<Int>.pair(site, model)
        if let p = pairs[key] { return p }
        let p = make()
        pairs.insert(key, p)
        return p
    }
}

/// A small open-addressing hash table from 64-bit numbers to values: a lookup is one multiply
/// and, nearly always, one probe. For the few keys a fold looks up on every record.
struct NumberPlaces<Value> {
    private var keys = [UInt64](repeating: .max, count: 16)
    private var values: [Value?] = Array(repeating: nil, count: 16)
    private var shift = 60
    private var count = 0

    init() {}

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift)) }

    /// The value of `key` (which is not `UInt64.max`), if any.
    @inline(__always)
    subscript(key: UInt64) -> Value? {
        keys.withUnsafeBufferPointer { k in
            var i = home(key)
            while true {
                if k[i] == key { return values[i] }
                if k[i] == .max { return nil }
                i = (i + 1) & (k.count - 1)
            }
        }
    }

    /// Adds `key`, which is not here yet.
    mutating func insert(_ key: UInt64, _ value: Value) {
        precondition(key != .max, "the largest number is not a key")
        if (count + 1) * 2 > keys.count {
            let old = zip(keys, values).filter { $0.0 != .max }
            keys = [UInt64](repeating: .max, count: keys.count * 2)
            values = Array(repeating: nil, count: keys.count)
            shift -= 1
            count = 0
            for (k, v) in old { insert(k, v!) }
        }
        var i = home(key)
        while keys[i] != .max { i = (i + 1) & (keys.count - 1) }
        keys[i] = key
        values[i] = value
        count += 1
    }
}

/// A set of small non-negative integers, a bit each.
package struct Bitset: Sendable {
    private var words: [UInt64] = []

    init() {}

    /// Room for `0..<capacity` without growing.
    init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    @inline(__always)
    func contains(_ i: Int) -> Bool {
        let w = i >> 6
        return w < words.count && words[w] & (1 << UInt64(i & 63)) != 0
    }

    @inline(__always)
    subscript(i: Int) -> Bool { contains(i) }

    mutating func insert(_ i: Int) {
        let w = i >> 6
        if w >= words.count { words.append(contentsOf: repeatElement(0, count: max(w + 1 - words.count, words.count))) }
        words[w] |= 1 << UInt64(i & 63)
    }
}
