import CCapacitySupport

/// The fixed 32-byte header at the start of every ledger file.
///
/// `magic` (8 bytes, `CAPLEDGR`), format version (u16 LE, currently 1), header size (u16 LE, 32),
/// reserved (u32, zero), creation time (i64 LE, µs since the epoch), reserved (u32, zero),
/// CRC-32C of the first 28 bytes (u32 LE).
public enum LogHeader {
    public static let size = 32
    public static let magic: [UInt8] = Array("CAPLEDGR".utf8)
    /// The version new files are written with. Version 2 adds the key events (`key.added`,
    /// `key.revoked`) and signature records; version 3 the site changes (`site.updated`,
    /// `site.closed`) and a `site.opened`'s PUE. An older file reads as before and takes them
    /// once `capacity upgrade` has rewritten its header.
    public static let version: UInt16 = 3
    /// The versions this build reads.
    public static let readable: ClosedRange<UInt16> = 1...3
    /// The version from which a file holds signature records.
    static let signaturesSince: UInt16 = 2

    /// The format version a record of `body` needs: 1 for the types every file holds.
    static func versionNeeded(by body: EventBody) -> UInt16 {
        switch body {
        case .keyAdded, .keyRevoked: 2
        case .siteUpdated, .siteClosed: 3
        case .siteOpened(_, _, _, _, _, let pue): pue == nil ? 1 : 3
        default: 1
        }
    }

    /// What format `version` (2 or 3) added, as `needsUpgrade` names it.
    static func records(since version: UInt16) -> String {
        version <= 2 ? "keys or signatures" : "site.updated or site.closed events or PUE figures"
    }

    package static func make(created: Timestamp, version: UInt16 = version) -> [UInt8] {
        var w = ByteWriter()
        w.append(magic)
        w.byte(UInt8(version & 0xFF)); w.byte(UInt8(version >> 8))
        w.byte(UInt8(size)); w.byte(0)
        w.u32(0)
        w.u64(UInt64(bitPattern: created.micros))
        w.u32(0)
        let crc = w.bytes.withUnsafeBytes { Frame.crc($0) }
        w.u32(crc)
        return w.bytes
    }

    /// A file shorter than a header whose bytes begin one: its creation was cut short. It holds
    /// no events; the next append writes the header anew.
    package static func isUnfinishedHeader(_ buf: UnsafeRawBufferPointer) -> Bool {
        buf.count < size && zip(buf, magic).allSatisfy { $0 == $1 }
    }

    /// Checks the header; returns its creation time.
    package static func check(_ buf: UnsafeRawBufferPointer, path: String) throws -> Timestamp {
        guard buf.count >= size else {
            throw LedgerError(.notALedger(path: path, size: buf.count))
        }
        guard Array(buf[0..<8]) == magic else {
            throw LedgerError(.notALedger(path: path, size: nil))
        }
        var r = ByteReader(buf, from: 8, to: size)
        let lo = r.byte()!, hi = r.byte()!
        let version = UInt16(lo) | UInt16(hi) << 8
        let stored = ByteReader(buf, from: 28, to: 32)
        var s = stored
        let crc = s.u32()!
        guard crc == Frame.crc(UnsafeRawBufferPointer(rebasing: buf[0..<28])) else {
            throw LedgerError(.damagedHeader(path: path))
        }
        guard readable.contains(version) else {
            throw LedgerError(.unsupportedVersion(path: path, version: Int(version), readable: Int(readable.lowerBound)...Int(readable.upperBound)))
        }
        r.at = 16
        return Timestamp(micros: Int64(bitPattern: r.u64()!))
    }

    /// The format version of a header that `check` accepted.
    package static func version(of buf: UnsafeRawBufferPointer) -> UInt16 {
        UInt16(buf[8]) | UInt16(buf[9]) << 8
    }

    /// The creation time of a header that `check` accepted.
    static func created(_ buf: UnsafeRawBufferPointer) -> Timestamp {
        var r = ByteReader(buf, from: 16, to: 24)
        return Timestamp(micros: Int64(bitPattern: r.u64()!))
    }
}

