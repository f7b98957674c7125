/// `when metric= value= [site=] [model=] [precision=] [window=]`.
public struct WhenQuery: Sendable, Hashable {
    /// Days of history the estimate's line fits by default.
    public static let defaultWindow = 180

    public var metric: TimelineMetric
    /// The value to reach: positive and finite.
    public var value: Double
    public var scope = ChipScope()
    public var precision: Precision = .bf16
    /// Days of history before the end the estimate's line fits.
    public var window = WhenQuery.defaultWindow
}

/// The least-squares line through a step function over a window: the line a + b·t for which the
/// integral of the squared gap to the function over the window is least. Over a window of length
/// L with middle m, b = 12 ∫(t−m)·f dt / L³ and the line passes through the mean of f at m; each
/// step of f is constant, so both integrals are exact sums over the steps.
struct TrendLine: Sendable, Equatable {
    /// The window's middle, in µs.
    var middle: Int64
    /// The mean of the function over the window: the line's value at `middle`.
    var mean: Double
    /// The slope, per day.
    var perDay: Double

    static let microsPerDay = Double(Timestamp.microsPerDay)
    /// The days of a month on average: a Gregorian year / 12.
    static let daysPerMonth = 365.2425 / 12

    var perMonth: Double { perDay * Self.daysPerMonth }

    /// Fits the line to the function that is 0 before the first step and `steps[k].value` from
    /// `steps[k].at` (µs, in order) to the next step, over the window `from`…`to` (µs, from < to).
    static func fit(_ steps: [(at: Int64, value: Double)], from: Int64, to: Int64) -> TrendLine {
        let middle = from + (to - from) / 2
        // Days from the middle: small numbers, so the squares keep their digits.
        func u(_ t: Int64) -> Double { Double(t - middle) / microsPerDay }
        var integral = 0.0, moment = 0.0
        func piece(_ a: Int64, _ b: Int64, _ c: Double) {
            let (lo, hi) = (max(a, from), min(b, to))
            guard lo < hi, c != 0 else { return }
            let (u0, u1) = (u(lo), u(hi))
            integral += c * (u1 - u0)
            moment += c * (u1 * u1 - u0 * u0) / 2
        }
        var (start, value) = (Int64.min, 0.0)
        for s in steps {
            piece(start, s.at, value)
            (start, value) = (s.at, s.value)
        }
        piece(start, to, value)
        let length = u(to) - u(from)
        return TrendLine(middle: middle, mean: integral / length, perDay: 12 * moment / (length * length * length))
    }

    /// When the line reaches `v`, in µs (a Double: it may lie past any time the ledger writes);
    /// nil when it does not rise.
    func reaches(_ v: Double) -> Double? {
        guard perDay > 0 else { return nil }
        return Double(middle) + (v - mean) / perDay * Self.microsPerDay
    }
}

extension QueryEngine {
    /// The latest time an estimate is given as (9999-12-31, the last day a timestamp is written
    /// with four digits of year).
    static let latestEstimate = Timestamp(year: 9999, month: 12, day: 31)
    /// The earliest time an estimate's window may start: 0001-01-01, the first a time is written.
    static let earliestWindow = Timestamp(year: 1, month: 1, day: 1)

    /// The first effective time at which the metric over `q.scope` reaches `q.value`, from every
    /// event the transaction cut lets through (`known=`, `at=#N`), whatever its effective time:
    /// a plan recorded as future-dated events answers. The metric at a time counts every event
    /// effective at or before it, as `at=` does, so it is read once after the last event of each
    /// effective time. When the events never reach the value, the answer is an estimate from a
    /// least-squares line over the metric's last `q.window` days (see `estimate`).
    func when(_ q: WhenQuery, _ p: PointInTime) throws -> QueryOutput {
        let (m, target, scope) = (q.metric, q.value, q.scope)
        switch m {
        case .mwh:
            throw LedgerError(.whenNotALevel(.energy))
        case .usd where !scope.isWholeFleet:
            throw LedgerError(.whenNotALevel(.scopedDollars))
        case .allocated where scope.model != nil:
            throw LedgerError(.whenNotALevel(.allocatedByModel))
        default: break
        }
        let v = view(p)
        let stored = store.ledger.stored
        // The metric after each effective time at which it changed: a step function.
        var steps: [(at: Int64, value: Double)] = []
        var latest: Int64?
        var reached: (at: Int64, value: Double)?
        func close(_ s: FleetState) {
            guard let t = latest else { return }
            let f = s.figure(m, in: scope, precision: q.precision)
            if steps.last?.value != f { steps.append((t, f)) }
            if f >= target { reached = (t, f) }
        }
        let last = try foldCounting(v, upTo: .max) { i, s in
            let t = stored.effective[i]
            if let l = latest, t > l {
                close(s)
                if reached != nil { return false }
            }
            latest = t
            return true
        }
        if reached == nil { close(last) }

        let answer = try reached.map { WhenAnswer.reached(at: Timestamp(micros: $0.at), value: $0.value) }
            ?? estimate(q, steps: steps, asOf: v.effectiveLimit)
        return whenOutput(q, answer, p)
    }

