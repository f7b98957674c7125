import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A writer's start from the checkpoint beside the ledger: the rule state as of the checkpoint's
/// tie, read piece by piece as a batch touches it, so that appending to a large ledger does not
/// read its whole log.
///
/// What it reads (see `docs/log-format.md`): each undeployed-chips and allocated-power timeline
/// from the window's start on (with its level before); the last install or retirement of a rack
/// (found through the string hash table; `severalSites` when the rack name is used at more than
/// one site); voids before the tie; and any earlier event, decoded from the log from the anchor
/// before it. Anything further back makes the rules throw `NeedsFullLog`, and the writer reads
/// the whole log instead.
final class WriterBase: RuleBase {
    /// In the rack table: the rack name is used at more than one site.

    let reader: CheckpointReader
    private let fd: Int32
    private let cut: TimeKey
    private let anchorsAt: Int, anchorCount: Int
    private let voidsAt: Int, voidCount: Int
    private let timelines: [Int: (level: Int64, plus: Int64, minus: Int64, count: Int, at: Int, crc: UInt32)]
    private let keyIndex: [String: Int]

    var count: Int { reader.tieSeq }

    var damage: String? { reader.damage?.reason }

    /// Opens the checkpoint beside the ledger at `ledgerPath` (whose file is open as `fd`, read
    /// only here) for a writer. Throws `FleetCheckpoint.Unusable` when it is missing, stale,
    /// from another format or damaged.
    init(ledgerPath: String, fd ledgerFD: Int32) throws {
        reader = try CheckpointReader(path: FleetCheckpoint.path(forLedger: ledgerPath), ledgerPath: ledgerPath)
        _ = try reader.checkTie(fd: ledgerFD, ledgerPath: ledgerPath)
        let unusable = FleetCheckpoint.Unusable(reason: "checkpoint writer section damaged")
        let m = UnsafeRawBufferPointer(start: reader.map, count: reader.size)
        let sectionEnd = reader.writerAt + reader.writerLength
        guard reader.writerLength >= 8 else { throw unusable }
        // Every count below is checked against the bytes left before it is multiplied or added.
        let directoryLength = m.loadUnaligned(fromByteOffset: reader.writerAt, as: UInt64.self)
        guard directoryLength <= UInt64(reader.writerLength - 8) else { throw unusable }
        let directoryEnd = reader.writerAt + 8 + Int(directoryLength)
        guard Frame.crc(UnsafeRawBufferPointer(rebasing: m[reader.writerAt..<directoryEnd])) == reader.writerCRC else { throw unusable }
        var r = ByteReader(m, from: reader.writerAt + 8, to: directoryEnd)
        guard let c = r.zigzag(), let na = r.varint(), na <= UInt64(r.remaining / 24) else { throw unusable }
        cut = TimeKey(Timestamp(micros: c), 0)
        anchorsAt = r.at
        anchorCount = Int(na)
        r.at += anchorCount * 24
        guard r.at <= r.end, let nv = r.varint(), nv <= UInt64(r.remaining / 8) else { throw unusable }
        voidsAt = r.at
        voidCount = Int(nv)
        r.at += voidCount * 8
        guard r.at <= r.end, let nt = r.varint() else { throw unusable }
        var timelines: [Int: (level: Int64, plus: Int64, minus: Int64, count: Int, at: Int, crc: UInt32)] = [:]
        var pointsAt = directoryEnd
        for _ in 0..<nt {
            guard let k = r.varint(), let level = r.zigzag(), let plus = r.zigzag(), let minus = r.zigzag(),
                  let n = r.varint(), let crc = r.u32(), n <= UInt64((sectionEnd - pointsAt) / 20) else { throw unusable }
            timelines[Int(clamping: k)] = (level, plus, minus, Int(n), pointsAt, crc)
            pointsAt += Int(n) * 20
        }
        guard r.at <= r.end, pointsAt == sectionEnd else { throw unusable }
        self.timelines = timelines
        var keyIndex: [String: Int] = [:]
        for (i, name) in reader.keyNames.enumerated() {
            guard keyIndex.updateValue(i, forKey: name) == nil else { throw FleetCheckpoint.Unusable(reason: "checkpoint metadata names a key twice") }
        }
        self.keyIndex = keyIndex
        fd = dup(ledgerFD)
        guard fd >= 0 else { throw FleetCheckpoint.Unusable(reason: "cannot read the ledger") }
    }

    deinit { close(fd) }

    /// The ledger as a writer sees it from here: no events, the checkpoint's head, codec state and
    /// anchors, and the rule state loaded on demand.
    func ledger() throws -> Ledger {
        var codec = reader.codecState()
        codec.strings.ids = SlotIndex()
        codec.strings.baseLookup = { [reader] in reader.number(of: $0) }
        codec.seekPoints.anchors = (0..<anchorCount).map(anchor)
        do {
            return try Ledger(base: self, head: reader.head, codec: codec, definitions: reader.definitions + reader.keyEvents, totals: reader.amounts)
        } catch let u as FleetCheckpoint.Unusable {
            // A name not found because the string table is damaged: say so.
            throw reader.damage ?? u
        }
    }

