@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// The write path's name tables (`SlotIndex` under the codec's string numbers and the rule
/// state's racks) against a plain dictionary doing the same work.
struct SlotIndexTests {
    /// Random inserts and removals, with hashes forced into few values so that runs of
    /// colliding slots form and removals must shift them back.
    @Test func findsWhatADictionaryFindsThroughCollisionsAndRemovals() {
        var rng = SplitMix64(seed: 11)
        var index = SlotIndex()
        var keys: [String] = []
        var live: [String: UInt32] = [:]
        // Only 64 distinct hashes: every run of slots is crowded.
        func hash(_ s: String) -> UInt64 { (NameHash.of(s) % 64) << 32 | 0x1234 }
        for step in 0..<20_000 {
            let name = "k-\(rng.next() % 3_000)"
            let found = index.find(hash(name)) { keys[Int($0)] == name }
            #expect(found == live[name], "step \(step): \(name)")
            if let e = found, rng.next() % 3 == 0 {
                index.remove(hash(name), e)
                live[name] = nil
            } else if found == nil {
                let e = UInt32(keys.count)
                keys.append(name)
                index.insert(hash(name), e)
                live[name] = e
            }
            #expect(index.count == live.count)
        }
        for (name, e) in live { #expect(index.find(hash(name)) { keys[Int($0)] == name } == e) }
    }

    /// Through growth, also to sizes whose slots are made with the huge-page advice (4 MiB and
    /// up: more than 262,144 entries).
    @Test func growsWithoutLosingEntries() {
        var index = SlotIndex()
        let names = (0..<300_000).map { "rack-\($0)" }
        for (i, n) in names.enumerated() { index.insert(NameHash.of(n), UInt32(i)) }
        var found = 0
        for (i, n) in names.enumerated() where index.find(NameHash.of(n), { names[Int($0)] == n }) == UInt32(i) { found += 1 }
        #expect(found == names.count)
        #expect(index.find(NameHash.of("rack-300000")) { names[Int($0)] == "rack-300000" } == nil)
        var big = SlotIndex(minimumCapacity: 300_000)
        for (i, n) in names.enumerated() where i % 3 == 0 { big.insert(NameHash.of(n), UInt32(i)) }
        #expect(names.indices.allSatisfy { i in (big.find(NameHash.of(names[i])) { names[Int($0)] == names[i] } != nil) == (i % 3 == 0) })
    }

    /// A copy is a value of its own: inserting into or removing from one leaves the other as it
    /// was (the slots are shared until one of them changes).
    @Test func aCopyIsIndependent() {
        var a = SlotIndex()
        let names = (0..<100).map { "r-\($0)" }
        for i in 0..<50 { a.insert(NameHash.of(names[i]), UInt32(i)) }
        var b = a
        for i in 50..<100 { b.insert(NameHash.of(names[i]), UInt32(i)) }
        b.remove(NameHash.of(names[0]), 0)
        var c = a
        c.remove(NameHash.of(names[1]), 1)
        func has(_ x: SlotIndex, _ i: Int) -> Bool { x.find(NameHash.of(names[i])) { names[Int($0)] == names[i] } != nil }
        #expect((0..<100).map { has(a, $0) } == (0..<100).map { $0 < 50 })
        #expect((0..<100).map { has(b, $0) } == (0..<100).map { $0 != 0 })
        #expect((0..<100).map { has(c, $0) } == (0..<100).map { $0 < 50 && $0 != 1 })
        #expect(a.count == 50 && b.count == 99 && c.count == 49)
    }

    /// Names compare by their bytes: the two spellings of "é" are two names.
    @Test func namesHashAndCompareByExactBytes() {
        let precomposed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(precomposed == decomposed)
        #expect(!NameHash.same(precomposed, decomposed))
        #expect(NameHash.of("site-a") == NameHash.of("site-" + "a"))
        #expect(NameHash.of("r-0001") != NameHash.of("r-0002"))
        #expect(NameHash.of("abcdefgh") != NameHash.of("abcdefgh\u{0}"))
    }
}
