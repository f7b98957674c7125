import CapacityConsole
import CapacityLedger
import LedgerStorage
import Foundation
import Testing

/// Runs every `REPL/*.repl` in batch mode on the demo history and compares the output (results
/// and `line N:` errors, in order) with `REPL/*.out`. Set UPDATE_TRANSCRIPTS=1 to rewrite the
/// `.out` files after a deliberate change, then review the diff.
struct TranscriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let repl = root.appendingPathComponent("REPL")
    /// Transcripts see a fixed "now", so that `now` reads the same on every run.
    static let now = Timestamp.parse("2026-01-15T12:00:00Z")!

    /// The demo history (events/catalog.jsonl, then events/rainier.jsonl), loaded once.
    nonisolated(unsafe) static let demo: InMemoryEventStore = {
        let store = InMemoryEventStore(name: "rainier", clock: ManualClock(now))
        for file in ["catalog.jsonl", "rainier.jsonl"] {
            let text = try! String(contentsOf: root.appendingPathComponent("events/" + file), encoding: .utf8)
            try! store.append(try! EventBatch.parse(text))
        }
        return store
    }()

    static var transcripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: repl.path)) ?? []).filter { $0.hasSuffix(".repl") }.sorted()
    }

    @Test(arguments: transcripts)
    func transcript(_ name: String) throws {
        let input = try String(contentsOf: Self.repl.appendingPathComponent(name), encoding: .utf8)
        let store = Self.demo.copy(clock: ManualClock(Self.now))
        let output = BufferOutput()
        let session = Session(engine: QueryEngine(store: store, clock: ManualClock(Self.now)), out: output, err: output)
        BatchRunner(session: session).run(text: input)
        let expectedURL = Self.repl.appendingPathComponent(String(name.dropLast(5)) + ".out")
        if ProcessInfo.processInfo.environment["UPDATE_TRANSCRIPTS"] == "1" {
            try output.text.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = (try? String(contentsOf: expectedURL, encoding: .utf8)) ?? "(missing \(expectedURL.lastPathComponent))"
        #expect(output.text == expected, "\(name): run with UPDATE_TRANSCRIPTS=1 and review the diff")
    }

    /// Lines are checked as UTF-8 one at a time: a line with bytes that are not is refused and
    /// not run (not stored with U+FFFD in their place); the lines around it run. The same
    /// through `.read`, where the file stops at the bad line.
    @Test func aLineThatIsNotUTF8IsRefusedAndTheOthersRun() throws {
        let store = Self.demo.copy(clock: ManualClock(Self.now))
        let output = BufferOutput()
        let session = Session(engine: QueryEngine(store: store, clock: ManualClock(Self.now)), out: output, err: output)
        let count = store.ledger.count
        var bytes = Array("append investment.committed investor=a recipient=b usd=1 note=ok\n".utf8)
        bytes += Array("append investment.committed investor=a recipient=b usd=2 note=".utf8) + [0xFF, 0xFE, 0x0A]
        bytes += Array("append investment.committed investor=a recipient=b usd=3 \\\n".utf8)
        bytes += Array("note=".utf8) + [0xC3, 0x0A]
        bytes += Array("append investment.committed investor=a recipient=b usd=4 note=café\n".utf8)
        #expect(BatchRunner.lines(of: bytes).map { $0 == nil } == [false, true, false, true, false])
        let failures = BatchRunner(session: session).run(bytes: bytes)
        #expect(failures == 2)
        #expect(output.text.contains("line 2: the line is not valid UTF-8; it was not run"), "\(output.text)")
        #expect(output.text.contains("line 3: the line is not valid UTF-8; it was not run"), "\(output.text)")
        #expect(store.ledger.count == count + 2)
        #expect(store.ledger.events.suffix(2).map(\.note) == ["ok", "café"])

        let path = NSTemporaryDirectory() + "capacity-read-\(getpid()).cap"
        try Data(Array("append investment.committed investor=a recipient=b usd=5\n".utf8) + [0x80, 0x0A]
                 + Array("append investment.committed investor=a recipient=b usd=6\n".utf8)).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = errorMessage { try session.run(".read \(path)") }
        #expect(message == "\(path) line 2: the line is not valid UTF-8; it was not run")
        #expect(store.ledger.count == count + 3)
    }

    /// Output that asks to stop once anything is written (as Ctrl-C does in the console).
    final class StoppingOutput: TextOutput {
        var text = ""
        var stop = false
        func write(_ t: String) {
            text += t
            stop = true
        }
        func flush() {}
    }

    @Test func aLongResultStopsWhileItPrints() throws {
        let query = "replay from=2024-01-01 to=2030-01-01"
        let full = BufferOutput()
        try Session(engine: QueryEngine(store: Self.demo, clock: ManualClock(Self.now)), out: full, err: full).run(query)
        #expect(full.text.split(separator: "\n").count > 10_000)

        let output = StoppingOutput()
        let engine = QueryEngine(store: Self.demo, clock: ManualClock(Self.now))
        engine.isCancelled = { output.stop }
        let session = Session(engine: engine, out: output, err: output)
        let message = errorMessage { try session.run(query) }
        #expect(message == "interrupted")
        // One piece of about 16 KiB was printed, in whole lines, and nothing after it.
        #expect(output.text.utf8.count < 20_000)
        #expect(output.text.hasSuffix("\n"))
        #expect(full.text.hasPrefix(output.text))
    }

    @Test func thereAreTranscripts() {
        #expect(Self.transcripts.contains("tour.repl"))
    }
}
