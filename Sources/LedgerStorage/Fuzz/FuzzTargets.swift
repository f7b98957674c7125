import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fuzzing targets: each reader of outside input, driven by arbitrary bytes.
///
/// Each function takes one input and returns when the code under test returned a value or
/// threw the error it is meant to throw (`LedgerError`; `FleetCheckpoint.Unusable` for a
/// checkpoint). Anything else — another error, two readers that disagree, a trap — stops the
/// process, which is what a fuzzer reports. `make fuzz` drives them under libFuzzer, and the
/// tests replay every input of `Tests/Fuzz/corpus/<target>/` through them (see
/// `docs/fuzzing.md`).
public enum FuzzTargets {
    /// The targets by name: the corpus folder and the `FUZZ_TARGET` of each.
    public static let all: [(name: String, run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void)] = [
        ("jsonline", jsonLine),
        ("words", words),
        ("record", record),
        ("checkpoint", checkpoint),
        ("query", query),
    ]

    /// The target named `name`, or nil.
    public static func named(_ name: String) -> (@Sendable (UnsafeBufferPointer<UInt8>) -> Void)? {
        all.first { $0.name == name }?.run
    }

    /// Stops the process: a finding. The input is what the fuzzer saves.
    static func finding(_ target: String, _ what: String) -> Never {
        fatalError("fuzz target \(target): \(what)")
    }

    // MARK: jsonline

    /// Each line of the input (split at line feeds) through the import's fast scanner and the
    /// general reader (`JSONLine` then `EventDraftDecoder`): the scanner either leaves the line
    /// (nil) or gives exactly the general reader's draft. One scanner reads all the lines, as
    /// the import's reader does, so what it remembers from one line to the next is tried too.
    public static func jsonLine(_ data: UnsafeBufferPointer<UInt8>) {
        let scanner = DraftScanner()
        var start = 0
        var number = 1
        while start <= data.count {
            var end = start
            while end < data.count, data[end] != 0x0A { end += 1 }
            let line = UnsafeBufferPointer(rebasing: data[start..<end])
            let fast = scanner.draft(line, line: number)
            let general: Result<EventDraft, LedgerError>
            do {
                general = .success(try EventDraftDecoder.decode(try JSONLine.parse(line), line: number))
            } catch let e as LedgerError {
                general = .failure(e)
            } catch {
                finding("jsonline", "line \(number): \(type(of: error)) thrown, not a LedgerError: \(error)")
            }
            if let fast {
                switch general {
                case .success(let d) where d != fast:
                    finding("jsonline", "line \(number): the scanner gives \(fast), the decoder \(d)")
                case .failure(let e):
                    finding("jsonline", "line \(number): the scanner takes a line the decoder refuses (\(e.message))")
                default:
                    break
                }
            }
            start = end + 1
            number += 1
        }
    }

    // MARK: words

    /// The input as one command line (invalid UTF-8 repaired, as `CommandLine.arguments` does):
    /// split into words as the console and `capacity query` split them, then read as
    /// `append TYPE key=value …` reads them (the first word the type, the others the fields).
    public static func words(_ data: UnsafeBufferPointer<UInt8>) {
        let line = String(decoding: data, as: UTF8.self)
        _ = QueryWords.split(line)
        do {
            let words = try QueryWords.splitChecked(line)
            guard let type = words.first else { return }
            var fields = try RawFields.fromWords(words.dropFirst())
            fields.pairs.insert(("type", .word(type)), at: 0)
            let draft = try EventDraftDecoder.decode(fields)
            // A draft's text as a JSON line reads back as the same draft.
            if let again = try? EventDraftDecoder.decode(try JSONLine.parse(json(draft))), again != draft {
                finding("words", "the draft \(draft) reads back from JSON as \(again)")
            }
        } catch is LedgerError {
        } catch {
            finding("words", "\(type(of: error)) thrown, not a LedgerError: \(error)")
        }
    }

    /// A draft as a JSON line of its fields, written as `EventJSON` writes an event's.
    static func json(_ d: EventDraft) -> String {
        var w = JSONWriter()
        w.string("type", d.body.type.rawValue)
        w.string("effective", d.effective?.shortString)
        EventJSON.fields(d.body, into: &w)
        w.string("note", d.note)
        w.string("source", d.source)
        w.int("seq", d.seq.map(Int64.init))
        w.string("recorded", d.recorded?.iso8601)
        w.string("hash", d.hash)
        return w.finished()
    }

    // MARK: record

