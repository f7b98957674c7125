/// First-fit energization at one site: active racks in install order (effective time, then seq);
/// a rack is energized when its power fits in the allocation not yet used by the racks before it.
///
/// Applied in effective order, a newly installed rack is always the last in install order, so it
/// fits exactly when it fits in what the energized racks leave. While no rack is stranded, a
/// retirement or more power changes nothing else; only when racks are stranded (or power drops
/// below what is drawn) does first fit run again over the site. Per-model totals are kept as
/// racks change, so reading them costs nothing.
///
/// Racks are held without their names: a fold of a long history holds millions of them, and
/// only the few that some retirement names are ever looked up. A rack's name is a number (the
/// fold's: the log's string number, or one `FleetState` gives each name); an install gives it
/// only when the rack is to be found by it later.
///
/// While every rack fits, first fit has nothing to decide: all racks are energized, and the
/// totals say everything. An energizer made `withoutRacks()` keeps only the totals (and the
/// numbered racks' chips and watts) for as long as that lasts: a fold of a long history then
/// holds no list of millions of racks. When power runs short it reports it (`false`), and the
/// fold builds the racks (`FleetState.keepRacks`); once every rack has power again it may drop
/// them (`dropRacks`).
/// - Complexity: install O(1); retire O(1) and power changes O(1) while nothing is stranded,
///   otherwise O(racks at the site).
struct Energizer: Sendable, Hashable {
    struct Rack: Sendable {
        var key: TimeKey
        var chips: Int64
        var watts: Int64
        /// The rack's chip model: its place in `byModel`.
        var model: UInt32
        /// The number it is found by, or `Energizer.unnumbered`.
        var number: UInt32
        var energized: Bool
        var active = true
    }

    static let unnumbered = UInt32.max

    struct ModelTotals: Sendable, Hashable {
        var installed: Int64 = 0
        var energized: Int64 = 0
        var energizedWatts: Int64 = 0

        mutating func add(installed i: Int64, energized e: Int64, watts w: Int64) {
            installed += i
            energized += e
            energizedWatts += w
        }
    }

    /// Racks in install order; retired ones stay as inactive slots until compaction.
    private(set) var racks: [Rack] = []
    private(set) var allocated: Int64 = 0
    /// Watts drawn by energized racks.
    private(set) var used: Int64 = 0
    private(set) var byModel = SmallMap<String, ModelTotals>()
    /// Active racks without power.
    private(set) var stranded = 0

    /// The watts the active racks without power would draw, of chip model `model` or of all
    /// (nil). Zero while none is stranded (then the racks may not be kept); else one pass over
    /// the racks.
    func strandedWatts(model: String? = nil) -> Int64 {
        guard stranded > 0 else { return 0 }
        var only: UInt32?  // the model's place, when one is asked for
        if let model {
            guard let place = byModel.index(of: model) else { return 0 }
            only = UInt32(place)
        }
        var watts: Int64 = 0
        for r in racks where r.active && !r.energized && (only == nil || r.model == only) { watts += r.watts }
        return watts
    }
    private var inactive = 0
    /// Finds the numbered racks: each entry is a place in `racks`. Derived from the installs, so
    /// not part of the value.
    private var index = SlotIndex()
    private var numbered = 0
    /// Whether `racks` holds the racks; without them only the totals are kept (see above).
    private(set) var keepsRacks = true
    /// Without racks: the numbered racks (found through `unkeptIndex` by number, as `index` finds
    /// racks); an entry taken out leaves its place unused.
    private var unkept: [(number: UInt32, model: UInt32, chips: Int64, watts: Int64)] = []
    private var unkeptIndex = SlotIndex()

    private mutating func keep(_ number: UInt32, model: UInt32, chips: Int64, watts: Int64) {
        unkeptIndex.insert(Self.hash(number), UInt32(unkept.count))
        unkept.append((number, model, chips, watts))
    }

    init() {}

    /// An energizer that keeps only totals while every rack fits.
    static func withoutRacks() -> Energizer {
        var e = Energizer()
        e.keepsRacks = false
        return e
    }

    /// An energizer with no racks yet that keeps them, and this one's models in the same places
    /// (for building the racks of one that did not keep them). Every rack fits until
    /// `restoreAllocation`.
    func emptyKeepingRacks(reserving n: Int) -> Energizer {
        var e = Energizer(reserving: n)
        for m in byModel.keys { _ = e.modelPlace(m) }
        e.allocated = .max
        return e
    }

