extension QueryEngine {
    /// The point in time of a history command whose range ends at `bound` (`log until=`,
    /// `replay to=`): an explicit end reaches past the cursor's effective time, to show planned
    /// (future-dated) events, unless the command gives its own `at=` or the cursor is at a seq.
    /// The header then names that end as the point in time. `p` is the command's point in time,
    /// `given` its own `at=` and `known=`.
    func historyPoint(_ p: PointInTime, _ given: PointOptions, bound: TimePoint?) -> PointInTime {
        guard let bound = time(bound), given.at == nil else { return p }
        if case .seq = p.at { return p }
        var p = p
        p.at = .time(bound)
        return p
    }

    func log(_ q: LogQuery, _ p: PointInTime) throws -> QueryOutput {
        let v = view(p)
        var filter = EventFilter()
        filter.type = q.type
        filter.site = q.site
        filter.since = time(q.since)
        filter.until = time(q.until)
        filter.limit = q.limit
        let ledger = store.ledger
        let events = filter.apply(ledger, upTo: v.seqLimit, effectiveBy: v.effectiveLimit)
        var out = EventListing.output(events, voidedBy: ledger.voidedBy, seqLimit: v.seqLimit)
        out.point = p
        var w = JSONWriter()
        w.string("at", p.atText); w.string("known", p.knownText)
        w.raw("rows", "[" + events.map { EventJSON.line($0) }.joined(separator: ",") + "]")
        out.json = w.finished()
        return out
    }

    /// The most points one timeline computes: every day for 270 years.
    static let timelinePointLimit = 100_000

    func metric(_ m: TimelineMetric, _ s: FleetState, _ prec: Precision) -> Double {
        s.figure(m, precision: prec)
    }