/// What scanning a stretch of the log found.
package struct LogScan {
    package var events = EventStorage()
    /// Byte offset just past the last commit frame read.
    package var committedEnd: Int
    package var head: ChainHash
    /// Bytes after the last commit that are not (yet) a committed batch.
    package var tailBytes: Int = 0
    /// Why the tail is not committed, when it is not simply empty.
    package var tailReason: String?
    /// Commit frames seen (number of batches).
    var commits = 0
    /// With `Options.verifyChain`: each committed batch's seq range, and the signature frames of
    /// committed batches with the chain's head after each one's last record and its byte offset.
    var batches: [ClosedRange<Int>] = []
    var signatures: [(signature: BatchSignature, head: ChainHash, offset: Int)] = []
    /// With `Options.stopAtDamage`: the damage the scan stopped at. Everything else then
    /// describes the log before it (`tailBytes`: every byte from the end of the last good commit).
    package var damage: LogDamage?

    package init(committedEnd: Int, head: ChainHash, tailBytes: Int = 0, tailReason: String? = nil, batches: [ClosedRange<Int>] = [], signatures: [(signature: BatchSignature, head: ChainHash, offset: Int)] = [], damage: LogDamage? = nil) {
        self.committedEnd = committedEnd
        self.head = head
        self.tailBytes = tailBytes
        self.tailReason = tailReason
        self.batches = batches
        self.signatures = signatures
        self.damage = damage
    }
}

/// Damage in the log: where it was found and the message that says what it is.
public struct LogDamage: Sendable, Equatable {
    /// Byte offset of the frame where the damage was found.
    public var offset: Int
    public var message: String