    /// Drops the racks and keeps only the totals (and the numbered racks' chips and watts): every
    /// rack is energized, so first fit has nothing to decide until power runs short again.
    mutating func dropRacks() {
        precondition(keepsRacks && stranded == 0, "racks dropped while some are without power")
        unkept = []
        unkeptIndex = SlotIndex()
        for r in racks where r.active && r.number != Self.unnumbered { keep(r.number, model: r.model, chips: r.chips, watts: r.watts) }
        racks = []
        index = SlotIndex()
        numbered = 0
        inactive = 0
        keepsRacks = false
    }

    /// Sets the allocation without fitting again: the racks drawn all fit in it.
    mutating func restoreAllocation(_ watts: Int64) {
        precondition(used <= watts && stranded == 0, "restored allocation \(watts) W below the \(used) W drawn")
        allocated = watts
    }

    /// Without racks: adds a rack of the model at place `m` when it fits in what is left (true),
    /// or changes nothing when it does not (false: the racks are needed).
    mutating func installWithoutRacks(model m: UInt32, rack: UInt32?, chips: Int64, watts: Int64) -> Bool {
        guard used + watts <= allocated else { return false }
        byModel[place: Int(m)].add(installed: chips, energized: chips, watts: watts)
        used += watts
        if let rack { keep(rack, model: m, chips: chips, watts: watts) }
        return true
    }

    /// Without racks: sets the allocation when everything drawn still fits (true), or changes
    /// nothing when it does not (false: the racks are needed).
    mutating func setAllocatedWithoutRacks(_ watts: Int64) -> Bool {
        guard watts >= used else { return false }
        allocated = watts
        return true
    }

    /// An energizer with room for `racks` racks (no copying while a large history is folded).
    init(reserving racks: Int) {
        self.racks.reserveCapacity(racks)
    }

    /// Equal totals, and when both keep their racks, equal racks.
    static func == (a: Energizer, b: Energizer) -> Bool {
        guard a.allocated == b.allocated, a.used == b.used, a.byModel == b.byModel, a.stranded == b.stranded else { return false }
        guard a.keepsRacks, b.keepsRacks else { return true }
        guard a.racks.count == b.racks.count, a.inactive == b.inactive else { return false }
        // Models compare by name: two energizers may have met them in another order.
        for (r, s) in zip(a.racks, b.racks) {
            guard r.key == s.key, r.chips == s.chips, r.watts == s.watts, r.energized == s.energized, r.active == s.active,
                  a.byModel.keys[Int(r.model)] == b.byModel.keys[Int(s.model)] else { return false }
        }
        return true
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(allocated)
        hasher.combine(used)
        hasher.combine(byModel)
    }

    /// The hash `index` files a rack number under.
    @inline(__always)
    private static func hash(_ rack: UInt32) -> UInt64 {
        var h = UInt64(rack) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return h &* 0xBF58_476D_1CE4_E5B9
    }

    /// The place in `racks` of the active rack numbered `rack`.
    private func place(of rack: UInt32, hash: UInt64) -> UInt32? {
        index.find(hash) { racks[Int($0)].number == rack && racks[Int($0)].active }
    }

    /// Starts loading the slot `retire(rack:)` begins at (see `SlotIndex.prefetch`).
    func prefetch(_ rack: UInt32) {
        if !keepsRacks {
            if !unkept.isEmpty { unkeptIndex.prefetch(Self.hash(rack)) }
        } else if numbered > 0 {
            index.prefetch(Self.hash(rack))
        }
    }

    /// The place of `model` among the models this site's racks hold (places never change).
    mutating func modelPlace(_ model: String) -> UInt32 {
        UInt32(byModel.place(of: model, adding: .init()))
    }

