/// Evaluates the query language against a store: the one evaluator behind `capacity query`,
/// query scripts and the console.
///
/// Everything but `append` reads; the point in time of each command comes from its `at=` and
/// `known=` options, falling back to the session defaults passed in.
public final class QueryEngine {
    public let store: any EventStore
    public let clock: any LedgerClock
    /// Asked now and then during long commands; returning true stops the command.
    public var isCancelled: () -> Bool = { false }
    private var orderCache: (count: Int, order: [UInt32])?
    private var indexCache: FleetIndex?
    /// Answer fleet, power, capacity, investments and train from the index (true) or by a full
    /// fold (false). Both give the same answers; the fold is the reference the tests hold the
    /// index to.
    public var useIndex = true
    /// Another source of fleet figures (a checkpoint file), tried before the ledger in memory.
    public var figuresSource: ((PointInTime) throws -> any FleetFigures)?
    /// A checkpoint file, asked while the index has not been built: a large ledger's first
    /// answers come from it at once. The first question it cannot answer exactly
    /// (`FleetCheckpoint.Unusable`) builds the index, which answers from then on.
    public var checkpointFigures: ((PointInTime) throws -> FleetSnapshot)?

    public init(store: any EventStore, clock: any LedgerClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Parses and runs one command line.
    public func run(_ line: String, defaults: PointInTime = PointInTime()) throws -> QueryOutput {
        let q = try ParsedQuery.parse(line)
        do {
            try checkNames(q)
            var out = try execute(q, defaults: defaults)
            if let note = emptyNote(q, out) { out.warnings.append(note) }
            return out
        } catch let e as LedgerError where e.kind == .data && !e.message.hasPrefix(q.spec.name) && !e.message.hasPrefix("line ") {
            throw e
        }
    }

    func execute(_ q: ParsedQuery, defaults: PointInTime) throws -> QueryOutput {
        switch q.spec.name {
        case "fleet": return try fleet(q, defaults)
        case "power": return try power(q, defaults)
        case "investments": return try investments(q, defaults)
        case "sites": return try sites(q, defaults)
        case "models": return try models(q, defaults)
        case "capacity": return try capacity(q, defaults)
        case "train": return try train(q, defaults)
        case "log": return try log(q, defaults)
        case "timeline": return try timeline(q, defaults)
        case "replay": return try replay(q, defaults)
        case "diff": return try diff(q, defaults)
        case "append": return try append(q)
        case "verify": return try verify()
        case "stats": return try stats(q, defaults)
        default: throw LedgerError.data("unknown command \"\(q.spec.name)\"")
        }
    }

    // MARK: points in time

    public var now: Timestamp { clock.now() }

    /// The point in time of a command: its own `at=`/`known=`, else the defaults.
    func point(_ q: ParsedQuery, _ defaults: PointInTime) throws -> PointInTime {
        var p = defaults
        if let a = q["at"] {
            guard let at = PointInTime.parseAt(a) else {
                throw LedgerError.data("\(q.spec.name): at=\(a) is not a point in time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, #SEQ, or now)")
            }
            if case .seq(let n) = at, n > store.ledger.count {
                throw LedgerError.data("\(q.spec.name): at=#\(n) is past the last event (the ledger has \(Format.counted(store.ledger.count, "event")))")
            }
            p.at = at
        }
        if let k = q["known"] {
            guard let known = PointInTime.parseTime(k) else {
                throw LedgerError.data("\(q.spec.name): known=\(k) is not a time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, or now)")
            }
            p.known = known
        }
        return p
    }

    /// A time-valued option (`since=`, `from=`, …); `now` is the clock's time.
    func time(_ q: ParsedQuery, _ key: String) throws -> Timestamp? {
        guard let v = q[key] else { return nil }
        if v == "now" { return now }
        guard let t = Timestamp.parse(v) else {
            throw LedgerError.data("\(q.spec.name): \(key)=\(v) is not a time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, or now)")
        }
        return t
    }

    public func view(_ p: PointInTime) -> LedgerView {
        LedgerView(ledger: store.ledger, point: p, now: now)
    }

    /// Seqs in effective order, cached per ledger size.
    public func effectiveOrder() -> [UInt32] {
        let ledger = store.ledger
        if let c = orderCache, c.count == ledger.count { return c.order }
        let order = ledger.effectiveOrder()
        orderCache = (ledger.count, order)
        return order
    }

    /// The event that counts in `view` next after `key` in effective order (`forward`), or last
    /// before it, with the state just after it; nil when there is none. One fold of the packed
    /// records, up to the event after it.
    public func step(from key: TimeKey, forward: Bool, in view: LedgerView) throws -> (event: Event, state: FleetState)? {
        let ledger = store.ledger
        let stored = ledger.stored
        var target: Int?
        // The fold stops before the record after the target (or ends with the target): its
        // state is then the state just after the target.
        let after = try foldCounting(view, upTo: view.effectiveLimit.micros) { i, _ in
            let k = TimeKey(effective: stored.effective[i], seq: i + ledger.firstSeq)
            if forward {
                if target != nil { return false }
                if k > key { target = i }
                return true
            }
            if k >= key { return false }
            target = i
            return true
        }
        guard let t = target else { return nil }
        return (ledger.events[t], after)
    }

    /// The index of the first record in effective order that counts in `view`, or nil.
    func firstCounting(_ view: LedgerView, of types: Set<EventType>? = nil) -> Int? {
        var first: Int?
        let codes = types.map { Set($0.map(\.code)) }
        let stored = store.ledger.stored
        forEachCountingRecord(view) { i in
            if let codes, !codes.contains(stored.codes[i]) { return true }
            first = i
            return false
        }
        return first
    }

    /// The events that count in `view`, in effective order.
    public func countingEvents(_ view: LedgerView) -> [Event] {
        var out: [Event] = []
        forEachCounting(view) { out.append($0) }
        return out
    }

    /// Calls `body` with each event that counts in `view` (`LedgerView.counts`), in effective
    /// order.
    func forEachCounting(_ view: LedgerView, _ body: (Event) throws -> Void) rethrows {
        let events = store.ledger.events
        try forEachCountingRecord(view) { i in
            try body(events[i])
            return true
        }
    }

    /// Calls `body` with the index of each record that counts in `view`, in effective order,
    /// until it returns false.
    func forEachCountingRecord(_ view: LedgerView, _ body: (Int) throws -> Bool) rethrows {
        let ledger = store.ledger
        let order = effectiveOrder()
        let voided = ledger.voidedMask(through: view.seqLimit)
        let limit = view.effectiveLimit.micros
        try ledger.stored.withColumns { records in
            for s in order {
                let seq = Int(s)
                if records.effective[seq - 1] > limit { break }
                guard seq <= view.seqLimit, !voided[seq], records.code(seq - 1) != PackedEvent.eventVoided else { continue }
                guard try body(seq - 1) else { break }
            }
        }
    }

    /// The projection state at `view`: a fold of exactly the events that count there.
    public func state(_ view: LedgerView) throws -> FleetState {
        let ledger = store.ledger
        let events = ledger.events
        let stored = ledger.stored
        let limit = view.effectiveLimit.micros
        // A large fold gets ready on two threads too: the effective order and the voided
        // events on one, what the fold is told beforehand and the groups of sites on the other.
        let parallel = ledger.count >= parallelFoldFrom
        let ((order, voided), (s, second)) = try inParallel(if: parallel, {
            (effectiveOrder(), ledger.voidedMask(through: view.seqLimit))
        }, {
            var s = FleetState()
            s.prepare(packed: stored)
            return (s, parallel ? stored.withColumns { FleetState.SitePart.split($0) } : nil)
        })
        return try stored.withColumns { records in
            try order.withUnsafeBufferPointer { order in
                var fold = FleetState.PackedFold(records: records, order: order, voided: voided, seqLimit: view.seqLimit)
                guard let second else {
                    foldThreads = 1
                    return try Self.fold(s, fold, limit: limit, events: events, isCancelled: isCancelled)
                }
                // Two groups of sites, one on each thread; the first asks whether to stop
                // and tells the second.
                foldThreads = 2
                let stop = StopFlag()
                let isCancelled = self.isCancelled
                var other = fold
                fold.part = FleetState.SitePart(second: second, isSecond: false)
                other.part = FleetState.SitePart(second: second, isSecond: true)
                var (merged, part) = try inParallel({
                    try Self.fold(s, fold, limit: limit, events: events) { stop.raise(when: isCancelled()) }
                }, {
                    try Self.fold(s, other, limit: limit, events: events) { stop.isRaised }
                })
                merged.merge(sitesOf: part)
                return merged
            }
        }
    }

    /// Folds the records that count in `view` with effective time up to `limit` (µs), in
    /// effective order on this thread, reading the packed records in place as `state(_:)` does.
    /// Before each record is applied, `visit` gets its index and the state so far, and returns
    /// false to stop there. Returns the state after the last record applied.
    func foldCounting(_ view: LedgerView, upTo limit: Int64, _ visit: (Int, FleetState) throws -> Bool) throws -> FleetState {
        let ledger = store.ledger
        let events = ledger.events
        let stored = ledger.stored
        let order = effectiveOrder()
        let voided = ledger.voidedMask(through: view.seqLimit)
        var s = FleetState()
        s.prepare(packed: stored)
        return try stored.withColumns { records in
            try order.withUnsafeBufferPointer { order in
                let fold = FleetState.PackedFold(records: records, order: order, voided: voided, seqLimit: view.seqLimit)
                // (An optional closure parameter escapes; this one is used only during the call.)
                return try withoutActuallyEscaping(visit) { visit in
                    try Self.fold(s, fold, limit: limit, events: events, isCancelled: isCancelled, visit: visit)
                }
            }
        }
    }

    /// Ledgers of at least this many events are folded on two threads (`FleetState.SitePart`).
    var parallelFoldFrom = 1 << 16
    /// How many threads the last `state(_:)` folded on.
    private(set) var foldThreads = 0

    /// Folds the records `fold` takes, in effective order up to `limit`, into `start`. With
    /// `visit`, each record's index and the state before it go there first (false: stop).
    private static func fold(_ start: FleetState, _ fold: FleetState.PackedFold, limit: Int64, events: EventList,
                             isCancelled: () -> Bool, visit: ((Int, FleetState) throws -> Bool)? = nil) throws -> FleetState {
        var s = start
        var names = PackedFoldNames()
        let (order, records) = (fold.order, fold.records)
        for k in order.indices {
            if k & 0xFFFF == 0, isCancelled() { throw LedgerError(.interrupted, "interrupted") }
            if k + 8 < order.count { s.prefetch(Int(order[k + 8]) - 1, of: records, names: names) }
            let seq = Int(order[k])
            if records.effective[seq - 1] > limit { break }
            guard fold.counts(seq) else { continue }
            if let visit, try !visit(seq - 1, s) { break }
            s.apply(seq - 1, of: events, names: &names, fold: fold, at: k)
        }
        return s
    }

    public func state(_ p: PointInTime) throws -> FleetState { try state(view(p)) }

    /// The fleet figures at `p`: from the index, kept for the current ledger, or by a fold.
    public func figures(_ p: PointInTime) throws -> any FleetFigures {
        if let figuresSource { return try figuresSource(p) }
        guard useIndex else { return try state(p) }
        if indexCache == nil, let checkpointFigures {
            do { return try checkpointFigures(p) } catch is FleetCheckpoint.Unusable { self.checkpointFigures = nil }
        }
        let ledger = store.ledger
        if indexCache?.count != ledger.count, indexCache?.update(to: ledger) != true { indexCache = FleetIndex(ledger: ledger, order: effectiveOrder()) }
        return indexCache!.snapshot(view(p), ledger: ledger)
    }
}
