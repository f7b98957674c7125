/// The rows of a result that differ between two states of the ledger (`append --dry-run`).
extension QueryOutput {
    /// The rows of `after` that differ from `before`'s, each shown as it was and as it would be,
    /// matched by their leading text cells (the group: site, model). The first column,
    /// `change`, says which: `before` (absent when the group is new) and `after` (absent when
    /// it is gone). Totals are left out: the rows say what changes.
    public static func changes(before: QueryOutput, after: QueryOutput) -> QueryOutput {
        var out = QueryOutput(command: after.command, point: after.point)
        out.columns = [Column("change")] + after.columns
        out.shapedBy = after.shapedBy
        func key(_ row: [Cell]) -> [Cell] { Array(row.prefix { if case .text = $0 { true } else { false } }) }
        var old: [[Cell]: [Cell]] = [:]
        var order: [[Cell]] = []
        for row in before.rows {
            old[key(row)] = row
            order.append(key(row))
        }
        var seen = Set<[Cell]>()
        for row in after.rows {
            let k = key(row)
            seen.insert(k)
            if let was = old[k] {
                if was != row {
                    out.rows.append([.text("before")] + was)
                    out.rows.append([.text("after")] + row)
                }
            } else {
                out.rows.append([.text("after")] + row)
            }
        }
        for k in order where !seen.contains(k) { out.rows.append([.text("before")] + old[k]!) }
        return out
    }
}
