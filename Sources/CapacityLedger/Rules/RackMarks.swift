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
/// taken out (by a void, or a batch rolled back) leave their slot in the arena unused.
struct RackMarks: Sendable {
    private struct Node: Sendable {
        var mark: RackMark
        var next: Int32
    }

    /// Per rack, its first mark's node, or −1 when it has none (known, but not installed).
    private var heads = RackTable<Int32>()
    private var nodes: [Node] = []

    init() {}

    /// How many racks are known.
    var count: Int { heads.count }

    /// Makes room for `n` racks (and as many marks) in all; in the hash index of rack names too
    /// unless `index` is false.
    mutating func reserveCapacity(_ n: Int, index: Bool = true) {
        heads.reserveCapacity(n, index: index)
        nodes.reserveCapacity(n)
    }

    /// The rack's marks in effective order, or nil when the rack is not known.
    func marks(site: String, rack: String) -> [RackMark]? {
        guard let r = heads.entry(site: site, rack: rack) else { return nil }
        var out: [RackMark] = []
        var n = heads[entry: r]
        while n >= 0 {
            out.append(nodes[Int(n)].mark)
            n = nodes[Int(n)].next
        }
        return out
    }

    /// The rack's last mark before `key`.
    func last(site: String, rack: String, before key: TimeKey) -> RackMark? {
        guard let r = heads.entry(site: site, rack: rack) else { return nil }
        var found: RackMark?
        var n = heads[entry: r]
        while n >= 0, nodes[Int(n)].mark.key < key {
            found = nodes[Int(n)].mark
            n = nodes[Int(n)].next
        }
        return found
    }

    /// Adds a mark in its place on the rack's list (most land at the end).
    mutating func insert(_ mark: RackMark, site: String, rack: String) {
        let r = heads.entry(site: site, rack: rack, adding: -1)
        precondition(nodes.count < Int32.max, "too many rack marks")
        let node = Int32(nodes.count)
        nodes.append(Node(mark: mark, next: -1))
        var prev: Int32 = -1
        var n = heads[entry: r]
        while n >= 0, !(mark.key < nodes[Int(n)].mark.key) {
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
            if nodes[Int(n)].mark.key == key {
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
    func prefetch(site: String, rack: String) {
        heads.prefetch(site: site, rack: rack)
    }
}
