/// Where a ledger's events live. The file store and the in-memory store implement it; the
/// query engine and the console only ever talk to this protocol.
public protocol EventStore: AnyObject {
    /// A short name for prompts and banners, e.g. `rainier` for `rainier.ledger`.
    var name: String { get }
    /// The ledger as of the last read or append.
    var ledger: Ledger { get }
    /// Size of the stored log in bytes.
    var byteCount: Int { get }
    /// Picks up events that other writers appended since the last read.
    /// - Returns: the seqs that are new, or nil when there are none.
    @discardableResult func refresh() throws -> ClosedRange<Int>?
    /// Appends a batch atomically and durably: every event of it, or none.
    @discardableResult func append(_ drafts: [EventDraft]) throws -> [Event]
    /// The chain hash of each event of the last successful `append`.
    var lastAppendHashes: [ChainHash] { get }
    /// Checks every record, the hash chain, and every rule from the first event on; the report
    /// also gives the chain's hash after each seq of `hashesAt` that the ledger holds.
    func verify(hashesAt: Set<Int>) throws -> VerifyReport
    /// Every committed event with the hash of its record, oldest first.
    func eventsWithHashes() throws -> [(Event, ChainHash)]
    /// The signature records of the committed batches, in log order (none without keys).
    func signatureRecords() throws -> [BatchSignature]
    /// The files this store keeps its ledger in, the log first: outputs must never overwrite
    /// them (see `OutputFile`). Empty for a store with no files.
    var filesInUse: [String] { get }
    /// The key that signs every batch this store appends (nil: unsigned). A ledger that holds
    /// keys refuses unsigned batches (`Ledger.checkSigner`).
    var signer: SigningKey? { get set }
}

extension EventStore {
    public var filesInUse: [String] { [] }

    /// `verify(hashesAt:)` asking for no hashes.
    public func verify() throws -> VerifyReport { try verify(hashesAt: []) }
}

/// What `verify` found on a sound ledger.
public struct VerifyReport: Sendable, Equatable {
    public var events: Int
    /// The chain's hash after each seq asked for (see `EventStore.verify(hashesAt:)`).
    public var hashesAt: [Int: ChainHash] = [:]
    public var head: ChainHash
    public var bytes: Int
    /// Bytes after the last commit that readers ignore (a torn or unfinished batch).
    public var ignoredTailBytes: Int
    public var tailReason: String?
    /// Signature records checked (each one valid, by a key in force for its batch).
    public var signatures = 0
    /// The keys the ledger holds, in the order added.
    public var keys = SigningKeys()
}

/// A ledger held in memory, with the same rules, encoding and hash chain as the file store.
/// Used by tests and by anything that needs a scratch ledger.
public final class InMemoryEventStore: EventStore {
    public let name: String
    public private(set) var ledger = Ledger()
    private var log: [UInt8] = LogHeader.make(created: Timestamp(micros: 0))
    private let clock: any LedgerClock
    public private(set) var lastAppendHashes: [ChainHash] = []
    public var signer: SigningKey?

    public init(name: String = "memory", clock: any LedgerClock = SystemClock()) {
        self.name = name
        self.clock = clock
    }

    public var byteCount: Int { log.count }

    public func refresh() throws -> ClosedRange<Int>? { nil }

    @discardableResult
    public func append(_ drafts: [EventDraft]) throws -> [Event] {
        let (events, hashes, bytes) = try ledger.append(drafts, now: clock.now(), fileOffset: log.count, signer: signer)
        log.append(contentsOf: bytes)
        lastAppendHashes = hashes
        return events
    }

    /// An independent store holding the same events (cheap: the ledger is copied on write).
    public func copy(clock: (any LedgerClock)? = nil) -> InMemoryEventStore {
        let c = InMemoryEventStore(name: name, clock: clock ?? self.clock)
        c.ledger = ledger
        c.log = log
        c.signer = signer
        return c
    }

    /// The log bytes this store would have written to a file.
    public var bytes: [UInt8] { log }

    public func verify(hashesAt: Set<Int>) throws -> VerifyReport {
        try log.withUnsafeBytes { (b) throws -> VerifyReport in try LedgerVerifier.verify(b, path: name, hashesAt: hashesAt) }
    }

    public func eventsWithHashes() throws -> [(Event, ChainHash)] {
        try log.withUnsafeBytes { (b) throws -> [(Event, ChainHash)] in try LedgerVerifier.hashedEvents(b, path: name) }
    }

    public func signatureRecords() throws -> [BatchSignature] {
        try log.withUnsafeBytes { (b) throws -> [BatchSignature] in try LedgerVerifier.signatureRecords(b, path: name) }
    }
}

