@testable import CapacityLedger
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