    /// The answer when the events never reach the value: where a least-squares line over the
    /// metric's last `q.window` days reaches it, or that it does not. The window ends at the
    /// later of the point in time (`at=`, else now) and the metric's last change, so that a
    /// plan's last steps count, and a fleet that stopped growing long ago is seen as flat.
    ///
    /// The line may run above the metric's last value at the window's end (after a rise early in
    /// the window); the estimate is then where the same slope from the last value reaches it:
    /// the later of the two crossings, never a day the events have already passed below it. It
    /// is a whole day (the line says no more): the first midnight at or after the crossing.
    private func estimate(_ q: WhenQuery, steps: [(at: Int64, value: Double)], asOf: Timestamp) throws -> WhenAnswer {
        let end = max(asOf.micros, steps.last?.at ?? asOf.micros)
        // At most 36,500 days back from a time a ledger holds: no overflow, but maybe before year 1.
        let start = end - Int64(q.window) * Timestamp.microsPerDay
        guard start >= Self.earliestWindow.micros else {
            throw LedgerError(.whenWindowTooEarly(days: q.window, end: Timestamp(micros: end).shortString, earliest: Self.earliestWindow.shortString))
        }
        let line = TrendLine.fit(steps, from: start, to: end)
        let last = steps.last?.value ?? 0
        var fit = WhenAnswer.Fit(line: line, from: Timestamp(micros: start), to: Timestamp(micros: end), last: last, window: q.window)
        guard let crossing = line.reaches(q.value) else { return .estimate(at: nil, fit) }
        let t = max(crossing, Double(end) + (q.value - last) / line.perDay * TrendLine.microsPerDay)
        guard t <= Double(Self.latestEstimate.micros) else {
            fit.tooSlow = true
            return .estimate(at: nil, fit)
        }
        let day = Timestamp(micros: Int64(t.rounded(.up)))
        return .estimate(at: day.isMidnight ? day : day.startOfDay.adding(days: 1), fit)
    }

    /// The answer of `when` as a table of quantities (as `train` gives), with a line under it
    /// that says an estimate is one, and as JSON `{"metric","value","at","estimate",…}`.
    private func whenOutput(_ q: WhenQuery, _ answer: WhenAnswer, _ p: PointInTime) -> QueryOutput {
        let (m, places) = (q.metric, q.metric.places)
        var rows: [(String, Cell)] = [("metric", .text(m.unit(q.precision)))]
        if let s = q.scope.site { rows.append(("site", .text(s))) }
        if let model = q.scope.model { rows.append(("model", .text(model))) }
        rows.append(("value", .number(q.value, places: -1)))
        var w = JSONWriter()
        w.string("metric", m.rawValue)
        w.raw("value", Format.json(q.value))
        var out = QueryOutput(command: "when", point: p)
        switch answer {
        case .reached(let at, let value):
            rows += [("at", .text(at.shortString)), ("then", .number(value, places: places))]
            w.string("at", at.shortString)
            w.raw("estimate", "false")
            w.raw("then", Format.json(value))
        case .estimate(let at, let fit):
            let to = fit.to.shortString
            let slope = "\(Format.groupedTrimmed(fit.line.perMonth)) per month"
            let target = Format.groupedTrimmed(q.value)
            if let at {
                rows.append(("at", .text(at.shortString + " (estimate)")))
                out.notes = ["estimate: the events never reach \(target); a least-squares line over the \(Format.counted(fit.window, "day")) to \(to) rises \(slope)"]
            } else if fit.tooSlow {
                rows.append(("at", .text("not reached by \(Self.latestEstimate.shortString) at this slope")))
                out.notes = ["the events never reach \(target), and a least-squares line over the \(Format.counted(fit.window, "day")) to \(to) rises too slowly to reach it by \(Self.latestEstimate.shortString)"]
            } else {
                rows.append(("at", .text("not reached and not rising")))
                out.notes = ["the events never reach \(target), and a least-squares line over the \(Format.counted(fit.window, "day")) to \(to) does not rise"]
            }
            rows += [("last", .number(fit.last, places: places)), ("window", .text("\(Format.counted(fit.window, "day")), \(fit.from.shortString) to \(to)")),
                     ("slope", .text(slope))]
            w.raw("at", at.map { JSONWriter.quote($0.shortString) } ?? "null")
            w.raw("estimate", "true")
            w.raw("rising", fit.line.perDay > 0 ? "true" : "false")
            w.raw("last", Format.json(fit.last))
            w.raw("window_days", "\(fit.window)")
            w.string("window_from", fit.from.shortString)
            w.string("window_to", to)
            w.raw("slope_per_month", Format.json(fit.line.perMonth))
        }
        if let s = q.scope.site { w.string("site", s) }
        if let model = q.scope.model { w.string("model", model) }
        if m == .pflops { w.string("precision", q.precision.rawValue) }
        w.string("as_of", p.atText)
        w.string("known", p.knownText)
        out.columns = [Column("quantity"), Column("value")]
        out.rows = rows.map { [.text($0.0), $0.1] }
        out.json = w.finished()
        return out
    }
}

/// What `when` answers.
enum WhenAnswer {
    /// The events reach the value at `at`, where the metric is `value`.
    case reached(at: Timestamp, value: Double)
    /// They never do: the day the trend line reaches it, or nil when it does not rise (or not by
    /// the latest day an estimate is given as).
    case estimate(at: Timestamp?, Fit)

    struct Fit {
        var line: TrendLine
        /// The window the line fits.
        var from: Timestamp
        var to: Timestamp
        /// The metric after the last event.
        var last: Double
        var window: Int
        /// The line rises, but reaches the value only after `QueryEngine.latestEstimate`.
        var tooSlow = false
    }
}
