import CapacityLedger
/// What `capacity recover` finds in a ledger file: every event committed before the first
/// damage, with its hash, and exactly what was lost after it.
public struct Recovery {
    /// The committed events before the damage, with their hashes, oldest first.
    public var events: [(Event, ChainHash)]
    /// The hash after the last of them (the genesis hash when there are none).
    public var head: ChainHash
    /// Byte offset just past the last good commit: everything before it is saved.
    public var committedEnd: Int
    public var fileSize: Int
    /// The damage that stopped the reading, if any; or, when bytes that read like a torn write
    /// follow the last commit but the checkpoint beside the ledger was built at a later seq, that
    /// (see `FileEventStore.refuseLostTail`).
    public var damage: LogDamage?
    /// Without damage: why the bytes after the last commit are a torn write, if there are any.
    public var tailReason: String?
    /// The commit records that can still be found after the last good commit: their byte offsets
    /// and the seqs they name. They show how far the ledger reached.
    public var commitsAfter: [(offset: Int, seq: Int)] = []
    /// The seq the checkpoint beside the ledger was built at, when it is later than the last
    /// saved event and bytes follow the last good commit.
    public var checkpointSeq: Int?

    /// Bytes after the last good commit.
    public var bytesAfter: Int { fileSize - committedEnd }

    /// Whether acknowledged events were lost.
    public var lostEvents: Bool { damage != nil }

    /// The report for standard error, line by line. `destination` names where the events went.
    public func report(destination: String) -> [String] {
        let kept = events.count < 2 ? (events.isEmpty ? "no events" : "1 event (seq 1)") : "\(Format.counted(events.count, "event")) (seq 1–\(events.count))"
        guard lostEvents else {
            var lines = ["the ledger is not damaged: wrote all \(kept) to \(destination), head \(head.hex)"]
            if bytesAfter > 0 {
                lines.append("\(Format.counted(bytesAfter, "byte")) after the last commit \(bytesAfter == 1 ? "is" : "are") a torn write, never acknowledged, and not saved (\(tailReason ?? "unfinished batch"))")
            }
            return lines
        }
        var lines: [String] = []
        if let damage { lines.append(damage.message) }
        if events.isEmpty {
            lines.append("no batch before the damage is intact: the last good commit is the header's end, byte offset \(committedEnd)")
        } else {
            lines.append("the last good seq is \(events.count), head \(head.hex), committed by the commit record that ends at byte offset \(committedEnd)")
        }
        lines.append("\(Format.counted(bytesAfter, "byte")) follow\(bytesAfter == 1 ? "s" : "") it, to the end of the file, and \(bytesAfter == 1 ? "is" : "are") not saved")
        // How far the ledger reached: the seqs named by the commits still found, and the checkpoint.
        func existed(_ seq: Int) -> String {
            guard seq > events.count else { return "" }
            return ": events up to seq \(seq) existed, so " + (seq == events.count + 1 ? "seq \(seq) is lost" : "seq \(events.count + 1)–\(seq) are lost")
        }
        if commitsAfter.isEmpty {
            lines.append("no commit record can be found in them")
        } else {
            let named = commitsAfter.map { "seq \($0.seq) (byte offset \($0.offset))" }
            let shown = named.count <= 8 ? named : Array(named.prefix(4)) + ["…"] + Array(named.suffix(3))
            let list = shown.count == 1 ? shown[0] : shown.dropLast().joined(separator: ", ") + " and " + shown.last!
            lines.append("\(Format.counted(commitsAfter.count, "commit record")) can still be found in them, naming \(list)\(existed(commitsAfter.map(\.seq).max()!))")
        }
        if let checkpointSeq {
            lines.append("the checkpoint beside the ledger was built at seq \(checkpointSeq)\(existed(checkpointSeq))")
        }
        lines.append("wrote \(kept) to \(destination)")
        return lines
    }
}

extension FileEventStore {
    /// Reads the ledger at `path` as far as it can: every batch committed before the first damage
    /// (frames, records, commits and the hash chain are checked as `export` checks them), then what
    /// follows. Throws only when the file cannot be read or its header is not a ledger's.
    public static func recover(path: String) throws -> Recovery {
        let store = try FileEventStore(path: path, create: false, forAppending: true)
        let bytes = try store.wholeFile()
        var found = try bytes.withUnsafeBytes { (buf) throws -> Recovery in
            if LogHeader.isUnfinishedHeader(buf) {
                return Recovery(events: [], head: .genesis, committedEnd: buf.count, fileSize: buf.count)
            }
            _ = try LogHeader.check(buf, path: path)
            var state = CodecState.readOnly()
            var events: [(Event, ChainHash)] = []
            let body = UnsafeRawBufferPointer(rebasing: buf[LogHeader.size...])
            let scan = try LogScanner.scan(body, base: LogHeader.size, from: 0, firstSeq: 1, head: .genesis, state: &state,
                                           options: .init(verifyChain: true, stopAtDamage: true)) { e, h, _ in events.append((e, h)) }
            var found = Recovery(events: events, head: scan.head, committedEnd: scan.committedEnd, fileSize: buf.count,
                                 damage: scan.damage, tailReason: scan.tailReason)
            LogScanner.eachCommit(body, from: scan.committedEnd - LogHeader.size) { offset, seq in
                found.commitsAfter.append((LogHeader.size + offset, Int(clamping: seq)))
                return true
            }
            return found
        }
        if found.bytesAfter > 0, let seq = FleetCheckpoint.builtAt(ledgerPath: path), seq > found.events.count {
            found.checkpointSeq = seq
            if found.damage == nil {
                found.damage = LogDamage(offset: found.committedEnd, message: lostTail(
                    checkpointSeq: seq, events: found.events.count, committedEnd: found.committedEnd, tailBytes: found.bytesAfter, reason: found.tailReason))
            }
        }
        return found
    }
}
