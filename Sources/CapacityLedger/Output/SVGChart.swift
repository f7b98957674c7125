import CCapacitySupport

/// A line chart of one or more series over effective time, as a self-contained SVG for a slide
/// deck: round y ticks with the unit scaled (k, M, B, T), date ticks that never overlap, step
/// lines for quantities that change in steps, a legend for several series, a marker at the
/// recorded now when the chart reaches planned events, and a footer naming the ledger, the
/// cursors and the head. Pure: text in, text out.
///
/// Text is laid out from an estimate of its width (`textWidth`): every label is placed inside
/// the view box and apart from the others by that estimate, with a margin for fonts a little
/// wider than it.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(at: Timestamp, value: Double)]
        public init(name: String, points: [(at: Timestamp, value: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var unit: String
    public var series: [Series]
    /// Quantities that hold between events (chips, power, dollars) are drawn as steps: the value
    /// holds until the next point, then jumps.
    public var steps = true
    public var width = 800
    public var height = 450
    /// The recorded now: a dashed marker where the chart reaches events after it (plans).
    public var now: Timestamp?
    /// A line under the chart: the ledger, the cursors, the head.
    public var footer: String?

    public init(title: String, unit: String, series: [Series]) {
        self.title = title
        self.unit = unit
        self.series = series
    }

    // MARK: layout

    static let fontSize = 12.0
    /// The estimated width of `s` at `size` points: a generous average for sans-serif digits and
    /// letters, so that a label's box holds the real one.
    static func textWidth(_ s: String, size: Double = fontSize) -> Double { Double(s.count) * size * 0.62 }

    /// Round tick values from 0 (or the least value, when below 0) to at least the greatest, in
    /// steps of 1, 2 or 5 × 10^k, at most `count` + 1 of them.
    static func ticks(upTo top: Double, from bottom: Double = 0, count: Int = 5) -> [Double] {
        let span = max(top - bottom, 1e-12)
        let raw = span / Double(count)
        let magnitude = pow10(ccap_log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = (bottom / step).rounded(.down) * step
        var out: [Double] = []
        var v = first
        while out.isEmpty || out.last! < top - step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v = first + step * Double(out.count)
        }
        return out
    }

    /// The value with the unit scaled to the ticks' range: `1.5M`, `250k`, `82B`, `0.25`; every
    /// label of one axis with the same scale and decimals.
    static func tickLabels(_ ticks: [Double]) -> [String] {
        let top = ticks.map(abs).max() ?? 0
        let (divisor, suffix): (Double, String) =
            top >= 1e12 ? (1e12, "T") : top >= 1e9 ? (1e9, "B") : top >= 1e6 ? (1e6, "M") : top >= 1e4 ? (1e3, "k") : (1, "")
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) / divisor : 1
        var places = 0
        while places < 6, (step * pow10(Double(places))).rounded() != step * pow10(Double(places)) { places += 1 }
        return ticks.map { $0 == 0 ? "0" : Format.grouped($0 / divisor, places: places) + suffix }
    }

    static func pow10(_ e: Double) -> Double { ccap_pow(10, e) }

    /// Date ticks between `from` and `to`: the finest of days, weeks, months, quarters, years and
    /// 5-year spans whose labels fit side by side in `room` points; each with its label.
    static func dateTicks(from: Timestamp, to: Timestamp, room: Double) -> [(at: Timestamp, label: String)] {
        typealias Scale = (step: (Timestamp, Int64) -> Timestamp, start: (Timestamp) -> Timestamp, label: (Timestamp) -> String)
        func monthStart(_ t: Timestamp, every months: Int64) -> Timestamp {
            let (y, m, _) = t.civil
            let m0 = (m - 1) / months * months + 1
            return Timestamp(year: y, month: m0, day: 1)
        }
        func yearStart(_ t: Timestamp, every years: Int64) -> Timestamp {
            Timestamp(year: t.civil.year / years * years, month: 1, day: 1)
        }
        let scales: [Scale] = [
            ({ $0.adding(days: $1) }, { $0.startOfDay }, { $0.dateString }),
            ({ $0.adding(days: 7 * $1) }, { $0.startOfDay }, { $0.dateString }),
            ({ $0.adding(months: $1) }, { monthStart($0, every: 1) }, { String($0.dateString.prefix(7)) }),
            ({ $0.adding(months: 3 * $1) }, { monthStart($0, every: 3) }, { "\($0.civil.year) Q\(($0.civil.month - 1) / 3 + 1)" }),
            ({ $0.adding(months: 12 * $1) }, { yearStart($0, every: 1) }, { String($0.civil.year) }),
            ({ $0.adding(months: 60 * $1) }, { yearStart($0, every: 5) }, { String($0.civil.year) }),
            ({ $0.adding(months: 120 * $1) }, { yearStart($0, every: 10) }, { String($0.civil.year) }),
        ]
        var best: [(at: Timestamp, label: String)] = []
        for scale in scales {
            let origin = scale.start(from)
            var ticks: [(Timestamp, String)] = []
            var k: Int64 = 0
            while true {
                let t = scale.step(origin, k)
                k += 1
                if t < from { continue }
                if t > to || ticks.count > 400 { break }
                ticks.append((t, scale.label(t)))
            }
            let widest = ticks.map { textWidth($0.1) }.max() ?? 0
            best = ticks.map { (at: $0.0, label: $0.1) }
            if Double(max(ticks.count, 1)) * (widest + 16) <= room { return best }
        }
        return best
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let palette = ["rgb(31,119,180)", "rgb(255,127,14)", "rgb(44,160,44)", "rgb(214,39,40)", "rgb(148,103,189)",
                          "rgb(140,86,75)", "rgb(227,119,194)", "rgb(127,127,127)"]

    // MARK: drawing

    /// The SVG document.
    public var svg: String {
        let w = Double(max(width, 320)), h = Double(max(height, 240))
        let w0 = w
        let all = series.flatMap(\.points)
        let times = all.map(\.at.micros)
        let t0 = times.min() ?? 0, t1 = max(times.max() ?? 1, (times.min() ?? 0) + 1)
        let values = all.map(\.value)
        let yTicks = Self.ticks(upTo: max(values.max() ?? 0, 0), from: min(values.min() ?? 0, 0))
        let yLabels = Self.tickLabels(yTicks)
        let yMin = yTicks.first ?? 0, yMax = max(yTicks.last ?? 1, yMin + 1e-12)

        // Margins from what goes in them.
        let pad = 12.0
        let titleSize = 16.0
        let top = pad + titleSize + (series.count > 1 ? 10 + Self.fontSize + 6 : 10)
        let axisTitleWidth = Self.fontSize + 8
        let left = pad + axisTitleWidth + (yLabels.map { Self.textWidth($0) }.max() ?? 0) + 10
        let right = pad + Self.textWidth("2025-10-29") / 2
        let bottom = pad + Self.fontSize + 8 + Self.fontSize + 10 + (footer == nil ? 0 : Self.fontSize + 8)
        let plotW = w - left - right, plotH = h - top - bottom
        func x(_ t: Int64) -> Double { left + plotW * Double(t - t0) / Double(t1 - t0) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - yMin) / (yMax - yMin)) }
        func n(_ v: Double) -> String { Format.fixed(v, places: 1) }

        var s = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(w))" height="\#(Int(h))" viewBox="0 0 \#(Int(w)) \#(Int(h))" font-family="sans-serif" font-size="\#(Int(Self.fontSize))">"#
        s += "\n" + #"<rect width="100%" height="100%" fill="white"/>"#
        s += "\n" + #"<text x="\#(n(w / 2))" y="\#(n(pad + titleSize))" text-anchor="middle" font-size="\#(Int(titleSize))" font-weight="bold">\#(Self.escaped(title))</text>"#
        // Grid and y ticks.
        for (v, label) in zip(yTicks, yLabels) {
            let yy = y(v)
            s += "\n" + #"<line x1="\#(n(left))" y1="\#(n(yy))" x2="\#(n(left + plotW))" y2="\#(n(yy))" stroke="rgb(225,225,225)"/>"#
            s += "\n" + #"<text class="ytick" x="\#(n(left - 8))" y="\#(n(yy + 4))" text-anchor="end">\#(Self.escaped(label))</text>"#
        }
        s += "\n" + #"<line x1="\#(n(left))" y1="\#(n(top + plotH))" x2="\#(n(left + plotW))" y2="\#(n(top + plotH))" stroke="black"/>"#
        s += "\n" + #"<line x1="\#(n(left))" y1="\#(n(top))" x2="\#(n(left))" y2="\#(n(top + plotH))" stroke="black"/>"#
        // Date ticks, level, never overlapping.
        for tick in Self.dateTicks(from: Timestamp(micros: t0), to: Timestamp(micros: t1), room: plotW) {
            let xx = x(tick.at.micros)
            s += "\n" + #"<line x1="\#(n(xx))" y1="\#(n(top + plotH))" x2="\#(n(xx))" y2="\#(n(top + plotH + 4))" stroke="black"/>"#
            s += "\n" + #"<text class="xtick" x="\#(n(xx))" y="\#(n(top + plotH + 8 + Self.fontSize))" text-anchor="middle">\#(Self.escaped(tick.label))</text>"#
        }
        // Axis titles, clear of the tick labels.
        let yTitleX = pad + Self.fontSize
        s += "\n" + #"<text x="\#(n(yTitleX))" y="\#(n(top + plotH / 2))" text-anchor="middle" transform="rotate(-90 \#(n(yTitleX)) \#(n(top + plotH / 2)))">\#(Self.escaped(unit))</text>"#
        s += "\n" + #"<text x="\#(n(left + plotW / 2))" y="\#(n(top + plotH + 8 + Self.fontSize + 10 + Self.fontSize))" text-anchor="middle">effective time</text>"#
        // The recorded now, where the chart reaches past it.
        if let now, now.micros > t0, now.micros < t1 {
            let xx = x(now.micros)
            s += "\n" + #"<line x1="\#(n(xx))" y1="\#(n(top))" x2="\#(n(xx))" y2="\#(n(top + plotH))" stroke="rgb(120,120,120)" stroke-dasharray="4 3"/>"#
            // The longest label that fits on either side of the marker, else none.
            for label in ["recorded now: plans after", "now"] {
                let w = Self.textWidth(label)
                let after = xx + 4 + w <= w0 - pad, before = xx - 4 - w >= pad
                guard after || before else { continue }
                s += "\n" + #"<text class="now" x="\#(n(after ? xx + 4 : xx - 4))" y="\#(n(top + Self.fontSize))" text-anchor="\#(after ? "start" : "end")" fill="rgb(90,90,90)">\#(label)</text>"#
                break
            }
        }
        // The series.
        for (k, one) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            var d = ""
            for (i, p) in one.points.enumerated() {
                if i == 0 {
                    d += "M\(n(x(p.at.micros))),\(n(y(p.value)))"
                } else if steps {
                    d += " H\(n(x(p.at.micros))) V\(n(y(p.value)))"
                } else {
                    d += " L\(n(x(p.at.micros))),\(n(y(p.value)))"
                }
            }
            s += "\n" + #"<path d="\#(d)" fill="none" stroke="\#(colour)" stroke-width="2"/>"#
        }
        // A legend for several series, in a row under the title.
        if series.count > 1 {
            var lx = left
            let ly = pad + titleSize + 10 + Self.fontSize
            for (k, one) in series.enumerated() {
                let colour = Self.palette[k % Self.palette.count]
                s += "\n" + #"<line x1="\#(n(lx))" y1="\#(n(ly - 4))" x2="\#(n(lx + 18))" y2="\#(n(ly - 4))" stroke="\#(colour)" stroke-width="3"/>"#
                s += "\n" + #"<text class="legend" x="\#(n(lx + 24))" y="\#(n(ly))">\#(Self.escaped(one.name))</text>"#
                lx += 24 + Self.textWidth(one.name) + 18
            }
        }
        if let footer {
            // Cut to the width, parts (separated by " · ") dropped from the end first.
            var parts = footer.split(separator: " · ", omittingEmptySubsequences: false).map(String.init)
            while parts.count > 1, Self.textWidth(parts.joined(separator: " · "), size: 10) > w - 2 * pad { parts.removeLast() }
            var text = parts.joined(separator: " · ")
            while !text.isEmpty, Self.textWidth(text, size: 10) > w - 2 * pad { text.removeLast() }
            s += "\n" + #"<text class="footer" x="\#(n(pad))" y="\#(n(h - pad))" fill="rgb(110,110,110)" font-size="10">\#(Self.escaped(text))</text>"#
        }
        return s + "\n</svg>\n"
    }
}
