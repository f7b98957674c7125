/// First-fit energization at one site: active racks in install order (effective time, then seq);
/// a rack is energized when its power fits in the allocation not yet used by the racks before it.
///
/// Applied in effective order, a newly installed rack is always the last in install order, so it
/// fits exactly when it fits in what the energized racks leave. While no rack is stranded, a
/// retirement or more power changes nothing else; only when racks are stranded (or power drops
/// below what is drawn) does first fit run again over the site. Per-model totals are kept as
/// racks change, so reading them costs nothing.
/// - Complexity: install O(1); retire O(1) and power changes O(1) while nothing is stranded,
///   otherwise O(racks at the site).
struct Energizer: Sendable, Hashable {
    struct Rack: Sendable, Hashable {
        var key: TimeKey
        var rack: String
        var model: String
        var chips: Int64
        var watts: Int64
        var energized: Bool
        var active = true
    }

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
    private(set) var byModel = SmallMap<ModelTotals>()
    private var stranded = 0
    private var inactive = 0
    /// Active racks by name: their place in `racks` (derived from it, so not part of the value).
    /// Racks from `indexed` on are not in it yet: installs only append, and the racks installed
    /// since the last retirement are added together when the next one looks a rack up.
    private var index = SlotIndex()
    private var indexed = 0

    init() {}

    /// An energizer with room for `racks` racks (no rehashing while a large history is folded).
    init(reserving racks: Int) {
        self.racks.reserveCapacity(racks)
        index.reserveCapacity(racks)
    }

    static func == (a: Energizer, b: Energizer) -> Bool {
        a.racks == b.racks && a.allocated == b.allocated && a.used == b.used && a.byModel == b.byModel
            && a.stranded == b.stranded && a.inactive == b.inactive
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(racks)
        hasher.combine(allocated)
        hasher.combine(used)
        hasher.combine(byModel)
    }

    /// The place in `racks` of the active rack named `rack`.
    private func position(of rack: String, hash: UInt64) -> UInt32? {
        racks.withUnsafeBufferPointer { r in
            index.find(hash) { r[Int($0)].active && NameHash.same(r[Int($0)].rack, rack) }
        }
    }

    mutating func install(rack: String, model: String, chips: Int64, watts: Int64, key: TimeKey) {
        if let last = racks.last, key < last.key {
            // Out of install order (only when folding in another order): place it and re-fit.
            racks.append(Rack(key: key, rack: rack, model: model, chips: chips, watts: watts, energized: false))
            racks.sort { $0.key < $1.key }
            rebuildIndex()
            byModel[model, default: .init()].installed += chips
            stranded += 1
            refit()
            return
        }
        let fits = used + watts <= allocated
        racks.append(Rack(key: key, rack: rack, model: model, chips: chips, watts: watts, energized: fits))
        // One lookup of the model's totals (this runs once per rack of the history).
        byModel[model, default: .init()].add(installed: chips, energized: fits ? chips : 0, watts: fits ? watts : 0)
        if fits { used += watts } else { stranded += 1 }
    }

    /// Removes a rack; returns it, or nil when it is not active here.
    @discardableResult
    mutating func retire(rack: String) -> Rack? {
        indexPending()
        let hash = NameHash.of(rack)
        guard let found = position(of: rack, hash: hash) else { return nil }
        index.remove(hash, found)
        let i = Int(found)
        let r = racks[i]
        racks[i].active = false
        inactive += 1
        if r.energized {
            used -= r.watts
            byModel[r.model, default: .init()].add(installed: -r.chips, energized: -r.chips, watts: -r.watts)
            // Freed power may now fit a stranded rack after it.
            if stranded > 0 { refit() }
        } else {
            byModel[r.model, default: .init()].installed -= r.chips
            stranded -= 1
        }
        if inactive > 1024, inactive * 2 > racks.count { compact() }
        return r
    }

    mutating func setAllocated(_ watts: Int64) {
        allocated = watts
        // With nothing stranded and everything still fitting, first fit keeps every rack on.
        if stranded == 0, used <= allocated { return }
        refit()
    }

    private mutating func compact() {
        racks.removeAll { !$0.active }
        inactive = 0
        rebuildIndex()
    }

    private mutating func rebuildIndex() {
        index = SlotIndex(minimumCapacity: racks.count)
        indexed = 0
        indexPending()
    }

    /// Adds the active racks from `indexed` on to `index`, 32 at a time: each group's slots are
    /// hashed and prefetched first, so that their cache misses (a large fold's index is far
    /// bigger than the cache) overlap instead of following one another.
    private mutating func indexPending() {
        let n = racks.count
        guard indexed < n else { return }
        index.reserveCapacity(index.count + n - indexed)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { hashes in
            while indexed < n {
                let group = indexed..<min(n, indexed + 32)
                for i in group where racks[i].active {
                    hashes[i - group.lowerBound] = NameHash.of(racks[i].rack)
                    index.prefetch(hashes[i - group.lowerBound])
                }
                for i in group where racks[i].active { index.insert(hashes[i - group.lowerBound], UInt32(i)) }
                indexed = group.upperBound
            }
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
                byModel[racks[i].model, default: .init()].add(installed: 0, energized: racks[i].chips, watts: racks[i].watts)
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
