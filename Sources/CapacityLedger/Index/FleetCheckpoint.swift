import CCapacitySupport
/// The checkpoint file beside a ledger (`NAME.ledger.ckpt`): projection totals saved at regular
/// intervals along the effective timeline, an effective-time index of every event's effect, and
/// what is needed to read the log's tail — so a new process answers `fleet`, `power`,
/// `capacity`, `investments` and `train` without replaying the log.
///
/// Layout (little-endian): a 128-byte header (magic `CAPLCKP1`, version, the tie to the log: seq,
/// byte range and hash of the commit record it was built at), a metadata section (keys,
/// definitions, the log's codec state, the writers' amount totals, one checkpoint of totals per
/// block) with its CRC-32C, the writer section, the lookup area (the log's string table and its
/// hash table, each rack name's last mark), then blocks of fixed 32-byte effect records in
/// effective order, each block with its own CRC (`docs/log-format.md` has every field). Nothing in it is trusted blindly: the header and metadata CRCs, the tie to the
/// log and each block's CRC are checked before use, and any failure means "not usable" — the
/// caller replays the log instead and writes a new checkpoint.
public enum FleetCheckpoint {
    package static let magic: [UInt8] = Array("CAPLCKP1".utf8)
    public static let version: UInt32 = 3
    package static let headerSize = 128
    /// The last rack mark of a rack name used at more than one site: a writer reads such a
    /// rack's marks from the log (`WriterBase`).
    package static let rackAtSeveralSites = UInt32.max

    /// The lookup area is checked in chunks of this many bytes, each when first read.
    package static let chunkSize = 65_536
    package static let recordSize = 32
    /// Effect records per block: one saved checkpoint of totals per block (stored in the file).
    public static let defaultBlockSize = 65_536

    public static func path(forLedger ledger: String) -> String { ledger + ".ckpt" }

    // The keys of the totals, as stored: a kind letter, then the ids, NUL-separated.
    package static func chipsKey(_ site: String, _ model: String) -> String { "f\u{0}\(site)\u{0}\(model)" }
    package static func powerKey(_ site: String) -> String { "s\u{0}\(site)" }
    static func usdKey(_ investor: String, _ recipient: String) -> String { "u\u{0}\(investor)\u{0}\(recipient)" }

    /// Why a checkpoint could not be used (shown by `--verbose` callers and in tests).
    /// Why the checkpoint was not used for a question: `reason` in words, and whether the file
    /// is fine but this question needs the log (`needsTheLog`: an earlier `known=`, `at=#N`,
    /// first fit), so that a caller rebuilds the file only when it is missing, stale or damaged.
    public struct Unusable: Error, Equatable {
        public var reason: String
        public var needsTheLog = false
        public init(reason: String, needsTheLog: Bool = false) {
            self.reason = reason
            self.needsTheLog = needsTheLog
        }
    }

    /// A record's kind: the effect it holds (`FleetEffect`), by the number the file keeps.
    package enum Kind: UInt8 { case delivered = 0, installed, retired, allocated, usd }

    /// Adds what `effect` changes to the totals of the key whose four start at `i`, as the
    /// writer added them, with every sum checked: false when one overflows (only a damaged
    /// record's amounts can). The checkpoint reader (in the storage target) calls it for every
    /// record of a block; it lives here, compiled for packed names, because a generic
    /// `forEachDelta` called across modules is not specialized and looked up its pairs' tuple
    /// type each time (a new process's `fleet` took three times as long).
    package static func add(_ effect: FleetEffect<UInt32>, into t: inout [Int64], at i: Int) -> Bool {
        var inRange = true
        effect.forEachDelta { total, delta in
            let k = i + slot(total)
            let (sum, overflow) = t[k].addingReportingOverflow(delta)
            t[k] = sum
            inRange = inRange && !overflow
        }
        return inRange
    }

