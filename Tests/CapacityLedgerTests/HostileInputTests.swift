@testable import CapacityConsole
@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Input that is too long, endless, oddly encoded or subtly malformed is refused clearly, in
/// bounded memory, and never half-read.
struct HostileInputTests {
    let dir = temporaryDirectory("capacity-hostile")

    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = dir + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }

    func lines(_ reader: LineReader) throws -> [String] {
        var out: [String] = []
        while let l = try reader.next({ b, _ in String(decoding: b, as: UTF8.self) }) { out.append(l) }
        return out
    }

    @Test func aLineOverTheLimitIsRefusedByNumber() throws {
        let path = file("long.txt", Array("short\r\n".utf8) + [UInt8](repeating: 0x61, count: 65) + [0x0A] + Array("after\n".utf8))
        let reader = try LineReader(path: path, lineLimit: 64)
        #expect(try reader.next { b, _ in String(decoding: b, as: UTF8.self) } == "short")
        #expect(throws: LedgerError.data("line 2: longer than 64 bytes, the longest line accepted; \(path) was not read further")) {
            _ = try lines(reader)
        }
        // Exactly at the limit is fine.
        let fits = file("fits.txt", [UInt8](repeating: 0x62, count: 64) + [0x0A])
        #expect(try lines(try LineReader(path: fits, lineLimit: 64)) == [String(repeating: "b", count: 64)])
    }

    /// An endless line (here 40 MiB without a line feed) is refused after reading little more
    /// than the limit, not after reading it all.
    @Test func anEndlessLineIsNotReadWhole() throws {
        let path = file("endless.bin", [UInt8](repeating: 0, count: 40 << 20))
        let reader = try LineReader(path: path)
        #expect(throws: LedgerError.data("line 1: longer than 1,048,576 bytes, the longest line accepted; \(path) was not read further")) {
            _ = try lines(reader)
        }
        #expect(reader.bytesRead <= 3 << 20)
    }

    @Test func aByteOrderMarkIsSkippedAndADirectoryIsNamed() throws {
        let line = #"{"type":"site.opened","site":"b1","name":"B","effective":"2025-01-01"}"#
        let path = file("bom.jsonl", [0xEF, 0xBB, 0xBF] + Array((line + "\n").utf8))
        let draft = try LineReader(path: path).nextDraft()
        #expect(draft?.body == .siteOpened(site: "b1", name: "B", region: nil, powerCap: nil, acres: nil))
        #expect(throws: LedgerError.io("cannot read \(dir): Is a directory")) { _ = try lines(try LineReader(path: dir)) }
    }

    @Test(arguments: ["0000-01-01", "0000-12-31T00:00:00Z", "2025-10-29 14:00:00Z", "2025-10-29 14:00:00", "2025-10-29T14:00:00"])
    func malformedTimesAreRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    /// Effective times have no fraction, not even `.000` (docs/events.md), on either path.
    @Test func anEffectiveTimeWithAFractionIsRefusedOnBothPaths() throws {
        for effective in ["2025-03-15T00:00:00.000Z", "2025-03-15T00:00:00.5Z"] {
            let line = #"{"type":"site.opened","site":"b1","name":"B","effective":"\#(effective)"}"#
            var copy = line
            #expect(copy.withUTF8 { DraftScanner.draft($0, line: 4) } == nil)
            #expect(throws: LedgerError.data(#"line 4: site.opened: field "effective" must be given to the second, got "\#(effective)""#)) {
                try EventDraftDecoder.decode(try JSONLine.parse(line), line: 4)
            }
        }
        // A recorded time (of an exported line) keeps its microseconds.
        #expect(Timestamp.parse("2025-03-15T00:00:00.000001Z")?.micros == Timestamp.parse("2025-03-15")!.micros + 1)
    }

    /// A `\` at the end of a line continues the command; many continuation lines are joined once.
    @Test func continuationLinesAreJoinedInOrder() {
        let out = BufferOutput(), err = BufferOutput()
        let session = Session(engine: QueryEngine(store: InMemoryEventStore()), out: out, err: err)
        var lines: [String?] = []
        for i in 0..<20_000 { lines.append(".print \(i) \\") }
        lines.append("end")
        lines.append(".print next")
        let failures = BatchRunner(session: session).run(lines: lines)
        #expect(failures == 0)
        let expected = (0..<20_000).map { ".print \($0) " }.joined().dropFirst(7) + "end\nnext\n"
        #expect(out.text == String(expected))
        #expect(err.text.isEmpty)
    }

    /// A query file with an endless line: the lines before it run, then the run stops there.
    @Test func aBatchStopsAtALineOverTheLimit() throws {
        let path = file("q.repl", Array(".print one\n".utf8) + [UInt8](repeating: 0x61, count: (1 << 20) + 1) + Array("\n.print two\n".utf8))
        let out = BufferOutput(), err = BufferOutput()
        let session = Session(engine: QueryEngine(store: InMemoryEventStore()), out: out, err: err)
        let failures = try BatchRunner(session: session).run(reader: try LineReader(path: path))
        #expect(failures == 1)
        #expect(out.text == "one\n")
        #expect(err.text == "line 2: longer than 1,048,576 bytes, the longest line accepted; \(path) was not read further\n")
    }

    @Test func diffPastTheLastEventIsAnError() throws {
        let store = try makeStore()
        let engine = QueryEngine(store: store)
        #expect(throws: LedgerError.data("diff: #99999999 is past the last event (the ledger has 2 events)")) {
            _ = try engine.run("diff #0 #99999999")
        }
        #expect(throws: LedgerError.data("diff: #3 is past the last event (the ledger has 2 events)")) {
            _ = try engine.run("diff #3 #1")
        }
        _ = try engine.run("diff #0 #2")
    }

    /// A word is read as a decimal number: Swift's own parsing would take 0x10 as 16.
    @Test(arguments: ["0x10", "0x1p4", "0X1P-2", "-0x10"])
    func aWordThatIsNotADecimalNumberIsRefused(_ word: String) throws {
        #expect(throws: LedgerError.data(#"chip.model.defined: field "bf16_tflops" must be a number, got "\#(word)""#)) {
            _ = try d("chip.model.defined model=m vendor=V bf16_tflops=\(word) fp8_tflops=1")
        }
    }

    @Test func decimalWordsStillRead() throws {
        for (word, value) in [("16", 16.0), ("1e3", 1000), (".5", 0.5), ("5.", 5), ("+2.5E1", 25)] {
            let draft = try d("chip.model.defined model=m vendor=V bf16_tflops=\(word) fp8_tflops=1")
            guard case .chipModelDefined(_, _, let bf16, _, _, _) = draft.body else { Issue.record("\(draft.body)"); continue }
            #expect(bf16 == value, "\(word)")
        }
    }

    /// A key given twice among very many is still found (one step per key, not a search of all
    /// the keys before it).
    @Test func aKeyGivenTwiceAmongManyIsFound() throws {
        var words = (0..<50_000).map { "k\($0)=1" }
        words.append("k49999=2")
        #expect(throws: LedgerError.data(#"field "k49999" is given twice"#)) { _ = try RawFields.fromWords(words) }
        let line = "{" + (0..<50_000).map { #""k\#($0)":1"# }.joined(separator: ",") + #","k7":2}"#
        #expect(throws: LedgerError.data(#"field "k7" is given twice"#)) { _ = try JSONLine.parse(line) }
    }

    @Test func aTimelineOfTooManyPointsIsRefusedNotCutShort() throws {
        let e = QueryEngine(store: try makeStore(), clock: ManualClock(Timestamp.parse("2026-01-01")!))
        #expect(throws: LedgerError.data("timeline: from=0001-01-01 to=9999-12-31 every=day gives more than 100,000 points, the most a timeline shows; choose a coarser every= or a shorter range")) {
            _ = try e.run("timeline metric=chips every=day from=0001-01-01 to=9999-12-31")
        }
        #expect(try e.run("timeline metric=chips every=month from=2000-01-01 to=2026-01-01").rows.count == 313)
    }

    /// An input that cannot be read is thrown (exit 74), after the lines before it ran.
    @Test func anUnreadableInputIsThrownNotCountedAsALine() throws {
        let out = BufferOutput(), err = BufferOutput()
        let session = Session(engine: QueryEngine(store: InMemoryEventStore()), out: out, err: err)
        #expect(throws: LedgerError.io("cannot read \(dir): Is a directory")) {
            _ = try BatchRunner(session: session).run(reader: try LineReader(path: dir))
        }
        #expect(err.text.isEmpty)
    }
}
