@testable import CapacityLedger
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Crash recovery against damage: a torn write is cut by the next writer; anything else, and
/// above all an acknowledged batch, is never dropped.
struct RecoveryTests {
    let dir = temporaryDirectory("capacity-recovery")
    let clock = ManualClock(Timestamp.parse("2026-01-01")!)

    func path(_ name: String) -> String { dir + "/" + name }

    func writeBytes(_ p: String, _ bytes: [UInt8]) {
        let fd = open(p, O_WRONLY | O_TRUNC | O_CREAT, 0o600)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// `n` investments, numbered from `first`: records of about 20 bytes.
    func drafts(_ n: Int, from first: Int) throws -> [EventDraft] {
        try (first..<(first + n)).map { i in
            try d("investment.committed investor=inv-\(i % 7) recipient=lab-\(i % 5) usd=\(1000 + i) effective=2025-01-01")
        }
    }

    /// A ledger at `name` appended as one batch per size. Returns the store, and for each batch
    /// the byte range of its commit frame and the event count after it.
    func ledger(_ sizes: [Int], name: String = "base.ledger") throws -> (FileEventStore, commits: [Range<Int>], counts: [Int]) {
        let p = path(name)
        unlink(p)
        let store = try FileEventStore(path: p, create: true, clock: clock)
        var commits: [Range<Int>] = [], counts: [Int] = []
        for n in sizes {
            try store.append(try drafts(n, from: store.ledger.count + 1))
            commits.append((store.byteCount - commitFrameSize(seq: store.ledger.count))..<store.byteCount)
            counts.append(store.ledger.count)
        }
        return (store, commits, counts)
    }

    /// The size of the commit frame naming `seq`: length byte, CRC, kind, varint seq, hash.
    func commitFrameSize(seq: Int) -> Int { 1 + 4 + 1 + ByteWriter.varintSize(UInt64(seq)) + 32 }

    /// What every command must find in a damaged file: readers and `verify` report the damage,
    /// a writer refuses and changes nothing.
    func expectDamage(_ p: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = fileBytes(p)
        let read = errorMessage { try FileEventStore(path: p, create: false) }
        #expect(read?.hasPrefix("log damaged at byte offset ") == true, "\(what): read: \(read ?? "no error")", sourceLocation: sourceLocation)
        let verified = errorMessage { try FileEventStore(path: p, create: false, forAppending: true).verify() }
        #expect(verified?.hasPrefix("log damaged at byte offset ") == true, "\(what): verify: \(verified ?? "no error")", sourceLocation: sourceLocation)
        let exported = errorMessage { try FileEventStore(path: p, create: false, forAppending: true).eventsWithHashes() }
        #expect(exported != nil, "\(what): export", sourceLocation: sourceLocation)
        var warnings: [String] = []
        let appended = errorMessage {
            try FileEventStore(path: p, create: false, clock: clock, forAppending: true, warn: { warnings.append($0) })
                .append(try drafts(1, from: 9_000))
        }
        #expect(appended?.hasPrefix("log damaged at byte offset ") == true, "\(what): append: \(appended ?? "no error")", sourceLocation: sourceLocation)
        #expect(warnings.isEmpty, "\(what): \(warnings)", sourceLocation: sourceLocation)
        let unchanged = fileBytes(p) == bytes
        #expect(unchanged, "\(what): the file changed", sourceLocation: sourceLocation)
    }

    // MARK: one flipped bit in the last commit

    /// A damaged length byte made the last commit look like a torn write: the batch it commits
    /// was dropped by the next append. Each of its 8 bits, for a one-byte and a two-byte seq.
    @Test func aFlippedBitInTheLastCommitsLengthIsDamage() throws {
        for sizes in [[3, 50], [3, 50, 100]] {
            let (store, commits, counts) = try ledger(sizes)
            let original = fileBytes(store.path)
            let at = commits.last!.lowerBound
            for bit in 0..<8 {
                var bytes = original
                bytes[at] ^= UInt8(1 << bit)
                let p = path("length-\(counts.last!)-\(bit).ledger")
                writeBytes(p, bytes)
                expectDamage(p, "seq \(counts.last!), bit \(bit)")
                let message = errorMessage { try FileEventStore(path: p, create: false) } ?? ""
                #expect(message.hasPrefix("log damaged at byte offset \(at) (seq \(counts.last! + 1)): "), "\(message)")
                #expect(message.contains("commit record of seq \(counts.last!)"), "bit \(bit): \(message)")
            }
        }
    }

    /// Every bit of every byte of the last commit frame: length, CRC, kind, seq and hash.
    @Test func everyFlippedBitInTheLastCommitIsDamage() throws {
        for sizes in [[3, 50], [3, 50, 100]] {
            let (store, commits, counts) = try ledger(sizes)
            let original = fileBytes(store.path)
            for at in commits.last! {
                for bit in 0..<8 {
                    var bytes = original
                    bytes[at] ^= UInt8(1 << bit)
                    let p = path("flip.ledger")
                    writeBytes(p, bytes)
                    expectDamage(p, "seq \(counts.last!), byte \(at), bit \(bit)")
                }
            }
        }
    }
}
