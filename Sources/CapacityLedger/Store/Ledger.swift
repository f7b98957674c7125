/// The ledger as a value: the events in seq order, the head of the hash chain, and what is needed
/// to check and encode the next batch. Pure: no files, no clock (the time of recording is passed in).
///
/// Both stores (`FileEventStore`, `InMemoryEventStore`) keep one of these and differ only in where
/// the bytes that `append` returns go.
public struct Ledger: Sendable {
    /// Every event, packed (`PackedEvent`): `stored[seq - 1]`, except in a ledger opened for
    /// writing from a checkpoint (`isPartial`): there it holds the events after the checkpoint
    /// only, from `firstSeq` on.
    private(set) var stored = EventStorage()
    /// The seq of `events[0]`: 1, or the first seq after the checkpoint a writer started from.
    public private(set) var firstSeq = 1
    /// The rule state as of the checkpoint a writer started from (nil: all events are here).
    var base: (any RuleBase)?
    /// Events before `firstSeq` read from the log for the rules (voids of them).
    var fetched: [Int: Event] = [:]
    /// SHA-256 chain head: the hash of the last record, or 32 zero bytes when empty.
    public private(set) var head: ChainHash = .genesis
    /// For each voided seq, the seq of the `event.voided` that voided it.
    public private(set) var voidedBy: [Int: Int] = [:]
    /// Records between chain marks inside one large batch.
    public static let markInterval = 1024

    var codec = CodecState.readOnly()
    var rules: RuleState?
    /// The magnitudes of every amount so far, per unit; kept by writers (with `rules`).
    var totals = AmountTotals()
    var lastRecorded = Timestamp(micros: 0)

    public init() {}

    public var count: Int { firstSeq - 1 + stored.count }

    /// The events, `events[seq - firstSeq]`, each built when read (see `EventList`).
    public var events: EventList { EventList(storage: stored, names: codec, firstSeq: firstSeq) }

    /// Whether this ledger holds only the events after a checkpoint (a writer's view).
    public var isPartial: Bool { firstSeq > 1 }

    /// The events as the rules see them.
    var lookup: EventLookup { EventLookup(events, fetched: fetched) }

    /// The events as the rules need them for `e`: only a void looks back at other events, so
    /// the others get none (building the lookup for every event of a large import cost a
    /// fifth of its time).
    func lookup(for e: Event) -> EventLookup {
        if case .eventVoided = e.body { return lookup }
        return .none
    }

    /// A writer's view of a ledger from a checkpoint: its last seq and hash, the codec state and
    /// the rule state as of the checkpoint, without its events.
    init(base: any RuleBase, head: ChainHash, codec: CodecState, definitions: [Event], totals: AmountTotals) {
        self.base = base
        self.totals = totals
        firstSeq = base.count + 1
        self.head = head
        self.codec = codec
        lastRecorded = Timestamp(micros: codec.prevRecorded)
        rules = RuleState(definitions: definitions)
    }

    /// Adds events that were read from the log: they were checked when they were appended.
    /// (Throws only for a writer from a checkpoint that the events reach behind.)
    mutating func absorb(_ new: EventStorage, head: ChainHash) throws {
        if stored.isEmpty, rules == nil, base == nil {
            // A reader's first read: take the records as they are (no copy).
            stored = new
            for i in 0..<new.count where new[i].code == PackedEvent.eventVoided { voidedBy[Int(new[i].amount)] = firstSeq + i }
            lastRecorded = max(lastRecorded, new.lastRecorded.map(Timestamp.init(micros:)) ?? lastRecorded)
            self.head = head
            return
        }
        for i in 0..<new.count {
            let e = new.event(i, seq: count + 1, names: codec)
            if let base { try loadRules(for: e, from: base) }
            stored.append(new[i], recorded: e.recorded.micros, extra: new.extra(i))
            if case .eventVoided(let target, _) = e.body { voidedBy[target] = e.seq }
            if rules != nil {
                let all = lookup(for: e)
                rules!.applyEffects(e, events: all)
                totals.absorb(e.body)
            }
            lastRecorded = max(lastRecorded, e.recorded)
        }
        self.head = head
    }

