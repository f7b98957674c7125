import CapacityLedger
import CCapacitySupport
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint file mapped into memory. Opening checks the header and metadata; a block is
/// checked against its CRC when a query first reads it.
/// Immutable after opening, so it may be read from any thread.
final class CheckpointReader: @unchecked Sendable {
    /// A read-only mapping of a whole file, unmapped when released.
    final class Mapping {
        let base: UnsafeMutableRawPointer
        let size: Int
        init?(fd: Int32, size: Int) {
            guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else { return nil }
            base = m
            self.size = size
        }
        deinit { munmap(base, size) }
    }

    let mapping: Mapping
    var map: UnsafeMutableRawPointer { mapping.base }
    let size: Int
    let tieSeq: Int, commitStart: Int, commitEnd: Int
    let head: ChainHash
    var keys: [(kind: Character, a: String, b: String)] = []
    /// The keys as stored (`FleetCheckpoint.chipsKey` …), in the same order.
    var keyNames: [String] = []
    var definitions: [Event] = []
    /// The key events (`key.added`, `key.revoked`) up to the tie, in seq order: for writers.
    var keyEvents: [Event] = []
    var prevRecorded: Int64 = 0, prevEffective: Int64 = 0
    /// The magnitudes of every amount up to the tie (`AmountTotals`).
    var amounts = AmountTotals()
    var recordCount = 0
    var blockSize = FleetCheckpoint.defaultBlockSize
    var blocks: [(first: Int64, totals: [Int64], crc: UInt32)] = []
    let stringsCount: Int
    let slotCount: Int
    let writerAt: Int, writerLength: Int, writerCRC: UInt32
    let areaAt: Int, offsetsAt: Int, blobAt: Int, slotsAt: Int, racksAt: Int, blocksAt: Int
    /// CRC-32C of each chunk of the lookup area, and which chunks were found good.
    var chunkCRCs: [UInt32] = []
    private let checked: Mutex<[UInt64]>
    /// Set when a chunk of the lookup area failed its check.
    private let damagedChunk = Mutex<Int?>(nil)

    typealias Unusable = FleetCheckpoint.Unusable

