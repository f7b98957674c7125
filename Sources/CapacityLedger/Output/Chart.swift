/// Charts for `timeline`: bars for the terminal and an SVG line chart.
public enum Chart {
    /// One bar per point: `2025-10-01 ████████▍ 333,521.3`.
    public static func bars(_ points: [(label: String, value: Double)], width: Int = 40, places: Int) -> [String] {
        let maxV = points.map(\.value).max() ?? 0
        let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let labelWidth = points.map(\.label.count).max() ?? 0
        return points.map { p in
            let cells = maxV > 0 ? max(0, p.value) / maxV * Double(width) : 0
            let full = Int(cells)
            let part = Int((cells - Double(full)) * 8)
            let bar = String(repeating: "█", count: full) + eighths[part]
            let pad = String(repeating: " ", count: labelWidth - p.label.count)
            return "\(p.label)\(pad) │\(bar) \(Format.grouped(p.value, places: places))"
        }
    }

    /// A self-contained SVG line chart with labelled axes.
    public static func svg(title: String, yLabel: String, points: [(label: String, value: Double)]) -> String {
        let w = 800.0, h = 420.0, left = 90.0, right = 20.0, top = 40.0, bottom = 70.0
        let plotW = w - left - right, plotH = h - top - bottom
        let maxV = max(points.map(\.value).max() ?? 0, 1e-9)
        let n = max(points.count - 1, 1)
        func x(_ i: Int) -> Double { left + plotW * Double(i) / Double(n) }
        func y(_ v: Double) -> Double { top + plotH * (1 - v / maxV) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var s = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(w))" height="\#(Int(h))" viewBox="0 0 \#(Int(w)) \#(Int(h))" font-family="sans-serif" font-size="12">"#
        s += "\n" + #"<rect width="100%" height="100%" fill="white"/>"#
        s += "\n" + #"<text x="\#(Int(w / 2))" y="24" text-anchor="middle" font-size="16">\#(esc(title))</text>"#
        // Axes.
        s += "\n" + #"<line x1="\#(left)" y1="\#(top + plotH)" x2="\#(left + plotW)" y2="\#(top + plotH)" stroke="black"/>"#
        s += "\n" + #"<line x1="\#(left)" y1="\#(top)" x2="\#(left)" y2="\#(top + plotH)" stroke="black"/>"#
        // Y ticks: 5 divisions.
        for k in 0...5 {
            let v = maxV * Double(k) / 5
            let yy = y(v)
            s += "\n" + #"<line x1="\#(left - 4)" y1="\#(yy)" x2="\#(left + plotW)" y2="\#(yy)" stroke="rgb(221,221,221)"/>"#
            s += "\n" + #"<text x="\#(left - 8)" y="\#(yy + 4)" text-anchor="end">\#(esc(Format.grouped(v, places: v < 10 ? 2 : 0)))</text>"#
        }
        // X labels: at most 12.
        let stride = max(1, points.count / 12)
        for (i, p) in points.enumerated() where i % stride == 0 || i == points.count - 1 {
            let xx = x(i)
            s += "\n" + #"<text x="\#(xx)" y="\#(top + plotH + 18)" text-anchor="end" transform="rotate(-35 \#(xx) \#(top + plotH + 18))">\#(esc(p.label))</text>"#
        }
        s += "\n" + #"<text x="16" y="\#(top + plotH / 2)" text-anchor="middle" transform="rotate(-90 16 \#(top + plotH / 2))">\#(esc(yLabel))</text>"#
        s += "\n" + #"<text x="\#(left + plotW / 2)" y="\#(h - 8)" text-anchor="middle">effective time</text>"#
        let path = points.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(Format.fixed(x(i), places: 1)),\(Format.fixed(y(p.value), places: 1))" }.joined(separator: " ")
        s += "\n" + #"<path d="\#(path)" fill="none" stroke="rgb(31,119,180)" stroke-width="2"/>"#
        for (i, p) in points.enumerated() {
            s += "\n" + #"<circle cx="\#(Format.fixed(x(i), places: 1))" cy="\#(Format.fixed(y(p.value), places: 1))" r="2.5" fill="rgb(31,119,180)"/>"#
        }
        return s + "\n</svg>\n"
    }
}
