/// One value in a result table.
public enum Cell: Sendable, Hashable {
    case text(String)
    case int(Int64)
    /// A decimal shown with `places` decimals in tables; exact-ish in JSON.
    case number(Double, places: Int)
    /// Power, shown in MW.
    case megawatts(Power)
    /// An event's seq: `#2466` in tables, a number in JSON and CSV.
    case seq(Int)
    /// A number shown in tables in a short form (`70B`, `6.3×10^24`) and written as a plain
    /// number in JSON and CSV, where it is data to compute with.
    case quantity(Double, shown: String)
    case null

    var json: String {
        switch self {
        case .text(let s): JSONWriter.quote(s)
        case .int(let v): String(v)
        case .number(let d, _): Format.json(d)
        case .megawatts(let p): p.megawattsText
        case .seq(let n): String(n)
        case .quantity(let d, _): Format.json(d)
        case .null: "null"
        }
    }

    var table: String {
        switch self {
        case .text(let s): s
        case .int(let v): Format.grouped(v)
        case .number(let d, let places): places < 0 ? Format.groupedTrimmed(d) : Format.grouped(d, places: places)
        case .megawatts(let p): Format.grouped(p.megawatts, places: 3)
        case .seq(let n): "#\(n)"
        case .quantity(_, let shown): shown
        case .null: ""
        }
    }

    var csv: String {
        switch self {
        case .text(let s): EventCSV.quote(s)
        case .int(let v): String(v)
        case .number(let d, _): Format.json(d)
        case .megawatts(let p): p.megawattsText
        case .seq(let n): String(n)
        case .quantity(let d, _): Format.json(d)
        case .null: ""
        }
    }

    /// Whether `table` groups digits with `,`: a compact table may write it without (`1001600`,
    /// `2200.000`). Seqs, short forms (`70B`) and text keep their text.
    var hasGroupedText: Bool {
        switch self {
        case .int, .number, .megawatts: true
        default: false
        }
    }

    var isNumeric: Bool {
        switch self {
        case .int, .number, .megawatts, .seq, .quantity: true
        default: false
        }
    }
}

/// A column: its JSON/CSV field name and its table header (with the unit).
public struct Column: Sendable, Hashable {
    public var name: String
    public var header: String
    /// Shown in tables only: a label such as `capacity by=fleet`'s "fleet", which is no data.
    public var tableOnly = false
    public init(_ name: String, _ header: String? = nil, tableOnly: Bool = false) {
        self.name = name
        self.header = header ?? name
        self.tableOnly = tableOnly
    }
}

extension Column {
    /// Words of a header that a compact table may abbreviate (see `compactHeader(fitting:)`).
    public static let abbreviations: [String: String] = [
        "allocated": "alloc", "stranded": "strand", "undeployed": "undepl",
    ]

    /// The header's name and its unit, the part in parentheses at its end: `delivered (chips)` is
    /// `delivered` in `chips`, `PFLOPS (bf16)` is `PFLOPS` in `bf16`; `PFLOPS/MW` has no unit.
    public var headerParts: (name: String, unit: String?) {
        guard header.hasSuffix(")"), let open = header.lastIndex(of: "("), open > header.startIndex,
              header[header.index(before: open)] == " " else { return (header, nil) }
        return (String(header[..<header.index(before: open)]), String(header[header.index(after: open)...].dropLast()))
    }

    /// The header of a compact table, whose values are at most `valueWidth` characters wide: the
    /// header without its unit (`drawn (MW)` is `drawn`), with the words of `abbreviations`
    /// shortened where the name is wider than the values, so that the column narrows
    /// (`undeployed (chips)` over `34,752` is `undepl`, over `10,034,752` it is `undeployed`).
    /// The legend under the table names the column in full.
    public func compactHeader(fitting valueWidth: Int) -> String {
        let name = headerParts.name
        guard name.count > valueWidth else { return name }
        return name.split(separator: " ", omittingEmptySubsequences: false).map { word in
            Self.abbreviations[String(word)] ?? String(word)
        }.joined(separator: " ")
    }
}

/// What a query produced, before it is rendered as a table, JSON or CSV.
public struct QueryOutput: Sendable {
    public var command: String
    public var point: PointInTime?
    public var columns: [Column] = []
    public var rows: [[Cell]] = []
    /// Totals, keyed by column name; rendered as a last table row and as `"total":{…}` in JSON.
    public var total: [String: Cell]?
    /// The options that shaped the result (`by`, `precision`), carried in its JSON after the
    /// point in time, so that a saved result says what it is.
    public var shapedBy: [(key: String, value: String)] = []
    /// Text shown after the table (a chart, a summary line).
    public var notes: [String] = []
    /// A complete JSON object replacing the default `{"at","known","rows","total"}` shape.
    public var json: String?
    /// Lines shown instead of a table (append, verify).
    public var message: [String] = []
    /// Files to write at the edge: (path, contents).
    public var files: [(path: String, contents: String)] = []
    /// Remarks for standard error, not part of the result (a filter that matched nothing).
    public var warnings: [String] = []
    /// Events appended by the command, if any.
    public var appended: [Event] = []

    public init(command: String, point: PointInTime? = nil) {
        self.command = command
        self.point = point
    }
}

/// Output formats shared by `capacity query --format` and the console's `.mode`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, csv
}