    /// Opens the checkpoint at `path`. With `ledgerPath`, a checkpoint that another user than
    /// the ledger's owner could have written (owned by another user, or writable by group or
    /// others) is not used: in a shared directory anyone may create a file of that name.
    init(path: String, ledgerPath: String? = nil) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw Unusable(reason: errno == ELOOP ? "the checkpoint is a symbolic link" : "no checkpoint") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= FleetCheckpoint.headerSize else { throw Unusable(reason: "checkpoint too short") }
        if let ledgerPath {
            var ls = stat()
            guard stat(ledgerPath, &ls) == 0 else { throw Unusable(reason: "cannot read the ledger") }
            guard st.st_uid == ls.st_uid else {
                throw Unusable(reason: "the checkpoint is owned by uid \(st.st_uid), the ledger by uid \(ls.st_uid)")
            }
            guard st.st_mode & (S_IWGRP | S_IWOTH) == 0 else { throw Unusable(reason: "the checkpoint is writable by others") }
        }
        size = Int(st.st_size)
        guard let mapping = Mapping(fd: fd, size: size) else { throw Unusable(reason: "cannot map the checkpoint") }
        self.mapping = mapping
        let m = mapping.base
        let raw = UnsafeRawBufferPointer(start: m, count: size)
        guard Array(raw[0..<8]) == FleetCheckpoint.magic else { throw Unusable(reason: "not a checkpoint") }
        let hdr = UnsafeRawBufferPointer(rebasing: raw[0..<FleetCheckpoint.headerSize])
        var r = ByteReader(hdr, from: 8, to: FleetCheckpoint.headerSize)
        let version = r.u32()!
        guard version == FleetCheckpoint.version else { throw Unusable(reason: "checkpoint format \(version) (this build writes \(FleetCheckpoint.version))") }
        var tail = ByteReader(hdr, from: FleetCheckpoint.headerSize - 4, to: FleetCheckpoint.headerSize)
        guard tail.u32()! == Frame.crc(UnsafeRawBufferPointer(rebasing: hdr[0..<(FleetCheckpoint.headerSize - 4)])) else {
            throw Unusable(reason: "checkpoint header damaged")
        }
        let metaCRC = r.u32()!
        let tie = r.u64()!, start = r.u64()!, end = r.u64()!
        head = ChainHash(bytes: Array(r.bytes(32)!))
        let meta64 = r.u64()!
        stringsCount = Int(r.u32()!)
        let blob64 = r.u64()!
        slotCount = Int(r.u32()!)
        let writer64 = r.u64()!
        writerCRC = r.u32()!
        // Positions in the log that an Int holds, lengths within this file: anything larger is
        // damage (and would overflow the sums below).
        guard let tie = Int(exactly: tie), let start = Int(exactly: start), let end = Int(exactly: end),
              meta64 <= UInt64(size), blob64 <= UInt64(size), writer64 <= UInt64(size) else {
            throw Unusable(reason: "checkpoint truncated")
        }
        tieSeq = tie; commitStart = start; commitEnd = end
        let metaLength = Int(meta64), blobLength = Int(blob64)
        writerLength = Int(writer64)
        let metaAt = FleetCheckpoint.headerSize
        writerAt = metaAt + metaLength
        areaAt = writerAt + writerLength
        offsetsAt = areaAt
        blobAt = offsetsAt + (stringsCount + 1) * 8
        slotsAt = blobAt + blobLength
        racksAt = slotsAt + slotCount * 4
        blocksAt = racksAt + stringsCount * 4
        guard metaLength >= 0, writerLength >= 0, blobLength >= 0, slotCount & (slotCount - 1) == 0, slotCount > 0, blocksAt <= size else {
            throw Unusable(reason: "checkpoint truncated")
        }
        let meta = UnsafeRawBufferPointer(rebasing: raw[metaAt..<writerAt])
        guard Frame.crc(meta) == metaCRC else { throw Unusable(reason: "checkpoint metadata damaged") }
        var mr = ByteReader(meta, from: 0, to: meta.count)
        func str() throws -> String {
            guard let n = mr.varint(), let b = mr.bytes(Int(clamping: n)) else { throw Unusable(reason: "checkpoint metadata malformed") }
            return String(decoding: b, as: UTF8.self)
        }
        guard let nk = mr.varint() else { throw Unusable(reason: "checkpoint metadata malformed") }
        for _ in 0..<nk {
            let name = try str()
            let parts = name.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, let kind = parts[0].first else { throw Unusable(reason: "checkpoint metadata malformed") }
            keys.append((kind, parts[1], parts.count > 2 ? parts[2] : ""))
            keyNames.append(name)
        }
        guard let nd = mr.varint() else { throw Unusable(reason: "checkpoint metadata malformed") }
        for _ in 0..<nd {
            guard let seq = mr.varint(), seq <= UInt32.max else { throw Unusable(reason: "checkpoint metadata malformed") }
            // A definition that does not read makes the checkpoint unusable, not the query fail.
            guard let draft = try? EventDraftDecoder.decode(try JSONLine.parse(try str())) else {
                throw Unusable(reason: "checkpoint metadata malformed")
            }
            let e = Event(seq: Int(seq), recorded: draft.recorded ?? Timestamp(micros: 0), effective: draft.effective ?? Timestamp(micros: 0),
                          note: draft.note, source: draft.source, body: draft.body)
            if PackedEvent.isKeyEvent(e.type.code) { keyEvents.append(e) } else { definitions.append(e) }
        }
        guard let pr = mr.zigzag(), let pe = mr.zigzag(), let ac = mr.varint(), let aw = mr.varint(), let au = mr.varint(),
              let rc = mr.varint(), let bc = mr.varint(), let bs = mr.varint(), bs > 0 else {
            throw Unusable(reason: "checkpoint metadata malformed")
        }
        // The records fit the file, and there is one block per `blockSize` of them (so that
        // every block's records are in the file).
        guard rc <= UInt64(size / FleetCheckpoint.recordSize), bc == (rc == 0 ? 0 : (rc - 1) / bs + 1) else {
            throw Unusable(reason: "checkpoint metadata malformed")
        }
        prevRecorded = pr; prevEffective = pe; recordCount = Int(rc); blockSize = Int(clamping: bs)
        amounts = AmountTotals(chips: ac, watts: aw, usd: au)
        for _ in 0..<bc {
            guard let first = mr.u64() else { throw Unusable(reason: "checkpoint metadata malformed") }
            var totals: [Int64] = []
            totals.reserveCapacity(keys.count * 4)
            for _ in 0..<(keys.count * 4) { totals.append(Int64(bitPattern: mr.u64() ?? 0)) }
            guard let crc = mr.u32() else { throw Unusable(reason: "checkpoint metadata malformed") }
            blocks.append((Int64(bitPattern: first), totals, crc))
        }
        let chunks = (blocksAt - areaAt + FleetCheckpoint.chunkSize - 1) / FleetCheckpoint.chunkSize
        guard let nc = mr.varint(), nc == UInt64(chunks) else {
            throw Unusable(reason: "checkpoint metadata malformed")
        }
        for _ in 0..<nc { chunkCRCs.append(mr.u32() ?? 0) }
        checked = Mutex([UInt64](repeating: 0, count: (Int(nc) + 63) / 64))
        guard blocksAt + recordCount * FleetCheckpoint.recordSize == size else { throw Unusable(reason: "checkpoint size does not match its records") }
    }

    /// Whether the bytes `from..<to` of the file (inside the lookup area) passed their chunks' CRCs.
    func check(_ from: Int, _ to: Int) -> Bool {
        guard from >= areaAt, to <= blocksAt, from <= to else { return false }
        if from == to { return true }
        let first = (from - areaAt) / FleetCheckpoint.chunkSize
        let last = to == from ? first : (to - 1 - areaAt) / FleetCheckpoint.chunkSize
        return checked.withLock { bits in
            for c in first...last where bits[c >> 6] & (1 << UInt64(c & 63)) == 0 {
                let at = areaAt + c * FleetCheckpoint.chunkSize
                let n = min(FleetCheckpoint.chunkSize, blocksAt - at)
                guard ccap_crc32c(0, map + at, n) == chunkCRCs[c] else {
                    damagedChunk.withLock { $0 = c }
                    return false
                }
                bits[c >> 6] |= 1 << UInt64(c & 63)
            }
            return true
        }
    }

    /// Why the lookup area cannot be trusted, once a chunk failed.
    var damage: Unusable? {
        damagedChunk.withLock { c in c.map { Unusable(reason: "checkpoint string table damaged (chunk \($0))") } }
    }

    @inline(__always)
    private func u64(at offset: Int) -> UInt64 { UnsafeRawPointer(map).loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    @inline(__always)
    func u32(at offset: Int) -> UInt32 { UnsafeRawPointer(map).loadUnaligned(fromByteOffset: offset, as: UInt32.self) }

    /// The bytes of string number `id` of the log's string table at the tie.
    private func stringBytes(_ id: Int) -> UnsafeRawBufferPointer? {
        guard id >= 0, id < stringsCount, check(offsetsAt + id * 8, offsetsAt + id * 8 + 16) else { return nil }
        let from = u64(at: offsetsAt + id * 8), to = u64(at: offsetsAt + id * 8 + 8)
        guard from <= to, to <= UInt64(slotsAt - blobAt), check(blobAt + Int(from), blobAt + Int(to)) else { return nil }
        return UnsafeRawBufferPointer(start: map + blobAt + Int(from), count: Int(to - from))
    }

    /// String number `id` of the log's string table at the tie.
    func string(_ id: Int) -> String? {
        stringBytes(id).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The number of `s` in the log's string table at the tie, through the hash table.
    func number(of s: String) -> UInt32? {
        return s.withUTF8Bytes { u -> UInt32? in
            let bytes = UnsafeRawBufferPointer(u)
            let mask = slotCount - 1
            var j = Int(truncatingIfNeeded: StringTable.hash(bytes)) & mask
            // Each slot at most once: a table with no free slot (damaged) ends the search too.
            for _ in 0..<slotCount {
                guard check(slotsAt + j * 4, slotsAt + j * 4 + 4) else { return nil }
                let v = u32(at: slotsAt + j * 4)
                if v == 0 { return nil }
                if let other = stringBytes(Int(v) - 1), other.count == bytes.count,
                   other.count == 0 || memcmp(other.baseAddress!, bytes.baseAddress!, bytes.count) == 0 {
                    return v - 1
                }
                j = (j + 1) & mask
            }
            return nil
        }
    }

    /// The seq of the last mark of the rack named by string `id` (see `WriterBase`), or nil
    /// when the lookup area is damaged there.
    func rackMark(_ id: Int) -> UInt32? {
        guard id >= 0, id < stringsCount, check(racksAt + id * 4, racksAt + id * 4 + 4) else { return nil }
        return u32(at: racksAt + id * 4)
    }

    /// Checks that the log at `fd` still holds the commit record the checkpoint was built at;
    /// returns the log's size.
    func checkTie(fd: Int32, ledgerPath: String) throws -> Int {
        var st = stat()
        guard SystemCall.attempt({ fstat(fd, &st) }).errno == 0 else { throw Unusable(reason: "cannot read the ledger") }
        let size = Int(st.st_size)
        guard commitEnd <= size, commitStart < commitEnd else { throw Unusable(reason: "stale checkpoint (the log is shorter)") }
        var header = [UInt8](repeating: 0, count: LogHeader.size)
        guard SystemCall.readsWhole(fd, &header, at: 0) else { throw Unusable(reason: "cannot read the ledger") }
        _ = try header.withUnsafeBytes { try LogHeader.check($0, path: ledgerPath) }
        var commit = [UInt8](repeating: 0, count: commitEnd - commitStart)
        guard SystemCall.readsWhole(fd, &commit, at: commitStart) else { throw Unusable(reason: "cannot read the ledger") }
        let tied = commit.withUnsafeBytes { raw -> Bool in
            var r = ByteReader(raw, from: 0, to: raw.count)
            guard let (payload, intact) = Frame.read(&r), intact, r.remaining == 0, payload[0] == Frame.commitKind else { return false }
            var p = ByteReader(payload, from: 1, to: payload.count)
            return p.varint() == UInt64(tieSeq) && p.bytes(32).map { Array($0) == head.bytes } == true
        }
        guard tied else { throw Unusable(reason: "stale checkpoint (it does not match the log's commit at seq \(tieSeq))") }
        return size
    }

    /// A codec state that continues the log after the tie, reading earlier strings from here.
    func codecState() -> CodecState {
        var codec = CodecState.readOnly()
        codec.strings.base = { [self] in self.string($0) }
        codec.strings.baseCount = stringsCount
        codec.times.recorded = prevRecorded
        codec.times.effectiveSeconds = prevEffective
        return codec
    }

    /// Reads the committed events after the tie (the log's tail) from `fd`.
    func readTail(fd: Int32, size: Int, codec: inout CodecState) throws -> LogScan {
        guard size > commitEnd else { return LogScan(committedEnd: commitEnd, head: head) }
        var bytes = [UInt8](repeating: 0, count: size - commitEnd)
        guard SystemCall.readsWhole(fd, &bytes, at: commitEnd) else { throw Unusable(reason: "cannot read the ledger") }
        do {
            return try bytes.withUnsafeBytes {
                try LogScanner.scan($0, base: commitEnd, from: 0, firstSeq: tieSeq + 1, head: head, state: &codec)
            }
        } catch {
            // A string the tail refers to could not be read from here: the checkpoint's fault.
            if let damage { throw damage }
            // Or the checkpoint's codec state does not fit the log (a string count, a time); or
            // the log is damaged after the tie, which reading the whole log then reports.
            throw Unusable(reason: "the log after the checkpoint does not read from it (\(error))")
        }
    }

    /// Totals per key at effective time `t`: the saved checkpoint before the block holding `t`,
    /// plus that block's records up to `t`.
    func totals(at t: Int64) throws -> [Int64] {
        var lo = 0, hi = blocks.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if blocks[mid].first <= t { lo = mid + 1 } else { hi = mid }
        }
        if lo == 0 { return [Int64](repeating: 0, count: keys.count * 4) }
        let b = lo - 1
        var totals = blocks[b].totals
        let start = b * blockSize
        let n = min(blockSize, recordCount - start)
        let p = UnsafeRawPointer(map + blocksAt + start * FleetCheckpoint.recordSize)
        guard ccap_crc32c(0, p, n * FleetCheckpoint.recordSize) == blocks[b].crc else { throw Unusable(reason: "checkpoint block \(b) damaged") }
        for i in 0..<n {
            let at = i * FleetCheckpoint.recordSize
            let time = Int64(bitPattern: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            if time > t { break }
            let kk = p.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self)
            let a = Int64(bitPattern: p.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self))
            let bb = Int64(bitPattern: p.loadUnaligned(fromByteOffset: at + 24, as: UInt64.self))
            guard let kind = FleetCheckpoint.Kind(rawValue: UInt8(kk >> 28)), Int(kk & 0x0FFF_FFFF) < keys.count,
                  let effect = FleetCheckpoint.Record.effect(kind: kind, a: a, b: bb),
                  FleetCheckpoint.add(effect, into: &totals, at: Int(kk & 0x0FFF_FFFF) * 4) else {
                throw Unusable(reason: "checkpoint block \(b) malformed")
            }
        }
        return totals
    }
}