    /// Where a key keeps a total among its four (the file's layout): delivered chips, allocated
    /// watts or dollars (by the key's kind); installed chips; retired chips; active watts.
    @inline(__always)
    package static func slot<Name: Hashable>(_ total: FleetTotal<Name>) -> Int {
        switch total {
        case .delivered, .allocated, .usd: 0
        case .installed: 1
        case .retired: 2
        case .activeWatts: 3
        }
    }

    // MARK: writing

    /// One 32-byte effect record: one effect of one event (`FleetEffect`), on its key's totals.
    package struct Record {
        var time: Int64
        var seq: UInt32
        var key: UInt32
        var kind: Kind
        var a: Int64
        var b: Int64

        /// The record of `effect`, on key number `key`: its kind, and its amounts in `a` (chips,
        /// watts or dollars) and `b` (a rack's watts).
        init(_ effect: FleetEffect<UInt32>, time: Int64, seq: UInt32, key: UInt32) {
            (self.time, self.seq, self.key) = (time, seq, key)
            switch effect {
            case .delivered(_, _, let chips): (kind, a, b) = (.delivered, chips, 0)
            case .installed(_, _, _, let chips, let watts): (kind, a, b) = (.installed, chips, watts)
            case .retired(_, _, _, let chips, let watts): (kind, a, b) = (.retired, chips, watts)
            case .allocated(_, let watts): (kind, a, b) = (.allocated, watts, 0)
            case .usd(_, _, let usd): (kind, a, b) = (.usd, usd, 0)
            }
        }

        /// The effect a record of `kind` with amounts `a` and `b` holds, its names all 0 (the
        /// file keeps the totals by key), or nil when it cannot hold it: a retirement's amounts
        /// of `Int64.min` (only a damaged record has them) have no negative.
        package static func effect(kind: Kind, a: Int64, b: Int64) -> FleetEffect<UInt32>? {
            switch kind {
            case .delivered: return .delivered(site: 0, model: 0, chips: a)
            case .installed: return .installed(site: 0, rack: 0, model: 0, chips: a, watts: b)
            case .retired: return a == .min || b == .min ? nil : .retired(site: 0, rack: 0, model: 0, chips: a, watts: b)
            case .allocated: return .allocated(site: 0, watts: a)
            case .usd: return .usd(investor: 0, recipient: 0, usd: a)
            }
        }

        /// The record's bytes, little-endian: a tuple is laid out in order with natural
        /// alignment (8 + 4 + 4 + 8 + 8, no padding).
        func write(to w: inout ByteWriter) {
            w.append(fixed: (time.littleEndian, seq.littleEndian, (key | UInt32(kind.rawValue) << 28).littleEndian, a.littleEndian, b.littleEndian))
        }
    }

