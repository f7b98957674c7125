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
    /// The terminal's width in columns; nil when the result does not go to a terminal. A table
    /// wider than this is narrowed when a compact form fits (see `Renderer.render`), else
    /// expanded with `expanded = .auto`.
    public var width: Int?

    public init(csvTotals: Bool = false, headers: Bool = true, expanded: Expanded = .off, width: Int? = nil) {
        self.csvTotals = csvTotals
        self.headers = headers
        self.expanded = expanded
        self.width = width
    }
}

/// The forms of a table, from the widest. A table wider than the terminal is shown in the first
/// compact form that fits it.
enum TableForm: Sendable {
    /// Headers with their units: `delivered (chips)`, `PFLOPS (bf16)`.
    case full
    /// Headers without units, a few long words abbreviated where that narrows the column
    /// (`Column.compactHeader(fitting:)`), and a legend under the table naming them in full.
    case compact
    /// `compact`, with numbers written without thousands separators: `1001600`, `2200.000`.
    case plainNumbers
}

/// The rows of a result's table (its data rows, then its total row) written once as table text,
/// so that each `TableForm` can be measured before one is written.
struct TableBody {
    /// The cells; the total row has `total` in its first column and `.null` where it has no value.
    let cells: [[Cell]]
    /// `Cell.table` of each cell, control characters escaped (`Format.visible`).
    let text: [[String]]
    /// The numeric columns, right-aligned.
    let numeric: Set<Int>

    init(_ out: QueryOutput) {
        var cells = out.rows
        var numeric = Set<Int>()
        for r in out.rows { for (i, c) in r.enumerated() where c.isNumeric { numeric.insert(i) } }
        if let total = out.total {
            var row = out.columns.map { total[$0.name] ?? .null }
            row[0] = .text("total")
            cells.append(row)
            for (i, c) in out.columns.enumerated() where total[c.name]?.isNumeric == true { numeric.insert(i) }
        }
        self.cells = cells
        self.numeric = numeric
        text = cells.map { $0.map { Format.visible($0.table) } }
    }

    /// The widest text of each of `columns` columns, with numbers as `form` writes them.
    func widths(_ form: TableForm, columns: Int) -> [Int] {
        var widths = [Int](repeating: 0, count: columns)
        for (cells, text) in zip(cells, text) {
            for (i, t) in text.enumerated() where i < columns {
                var n = t.count
                if form == .plainNumbers, cells[i].hasGroupedText { n -= t.utf8.reduce(0) { $1 == UInt8(ascii: ",") ? $0 + 1 : $0 } }
                widths[i] = max(widths[i], n)
            }
        }
        return widths
    }

