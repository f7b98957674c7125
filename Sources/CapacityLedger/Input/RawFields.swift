/// One field value as the input gave it, before it is checked against the event type.
public enum RawValue: Hashable, Sendable {
    /// A JSON string.
    case string(String)
    /// A JSON number, as its text.
    case number(String)
    case bool(Bool)
    case null
    /// A JSON array or object: never a valid field value.
    case composite
    /// A `key=value` word: text that may stand for a string or a number.
    case word(String)

    var typeName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .composite: "an array or object"
        case .word: "text"
        }
    }

    /// Text to quote back in an error message.
    var display: String {
        switch self {
        case .string(let s), .word(let s): "\"\(Format.visible(Format.clipped(s)))\""
        case .number(let s): Format.clipped(s)
        case .bool(let b): String(b)
        case .null: "null"
        case .composite: "[…]"
        }
    }
}

/// The fields of one input event, in input order. Keys are unique.
public struct RawFields: Sendable {
    public var pairs: [(key: String, value: RawValue)]
    public init(_ pairs: [(key: String, value: RawValue)] = []) { self.pairs = pairs }

    public subscript(key: String) -> RawValue? {
        for p in pairs where p.key == key { return p.value }
        return nil
    }

    /// Parses `key=value` words (`site=rainier-in quantity=50000`). Values may be quoted with
    /// `"` to hold spaces; the quotes are removed by the query tokenizer before this point.
    public static func fromWords<S: Sequence>(_ words: S) throws -> RawFields where S.Element == String {
        var out = RawFields()
        var seen = Set<String>()  // a key given twice found in one step, however many words
        for w in words {
            guard let eq = w.firstIndex(of: "="), eq != w.startIndex else {
                throw LedgerError(.notKeyValue(w))
            }
            let key = String(w[..<eq])
            let value = String(w[w.index(after: eq)...])
            guard seen.insert(key).inserted else { throw LedgerError(.duplicateField(key)) }
            out.pairs.append((key, .word(value)))
        }
        return out
    }
}
