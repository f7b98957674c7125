@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The file store: durability, torn tails, damage and the hash chain, on real files.
struct FileStoreTests {
    let dir: String

    init() { dir = temporaryDirectory("capacity-test") }

    func path(_ name: String = "t.ledger") -> String { dir + "/" + name }

    func writeBytes(_ p: String, _ bytes: [UInt8]) {
        let fd = open(p, O_WRONLY | O_TRUNC | O_CREAT, 0o600)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func seeded(_ p: String) throws -> FileEventStore {
        let store = try FileEventStore(path: p, create: true, clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([try d("site.opened site=s1 name=One effective=2025-01-01"),
                          try d("chip.model.defined model=m1 vendor=V bf16_tflops=1 fp8_tflops=2 effective=2025-01-01"),
                          try d("chips.delivered site=s1 model=m1 quantity=640 effective=2025-02-01")])
        for i in 1...5 {
            try store.append([try d("rack.installed site=s1 rack=r-\(i) model=m1 chips=64 kw=40 effective=2025-03-0\(i)")])
        }
        return store
    }

    @Test func aMissingLedgerIsAClearErrorAndIsCreatedWithMode0600() throws {
        #expect(errorMessage { try FileEventStore(path: path("none.ledger"), create: false) }
            == "no ledger at \(path("none.ledger")) (append or import events to create one, or name another with --ledger or $CAPACITY_LEDGER)")
        _ = try seeded(path())
        var st = stat()
        stat(path(), &st)
        #expect(st.st_mode & 0o777 == 0o600)
    }

    @Test func aTruncatedLastRecordIsIgnoredAndRepairedAtEveryOffset() throws {
        let store = try seeded(path("full.ledger"))
        let full = fileBytes(path("full.ledger"))
        // The last batch is one record plus its commit frame; cut inside either of them.
        let lastBatchStart = try offsetOfLastBatch(store)
        for cut in lastBatchStart..<full.count {
            let p = path("cut-\(cut).ledger")
            writeBytes(p, Array(full[0..<cut]))
            var warnings: [String] = []
            let s = try FileEventStore(path: p, create: false, clock: ManualClock(Timestamp.parse("2026-01-02")!), warn: { warnings.append($0) })
            #expect(s.ledger.count == 7, "cut at \(cut)")
            let report = try s.verify()
            #expect(report.events == 7)
            #expect(report.ignoredTailBytes == cut - lastBatchStart)
            try s.append([try d("rack.installed site=s1 rack=r-9 model=m1 chips=64 kw=40 effective=2025-03-09")])
            #expect(warnings.count == (cut > lastBatchStart ? 1 : 0))
            let again = try FileEventStore(path: p, create: false)
            #expect(again.ledger.count == 8)
            #expect(try again.verify().events == 8)
        }
    }

    /// Byte offset where the last batch (rack r-5 and its commit) starts.
    func offsetOfLastBatch(_ store: FileEventStore) throws -> Int {
        let probe = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try probe.append(Array(store.ledger.events.prefix(3)).map { draft(of: $0) })
        for e in store.ledger.events[3..<7] { try probe.append([draft(of: e)]) }
        return probe.byteCount
    }

    func draft(of e: Event) -> EventDraft {
        EventDraft(body: e.body, effective: e.effective, note: e.note, source: e.source)
    }

    @Test func oneFlippedByteInTheMiddleNamesItsSeq() throws {
        let store = try seeded(path())
        var bytes = fileBytes(path())
        let hashed = try store.eventsWithHashes()
        #expect(hashed.count == 8)
        // Find where record seq 5 starts by re-encoding the first four batches.
        let probe = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try probe.append(store.ledger.events.prefix(3).map { draft(of: $0) })
        try probe.append([draft(of: store.ledger.events[3])])
        let seq5 = probe.byteCount
        bytes[seq5 + 8] ^= 0x01
        writeBytes(path("flipped.ledger"), bytes)
        let damaged = errorMessage { _ = try FileEventStore(path: path("flipped.ledger"), create: false).verify() }
        #expect(damaged?.hasPrefix("log damaged at byte offset \(seq5) (seq 5): CRC mismatch; committed data follows") == true, "\(damaged ?? "")")
    }

    @Test func aRewrittenRecordWithAValidCRCBreaksTheHashChain() throws {
        let store = try seeded(path())
        var bytes = fileBytes(path())
        let probe = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try probe.append(store.ledger.events.prefix(3).map { draft(of: $0) })
        try probe.append([draft(of: store.ledger.events[3])])
        let at = probe.byteCount
        // Rewrite record seq 5 (rack r-2, 64 chips) to say 63 chips, with a correct CRC.
        let len = Int(bytes[at])
        var payload = Array(bytes[(at + 5)..<(at + 5 + len)])
        let chipsAt = payload.lastIndex(of: 64)!
        payload[chipsAt] = 63
        let crc = payload.withUnsafeBytes { Frame.crc($0) }
        for k in 0..<4 { bytes[at + 1 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        bytes.replaceSubrange((at + 5)..<(at + 5 + len), with: payload)
        writeBytes(path("edited.ledger"), bytes)
        let message = errorMessage { _ = try FileEventStore(path: path("edited.ledger"), create: false).verify() }
        #expect(message?.hasPrefix("hash chain broken: record seq 5 does not match the hash stored after seq 5") == true, "\(message ?? "")")
    }

    @Test func aFlippedByteInTheLastCommitIsDamageNotATornWrite() throws {
        let store = try seeded(path())
        var bytes = fileBytes(path())
        bytes[bytes.count - 3] ^= 0x40  // inside the last commit record's hash
        writeBytes(path("last.ledger"), bytes)
        let message = errorMessage { _ = try FileEventStore(path: path("last.ledger"), create: false) }
        #expect(message?.contains("in a complete frame; a crash cuts writes short but does not change bytes") == true, "\(message ?? "")")
        _ = store
    }

    /// A damaged length byte can make a frame claim more bytes than the file holds, which is
    /// what a torn write looks like; the commits after it show it is not one. Both ways a
    /// length can run past the end: a continuation bit set on its last byte, and a larger
    /// one-byte length.
    @Test func aLengthRunningPastTheEndWithCommitsAfterItIsDamage() throws {
        let store = try seeded(path())
        let original = fileBytes(path())
        let at = try offsetOfLastBatch(store)  // record seq 8 (rack r-5) starts here
        for (name, damage) in [("bit", { (b: inout [UInt8]) in b[at] |= 0x80 }),
                               ("long", { (b: inout [UInt8]) in b[at] = 0x7F })] {
            var bytes = original
            damage(&bytes)
            let p = path("\(name).ledger")
            writeBytes(p, bytes)
            let message = errorMessage { _ = try FileEventStore(path: p, create: false) }
            #expect(message?.hasPrefix("log damaged at byte offset \(at) (seq 8): ") == true, "\(message ?? "")")
            #expect(message?.contains("committed data follows at byte offset") == true, "\(message ?? "")")
            let verified = errorMessage { _ = try FileEventStore(path: p, create: false).verify() }
            #expect(verified != nil)
            // A writer stops too: nothing is cut off and nothing is appended.
            let appended = errorMessage {
                let s = try FileEventStore(path: p, create: false)
                try s.append([try d("investment.committed investor=a recipient=b usd=1")])
            }
            #expect(appended != nil)
            #expect(fileBytes(p) == bytes)
        }
    }

    @Test func aZeroFilledTailIsATornWrite() throws {
        let store = try seeded(path())
        writeBytes(path("zeros.ledger"), fileBytes(path()) + [UInt8](repeating: 0, count: 300))
        var warnings: [String] = []
        let s = try FileEventStore(path: path("zeros.ledger"), create: false, warn: { warnings.append($0) })
        #expect(s.ledger.count == store.ledger.count)
        #expect(try s.verify().ignoredTailBytes == 300)
        try s.append([try d("investment.committed investor=a recipient=b usd=1")])
        #expect(warnings.count == 1)
        #expect(try FileEventStore(path: path("zeros.ledger"), create: false).verify().events == store.ledger.count + 1)
    }

    /// Taking drafts a few ahead (to load the tables they touch early) changes neither the bytes
    /// written nor which error is reported: a rule error comes before a bad line after it.
    @Test func lookingAheadWritesTheSameLogAndKeepsErrorsInOrder() throws {
        var drafts: [EventDraft] = []
        HistoryGenerator(count: 4_000, seed: 3).generate { line in
            drafts.append(try! EventDraftDecoder.decode(try! JSONLine.parse(line), line: drafts.count + 1))
        }
        let clock = ManualClock(Timestamp.parse("2027-01-01")!)
        for lookahead in [0, 1, 4] {
            let p = path("ahead-\(lookahead).ledger")
            let store = try FileEventStore(path: p, create: true, clock: clock)
            // In chunks of 1 to 13 drafts: prefetching reaches across none of their ends.
            var at = 0, size = 0
            #expect(try store.appendChunks(lookahead: lookahead) {
                guard at < drafts.count else { return nil }
                size = size % 13 + 1
                defer { at = min(drafts.count, at + size) }
                return drafts[at..<min(drafts.count, at + size)]
            } == drafts.count)
            #expect(Array(fileBytes(p).dropFirst(LogHeader.size)) == Array(fileBytes(path("ahead-0.ledger")).dropFirst(LogHeader.size)))
            // A rack installed twice (line 5), then a line that cannot be read (line 6).
            let p2 = path("bad-\(lookahead).ledger")
            let bad = try FileEventStore(path: p2, create: true, clock: clock)
            var lines: [() throws -> EventDraft] = [
                "site.opened site=s1 name=One effective=2025-01-01",
                "chip.model.defined model=m1 vendor=V bf16_tflops=1 fp8_tflops=2 effective=2025-01-01",
                "chips.delivered site=s1 model=m1 quantity=640 effective=2025-02-01",
                "rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=40 effective=2025-03-01",
                "rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=40 effective=2025-03-02",
            ].enumerated().map { i, words in { try d(words, line: i + 1) } }
            lines.append { throw LedgerError.data("line 6: not JSON") }
            // Lines 1–5 in one chunk, then the error reading line 6.
            var given = false
            let message = errorMessage {
                try bad.appendChunks(lookahead: lookahead) {
                    defer { given = true }
                    return given ? [try lines[5]()][...] : try lines[0..<5].map { try $0() }[...]
                }
            }
            #expect(message?.hasPrefix("line 5: rack.installed r-1: rack r-1 is already active") == true, "\(message ?? "no error")")
            #expect(access(p2, F_OK) != 0)
        }
    }
}
