@testable import CapacityLedger
import Testing

/// `SmallMap` behaves as a `[String: Value]` dictionary would, below and above the number of
/// keys where it stops searching its list.
struct SmallMapTests {
    @Test(arguments: [5, 40])
    func agreesWithADictionary(keys: Int) {
        var rng = SplitMix64(seed: UInt64(keys))
        var map = SmallMap<Int>(), dict: [String: Int] = [:]
        for _ in 0..<2000 {
            let k = "site-\(rng.next() % UInt64(keys))"
            let v = Int(rng.next() % 100)
            map[k, default: 0] += v
            dict[k, default: 0] += v
            if rng.next() % 7 == 0 {
                let probe = "site-\(rng.next() % UInt64(keys + 3))"
                #expect(map[probe] == dict[probe])
                #expect(map.update(probe, { $0 }) == dict[probe])
            }
        }
        #expect(map.count == dict.count)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == dict)
        map.updateEach { $0 = -$0 }
        #expect(map.allSatisfy { dict[$0.key] == -$0.value })
    }

    @Test func equalityAndHashIgnoreOrderAndKeysCompareAsStrings() {
        var a = SmallMap<Int>(), b = SmallMap<Int>()
        for k in ["x", "y", "z"] { a[k, default: 0] = k.count }
        for k in ["z", "x", "y"] { b[k, default: 0] = k.count }
        #expect(a == b && a.hashValue == b.hashValue)
        b["x", default: 0] += 1
        #expect(a != b)
        // Canonically equivalent spellings are one key, as in a dictionary.
        var c = SmallMap<Int>()
        c["caf\u{E9}", default: 0] += 1
        c["cafe\u{301}", default: 0] += 1
        #expect(c.count == 1 && c["caf\u{E9}"] == 2)
    }

    /// A pair map holds what a dictionary keyed by the pair holds, through many sites (past the
    /// short list's limit) and models; `update` changes only keys that are there.
    @Test func pairMapHoldsWhatADictionaryHolds() {
        var rng = SplitMix64(seed: 11)
        var map = PairMap<Int64>(), dict: [PairKey: Int64] = [:]
        for _ in 0..<4000 {
            let k = PairKey(a: "site-\(rng.next() % 40)", b: "model-\(rng.next() % 6)")
            let d = Int64(rng.next() % 100) - 50
            switch rng.next() % 3 {
            case 0: map[k, default: 0] += d; dict[k, default: 0] += d
            case 1: map.update(k) { $0 *= 2 }; if dict[k] != nil { dict[k]! *= 2 }
            default: map[k] = d; dict[k] = d
            }
            #expect(map[k] == dict[k])
        }
        #expect(Dictionary(uniqueKeysWithValues: map.entries.map { ($0.key, $0.value) }) == dict)
        #expect(map.entries.count == dict.count)
        var other = PairMap<Int64>()
        for (k, v) in dict.sorted(by: { ($0.key.b, $0.key.a) < ($1.key.b, $1.key.a) }) { other[k] = v }
        #expect(other == map && other.hashValue == map.hashValue)
        other[PairKey(a: "site-0", b: "model-0"), default: 0] += 1
        #expect(other != map)
    }
}