    /// The bytes after a valid ledger header. The first byte chooses what is mended before
    /// reading, so that the readers past the checks are reached: bit 0, each frame's CRC is
    /// made right; bit 1 (with bit 0), each commit and mark frame's hash is made the chain's.
    /// Then the log is scanned as a reader opens it (every event built and written as JSON),
    /// and verified as `capacity verify` does (frames, chain, every rule).
    public static func record(_ data: UnsafeBufferPointer<UInt8>) {
        guard let flags = data.first else { return }
        var body = Array(data.dropFirst())
        if flags & 1 != 0 { mendFrames(&body, chain: flags & 2 != 0) }
        let file = LogHeader.make(created: Timestamp(micros: 0)) + body
        file.withUnsafeBytes { buf in
            var state = CodecState.readOnly()
            do {
                let scan = try LogScanner.scan(UnsafeRawBufferPointer(rebasing: buf[LogHeader.size...]), base: LogHeader.size, from: 0,
                                               firstSeq: 1, head: .genesis, state: &state)
                for e in EventList(storage: scan.events, names: state.strings, firstSeq: 1) { _ = EventJSON.line(e) }
                var ledger = Ledger()
                try ledger.absorb(scan.events, head: scan.head)
                _ = ledger.effectiveOrder()
            } catch is LedgerError {
            } catch {
                finding("record", "scanning: \(type(of: error)) thrown, not a LedgerError: \(error)")
            }
            do {
                _ = try LedgerVerifier.verify(buf, path: "fuzz.ledger")
            } catch is LedgerError {
            } catch {
                finding("record", "verifying: \(type(of: error)) thrown, not a LedgerError: \(error)")
            }
        }
    }

    /// Makes each whole frame's CRC right and, with `chain`, each commit or mark frame's hash
    /// the hash chain's at that point (a payload of kind, seq and 32 bytes only).
    static func mendFrames(_ body: inout [UInt8], chain: Bool) {
        var head = ChainHash.genesis
        var pos = 0
        while pos < body.count {
            let frameStart = pos
            let (len, lenEnd): (UInt64?, Int) = body.withUnsafeBytes { raw in
                var r = ByteReader(raw, from: pos, to: raw.count)
                return (r.varint(), r.at)
            }
            guard let len, len >= 1, len <= UInt64(LogScanner.maxPayload), lenEnd + 4 + Int(len) <= body.count else { return }
            let payload = lenEnd + 4, end = payload + Int(len)
            let kind = body[payload]
            if chain, kind == Frame.commitKind || kind == Frame.markKind {
                let seqLength: Int? = body.withUnsafeBytes { raw in
                    var r = ByteReader(raw, from: payload + 1, to: end)
                    guard r.varint() != nil else { return nil }
                    return r.at - payload - 1
                }
                if let seqLength, 1 + seqLength + 32 == Int(len) {
                    body.replaceSubrange((end - 32)..<end, with: head.bytes)
                }
            }
            let crc = body.withUnsafeBytes { Frame.crc(UnsafeRawBufferPointer(rebasing: $0[payload..<end])) }
            withUnsafeBytes(of: crc.littleEndian) { body.replaceSubrange(lenEnd..<payload, with: $0) }
            if kind != Frame.commitKind, kind != Frame.markKind, kind != Frame.signatureKind {
                head = body.withUnsafeBytes { head.chained(with: UnsafeRawBufferPointer(rebasing: $0[frameStart..<end])) }
            }
            pos = end
        }
    }

    // MARK: checkpoint

