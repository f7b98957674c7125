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
/// short lists (a rack has one or two), the racks in another, found through a `SlotIndex`; a
/// site is a small number. Marks taken out (by a void, or a batch rolled back) leave their slot
/// in the arena unused.
struct RackMarks: Sendable {
    private struct Rack: Sendable {
        var rack: String
        var site: UInt32
        /// The first mark's node, or −1 when the rack has none (known, but not installed).
        var head: Int32
    }

    private struct Node: Sendable {
        var mark: RackMark
        var next: Int32
    }

    private var siteNames: [String] = []
    private var siteIndex = SlotIndex()
    private var index = SlotIndex()
    private var racks: [Rack] = []
    private var nodes: [Node] = []

    init() {}

    /// How many racks are known.
    var count: Int { racks.count }

    /// Makes room for `n` racks (and as many marks) in all.
    mutating func reserveCapacity(_ n: Int) {
        index.reserveCapacity(n)
        racks.reserveCapacity(n)
        nodes.reserveCapacity(n)
    }

    /// The rack's marks in effective order, or nil when the rack is not known.
    func marks(site: String, rack: String) -> [RackMark]? {
        guard let r = find(site, rack) else { return nil }
        var out: [RackMark] = []
        var n = racks[Int(r)].head
        while n >= 0 {
            out.append(nodes[Int(n)].mark)
            n = nodes[Int(n)].next
        }
        return out
    }

    /// The rack's last mark before `key`.
    func last(site: String, rack: String, before key: TimeKey) -> RackMark? {
        guard let r = find(site, rack) else { return nil }
        var found: RackMark?
        var n = racks[Int(r)].head
        while n >= 0, nodes[Int(n)].mark.key < key {
            found = nodes[Int(n)].mark
            n = nodes[Int(n)].next
        }
        return found
    }

    /// Adds a mark in its place on the rack's list (most land at the end).
    mutating func insert(_ mark: RackMark, site: String, rack: String) {
        let r = Int(findOrAdd(site, rack))
        precondition(nodes.count < Int32.max, "too many rack marks")
        let node = Int32(nodes.count)
        nodes.append(Node(mark: mark, next: -1))
        var prev: Int32 = -1
        var n = racks[r].head
        while n >= 0, !(mark.key < nodes[Int(n)].mark.key) {
            prev = n
            n = nodes[Int(n)].next
        }
        nodes[Int(node)].next = n
        if prev < 0 { racks[r].head = node } else { nodes[Int(prev)].next = node }
    }

    /// Takes out the rack's mark at `key`, if it has one.
    mutating func remove(at key: TimeKey, site: String, rack: String) {
        guard let r = find(site, rack).map(Int.init) else { return }
        var prev: Int32 = -1
        var n = racks[r].head
        while n >= 0 {
            let next = nodes[Int(n)].next
            if nodes[Int(n)].mark.key == key {
                if prev < 0 { racks[r].head = next } else { nodes[Int(prev)].next = next }
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
        if marks.isEmpty { _ = findOrAdd(site, rack) }
    }

    /// Starts loading what a lookup of the rack will read (see `SlotIndex.prefetch`).
    func prefetch(site: String, rack: String) {
        guard let s = siteNumber(site, NameHash.of(site)) else { return }
        index.prefetch(Self.hash(site: s, rackHash: NameHash.of(rack)))
    }

    // MARK: finding

    private func siteNumber(_ site: String, _ hash: UInt64) -> UInt32? {
        siteIndex.find(hash) { NameHash.same(siteNames[Int($0)], site) }
    }

    @inline(__always)
    private static func hash(site: UInt32, rackHash: UInt64) -> UInt64 {
        rackHash ^ (UInt64(site) &* 0x9E37_79B9_7F4A_7C15)
    }

    private func find(_ site: String, _ rack: String) -> UInt32? {
        guard let s = siteNumber(site, NameHash.of(site)) else { return nil }
        let h = Self.hash(site: s, rackHash: NameHash.of(rack))
        return index.find(h) { racks[Int($0)].site == s && NameHash.same(racks[Int($0)].rack, rack) }
    }

    private mutating func findOrAdd(_ site: String, _ rack: String) -> UInt32 {
        let sh = NameHash.of(site)
        let s: UInt32
        if let known = siteNumber(site, sh) {
            s = known
        } else {
            s = UInt32(siteNames.count)
            siteNames.append(site)
            siteIndex.insert(sh, s)
        }
        let h = Self.hash(site: s, rackHash: NameHash.of(rack))
        if let r = index.find(h, { racks[Int($0)].site == s && NameHash.same(racks[Int($0)].rack, rack) }) { return r }
        let r = UInt32(racks.count)
        racks.append(Rack(rack: rack, site: s, head: -1))
        index.insert(h, r)
        return r
    }
}
