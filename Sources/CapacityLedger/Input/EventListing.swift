/// Which events to list: by type, site, effective-time window, and how many of the last ones.
public struct EventFilter: Sendable {
    public var type: EventType?
    public var site: String?
    public var since: Timestamp?
    public var until: Timestamp?
    public var limit: Int?
    public init() {}

    /// The matching events in seq order; with a limit, the last `limit` of them.
    ///
    /// The effective time and type are read from the packed records, and an event is built only
    /// for a record they let through; with a limit the records are read from the end back, until
    /// `limit` match (`log limit=5` of a large ledger builds a handful of events, not millions).
    public func apply(_ ledger: Ledger, upTo seq: Int? = nil, effectiveBy: Timestamp? = nil) -> [Event] {
        let events = ledger.events
        let stored = ledger.stored
        let end = min(events.count, seq ?? events.count)
        let code = type?.code
        func match(_ i: Int) -> Event? {
            let effective = Timestamp(micros: stored.effective[i])
            if let effectiveBy, effective > effectiveBy { return nil }
            if let since, effective < since { return nil }
            if let until, effective > until { return nil }
            if let code, stored[i].code != code { return nil }
            let e = events[i]
            if let site, e.body.site != site { return nil }
            return e
        }
        guard let limit else { return (0..<max(0, end)).compactMap(match) }
        var out: [Event] = []
        var i = end - 1
        while i >= 0, out.count < limit {
            if let e = match(i) { out.append(e) }
            i -= 1
        }
        return out.reversed()
    }
}

/// Events as result rows: seq, effective and recorded time, type, the type's fields, and the
/// void that voided it (when that void is within `seqLimit`). Shared by `capacity log` and the
/// query language's `log`.
public enum EventListing {
    public static func output(_ events: [Event], voidedBy: [Int: Int], seqLimit: Int = .max) -> QueryOutput {
        var out = QueryOutput(command: "log")
        out.columns = [Column("seq"), Column("effective"), Column("recorded"), Column("type"), Column("fields"), Column("voided_by", "voided by")]
        out.rows = events.map { e in
            // As `append` takes them: a line copied from here is valid input again.
            let fields = EventJSON.fieldPairs(e.body).map { "\($0.0)=\(QueryWords.quoted($0.1))" }.joined(separator: " ")
            let voided = voidedBy[e.seq].flatMap { $0 <= seqLimit ? Cell.text("#\($0)") : nil } ?? .null
            return [.seq(e.seq), .text(e.effective.shortString), .text(e.recorded.iso8601), .text(e.type.rawValue), .text(fields), voided]
        }
        return out
    }
}

/// Aligned plain-text tables. Column widths count characters, not bytes. Control characters in
/// a cell are shown as escapes (`Format.visible`).
public enum TextTable {
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let rows = rows.map { $0.map(Format.visible) }
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