    func timeline(_ q: TimelineQuery, _ p: PointInTime) throws -> QueryOutput {
        let (m, every, prec) = (q.metric, q.every, q.precision)
        var v = view(p)
        let end = time(q.to) ?? v.effectiveLimit
        if end != v.effectiveLimit {
            // An explicit to= decides how far the points reach; known= and #N still apply.
            var reach = p
            if case .seq = p.at {} else { reach.at = .time(end) }
            v = view(reach)
        }
        let stored = store.ledger.stored
        var start: Timestamp
        if let from = time(q.from) {
            // Points before the first counting event are zero, like those before any later event.
            start = from
        } else if let first = firstCounting(v, of: m.movedBy) ?? firstCounting(v) {
            // The first event that moves the metric: installs for chips, energized, PFLOPS and
            // MW, investments for dollars (not a catalog entry years before any delivery).
            start = Timestamp(micros: stored.effective[first])
        } else if q.to != nil {
            throw LedgerError(.timelineWithoutStart(to: end.shortString, known: p.knownText))
        } else {
            throw LedgerError(.timelineWithoutEvents(at: p.atText, known: p.knownText))
        }
        start = start.startOfDay
        if q.from == nil, every == .month || every == .quarter {
            let (y, mo, _) = start.civil
            start = Timestamp(year: y, month: every == .quarter ? (mo - 1) / 3 * 3 + 1 : mo, day: 1)
        }
        guard start <= end else { throw LedgerError(.timelineBackwards(from: start.shortString, to: end.shortString)) }
        var points: [Timestamp] = []
        var t = start
        var k: Int64 = 0
        while t <= end {
            // Refused rather than cut short: a table or chart of more points than this is no
            // answer anyone reads, and stopping silently would hide the rest of the range.
            guard points.count < Self.timelinePointLimit else {
                throw LedgerError(.timelineTooManyPoints(from: start.shortString, to: end.shortString, every: every.rawValue, limit: Self.timelinePointLimit))
            }
            points.append(t)
            k += 1
            // Each point from the start, so that month ends do not drift (01-31, 02-28, 03-31).
            switch every {
            case .day: t = start.adding(days: k)
            case .week: t = start.adding(days: 7 * k)
            case .month: t = start.adding(months: k)
            case .quarter: t = start.adding(months: 3 * k)
            }
        }
        if points.last != end, end.isMidnight || q.to != nil { points.append(end) }
        // One fold up to the last point; each point takes the state before the first record
        // effective after it.
        var values: [(label: String, value: Double)] = []
        func add(_ s: FleetState) throws {
            // Up to a million points: Ctrl-C is heard between them too.
            if values.count & 0xFFF == 0, isCancelled() { throw LedgerError(.interrupted) }
            values.append((points[values.count].shortString, metric(m, s, prec)))
        }
        if m == .mwh {
            // The energy of each step, on the row of the point it starts at: the last point
            // closes the last step.
            values = try energySteps(v, bounds: points).enumerated().map { (points[$0.offset].shortString, $0.element) }
        } else {
            let last = try foldCounting(v, upTo: end.micros) { i, s in
                while values.count < points.count, points[values.count].micros < stored.effective[i] { try add(s) }
                return values.count < points.count
            }
            while values.count < points.count { try add(last) }
        }
        let (unit, places) = (m.unit(prec), m.places)
        var out = QueryOutput(command: "timeline", point: p)
        out.columns = [Column("at"), Column("value", unit)]
        out.rows = values.map { [.text($0.label), .number($0.value, places: places)] }
        out.notes = [""] + Chart.bars(values, places: places)
        if let file = q.chart {
            var chart = SVGChart(title: file.title ?? "\(unit) every \(every.rawValue)", unit: unit,
                                 series: [SVGChart.Series(name: unit, points: zip(points, values).map { ($0, $1.value) })])
            chart.width = file.width
            chart.height = file.height
            chart.now = now
            chart.footer = "ledger \(store.name) · at \(p.atText), known \(p.knownText) · head \(store.ledger.head.hex.prefix(12))"
            out.files.append((file.path, chart.svg))
            out.notes.append("wrote \(file.path)")
        }
        var w = JSONWriter()
        w.string("at", p.atText); w.string("known", p.knownText)
        w.string("metric", m.rawValue); w.string("every", every.rawValue)
        if m == .pflops { w.string("precision", prec.rawValue) }
        w.raw("points", "[" + values.map { #"{"at":"\#($0.label)","value":\#(Format.json($0.value))}"# }.joined(separator: ",") + "]")
        out.json = w.finished()
        return out
    }

    func replay(_ q: ReplayQuery, _ p: PointInTime) throws -> QueryOutput {
        let v = view(p)
        let from = time(q.from)
        let to = time(q.to)
        let site = q.site
        var out = QueryOutput(command: "replay", point: p)
        out.columns = [Column("seq"), Column("effective"), Column("event"), Column("pflops", "fleet PFLOPS (bf16)"),
                       Column("energized", "energized (chips)"), Column("drawn_mw", "drawn (MW)")]
        // One fold up to to=; an event is built only for a row shown, and its figures are the
        // state after it (the state before the next record, or at the end).
        let events = store.ledger.events
        let stored = store.ledger.stored
        let fromMicros = from?.micros ?? .min
        var shown: Event?
        func row(_ e: Event, _ s: FleetState) {
            out.rows.append([.seq(e.seq), .text(e.effective.shortString), .text(e.body.label),
                             .number(s.pflops(.bf16), places: 1), .int(s.energizedChips), .megawatts(s.drawn)])
        }
        let last = try foldCounting(v, upTo: min(to?.micros ?? .max, v.effectiveLimit.micros)) { i, s in
            if let e = shown { row(e, s) }
            shown = nil
            guard stored.effective[i] >= fromMicros else { return true }
            let e = events[i]
            if site == nil || e.body.site == site { shown = e }
            return true
        }
        if let e = shown { row(e, last) }
        return out
    }

    func diff(_ q: DiffQuery, _ base: PointInTime) throws -> QueryOutput {
        var p1 = base, p2 = base
        p1.at = q.from.at
        p2.at = q.to.at
        let s1 = try figures(p1), s2 = try figures(p2)
        // After the figures: a checkpoint, which holds no events, sends #N to the log first.
        for written in [q.from, q.to] {
            if case .seq(let n) = written.at, n > store.ledger.count {
                throw LedgerError(.pastLastEvent(written: "diff: \(written.text)", events: store.ledger.count))
            }
        }
        var before: [PairKey: FleetRow] = [:]
        for r in s1.fleet(site: nil, model: nil) { before[PairKey(a: r.site, b: r.model)] = r }
        var after: [PairKey: FleetRow] = [:]
        for r in s2.fleet(site: nil, model: nil) { after[PairKey(a: r.site, b: r.model)] = r }
        func pf(_ s: any FleetFigures, _ k: PairKey) -> Double {
            s.capacity(precision: .bf16, site: k.a, model: k.b).reduce(0) { $0 + $1.pflops }
        }
        var out = QueryOutput(command: "diff", point: base)
        out.columns = [Column("site"), Column("model"), Column("delivered", "Δ delivered"), Column("installed", "Δ installed"),
                       Column("energized", "Δ energized"), Column("stranded", "Δ stranded"), Column("retired", "Δ retired"),
                       Column("undeployed", "Δ undeployed"), Column("pflops", "Δ PFLOPS (bf16)")]
        let keys = Set(before.keys).union(after.keys).sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        for k in keys {
            let a = before[k] ?? FleetRow(site: k.a, model: k.b), b = after[k] ?? FleetRow(site: k.a, model: k.b)
            let dp = pf(s2, k) - pf(s1, k)
            let deltas = [b.delivered - a.delivered, b.installed - a.installed, b.energized - a.energized,
                          b.stranded - a.stranded, b.retired - a.retired, b.undeployed - a.undeployed]
            guard deltas.contains(where: { $0 != 0 }) || abs(dp) > 1e-9 else { continue }
            out.rows.append([.text(k.a), .text(k.b)] + deltas.map { Cell.int($0) } + [.number(dp, places: 1)])
        }
        var w = JSONWriter()
        w.string("from", p1.atText); w.string("to", p2.atText); w.string("known", base.knownText)
        w.raw("rows", "[" + out.rows.map { r in
            var o = JSONWriter()
            for (c, v) in zip(out.columns, r) { o.raw(c.name, v.json) }
            return o.finished()
        }.joined(separator: ",") + "]")
        out.json = w.finished()
        out.point = nil
        out.message = []
        if out.rows.isEmpty { out.notes = ["no change between \(p1.atText) and \(p2.atText)"] } else {
            out.notes = ["changes from \(p1.atText) to \(p2.atText), known \(base.knownText)"]
        }
        return out
    }

    func append(_ draft: EventDraft) throws -> QueryOutput {
        let events = try store.append([draft])
        var out = QueryOutput(command: "append")
        out.appended = events
        out.message = events.map { "#\($0.seq) \($0.type.rawValue)" }
        out.json = #"{"appended":["# + events.map { EventJSON.line($0) }.joined(separator: ",") + "]}"
        return out
    }

    func verify() throws -> QueryOutput {
        let r = try store.verify()
        var out = QueryOutput(command: "verify")
        out.message = ["ok: \(Format.counted(r.events, "event")), head \(r.head.hex)"]
        out.json = #"{"ok":true,"events":\#(r.events),"head":"\#(r.head.hex)"}"#
        return out
    }

    func stats(_ p: PointInTime) throws -> QueryOutput {
        let v = view(p)
        let ledger = store.ledger
        let stored = ledger.stored
        let limit = v.effectiveLimit.micros
        // Read from the packed columns (an event built for each of millions took seconds).
        let n = max(0, min(v.seqLimit - ledger.firstSeq + 1, stored.count))
        var count = 0, first = -1, last = -1
        var earliest = Int64.max, latest = Int64.min
        stored.effective.withUnsafeBufferPointer { effective in
            for i in 0..<n where effective[i] <= limit {
                count += 1
                if first < 0 { first = i }
                last = i
                earliest = min(earliest, effective[i])
                latest = max(latest, effective[i])
            }
        }
        // Voided by then: each void's target that is among the events counted.
        let voided = ledger.voidedBy.filter { target, by in
            let i = target - ledger.firstSeq
            return by <= v.seqLimit && i >= 0 && i < n && stored.effective[i] <= limit
        }.count
        var out = QueryOutput(command: "stats", point: p)
        out.columns = [Column("stat"), Column("value")]
        let rows: [(String, Cell)] = [
            ("events", .int(Int64(count))), ("voided", .int(Int64(voided))), ("log_bytes", .int(Int64(store.byteCount))),
            ("first_effective", count > 0 ? .text(Timestamp(micros: earliest).shortString) : .null),
            ("last_effective", count > 0 ? .text(Timestamp(micros: latest).shortString) : .null),
            ("first_recorded", first >= 0 ? .text(Timestamp(micros: stored.recorded(first)).iso8601) : .null),
            ("last_recorded", last >= 0 ? .text(Timestamp(micros: stored.recorded(last)).iso8601) : .null),
        ]
        out.rows = rows.map { [.text($0.0), $0.1] }
        var w = JSONWriter()
        for (k, c) in rows { w.raw(k, c.json) }
        out.json = w.finished()
        return out
    }
}
