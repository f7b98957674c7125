/// Where an event sits on the effective timeline: effective time, then seq.
public struct TimeKey: Hashable, Comparable, Sendable {
    public var effective: Int64
    public var seq: Int
    public init(_ effective: Timestamp, _ seq: Int) {
        self.effective = effective.micros
        self.seq = seq
    }
    package init(effective: Int64, seq: Int) {
        self.effective = effective
        self.seq = seq
    }
    public static func < (a: TimeKey, b: TimeKey) -> Bool {
        a.effective != b.effective ? a.effective < b.effective : a.seq < b.seq
    }
    public var time: Timestamp { Timestamp(micros: effective) }
}

/// A quantity over effective time, changed by signed deltas at points: undeployed chips of a
/// model at a site, or power allocated at a site.
///
/// Keeps the level after each point, so "the lowest (or highest) level from time t on" is a scan
/// of the points after t. Most events arrive in effective order and land at the end.
///
/// The points are kept in blocks of at most `blockLimit`, each with a `shift` added to the levels
/// it stores: a point inserted before the end (a backdated delivery) moves the points after it in
/// its block only, and changes the shift of each later block instead of the level of each later
/// point. At ten million events a timeline holds hundreds of thousands of points, and a delivery
/// backdated by a few weeks used to move and change the tens of thousands after it.
///
/// A timeline read from a checkpoint may start at a `floor`: the points before it are summed up
/// in `baseLevel` (and `basePlus`, `baseMinus`) instead of being kept. It answers exactly for
/// keys at or after the floor only (`covers`); the writer checks that before using it.
/// - Complexity: suffix queries are O(k) in the number of points after the key; insert and remove
///   O(`blockLimit` + number of blocks), O(1) amortized at the end.
package struct DeltaTimeline: Sendable {
    /// A point is its key (effective time and seq, apart) and the level after it: 20 bytes. Its
    /// delta is the difference of its level and the one before (`delta(at:)`).
    private struct Block: Sendable {
        var effective: [Int64] = []
        var seqs: [UInt32] = []
        /// Levels without `shift`.
        var levels: [Int64] = []
        var shift: Int64 = 0

        init(capacity: Int) {
            effective.reserveCapacity(capacity)
            seqs.reserveCapacity(capacity)
            levels.reserveCapacity(capacity)
        }

        var count: Int { levels.count }

        func key(_ j: Int) -> TimeKey { TimeKey(effective: effective[j], seq: Int(seqs[j])) }

        func level(_ j: Int) -> Int64 { levels[j] + shift }

        mutating func append(_ key: TimeKey, level: Int64) {
            precondition(key.seq >= 0 && key.seq <= Int(UInt32.max), "seq \(key.seq) out of range for a timeline")
            effective.append(key.effective)
            seqs.append(UInt32(key.seq))
            levels.append(level - shift)
        }

        mutating func insert(_ key: TimeKey, level: Int64, at j: Int) {
            precondition(key.seq >= 0 && key.seq <= Int(UInt32.max), "seq \(key.seq) out of range for a timeline")
            effective.insert(key.effective, at: j)
            seqs.insert(UInt32(key.seq), at: j)
            levels.insert(level - shift, at: j)
        }

        mutating func remove(at j: Int) {
            effective.remove(at: j)
            seqs.remove(at: j)
            levels.remove(at: j)
        }
    }

    /// Blocks fill up to this many points; a block that an insert takes past twice as many is
    /// split in two. (Blocks of 512 points were as quick, but with three small allocations per
    /// block the 10M import took about 100 MiB more memory.)
    private(set) var blockLimit = 4096

    /// No block is empty.
    private var blocks: [Block] = []
    private(set) var count = 0
    /// Points before this key are not kept; nil when every point is.
    package private(set) var floor: TimeKey?
    private(set) var baseLevel: Int64 = 0
    private(set) var basePlus: Int64 = 0
    private(set) var baseMinus: Int64 = 0

    /// A point's place: block, then index in the block; `(blocks.count, 0)` is the end.
    private struct Place: Equatable {
        var block: Int
        var index: Int
    }

    package init() {}

    /// An empty timeline with blocks of `blockLimit` points (small ones let tests reach splits).
    init(blockLimit: Int) {
        self.blockLimit = blockLimit
    }

    /// A timeline whose points before `floor` add up to `baseLevel` (`basePlus` − `baseMinus`),
    /// followed by `count` points in key order, `point(i)` each.
    package init(floor: TimeKey, baseLevel: Int64, basePlus: Int64, baseMinus: Int64, count: Int, blockLimit: Int = 4096,
         point: (Int) -> (TimeKey, Int64)) {
        self.blockLimit = blockLimit
        self.floor = floor
        self.baseLevel = baseLevel
        self.basePlus = basePlus
        self.baseMinus = baseMinus
        blocks = Self.blocks(count: count, from: baseLevel, limit: blockLimit, point: point)
        self.count = count
    }

    /// Blocks of `count` points in key order, `point(i)` each, levels counted from `level`.
    private static func blocks(count: Int, from level: Int64, limit blockLimit: Int, point: (Int) -> (TimeKey, Int64)) -> [Block] {
        var out: [Block] = []
        out.reserveCapacity((count + blockLimit - 1) / blockLimit)
        var level = level
        for i in 0..<count {
            if i % blockLimit == 0 { out.append(Block(capacity: min(blockLimit, count - i))) }
            let (k, d) = point(i)
            level += d
            out[out.count - 1].append(k, level: level)
        }
        return out
    }

    /// Reaches further back: `count` points (`point(i)`, in key order) that come before the
    /// current floor and from `floor` on, with the sums of the points before `floor`. The levels
    /// of the points already here do not change.
    package mutating func extend(floor: TimeKey, baseLevel: Int64, basePlus: Int64, baseMinus: Int64, count: Int, point: (Int) -> (TimeKey, Int64)) {
        blocks = Self.blocks(count: count, from: baseLevel, limit: blockLimit, point: point) + blocks
        self.count += count
        self.floor = floor
        self.baseLevel = baseLevel
        self.basePlus = basePlus
        self.baseMinus = baseMinus
    }

    /// Whether questions about `key` (and inserts or removals there) can be answered exactly.
    func covers(_ key: TimeKey) -> Bool { floor.map { $0 <= key } ?? true }

    var isEmpty: Bool { count == 0 }

    private var end: Place { Place(block: blocks.count, index: 0) }

    /// The place of the first point at or after `key`.
    private func place(of key: TimeKey) -> Place {
        // Most keys land at the end: that test reads the last key in place (no copy of a block).
        let n = blocks.count - 1
        guard n >= 0, !(blocks[n].key(blocks[n].count - 1) < key) else { return end }
        // The first block whose last key is at or after `key`, then the place in it.
        var lo = 0, hi = blocks.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if blocks[mid].key(blocks[mid].count - 1) < key { lo = mid + 1 } else { hi = mid }
        }
        let block = blocks[lo]
        var a = 0, z = block.count
        while a < z {
            let mid = (a + z) / 2
            if block.key(mid) < key { a = mid + 1 } else { z = mid }
        }
        return Place(block: lo, index: a)
    }

    /// The level just before `p` (the level at a key inserted there).
    private func level(before p: Place) -> Int64 {
        if p.index > 0 { return blocks[p.block].level(p.index - 1) }
        guard p.block > 0 else { return baseLevel }
        let b = blocks[p.block - 1]
        return b.level(b.count - 1)
    }

    /// The delta of the point at `p`: its level less the one before it.
    private func delta(at p: Place) -> Int64 {
        blocks[p.block].level(p.index) - level(before: p)
    }

    /// Calls `body` with the key, delta and level of each point from `p` on, in key order, until
    /// it returns false.
    private func forEach(from p: Place, _ body: (TimeKey, Int64, Int64) -> Bool) {
        var j = p.index
        var previous = level(before: p)
        for b in p.block..<blocks.count {
            let block = blocks[b]
            while j < block.count {
                let level = block.levels[j] + block.shift
                guard body(block.key(j), level - previous, level) else { return }
                previous = level
                j += 1
            }
            j = 0
        }
    }

    /// The lowest level from `key` on (including the level in force at `key`), and where.
    func minimum(from key: TimeKey) -> (level: Int64, at: TimeKey) {
        let p = place(of: key)
        var best = level(before: p), at = key
        forEach(from: p) { k, _, l in
            if l < best { best = l; at = k }
            return true
        }
        return (best, at)
    }

    /// The highest level from `key` on, and where.
    func maximum(from key: TimeKey) -> (level: Int64, at: TimeKey) {
        let p = place(of: key)
        var best = level(before: p), at = key
        forEach(from: p) { k, _, l in
            if l > best { best = l; at = k }
            return true
        }
        return (best, at)
    }

    /// The highest level over the stretch from `key` to just before `end` (nil: to the last
    /// point), and where: the level in force at `key` counts when `inForce` (a key that is not a
    /// point, such as an event about to be added), else only the points from `key` on; nil when
    /// nothing counts. A site's power cap changes over time, and each cap holds over its stretch.
    func maximum(from key: TimeKey, before end: TimeKey?, inForce: Bool) -> (level: Int64, at: TimeKey)? {
        let p = place(of: key)
        var best: (level: Int64, at: TimeKey)? = inForce ? (level(before: p), key) : nil
        forEach(from: p) { k, _, l in
            if let end, !(k < end) { return false }
            if best.map({ l > $0.level }) ?? true { best = (l, k) }
            return true
        }
        return best
    }

    /// The key of the last point before `key`, or nil when there is none here (none at all, or
    /// only before the floor).
    func lastKey(before key: TimeKey) -> TimeKey? {
        let p = place(of: key)
        if p.index > 0 { return blocks[p.block].key(p.index - 1) }
        guard p.block > 0 else { return nil }
        let b = blocks[p.block - 1]
        return b.key(b.count - 1)
    }

    /// The lowest and highest level over the points from `key` (a point that exists) on.
    func extremes(fromExisting key: TimeKey) -> (low: Int64, lowAt: TimeKey, high: Int64, highAt: TimeKey) {
        let p = place(of: key)
        guard p != end else { let l = level(before: p); return (l, key, l, key) }
        let first = blocks[p.block]
        var low = first.level(p.index), high = low, lowAt = first.key(p.index), highAt = lowAt
        forEach(from: p) { k, _, l in
            if l < low { low = l; lowAt = k }
            if l > high { high = l; highAt = k }
            return true
        }
        return (low, lowAt, high, highAt)
    }

    /// Sum of the positive and of the negative deltas up to and including `key`.
    func parts(at key: TimeKey) -> (plus: Int64, minus: Int64) {
        var plus = basePlus, minus = baseMinus
        forEach(from: Place(block: 0, index: 0)) { k, d, _ in
            guard k <= key else { return false }
            if d > 0 { plus += d } else { minus -= d }
            return true
        }
        return (plus, minus)
    }

    /// Keys of the points after `key` with a delta of the given sign.
    func keys(after key: TimeKey, through last: TimeKey? = nil, negative: Bool) -> [TimeKey] {
        var out: [TimeKey] = []
        forEach(from: place(of: key)) { k, d, _ in
            if let last, last < k { return false }
            if (d < 0) == negative { out.append(k) }
            return true
        }
        return out
    }

    mutating func insert(_ key: TimeKey, _ delta: Int64) {
        let p = place(of: key)
        let level = level(before: p) + delta
        count += 1
        if p == end {
            if blocks.isEmpty || blocks[blocks.count - 1].count >= blockLimit {
                // A timeline's first block grows as needed: most timelines stay small.
                blocks.append(Block(capacity: blocks.isEmpty ? 0 : blockLimit))
            }
            blocks[blocks.count - 1].append(key, level: level)
            return
        }
        blocks[p.block].insert(key, level: level, at: p.index)
        shift(after: Place(block: p.block, index: p.index + 1), by: delta)
        if blocks[p.block].count > 2 * blockLimit { split(p.block) }
    }

    mutating func remove(_ key: TimeKey) {
        let p = place(of: key)
        guard p != end, blocks[p.block].key(p.index) == key else { return }
        let delta = delta(at: p)
        blocks[p.block].remove(at: p.index)
        count -= 1
        shift(after: p, by: -delta)
        if blocks[p.block].count == 0 { blocks.remove(at: p.block) }
    }

    /// Adds `delta` to the level of every point from `p` on.
    private mutating func shift(after p: Place, by delta: Int64) {
        blocks[p.block].levels.withUnsafeMutableBufferPointer { l in
            for j in p.index..<l.count { l[j] += delta }
        }
        for b in (p.block + 1)..<blocks.count { blocks[b].shift += delta }
    }

    private mutating func split(_ b: Int) {
        let block = blocks[b]
        let half = block.count / 2
        var second = Block(capacity: blockLimit * 2)
        second.effective.append(contentsOf: block.effective[half...])
        second.seqs.append(contentsOf: block.seqs[half...])
        second.levels.append(contentsOf: block.levels[half...])
        second.shift = block.shift
        blocks[b].effective.removeSubrange(half...)
        blocks[b].seqs.removeSubrange(half...)
        blocks[b].levels.removeSubrange(half...)
        blocks.insert(second, at: b + 1)
    }
}
