@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// `SmallMap` behaves as a dictionary would, keyed by names (the fold's sites and models) or by
/// name numbers (`NumberMap`, the rules' and the index's), below and above the number of keys
/// where it stops searching its list.
struct SmallMapTests {
    @Test(arguments: [5, 40])
    func agreesWithADictionary(keys: Int) {
        var rng = SplitMix64(seed: UInt64(keys))
        var map = SmallMap<String, Int>(), dict: [String: Int] = [:]
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

    /// Keyed by numbers, with values set, changed in place, read where they are and taken out
    /// again (the rules take a void's effects out).
    @Test(arguments: [5, 40])
    func aNumberMapAgreesWithADictionary(keys: Int) {
        var rng = SplitMix64(seed: UInt64(100 + keys))
        var map = NumberMap<[Int]>(), dict: [UInt64: [Int]] = [:]
        for _ in 0..<3000 {
            let k = NumberMap<Int>.pair(UInt32(rng.next() % 4), UInt32(rng.next() % UInt64(keys)))
            let v = Int(rng.next() % 100)
            switch rng.next() % 5 {
            case 0: map[k, default: []].append(v); dict[k, default: []].append(v)
            case 1: map[k] = [v]; dict[k] = [v]
            case 2: map[k] = nil; dict[k] = nil
            case 3: map.remove(k); dict[k] = nil
            default:
                #expect(map.update(k) { $0.append(v); return $0.count } == dict[k].map { $0.count + 1 })
                dict[k]?.append(v)
            }
            #expect(map[k] == dict[k])
            #expect(map.with(k) { $0.last } == dict[k].map { $0.last })
            if let i = map.index(of: k) { #expect(map.keys[i] == k && map[place: i] == dict[k]) }
        }
        #expect(map.count == dict.count)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == dict)
        // A key's place stays while keys are added after it.
        let first = map.keys.first ?? 0
        let at = map.place(of: first, adding: [])
        for n in 0..<UInt64(40) { map[1 << 40 | n, default: []].append(0) }
        #expect(map.index(of: first) == at && map[place: at] == dict[first])
    }

    @Test func aPairKeepsBothNumbers() {
        let k = NumberMap<Int>.pair(0xDEAD_BEEF, 7)
        #expect(k >> 32 == 0xDEAD_BEEF && UInt32(truncatingIfNeeded: k) == 7)
        #expect(NumberMap<Int>.pair(1, 2) != NumberMap<Int>.pair(2, 1))
    }

    @Test func equalityAndHashIgnoreOrderAndKeysCompareAsStrings() {
        var a = SmallMap<String, Int>(), b = SmallMap<String, Int>()
        for k in ["x", "y", "z"] { a[k, default: 0] = k.count }
        for k in ["z", "x", "y"] { b[k, default: 0] = k.count }
        #expect(a == b && a.hashValue == b.hashValue)
        b["x", default: 0] += 1
        #expect(a != b)
        // Canonically equivalent spellings are one key, as in a dictionary.
        var c = SmallMap<String, Int>()
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
