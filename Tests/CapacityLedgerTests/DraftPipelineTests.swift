@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The import's reading thread hands over exactly what reading in place gives, in order, with
/// the first bad line's error in its place.
struct DraftPipelineTests {
    let dir: String

    init() { dir = temporaryDirectory("capacity-pipeline") }

    func write(_ name: String, _ lines: [String]) -> String {
        let p = dir + "/" + name
        let fd = open(p, O_WRONLY | O_TRUNC | O_CREAT, 0o600)
        let text = Array(lines.joined(separator: "\n").utf8)
        _ = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return p
    }

    func lines(_ n: Int) -> [String] {
        (1...n).map { i in
            i % 50 == 0 ? "" : #"{"type":"chips.delivered","site":"s\#(i % 7)","model":"m1","quantity":\#(i),"effective":"2025-01-01"}"#
        }
    }

    /// Everything `body` gets from a source: drafts (with their line numbers) then the error.
    func drain(_ next: () throws -> EventDraft?) -> (drafts: [EventDraft], error: String?) {
        var out: [EventDraft] = []
        do {
            while let d = try next() { out.append(d) }
            return (out, nil)
        } catch {
            return (out, "\(error)")
        }
    }

    /// What `pipeline` hands over, a draft at a time or a chunk at a time.
    func drain(_ pipeline: DraftPipeline, byChunk: Bool) -> (drafts: [EventDraft], error: String?) {
        guard byChunk else { return drain { try pipeline.next() } }
        var pending: ArraySlice<EventDraft> = []
        return drain {
            if pending.isEmpty { pending = try pipeline.nextChunk() ?? [] }
            return pending.popFirst()
        }
    }

    /// The bytes the progress bar follows are those of the lines handed over, however far the
    /// reading thread has read ahead: at the end of each chunk, the bytes of its lines and of
    /// every line before them (blank ones included).
    @Test func bytesReadCountsTheLinesHandedOverNotTheReadAhead() throws {
        let text = lines(1_000)
        let p = write("ok.jsonl", text)
        // Byte offset just after line i (1-based), its newline included but for the last line's.
        var ends = [0]
        for (i, l) in text.enumerated() { ends.append(ends[i] + l.utf8.count + (i + 1 < text.count ? 1 : 0)) }
        let pipeline = DraftPipeline(reader: try LineReader(path: p), chunkSize: 64, depth: 4)
        pipeline.start()
        // Let the reading thread run ahead as far as it may before taking anything.
        usleep(50_000)
        var chunks = 0
        while let chunk = try pipeline.nextChunk() {
            let last = chunk.last!.line!
            #expect(pipeline.bytesRead == ends[last], "after line \(last)")
            chunks += 1
        }
        pipeline.stop()
        #expect(chunks >= 15)
        #expect(pipeline.bytesRead == ends[1_000])
    }

    @Test(arguments: [1, 7, 4096], [false, true])
    func givesWhatReadingInPlaceGives(chunkSize: Int, byChunk: Bool) throws {
        let p = write("ok.jsonl", lines(1_000))
        let inPlace = try LineReader(path: p)
        let expected = drain { try inPlace.nextDraft() }
        let pipeline = DraftPipeline(reader: try LineReader(path: p), chunkSize: chunkSize, depth: 2)
        pipeline.start()
        #expect(pipeline.readsAhead)
        let got = drain(pipeline, byChunk: byChunk)
        pipeline.stop()
        #expect(expected.error == nil)
        #expect(expected.drafts.count == 980)
        #expect(got.drafts == expected.drafts)
        #expect(got.error == nil)
        #expect(try pipeline.next() == nil)
        #expect(try pipeline.nextChunk() == nil)
        #expect(pipeline.bytesRead == pipeline.size)
    }

    @Test(arguments: [1, 7, 4096], [false, true])
    func theFirstBadLineComesAfterTheDraftsBeforeIt(chunkSize: Int, byChunk: Bool) throws {
        var input = lines(300)
        input[122] = #"{"type":"chips.delivered","site":"s1","model":"m1","quantity":-4}"#
        input[200] = #"{"type":"bogus"}"#
        let p = write("bad.jsonl", input)
        let inPlace = try LineReader(path: p)
        let expected = drain { try inPlace.nextDraft() }
        let pipeline = DraftPipeline(reader: try LineReader(path: p), chunkSize: chunkSize, depth: 2)
        pipeline.start()
        let got = drain(pipeline, byChunk: byChunk)
        #expect(got.drafts == expected.drafts)
        #expect(got.drafts.last?.line == 122)
        #expect(got.error == expected.error)
        #expect(got.error?.contains("line 123") == true)
        // It keeps saying so.
        #expect(errorMessage { try pipeline.next() }?.contains("line 123") == true)
        #expect(errorMessage { try pipeline.nextChunk() }?.contains("line 123") == true)
        pipeline.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func stoppingEarlyEndsTheReadingThread() throws {
        let p = write("long.jsonl", lines(20_000))
        let pipeline = DraftPipeline(reader: try LineReader(path: p), chunkSize: 16, depth: 1)
        pipeline.start()
        for _ in 0..<10 { _ = try pipeline.next() }
        // The reader is blocked on a full queue; stop() must wake it and wait for it.
        #expect(!pipeline.readingThreadEnded)
        pipeline.stop()
        #expect(pipeline.readingThreadEnded)
        #expect(pipeline.bytesRead < pipeline.size!)
    }

    /// A pipe that stays open: each line is handed over as it arrives (a bad one is reported
    /// then), not when a chunk fills up or the input ends.
    @Test(.timeLimit(.minutes(1)))
    func aPipeIsReadInPlace() throws {
        let p = dir + "/fifo"
        #expect(mkfifo(p, 0o600) == 0)
        let writer = open(p, O_RDWR)  // keeps the pipe open, so no end of input comes
        defer { close(writer) }
        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Glibc.write(writer, $0.baseAddress, $0.count) }
        }
        send(lines(2).joined(separator: "\n") + "\n")
        let pipeline = DraftPipeline(reader: try LineReader(path: p))
        pipeline.start()
        // (A reading thread would wait for a full chunk or the end of input: the calls below
        // would never return.)
        try #require(!pipeline.readsAhead)
        #expect(try pipeline.next()?.line == 1)
        #expect(try pipeline.next()?.line == 2)
        send("{\"type\":\"bogus\"}\n")
        #expect(errorMessage { try pipeline.next() }?.contains("line 3") == true)
        pipeline.stop()
    }

    @Test func withoutTheThreadItReadsInPlace() throws {
        let p = write("plain.jsonl", lines(120))
        let pipeline = DraftPipeline(reader: try LineReader(path: p))
        let inPlace = try LineReader(path: p)
        #expect(drain { try pipeline.next() }.drafts == drain { try inPlace.nextDraft() }.drafts)
    }
}