    /// Lays out the checkpoint for `ledger` (whose log's codec state is `codec`, tied to the
    /// commit record at `tie`) and hands every byte of it to `sink`, each piece at its offset
    /// in the file. Reads no file and writes none of its own: `write` gives it the file,
    /// `bytes` an array.
    ///
    /// The bytes go out as they are worked out, never held whole: one pass over the events in
    /// effective order numbers the keys and works out the totals before each block, the blocks'
    /// CRCs and the writer's timelines; the lookup area goes to its place a chunk at a time,
    /// each chunk's CRC noted; then the metadata and header; then a second pass gives the
    /// effect records block by block. (Built in memory, a checkpoint of ten million events took
    /// about a gigabyte beside the ledger.) Throws what `sink` throws, at once.
    package static func layout(ledger: Ledger, codec: CodecState, tie: (seq: Int, commitStart: Int, commitEnd: Int),
                       blockSize: Int = defaultBlockSize, into sink: some CheckpointSink) throws {
        guard !ledger.isPartial, codec.strings.baseCount == 0 else { throw LedgerError(.checkpointOfPart) }
        var keys: [String] = []       // see `chipsKey`, `powerKey`, `usdKey`
        var keyIndex: [String: UInt32] = [:]
        func key(_ k: String) -> UInt32 {
            if let i = keyIndex[k] { return i }
            keyIndex[k] = UInt32(keys.count)
            keys.append(k)
            return UInt32(keys.count - 1)
        }
        // The key of a (site, model), site or (investor, recipient), remembered per pair of name
        // numbers so that its text is built once.
        var known = [NumberMap<UInt32>](repeating: NumberMap(), count: 3)  // chips, power, usd
        func key(_ kind: Int, _ a: UInt32, _ b: UInt32, _ text: () -> String) -> UInt32 {
            let k = NumberMap<UInt32>.pair(a, b)
            if let i = known[kind].index(of: k) { return known[kind].values[i] }
            let n = key(text())
            known[kind][k, default: n] = n
            return n
        }
        let strings = codec.strings.texts
        let name = { (n: UInt32) in strings[Int(n)] }
        let order = ledger.effectiveOrder()
        let voided = ledger.voidedMask(through: ledger.count)
        let retiring = ledger.retiredRackNumbers(order: order, voided: voided)  // see `RackInstalls`
        let stored = ledger.stored

        /// The key an effect's totals are kept under, numbered when new.
        func key(of effect: FleetEffect<UInt32>) -> UInt32 {
            switch effect {
            case .delivered(let site, let model, _), .installed(let site, _, let model, _, _), .retired(let site, _, let model, _, _):
                key(0, site, model) { chipsKey(name(site), name(model)) }
            case .allocated(let site, _):
                key(1, site, 0) { powerKey(name(site)) }
            case .usd(let investor, let recipient, _):
                key(2, investor, recipient) { usdKey(name(investor), name(recipient)) }
            }
        }

        /// The records of event `seq`, one per effect (`FleetEffect`), each with its effect.
        /// (Inlined: each pass's body is then inlined into it, not called through a closure.)
        @inline(__always)
        func forEachRecord(_ seq: Int, _ body: (Record, FleetEffect<UInt32>) throws -> Void) rethrows {
            guard !voided[seq] else { return }
            let p = stored[seq - 1]
            try p.forEachEffect(retiring: { retiring[seq] }) { effect in
                try body(Record(effect, time: p.effective, seq: UInt32(seq), key: key(of: effect)), effect)
            }
        }

        // The writer's window starts a set time before the earlier of the last record and the
        // last recording (the records come in effective order: the last is the latest).
        var lastTime: Int64 = 0
        for s in order.reversed() {
            let seq = Int(s)
            guard !voided[seq] else { continue }
            let p = stored[seq - 1]
            var makesRecords = false
            p.forEachEffect(retiring: { retiring[seq] }) { _ in makesRecords = true }
            guard makesRecords else { continue }
            lastTime = p.effective
            break
        }
        let cut = min(lastTime, codec.times.recorded) - writerWindowSeconds * 1_000_000

        // The first pass: keys, definitions, the writers' amount totals, each rack name's last
        // mark, each block's first time, totals before it and CRC, and the writer's timelines.
        let table = StringTable.slots(for: strings)
        var rackLast = [UInt32](repeating: 0, count: strings.count)  // per string number: see `WriterBase`
        var rackSite = [UInt32](repeating: 0, count: strings.count)
        func markRack(_ s: UInt32, _ r: Int, _ seq: Int) {
            if rackLast[r] == 0 || (rackLast[r] != rackAtSeveralSites && rackSite[r] == s) {
                rackLast[r] = UInt32(seq)
                rackSite[r] = s
            } else {
                rackLast[r] = rackAtSeveralSites
            }
        }
        var definitions: [Event] = []
        let events = ledger.events
        var amounts = AmountTotals()  // for writers: see `AmountTotals`
        var totals: [Int64] = []
        var blocks: [(first: Int64, totals: [Int64], crc: UInt32)] = []
        var recordCount = 0
        var bytes = ByteWriter()  // one record's bytes, for the block's CRC
        var lines = WriterLines(cut: cut)
        for s in order {
            let seq = Int(s)
            let p = stored[seq - 1]
            amounts.absorb(p)  // voided or not
            if !voided[seq] {
                switch p.code {
                // Sites' changes and closures ride with the definitions (the figures and a writer's
                // rules need the caps and closures in force at any time), and so do key events (a
                // writer from the checkpoint needs the keys).
                case _ where PackedEvent.isDefinition(p.code) || PackedEvent.isKeyEvent(p.code):
                    definitions.append(events[seq - 1])
                case PackedEvent.rackInstalled, PackedEvent.rackRetired: markRack(p.site, Int(p.rack), seq)
                default: break
                }
            }
            forEachRecord(seq) { r, effect in
                if totals.count < keys.count * 4 { totals.append(contentsOf: repeatElement(0, count: keys.count * 4 - totals.count)) }
                if recordCount % blockSize == 0 { blocks.append((r.time, totals, 0)) }
                bytes.bytes.removeAll(keepingCapacity: true)
                r.write(to: &bytes)
                blocks[blocks.count - 1].crc = bytes.bytes.withUnsafeBytes { ccapCRC(blocks[blocks.count - 1].crc, $0) }
                effect.forEachDelta { total, delta in totals[Int(r.key) * 4 + slot(total)] += delta }
                lines.add(r, effect)
                recordCount += 1
            }
        }
        var blockMeta = ByteWriter()
        for b in blocks {
            blockMeta.u64(UInt64(bitPattern: b.first))
            for v in b.totals { blockMeta.u64(UInt64(bitPattern: v)) }
            for _ in b.totals.count..<(keys.count * 4) { blockMeta.u64(0) }  // keys first seen after the block began
            blockMeta.u32(b.crc)
        }
        let writer = writerSection(ledger: ledger, codec: codec, keyCount: keys.count, lines: lines)

        // The metadata, with room for the lookup area's chunk CRCs, filled in once it is written.
        var blobLength = 0
        for s in strings { blobLength += s.utf8.count }
        let areaLength = (strings.count + 1) * 8 + blobLength + (table.count + rackLast.count) * 4
        let chunkCount = (areaLength + chunkSize - 1) / chunkSize
        var meta = ByteWriter()
        meta.varint(UInt64(keys.count))
        for k in keys { writeString(k, &meta) }
        meta.varint(UInt64(definitions.count))
        for e in definitions { meta.varint(UInt64(e.seq)); writeString(EventJSON.line(e), &meta) }
        meta.zigzag(codec.times.recorded)
        meta.zigzag(codec.times.effectiveSeconds)
        meta.varint(amounts.chips); meta.varint(amounts.watts); meta.varint(amounts.usd)
        meta.varint(UInt64(recordCount))
        meta.varint(UInt64(blocks.count))
        meta.varint(UInt64(blockSize))
        meta.append(blockMeta.bytes)
        meta.varint(UInt64(chunkCount))
        let chunkCRCsAt = meta.bytes.count
        meta.append(repeatElement(UInt8(0), count: chunkCount * 4))

        let areaAt = headerSize + meta.bytes.count + writer.bytes.count

        // The lookup area, checked in chunks: the log's string table (offsets, then bytes), the
        // string hash table, the last rack mark per string number.
        var area = ChunkWriter(sink: sink, at: areaAt, chunkSize: chunkSize)
        var offset: UInt64 = 0
        for s in strings {
            try area.add(fixed: offset.littleEndian)
            offset += UInt64(s.utf8.count)
        }
        try area.add(fixed: offset.littleEndian)
        for s in strings {
            var copy = s
            try copy.withUTF8 { try area.add(UnsafeRawBufferPointer($0)) }
        }
        try table.withUnsafeBytes { try area.add($0) }
        try rackLast.withUnsafeBytes { try area.add($0) }
        try area.finish()
        precondition(area.crcs.count == chunkCount && area.written == areaLength, "checkpoint lookup area of an unexpected size")
        for (i, c) in area.crcs.enumerated() {
            withUnsafeBytes(of: c.littleEndian) { meta.bytes.replaceSubrange((chunkCRCsAt + i * 4)..<(chunkCRCsAt + i * 4 + 4), with: $0) }
        }
        let metaCRC = meta.bytes.withUnsafeBytes { Frame.crc($0) }

        var header = ByteWriter()
        header.append(magic)
        header.u32(version)
        header.u32(metaCRC)
        header.u64(UInt64(tie.seq)); header.u64(UInt64(tie.commitStart)); header.u64(UInt64(tie.commitEnd))
        header.append(ledger.head.bytes)
        header.u64(UInt64(meta.bytes.count))
        header.u32(UInt32(strings.count))
        header.u64(UInt64(blobLength))
        header.u32(UInt32(table.count))
        header.u64(UInt64(writer.bytes.count))
        header.u32(writer.bytes.withUnsafeBytes { Frame.crc(UnsafeRawBufferPointer(rebasing: $0[0..<writer.directoryEnd])) })
        while header.bytes.count < headerSize - 4 { header.byte(0) }
        header.u32(header.bytes.withUnsafeBytes { Frame.crc($0) })
        try sink.write(header.bytes, at: 0)
        try sink.write(meta.bytes, at: headerSize)
        try sink.write(writer.bytes, at: headerSize + meta.bytes.count)

        // The second pass: the effect records, in the order and with the keys of the first.
        var out = ByteWriter()
        out.bytes.reserveCapacity(1 << 22)
        var at = areaAt + areaLength
        for s in order {
            try forEachRecord(Int(s)) { r, _ in
                r.write(to: &out)
                if out.bytes.count >= 1 << 22 {
                    try sink.write(out.bytes, at: at)
                    at += out.bytes.count
                    out.bytes.removeAll(keepingCapacity: true)
                }
            }
        }
        try sink.write(out.bytes, at: at)
    }