    /// Adds a rack of the model at place `m` (`modelPlace`); `rack` is its number when
    /// `retire(rack:)` is to find it, nil otherwise. Only for an energizer that keeps racks.
    mutating func install(model m: UInt32, rack: UInt32?, chips: Int64, watts: Int64, key: TimeKey) {
        precondition(keepsRacks, "an install into an energizer without racks")
        let number = rack ?? Self.unnumbered
        if let rack {
            precondition(rack != Self.unnumbered, "rack number \(rack) is reserved")
            index.insert(Self.hash(rack), UInt32(racks.count))
            numbered += 1
        }
        if let last = racks.last, key < last.key {
            // Out of install order (only when folding in another order): place it and re-fit.
            racks.append(Rack(key: key, chips: chips, watts: watts, model: m, number: number, energized: false))
            racks.sort { $0.key < $1.key }
            renumber()
            byModel[place: Int(m)].installed += chips
            stranded += 1
            refit()
            return
        }
        let fits = used + watts <= allocated
        racks.append(Rack(key: key, chips: chips, watts: watts, model: m, number: number, energized: fits))
        byModel[place: Int(m)].add(installed: chips, energized: fits ? chips : 0, watts: fits ? watts : 0)
        if fits { used += watts } else { stranded += 1 }
    }

    /// Removes the active rack numbered `rack` (installed with its number); returns its model
    /// (and the model's place), chips and watts, or nil when no such rack is active here.
    @discardableResult
    mutating func retire(rack: UInt32) -> (model: String, place: UInt32, chips: Int64, watts: Int64)? {
        guard keepsRacks else {
            let hash = Self.hash(rack)
            guard let found = unkeptIndex.find(hash, { unkept[Int($0)].number == rack }) else { return nil }
            unkeptIndex.remove(hash, found)
            let r = unkept[Int(found)]
            used -= r.watts
            byModel[place: Int(r.model)].add(installed: -r.chips, energized: -r.chips, watts: -r.watts)
            return (byModel.keys[Int(r.model)], r.model, r.chips, r.watts)
        }
        guard numbered > 0 else { return nil }
        let hash = Self.hash(rack)
        guard let found = place(of: rack, hash: hash) else { return nil }
        index.remove(hash, found)
        numbered -= 1
        let i = Int(found)
        let r = racks[i]
        // A retired rack draws nothing (so a history that stranded it and one that did not
        // leave the same slot).
        racks[i].active = false
        racks[i].energized = false
        inactive += 1
        if r.energized {
            used -= r.watts
            byModel[place: Int(r.model)].add(installed: -r.chips, energized: -r.chips, watts: -r.watts)
            // Freed power may now fit a stranded rack after it.
            if stranded > 0 { refit() }
        } else {
            byModel[place: Int(r.model)].installed -= r.chips
            stranded -= 1
        }
        let out = (byModel.keys[Int(r.model)], r.model, r.chips, r.watts)
        if inactive > 1024, inactive * 2 > racks.count { compact() }
        return out
    }

    /// Only for an energizer that keeps racks (`setAllocatedWithoutRacks` otherwise).
    mutating func setAllocated(_ watts: Int64) {
        precondition(keepsRacks, "first fit without racks")
        allocated = watts
        // With nothing stranded and everything still fitting, first fit keeps every rack on.
        if stranded == 0, used <= allocated { return }
        refit()
    }

    private mutating func compact() {
        racks.removeAll { !$0.active }
        inactive = 0
        renumber()
    }

    /// Files the numbered racks again after `racks` moved: only the active ones keep a number.
    private mutating func renumber() {
        index = SlotIndex(minimumCapacity: numbered)
        numbered = 0
        for i in racks.indices where racks[i].number != Self.unnumbered {
            guard racks[i].active else { racks[i].number = Self.unnumbered; continue }
            index.insert(Self.hash(racks[i].number), UInt32(i))
            numbered += 1
        }
    }

    private mutating func refit() {
        var remaining = allocated
        var u: Int64 = 0
        var s = 0
        byModel.updateEach {
            $0.energized = 0
            $0.energizedWatts = 0
        }
        for i in racks.indices where racks[i].active {
            let fits = racks[i].watts <= remaining
            racks[i].energized = fits
            if fits {
                remaining -= racks[i].watts
                u += racks[i].watts
                byModel[place: Int(racks[i].model)].add(installed: 0, energized: racks[i].chips, watts: racks[i].watts)
            } else {
                s += 1
            }
        }
        used = u
        stranded = s
    }

    /// Chips installed and energized, per model.
    func chipsByModel() -> [String: (installed: Int64, energized: Int64)] {
        var out: [String: (Int64, Int64)] = [:]
        for (m, t) in byModel where t.installed != 0 { out[m] = (t.installed, t.energized) }
        return out
    }
}
