@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// A timeline read from a floor (as a writer reads it from the checkpoint), then reaching
/// further back, answers exactly as the whole timeline does from its floor on.
struct TimelineTests {
    @Test func aTimelineReadFromAFloorAndExtendedAnswersLikeTheWholeOne() {
        var rng = SplitMix64(seed: 7)
        let points: [(TimeKey, Int64)] = (0..<200).map { i in
            (TimeKey(effective: Int64(i) * 10, seq: i + 1), Int64(rng.next() % 100) - 40)
        }
        var whole = DeltaTimeline()
        for (k, d) in points { whole.insert(k, d) }
        func sums(before n: Int) -> (level: Int64, plus: Int64, minus: Int64) {
            var l: Int64 = 0, p: Int64 = 0, m: Int64 = 0
            for (_, d) in points[..<n] { l += d; if d > 0 { p += d } else { m -= d } }
            return (l, p, m)
        }
        var from = 150
        let s = sums(before: from)
        var part = DeltaTimeline(floor: points[from].0, baseLevel: s.level, basePlus: s.plus, baseMinus: s.minus,
                                 count: points.count - from) { points[150 + $0] }
        for floor in [60, 10] {
            // A change after the floor before reaching back, as a batch would make.
            let k = TimeKey(effective: Int64(from) * 10 + 5, seq: 1000 + floor)
            whole.insert(k, -7)
            part.insert(k, -7)
            let b = sums(before: floor), old = from
            part.extend(floor: points[floor].0, baseLevel: b.level, basePlus: b.plus, baseMinus: b.minus,
                        count: old - floor) { points[floor + $0] }
            from = floor
            #expect(!part.covers(TimeKey(effective: Int64(floor) * 10 - 1, seq: 0)))
            let probes = points[floor...].map(\.0) + stride(from: Int64(floor) * 10, through: 2_010, by: 3).map { TimeKey(effective: $0, seq: 10_000) }
            for probe in probes {
                let e = probe.effective
                #expect(part.covers(probe))
                #expect(part.minimum(from: probe) == whole.minimum(from: probe), "\(e)")
                #expect(part.maximum(from: probe) == whole.maximum(from: probe), "\(e)")
                #expect(part.parts(at: probe) == whole.parts(at: probe), "\(e)")
            }
        }
    }
}

/// The timeline's blocks are invisible: it answers as one sorted list of points would, through
/// appends, inserts far before the end (enough in one place to split blocks), removals that
/// empty blocks, and a floor reached back from.
struct TimelineBlockTests {
    /// The plain form: one sorted list, every level recomputed from the start.
    struct Plain {
        var points: [(key: TimeKey, delta: Int64)] = []
        var base: (level: Int64, plus: Int64, minus: Int64) = (0, 0, 0)

        func levels() -> [Int64] {
            var l = base.level
            return points.map { l += $0.delta; return l }
        }

        func first(atOrAfter key: TimeKey) -> Int { points.firstIndex { !($0.key < key) } ?? points.count }

        func minimum(from key: TimeKey) -> (level: Int64, at: TimeKey) {
            let ls = levels(), p = first(atOrAfter: key)
            var best = p == 0 ? base.level : ls[p - 1], at = key
            for i in p..<points.count where ls[i] < best { best = ls[i]; at = points[i].key }
            return (best, at)
        }

        func maximum(from key: TimeKey) -> (level: Int64, at: TimeKey) {
            let ls = levels(), p = first(atOrAfter: key)
            var best = p == 0 ? base.level : ls[p - 1], at = key
            for i in p..<points.count where ls[i] > best { best = ls[i]; at = points[i].key }
            return (best, at)
        }

        func parts(at key: TimeKey) -> (plus: Int64, minus: Int64) {
            var plus = base.plus, minus = base.minus
            for (k, d) in points where k <= key { if d > 0 { plus += d } else { minus -= d } }
            return (plus, minus)
        }

        func keys(after key: TimeKey, through last: TimeKey?, negative: Bool) -> [TimeKey] {
            points[first(atOrAfter: key)...].filter { (last == nil || !(last! < $0.key)) && ($0.delta < 0) == negative }.map(\.key)
        }

        mutating func insert(_ key: TimeKey, _ delta: Int64) { points.insert((key, delta), at: first(atOrAfter: key)) }
        mutating func remove(_ key: TimeKey) {
            let p = first(atOrAfter: key)
            if p < points.count, points[p].key == key { points.remove(at: p) }
        }
    }

