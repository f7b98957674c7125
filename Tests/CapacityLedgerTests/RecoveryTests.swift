@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Crash recovery against damage: a torn write (records without their commit, pages that never
/// landed, a file that ends early) is cut by the next writer; anything else, and above all an
/// acknowledged batch, is never dropped.
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

    /// The bytes of a batch of `n` more events written after the ledger at `store`'s path, without
    /// its commit frame: what a crash before the commit leaves.
    func unfinishedBatch(_ store: FileEventStore, _ n: Int) throws -> [UInt8] {
        let before = fileBytes(store.path)
        let copy = path("unfinished-source.ledger")
        writeBytes(copy, before)
        let s = try FileEventStore(path: copy, create: false, clock: clock)
        try s.append(try drafts(n, from: s.ledger.count + 1))
        let after = fileBytes(copy)
        return Array(after[before.count..<(after.count - commitFrameSize(seq: s.ledger.count))])
    }

    /// What every command must find in a damaged file: readers and `verify` report the damage,
    /// a writer refuses (pointing to `capacity recover`) and changes nothing.
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
        #expect(appended?.hasSuffix("; run capacity recover to save the events before the damage") == true,
                "\(what): append: \(appended ?? "no error")", sourceLocation: sourceLocation)
        #expect(warnings.isEmpty, "\(what): \(warnings)", sourceLocation: sourceLocation)
        let unchanged = fileBytes(p) == bytes
        #expect(unchanged, "\(what): the file changed", sourceLocation: sourceLocation)
    }

    /// What every command must find after a torn write: `count` committed events and
    /// `tail` bytes after them, ignored by readers and cut by the next writer.
    func expectTorn(_ p: String, count: Int, tail: Int, head: ChainHash, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let read = try FileEventStore(path: p, create: false)
        #expect(read.ledger.count == count, "\(what)", sourceLocation: sourceLocation)
        #expect(read.ledger.head == head, "\(what)", sourceLocation: sourceLocation)
        let report = try read.verify()
        #expect(report.events == count && report.head == head, "\(what)", sourceLocation: sourceLocation)
        #expect(report.ignoredTailBytes == tail, "\(what): \(report)", sourceLocation: sourceLocation)
        #expect(try read.eventsWithHashes().count == count, "\(what)", sourceLocation: sourceLocation)
        var warnings: [String] = []
        let writer = try FileEventStore(path: p, create: false, clock: clock, forAppending: true, warn: { warnings.append($0) })
        try writer.append(try drafts(1, from: 9_000))
        #expect(warnings.count == 1 && warnings[0].contains("removed an unfinished batch of \(Format.counted(tail, "byte")) after seq \(count) "),
                "\(what): \(warnings)", sourceLocation: sourceLocation)
        let again = try FileEventStore(path: p, create: false)
        #expect(again.ledger.count == count + 1, "\(what)", sourceLocation: sourceLocation)
        #expect(try again.verify().events == count + 1, "\(what)", sourceLocation: sourceLocation)
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

    /// `recover` on a ledger whose last commit has a damaged length byte: the batches before it,
    /// with their hashes, and the commit itself, found by its payload, naming the seq it committed.
    @Test func recoverSavesTheBatchesBeforeTheDamageAndNamesTheCommitsAfter() throws {
        let (store, commits, counts) = try ledger([3, 50, 100])
        let hashed = try store.eventsWithHashes()
        var bytes = fileBytes(store.path)
        bytes[commits[2].lowerBound] ^= 0x04
        let p = path("recover.ledger")
        writeBytes(p, bytes)
        let found = try FileEventStore.recover(path: p)
        #expect(found.lostEvents)
        #expect(found.events.map(\.0) == Array(hashed.prefix(counts[1]).map(\.0)))
        #expect(found.events.map(\.1) == Array(hashed.prefix(counts[1]).map(\.1)))
        #expect(found.head == hashed[counts[1] - 1].1)
        #expect(found.committedEnd == commits[1].upperBound)
        #expect(found.bytesAfter == bytes.count - commits[1].upperBound)
        #expect(found.damage?.offset == commits[2].lowerBound)
        #expect(found.commitsAfter.map(\.offset) == [commits[2].lowerBound])
        #expect(found.commitsAfter.map(\.seq) == [counts[2]])
        #expect(found.report(destination: "out.jsonl").suffix(2) == [
            "1 commit record can still be found in them, naming seq 153 (byte offset \(commits[2].lowerBound)): events up to seq 153 existed, so seq 54–153 are lost",
            "wrote 53 events (seq 1–53) to out.jsonl",
        ])
        // Not damaged: everything, and nothing lost.
        let whole = try FileEventStore.recover(path: store.path)
        #expect(!whole.lostEvents && whole.events.count == counts[2] && whole.bytesAfter == 0)
    }

    // MARK: pages that never landed

    /// The last page of a batch whose commit was never written reads back as zeros: a torn
    /// write. The frame across the page boundary starts with bytes other than zeros.
    @Test func aZeroedLastPageOfAnUnfinishedBatchIsATornWrite() throws {
        let (store, commits, counts) = try ledger([100, 300])
        let committed = fileBytes(store.path)
        let hashes = try store.eventsWithHashes().map(\.1)
        var bytes = committed + (try unfinishedBatch(store, 1_000))
        let page = (bytes.count - 1) / 4096 * 4096
        #expect(page > commits.last!.upperBound + 4096)
        for i in page..<bytes.count { bytes[i] = 0 }
        let p = path("zeroed-last-page.ledger")
        writeBytes(p, bytes)
        #expect(bytes[page - 1] != 0)
        try expectTorn(p, count: counts.last!, tail: bytes.count - committed.count, head: store.ledger.head, "last page")
        // The committed events are intact, with their hashes.
        let after = try FileEventStore(path: p, create: false).eventsWithHashes()
        #expect(after.prefix(400).map(\.1) == hashes)
        let intact = Array(fileBytes(p).prefix(committed.count)) == committed
        #expect(intact)
    }

    /// Zeros over one page at a time of the last batches (and of an unfinished one after them).
    /// When an intact commit follows the zeros, an acknowledged batch is hit: damage. When
    /// none does, the bytes read exactly like a write whose pages never landed: a torn write,
    /// cut back to the last intact commit; unless the checkpoint beside the ledger was built
    /// at a later seq, which shows acknowledged events were lost: then writers refuse to cut.
    @Test func everyZeroedPageOfTheLastBatchesIsDamageOrATornWrite() throws {
        let (store, commits, counts) = try ledger([3, 50, 100, 700, 900])
        let committed = fileBytes(store.path)
        try store.writeCheckpoint()
        let checkpoint = fileBytes(FleetCheckpoint.path(forLedger: store.path))
        let original = committed + (try unfinishedBatch(store, 500))
        let heads = try store.eventsWithHashes().map(\.1)
        let firstPage = commits[2].upperBound / 4096 * 4096
        var seen = (damage: 0, torn: 0, refused: 0)
        for page in stride(from: firstPage, to: original.count, by: 4096) {
            var bytes = original
            for i in max(page, LogHeader.size)..<min(page + 4096, bytes.count) { bytes[i] = 0 }
            guard let first = bytes.indices.first(where: { bytes[$0] != original[$0] }) else { continue }
            let last = bytes.indices.last(where: { bytes[$0] != original[$0] })!
            let intactCommitAfter = commits.contains { $0.lowerBound > last }
            let kept = commits.indices.last(where: { commits[$0].upperBound <= first })
            let count = kept.map { counts[$0] } ?? 0
            let end = kept.map { commits[$0].upperBound } ?? LogHeader.size
            // A writer that starts from the checkpoint does not read the log it covers (see
            // `FileStoreTests`); it matters here when the zeros reach the commit it is tied to.
            for withCheckpoint in last >= commits.last!.lowerBound ? [false, true] : [false] {
                let p = path("page-\(page)-\(withCheckpoint).ledger")
                writeBytes(p, bytes)
                let ckpt = FleetCheckpoint.path(forLedger: p)
                if withCheckpoint { writeBytes(ckpt, checkpoint) } else { unlink(ckpt) }
                let what = "page at \(page) (bytes \(first)–\(last)), checkpoint \(withCheckpoint)"
                if intactCommitAfter {
                    expectDamage(p, what)
                    seen.damage += 1
                } else if withCheckpoint && count < counts.last! {
                    try expectRefused(p, count: count, checkpointSeq: counts.last!, what)
                    seen.refused += 1
                } else {
                    try expectTorn(p, count: count, tail: bytes.count - end, head: count == 0 ? .genesis : heads[count - 1], what)
                    seen.torn += 1
                }
            }
        }
        // Each outcome comes up.
        #expect(seen.damage > 0 && seen.torn > 0 && seen.refused > 0, "\(seen)")
    }

    // MARK: zeros over acknowledged batches

    /// A checkpoint that records more events than the log holds: the tail that reads like a torn
    /// write held acknowledged batches. `verify` fails and writers refuse to cut it.
    func expectRefused(_ p: String, count: Int, checkpointSeq: Int, _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = fileBytes(p)
        let expected = "the checkpoint beside it was built at seq \(checkpointSeq), but the log holds \(Format.counted(count, "event"))"
        let verified = errorMessage { try FileEventStore(path: p, create: false).verify() }
        #expect(verified?.contains(expected) == true, "\(what): verify: \(verified ?? "no error")", sourceLocation: sourceLocation)
        #expect(verified?.hasSuffix("; run capacity recover to save the events before the damage") == true, "\(what)", sourceLocation: sourceLocation)
        for forAppending in [false, true] {
            let appended = errorMessage {
                try FileEventStore(path: p, create: false, clock: clock, forAppending: forAppending).append(try drafts(1, from: 9_000))
            }
            #expect(appended?.contains(expected) == true, "\(what): append: \(appended ?? "no error")", sourceLocation: sourceLocation)
            #expect(appended?.hasSuffix("; run capacity recover to save the events before the damage") == true, "\(what)", sourceLocation: sourceLocation)
            let unchanged = fileBytes(p) == bytes
            #expect(unchanged, "\(what): the file changed", sourceLocation: sourceLocation)
        }
    }

    /// Zeros from a commit boundary to the end of the file read exactly like a batch that never
    /// landed; the checkpoint beside the ledger shows the 101 events after it were acknowledged.
    @Test func zerosOverAcknowledgedBatchesAreRefusedWhenTheCheckpointKnowsThem() throws {
        let (store, commits, counts) = try ledger([3, 50, 300, 101])
        try store.writeCheckpoint()
        var bytes = fileBytes(store.path)
        for i in commits[2].upperBound..<bytes.count { bytes[i] = 0 }
        let p = path("zeros.ledger")
        writeBytes(p, bytes)
        writeBytes(FleetCheckpoint.path(forLedger: p), fileBytes(FleetCheckpoint.path(forLedger: store.path)))
        try expectRefused(p, count: counts[2], checkpointSeq: counts[3], "zeros over the last batch")
        // Without the checkpoint, nothing tells it from a torn write.
        unlink(FleetCheckpoint.path(forLedger: p))
        try expectTorn(p, count: counts[2], tail: bytes.count - commits[2].upperBound, head: try store.eventsWithHashes()[counts[2] - 1].1,
                       "zeros, no checkpoint")
    }
}