/// Full checks over a log's bytes: frames, hash chain, then every rule replayed in seq order.
public enum LedgerVerifier {
    public static func verify(_ buf: UnsafeRawBufferPointer, path: String, hashesAt: Set<Int> = []) throws -> VerifyReport {
        if LogHeader.isUnfinishedHeader(buf) {
            return VerifyReport(events: 0, head: .genesis, bytes: buf.count, ignoredTailBytes: buf.count,
                                tailReason: buf.isEmpty ? nil : "the file holds only the start of a header")
        }
        _ = try LogHeader.check(buf, path: path)
        var state = CodecState.readOnly()
        let body = UnsafeRawBufferPointer(rebasing: buf[LogHeader.size...])
        var found: [Int: ChainHash] = [:]
        let scan = try LogScanner.scan(body, base: LogHeader.size, from: 0, firstSeq: 1, head: .genesis, state: &state,
                                       options: .init(verifyChain: true),
                                       onHash: hashesAt.isEmpty ? nil : { seq, h in if hashesAt.contains(seq) { found[seq] = h } })
        var rules = RuleState()
        var totals = AmountTotals()
        var keys = SigningKeys()
        let all = EventLookup(stored: scan.events)
        var lastRecorded: Int64 = 0
        for seq in stride(from: 1, through: scan.events.count, by: 1) {
            let p = all[seq], recorded = scan.events.recorded(seq - 1)
            guard recorded >= lastRecorded else {
                throw LedgerError(.recordedOutOfOrder(seq: seq, recorded: Timestamp(micros: recorded), previous: Timestamp(micros: lastRecorded)))
            }
            lastRecorded = recorded
            do {
                totals = try totals.adding(p)
                try rules.check(p, seq: seq, events: all)
            } catch let v as RuleViolation {
                throw v.error(state.strings).within(.storedSeq(seq))
            } catch let error as LedgerError {
                throw error.within(.storedSeq(seq))
            } catch let o as AmountTotals.Overflow {
                throw o.error(p.type).within(.storedSeq(seq))
            }
            rules.applyEffects(seq, events: all)
            if PackedEvent.isKeyEvent(p.code) {
                let body = all.event(seq, names: state.strings).body
                do { try keys.check(body, seq: seq) } catch let error as LedgerError {
                    throw error.within(.storedSeq(seq))
                }
                keys.apply(body, seq: seq)
            }
        }
        try checkSignatures(scan, keys: keys)
        if hashesAt.contains(0) { found[0] = .genesis }
        return VerifyReport(events: scan.events.count, hashesAt: found, head: scan.head, bytes: buf.count,
                            ignoredTailBytes: scan.tailBytes, tailReason: scan.tailReason,
                            signatures: scan.signatures.count, keys: keys)
    }

    /// Every signature record is a valid signature, by a key in force for the records it
    /// covers, of those records and the chain's head after them; and every batch that begins
    /// after the ledger's first key carries a signature of the whole batch.
    static func checkSignatures(_ scan: LogScan, keys: SigningKeys) throws {
        var signed = Set<ClosedRange<Int>>()
        for (s, head, offset) in scan.signatures {
            func refused(_ fault: LedgerError.SignatureFault) -> LedgerError {
                LedgerError(.signatureRecord(offset: offset, first: s.first, last: s.last, key: s.key, fault))
            }
            guard let key = keys.named(s.key) else { throw refused(.unknownKey) }
            guard key.inForce(forBatchFrom: s.first) else {
                throw refused(key.added >= s.first ? .keyNotInForce(addedAt: key.added, revokedAt: nil) : .keyNotInForce(addedAt: nil, revokedAt: key.revoked))
            }
            guard SigningKeys.isValid(signature: s.signature, message: SigningKeys.message(first: s.first, last: s.last, head: head),
                                      publicKey: key.publicKey) else {
                throw refused(.doesNotMatch)
            }
            signed.insert(s.first...s.last)
        }
        guard let firstKey = keys.all.first?.added else { return }
        for batch in scan.batches where keys.signatureRequired(forBatchFrom: batch.lowerBound) && !signed.contains(batch) {
            throw LedgerError(.unsignedBatch(first: batch.lowerBound, last: batch.upperBound, keysSince: firstKey))
        }
    }

    public static func signatureRecords(_ buf: UnsafeRawBufferPointer, path: String) throws -> [BatchSignature] {
        if LogHeader.isUnfinishedHeader(buf) { return [] }
        _ = try LogHeader.check(buf, path: path)
        var state = CodecState.readOnly()
        let body = UnsafeRawBufferPointer(rebasing: buf[LogHeader.size...])
        return try LogScanner.scan(body, base: LogHeader.size, from: 0, firstSeq: 1, head: .genesis, state: &state,
                                   options: .init(verifyChain: true)).signatures.map(\.signature)
    }

    public static func hashedEvents(_ buf: UnsafeRawBufferPointer, path: String) throws -> [(Event, ChainHash)] {
        // A file whose creation was cut short holds no events, as for `verify` and every reader.
        if LogHeader.isUnfinishedHeader(buf) { return [] }
        _ = try LogHeader.check(buf, path: path)
        var state = CodecState.readOnly()
        var out: [(Event, ChainHash)] = []
        let body = UnsafeRawBufferPointer(rebasing: buf[LogHeader.size...])
        _ = try LogScanner.scan(body, base: LogHeader.size, from: 0, firstSeq: 1, head: .genesis, state: &state,
                                options: .init(verifyChain: true)) { e, h, _ in out.append((e, h)) }
        return out
    }
}
