/// One install or retirement of a rack, on its effective timeline.
struct RackMark: Sendable {
    var key: TimeKey
    var install: Bool
    var model: String
    var chips: Int64
}

/// The installs and retirements of every rack the rule state knows, by (site, rack), each
/// rack's in effective order.
///
/// A large history has millions of racks and nearly every event names a new one, so this is
/// the rule state's biggest table. It keeps no array per rack: the marks live in one arena as
/// short lists (a rack has one or two), each rack's first found through a `RackTable`. Marks
/// taken out (by a void, or a batch rolled back) leave their slot in the arena unused. A node
/// takes 32 bytes: the chip model as its number among the few models marks name, the seq in 32
/// bits (as the arena's links are).
struct RackMarks: Sendable {
    private struct Node: Sendable {
        var effective: Int64
        var chips: Int64
        var seq: UInt32
        var next: Int32
        /// The model's number in `models`; the top bit is set for an install.
        var modelAndKind: UInt32

        init(_ m: RackMark, model: UInt32, next: Int32) {
            precondition(m.key.seq >= 0 && m.key.seq < Int(UInt32.max), "seq \(m.key.seq) out of range for rack marks")
            effective = m.key.effective
            chips = m.chips
            seq = UInt32(m.key.seq)
            self.next = next
            modelAndKind = model | (m.install ? 1 << 31 : 0)
        }

        var key: TimeKey { TimeKey(effective: effective, seq: Int(seq)) }
    }

    /// Per rack, its first mark's node, or −1 when it has none (known, but not installed).
    private var heads = RackTable<Int32>()
    private var nodes: [Node] = []
    /// The chip models the marks name (and "" for a retirement of a rack never installed).
    private var models = SmallMap<UInt32>()

    private func mark(_ n: Int32) -> RackMark {
        let node = nodes[Int(n)]
        return RackMark(key: node.key, install: node.modelAndKind >> 31 != 0,
                        model: models.keys[Int(node.modelAndKind & 0x7FFF_FFFF)], chips: node.chips)
    }

    private mutating func modelNumber(_ model: String) -> UInt32 {
        if let i = models.index(of: model) { return UInt32(i) }
        let n = UInt32(models.count)
        precondition(n < 1 << 31, "too many chip models")
        models[model, default: n] = n
        return n
    }

    init() {}

    /// How many racks are known.
    var count: Int { heads.count }

    /// Makes room for `n` racks (and as many marks) in all; in the hash index of rack names too
    /// unless `index` is false.
    mutating func reserveCapacity(_ n: Int, index: Bool = true) {
        heads.reserveCapacity(n, index: index)
        nodes.reserveCapacity(n)
        nodes.adviseHugePages()
    }

    /// The rack's marks in effective order, or nil when the rack is not known.
    func marks(site: String, rack: String) -> [RackMark]? {
        guard let r = heads.entry(site: site, rack: rack) else { return nil }
        var out: [RackMark] = []
        var n = heads[entry: r]
        while n >= 0 {
            out.append(mark(n))
            n = nodes[Int(n)].next
        }
        return out
    }

    /// The rack's last mark before `key`.
    func last(site: String, rack: String, before key: TimeKey) -> RackMark? {
        guard let r = heads.entry(site: site, rack: rack) else { return nil }
        var found: RackMark?
        var n = heads[entry: r]
        while n >= 0, nodes[Int(n)].key < key {
            found = mark(n)
            n = nodes[Int(n)].next
        }
        return found
    }

    /// Adds a mark in its place on the rack's list (most land at the end).
    mutating func insert(_ mark: RackMark, site: String, rack: String) {
        let r = heads.entry(site: site, rack: rack, adding: -1)
        precondition(nodes.count < Int32.max, "too many rack marks")
        let node = Int32(nodes.count)
        nodes.append(Node(mark, model: modelNumber(mark.model), next: -1))
        var prev: Int32 = -1
        var n = heads[entry: r]
        while n >= 0, !(mark.key < nodes[Int(n)].key) {
            prev = n
            n = nodes[Int(n)].next
        }
        nodes[Int(node)].next = n
        if prev < 0 { heads[entry: r] = node } else { nodes[Int(prev)].next = node }
    }

    /// Takes out the rack's mark at `key`, if it has one.
    mutating func remove(at key: TimeKey, site: String, rack: String) {
        guard let r = heads.entry(site: site, rack: rack) else { return }
        var prev: Int32 = -1
        var n = heads[entry: r]
        while n >= 0 {
            let next = nodes[Int(n)].next
            if nodes[Int(n)].key == key {
                if prev < 0 { heads[entry: r] = next } else { nodes[Int(prev)].next = next }
            } else {
                prev = n
            }
            n = next
        }
    }

    /// Makes a rack known with these marks (in effective order): a writer loading it from a
    /// checkpoint. The rack must not be known yet.
    mutating func load(_ marks: [RackMark], site: String, rack: String) {
        for m in marks { insert(m, site: site, rack: rack) }
        if marks.isEmpty { _ = heads.entry(site: site, rack: rack, adding: -1) }
    }

    /// Starts loading what a lookup of the rack will read (see `SlotIndex.prefetch`).
    /// `rackHash` is the rack name's `NameHash`.
    func prefetch(site: String, rackHash: UInt64) {
        heads.prefetch(site: site, rackHash: rackHash)
    }
}
