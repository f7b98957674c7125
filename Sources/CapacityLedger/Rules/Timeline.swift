/// Where an event sits on the effective timeline: effective time, then seq.
public struct TimeKey: Hashable, Comparable, Sendable {
    public var effective: Int64
    public var seq: Int
    public init(_ effective: Timestamp, _ seq: Int) {
        self.effective = effective.micros
        self.seq = seq
    }
    init(effective: Int64, seq: Int) {
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
/// A timeline read from a checkpoint may start at a `floor`: the points before it are summed up
/// in `baseLevel` (and `basePlus`, `baseMinus`) instead of being kept. It answers exactly for
/// keys at or after the floor only (`covers`); the writer checks that before using it.
/// - Complexity: insert, remove and suffix queries are O(k) in the number of points after the key.
struct DeltaTimeline: Sendable {
    private(set) var keys: [TimeKey] = []
    private(set) var deltas: [Int64] = []
    private(set) var levels: [Int64] = []
    /// Points before this key are not kept; nil when every point is.
    private(set) var floor: TimeKey?
    private(set) var baseLevel: Int64 = 0
    private(set) var basePlus: Int64 = 0
    private(set) var baseMinus: Int64 = 0

    init() {}

    /// A timeline whose points before `floor` add up to `baseLevel` (`basePlus` − `baseMinus`),
    /// followed by `count` points in key order, `point(i)` each.
    init(floor: TimeKey, baseLevel: Int64, basePlus: Int64, baseMinus: Int64, count: Int, point: (Int) -> (TimeKey, Int64)) {
        self.floor = floor
        self.baseLevel = baseLevel
        self.basePlus = basePlus
        self.baseMinus = baseMinus
        keys.reserveCapacity(count)
        deltas.reserveCapacity(count)
        levels.reserveCapacity(count)
        var level = baseLevel
        for i in 0..<count {
            let (k, d) = point(i)
            level += d
            keys.append(k)
            deltas.append(d)
            levels.append(level)
        }
    }

    /// Reaches further back: `count` points (`point(i)`, in key order) that come before the
    /// current floor and from `floor` on, with the sums of the points before `floor`. The levels
    /// of the points already here do not change.
    mutating func extend(floor: TimeKey, baseLevel: Int64, basePlus: Int64, baseMinus: Int64, count: Int, point: (Int) -> (TimeKey, Int64)) {
        var k: [TimeKey] = [], d: [Int64] = [], l: [Int64] = []
        k.reserveCapacity(count + keys.count)
        d.reserveCapacity(count + keys.count)
        l.reserveCapacity(count + keys.count)
        var level = baseLevel
        for i in 0..<count {
            let (key, delta) = point(i)
            level += delta
            k.append(key); d.append(delta); l.append(level)
        }
        keys = k + keys
        deltas = d + deltas
        levels = l + levels
        self.floor = floor
        self.baseLevel = baseLevel
        self.basePlus = basePlus
        self.baseMinus = baseMinus
    }

    /// Whether questions about `key` (and inserts or removals there) can be answered exactly.
    func covers(_ key: TimeKey) -> Bool { floor.map { $0 <= key } ?? true }

    var isEmpty: Bool { keys.isEmpty }

    /// Index of the first point after `key`.
    func position(of key: TimeKey) -> Int {
        if let last = keys.last, last < key { return keys.count }
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The level just before point index `i` (the level at a key inserted there).
    func level(before i: Int) -> Int64 { i == 0 ? baseLevel : levels[i - 1] }

    /// The lowest level from `key` on (including the level in force at `key`), and where.
    func minimum(from key: TimeKey) -> (level: Int64, at: TimeKey) {
        let p = position(of: key)
        var best = level(before: p), at = key
        for i in p..<keys.count where levels[i] < best {
            best = levels[i]
            at = keys[i]
        }
        return (best, at)
    }

    /// The highest level from `key` on, and where.
    func maximum(from key: TimeKey) -> (level: Int64, at: TimeKey) {
        let p = position(of: key)
        var best = level(before: p), at = key
        for i in p..<keys.count where levels[i] > best {
            best = levels[i]
            at = keys[i]
        }
        return (best, at)
    }

    /// The lowest and highest level over the points from `key` (a point that exists) on.
    func extremes(fromExisting key: TimeKey) -> (low: Int64, lowAt: TimeKey, high: Int64, highAt: TimeKey) {
        let p = position(of: key)
        guard p < keys.count else { let l = level(before: p); return (l, key, l, key) }
        var low = levels[p], high = levels[p], lowAt = keys[p], highAt = keys[p]
        for i in p..<keys.count {
            if levels[i] < low { low = levels[i]; lowAt = keys[i] }
            if levels[i] > high { high = levels[i]; highAt = keys[i] }
        }
        return (low, lowAt, high, highAt)
    }

    /// Sum of the positive and of the negative deltas up to and including `key`.
    func parts(at key: TimeKey) -> (plus: Int64, minus: Int64) {
        var plus = basePlus, minus = baseMinus
        for i in 0..<keys.count where keys[i] <= key {
            if deltas[i] > 0 { plus += deltas[i] } else { minus -= deltas[i] }
        }
        return (plus, minus)
    }

    /// Keys of the points after `key` with a delta of the given sign.
    func keys(after key: TimeKey, through last: TimeKey? = nil, negative: Bool) -> [TimeKey] {
        let p = position(of: key)
        var out: [TimeKey] = []
        for i in p..<keys.count {
            if let last, last < keys[i] { break }
            if (deltas[i] < 0) == negative { out.append(keys[i]) }
        }
        return out
    }

    mutating func insert(_ key: TimeKey, _ delta: Int64) {
        let p = position(of: key)
        keys.insert(key, at: p)
        deltas.insert(delta, at: p)
        levels.insert(level(before: p) + delta, at: p)
        var i = p + 1
        while i < levels.count { levels[i] += delta; i += 1 }
    }

    mutating func remove(_ key: TimeKey) {
        let p = position(of: key)
        guard p < keys.count, keys[p] == key else { return }
        let delta = deltas[p]
        keys.remove(at: p)
        deltas.remove(at: p)
        levels.remove(at: p)
        var i = p
        while i < levels.count { levels[i] -= delta; i += 1 }
    }
}
