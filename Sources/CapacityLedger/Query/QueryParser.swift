/// A parsed query line: the command, its `key=value` options and positional words.
public struct ParsedQuery: Sendable {
    public var spec: CommandSpec
    public var options: [String: String]
    public var positional: [String]

    public subscript(key: String) -> String? { options[key] }

    /// Parses one line of the query language. Errors list what is accepted.
    public static func parse(_ line: String) throws -> ParsedQuery {
        let words = try QueryWords.splitChecked(QueryWords.droppingTerminator(line))
        guard let first = words.first else { throw LedgerError.data("empty command") }
        guard let spec = CommandSpec.named(first) else {
            throw LedgerError.data("unknown command \"\(first)\" (commands: \(CommandSpec.names.joined(separator: ", ")))")
        }
        var options: [String: String] = [:]
        var positional: [String] = []
        if spec.positional == -1 {
            return ParsedQuery(spec: spec, options: [:], positional: Array(words.dropFirst()))
        }
        for w in words.dropFirst() {
            if let eq = w.firstIndex(of: "="), eq != w.startIndex {
                let key = String(w[..<eq]), value = String(w[w.index(after: eq)...])
                guard spec.keys.contains(key) else {
                    let accepted = spec.keys.isEmpty ? "it takes no options" : "accepted: \(spec.keys.joined(separator: ", "))"
                    throw LedgerError.data("\(spec.name): unknown option \"\(key)\" (\(accepted))")
                }
                guard options[key] == nil else { throw LedgerError.data("\(spec.name): option \"\(key)\" is given twice") }
                guard !value.isEmpty else { throw LedgerError.data("\(spec.name): option \"\(key)\" needs a value (\(key)=…)") }
                if let opt = spec.options.first(where: { $0.key == key }) {
                    var choices: [String]? = nil
                    if case .choice(let c) = opt.kind { choices = c }
                    if opt.kind == .precision { choices = Precision.allCases.map(\.rawValue) }
                    if let choices, !choices.contains(value) {
                        throw LedgerError.data("\(spec.name): \(key)=\(value) is not accepted (one of: \(choices.joined(separator: ", ")))")
                    }
                }
                options[key] = value
            } else {
                positional.append(w)
            }
        }
        guard positional.count == spec.positional else {
            if spec.positional == 0 {
                throw LedgerError.data("\(spec.name): unexpected word \"\(positional[0])\" (options are key=value: \(spec.keys.joined(separator: ", ")))")
            }
            throw LedgerError.data("\(spec.name): expected \(spec.positional) times, got \(positional.count) (usage: \(spec.usage))")
        }
        return ParsedQuery(spec: spec, options: options, positional: positional)
    }
}