    /// A checkpoint file for the fixed ledger of `CheckpointFixture`, after a first byte that
    /// chooses what is mended (bit 0: every CRC is made right, so that the reading behind the
    /// checks is reached). Opened as
    /// a query opens it (then its strings, rack marks and totals read, and queries answered from
    /// it and the log's tail) and as a writer opens it (then one batch checked against it).
    /// Opening and the figures may throw only `Unusable` (the caller then reads the log; a query
    /// may also refuse its question with a `.data` error), the writer's batch also
    /// `NeedsFullLog` and the rules' `LedgerError`.
    public static func checkpoint(_ data: UnsafeBufferPointer<UInt8>) {
        guard let flags = data.first else { return }
        var bytes = Array(data.dropFirst())
        if flags & 1 != 0 { CheckpointFixture.mend(&bytes) }
        let fixture = CheckpointFixture.shared
        fixture.writeCheckpoint(bytes)
        let reader: CheckpointReader
        do {
            reader = try CheckpointReader(path: fixture.checkpointPath)
        } catch is FleetCheckpoint.Unusable {
            return
        } catch {
            finding("checkpoint", "opening: \(type(of: error)) thrown, not Unusable: \(error)")
        }
        for id in 0..<min(reader.stringsCount, 256) {
            if let s = reader.string(id) { _ = reader.number(of: s) }
            _ = reader.rackMark(id)
        }
        _ = reader.number(of: "site-a")
        for t in [Int64.min, 0, fixture.now.micros, Int64.max] + reader.blocks.prefix(8).map(\.first) {
            do { _ = try reader.totals(at: t) } catch is FleetCheckpoint.Unusable {} catch {
                finding("checkpoint", "totals: \(type(of: error)) thrown, not Unusable: \(error)")
            }
        }
        // Questions answered from the checkpoint and the log's tail, as `capacity query` asks
        // them before it reads the log.
        let engine = QueryEngine(store: InMemoryEventStore(name: "checkpoint"), clock: ManualClock(fixture.now))
        engine.figuresSource = { p in try FleetCheckpoint.figures(ledgerPath: fixture.ledgerPath, point: p, now: fixture.now) }
        for line in ["fleet", "capacity by=fleet precision=fp8", "diff 2024-06-30 now", "train params=1T tokens=10T"] {
            do {
                _ = Renderer.render(try engine.run(line), as: .table)
            } catch is FleetCheckpoint.Unusable {
            } catch let e as LedgerError where e.kind == .data {
            } catch {
                finding("checkpoint", "\(line): \(type(of: error)) thrown, not Unusable: \(error)")
            }
        }
        fixture.writerBatch()
    }

    // MARK: query

    /// The input as one line of the query language, parsed, then run on a small ledger in
    /// memory twice, from the fleet index and by a full fold (which must give the same
    /// answer), and the answer rendered in every format.
    public static func query(_ data: UnsafeBufferPointer<UInt8>) {
        let line = String(decoding: data, as: UTF8.self)
        let fixture = QueryFixture.shared
        do {
            let q = try Query.parse(line)
            // A timeline of up to a million points is what the command allows, and takes longer
            // than an input should here: the wide ones are parsed only.
            if case .timeline(let t) = q.command, fixture.timelinePoints(t, at: q.point.at) > 20_000 { return }
        } catch is LedgerError {
            return
        } catch {
            finding("query", "parsing: \(type(of: error)) thrown, not a LedgerError: \(error)")
        }
        var answers: [String] = []
        for useIndex in [true, false] {
            let engine = QueryEngine(store: fixture.store.copy(), clock: fixture.clock)
            engine.useIndex = useIndex
            do {
                let out = try engine.run(line)
                answers.append(Renderer.render(out, as: .json))
                if out.rows.count <= 10_000 {
                    for format in OutputFormat.allCases where format != .json { _ = Renderer.render(out, as: format) }
                }
            } catch let e as LedgerError {
                answers.append("error: \(e.message)")
            } catch {
                finding("query", "running: \(type(of: error)) thrown, not a LedgerError: \(error)")
            }
        }
        if answers[0] != answers[1] {
            finding("query", "the index answers\n\(answers[0])\nthe full fold\n\(answers[1])")
        }
    }
}

/// The small ledger in memory the query target asks (built once per process, the same every
/// time: a generated history recorded at fixed times).
final class QueryFixture: @unchecked Sendable {
    static let shared = QueryFixture()
    let clock = ManualClock(Timestamp.parse("2026-03-01")!)
    let store: InMemoryEventStore

    init() {
        store = InMemoryEventStore(name: "fuzz", clock: clock)
        var drafts: [EventDraft] = []
        HistoryGenerator(count: 120, seed: 5).generate { line in
            drafts.append(try! EventDraftDecoder.decode(try! JSONLine.parse(line)))
        }
        try! store.append(drafts)
        clock.advance(seconds: 86_400)
        try! store.append(FuzzFixtures.laterDrafts(after: store.ledger.count))
    }

    /// About how many points the timeline `q` asks for at most: the days between the earliest
    /// and the latest of its times, the ledger's first event and now, over its spacing.
    func timelinePoints(_ q: TimelineQuery, at: PointInTime.At?) -> Int64 {
        var times = [Timestamp.parse("2023-01-01")!, clock.now()]
        for case .time(let t)? in [q.from, q.to] { times.append(t) }
        if case .time(let t)? = at { times.append(t) }
        let days = (times.max()!.micros - times.min()!.micros) / Timestamp.microsPerDay
        switch q.every {
        case .day: return days
        case .week: return days / 7
        case .month: return days / 28
        case .quarter: return days / 90
        case .year: return days / 365
        }
    }
}

