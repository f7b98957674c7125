import CapacityLedger
import LedgerStorage

/// What can complete the word before the cursor.
public struct Completion: Equatable, Sendable {
    /// The word being completed (the text after the last space).
    public var word: String
    /// Whole replacement words that start with `word`, sorted.
    public var candidates: [String]

    public init(word: String, candidates: [String]) {
        self.word = word
        self.candidates = candidates
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    /// Candidates laid out in columns, as shells list them.
    static func columns(_ words: [String], width: Int) -> String {
        let w = (words.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / w)
        var lines: [String] = []
        var i = 0
        while i < words.count {
            let row = words[i..<min(words.count, i + perLine)]
            lines.append(row.map { $0 + String(repeating: " ", count: w - $0.count) }.joined().trimmingSpaces())
            i += perLine
        }
        return lines.joined(separator: "\n")
    }
}

/// Ids the completer offers as values.
public struct CompletionData: Sendable {
    public var sites: [String] = []
    public var models: [String] = []
    public var racks: [String] = []
    public var investors: [String] = []
    public var recipients: [String] = []
    public init() {}

    /// Everything the ledger has named so far (all events, voided ones included).
    public init(ledger: Ledger) {
        var sites = Set<String>(), models = Set<String>(), racks = Set<String>(), investors = Set<String>(), recipients = Set<String>()
        for e in ledger.events {
            switch e.body {
            case .siteOpened(let s, _, _, _, _, _): sites.insert(s)
            case .chipModelDefined(let m, _, _, _, _, _): models.insert(m)
            case .rackInstalled(_, let r, _, _, _): racks.insert(r)
            case .investmentCommitted(let i, let r, _, _): investors.insert(i); recipients.insert(r)
            default: break
            }
        }
        self.sites = sites.sorted()
        self.models = models.sorted()
        self.racks = racks.sorted()
        self.investors = investors.sorted()
        self.recipients = recipients.sorted()
    }
}

/// Tab completion for the console, from the text before the cursor. Pure: the ids and the file
/// listing are passed in.
public struct Completer {
    public var data: CompletionData
    public var listFiles: (String) -> [String]

    public init(data: CompletionData, listFiles: @escaping (String) -> [String] = { _ in [] }) {
        self.data = data
        self.listFiles = listFiles
    }

    public static let consoleWords = ["at", "known", "next", "prev", "begin", "commit", "rollback", "help", "quit", "exit"]

    public func complete(_ before: String) -> Completion {
        let endsWithSpace = before.last == " " || before.isEmpty
        let words = before.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let word = endsWithSpace ? "" : (words.last ?? "")
        let previous = endsWithSpace ? words : Array(words.dropLast())
        func match(_ options: [String]) -> Completion {
            Completion(word: word, candidates: options.filter { $0.hasPrefix(word) }.sorted())
        }
        guard let command = previous.first else {
            return match(CommandSpec.names + Self.consoleWords + Session.metaCommands)
        }
        switch command {
        case ".mode": return previous.count == 1 ? match(OutputFormat.allCases.map(\.rawValue)) : match([])
        case ".timing", ".totals": return previous.count == 1 ? match(["on", "off"]) : match([])
        case ".read", ".output": return previous.count == 1 ? match(listFiles(word) + (command == ".output" ? ["stdout"] : [])) : match([])
        case ".help", "help": return previous.count == 1 ? match(CommandSpec.names + ["at", "known", "next", "prev", "begin", "commit", "rollback"]) : match([])
        case "at": return previous.count == 1 ? match(["now"]) : match([])
        case "known": return previous.count == 1 ? match(["now"]) : match([])
        case "append": return completeAppend(previous, word)
        default: break
        }
        guard let spec = CommandSpec.named(command) else { return match([]) }
        if let eq = word.firstIndex(of: "=") {
            let key = String(word[..<eq])
            let values: [String]
            if key == "at" { values = ["now"] } else if key == "known" { values = ["now"] } else if let o = spec.option(key) {
                values = self.values(o.kind, prefix: String(word[word.index(after: eq)...]))
            } else {
                values = []
            }
            return match(values.map { key + "=" + $0 })
        }
        if case .points = spec.operands { return match(["now"] + spec.keys.map { $0 + "=" }) }
        let used = Set(previous.dropFirst().compactMap { $0.split(separator: "=").first.map(String.init) })
        return match(spec.keys.filter { !used.contains($0) }.map { $0 + "=" })
    }

    func values(_ kind: ValueKind, prefix: String) -> [String] {
        switch kind {
        case .name(.site): return data.sites
        case .name(.model): return data.models
        case .name(.investor): return data.investors
        case .name(.recipient): return data.recipients
        case .choice(let c): return c
        case .choices(let c):
            // The word after the last comma, after those before it (`allocated,m` → `allocated,mw`).
            guard let comma = prefix.lastIndex(of: ",") else { return c }
            let before = prefix[...comma]
            let taken = Set(prefix[..<comma].split(separator: ",").map(String.init))
            return c.filter { !taken.contains($0) }.map { before + $0 }
        case .time, .pointInTime: return ["now"]
        case .file: return listFiles(prefix)
        case .text, .amount, .fraction, .count, .pixels, .days: return []
        }
    }

    func completeAppend(_ previous: [String], _ word: String) -> Completion {
        func match(_ options: [String]) -> Completion {
            Completion(word: word, candidates: options.filter { $0.hasPrefix(word) }.sorted())
        }
        guard previous.count >= 2, let type = EventType(rawValue: previous[1]) else {
            return previous.count == 1 ? match(EventType.names) : match([])
        }
        let fields = type.fields + EventType.commonFields.dropFirst()
        if let eq = word.firstIndex(of: "=") {
            let key = String(word[..<eq])
            let values: [String]
            switch key {
            case "site": values = data.sites
            case "model": values = data.models
            case "rack": values = data.racks
            case "investor": values = data.investors
            case "recipient": values = data.recipients
            case "effective": values = ["now"].filter { _ in false }
            default: values = []
            }
            return match(values.map { key + "=" + $0 })
        }
        let used = Set(previous.dropFirst(2).compactMap { $0.split(separator: "=").first.map(String.init) })
        return match(fields.map(\.name).filter { !used.contains($0) }.map { $0 + "=" })
    }
}
