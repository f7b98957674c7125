import CCapacitySupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    static let magic: [UInt8] = Array("CAPLCKP1".utf8)
    public static let version: UInt32 = 3
    static let headerSize = 128
    /// The lookup area is checked in chunks of this many bytes, each when first read.
    static let chunkSize = 65_536
    static let recordSize = 32
    /// Effect records per block: one saved checkpoint of totals per block (stored in the file).
    public static let defaultBlockSize = 65_536

    public static func path(forLedger ledger: String) -> String { ledger + ".ckpt" }

    // The keys of the totals, as stored: a kind letter, then the ids, NUL-separated.
    static func chipsKey(_ site: String, _ model: String) -> String { "f\u{0}\(site)\u{0}\(model)" }
    static func powerKey(_ site: String) -> String { "s\u{0}\(site)" }
    static func usdKey(_ investor: String, _ recipient: String) -> String { "u\u{0}\(investor)\u{0}\(recipient)" }

    /// Why a checkpoint could not be used (shown by `--verbose` callers and in tests).
    public struct Unusable: Error, Equatable { public var reason: String }

    // Effect kinds: what one record adds to its key's totals.
    enum Kind: UInt8 { case delivered = 0, installed, retired, allocated, usd }

    // MARK: writing

    /// Builds the checkpoint for `ledger` as stored in the file at `ledgerPath`, and writes it
    /// atomically (temporary file, fsync, rename).
    public static func write(ledger: Ledger, ledgerPath: String, codec: CodecState, tie: (seq: Int, commitStart: Int, commitEnd: Int),
                             blockSize: Int = defaultBlockSize) throws {
        guard !ledger.isPartial, codec.baseCount == 0 else { throw LedgerError.io("a checkpoint is written from the whole log") }
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
        let strings = codec.strings
        let name = { (n: UInt32) in strings[Int(n)] }
        let table = StringTable.slots(for: strings)
        var rackLast = [UInt32](repeating: 0, count: strings.count)  // per string number: see `WriterBase`
        var rackSite = [UInt32](repeating: 0, count: strings.count)
        func markRack(_ s: UInt32, _ r: Int, _ seq: Int) {
            if rackLast[r] == 0 || (rackLast[r] != WriterBase.severalSites && rackSite[r] == s) {
                rackLast[r] = UInt32(seq)
                rackSite[r] = s
            } else {
                rackLast[r] = WriterBase.severalSites
            }
        }
        let order = ledger.effectiveOrder()
        // What a retirement retires: the latest install of its (site, rack) before it in effective
        // order, voided later or not (a void that would orphan a retirement is refused).
        let retiring = ledger.retiredRackNumbers(order: order)
        var records: [(time: Int64, seq: UInt32, key: UInt32, kind: Kind, a: Int64, b: Int64)] = []
        records.reserveCapacity(ledger.count)
        var definitions: [Event] = []
        let voided = ledger.voidedMask(through: ledger.count)
        let events = ledger.events
        var amounts = AmountTotals()  // for writers: see `AmountTotals`
        let stored = ledger.stored
        for s in order {
            let seq = Int(s)
            let p = stored[seq - 1]
            amounts.absorb(p)  // voided or not
            guard !voided[seq] else { continue }
            let t = p.effective, sq = UInt32(seq)
            switch p.code {
            case PackedEvent.siteOpened, PackedEvent.chipModelDefined: definitions.append(events[seq - 1])
            case PackedEvent.chipsDelivered:
                records.append((t, sq, key(0, p.a, p.b) { chipsKey(name(p.a), name(p.b)) }, .delivered, p.amount, 0))
            case PackedEvent.rackInstalled:
                records.append((t, sq, key(0, p.a, p.c) { chipsKey(name(p.a), name(p.c)) }, .installed, p.amount, p.amount2))
                markRack(p.a, Int(p.b), seq)
            case PackedEvent.rackRetired:
                if let x = retiring[seq] {
                    records.append((t, sq, key(0, p.a, x.model) { chipsKey(name(p.a), name(x.model)) }, .retired, x.chips, x.watts))
                }
                markRack(p.a, Int(p.b), seq)
            case PackedEvent.powerAllocated: records.append((t, sq, key(1, p.a, 0) { powerKey(name(p.a)) }, .allocated, p.amount, 0))
            case PackedEvent.powerReleased: records.append((t, sq, key(1, p.a, 0) { powerKey(name(p.a)) }, .allocated, -p.amount, 0))
            case PackedEvent.investmentCommitted:
                records.append((t, sq, key(2, p.a, p.b) { usdKey(name(p.a), name(p.b)) }, .usd, p.amount, 0))
            default: break
            }
        }
        // Blocks, and the totals before each block.
        var totals = [Int64](repeating: 0, count: keys.count * 4)
        var blocks = ByteWriter()
        blocks.bytes.reserveCapacity(records.count * recordSize)
        var blockMeta = ByteWriter()
        let blockCount = (records.count + blockSize - 1) / blockSize
        for b in 0..<blockCount {
            let slice = records[(b * blockSize)..<min(records.count, (b + 1) * blockSize)]
            blockMeta.u64(UInt64(bitPattern: slice.first!.time))
            for v in totals { blockMeta.u64(UInt64(bitPattern: v)) }
            let start = blocks.bytes.count
            for r in slice {
                // One 32-byte record at once: a tuple is laid out in order with natural alignment
                // (8 + 4 + 4 + 8 + 8, no padding).
                blocks.append(fixed: (r.time.littleEndian, r.seq.littleEndian, (r.key | UInt32(r.kind.rawValue) << 28).littleEndian,
                                      r.a.littleEndian, r.b.littleEndian))
                apply(kind: r.kind, a: r.a, b: r.b, into: &totals, at: Int(r.key) * 4)
            }
            blockMeta.u32(blocks.bytes.withUnsafeBytes { Frame.crc(UnsafeRawBufferPointer(rebasing: $0[start...])) })
        }

        // The writer's section: the rule state a writer needs, as of the tie.
        let writer = writerSection(ledger: ledger, codec: codec, keys: keys, records: records)

        // The lookup area, checked in chunks: the log's string table (offsets, then bytes), the
        // string hash table, the last rack mark per string number.
        var area = ByteWriter()
        var blob: [UInt8] = []
        for s in strings {
            area.u64(UInt64(blob.count))
            blob.append(contentsOf: s.utf8)
        }
        area.u64(UInt64(blob.count))
        area.bytes.reserveCapacity(area.bytes.count + blob.count + (table.count + rackLast.count) * 4)
        area.append(blob)
        area.append(littleEndian: table)
        area.append(littleEndian: rackLast)
        var chunkCRCs: [UInt32] = []
        area.bytes.withUnsafeBytes { raw in
            var at = 0
            while at < raw.count {
                let n = min(chunkSize, raw.count - at)
                chunkCRCs.append(ccap_crc32c(0, raw.baseAddress! + at, n))
                at += n
            }
        }

        // Metadata.
        var meta = ByteWriter()
        meta.varint(UInt64(keys.count))
        for k in keys { writeString(k, &meta) }
        meta.varint(UInt64(definitions.count))
        for e in definitions { meta.varint(UInt64(e.seq)); writeString(EventJSON.line(e), &meta) }
        meta.zigzag(codec.prevRecorded)
        meta.zigzag(codec.prevEffectiveSeconds)
        meta.varint(amounts.chips); meta.varint(amounts.watts); meta.varint(amounts.usd)
        meta.varint(UInt64(records.count))
        meta.varint(UInt64(blockCount))
        meta.varint(UInt64(blockSize))
        meta.append(blockMeta.bytes)
        meta.varint(UInt64(chunkCRCs.count))
        for c in chunkCRCs { meta.u32(c) }
        let metaCRC = meta.bytes.withUnsafeBytes { Frame.crc($0) }

        var header = ByteWriter()
        header.append(magic)
        header.u32(version)
        header.u32(metaCRC)
        header.u64(UInt64(tie.seq)); header.u64(UInt64(tie.commitStart)); header.u64(UInt64(tie.commitEnd))
        header.append(ledger.head.bytes)
        header.u64(UInt64(meta.bytes.count))
        header.u32(UInt32(strings.count))
        header.u64(UInt64(blob.count))
        header.u32(UInt32(table.count))
        header.u64(UInt64(writer.bytes.count))
        header.u32(writer.bytes.withUnsafeBytes { Frame.crc(UnsafeRawBufferPointer(rebasing: $0[0..<writer.directoryEnd])) })
        while header.bytes.count < headerSize - 4 { header.byte(0) }
        header.u32(header.bytes.withUnsafeBytes { Frame.crc($0) })

        let tmp = path(forLedger: ledgerPath) + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LedgerError.io("cannot write \(tmp): \(String(cString: strerror(errno)))") }
        var ok = true
        for part in [header.bytes, meta.bytes, writer.bytes, area.bytes, blocks.bytes] where ok {
            ok = writeAll(fd, part)
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path(forLedger: ledgerPath)) == 0 else {
            unlink(tmp)
            throw LedgerError.io("cannot write the checkpoint beside \(ledgerPath): \(String(cString: strerror(errno)))")
        }
    }

    /// How far back (in effective time, from the earlier of the last event and the last record)
    /// the checkpoint keeps each undeployed-chips and allocated-power timeline point by point;
    /// a writer checks events after that from the checkpoint, and reads the log for older ones.
    public static let writerWindowSeconds: Int64 = 184 * 86_400

    /// The writer's section: its directory's length; the directory (the window's start, the log
    /// anchors, the voids, and per timeline its level before the window, its number of points in
    /// it and their CRC); then each timeline's points (see `docs/log-format.md`). The header's
    /// CRC covers the length and the directory.
    static func writerSection(ledger: Ledger, codec: CodecState, keys: [String],
                              records: [(time: Int64, seq: UInt32, key: UInt32, kind: Kind, a: Int64, b: Int64)]) -> (bytes: [UInt8], directoryEnd: Int) {
        let last = min(records.last?.time ?? 0, codec.prevRecorded)
        let cut = last - writerWindowSeconds * 1_000_000
        var w = ByteWriter()
        w.zigzag(cut)
        let anchors = codec.anchors.count == (ledger.count + LogAnchor.interval - 1) / LogAnchor.interval ? codec.anchors : []
        w.varint(UInt64(anchors.count))
        for a in anchors {
            w.u64(UInt64(a.offset)); w.u64(UInt64(bitPattern: a.prevRecorded)); w.u64(UInt64(bitPattern: a.prevEffectiveSeconds))
        }
        let voids = ledger.voidedBy.sorted { $0.key < $1.key }
        w.varint(UInt64(voids.count))
        for (target, by) in voids { w.u32(UInt32(target)); w.u32(UInt32(by)) }
        struct Line { var level: Int64 = 0, plus: Int64 = 0, minus: Int64 = 0, points = ByteWriter(), count = 0, used = false }
        var lines = [Line](repeating: Line(), count: keys.count)  // by key number
        for r in records {
            let delta: Int64
            switch r.kind {
            case .delivered, .allocated: delta = r.a
            case .installed: delta = -r.a
            case .retired, .usd: continue
            }
            let k = Int(r.key)
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
        // The directory, then each timeline's points (fixed 20 bytes: effective µs, seq, amount),
        // in key order.
        let present = lines.indices.filter { lines[$0].used }
        w.varint(UInt64(present.count))
        for k in present {
            let line = lines[k]
            w.varint(UInt64(k))
            w.zigzag(line.level); w.zigzag(line.plus); w.zigzag(line.minus)
            w.varint(UInt64(line.count))
            w.u32(line.points.bytes.withUnsafeBytes { Frame.crc($0) })
        }
        var section = ByteWriter()
        section.u64(UInt64(w.bytes.count))
        section.append(w.bytes)
        for k in present { section.append(lines[k].points.bytes) }
        return (section.bytes, 8 + w.bytes.count)
    }

    static func ccrc(_ a: [UInt8], _ b: [UInt8]) -> UInt32 {
        var c = a.withUnsafeBytes { ccapCRC(0, $0) }
        c = b.withUnsafeBytes { ccapCRC(c, $0) }
        return c
    }

    static func ccapCRC(_ seed: UInt32, _ p: UnsafeRawBufferPointer) -> UInt32 { ccap_crc32c(seed, p.baseAddress, p.count) }

    static func writeString(_ s: String, _ w: inout ByteWriter) {
        var copy = s
        copy.withUTF8 { u in w.varint(UInt64(u.count)); w.append(u) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 { if errno == EINTR { continue }; return false }
            done += n
        }
        return true
    }

    @inline(__always)
    static func apply(kind: Kind, a: Int64, b: Int64, into t: inout [Int64], at i: Int) {
        // Per key: [delivered or allocated or usd, installed, retired, active watts].
        switch kind {
        case .delivered, .allocated, .usd: t[i] += a
        case .installed: t[i + 1] += a; t[i + 3] += b
        case .retired: t[i + 1] -= a; t[i + 2] += a; t[i + 3] -= b
        }
    }
}