    /// The checkpoint for `ledger` as `layout` lays it out, in memory.
    static func bytes(ledger: Ledger, codec: CodecState, tie: (seq: Int, commitStart: Int, commitEnd: Int),
                      blockSize: Int = defaultBlockSize) throws -> [UInt8] {
        let buffer = CheckpointBuffer()
        try layout(ledger: ledger, codec: codec, tie: tie, blockSize: blockSize, into: buffer)
        return buffer.bytes
    }

    /// Bytes handed to a sink from an offset on, a chunk at a time, with each chunk's CRC-32C.
    struct ChunkWriter<Sink: CheckpointSink> {
        let sink: Sink
        var at: Int
        let chunkSize: Int
        var buffer: [UInt8] = []
        private(set) var crcs: [UInt32] = []
        private(set) var written = 0

        init(sink: Sink, at: Int, chunkSize: Int) {
            self.sink = sink
            self.at = at
            self.chunkSize = chunkSize
            buffer.reserveCapacity(chunkSize)
        }

        mutating func add<T>(fixed value: T) throws {
            try withUnsafeBytes(of: value) { try add($0) }
        }

        mutating func add(_ bytes: UnsafeRawBufferPointer) throws {
            var from = 0
            while from < bytes.count {
                let n = min(chunkSize - buffer.count, bytes.count - from)
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[from..<(from + n)]))
                from += n
                if buffer.count == chunkSize { try flush() }
            }
        }

        private mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            crcs.append(buffer.withUnsafeBytes { FleetCheckpoint.ccapCRC(0, $0) })
            try sink.write(buffer, at: at)
            at += buffer.count
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }

        /// Hands over what is left.
        mutating func finish() throws {
            try flush()
        }
    }

    /// How far back (in effective time, from the earlier of the last event and the last record)
    /// the checkpoint keeps each undeployed-chips and allocated-power timeline point by point;
    /// a writer checks events after that from the checkpoint, and reads the log for older ones.
    public static let writerWindowSeconds: Int64 = 184 * 86_400

    /// The writer's timelines as the records come: per key, the level, plus and minus before the
    /// window's start (`cut`), and the points from it on.
    struct WriterLines {
        struct Line { var level: Int64 = 0, plus: Int64 = 0, minus: Int64 = 0, points = ByteWriter(), count = 0, used = false }
        let cut: Int64
        var lines: [Line] = []  // by key number

        init(cut: Int64) { self.cut = cut }

        /// Adds record `r` of `effect`. The timelines are the rules': undeployed chips
        /// (delivered − installed − retired) per (site, model), allocated watts per site. A
        /// retirement moves chips from installed to retired and leaves them as they are.
        mutating func add(_ r: Record, _ effect: FleetEffect<UInt32>) {
            var delta: Int64 = 0
            effect.forEachDelta { total, d in
                switch total {
                case .delivered, .allocated: delta += d
                case .installed, .retired: delta -= d
                case .activeWatts, .usd: break
                }
            }
            guard delta != 0 else { return }
            let k = Int(r.key)
            if k >= lines.count { lines.append(contentsOf: repeatElement(Line(), count: k + 1 - lines.count)) }
            lines[k].used = true
            if r.time < cut {
                lines[k].level += delta
                if delta > 0 { lines[k].plus += delta } else { lines[k].minus -= delta }
            } else {
                lines[k].points.u64(UInt64(bitPattern: r.time))
                lines[k].points.u32(r.seq)
                lines[k].points.u64(UInt64(bitPattern: delta))
                lines[k].count += 1
            }
        }
    }

    /// The writer's section: its directory's length; the directory (the window's start, the log
    /// anchors, the voids, and per timeline its level before the window, its number of points in
    /// it and their CRC); then each timeline's points (see `docs/log-format.md`). The header's
    /// CRC covers the length and the directory.
    static func writerSection(ledger: Ledger, codec: CodecState, keyCount: Int, lines: WriterLines) -> (bytes: [UInt8], directoryEnd: Int) {
        var w = ByteWriter()
        w.zigzag(lines.cut)
        let anchors = codec.seekPoints.anchors.count == (ledger.count + LogAnchor.interval - 1) / LogAnchor.interval ? codec.seekPoints.anchors : []
        w.varint(UInt64(anchors.count))
        for a in anchors {
            w.u64(UInt64(a.offset)); w.u64(UInt64(bitPattern: a.prevRecorded)); w.u64(UInt64(bitPattern: a.prevEffectiveSeconds))
        }
        let voids = ledger.voidedBy.sorted { $0.key < $1.key }
        w.varint(UInt64(voids.count))
        for (target, by) in voids { w.u32(UInt32(target)); w.u32(UInt32(by)) }
        // The directory, then each timeline's points (fixed 20 bytes: effective µs, seq, amount),
        // in key order.
        let present = lines.lines.indices.filter { lines.lines[$0].used }
        w.varint(UInt64(present.count))
        for k in present {
            let line = lines.lines[k]
            w.varint(UInt64(k))
            w.zigzag(line.level); w.zigzag(line.plus); w.zigzag(line.minus)
            w.varint(UInt64(line.count))
            w.u32(line.points.bytes.withUnsafeBytes { Frame.crc($0) })
        }
        var section = ByteWriter()
        section.u64(UInt64(w.bytes.count))
        section.append(w.bytes)
        for k in present { section.append(lines.lines[k].points.bytes) }
        return (section.bytes, 8 + w.bytes.count)
    }

    static func ccapCRC(_ seed: UInt32, _ p: UnsafeRawBufferPointer) -> UInt32 { ccap_crc32c(seed, p.baseAddress, p.count) }

    static func writeString(_ s: String, _ w: inout ByteWriter) {
        var copy = s
        copy.withUTF8 { u in w.varint(UInt64(u.count)); w.append(u) }
    }
}
