/// Which events to list: by type, site, effective-time window, and how many of the last ones.
public struct EventFilter: Sendable {
    public var type: EventType?
    public var site: String?
    public var since: Timestamp?
    public var until: Timestamp?
    public var limit: Int?
    public init() {}

    /// The matching events in seq order; with a limit, the last `limit` of them.
    public func apply(_ ledger: Ledger, upTo seq: Int? = nil, effectiveBy: Timestamp? = nil) -> [Event] {
        let pool = seq.map { ledger.events.prefix($0) } ?? ledger.events[...]
        var out = pool.filter { e in
            if let effectiveBy, e.effective > effectiveBy { return false }
            if let type, e.type != type { return false }
            if let site, e.body.site != site { return false }
            if let since, e.effective < since { return false }
            if let until, e.effective > until { return false }
            return true
        }
        if let limit, out.count > limit { out = Array(out.suffix(max(0, limit))) }
        return out
    }
}

/// Human-readable event lines: `#12  2025-10-01  rack.installed r-0017 at rainier-in  chips=64 kw=45`.
public enum EventListing {
    public static func table(_ events: [Event], voidedBy: [Int: Int]) -> String {
        var rows: [[String]] = [["seq", "effective", "recorded", "event", "fields"]]
        for e in events {
            var fields = EventJSON.fieldPairs(e.body).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            if let v = voidedBy[e.seq] { fields += "  (voided by #\(v))" }
            rows.append(["#\(e.seq)", e.effective.shortString, e.recorded.shortString, e.type.rawValue, fields])
        }
        return TextTable.render(rows, rightAligned: [0])
    }
}

/// Aligned plain-text tables. Column widths count characters, not bytes.
public enum TextTable {
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var lines: [String] = []
        for (n, r) in rows.enumerated() {
            var cells: [String] = []
            for (i, c) in r.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                if i == r.count - 1, !rightAligned.contains(i) { cells.append(c) } else {
                    cells.append(rightAligned.contains(i) ? pad + c : c + pad)
                }
            }
            var line = cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            lines.append(line)
            if n == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }
}
