@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A large batch hashed and written on a thread behind the writer (`ChainingWriter`) leaves the
/// log a writer hashing as it goes leaves, byte for byte, and reports the same errors in the
/// same order.
struct ChainingWriterTests {
    let dir = temporaryDirectory("capacity-chain")
    let clock = ManualClock(Timestamp.parse("2027-01-01")!)

    func path(_ name: String) -> String { dir + "/" + name }

    /// A generated history's drafts; `hashes` gives each line the hash its record chains to.
    func drafts(_ count: Int, hashes: Bool = false) throws -> [EventDraft] {
        var lines: [String] = []
        HistoryGenerator(count: count, seed: 11).generate { lines.append($0) }
        if hashes {
            let source = try FileEventStore(path: path("source-\(count).ledger"), create: true, clock: clock)
            try source.append(try EventBatch.parse(lines.joined(separator: "\n")))
            lines = try source.eventsWithHashes().map { EventJSON.line($0.0, hash: $0.1.hex) }
        }
        return try EventBatch.parse(lines.joined(separator: "\n"))
    }

    /// Appends `drafts` in chunks of 1 to 97, hashed behind the writer or not.
    @discardableResult
    func append(_ drafts: [EventDraft], to store: FileEventStore, behind: Bool) throws -> Int {
        store.chainBehind = behind
        // Pieces of 64 KiB: a few thousand drafts fill several.
        store.pieceBytes = 1 << 16
        var at = 0, size = 0
        return try store.appendChunks {
            guard at < drafts.count else { return nil }
            size = size % 97 + 1
            defer { at = min(drafts.count, at + size) }
            return drafts[at..<min(drafts.count, at + size)]
        }
    }

    @Test func aBatchHashedBehindWritesTheSameBytes() throws {
        // Many pieces handed over, and many chain marks.
        let all = try drafts(20_000)
        let first = Array(all[..<15_000]), second = Array(all[15_000...])
        var logs: [[UInt8]] = []
        var heads: [ChainHash] = []
        for behind in [false, true] {
            let p = path("same-\(behind).ledger")
            let store = try FileEventStore(path: p, create: true, clock: clock)
            // Into a new ledger, then onto the end of it (the chain carries on from its head).
            #expect(try append(first, to: store, behind: behind) == first.count)
            #expect(try append(second, to: store, behind: behind) == second.count)
            // A small append after it, hashed as it goes, chains on from the head caught up.
            try store.append([try d("investment.committed investor=a recipient=b usd=5 effective=2026-06-01")])
            logs.append(fileBytes(p))
            heads.append(store.ledger.head)
            #expect(try store.verify().head == store.ledger.head)
        }
        #expect(logs[0].count > 6 << 16)
        #expect(logs[1] == logs[0])
        #expect(heads[1] == heads[0])
    }

    @Test func aBatchFromTheCheckpointHashedBehindWritesTheSameBytes() throws {
        let all = try drafts(20_000)
        let first = Array(all[..<15_000]), second = Array(all[15_000...])
        let a = path("checkpoint-a.ledger"), b = path("checkpoint-b.ledger")
        for p in [a, b] { try append(first, to: try FileEventStore(path: p, create: true, clock: clock), behind: false) }
        try FileEventStore(path: a, create: false, clock: clock).writeCheckpoint()
        clock.advance(seconds: 60)
        // From the checkpoint, hashed behind; from the whole log, hashed as it goes.
        let writer = try FileEventStore(path: a, create: false, clock: clock, forAppending: true)
        #expect(try append(second, to: writer, behind: true) == second.count)
        #expect(writer.checkpointUse == .used)
        try append(second, to: try FileEventStore(path: b, create: false, clock: clock), behind: false)
        #expect(fileBytes(a) == fileBytes(b))
        #expect(try FileEventStore(path: a, create: false).verify().events == all.count)
    }

    @Test func hashesGivenByExportedLinesAreComparedBehind() throws {
        var lines = try drafts(3_000, hashes: true)
        let p = path("restored.ledger")
        let store = try FileEventStore(path: p, create: true, clock: clock)
        #expect(try append(lines, to: store, behind: true) == lines.count)
        #expect(try store.verify().events == lines.count)

        // One hash altered: the same message (line and seq) both ways, and no ledger left.
        let good = lines[2_500].hash!
        lines[2_500].hash = String(good.reversed())
        var messages: [String?] = []
        for behind in [false, true] {
            let bad = path("bad-\(behind).ledger")
            let store = try FileEventStore(path: bad, create: true, clock: clock)
            messages.append(errorMessage { try append(lines, to: store, behind: behind) })
            #expect(access(bad, F_OK) != 0)
        }
        #expect(messages[0]?.hasPrefix("line 2501: hash \(String(good.reversed())) does not match the computed hash \(good) of seq 2501") == true,
                "\(messages[0] ?? "no error")")
        #expect(messages[1] == messages[0])
    }

    @Test func aWrongHashComesBeforeALaterRuleError() throws {
        var lines = try drafts(3_000, hashes: true)
        let good = lines[1_000].hash!
        lines[1_000].hash = String(good.reversed())
        // A later line the rules refuse: a second install of a rack still active.
        var retired: Set<String> = []
        for l in lines[..<2_000] { if case .rackRetired(_, let rack) = l.body { retired.insert(rack) } }
        let installed = lines.firstIndex { if case .rackInstalled(_, let rack, _, _, _) = $0.body { !retired.contains(rack) } else { false } }!
        var again = lines[installed]
        again.hash = nil
        again.seq = nil
        again.recorded = nil
        again.line = 2_001
        lines.insert(again, at: 2_000)
        for behind in [false, true] {
            let bad = path("order-\(behind).ledger")
            let store = try FileEventStore(path: bad, create: true, clock: clock)
            let message = errorMessage { try append(Array(lines[..<2_001]), to: store, behind: behind) }
            #expect(message?.hasPrefix("line 1001: hash ") == true, "\(message ?? "no error")")
            #expect(access(bad, F_OK) != 0)
        }
        // Without the wrong hash, the rule error is the one reported.
        lines[1_000].hash = good
        let store = try FileEventStore(path: path("rule.ledger"), create: true, clock: clock)
        let message = errorMessage { try append(Array(lines[..<2_001]), to: store, behind: true) }
        #expect(message?.hasPrefix("line 2001: rack.installed") == true, "\(message ?? "no error")")
    }
}