/// What both fixtures add after the generated history: a batch recorded later, with notes,
/// sources, a void and a backdated delivery.
enum FuzzFixtures {
    /// For a ledger of `count` events; the void takes back the batch's first event.
    static func laterDrafts(after count: Int) -> [EventDraft] {
        [#"{"type":"chips.delivered","site":"site-a","model":"b200","quantity":640,"effective":"2025-11-02","note":"late\tdelivery","source":"ops"}"#,
         #"{"type":"power.allocated","site":"site-b","mw":2.5,"effective":"2025-11-03"}"#,
         #"{"type":"investment.committed","investor":"amazon","recipient":"anthropic","usd":1000000,"instrument":"note","effective":"2025-11-04"}"#,
         #"{"type":"event.voided","target":\#(count + 1),"reason":"keyed twice"}"#,
         #"{"type":"chips.delivered","site":"site-c","model":"tpu-v7","quantity":64,"effective":"2024-06-01"}"#]
            .map { try! EventDraftDecoder.decode(try! JSONLine.parse($0)) }
    }
}

/// The ledger file the checkpoint target's inputs are checkpoints of, in a folder of its own
/// made once per process (and removed at exit): a generated history in one batch, a second
/// batch after it. `seeds` are checkpoints the tool writes for it, tied to either batch.
public final class CheckpointFixture: @unchecked Sendable {
    public static let shared = CheckpointFixture()
    public let folder: String
    public let ledgerPath: String
    public var checkpointPath: String { FleetCheckpoint.path(forLedger: ledgerPath) }
    let now = Timestamp.parse("2026-03-02")!
    /// The checkpoints written while the ledger was made, tied to the first batch and to the
    /// second, with small and default blocks.
    public private(set) var seeds: [[UInt8]] = []

    init() {
        var template = Array("/tmp/capacity-fuzz-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("cannot make a folder under /tmp for the checkpoint fixture")
        }
        folder = String(cString: made)
        ledgerPath = folder + "/fuzz.ledger"
        Self.removeAtExit = folder
        atexit {
            guard let folder = CheckpointFixture.removeAtExit else { return }
            for name in ["fuzz.ledger", "fuzz.ledger.ckpt"] { unlink(folder + "/" + name) }
            rmdir(folder)
        }
        let clock = ManualClock(Timestamp.parse("2026-03-01")!)
        let store = try! FileEventStore(path: ledgerPath, create: true, clock: clock)
        var drafts: [EventDraft] = []
        HistoryGenerator(count: 80, seed: 7).generate { line in
            drafts.append(try! EventDraftDecoder.decode(try! JSONLine.parse(line)))
        }
        try! store.append(drafts)
        for blockSize in [16, FleetCheckpoint.defaultBlockSize] {
            try! store.writeCheckpoint(blockSize: blockSize)
            seeds.append(readCheckpoint())
        }
        clock.advance(seconds: 86_400)
        try! store.append(FuzzFixtures.laterDrafts(after: store.ledger.count))
        for blockSize in [8, 4] {
            try! store.writeCheckpoint(blockSize: blockSize)
            seeds.append(readCheckpoint())
        }
    }

    nonisolated(unsafe) static var removeAtExit: String?

