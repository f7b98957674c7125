@testable import CapacityLedger
@testable import LedgerStorage
import Foundation
import Testing

/// Replays the fuzzing corpus, `Tests/Fuzz/corpus/<target>/`, through the targets `make fuzz`
/// drives (`FuzzTargets`): every seed and every input a fuzzer once found failing must now pass.
/// Each target runs in a process of its own, so that an input that traps fails its test and is
/// named, instead of stopping the whole run. `CAPACITY_FUZZ_SEEDS=1` writes the seed files anew
/// (see `docs/fuzzing.md`).
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = root.appendingPathComponent("Tests/Fuzz/corpus")

    /// The files of one target's corpus, sorted.
    static func inputs(_ target: String) -> [URL] {
        let folder = corpus.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Runs every input of `target` in this process, writing the name of each to `progress`
    /// before running it (so that the one that stops the process is known).
    static func replay(_ target: String, progress: String) {
        guard let run = FuzzTargets.named(target) else { fatalError("no fuzz target \(target)") }
        for url in inputs(target) {
            try? Data(url.lastPathComponent.utf8).write(to: URL(fileURLWithPath: progress))
            let bytes = [UInt8]((try? Data(contentsOf: url)) ?? Data())
            bytes.withUnsafeBufferPointer { run($0) }
        }
        try? Data("done".utf8).write(to: URL(fileURLWithPath: progress))
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func everyInputPasses(_ target: String) async throws {
        #expect(Self.inputs(target).count >= 5, "the \(target) corpus is missing or thin")
        let progress: String = NSTemporaryDirectory() + "capacity-fuzz-replay-\(target)-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: progress) }
        let passed = await #expect(processExitsWith: .success) { [target = target as String, progress = progress as String] in
            FuzzCorpusTests.replay(target, progress: progress)
        } != nil
        let last = (try? String(contentsOfFile: progress, encoding: .utf8)) ?? "(none)"
        if passed {
            #expect(last == "done")
        } else {
            Issue.record("the \(target) input that failed: Tests/Fuzz/corpus/\(target)/\(last)")
        }
    }

    // MARK: seeds

    /// Writes the seed inputs (`seed-*` files) of every target from the project's own inputs:
    /// the demo history, generated and exported lines, the REPL scripts, ledgers and checkpoints
    /// the code writes. Run with `CAPACITY_FUZZ_SEEDS=1` after a change to a format.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CAPACITY_FUZZ_SEEDS"] == "1"))
    func writeSeeds() throws {
        for (target, seeds) in try Self.seeds() {
            let folder = Self.corpus.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for old in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where old.hasPrefix("seed-") {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(old))
            }
            for (name, bytes) in seeds {
                try Data(bytes).write(to: folder.appendingPathComponent("seed-" + name))
            }
        }
    }

    static func seeds() throws -> [(String, [(String, [UInt8])])] {
        let rainier = try String(contentsOf: root.appendingPathComponent("events/rainier.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let catalog = try String(contentsOf: root.appendingPathComponent("events/catalog.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var generated: [String] = []
        HistoryGenerator(count: 400, seed: 3).generate { generated.append($0) }
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = InMemoryEventStore(name: "seeds", clock: clock)
        try store.append(try generated.enumerated().map { try EventDraftDecoder.decode(try JSONLine.parse($1), line: $0 + 1) })
        let exported = try store.eventsWithHashes().map { EventJSON.line($0.0, hash: $0.1.hex) }
        let repl = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("REPL").path)
            .filter { $0.hasSuffix(".repl") }.sorted()
            .flatMap { try String(contentsOf: root.appendingPathComponent("REPL/" + $0), encoding: .utf8).split(separator: "\n").map(String.init) }
            .filter { !$0.hasPrefix("#") }

        // One of each kind of line, from each source.
        func sample(_ lines: [String], _ count: Int) -> [String] {
            var seen = Set<String>(), out: [String] = []
            for l in lines {
                let type = (try? JSONLine.parse(l)["type"]).flatMap { $0 }.map { "\($0)" } ?? l
                if seen.insert(type).inserted || out.count < count / 2 { out.append(l) }
                if out.count >= count { break }
            }
            return out
        }
        var jsonline = sample(rainier, 16) + sample(catalog, 2) + sample(generated, 10) + sample(exported, 10)
        jsonline += [
            #" { "type" : "power.released" , "site":"s1", "mw": 1.25 , "effective":"2025-10-29T14:00:00Z" } "#,
            #"{"type":"rack.retired","site":"s1","rack":"r\u002d1","note":"say \"hi\"\n","source":"a\\b"}"#,
            #"{"type":"power.allocated","site":"s1","mw":1.5e-3,"effective":"2025-10-29"}"#,
        ]
        var jsonSeeds = jsonline.enumerated().map { ("line-\($0.offset)", Array($0.element.utf8)) }
        jsonSeeds.append(("lines-generated", Array(generated[10..<30].joined(separator: "\n").utf8)))
        jsonSeeds.append(("lines-exported", Array(exported[10..<20].joined(separator: "\n").utf8)))

        // `append` words: the REPL's, and each generated line's fields as words.
        func quoted(_ s: String) -> String {
            s.contains(where: { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "\\" })
                ? "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" : s
        }
        var words = repl.filter { $0.hasPrefix("append ") }.map { String($0.dropFirst("append ".count)) }
        for line in sample(generated, 12) + sample(rainier, 12) {
            let fields = try JSONLine.parse(line)
            words.append(fields.pairs.map { p -> String in
                let v: String
                switch p.value {
                case .string(let s), .number(let s), .word(let s): v = s
                default: v = "\(p.value)"
                }
                return p.key == "type" ? v : "\(p.key)=\(quoted(v))"
            }.joined(separator: " "))
        }
        words += [#"rack.retired site='s 1' rack=r\ 1"#, #"chips.delivered site=s1 model=m1 quantity=+64 effective=2025-10-29"#]

        // Ledgers: the log after the header, every frame mended (1) or also the chain (3) or as it is (0).
        func body(_ drafts: [String], batches: Int = 1) throws -> [UInt8] {
            let s = InMemoryEventStore(name: "seed", clock: ManualClock(Timestamp.parse("2026-01-01")!))
            let all = try drafts.map { try EventDraftDecoder.decode(try JSONLine.parse($0)) }
            let size = (all.count + batches - 1) / batches
            for start in stride(from: 0, to: all.count, by: size) { try s.append(Array(all[start..<min(all.count, start + size)])) }
            return Array(s.bytes.dropFirst(LogHeader.size))
        }
        let ledgers: [(String, [UInt8])] = [
            ("one", try body([generated[0]])),
            ("definitions", try body(Array(generated[0..<7]))),
            ("small", try body(Array(generated[0..<20]))),
            ("batches", try body(Array(generated[0..<40]), batches: 4)),
            ("notes", try body(catalog + [rainier[0], rainier[1]])),
            ("voids", try body(Array(generated[0..<120]), batches: 2)),
        ]
        var records: [(String, [UInt8])] = []
        for (name, bytes) in ledgers {
            records.append(("\(name)-chain", [3] + bytes))
            if bytes.count < 400 { records.append(("\(name)-crc", [1] + bytes)); records.append(("\(name)-raw", [0] + bytes)) }
        }

        var checkpoints: [(String, [UInt8])] = []
        for (i, bytes) in CheckpointFixture.shared.seeds.enumerated() {
            checkpoints += [("tie\(i)-mended", [1] + bytes), ("tie\(i)-raw", [0] + bytes)]
        }

        var queries = repl.filter { !$0.hasPrefix(".") && !$0.isEmpty }
        for spec in CommandSpec.all {
            queries.append(([spec.name] + spec.keys.map { "\($0)=\(Self.example(for: $0, spec))" }).joined(separator: " "))
        }
        queries += ["log limit=3 type=chips.delivered since=2024-01-01", "timeline metric=mw every=month from=2023-01-01 to=2026-01-01",
                    "diff 2024-01-01 2025-06-30", "stats at=#40", "fleet at=#0 known=2026-03-01T12:00:00Z",
                    "append power.allocated site=site-a mw=1 effective=2025-11-01", "append event.voided target=20 reason=\"fuzz\""]

        func named(_ items: [String], _ prefix: String) -> [(String, [UInt8])] {
            var seen = Set<String>()
            return items.filter { seen.insert($0).inserted }.enumerated().map { ("\(prefix)-\($0.offset)", Array($0.element.utf8)) }
        }
        return [("jsonline", jsonSeeds), ("words", named(words, "words")), ("record", records),
                ("checkpoint", checkpoints), ("query", named(queries, "query"))]
    }

    /// A value each option accepts, for the seed queries.
    static func example(for key: String, _ spec: CommandSpec) -> String {
        switch key {
        case "at", "to", "until": "2025-06-30"
        case "known": "2026-03-01"
        case "from", "since": "2024-01-01"
        case "site": "site-a"
        case "model": "b200"
        case "investor": "amazon"
        case "recipient": "anthropic"
        case "precision": "fp8"
        case "by": "model"
        case "params": "70B"
        case "tokens": "15T"
        case "mfu": "0.4"
        case "type": "rack.installed"
        case "limit": "5"
        case "metric": "pflops"
        case "every": "quarter"
        case "svg": "chart.svg"
        default: "1"
        }
    }
}
