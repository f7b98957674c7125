/// The ledger as a value: the events in seq order, the head of the hash chain, and what is needed
/// to check and encode the next batch. Pure: no files, no clock (the time of recording is passed in).
///
/// Both stores (`FileEventStore`, `InMemoryEventStore`) keep one of these and differ only in where
/// the bytes that `append` returns go.
public struct Ledger: Sendable {
    /// Every event, packed (`PackedEvent`), except in a ledger opened for writing from a
    /// checkpoint (`isPartial`): there it holds the events after the checkpoint only, from
    /// `firstSeq` on, and the earlier ones the rules read from the log (voids' targets, racks'
    /// last marks, the definitions).
    private(set) var past = EventLookup()
    /// The rule state as of the checkpoint a writer started from (nil: all events are here).
    package var base: (any RuleBase)?
    /// SHA-256 chain head: the hash of the last record, or 32 zero bytes when empty.
    public private(set) var head: ChainHash = .genesis
    /// For each voided seq, the seq of the `event.voided` that voided it.
    public private(set) var voidedBy: [Int: Int] = [:]
    /// The operators' keys the ledger holds (`key.added`, `key.revoked`).
    public private(set) var keys = SigningKeys()
    /// The format version of the file the ledger is written to: a store of an older file
    /// (`LogHeader.readable`) sets it, and records only a later format holds
    /// (`LogHeader.versionNeeded(by:)`) are refused until the file is upgraded.
    public var formatVersion = LogHeader.version
    /// Records between chain marks inside one large batch.
    public static let markInterval = 1024

    package var codec = CodecState.readOnly()
    /// The rule state, kept by writers once `hasRules` (built on the first append). Not an
    /// optional: changed in place beside the other parts, an optional's force unwrap made
    /// copies of the state, or of the parts, for every event.
    var rules = RuleState()
    private(set) var hasRules = false
    /// The magnitudes of every amount so far, per unit; kept by writers (with `rules`).
    var totals = AmountTotals()
    var lastRecorded = Timestamp(micros: 0)

    public init() {}

    public var count: Int { past.lastSeq }

    /// The seq of `events[0]`: 1, or the first seq after the checkpoint a writer started from.
    public var firstSeq: Int { past.firstSeq }

    /// The packed records, `stored[seq - firstSeq]`.
    var stored: EventStorage { past.stored }

    /// The events, `events[seq - firstSeq]`, each built when read (see `EventList`).
    public var events: EventList { EventList(storage: past.stored, names: codec.strings, firstSeq: past.firstSeq) }

    /// Whether this ledger holds only the events after a checkpoint (a writer's view).
    public var isPartial: Bool { firstSeq > 1 }

    /// A writer's view of a ledger from a checkpoint: its last seq and hash, the codec state and
    /// the rule state as of the checkpoint, without its events. Throws `FleetCheckpoint.Unusable`
    /// when a definition names a string the checkpoint's table does not hold.
    package init(base: any RuleBase, head: ChainHash, codec: CodecState, definitions: [Event], totals: AmountTotals) throws {
        self.base = base
        self.totals = totals
        past.firstSeq = base.count + 1
        self.head = head
        self.codec = codec
        lastRecorded = Timestamp(micros: codec.times.recorded)
        rules.racks = RackMarks(denseFrom: UInt32(codec.strings.baseCount))
        for e in definitions.sorted(by: { $0.seq < $1.seq }) where PackedEvent.isKeyEvent(e.type.code) {
            keys.apply(e.body, seq: e.seq)
        }
        for e in definitions.sorted(by: { TimeKey($0.effective, $0.seq) < TimeKey($1.effective, $1.seq) })
        where !PackedEvent.isKeyEvent(e.type.code) {
            let name: String
            switch e.body {
            case .siteOpened(let site, _, _, _, _, _), .siteUpdated(let site, _, _, _, _), .siteClosed(let site): name = site
            case .chipModelDefined(let model, _, _, _, _, _): name = model
            default: throw FleetCheckpoint.Unusable(reason: "checkpoint definition #\(e.seq) is not a definition")
            }
            guard let number = self.codec.strings.existingNumber(of: name) else {
                throw FleetCheckpoint.Unusable(reason: "checkpoint definition #\(e.seq) names a string the checkpoint does not hold")
            }
            var p = PackedEvent(code: e.type.code, effective: e.effective.micros)
            p.a = number
            p.amount = EventFields(e.body).amount
            p.flags = EventStorage.Extra(of: e) == nil ? 0 : PackedEvent.extraFlag
            past.fetched[e.seq] = EventLookup.Fetched(record: p, extra: EventStorage.Extra(of: e), recorded: e.recorded.micros)
            rules.applyEffects(e.seq, events: past)
        }
        hasRules = true
    }

