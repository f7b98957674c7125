@testable import CapacityLedger
@testable import LedgerStorage
import Testing

struct CodecTests {
    static let sample: [EventDraft] = {
        let lines = [
            "site.opened site=s1 name=\"Site one\" region=Indiana power_cap_mw=2200 acres=1200.5 effective=2024-09-01 source=https://example.com/a",
            "chip.model.defined model=m1 vendor=AWS bf16_tflops=667 fp8_tflops=1299.5 hbm_gb=96 watts=500 effective=2024-12-03 note=\"vendor peak, dense\"",
            "chip.model.defined model=m2 vendor=Google bf16_tflops=918 fp8_tflops=918 effective=2024-12-03",
            "chips.delivered site=s1 model=m1 quantity=128 effective=2025-10-01T14:30:00Z",
            "rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45.125 effective=2025-10-02",
            "rack.retired site=s1 rack=r-1 effective=2025-10-03 note=\"é ☃ — unicode survives\"",
            "power.allocated site=s1 mw=73.000001 effective=2025-03-01",
            "power.released site=s1 mw=0.5 effective=2025-04-01",
            "investment.committed investor=amazon recipient=anthropic usd=8000000000 instrument=equity effective=2024-11-22",
            "event.voided target=9 reason=\"keyed twice\"",
        ]
        return lines.map { try! d($0) }
    }()

    @Test func exportedJSONRestoresTheSameEventsAndHashes() throws {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append(Self.sample)
        let exported = try store.eventsWithHashes().map { EventJSON.line($0.0, hash: $0.1.hex) }.joined(separator: "\n")
        let copy = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2027-01-01")!))
        try copy.append(try EventBatch.parse(exported))
        #expect(copy.ledger.events == store.ledger.events)
        #expect(copy.ledger.head == store.ledger.head)
        #expect(copy.bytes == store.bytes.dropFirst(0).map { $0 } || copy.bytes.dropFirst(LogHeader.size) == store.bytes.dropFirst(LogHeader.size))
    }

    @Test func anAlteredExportedLineIsRejected() throws {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append(Self.sample)
        var lines = try store.eventsWithHashes().map { EventJSON.line($0.0, hash: $0.1.hex) }
        lines[3] = lines[3].replacingOccurrences(of: "\"quantity\":128", with: "\"quantity\":129")
        let copy = InMemoryEventStore()
        let message = errorMessage { try copy.append(try EventBatch.parse(lines.joined(separator: "\n"))) }
        #expect(message?.hasPrefix("line 4: hash ") == true)
        #expect(message?.hasSuffix("of seq 4 (the exported line was altered, or comes from another ledger)") == true)
        #expect(copy.ledger.count == 0)
    }

    @Test func exportedLinesDoNotRestoreOutOfPlace() throws {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append(Self.sample)
        let line = EventJSON.line(store.ledger.events[8])
        let copy = InMemoryEventStore()
        #expect(errorMessage { try copy.append(try EventBatch.parse(line)) }
            == "line 1: seq 9 does not follow this ledger, whose next seq is 1 (exported lines restore only into a ledger holding exactly the events before them)")
    }

    /// A frame encoded straight into the output is byte for byte the frame of the same payload
    /// appended whole, for lengths around each step of the length's varint, after other bytes.
    @Test(arguments: [0, 1, 27, 127, 128, 129, 300, 16_383, 16_384, 20_000])
    func aFrameEncodedInPlaceEqualsOneAppendedWhole(length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let prefix: [UInt8] = [9, 8, 7]
        var whole = prefix, inPlace = prefix
        let wholeRange = Frame.append(payload: payload, to: &whole)
        let (range, result) = Frame.append(to: &inPlace) { w -> Int in
            for b in payload { w.byte(b) }
            return 42
        }
        #expect(inPlace == whole)
        #expect(range == wholeRange && result == 42)
        inPlace.withUnsafeBytes { bytes in
            var r = ByteReader(bytes, from: prefix.count, to: bytes.count)
            let read = Frame.read(&r)
            #expect(read?.intact == (length > 0))
            #expect(read.map { Array($0.payload) } == payload)
            #expect(r.at == bytes.count)
        }
    }

    @Test func varintsAndZigzagRoundTrip() {
        let values: [Int64] = [0, 1, -1, 63, -64, 64, 300, -300, Int64.max, Int64.min, 1_761_696_000_000_000]
        var w = ByteWriter()
        for v in values { w.zigzag(v) }
        w.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, from: 0, to: raw.count)
            for v in values { #expect(r.zigzag() == v) }
            #expect(r.remaining == 0)
        }
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        // CRC-32C of "123456789" is 0xE3069283 (RFC 3720, appendix B.4).
        let v = Array("123456789".utf8).withUnsafeBytes { Frame.crc($0) }
        #expect(v == 0xE306_9283)
    }

    @Test func timestampsParseAndFormat() {
        #expect(Timestamp.parse("2025-10-29")?.iso8601 == "2025-10-29T00:00:00Z")
        #expect(Timestamp.parse("2025-10-29T14:00:00Z")?.shortString == "2025-10-29T14:00:00Z")
        #expect(Timestamp.parse("2024-02-29")?.dateString == "2024-02-29")
        #expect(Timestamp.parse("2025-02-29") == nil)
        #expect(Timestamp.parse("2025-10-29T14:00:00") == nil, "a time must say Z (UTC)")
        #expect(Timestamp.parse("2025-10-29T14:00:00.5Z")?.micros.isMultiple(of: 1_000_000) == false)
        #expect(Timestamp.parse("1969-12-31T23:59:59Z")?.micros == -1_000_000)
        #expect(Timestamp.parse("2025-01-31")!.adding(months: 1).dateString == "2025-02-28")
    }
}