    package init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

/// Reads frames out of a ledger file's bytes. Pure: works on a buffer, does no I/O.
package enum LogScanner {
    /// The largest frame payload accepted; anything larger is damage.
    package static let maxPayload = 1 << 20

    package struct Options {
        package init(verifyChain: Bool = false, stopAtDamage: Bool = false) {
            self.verifyChain = verifyChain
            self.stopAtDamage = stopAtDamage
        }
        /// Recompute the hash chain from the bytes and compare it with every commit and mark.
        var verifyChain = false
        /// Stop at damage and return what was committed before it (`LogScan.damage`), instead
        /// of throwing.
        var stopAtDamage = false
    }

    /// Scans from `offset`, continuing after the records already read (`firstSeq` is the seq the
    /// next record gets, `head` the hash after the last one). `state` is advanced past committed
    /// records only. `onRecord` sees every committed record, as an event, with its hash when
    /// verifying.
    /// `buf` holds the file from byte offset `base` on; `offset` is where to start in `buf`.
    package static func scan(_ buf: UnsafeRawBufferPointer, base: Int = 0, from offset: Int, firstSeq: Int, head: ChainHash,
                     state: inout CodecState, options: Options = .init(),
                     onRecord: ((Event, ChainHash, Int) -> Void)? = nil,
                     onHash: ((Int, ChainHash) -> Void)? = nil) throws -> LogScan {
        var out = LogScan(committedEnd: base + offset, head: head)
        var pos = offset
        var pending = EventStorage()
        // Records average about 25 bytes: room for all of them at once, not doubling (each
        // doubling copies every event and faults in fresh pages).
        pending.reserveCapacity((buf.count - offset) / 20 + 16)
        var pendingHashes: [(ChainHash, Int)] = []
        var pendingSignatures: [(signature: BatchSignature, head: ChainHash, offset: Int)] = []
        var chain = head
        var lastChecked = firstSeq - 1
        // Rollback point: the codec state as of the last commit.
        var savedStrings = state.strings.count
        var savedRecorded = state.times.recorded
        var savedEffective = state.times.effectiveSeconds

        var savedSeq = firstSeq - 1

        func rollback(_ state: inout CodecState) {
            while state.strings.count > savedStrings { state.strings.removeLast() }
            state.times.recorded = savedRecorded
            state.times.effectiveSeconds = savedEffective
            state.seekPoints.drop(after: savedSeq)
        }

        let end = buf.count
        let fileEnd = base + end
        var frameAt = base + pos
        do {
            while pos < end {
                let frameStart = pos
                let at = base + pos
                frameAt = at
                var r = ByteReader(buf, from: pos, to: end)
                let seqHere = firstSeq + out.events.count + pending.count
                guard let len = r.varint() else {
                    try damageIfCommitFollows(buf, base: base, at: frameStart, seq: seqHere, why: "its length does not end before the end of the file")
                    rollback(&state)
                    out.tailBytes = fileEnd - out.committedEnd
                    out.tailReason = "a frame at byte offset \(at) is cut short"
                    return out
                }
                guard len >= 1, len <= UInt64(maxPayload) else {
                    // The bytes it claims, as far as the file goes.
                    let claimed = len > UInt64(end - r.at) ? end : min(end, r.at + 4 + Int(len))
                    try badFrame(buf, base: base, at: frameStart, end: claimed, seq: seqHere, why: "impossible frame length \(len)",
                                 out: &out, state: &state, rollback: rollback)
                    return out
                }
                guard let crc = r.u32(), let payload = r.bytes(Int(len)) else {
                    try damageIfCommitFollows(buf, base: base, at: frameStart, seq: seqHere, why: "its length \(len) runs past the end of the file")
                    rollback(&state)
                    out.tailBytes = fileEnd - out.committedEnd
                    out.tailReason = "a frame at byte offset \(at) is cut short"
                    return out
                }
                guard crc == Frame.crc(payload) else {
                    try badFrame(buf, base: base, at: frameStart, end: r.at, seq: seqHere, why: "CRC mismatch", out: &out, state: &state, rollback: rollback)
                    return out
                }
                pos = r.at
                let frame = UnsafeRawBufferPointer(rebasing: buf[frameStart..<pos])
                let kind = payload[0]
                if kind == Frame.signatureKind {
                    guard let signature = BatchSignature(payload: payload) else {
                        throw LedgerError(.damagedLog(offset: at, seq: nil, .malformedSignature(after: seqHere - 1)))
                    }
                    guard signature.last == seqHere - 1 else {
                        throw LedgerError(.damagedLog(offset: at, seq: nil, .signatureSeqs(first: signature.first, last: signature.last, lastRecord: seqHere - 1)))
                    }
                    if options.verifyChain { pendingSignatures.append((signature, chain, at)) }
                    continue
                }
                if kind == Frame.commitKind || kind == Frame.markKind {
                    var a = ByteReader(payload, from: 1, to: payload.count)
                    guard let seq = a.varint(), let hashBytes = a.bytes(32), a.remaining == 0 else {
                        throw LedgerError(.damagedLog(offset: at, seq: nil, .malformedCommit(after: seqHere - 1)))
                    }
                    guard Int(seq) == seqHere - 1 else {
                        throw LedgerError(.damagedLog(offset: at, seq: nil, .commitSeq(named: Int(seq), lastRecord: seqHere - 1)))
                    }
                    let stored = ChainHash(bytes: Array(hashBytes))
                    defer { lastChecked = seqHere - 1 }
                    if options.verifyChain, stored != chain {
                        let firstUnchecked = lastChecked + 1
                        throw LedgerError(.chainBroken(first: firstUnchecked, last: seqHere - 1, offset: at))
                    }
                    if kind == Frame.commitKind {
                        if let onHash {
                            let first = firstSeq + out.events.count
                            for (i, h) in pendingHashes.enumerated() { onHash(first + i, h.0) }
                        }
                        if let onRecord {
                            let first = firstSeq + out.events.count
                            for (i, h) in pendingHashes.enumerated() { onRecord(pending.event(i, seq: first + i, names: state.strings), h.0, h.1) }
                        }
                        if out.events.isEmpty {
                            swap(&out.events, &pending)  // the common case: one large batch, moved not copied
                        } else {
                            out.events.append(contentsOf: pending)
                            pending.removeAll()
                        }
                        pendingHashes.removeAll(keepingCapacity: true)
                        if options.verifyChain {
                            if seqHere - 1 >= savedSeq + 1 { out.batches.append((savedSeq + 1)...(seqHere - 1)) }
                            out.signatures.append(contentsOf: pendingSignatures)
                            pendingSignatures.removeAll()
                        }
                        out.committedEnd = base + pos
                        out.head = stored
                        out.commits += 1
                        chain = stored
                        savedStrings = state.strings.count
                        savedRecorded = state.times.recorded
                        savedEffective = state.times.effectiveSeconds
                        savedSeq = seqHere - 1
                    }
                    continue
                }
                state.seekPoints.note(seq: seqHere, offset: at, times: state.times)
                var pr = ByteReader(payload, from: 0, to: payload.count)
                do {
                    let (record, extra) = try RecordCodec.decodePacked(&pr, state: &state)
                    pending.append(record, recorded: state.times.recorded, extra: extra)
                } catch {
                    throw LedgerError(.damagedLog(offset: at, seq: seqHere, .badRecord(error.what)))
                }
                if options.verifyChain {
                    chain = chain.chained(with: frame)
                    pendingHashes.append((chain, at))
                }
            }
            if !pending.isEmpty {
                rollback(&state)
                out.tailBytes = fileEnd - out.committedEnd
                out.tailReason = pending.count == 1 ? "1 record after byte offset \(out.committedEnd) has no commit record" : "\(pending.count) records after byte offset \(out.committedEnd) have no commit record"
            }
            return out
        } catch let error as LedgerError where options.stopAtDamage && error.kind == .verification {
            rollback(&state)
            out.damage = LogDamage(offset: frameAt, message: error.message)
            out.tailBytes = fileEnd - out.committedEnd
            out.tailReason = nil
            return out
        }
    }

    /// A complete frame that fails its checks (`offset..<end` in `buf`). It is a torn write only
    /// when no commit lies at or after it and zeros where a write never landed explain it (see
    /// `neverLanded`); anything else is damage, reported with the seq and offset.
    private static func badFrame(_ buf: UnsafeRawBufferPointer, base: Int, at offset: Int, end frameEnd: Int, seq: Int, why: String,
                                 out: inout LogScan, state: inout CodecState,
                                 rollback: (inout CodecState) -> Void) throws {
        try damageIfCommitFollows(buf, base: base, at: offset, seq: seq, why: why)
        guard let zeros = neverLanded(buf, base: base, committedEnd: out.committedEnd, frame: offset..<frameEnd) else {
            throw LedgerError(.damagedLog(offset: base + offset, seq: seq, .completeFrame(why: why)))
        }
        rollback(&state)
        out.tailBytes = base + buf.count - out.committedEnd
        if !buf[offset...].contains(where: { $0 != 0 }) {
            out.tailReason = "the file ends in zero bytes from byte offset \(base + offset), where a write never landed"
        } else {
            out.tailReason = "a frame at byte offset \(base + offset) runs into zero bytes at byte offsets \(zeros.lowerBound)–\(zeros.upperBound - 1), where a write never landed"
        }
    }

    /// The file's page size as far as torn writes go: a page of a write lands whole or not at all.
    static let pageSize = 4096

    /// Zeros that explain a bad frame (`frame`, a range of `buf`) as part of a write that never
    /// landed. A crash during an append leaves the bytes it meant to write, except that pages of
    /// the file after the last commit may read back as zeros (a page the append did not get onto
    /// the disk), and the file may end early. So the frame must overlap a page-aligned 4 KiB
    /// page, clipped to the bytes from `committedEnd` to the end of the file, whose bytes are all
    /// zero. A page can also read back as it was after an earlier write: its bytes up to where
    /// that write ended, then zeros. Writes end at a frame boundary, so then the frame starts a run
    /// of zeros to the end of its page (at the last commit's end, this is the first page, which
    /// the ledger shares with the append). Returns the zeros' byte offsets in the file, or nil.
    static func neverLanded(_ buf: UnsafeRawBufferPointer, base: Int, committedEnd: Int, frame: Range<Int>) -> Range<Int>? {
        let fileEnd = base + buf.count
        func zeros(_ r: Range<Int>) -> Bool {
            !r.isEmpty && !buf[(r.lowerBound - base)..<(r.upperBound - base)].contains(where: { $0 != 0 })
        }
        let start = base + frame.lowerBound, stop = base + frame.upperBound
        let own = start..<min(fileEnd, (start / pageSize + 1) * pageSize)
        if zeros(own) { return own }
        var page = start / pageSize * pageSize
        while page < stop {
            let clipped = max(page, committedEnd)..<min(page + pageSize, fileEnd)
            if zeros(clipped) { return clipped }
            page += pageSize
        }
        return nil
    }

    /// A frame that fails its checks or that the file ends inside of is a torn write only when
    /// no commit lies at or after it (a damaged length byte can make a frame seem to run past the
    /// end, or make the last commit itself unreadable; taking it for a torn tail would drop an
    /// acknowledged batch). Throws the damage when one does.
    private static func damageIfCommitFollows(_ buf: UnsafeRawBufferPointer, base: Int, at offset: Int, seq: Int, why: String) throws {
        guard let commit = findCommit(buf, from: offset) else { return }
        if commit.offset == offset {
            throw LedgerError(.damagedLog(offset: base + offset, seq: seq, .commitWithDamagedLength(why: why, commitSeq: Int(commit.seq))))
        }
        throw LedgerError(.damagedLog(offset: base + offset, seq: seq, .commitFollows(why: why, commitOffset: base + commit.offset)))
    }

    /// The seq named by a commit payload starting at `q`, recognised by its bytes alone, whatever
    /// the length byte before its CRC says: kind `0x40`, a varint seq and 32 hash bytes (34 to 42
    /// bytes), with the CRC-32C of exactly those bytes in the 4 bytes before `q`.
    static func commitPayload(_ buf: UnsafeRawBufferPointer, at q: Int) -> UInt64? {
        guard q >= 4, q < buf.count, buf[q] == Frame.commitKind else { return nil }
        var r = ByteReader(buf, from: q + 1, to: min(buf.count, q + 10))
        guard let seq = r.varint() else { return nil }
        let length = r.at - q + 32
        guard q + length <= buf.count else { return nil }
        var c = ByteReader(buf, from: q - 4, to: q)
        return c.u32() == Frame.crc(UnsafeRawBufferPointer(rebasing: buf[q..<(q + length)])) ? seq : nil
    }

    /// The first commit frame at or after the frame at `offset`, that frame included (its own
    /// length byte may be what is damaged): its offset (5 bytes before its payload, as a commit's
    /// length is one byte) and the seq it names.
    static func findCommit(_ buf: UnsafeRawBufferPointer, from offset: Int) -> (offset: Int, seq: UInt64)? {
        var found: (offset: Int, seq: UInt64)?
        eachCommit(buf, from: offset) { found = ($0, $1); return false }
        return found
    }

    /// Calls `body` with the offset and seq of each commit frame at or after the frame at
    /// `offset` (see `findCommit`), in order, until it returns false.
    package static func eachCommit(_ buf: UnsafeRawBufferPointer, from offset: Int, _ body: (Int, UInt64) -> Bool) {
        guard let start = buf.baseAddress else { return }
        var q = offset + 5
        while q < buf.count {
            guard let hit = ccap_find_byte(start + q, Int32(Frame.commitKind), buf.count - q) else { return }
            q = start.distance(to: UnsafeRawPointer(hit))
            if let seq = commitPayload(buf, at: q), !body(q - 5, seq) { return }
            q += 1
        }
    }
}