    /// Adds events that were read from the log: they were checked when they were appended.
    /// (Throws only for a writer from a checkpoint that the events reach behind.)
    package mutating func absorb(_ new: EventStorage, head: ChainHash) throws {
        if past.stored.isEmpty, !hasRules, base == nil {
            // A reader's first read: take the records as they are (no copy).
            past.stored = new
            for i in 0..<new.count {
                let p = new[i]
                if p.code == PackedEvent.eventVoided { voidedBy[Int(p.amount)] = firstSeq + i }
                if PackedEvent.isKeyEvent(p.code) { keys.apply(keyBody(p), seq: firstSeq + i) }
            }
            lastRecorded = max(lastRecorded, new.lastRecorded.map(Timestamp.init(micros:)) ?? lastRecorded)
            self.head = head
            return
        }
        for i in 0..<new.count {
            let seq = count + 1
            let p = new[i]
            if let base { try rules.load(for: p, seq: seq, from: base, events: &past, names: codec.strings) }
            let recorded = new.recorded(i)
            past.stored.append(p, recorded: recorded, extra: new.extra(i))
            if p.code == PackedEvent.eventVoided { voidedBy[Int(p.amount)] = seq }
            if PackedEvent.isKeyEvent(p.code) { keys.apply(keyBody(p), seq: seq) }
            if hasRules {
                rules.applyEffects(seq, events: past)
                totals.absorb(p)
            }
            lastRecorded = max(lastRecorded, Timestamp(micros: recorded))
        }
        self.head = head
    }

    /// The body of a key event held packed (its names are in the string table).
    func keyBody(_ p: PackedEvent) -> EventBody {
        p.code == PackedEvent.keyAdded ? .keyAdded(key: codec.name(p.a), publicKey: codec.name(p.b)) : .keyRevoked(key: codec.name(p.a))
    }

    /// The key that signs the batch appended next, given `signer` (nil: none given): once the
    /// ledger holds a key every batch is signed, by a key in force whose public key is the one
    /// the ledger recorded. A ledger that holds no key yet has nothing to check a signature
    /// against, so its batches are not signed (nil), whatever is given. Throws
    /// `LedgerError.data`; called before anything is written.
    public func batchSigner(_ signer: SigningKey?) throws -> SigningKey? {
        let first = count + 1
        guard keys.signatureRequired(forBatchFrom: first) else { return nil }
        guard let signer else {
            throw LedgerError(.unsignedAppend(inForce: keys.inForce(forBatchFrom: first).map(\.name)))
        }
        guard let key = keys.named(signer.name) else {
            throw LedgerError(.signerNotRecorded(name: signer.name, keys: keys.all.map(\.name)))
        }
        guard key.publicKey == signer.publicKey else {
            throw LedgerError(.signerMismatch(name: signer.name, added: key.added, fingerprint: key.fingerprint))
        }
        guard key.inForce(forBatchFrom: first) else {
            throw LedgerError(.signerRevoked(name: signer.name, at: key.revoked ?? 0))
        }
        return signer
    }

    /// Why this ledger's file cannot hold a record that needs format `version`, or nil when it can.
    func refusal(needing version: UInt16) -> LedgerError? {
        guard version > formatVersion else { return nil }
        return LedgerError(.needsUpgrade(version: Int(formatVersion), what: LogHeader.records(since: version)))
    }

    /// Builds the rule state from the events (once, on the first append).
    mutating func prepareRules() {
        defer { codec.strings.ensureWritable() }
        guard !hasRules else { return }
        rules = RuleState()
        rules.racks.reserveCapacity(past.stored.count)
        totals = AmountTotals()
        for seq in stride(from: firstSeq, through: count, by: 1) {
            rules.applyEffects(seq, events: past)
            totals.absorb(past[seq])
        }
        hasRules = true
    }