    /// `text` as `form` writes it: for `plainNumbers`, numbers without thousands separators.
    func text(_ form: TableForm) -> [[String]] {
        guard form == .plainNumbers else { return text }
        return zip(cells, text).map { cells, text in zip(cells, text).map { $0.hasGroupedText ? $1.filter { $0 != "," } : $1 } }
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

    /// Renders `out`. A table wider than `options.width` (a terminal) is narrowed: the first of
    /// its compact forms that fits is shown (`TableForm`); when none fits, `\x auto` expands it,
    /// and otherwise it is shown as it is. Without a width, and in JSON and CSV, nothing changes.
    public static func render(_ out: QueryOutput, as format: OutputFormat, options: RenderOptions) -> String {
        switch format {
        case .table:
            if options.expanded == .on { return expanded(out) }
            if out.columns.isEmpty { return table(out) }
            let body = TableBody(out)
            let text = table(out, body, headers: options.headers)
            guard let width = options.width, !fits(text, width) else { return text }
            // Each form is measured before it is written: a long result is written once more at
            // most, in the form that fits.
            for form in [TableForm.compact, .plainNumbers] {
                let values = body.widths(form, columns: out.columns.count)
                let shown = compactHeaders(out, values)
                if widest(out, headers: options.headers, shown: shown, values: values, width: width) <= width {
                    return table(out, body, headers: options.headers, form: form, shown: shown, width: width)
                }
            }
            return options.expanded == .auto ? expanded(out) : text
        case .json: return json(out)
        case .csv: return csv(out, totals: options.csvTotals, headers: options.headers)
        }
    }

    /// psql's expanded display: each row a record of `header | value` lines.
    static func expanded(_ out: QueryOutput) -> String {
        if out.columns.isEmpty { return (out.message + out.notes).joined(separator: "\n") }
        var lines: [String] = []
        if let line = pointLine(out) { lines.append(line) }
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

    /// Whether every line of `text` is at most `width` characters.
    static func fits(_ text: String, _ width: Int) -> Bool {
        !text.split(separator: "\n").contains(where: { $0.count > width })
    }

    static func table(_ out: QueryOutput, headers: Bool = true) -> String {
        if out.columns.isEmpty { return (out.message + out.notes).joined(separator: "\n") }
        return table(out, TableBody(out), headers: headers)
    }

    /// The line naming the point in time, when it is not "at now, known now".
    static func pointLine(_ out: QueryOutput) -> String? {
        guard let p = out.point, p.at != .now || p.known != nil else { return nil }
        return "\(out.command) at \(p.atText), known \(p.knownText)"
    }

    /// The headers of a compact table whose columns' values are `widths` wide.
    static func compactHeaders(_ out: QueryOutput, _ widths: [Int]) -> [String] {
        out.columns.indices.map { out.columns[$0].compactHeader(fitting: widths[$0]) }
    }

    /// The width of a compact table with the headers `shown` over values `values` wide, without
    /// writing it: the width of its rules (no row is wider; some may be narrower), or of a wider
    /// line around it.
    static func widest(_ out: QueryOutput, headers: Bool, shown: [String], values: [Int], width: Int) -> Int {
        var widest = zip(shown, values).reduce(0) { $0 + max($1.0.count, $1.1) } + 2 * (shown.count - 1)
        if out.rows.isEmpty, out.total == nil, !headers { widest = "(no rows)".count }
        var others = out.notes + out.message + (pointLine(out).map { [$0] } ?? [])
        if headers { others += legend(out.columns, shown: shown, width: width) }
        return others.reduce(widest) { max($0, $1.count) }
    }

    /// An aligned table in `form`, with the headers `shown` (the full headers by default);
    /// `width` wraps the legend of a compact form.
    static func table(_ out: QueryOutput, _ body: TableBody, headers: Bool, form: TableForm = .full, shown: [String]? = nil,
                      width: Int = .max) -> String {
        var lines: [String] = []
        if let line = pointLine(out) { lines.append(line) }
        let shown = shown ?? out.columns.map(\.header)
        let grid = [shown] + body.text(form)
        if out.rows.isEmpty, out.total == nil {
            if headers { lines.append(TextTable.render(grid, rightAligned: body.numeric)) }
            lines.append("(no rows)")
        } else {
            var text = TextTable.render(grid, rightAligned: body.numeric)
            var split = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if out.total != nil {
                // A rule above the total row.
                split.insert(split[1], at: split.count - 1)
            }
            if !headers { split.removeFirst(2) }
            text = split.joined(separator: "\n")
            lines.append(text)
        }
        if form != .full, headers { lines.append(contentsOf: legend(out.columns, shown: shown, width: width)) }
        lines.append(contentsOf: out.notes)
        lines.append(contentsOf: out.message)
        return lines.joined(separator: "\n")
    }

    /// The legend of a compact table: the full headers of the columns `shown` with another
    /// header, in column order, neighbours with the same unit sharing it, wrapped at `width`
    /// under a hanging indent: `columns: delivered, installed, stranded (chips)`,
    /// `columns: energized (chips); PFLOPS (bf16); drawn (MW)`. Empty when no header changed.
    static func legend(_ columns: [Column], shown: [String], width: Int) -> [String] {
        var groups: [(names: [String], unit: String?)] = []
        for (c, header) in zip(columns, shown) where header != c.header {
            let (name, unit) = c.headerParts
            if let last = groups.last, last.unit == unit {
                groups[groups.count - 1].names.append(name)
            } else {
                groups.append(([name], unit))
            }
        }
        // The pieces a line may break between: each name with what follows it.
        var pieces: [String] = []
        for (g, group) in groups.enumerated() {
            for (i, name) in group.names.enumerated() {
                if i < group.names.count - 1 {
                    pieces.append(name + ",")
                } else {
                    pieces.append(name + (group.unit.map { " (\($0))" } ?? "") + (g < groups.count - 1 ? ";" : ""))
                }
            }
        }
        guard !pieces.isEmpty else { return [] }
        let lead = "columns: "
        var lines: [String] = []
        var line = lead + pieces[0]
        for piece in pieces.dropFirst() {
            if line.count + 1 + piece.count > width {
                lines.append(line)
                line = String(repeating: " ", count: lead.count) + piece
            } else {
                line += " " + piece
            }
        }
        lines.append(line)
        return lines
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