    private mutating func loadRules(for e: Event, from base: any RuleBase) throws {
        var lk = lookup(for: e)
        try rules!.load(for: e, from: base, events: &lk)
        if case .eventVoided = e.body { fetched = lk.fetched }
    }

    /// Builds the rule state from the events (once, on the first append).
    mutating func prepareRules() {
        defer { codec.ensureWritable() }
        guard rules == nil else { return }
        var r = RuleState()
        r.racks.reserveCapacity(stored.count)
        let all = lookup
        totals = AmountTotals()
        for e in all.recent {
            if case .eventVoided = e.body { r.applyEffects(e, events: all) } else { r.applyEffects(e, events: .none) }
            totals.absorb(e.body)
        }
        rules = r
    }

    /// Checks, assigns seq, recorded time and hash, and encodes a batch. Returns the new events
    /// and the bytes to append to the log file: the records, a chain mark every 1,024 records,
    /// and one commit record. On any error the ledger is unchanged and nothing is returned.
    ///
    /// - Parameter now: the time of recording (the clock is the caller's).
    public mutating func append(_ drafts: [EventDraft], now: Timestamp, fileOffset: Int = 0) throws -> (events: [Event], hashes: [ChainHash], bytes: [UInt8]) {
        guard !drafts.isEmpty else { return ([], [], []) }
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
        finish(batch, bytes: &bytes)
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
        var payload = ByteWriter()
    }

    /// Makes room for about `n` more events (a large import), so that the event list and the
    /// rule state's racks are not copied as they grow. Room an estimate got wrong costs address
    /// space only (pages are not touched until used). The hash indexes (racks, string numbers) are
    /// left to grow instead: their slots are zeroed, and so in memory, as soon as they are made,
    /// and sized for every event where only some of them name a new rack or string, they would
    /// take twice the memory they end up needing.
    public mutating func reserve(events n: Int) {
        guard n > 0 else { return }
        stored.reserveCapacity(stored.count + n)
        let racks = rules?.racks.count ?? 0
        rules?.racks.reserveCapacity(racks + n, index: false)
    }

    /// Starts a batch: `add` drafts one at a time, then `finish` it, or `rollback` on any error.
    /// This is how large imports stream without holding the whole input in memory.
    public mutating func beginBatch() -> Batch {
        prepareRules()
        return Batch(count: count, head: head, lastRecorded: lastRecorded, strings: codec.strings.count,
                     rec: codec.prevRecorded, eff: codec.prevEffectiveSeconds, totals: totals)
    }

    /// Checks and adds one draft; appends its frame (and a chain mark every 1,024 records) to `bytes`.
    /// `fileOffset` is where `bytes` starts in the log file.
    public mutating func add(_ d: EventDraft, now: Timestamp, to batch: inout Batch, bytes: inout [UInt8], fileOffset: Int = 0) throws {
        let e = try admit(d, now: now)
        codec.anchor(seq: e.seq, offset: fileOffset + bytes.count)
        batch.payload.bytes.removeAll(keepingCapacity: true)
        let packed = RecordCodec.encode(e, state: &codec, into: &batch.payload)
        stored.append(packed, recorded: e.recorded.micros, extra: EventStorage.Extra(of: e))
        let frame = Frame.append(payload: batch.payload.bytes, to: &bytes)
        head = bytes[frame].withUnsafeBytes { head.chained(with: $0) }
        if let expected = d.hash, expected != head.hex {
            throw LedgerError.data("hash \(expected) does not match the computed hash \(head.hex) of seq \(e.seq) (the exported line was altered, or comes from another ledger)").atLine(d.line)
        }
        batch.added += 1
        if batch.added % Self.markInterval == 0 {
            Frame.append(payload: Frame.anchorPayload(kind: Frame.markKind, seq: e.seq, head: head), to: &bytes)
        }
    }