    /// Checks, assigns seq, recorded time and hash, and encodes a batch. Returns the new events
    /// and the bytes to append to the log file: the records, a chain mark every 1,024 records,
    /// and one commit record. On any error the ledger is unchanged and nothing is returned.
    ///
    /// - Parameter now: the time of recording (the clock is the caller's).
    /// - Parameter speculative: for a view that is never written (`OverlayEventStore`): the
    ///   batch is not signed, and a ledger with keys does not ask for a signature.
    public mutating func append(_ drafts: [EventDraft], now: Timestamp, fileOffset: Int = 0, signer: SigningKey? = nil,
                                speculative: Bool = false) throws -> (events: [Event], hashes: [ChainHash], bytes: [UInt8]) {
        guard !drafts.isEmpty else { return ([], [], []) }
        let signer = speculative ? nil : try batchSigner(signer)
        var batch = beginBatch()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(drafts.count * 40 + 64)
        var hashes: [ChainHash] = []
        hashes.reserveCapacity(drafts.count)
        do {
            for d in drafts {
                try add(d, now: now, to: &batch, bytes: &bytes, fileOffset: fileOffset)
                hashes.append(head)
            }
        } catch {
            rollback(batch)
            throw error
        }
        do {
            try finish(batch, bytes: &bytes, signer: signer)
        } catch {
            rollback(batch)
            throw error
        }
        return (Array(events.suffix(count - batch.count)), hashes, bytes)
    }

    /// Where a batch started, so that it can be rolled back exactly.
    public struct Batch: Sendable {
        let count: Int
        let head: ChainHash
        let lastRecorded: Timestamp
        let strings: Int
        let rec: Int64
        let eff: Int64
        let totals: AmountTotals
        var added = 0
    }

    /// Makes room for about `n` more events (a large import), so that the event list and the
    /// rule state's racks are not copied as they grow. Room an estimate got wrong costs address
    /// space only (pages are not touched until used).
    public mutating func reserve(events n: Int) {
        guard n > 0 else { return }
        past.stored.reserveCapacity(past.stored.count + n)
        codec.strings.texts.reserveCapacity(codec.strings.texts.count + n)
        // About half the events of a large import bring a new string (a rack's name): the
        // string numbers' index made that large at once is not rehashed as it grows, and its
        // slots, zero pages until used, take memory only where entries land.
        codec.strings.ids?.reserveCapacity(codec.strings.texts.count + min(n / 2, 1 << 25))
        if hasRules { rules.racks.reserveCapacity(n) }
    }

    /// Starts a batch: `add` drafts one at a time, then `finish` it, or `rollback` on any error.
    /// This is how large imports stream without holding the whole input in memory.
    public mutating func beginBatch() -> Batch {
        prepareRules()
        return Batch(count: count, head: head, lastRecorded: lastRecorded, strings: codec.strings.texts.count,
                     rec: codec.times.recorded, eff: codec.times.effectiveSeconds, totals: totals)
    }

    /// Checks and adds one draft; appends its frame (and a chain mark every 1,024 records) to `bytes`.
    /// `fileOffset` is where `bytes` starts in the log file. After an error the batch must be
    /// rolled back (`rollback`): the draft's record was encoded, and its new strings numbered,
    /// before it was checked.
    ///
    /// With `chained: false` the hash chain is left to the caller (`ChainingWriter`, which hashes
    /// the frames behind the writer): `head` stays where the batch began until `chainCaughtUp`,
    /// a mark's head is written as zeros to be filled in, and a hash the draft gives is not
    /// checked here.
    public mutating func add(_ d: EventDraft, now: Timestamp, to batch: inout Batch, bytes: inout [UInt8], fileOffset: Int = 0,
                             chained: Bool = true) throws {
        try withUnsafePointer(to: d) { try add($0, now: now, to: &batch, bytes: &bytes, fileOffset: fileOffset, chained: chained) }
    }

