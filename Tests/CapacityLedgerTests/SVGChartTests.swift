@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// The SVG chart is ready for a deck: round ticks, nothing outside the view box, date labels
/// apart, steps for step quantities, a legend for several series.
struct SVGChartTests {
    struct Text { var x: Double; var y: Double; var anchor: String; var text: String; var cls: String }

    /// The text elements of an SVG, as the chart writes them.
    static func texts(_ svg: String) -> [Text] {
        var out: [Text] = []
        for line in svg.split(separator: "\n") where line.hasPrefix("<text") {
            func attr(_ name: String) -> String? {
                guard let r = line.range(of: " \(name)=\"") else { return nil }
                let rest = line[r.upperBound...]
                return String(rest[..<rest.firstIndex(of: "\"")!])
            }
            let body = line[line.index(after: line.firstIndex(of: ">")!)..<line.range(of: "</text>")!.lowerBound]
            out.append(Text(x: Double(attr("x")!)!, y: Double(attr("y")!)!, anchor: attr("text-anchor") ?? "start",
                            text: String(body), cls: attr("class") ?? ""))
        }
        return out
    }

    static func box(_ t: Text) -> (lo: Double, hi: Double) {
        let w = SVGChart.textWidth(t.text.replacingOccurrences(of: "&amp;", with: "&"), size: t.cls == "footer" ? 10 : 12)
        switch t.anchor {
        case "middle": return (t.x - w / 2, t.x + w / 2)
        case "end": return (t.x - w, t.x)
        default: return (t.x, t.x + w)
        }
    }

    func series(_ name: String, from: String, days: Int, every: Int64, _ value: (Int) -> Double) -> SVGChart.Series {
        let start = Timestamp.parse(from)!
        return SVGChart.Series(name: name, points: (0...(days / Int(every))).map { (start.adding(days: Int64($0) * every), value($0)) })
    }

    @Test(arguments: [(82e9, 20e9), (3_424_920.0, 1e6), (0.73, 0.2), (1_001_600.0, 500_000.0), (7.0, 2.0), (0.0, 0.0)] as [(Double, Double)])
    func ticksAreRoundOneTwoFiveSteps(_ top: Double, _ expectedStep: Double) {
        let ticks = SVGChart.ticks(upTo: top)
        #expect(ticks.first == 0)
        #expect(ticks.last! >= top)
        guard ticks.count > 1 else { return }
        let step = ticks[1] - ticks[0]
        if expectedStep > 0 { #expect(abs(step - expectedStep) < expectedStep * 1e-9, "\(top): \(ticks)") }
        var m = step
        while m >= 10 { m /= 10 }
        while m < 1 { m *= 10 }
        #expect([1.0, 2, 5].contains { abs($0 - m) < 1e-9 }, "\(top): step \(step)")
        #expect(ticks.count <= 6)
    }

    @Test func tickLabelsShareOneScaleAndTheTopIsNotCut() {
        #expect(SVGChart.tickLabels(SVGChart.ticks(upTo: 82e9)) == ["0", "20B", "40B", "60B", "80B", "100B"])
        #expect(SVGChart.tickLabels(SVGChart.ticks(upTo: 3_424_919)) == ["0", "1M", "2M", "3M", "4M"])
        #expect(SVGChart.tickLabels(SVGChart.ticks(upTo: 0.73)) == ["0", "0.2", "0.4", "0.6", "0.8"])
        #expect(SVGChart.tickLabels(SVGChart.ticks(upTo: 2_500)) == ["0", "500", "1,000", "1,500", "2,000", "2,500"])
    }

    @Test(arguments: [(30, 1), (400, 7), (1_500, 30), (3_650, 30), (20_000, 91)] as [(Int, Int)])
    func everyTextLiesInsideTheViewBoxAndDateLabelsStayApart(_ days: Int, _ every: Int) throws {
        var chart = SVGChart(title: "committed (USD) every month", unit: "committed (USD)",
                             series: [series("usd", from: "2023-01-01", days: days, every: Int64(every)) { Double($0) * 1.3e8 }])
        chart.footer = "ledger rainier · at now, known now · head abd77e3b0cb6"
        chart.now = Timestamp.parse("2023-01-01")!.adding(days: Int64(days / 2))
        for (w, h) in [(800, 450), (320, 240), (1600, 900)] {
            chart.width = w
            chart.height = h
            let texts = Self.texts(chart.svg)
            #expect(texts.contains { $0.cls == "footer" })
            for t in texts where !t.text.isEmpty {
                let b = Self.box(t)
                // The rotated axis title is placed by its centre, on its own line at the left.
                if t.anchor == "middle", t.x < 40, t.cls.isEmpty { continue }
                #expect(b.lo >= 0 && b.hi <= Double(w), "\(days) days, \(w)×\(h): \(t.text) at \(t.x) spans \(b)")
                #expect(t.y >= 10 && t.y <= Double(h), "\(t.text) at y \(t.y)")
            }
            let xs = texts.filter { $0.cls == "xtick" }.map(Self.box).sorted { $0.lo < $1.lo }
            #expect(!xs.isEmpty)
            for (a, b) in zip(xs, xs.dropFirst()) { #expect(a.hi + 4 <= b.lo, "\(days) days, \(w) wide: date labels overlap") }
        }
    }

    @Test func stepsForStepQuantitiesAndALegendForSeveralSeries() {
        var chart = SVGChart(title: "t", unit: "chips", series: [
            series("rainier-in", from: "2025-01-01", days: 90, every: 30) { Double($0) * 10 },
            series("gcp-tpu", from: "2025-01-01", days: 90, every: 30) { Double($0) * 5 },
        ])
        var svg = chart.svg
        #expect(svg.contains(" H") && svg.contains(" V"))
        #expect(Self.texts(svg).filter { $0.cls == "legend" }.map(\.text) == ["rainier-in", "gcp-tpu"])
        chart.steps = false
        chart.series.removeLast()
        svg = chart.svg
        #expect(svg.contains(" L") && !svg.contains(" H"))
        #expect(Self.texts(svg).filter { $0.cls == "legend" }.isEmpty)
    }

    /// timeline svg= writes this chart, with title=, width= and height=, and the footer naming
    /// the ledger, the cursors and the head.
    @Test func timelineWritesTheChartWithItsOptions() throws {
        let store = try makeStore(cap: "power_cap_mw=100")
        try store.append([
            try d("power.allocated site=s1 mw=10 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-03-01"),
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45 effective=2025-05-10"),
            try d("rack.installed site=s1 rack=r-2 model=m1 chips=64 kw=45 effective=2026-05-10"),
        ])
        let e = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2025-09-01")!))
        let out = try e.run(#"timeline metric=chips every=month to=2026-12-01 svg=c.svg title="Chips at s1" width=1000 height=500"#)
        let svg = try #require(out.files.first?.contents)
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="500" viewBox="0 0 1000 500""#))
        let texts = Self.texts(svg)
        #expect(texts.contains { $0.text == "Chips at s1" })
        #expect(texts.contains { $0.cls == "now" })  // the chart reaches a planned install
        #expect(texts.first { $0.cls == "footer" }?.text == "ledger test · at now, known now · head \(store.ledger.head.hex.prefix(12))")
        #expect(throws: LedgerError.data("timeline: width=99999 must be a whole number of pixels from 320 to 4000")) {
            _ = try e.run("timeline metric=chips every=month svg=c.svg width=99999")
        }
        #expect(throws: LedgerError.data("timeline: title= shapes the SVG chart; give svg=FILE too")) {
            _ = try e.run("timeline metric=chips every=month title=x")
        }
    }
}
