import CapacityConsole
import CapacityLedger
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