    /// Starts loading the table slots that adding `d` will look up first (its rack, in the rule
    /// state and in the string numbers): called a few drafts ahead, it lets those lookups, which
    /// in a large import nearly always miss the cache, find their memory already on the way.
    ///
    /// Mutating only so that a store holding the ledger calls it in place: called as a
    /// non-mutating method on a class's stored property, the whole ledger was copied (every one
    /// of its buffers retained and released) once per draft.
    public mutating func prefetch(for d: EventDraft) {
        switch d.body {
        case .rackInstalled(let site, let rack, _, _, _), .rackRetired(let site, let rack):
            let hash = NameHash.of(rack)
            rules?.racks.prefetch(site: site, rackHash: hash)
            codec.prefetch(hash: hash)
        default:
            break
        }
    }

    /// Ends a batch with its commit record.
    public mutating func finish(_ batch: Batch, bytes: inout [UInt8]) {
        Frame.append(payload: Frame.anchorPayload(kind: Frame.commitKind, seq: count, head: head), to: &bytes)
    }

    /// Undoes everything added since `beginBatch`, newest first, so that every rule state
    /// change is reversed exactly.
    public mutating func rollback(_ saved: Batch) {
        while count > saved.count {
            let e = events[stored.count - 1]
            stored.removeLast()
            if case .eventVoided(let target, _) = e.body { voidedBy[target] = nil }
            let all = lookup(for: e)
            rules!.removeEffects(e, events: all)
        }
        codec.dropAnchors(after: saved.count)
        head = saved.head
        lastRecorded = saved.lastRecorded
        while codec.strings.count > saved.strings { codec.removeLastString() }
        codec.prevRecorded = saved.rec
        codec.prevEffectiveSeconds = saved.eff
        totals = saved.totals
    }

    /// Checks one draft against the ledger so far and applies it to the rule state; the caller
    /// stores it once encoded.
    private mutating func admit(_ d: EventDraft, now: Timestamp) throws -> Event {
        let seq = count + 1
        if let given = d.seq, given != seq {
            throw LedgerError.data("seq \(given) does not follow this ledger, whose next seq is \(seq) (exported lines restore only into a ledger holding exactly the events before them)").atLine(d.line)
        }
        let recorded: Timestamp
        if let r = d.recorded {
            guard r >= lastRecorded else {
                throw LedgerError.data("\(d.body.type.rawValue): recorded \(r.iso8601) is earlier than the ledger's last recorded time \(lastRecorded.iso8601); recorded times never go backwards").atLine(d.line)
            }
            guard r <= now else {
                throw LedgerError.data("\(d.body.type.rawValue): recorded \(r.iso8601) is in the future (now is \(now.iso8601))").atLine(d.line)
            }
            recorded = r
        } else {
            recorded = max(now, lastRecorded)
        }
        let effective = d.effective ?? Timestamp(seconds: recorded.seconds)
        let e = Event(seq: seq, recorded: recorded, effective: effective, note: d.note, source: d.source, body: d.body)
        if let base { try loadRules(for: e, from: base) }
        let newTotals: AmountTotals
        do {
            // The totals first: within them no sum the rules compute can overflow.
            newTotals = try totals.adding(e.body)
            try rules!.check(e, events: lookup(for: e))
        } catch let error as LedgerError {
            throw error.atLine(d.line)
        } catch let o as AmountTotals.Overflow {
            throw LedgerError.data(o.message(e.type)).atLine(d.line)
        }
        totals = newTotals
        let all = lookup(for: e)
        rules!.applyEffects(e, events: all)
        if case .eventVoided(let target, _) = e.body { voidedBy[target] = seq }
        lastRecorded = recorded
        return e
    }
}
