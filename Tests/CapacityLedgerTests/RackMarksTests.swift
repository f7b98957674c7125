@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// The rule state's rack marks: per (site, rack) name numbers, the installs and retirements in
/// effective order, read from the events they point at.
struct RackMarksTests {
    /// Through inserts out of order and removals, each rack's marks at each site stay in
    /// effective order, as an array per (site, rack) keeps them; racks numbered below
    /// `denseFrom` (a writer from a checkpoint) behave the same.
    @Test(arguments: [0, 150])
    func marksStayInOrderPerSiteAndRack(denseFrom: Int) {
        var rng = SplitMix64(seed: 5)
        var events = EventLookup()
        var marks = RackMarks(denseFrom: UInt32(denseFrom))
        var plain: [UInt64: [RackMark]] = [:]
        for _ in 0..<5_000 {
            let site = UInt32(rng.next() % 4), rack = UInt32(rng.next() % 200)
            let k = NumberMap<Int>.pair(site, rack)
            if rng.next() % 4 == 0, let victim = plain[k]?.randomElement(using: &rng) {
                marks.remove(seq: victim.key.seq, rack: rack)
                plain[k]!.removeAll { $0 == victim }
            } else {
                let install = rng.next() % 2 == 0
                var p = PackedEvent(code: install ? PackedEvent.rackInstalled : PackedEvent.rackRetired, effective: Int64(rng.next() % 1_000))
                p.a = site
                p.b = rack
                events.stored.append(p, recorded: 0)
                let seq = events.lastSeq
                marks.insert(seq: seq, rack: rack, in: events)
                plain[k, default: []].append(RackMark(key: events.key(seq), install: install))
                plain[k]!.sort { $0.key < $1.key }
            }
            #expect(marks.marks(site: site, rack: rack, in: events) == plain[k]!, "seq \(events.lastSeq)")
            #expect(marks.isEmpty(rack: rack) == (0..<4).allSatisfy { plain[NumberMap<Int>.pair($0, rack)]?.isEmpty ?? true })
        }
        #expect(marks.marks(site: 9, rack: 1, in: events).isEmpty)
    }
}