    /// `add` for a draft read where it lies (an import's chunk): passed by value from there,
    /// the whole draft was copied, and its strings retained and released, for every call.
    ///
    /// `rackHash` is the `NameHash` of the draft's rack when the caller has it already (from
    /// `prefetch(for:)`), so that it is not worked out twice.
    package mutating func add(_ d: UnsafePointer<EventDraft>, now: Timestamp, to batch: inout Batch, bytes: inout [UInt8], fileOffset: Int = 0,
                      chained: Bool = true, rackHash: UInt64? = nil) throws {
        let seq = count + 1
        if let given = d.pointee.seq, given != seq {
            throw LedgerError(.seqDoesNotFollow(given: given, next: seq)).atLine(d.pointee.line)
        }
        if let refused = refusal(needing: LogHeader.versionNeeded(by: d.pointee.body)) { throw refused.atLine(d.pointee.line) }
        let recorded: Timestamp
        if let r = d.pointee.recorded {
            guard r >= lastRecorded else {
                throw LedgerError(.recordedBackwards(type: d.pointee.body.type, recorded: r, last: lastRecorded)).atLine(d.pointee.line)
            }
            guard r <= now else {
                throw LedgerError(.recordedInFuture(type: d.pointee.body.type, recorded: r, now: now)).atLine(d.pointee.line)
            }
            recorded = r
        } else {
            recorded = max(now, lastRecorded)
        }
        let effective = d.pointee.effective ?? Timestamp(seconds: recorded.seconds)
        // Encoding numbers the record's names (a new one is added to the string table), which
        // the rules then compare. The record's frame goes straight into `bytes` (dropped with
        // them when a rule refuses the draft).
        codec.seekPoints.note(seq: seq, offset: fileOffset + bytes.count, times: codec.times)
        let (frame, p) = Frame.append(to: &bytes) { w in
            RecordCodec.encode(body: d.pointee.body, note: d.pointee.note, source: d.pointee.source, recorded: recorded, effective: effective,
                               state: &codec, into: &w, rackHash: rackHash)
        }
        if let base { try rules.load(for: p, seq: seq, from: base, events: &past, names: codec.strings) }
        let newTotals: AmountTotals
        do {
            // The totals first: within them no sum the rules compute can overflow.
            newTotals = try totals.adding(p)
            try rules.check(p, seq: seq, events: past)
        } catch let v as RuleViolation {
            throw v.error(codec.strings).atLine(d.pointee.line)
        } catch let error as LedgerError {
            throw error.atLine(d.pointee.line)
        } catch let o as AmountTotals.Overflow {
            throw o.error(d.pointee.body.type).atLine(d.pointee.line)
        }
        if PackedEvent.isKeyEvent(p.code) {
            do { try keys.check(d.pointee.body, seq: seq) } catch let error as LedgerError { throw error.atLine(d.pointee.line) }
            keys.apply(d.pointee.body, seq: seq)
        }
        totals = newTotals
        // Most drafts carry nothing a packed record leaves out: told by the type code and the
        // draft's rare fields, without a copy of the body for `Extra.of`.
        let whole = PackedEvent.keepsWholeBody(p.code)
        let extra: EventStorage.Extra? = whole || d.pointee.hasRareFields
            ? .of(body: d.pointee.body, note: d.pointee.note, source: d.pointee.source) : nil
        past.stored.append(p, recorded: recorded.micros, extra: extra)
        rules.applyEffects(seq, events: past)
        if p.code == PackedEvent.eventVoided { voidedBy[Int(p.amount)] = seq }
        lastRecorded = recorded

        if chained {
            head = bytes.withUnsafeBytes { head.chained(with: UnsafeRawBufferPointer(rebasing: $0[frame])) }
            if let expected = d.pointee.hash, expected != head.hex {
                throw Self.hashMismatch(expected: expected, computed: head, seq: seq, line: d.pointee.line)
            }
        }
        if let carried = d.pointee.signature { try carry(carried, seq: seq, line: d.pointee.line, hash: d.pointee.hash, bytes: &bytes) }
        batch.added += 1
        if batch.added % Self.markInterval == 0 {
            Frame.append(payload: Frame.anchorPayload(kind: Frame.markKind, seq: seq, head: chained ? head : .genesis), to: &bytes)
        }
    }

