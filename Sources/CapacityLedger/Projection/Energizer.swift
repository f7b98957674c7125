/// First-fit energization at one site: active racks in install order (effective time, then seq);
/// a rack is energized when its power fits in the allocation not yet used by the racks before it.
///
/// Applied in effective order, a newly installed rack is always the last in install order, so
/// adding one is O(1). A retirement or a change of allocation re-runs first fit over the site.
/// - Complexity: install O(1); retire and power changes O(racks at the site).
struct Energizer: Sendable, Hashable {
    struct Rack: Sendable, Hashable {
        var key: TimeKey
        var rack: String
        var model: String
        var chips: Int64
        var watts: Int64
        var energized: Bool
    }

    private(set) var racks: [Rack] = []
    private(set) var allocated: Int64 = 0
    private(set) var used: Int64 = 0
    private var index: [String: Int] = [:]

    mutating func install(rack: String, model: String, chips: Int64, watts: Int64, key: TimeKey) {
        let fits = used + watts <= allocated
        if let last = racks.last, key < last.key {
            // Out of install order (only when folding in another order): place it and re-fit.
            racks.append(Rack(key: key, rack: rack, model: model, chips: chips, watts: watts, energized: false))
            racks.sort { $0.key < $1.key }
            rebuildIndex()
            refit()
            return
        }
        index[rack] = racks.count
        racks.append(Rack(key: key, rack: rack, model: model, chips: chips, watts: watts, energized: fits))
        if fits { used += watts }
    }

    /// Removes a rack; returns it, or nil when it is not active here.
    @discardableResult
    mutating func retire(rack: String) -> Rack? {
        guard let i = index[rack] else { return nil }
        let r = racks.remove(at: i)
        rebuildIndex()
        refit()
        return r
    }

    mutating func setAllocated(_ watts: Int64) {
        allocated = watts
        refit()
    }

    func isActive(_ rack: String) -> Bool { index[rack] != nil }
    func rack(_ id: String) -> Rack? { index[id].map { racks[$0] } }

    private mutating func rebuildIndex() {
        index.removeAll(keepingCapacity: true)
        for (i, r) in racks.enumerated() { index[r.rack] = i }
    }

    private mutating func refit() {
        var remaining = allocated
        var u: Int64 = 0
        for i in racks.indices {
            let fits = racks[i].watts <= remaining
            racks[i].energized = fits
            if fits {
                remaining -= racks[i].watts
                u += racks[i].watts
            }
        }
        used = u
    }

    /// Chips installed and energized, per model.
    func chipsByModel() -> [String: (installed: Int64, energized: Int64)] {
        var out: [String: (Int64, Int64)] = [:]
        for r in racks {
            var v = out[r.model] ?? (0, 0)
            v.0 += r.chips
            if r.energized { v.1 += r.chips }
            out[r.model] = v
        }
        return out
    }
}