extension FleetCheckpoint {
    /// Answers `fleet`, `power`, `capacity`, `investments` and `train` at `point` from the
    /// checkpoint beside `ledgerPath` and the log's tail after it, without replaying the log.
    /// Throws `Unusable` when the checkpoint is missing, stale, from another format, damaged,
    /// or cannot answer this point exactly (an earlier `known=`, `at=#N`, a site where power is
    /// short); the caller then replays the log.
    public static func figures(ledgerPath: String, point: PointInTime, now: Timestamp) throws -> FleetSnapshot {
        if case .seq = point.at { throw Unusable(reason: "at=#N needs the log", needsTheLog: true) }
        let reader = try CheckpointReader(path: path(forLedger: ledgerPath), ledgerPath: ledgerPath)
        let fd = open(ledgerPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Unusable(reason: "no ledger") }
        defer { close(fd) }
        let size = try reader.checkTie(fd: fd, ledgerPath: ledgerPath)
        // The tail: committed events appended since the checkpoint.
        var codec = reader.codecState()
        let tail = try reader.readTail(fd: fd, size: size, codec: &codec).events
        guard tail.count <= 100_000 else { throw Unusable(reason: "stale checkpoint (\(tail.count) events since it)") }
        let lastRecorded = Timestamp(micros: tail.lastRecorded ?? reader.prevRecorded)
        if let known = point.known, known < lastRecorded { throw Unusable(reason: "known= before the last record needs the log", needsTheLog: true) }
        let t: Timestamp
        switch point.at {
        case .time(let x): t = x
        default: t = now
        }
        var snap = FleetSnapshot()
        let totals = try reader.totals(at: t.micros)
        for (i, k) in reader.keys.enumerated() {
            let v = Array(totals[(i * 4)..<(i * 4 + 4)])
            switch k.kind {
            case "f": snap.cells[PairKey(a: k.a, b: k.b)] = FleetSnapshot.Cell(delivered: v[0], installed: v[1], retired: v[2], activeWatts: v[3])
            case "s": snap.allocated[k.a] = v[0]
            default: snap.usd[PairKey(a: k.a, b: k.b)] = v[0]
            }
        }
        // The tail's effects (`FleetEffect`), applied on top in effective order; voids of events
        // before the checkpoint need the log. The sums are checked: the totals come from the
        // file, and a damaged one may hold any value.
        let firstSeq = reader.tieSeq + 1
        var voidedBy: [Int: Int] = [:]
        for i in 0..<tail.count where tail[i].code == PackedEvent.eventVoided {
            let target = tail[i].target
            guard target >= firstSeq else { throw Unusable(reason: "a void since the checkpoint needs the log", needsTheLog: true) }
            voidedBy[target] = firstSeq + i
        }
        let events = EventList(storage: tail, names: codec.strings, firstSeq: firstSeq)
        var installs = RackInstalls()
        var definitions = reader.definitions
        let order = (0..<tail.count).sorted { TimeKey(effective: tail.effective[$0], seq: $0) < TimeKey(effective: tail.effective[$1], seq: $1) }
        for i in order {
            let seq = firstSeq + i
            let p = tail[i]
            // Every install, voided or not: `RackInstalls` knows which stood for a retirement.
            if p.code == PackedEvent.rackInstalled { installs.note(install: p, seq: seq, voided: voidedBy[seq] != nil) }
            guard voidedBy[seq] == nil, p.effective <= t.micros else { continue }
            if PackedEvent.isDefinition(p.code) { definitions.append(events[i]) }
            try p.forEachEffect(retiring: {
                // A rack installed before the checkpoint: its install is in the log.
                guard let rack = installs.retired(by: p, seq: seq, voidedBy: { voidedBy[$0] }) else {
                    throw Unusable(reason: "a retirement since the checkpoint needs the log", needsTheLog: true)
                }
                return rack
            }) { effect in
                try effect.forEachDelta { total, delta in
                    guard snap.add(total.map { codec.name($0) }, delta) else { throw Unusable(reason: "checkpoint totals out of range") }
                }
            }
        }
        // In effective order: a site's changes apply one after another (the tail's may fall
        // before the checkpoint's).
        definitions.sort { TimeKey($0.effective, $0.seq) < TimeKey($1.effective, $1.seq) }
        for e in definitions where e.effective <= t && voidedBy[e.seq] == nil { snap.define(e) }
        guard Self.withinLimits(snap) else { throw Unusable(reason: "checkpoint totals out of range") }
        var watts: [String: Int64] = [:]
        for (k, c) in snap.cells { watts[k.a, default: 0] += c.activeWatts }
        for (site, w) in watts where w > snap.allocated[site] ?? 0 {
            throw Unusable(reason: "first fit at \(site) needs the log", needsTheLog: true)
        }
        return snap
    }