    /// Writes the signature records an exported line carries after its record, each checked
    /// first: by a key in force for the records it covers, and a valid signature of them and
    /// the hash after them (the line's own hash, which the chain is held to).
    private mutating func carry(_ text: String, seq: Int, line: Int?, hash: String?, bytes: inout [UInt8]) throws {
        guard let hash, let head = ChainHash(hex: hash), let signatures = BatchSignature.carried(text, last: seq) else {
            throw LedgerError(.signatureDoesNotFit(seq: seq)).atLine(line)
        }
        if let refused = refusal(needing: LogHeader.signaturesSince) { throw refused.atLine(line) }
        for s in signatures {
            guard let key = keys.named(s.key), key.inForce(forBatchFrom: s.first) else {
                throw LedgerError(.signatureKeyNotInForce(first: s.first, last: seq, key: s.key)).atLine(line)
            }
            guard SigningKeys.isValid(signature: s.signature, message: SigningKeys.message(first: s.first, last: seq, head: head), publicKey: key.publicKey) else {
                throw LedgerError(.signatureDoesNotMatch(first: s.first, last: seq, key: s.key)).atLine(line)
            }
            Frame.append(payload: s.payload, to: &bytes)
        }
    }

    /// The error for an exported line whose hash is not the one its record chains to.
    package static func hashMismatch(expected: String, computed: ChainHash, seq: Int, line: Int?) -> LedgerError {
        LedgerError(.hashMismatch(expected: expected, computed: computed, seq: seq)).atLine(line)
    }

    /// The head of the chain once the frames added with `chained: false` are hashed.
    package mutating func chainCaughtUp(_ head: ChainHash) {
        self.head = head
    }

    /// Starts loading the table slot that adding `d` will look up first (its rack's name in the
    /// string numbers): called a few drafts ahead, it lets that lookup, which in a large import
    /// nearly always misses the cache, find its memory already on the way.
    ///
    /// Mutating only so that a store holding the ledger calls it in place: called as a
    /// non-mutating method on a class's stored property, the whole ledger was copied (every one
    /// of its buffers retained and released) once per draft.
    ///
    /// Returns the rack name's `NameHash`, for `add` (nil when the draft names no rack).
    @discardableResult
    public mutating func prefetch(for d: UnsafePointer<EventDraft>) -> UInt64? {
        switch d.pointee.body {
        case .rackInstalled(_, let rack, _, _, _), .rackRetired(_, let rack):
            let hash = NameHash.of(rack)
            codec.strings.prefetch(hash: hash)
            return hash
        default:
            return nil
        }
    }

    /// Ends a batch with its commit record, after its signature record when `signer` is given
    /// (the one `batchSigner` returned before the batch began). The head must be caught up.
    public mutating func finish(_ batch: Batch, bytes: inout [UInt8], signer: SigningKey? = nil) throws {
        if let signer {
            let first = batch.count + 1
            let signature = try signer.signature(for: SigningKeys.message(first: first, last: count, head: head))
            Frame.append(payload: BatchSignature(first: first, last: count, key: signer.name, signature: signature).payload, to: &bytes)
        }
        Frame.append(payload: Frame.anchorPayload(kind: Frame.commitKind, seq: count, head: head), to: &bytes)
    }

    /// Undoes everything added since `beginBatch`, newest first, so that every rule state
    /// change is reversed exactly.
    public mutating func rollback(_ saved: Batch) {
        while count > saved.count {
            let seq = count
            let p = past[seq]
            if PackedEvent.isKeyEvent(p.code) { keys.remove(keyBody(p), seq: seq) }
            rules.removeEffects(seq, events: past)
            if p.code == PackedEvent.eventVoided { voidedBy[Int(p.amount)] = nil }
            past.stored.removeLast()
        }
        codec.seekPoints.drop(after: saved.count)
        head = saved.head
        lastRecorded = saved.lastRecorded
        while codec.strings.texts.count > saved.strings { codec.strings.removeLast() }
        codec.times.recorded = saved.rec
        codec.times.effectiveSeconds = saved.eff
        totals = saved.totals
    }
}
