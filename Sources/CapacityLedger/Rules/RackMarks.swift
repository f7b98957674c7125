/// One install or retirement of a rack, on its effective timeline.
struct RackMark: Sendable, Equatable {
    var key: TimeKey
    var install: Bool
}

/// The installs and retirements of every rack the rule state knows, by (site, rack) name
/// numbers, each rack's in effective order.
///
/// A large history has millions of racks and nearly every event names a new one, so this is
/// the rule state's biggest table. It holds no names and no copies of the events: per rack name
/// number, the first of its marks (a new name gets the next number, so a new rack's entry lands
/// at the end of `heads`), and per mark only the seq of its event and the next mark, 8 bytes;
/// the mark's time, kind and site are read from the event (`EventLookup`). A rack name used at
/// several sites has one list with the marks of each site. Marks taken out (by a void, or a
/// batch rolled back) leave their node unused.
///
/// Names numbered below `denseFrom` (a writer working from a checkpoint: the names the
/// checkpoint numbers) are found in a dictionary instead, so that a writer appending one event
/// to a large ledger does not make room for every name before it.
struct RackMarks: Sendable {
    private struct Node: Sendable {
        var seq: UInt32
        var next: Int32
    }

    /// Per rack name number from `denseFrom` on, its first mark's node, or −1.
    private var heads: [Int32] = []
    private var sparse: [UInt32: Int32] = [:]
    private(set) var denseFrom: UInt32 = 0
    private var nodes: [Node] = []

    init(denseFrom: UInt32 = 0) {
        self.denseFrom = denseFrom
    }

    /// Makes room for `n` more racks and marks.
    mutating func reserveCapacity(_ n: Int) {
        heads.reserveCapacity(heads.count + n)
        nodes.reserveCapacity(nodes.count + n)
    }

    @inline(__always)
    private func head(_ rack: UInt32) -> Int32 {
        if rack >= denseFrom {
            let i = Int(rack - denseFrom)
            return i < heads.count ? heads[i] : -1
        }
        return sparse[rack] ?? -1
    }

    @inline(__always)
    private mutating func setHead(_ rack: UInt32, _ node: Int32) {
        if rack >= denseFrom {
            let i = Int(rack - denseFrom)
            if i >= heads.count { heads.append(contentsOf: repeatElement(-1, count: i + 1 - heads.count)) }
            heads[i] = node
        } else {
            sparse[rack] = node
        }
    }

    @inline(__always)
    private func mark(_ n: Int32, _ events: EventLookup) -> (mark: RackMark, site: UInt32) {
        let seq = Int(nodes[Int(n)].seq)
        let p = events[seq]
        return (RackMark(key: TimeKey(effective: p.effective, seq: seq), install: p.code == PackedEvent.rackInstalled), p.a)
    }

    /// The marks of the rack numbered `rack` at site `site`, in effective order.
    func marks(site: UInt32, rack: UInt32, in events: EventLookup) -> [RackMark] {
        var out: [RackMark] = []
        var n = head(rack)
        while n >= 0 {
            let m = mark(n, events)
            if m.site == site { out.append(m.mark) }
            n = nodes[Int(n)].next
        }
        return out
    }

    /// Whether any mark of any site names the rack numbered `rack`.
    func isEmpty(rack: UInt32) -> Bool { head(rack) < 0 }

    /// Adds the mark of event `seq` (an install or retirement of `rack`, held by `events`) in its
    /// place on the rack's list (most land at the end).
    mutating func insert(seq: Int, rack: UInt32, in events: EventLookup) {
        precondition(nodes.count < Int32.max, "too many rack marks")
        precondition(seq >= 0 && seq < Int(UInt32.max), "seq \(seq) out of range for rack marks")
        let key = events.key(seq)
        let node = Int32(nodes.count)
        nodes.append(Node(seq: UInt32(seq), next: -1))
        var prev: Int32 = -1
        var n = head(rack)
        while n >= 0, !(key < mark(n, events).mark.key) {
            prev = n
            n = nodes[Int(n)].next
        }
        nodes[Int(node)].next = n
        if prev < 0 { setHead(rack, node) } else { nodes[Int(prev)].next = node }
    }

    /// Takes out the mark of event `seq` from the rack's list, if it is there.
    mutating func remove(seq: Int, rack: UInt32) {
        var prev: Int32 = -1
        var n = head(rack)
        while n >= 0 {
            let next = nodes[Int(n)].next
            if Int(nodes[Int(n)].seq) == seq {
                if prev < 0 { setHead(rack, next) } else { nodes[Int(prev)].next = next }
            } else {
                prev = n
            }
            n = next
        }
    }
}