    /// Whether the figures hold no more than a ledger can: per unit, the magnitudes of all the
    /// totals add up to at most `Int64.max` (as `AmountTotals` keeps every ledger's amounts), so
    /// that no sum a query forms of them overflows. Only a damaged checkpoint gives more.
    static func withinLimits(_ snap: FleetSnapshot) -> Bool {
        var chips: UInt64 = 0, watts: UInt64 = 0, usd: UInt64 = 0
        func add(_ total: inout UInt64, _ v: Int64) -> Bool {
            let (sum, overflow) = total.addingReportingOverflow(v.magnitude)
            total = sum
            return !overflow && sum <= UInt64(Int64.max)
        }
        for c in snap.cells.values {
            guard add(&chips, c.delivered), add(&chips, c.installed), add(&chips, c.retired), add(&watts, c.activeWatts) else { return false }
        }
        for a in snap.allocated.values { guard add(&watts, a) else { return false } }
        for u in snap.usd.values { guard add(&usd, u) else { return false } }
        return true
    }
}

extension FleetCheckpoint {
    /// The seq the checkpoint beside the ledger at `ledgerPath` was built at, when there is one
    /// whose header and metadata pass their CRC checks; nil otherwise. Whether the log still holds
    /// that commit is not checked: this is what the checkpoint says the log held.
    public static func builtAt(ledgerPath: String) -> Int? {
        (try? CheckpointReader(path: path(forLedger: ledgerPath)))?.tieSeq
    }
}

extension FileEventStore {
    /// Writes the checkpoint for the ledger as last read.
    public func writeCheckpoint(blockSize: Int = FleetCheckpoint.defaultBlockSize) throws {
        guard ledger.count > 0 else { return }
        let payload = Frame.anchorPayload(kind: Frame.commitKind, seq: ledger.count, head: ledger.head)
        let frameLength = ByteWriter.varintSize(UInt64(payload.count)) + 4 + payload.count
        try FleetCheckpoint.write(ledger: ledger, ledgerPath: path, codec: ledger.codec,
                                  tie: (ledger.count, committedOffset - frameLength, committedOffset), blockSize: blockSize)
    }
}
