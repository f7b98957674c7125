@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The checkpoint's layout (`FleetCheckpoint.layout`) is worked out without a file, and is the
/// file the writer writes, byte for byte; the bytes are those the writer wrote before the two
/// were apart.
struct CheckpointLayoutTests {
    let dir = temporaryDirectory("capacity-layout")

    /// A file ledger of a generated history (20,000 events in two batches: voids, retirements,
    /// backdated deliveries, several blocks and lookup chunks), recorded at fixed times, so that
    /// its log and checkpoint bytes are the same on every run.
    func ledger(_ name: String) throws -> FileEventStore {
        let path = dir + "/" + name + ".ledger"
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        var lines: [String] = []
        HistoryGenerator(count: 20_000, seed: 5).generate { lines.append($0) }
        let store = try FileEventStore(path: path, create: true, clock: clock)
        try store.append(try EventBatch.parse(lines[..<12_000].joined(separator: "\n")))
        clock.advance(seconds: 3_600)
        try store.append(try EventBatch.parse(lines[12_000...].joined(separator: "\n")))
        return store
    }

    /// The checkpoint the store writes beside its ledger, and what the layout gives in memory
    /// for the same ledger and tie.
    func writtenAndLaidOut(_ store: FileEventStore, blockSize: Int) throws -> (file: [UInt8], memory: [UInt8]) {
        try store.writeCheckpoint(blockSize: blockSize)
        let path = FleetCheckpoint.path(forLedger: store.path)
        let reader = try CheckpointReader(path: path, ledgerPath: store.path)
        let memory = try FleetCheckpoint.bytes(ledger: store.ledger, codec: store.ledger.codec,
                                               tie: (reader.tieSeq, reader.commitStart, reader.commitEnd), blockSize: blockSize)
        return (fileBytes(path), memory)
    }

    @Test(arguments: [97, 4_096, FleetCheckpoint.defaultBlockSize])
    func theLayoutIsTheFileTheWriterWrites(blockSize: Int) throws {
        let store = try ledger("same-\(blockSize)")
        let (file, memory) = try writtenAndLaidOut(store, blockSize: blockSize)
        // Past one lookup chunk, so that the area's chunks and CRCs are all exercised.
        #expect(file.count > 4 * FleetCheckpoint.chunkSize)
        #expect(memory == file)
    }

    /// SHA-256 of this ledger's log and checkpoints as written before the layout was taken out
    /// of the writer: the format has not moved (the log's header says format version 3 since
    /// sites could change, which is all that changed in its bytes).
    @Test func theBytesAreThoseWrittenBefore() throws {
        let store = try ledger("before")
        var log = fileBytes(store.path)
        #expect(SHA256Tests.sha256(log).hex == "39650b0765c0db4dfe6dbc71f067626e792be76e40a9e1b06d8e0c984f82a488")
        // Written as format version 2, the header as before and everything after it the same.
        let created = log.withUnsafeBytes { LogHeader.created($0) }
        log.replaceSubrange(0..<LogHeader.size, with: LogHeader.make(created: created, version: 2))
        #expect(SHA256Tests.sha256(log).hex == "ebdc873c12f056d396bfa3260f9bc2dfda20685d0a5fc412f379bfd07582d49d")
        let small = try writtenAndLaidOut(store, blockSize: 4_096)
        #expect(SHA256Tests.sha256(small.memory).hex == "9f6c5b90a71697e0e26104728a35d2b32b1dc76e29a3ee71734cec5687590e1a")
        #expect(small.file == small.memory)
        let standard = try writtenAndLaidOut(store, blockSize: FleetCheckpoint.defaultBlockSize)
        #expect(SHA256Tests.sha256(standard.memory).hex == "2b11e8325d187b3d199128f7a81f6da49907dcf4bc0eddc5c18d7c10e05193ad")
        #expect(standard.file == standard.memory)
    }

    /// A sink that fails on its `failAt`th write (counting from 1).
    final class FailingSink: CheckpointSink {
        struct Failure: Error, Equatable {}
        let failAt: Int
        var writes = 0
        init(failAt: Int) { self.failAt = failAt }

        func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
            writes += 1
            if writes == failAt { throw Failure() }
        }
    }

    /// The sink's error comes out of the layout at once: nothing more is handed to it.
    @Test func theSinksErrorStopsTheLayout() throws {
        let store = try ledger("failing")
        func layout(into sink: FailingSink) throws {
            try FleetCheckpoint.layout(ledger: store.ledger, codec: store.ledger.codec, tie: (store.ledger.count, 0, 0), blockSize: 97, into: sink)
        }
        let counting = FailingSink(failAt: .max)
        try layout(into: counting)
        let writes = counting.writes
        #expect(writes > 10)
        for failAt in [1, writes / 2, writes] {
            let sink = FailingSink(failAt: failAt)
            #expect(throws: FailingSink.Failure()) { try layout(into: sink) }
            #expect(sink.writes == failAt)
        }
    }

    @Test func aBufferHoldsEachPieceAtItsOffset() throws {
        let buffer = CheckpointBuffer()
        try buffer.write([7, 8], at: 4)
        try buffer.write([1, 2, 3], at: 0)
        try buffer.write([9], at: 5)
        #expect(buffer.bytes == [1, 2, 3, 0, 7, 9])
    }
}