    /// Anchor `i` of the directory (24 bytes: offset, previous recorded and effective times).
    private func anchor(_ i: Int) -> LogAnchor {
        let p = UnsafeRawPointer(reader.map), at = anchorsAt + i * 24
        return LogAnchor(offset: Int(clamping: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)),
                         prevRecorded: p.loadUnaligned(fromByteOffset: at + 8, as: Int64.self),
                         prevEffectiveSeconds: p.loadUnaligned(fromByteOffset: at + 16, as: Int64.self))
    }

    // MARK: RuleBase

    func timeline(_ line: BaseTimeline, covering key: TimeKey, extending current: DeltaTimeline?) throws -> DeltaTimeline {
        let name: String
        switch line {
        case .undeployed(let site, let model): name = FleetCheckpoint.chipsKey(site, model)
        case .allocated(let site): name = FleetCheckpoint.powerKey(site)
        }
        guard cut <= key else { throw NeedsFullLog(reason: "\(line) before the checkpoint's window") }
        // A timeline without points never had any: exact everywhere.
        guard let k = keyIndex[name], let t = timelines[k] else { return current ?? DeltaTimeline() }
        let p = UnsafeRawPointer(reader.map + t.at)
        if current == nil {
            guard Frame.crc(UnsafeRawBufferPointer(start: p, count: t.count * 20)) == t.crc else {
                throw NeedsFullLog(reason: "checkpoint timeline damaged")
            }
        }
        @inline(__always) func point(_ i: Int) -> (TimeKey, Int64) {
            let at = i * 20
            return (TimeKey(effective: p.loadUnaligned(fromByteOffset: at, as: Int64.self),
                            seq: Int(p.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self))),
                    p.loadUnaligned(fromByteOffset: at + 12, as: Int64.self))
        }
        func first(atOrAfter key: TimeKey) -> Int {
            var lo = 0, hi = t.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if point(mid).0 < key { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        // Read from the event's key on only; the points before it are summed, not kept.
        let from = first(atOrAfter: key)
        let to = current?.floor.map { first(atOrAfter: $0) } ?? t.count
        var level = t.level, plus = t.plus, minus = t.minus
        for i in 0..<from {
            let d = point(i).1
            level += d
            if d > 0 { plus += d } else { minus -= d }
        }
        if var current {
            current.extend(floor: key, baseLevel: level, basePlus: plus, baseMinus: minus, count: to - from) { point(from + $0) }
            return current
        }
        return DeltaTimeline(floor: key, baseLevel: level, basePlus: plus, baseMinus: minus, count: t.count - from) { point(from + $0) }
    }

    func lastRackMark(site: UInt32, rack: UInt32) throws -> (seq: Int, event: EventLookup.Fetched)? {
        // A writer numbers the checkpoint's strings as the checkpoint does; a name numbered after
        // them is new since the checkpoint, so no rack of that name was marked before it.
        guard rack < reader.stringsCount else { return nil }
        guard let seq = reader.rackMark(Int(rack)) else { throw NeedsFullLog(reason: damage ?? "rack table") }
        if seq == 0 { return nil }
        if seq == FleetCheckpoint.rackAtSeveralSites { throw NeedsFullLog(reason: "rack #\(rack) of the string table is named at several sites") }
        let e = try event(Int(seq))
        switch e.record.code {
        case PackedEvent.rackInstalled, PackedEvent.rackRetired:
            guard e.record.rack == rack else { throw NeedsFullLog(reason: "rack table names seq \(seq), not a mark of that rack") }
            return e.record.site == site ? (Int(seq), e) : nil
        default:
            throw NeedsFullLog(reason: "rack table names seq \(seq), not a rack event")
        }
    }

    func voidedBy(_ seq: Int) throws -> Int? {
        let p = UnsafeRawPointer(reader.map)
        var lo = 0, hi = voidCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            let t = Int(p.loadUnaligned(fromByteOffset: voidsAt + mid * 8, as: UInt32.self))
            if t == seq { return Int(p.loadUnaligned(fromByteOffset: voidsAt + mid * 8 + 4, as: UInt32.self)) }
            if t < seq { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Event `seq` (at most the tie's), decoded from the log from the anchor before it.
    func event(_ seq: Int) throws -> EventLookup.Fetched {
        let a = (seq - 1) / LogAnchor.interval
        guard seq >= 1, seq <= count, a < anchorCount else { throw NeedsFullLog(reason: "no anchor before seq \(seq)") }
        let start = anchor(a)
        let offset = start.offset
        guard offset >= 0, offset < reader.commitEnd else { throw NeedsFullLog(reason: "anchor past the tie") }
        var length = 1 << 16
        while true {
            let end = offset + min(length, reader.commitEnd - offset)
            var bytes = [UInt8](repeating: 0, count: end - offset)
            guard SystemCall.readsWhole(fd, &bytes, at: offset) else { throw NeedsFullLog(reason: "cannot read the log") }
            var state = reader.codecState()
            state.strings.baseLookup = { [reader] in reader.number(of: $0) }
            state.times.recorded = start.prevRecorded
            state.times.effectiveSeconds = start.prevEffectiveSeconds
            let found = try bytes.withUnsafeBytes { raw -> EventLookup.Fetched? in
                var r = ByteReader(raw, from: 0, to: raw.count)
                var s = a * LogAnchor.interval + 1
                while r.remaining > 0 {
                    guard let (payload, intact) = Frame.read(&r) else { return nil }
                    guard intact else { throw NeedsFullLog(reason: "log damaged") }
                    if payload[0] == Frame.commitKind || payload[0] == Frame.markKind || payload[0] == Frame.signatureKind { continue }
                    var pr = ByteReader(payload, from: 0, to: payload.count)
                    guard let (record, extra) = try? RecordCodec.decodePacked(&pr, state: &state) else { throw NeedsFullLog(reason: "log damaged") }
                    if s == seq { return EventLookup.Fetched(record: record, extra: extra, recorded: state.times.recorded) }
                    s += 1
                }
                return nil
            }
            if let found { return found }
            guard end < reader.commitEnd else { throw NeedsFullLog(reason: "seq \(seq) not found from its anchor") }
            length *= 4
        }
    }
}
