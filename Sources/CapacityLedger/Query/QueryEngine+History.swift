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

    /// At most this many series in one timeline: more is no chart or table anyone reads.
    static let timelineSeriesLimit = 50

    func timeline(_ q: TimelineQuery, _ p: PointInTime) throws -> QueryOutput {
        let (metrics, every, prec) = (q.metrics, q.every, q.precision)
        let m = metrics[0]
        if metrics.contains(.mwh), metrics.count > 1 || q.grouping != nil { throw LedgerError(.timelineEnergyAlone) }
        if let by = q.grouping {
            if metrics.contains(.usd) { throw LedgerError(.timelineNotGrouped(metric: "usd", by: by.rawValue)) }
            if by == .model || by == .vendor, let perSite = metrics.first(where: \.isPerSite) {
                throw LedgerError(.timelineNotGrouped(metric: perSite.rawValue, by: by.rawValue))
            }
        }
        let scope = q.scope
        for metric in metrics {
            if metric == .usd || metric == .mwh, let option = scope.site != nil ? "site=" : scope.model != nil ? "model=" : nil {
                throw LedgerError(.timelineNotScoped(metric: metric.rawValue, option: option))
            }
            if metric.isPerSite, scope.model != nil { throw LedgerError(.timelineNotScoped(metric: metric.rawValue, option: "model=")) }
        }
        let units = metrics.map { $0.unit(prec) }
        if q.chart != nil, Set(units.map(Self.unitOf)).count > 1 { throw LedgerError(.timelineChartUnits(units)) }
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
        } else if let first = firstCounting(v, of: metrics.reduce(into: Set<EventType>()) { $0.formUnion($1.movedBy) }) ?? firstCounting(v) {
            // The first event that moves a metric: installs for chips, energized, PFLOPS and
            // MW, investments for dollars (not a catalog entry years before any delivery).
            start = Timestamp(micros: stored.effective[first])
        } else if q.to != nil {
            throw LedgerError(.timelineWithoutStart(to: end.shortString, known: p.knownText))
        } else {
            throw LedgerError(.timelineWithoutEvents(at: p.atText, known: p.knownText))
        }
        start = start.startOfDay
        if q.from == nil, every == .month || every == .quarter || every == .year {
            let (y, mo, _) = start.civil
            start = Timestamp(year: y, month: every == .year ? 1 : every == .quarter ? (mo - 1) / 3 * 3 + 1 : mo, day: 1)
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
            case .year: t = start.adding(months: 12 * k)
            }
        }
        if points.last != end, end.isMidnight || q.to != nil { points.append(end) }

        // The series: one per metric, or per metric and group. One fold up to the last point;
        // each point takes the state before the first record effective after it.
        var series: [SeriesKey: [Double]] = [:]
        var filled = 0
        func add(_ s: FleetState) throws {
            // Up to a million points: Ctrl-C is heard between them too.
            if filled & 0xFFF == 0, isCancelled() { throw LedgerError(.interrupted) }
            for (i, metric) in metrics.enumerated() {
                if let by = q.grouping {
                    for (group, value) in s.figures(metric, by: by, precision: prec, in: scope) {
                        // A group first seen here was zero at the points before.
                        series[SeriesKey(metric: i, group: group), default: Array(repeating: 0, count: filled)].append(value)
                    }
                } else {
                    series[SeriesKey(metric: i, group: nil), default: []].append(s.figure(metric, in: scope, precision: prec))
                }
            }
            filled += 1
            for key in series.keys where series[key]!.count < filled { series[key]!.append(0) }
        }
        if m == .mwh {
            // The energy of each step, on the row of the point it starts at: the last point
            // closes the last step.
            series[SeriesKey(metric: 0, group: nil)] = try energySteps(v, bounds: points)
            filled = points.count
        } else {
            let last = try foldCounting(v, upTo: end.micros) { i, s in
                while filled < points.count, points[filled].micros < stored.effective[i] { try add(s) }
                return filled < points.count
            }
            while filled < points.count { try add(last) }
        }
        var keys = series.keys.sorted()
        var out = QueryOutput(command: "timeline", point: p)
        if keys.count > Self.timelineSeriesLimit {
            out.warnings.append("showing \(Self.timelineSeriesLimit) of \(Format.grouped(keys.count)) series (the first by metric, then group); fewer metrics or a coarser by= show the rest")
            keys = Array(keys.prefix(Self.timelineSeriesLimit))
        }
        let labels = points.map(\.shortString)
        if metrics.count == 1, q.grouping == nil {
            // One series: the table of points with its bars, as it has always been.
            let values = zip(labels, series[SeriesKey(metric: 0, group: nil)] ?? []).map { (label: $0, value: $1) }
            let (unit, places) = (m.unit(prec), m.places)
            out.columns = [Column("at"), Column("value", unit)]
            out.rows = values.map { [.text($0.label), .number($0.value, places: places)] }
            out.notes = [""] + Chart.bars(values, places: places)
            try chart(q, p, unit: unit, series: [SVGChart.Series(name: unit, points: zip(points, values).map { ($0, $1.value) })], into: &out)
            var w = JSONWriter()
            w.string("at", p.atText); w.string("known", p.knownText)
            w.string("metric", m.rawValue); w.string("every", every.rawValue)
            if m == .pflops { w.string("precision", prec.rawValue) }
            w.raw("points", "[" + values.map { #"{"at":"\#($0.label)","value":\#(Format.json($0.value))}"# }.joined(separator: ",") + "]")
            out.json = w.finished()
            return out
        }
        // Several series: a column each, named by metric and group.
        func name(_ key: SeriesKey) -> String { [metrics[key.metric].rawValue, key.group].compactMap { $0 }.joined(separator: " ") }
        func header(_ key: SeriesKey) -> String { [key.group, units[key.metric]].compactMap { $0 }.joined(separator: " ") }
        out.columns = [Column("at")] + keys.map { Column(name($0), header($0)) }
        out.rows = labels.indices.map { i in [.text(labels[i])] + keys.map { .number(series[$0]![i], places: metrics[$0.metric].places) } }
        out.shapedBy = [("every", every.rawValue)] + (q.grouping.map { [("by", $0.rawValue)] } ?? [])
        let chartSeries = keys.map { key in
            SVGChart.Series(name: metrics.count == 1 ? key.group ?? units[0] : header(key), points: zip(points, series[key]!).map { ($0, $1) })
        }
        try chart(q, p, unit: metrics.count == 1 ? units[0] : Self.unitOf(units[0]), series: chartSeries, into: &out)
        var w = JSONWriter()
        w.string("at", p.atText); w.string("known", p.knownText)
        w.string("every", every.rawValue)
        if let by = q.grouping { w.string("by", by.rawValue) }
        if metrics.contains(.pflops) { w.string("precision", prec.rawValue) }
        let seriesJSON = keys.map { key -> String in
            var s = JSONWriter()
            s.string("metric", metrics[key.metric].rawValue)
            if let group = key.group { s.string("group", group) } else { s.raw("group", "null") }
            s.string("unit", units[key.metric])
            s.raw("points", "[" + labels.indices.map { #"{"at":"\#(labels[$0])","value":\#(Format.json(series[key]![$0]))}"# }.joined(separator: ",") + "]")
            return s.finished()
        }
        w.raw("series", "[" + seriesJSON.joined(separator: ",") + "]")
        out.json = w.finished()
        return out
    }

    /// A series of a timeline: the metric's place in `metric=` and the group (nil: the fleet).
    struct SeriesKey: Hashable, Comparable {
        var metric: Int
        var group: String?
        static func < (a: SeriesKey, b: SeriesKey) -> Bool {
            a.metric != b.metric ? a.metric < b.metric : (a.group ?? "") < (b.group ?? "")
        }
    }

    /// The unit in a metric's header: `MW` of `drawn (MW)`, `chips` of `stranded (chips)`.
    static func unitOf(_ header: String) -> String {
        guard let open = header.lastIndex(of: "("), header.hasSuffix(")") else { return header }
        return String(header[header.index(after: open)..<header.index(before: header.endIndex)])
    }

    /// Writes the SVG chart `svg=` asks for, if it does.
    func chart(_ q: TimelineQuery, _ p: PointInTime, unit: String, series: [SVGChart.Series], into out: inout QueryOutput) throws {
        guard let file = q.chart else { return }
        let what = q.metrics.count == 1 && q.grouping == nil ? unit : q.metrics.map(\.rawValue).joined(separator: ", ") + (q.grouping.map { " by \($0.rawValue)" } ?? "")
        var chart = SVGChart(title: file.title ?? "\(what) every \(q.every.rawValue)", unit: unit, series: series)
        chart.width = file.width
        chart.height = file.height
        chart.now = now
        chart.footer = "ledger \(store.name) · at \(p.atText), known \(p.knownText) · head \(store.ledger.head.hex.prefix(12))"
        out.files.append((file.path, chart.svg))
        out.notes.append("wrote \(file.path)")
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
