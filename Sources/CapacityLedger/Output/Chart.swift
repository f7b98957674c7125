/// The terminal chart of `timeline` (its SVG chart is `SVGChart`).
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
}
