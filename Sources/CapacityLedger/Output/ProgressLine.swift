/// The line a long import shows on a terminal while it runs:
///
///     importing [##########..........]  52%  5,242,880 events  610,118/s  ~8 s left
///
/// The bar, the percentage and the time left need the input's size (a regular file); reading
/// standard input, the line shows the count and the rate only. The line is cut to fit `width`
/// columns (the rate goes first, then the time left, then the bar), because a line longer than
/// the terminal wraps, and the carriage return that redraws it would then start from the wrong
/// row.
public enum ProgressLine {
    /// The bar's cells at most; fewer when the terminal is narrow.
    static let barCells = 30

    /// - Parameters:
    ///   - events: events read and checked so far.
    ///   - bytesRead: bytes of the input up to the last event handed to the writer.
    ///   - size: the input's size in bytes, when known.
    ///   - seconds: time since the import started.
    ///   - width: the terminal's columns.
    public static func render(events: Int, bytesRead: Int, size: Int?, seconds: Double, width: Int) -> String {
        var fraction: Double?
        if let size, size > 0 { fraction = min(1, max(0, Double(bytesRead) / Double(size))) }
        let rate = seconds > 0 ? "\(Format.grouped(Int((Double(events) / seconds).rounded())))/s" : nil
        var left: String?
        if let f = fraction, f > 0, f < 1, seconds >= 1 { left = "~\(duration(seconds * (1 - f) / f)) left" }
        let percent = fraction.map { f -> String in
            let p = String(Int(f * 100))
            return String(repeating: " ", count: 3 - p.count) + p + "%  "
        } ?? ""
        func line(cells: Int, rate: String?, left: String?) -> String {
            var s = "importing "
            if cells > 0, let f = fraction {
                let done = Int(f * Double(cells))
                s += "[" + String(repeating: "#", count: done) + String(repeating: ".", count: cells - done) + "] "
            }
            s += percent + Format.counted(events, "event")
            for part in [rate, left] { if let part { s += "  " + part } }
            return s
        }
        // The most of it that fits: the rate goes first, then the time left, then the bar.
        let choices = [(rate, left), (nil, left), (nil, nil)]
        if fraction != nil {
            for (r, l) in choices {
                let room = width - 1 - line(cells: 0, rate: r, left: l).count - 3  // "[", "] "
                if room >= 10 { return line(cells: min(barCells, room), rate: r, left: l) }
            }
        }
        for (r, l) in choices {
            let s = line(cells: 0, rate: r, left: l)
            if s.count < width { return s }
        }
        return String(line(cells: 0, rate: nil, left: nil).prefix(max(0, width - 1)))
    }

    /// `42 s`, `7 min`, `2 h 5 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\((s + 59) / 60) min" }
        let m = (s + 59) / 60
        return m % 60 == 0 ? "\(m / 60) h" : "\(m / 60) h \(m % 60) min"
    }
}
