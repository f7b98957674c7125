/// How results are laid out, beyond their format: the console's `.headers`, `.totals` and
/// `\x` settings.
public struct RenderOptions: Sendable, Equatable {
    /// psql's expanded display: one field a line, each row a record.
    public enum Expanded: String, Sendable, CaseIterable {
        case off, on
        /// Expanded when the table is wider than the terminal.
        case auto
    }

    /// CSV results end with their total row (a spreadsheet's SUM would count it twice).
    public var csvTotals = false
    /// Tables and CSV start with their column headers.
    public var headers = true
    public var expanded = Expanded.off
    /// The terminal's width in columns, for `expanded = .auto`; nil when not a terminal.
    public var width: Int?

    public init(csvTotals: Bool = false, headers: Bool = true, expanded: Expanded = .off, width: Int? = nil) {
        self.csvTotals = csvTotals
        self.headers = headers
        self.expanded = expanded
        self.width = width
    }
}

/// Renders a `QueryOutput` as an aligned table, one line of JSON, or CSV.
public enum Renderer {
    /// Renders `out`. CSV is data: its total row, which a spreadsheet's SUM would count twice,
    /// is written only with `csvTotals` (`--totals`, `.totals on`); tables always show it and
    /// JSON keeps it apart as `"total"`.
    public static func render(_ out: QueryOutput, as format: OutputFormat, csvTotals: Bool = false) -> String {
        render(out, as: format, options: RenderOptions(csvTotals: csvTotals))
    }

    public static func render(_ out: QueryOutput, as format: OutputFormat, options: RenderOptions) -> String {
        switch format {
        case .table:
            if options.expanded == .on { return expanded(out) }
            let text = table(out, headers: options.headers)
            if options.expanded == .auto, let width = options.width, !out.columns.isEmpty,
               text.split(separator: "\n").contains(where: { $0.count > width }) {
                return expanded(out)
            }
            return text
        case .json: return json(out)
        case .csv: return csv(out, totals: options.csvTotals, headers: options.headers)
        }
    }

    /// psql's expanded display: each row a record of `header | value` lines.
    static func expanded(_ out: QueryOutput) -> String {
        if out.columns.isEmpty { return (out.message + out.notes).joined(separator: "\n") }
        var lines: [String] = []
        if let p = out.point, p.at != .now || p.known != nil {
            lines.append("\(out.command) at \(p.atText), known \(p.knownText)")
        }
        let width = out.columns.map(\.header.count).max() ?? 0
        var records = out.rows.map { r in zip(out.columns, r).map { ($0.header, $1.table) } }
        var titles = out.rows.indices.map { "RECORD \($0 + 1)" }
        if let total = out.total {
            records.append(out.columns.compactMap { c in total[c.name].map { (c.header, $0.table) } })
            titles.append("TOTAL")
        }
        if records.isEmpty { lines.append("(no rows)") }
        for (title, fields) in zip(titles, records) {
            let head = "-[ \(title) ]"
            lines.append(head + String(repeating: "-", count: max(3, width + 3 - head.count)))
            for (h, v) in fields {
                var line = Format.visible(h) + String(repeating: " ", count: width - h.count) + " | " + Format.visible(v)
                while line.last == " " { line.removeLast() }
                lines.append(line)
            }
        }
        lines.append(contentsOf: out.notes)
        lines.append(contentsOf: out.message)
        return lines.joined(separator: "\n")
    }

    static func table(_ out: QueryOutput, headers: Bool = true) -> String {
        if out.columns.isEmpty { return (out.message + out.notes).joined(separator: "\n") }
        var lines: [String] = []
        if let p = out.point, p.at != .now || p.known != nil {
            lines.append("\(out.command) at \(p.atText), known \(p.knownText)")
        }
        var grid: [[String]] = [out.columns.map(\.header)]
        var numeric = Set<Int>()
        for r in out.rows {
            grid.append(r.map(\.table))
            for (i, c) in r.enumerated() where c.isNumeric { numeric.insert(i) }
        }
        if let total = out.total {
            var row = out.columns.map { total[$0.name]?.table ?? "" }
            row[0] = "total"
            grid.append(row)
            for (i, c) in out.columns.enumerated() where total[c.name]?.isNumeric == true { numeric.insert(i) }
        }
        if out.rows.isEmpty, out.total == nil {
            if headers { lines.append(TextTable.render(grid, rightAligned: numeric)) }
            lines.append("(no rows)")
        } else {
            var text = TextTable.render(grid, rightAligned: numeric)
            var split = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if out.total != nil {
                // A rule above the total row.
                split.insert(split[1], at: split.count - 1)
            }
            if !headers { split.removeFirst(2) }
            text = split.joined(separator: "\n")
            lines.append(text)
        }
        lines.append(contentsOf: out.notes)
        lines.append(contentsOf: out.message)
        return lines.joined(separator: "\n")
    }

    static func json(_ out: QueryOutput) -> String {
        if let j = out.json { return j }
        var w = JSONWriter()
        if let p = out.point {
            w.string("at", p.atText)
            w.string("known", p.knownText)
        }
        for (k, v) in out.shapedBy { w.string(k, v) }
        let rows = out.rows.map { r in
            var o = JSONWriter()
            for (c, v) in zip(out.columns, r) where !c.tableOnly { o.raw(c.name, v.json) }
            return o.finished()
        }
        w.raw("rows", "[" + rows.joined(separator: ",") + "]")
        if let total = out.total {
            var t = JSONWriter()
            for c in out.columns { if let v = total[c.name], v != .null { t.raw(c.name, v.json) } }
            w.raw("total", t.finished())
        }
        return w.finished()
    }

    static func csv(_ out: QueryOutput, totals: Bool, headers: Bool = true) -> String {
        if out.columns.isEmpty { return out.message.joined(separator: "\n") }
        let kept = out.columns.indices.filter { !out.columns[$0].tableOnly }
        var lines = headers ? [kept.map { EventCSV.quote(out.columns[$0].name) }.joined(separator: ",")] : []
        for r in out.rows { lines.append(kept.map { r[$0].csv }.joined(separator: ",")) }
        if totals, let total = out.total {
            var row = kept.map { total[out.columns[$0].name]?.csv ?? "" }
            row[0] = "total"
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }
}

extension Format {
    /// Grouped, with only the decimals the value needs (at most 3): `1,299.5`, `667`.
    public static func groupedTrimmed(_ d: Double) -> String {
        guard abs(d) < scientificFrom else { return scientific(d) }
        var s = grouped(d, places: 3)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A Double for JSON: rounded to 6 decimals, no trailing zeros, without an exponent. From
    /// 9×10^15 on, where every Double is whole and 6 decimals mean nothing, the shortest text that
    /// reads back as the same Double, which may have one: `1.5e+17`, `1e+300`.
    public static func json(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if abs(d) >= 9e15 { return String(d) }
        let rounded = (d * 1e6).rounded() / 1e6
        if rounded == rounded.rounded(), abs(rounded) < 9e15 { return String(Int64(rounded)) }
        var s = fixed(rounded, places: 6)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