    static func check(_ t: DeltaTimeline, _ plain: Plain, _ rng: inout SplitMix64, span: Int64, _ what: String) -> Bool {
        guard t.count == plain.points.count else { return false }
        for _ in 0..<40 {
            let probe = TimeKey(effective: Int64(rng.next() % UInt64(span)), seq: Int(rng.next() % 3) * 5_000_000)
            let last = TimeKey(effective: probe.effective + Int64(rng.next() % 2000), seq: 0)
            guard t.minimum(from: probe) == plain.minimum(from: probe), t.maximum(from: probe) == plain.maximum(from: probe),
                  t.parts(at: probe) == plain.parts(at: probe),
                  t.keys(after: probe, through: last, negative: true) == plain.keys(after: probe, through: last, negative: true),
                  t.keys(after: probe, negative: false) == plain.keys(after: probe, through: nil, negative: false) else {
                Issue.record("\(what): differs at \(probe)")
                return false
            }
        }
        for p in plain.points.indices.filter({ $0 % 97 == 0 }) {
            let k = plain.points[p].key
            let ls = plain.levels()[p...]
            let want = (ls.min()!, plain.points[p + ls.firstIndex(of: ls.min()!)! - p].key, ls.max()!, plain.points[p + ls.firstIndex(of: ls.max()!)! - p].key)
            guard t.extremes(fromExisting: k) == want else { Issue.record("\(what): extremes differ at \(k)"); return false }
        }
        return true
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func answersAsOneSortedListDoes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        // Blocks of 64 points: the counts below take several of them past twice that.
        var t = DeltaTimeline(blockLimit: 64), plain = Plain()
        var seq = 0
        func key(_ e: Int64) -> TimeKey { seq += 1; return TimeKey(effective: e, seq: seq) }
        // In order, as most events come.
        for i in 0..<3000 {
            let k = key(Int64(i) * 100), d = Int64(rng.next() % 200) - 90
            t.insert(k, d); plain.insert(k, d)
        }
        #expect(Self.check(t, plain, &rng, span: 310_000, "appended"))
        // Backdated into one stretch: the blocks there grow past twice the limit and split.
        for _ in 0..<2500 {
            let k = key(20_000 + Int64(rng.next() % 5_000)), d = Int64(rng.next() % 200) - 100
            t.insert(k, d); plain.insert(k, d)
        }
        #expect(Self.check(t, plain, &rng, span: 310_000, "backdated"))
        // Removals anywhere, and every point of one stretch (its blocks empty and go).
        for _ in 0..<600 {
            let k = plain.points[Int(rng.next() % UInt64(plain.points.count))].key
            t.remove(k); plain.remove(k)
        }
        for k in plain.points.map(\.key) where k.effective >= 100_000 && k.effective < 200_000 {
            t.remove(k); plain.remove(k)
        }
        t.remove(TimeKey(effective: 150_000, seq: 1))  // not a point: nothing happens
        #expect(Self.check(t, plain, &rng, span: 310_000, "removed"))
        // A floor: the points before it summed up, then reached back from.
        let cut = plain.points.count / 2, back = plain.points.count / 4
        func sums(_ n: Int) -> (level: Int64, plus: Int64, minus: Int64) {
            plain.points[..<n].reduce((0, 0, 0)) { s, p in (s.0 + p.delta, s.1 + max(0, p.delta), s.2 - min(0, p.delta)) }
        }
        let points = plain.points
        var floored = Plain(points: Array(points[cut...]), base: sums(cut))
        var part = DeltaTimeline(floor: points[cut].key, baseLevel: floored.base.level, basePlus: floored.base.plus,
                                 baseMinus: floored.base.minus, count: points.count - cut, blockLimit: 64) { (points[cut + $0].key, points[cut + $0].delta) }
        part.extend(floor: points[back].key, baseLevel: sums(back).level, basePlus: sums(back).plus, baseMinus: sums(back).minus,
                    count: cut - back) { (points[back + $0].key, points[back + $0].delta) }
        floored = Plain(points: Array(points[back...]), base: sums(back))
        let k = key(points[cut].key.effective + 1)
        part.insert(k, -5); floored.insert(k, -5)
        #expect(part.floor == points[back].key)
        #expect(Self.check(part, floored, &rng, span: 310_000, "floored"))
    }
}