    func readCheckpoint() -> [UInt8] {
        let fd = open(checkpointPath, O_RDONLY)
        precondition(fd >= 0)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    func writeCheckpoint(_ bytes: [UInt8]) {
        let fd = open(checkpointPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write \(checkpointPath)")
        defer { close(fd) }
        try! SystemCall.writeAll(fd, bytes, at: 0, path: checkpointPath)
    }

    /// A writer opened from the checkpoint (as `append` opens one) checks a batch that reads
    /// the rule state it keeps: timelines, a rack's last mark, a void, a definition.
    func writerBatch() {
        let fd = open(ledgerPath, O_RDONLY)
        precondition(fd >= 0)
        defer { close(fd) }
        let drafts = [#"{"type":"chips.delivered","site":"site-a","model":"b200","quantity":64,"effective":"2025-12-01"}"#,
                      #"{"type":"rack.installed","site":"site-a","rack":"r-fuzz","model":"b200","chips":64,"kw":45,"effective":"2025-12-02"}"#,
                      #"{"type":"rack.retired","site":"site-b","rack":"r-00007","effective":"2025-12-03"}"#,
                      #"{"type":"power.released","site":"site-a","mw":1,"effective":"2025-12-04"}"#,
                      #"{"type":"event.voided","target":3,"reason":"fuzz"}"#]
            .map { try! EventDraftDecoder.decode(try! JSONLine.parse($0)) }
        do {
            let base = try WriterBase(ledgerPath: ledgerPath, fd: fd)
            var ledger = try base.ledger()
            for d in drafts { _ = try? ledger.append([d], now: now) }
            _ = try ledger.append(drafts, now: now)
        } catch is FleetCheckpoint.Unusable {
        } catch is NeedsFullLog {
        } catch is LedgerError {
        } catch {
            FuzzTargets.finding("checkpoint", "writer: \(type(of: error)) thrown: \(error)")
        }
    }

    /// Makes the CRCs of a checkpoint right where its header says they are: the lookup area's
    /// chunks (listed at the end of the metadata), the writer's directory, the blocks of
    /// records, the metadata, the header. Lengths out of range are left as they are (the reader refuses them).
    static func mend(_ b: inout [UInt8]) {
        let headerSize = FleetCheckpoint.headerSize
        guard b.count >= headerSize else { return }
        func u64(_ at: Int) -> Int? {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[at + k]) << (8 * k) }
            return v <= UInt64(b.count) ? Int(v) : nil
        }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
        func put(_ v: UInt32, at: Int) { withUnsafeBytes(of: v.littleEndian) { b.replaceSubrange(at..<(at + 4), with: $0) } }
        func crc(_ from: Int, _ to: Int) -> UInt32 { b.withUnsafeBytes { Frame.crc(UnsafeRawBufferPointer(rebasing: $0[from..<to])) } }
        if let metaLength = u64(72), let blobLength = u64(84), let writerLength = u64(96) {
            let strings = u32(80), slots = u32(92)
            let metaEnd = headerSize + metaLength, writerAt = metaEnd, areaAt = writerAt + writerLength
            let blocksAt = areaAt + (strings + 1) * 8 + blobLength + slots * 4 + strings * 4
            if blocksAt <= b.count, metaEnd <= b.count {
                let chunks = (blocksAt - areaAt + FleetCheckpoint.chunkSize - 1) / FleetCheckpoint.chunkSize
                if chunks * 4 <= metaLength {
                    for c in 0..<chunks {
                        let at = areaAt + c * FleetCheckpoint.chunkSize
                        put(crc(at, min(at + FleetCheckpoint.chunkSize, blocksAt)), at: metaEnd - chunks * 4 + c * 4)
                    }
                }
            }
            if writerLength >= 8, writerAt + 8 <= b.count, let directory = u64(writerAt), writerAt + 8 + directory <= b.count {
                put(crc(writerAt, writerAt + 8 + directory), at: 104)
            }
            if metaEnd <= b.count, blocksAt <= b.count {
                for block in blockCRCs(b, metaEnd: metaEnd, blocksAt: blocksAt) { put(crc(block.from, block.to), at: block.at) }
            }
            if metaEnd <= b.count { put(crc(headerSize, metaEnd), at: 12) }
        }
        put(crc(0, headerSize - 4), at: headerSize - 4)
    }

    /// Where each block's CRC is in the metadata (after the keys, the definitions, the times
    /// and the counts), with the bytes of the block's records; as far as the metadata reads.
    static func blockCRCs(_ b: [UInt8], metaEnd: Int, blocksAt: Int) -> [(at: Int, from: Int, to: Int)] {
        b.withUnsafeBytes { raw in
            var r = ByteReader(raw, from: FleetCheckpoint.headerSize, to: metaEnd)
            var out: [(at: Int, from: Int, to: Int)] = []
            guard let nk = r.varint(), nk <= UInt64(r.remaining) else { return out }
            for _ in 0..<nk { guard let n = r.varint(), r.bytes(Int(clamping: n)) != nil else { return out } }
            guard let nd = r.varint(), nd <= UInt64(r.remaining) else { return out }
            for _ in 0..<nd { guard r.varint() != nil, let n = r.varint(), r.bytes(Int(clamping: n)) != nil else { return out } }
            guard r.zigzag() != nil, r.zigzag() != nil, r.varint() != nil, r.varint() != nil, r.varint() != nil,
                  let rc = r.varint(), let bc = r.varint(), let bs = r.varint(), bs > 0, bc <= UInt64(r.remaining) else { return out }
            let records = min(rc, UInt64((raw.count - blocksAt) / FleetCheckpoint.recordSize))
            for i in 0..<UInt64(bc) {
                guard r.bytes(8 + Int(nk) * 32) != nil else { return out }
                let at = r.at
                guard r.u32() != nil else { return out }
                let (first, overflow) = i.multipliedReportingOverflow(by: bs)
                guard !overflow, first < records else { continue }
                let end = min(records, first + min(bs, records))
                out.append((at, blocksAt + Int(first) * FleetCheckpoint.recordSize, blocksAt + Int(end) * FleetCheckpoint.recordSize))
            }
            return out
        }
    }
}
