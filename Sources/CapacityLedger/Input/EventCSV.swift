/// The CSV form of stored events (`export --format csv`): one column per field of any type,
/// empty where a type has no such field. RFC 4180 quoting.
public enum EventCSV {
    /// Every field name in a fixed order: ledger fields, then each type's fields, then note, source, hash.
    public static let columns: [String] = {
        var cols = ["seq", "type", "effective", "recorded"]
        for t in EventType.allCases {
            for f in t.fields where !cols.contains(f.name) { cols.append(f.name) }
        }
        return cols + ["note", "source", "hash"]
    }()

    public static var header: String { columns.joined(separator: ",") }

    public static func row(_ e: Event, hash: String?) -> String {
        var values: [String: String] = [
            "seq": String(e.seq), "type": e.type.rawValue, "effective": e.effective.shortString,
            "recorded": e.recorded.iso8601,
        ]
        for (k, v) in EventJSON.fieldPairs(e.body) { values[k] = v }
        values["note"] = e.note
        values["source"] = e.source
        values["hash"] = hash
        return columns.map { quote(values[$0] ?? "") }.joined(separator: ",")
    }

    public static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
