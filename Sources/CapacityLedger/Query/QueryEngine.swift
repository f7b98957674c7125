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
        try run(Query.parse(line), defaults: defaults)
    }

    /// Runs one parsed command: checks the names it filters on, then answers it.
    public func run(_ q: Query, defaults: PointInTime = PointInTime()) throws -> QueryOutput {
        try checkNames(q)
        var out = try execute(q, defaults: defaults)
        if let note = emptyNote(q, out) { out.warnings.append(note) }
        return out
    }

    func execute(_ q: Query, defaults: PointInTime) throws -> QueryOutput {
        let p = try point(q, defaults)
        switch q.command {
        case .fleet(let f): return try fleet(f, p)
        case .power(let f): return try power(f, p)
        case .investments(let f): return try investments(f, p)
        case .sites: return try sites(p)
        case .models: return try models(p)
        case .capacity(let c): return try capacity(c, p)
        case .train(let t): return try train(t, p)
        case .log(let l): return try log(l, historyPoint(p, q.point, bound: l.until))
        case .timeline(let t): return try timeline(t, p)
        case .replay(let r): return try replay(r, historyPoint(p, q.point, bound: r.to))
        case .diff(let d): return try diff(d, p)
        case .when(let w): return try when(w, p)
        case .energy(let e): return try energy(e, p)
        case .append(let draft): return try append(draft)
        case .verify: return try verify()
        case .stats: return try stats(p)
        }
    }

    // MARK: points in time

    public var now: Timestamp { clock.now() }

    /// The point in time of a command: its own `at=`/`known=`, else the defaults. An `at=#N`
    /// must be within the ledger.
    func point(_ q: Query, _ defaults: PointInTime) throws -> PointInTime {
        if case .seq(let n)? = q.point.at, n > store.ledger.count {
            throw LedgerError(.pastLastEvent(written: "\(q.name): at=#\(n)", events: store.ledger.count))
        }
        return q.point.applied(to: defaults)
    }

    /// A time an option gives, `now` being the clock's time.
    func time(_ t: TimePoint?) -> Timestamp? { t?.resolved(now: now) }

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
        let parallel = ledger.count >= parallelFoldFrom && runner.isConcurrent
        let ((order, voided), (s, second)) = try (parallel ? runner : OneAfterTheOther()).run({
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
                var (merged, part) = try runner.run({
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

    /// Ledgers of at least this many events are folded on two threads (`FleetState.SitePart`),
    /// when `runner` has a second.
    var parallelFoldFrom = 1 << 16
    /// Runs the two halves of a large fold (`state(_:)`): at once when the runner can (the
    /// storage target's `Threads`); the core itself starts no thread.
    public var runner: any PairRunner = OneAfterTheOther()
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
            if k & 0xFFFF == 0, isCancelled() { throw LedgerError(.interrupted) }
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
