extension Query {
    /// Parses one line of the query language into its typed command. Every refusal of the
    /// line's text is made here, and says what is accepted.
    public static func parse(_ line: String) throws -> Query {
        let words = try QueryWords.splitChecked(QueryWords.droppingTerminator(line))
        guard let first = words.first else { throw LedgerError(.emptyCommand) }
        guard let spec = CommandSpec.named(first) else {
            throw LedgerError(.unknownCommand(first))
        }
        let values = try spec.parse(Array(words.dropFirst()))
        let names = spec.options.compactMap { o -> NameFilter? in
            guard case .name(let kind) = o.kind, let value = values.word(o.key) else { return nil }
            return NameFilter(kind, value)
        }
        return Query(spec: spec, command: spec.build(values), point: PointOptions(at: values.at, known: values.time(.known)), names: names)
    }
}

/// The words of a command, checked and typed: the values of its options and its operands.
struct ParsedValues: Sendable, Hashable {
    enum Value: Sendable, Hashable {
        case word(String)
        case time(TimePoint)
        case point(PointInTime.At)
        case number(Double)
        case whole(Int)
    }

    var options: [OptionKey: Value] = [:]
    /// `diff T1 T2`.
    var points: [WrittenPoint] = []
    /// `append TYPE key=value …`.
    var event: EventDraft?

    func word(_ key: OptionKey) -> String? {
        if case .word(let w)? = options[key] { w } else { nil }
    }

    func choice<C: QueryChoice>(_ key: OptionKey) -> C? { word(key).flatMap(C.init(rawValue:)) }
    /// The values of a `.choices` option, in the order written.
    func choices<C: QueryChoice>(_ key: OptionKey) -> [C]? {
        word(key).map { $0.split(separator: ",").compactMap { C(rawValue: String($0)) } }
    }

    func time(_ key: OptionKey) -> TimePoint? {
        if case .time(let t)? = options[key] { t } else { nil }
    }

    func number(_ key: OptionKey) -> Double? {
        if case .number(let x)? = options[key] { x } else { nil }
    }

    func whole(_ key: OptionKey) -> Int? {
        if case .whole(let n)? = options[key] { n } else { nil }
    }

    var at: PointInTime.At? {
        if case .point(let at)? = options[.at] { at } else { nil }
    }
}

extension CommandSpec {
    /// Checks the words after the command's name against its row of the table. Every refusal of
    /// a query's text is made here, the first fault found in this order: each word in turn (an
    /// option of the command, given once, with a value of its kind; or an operand the command
    /// takes), the number of operands, the required options (and those of one of its
    /// `alternatives`), the options that apply only with another.
    func parse(_ words: [String]) throws -> ParsedValues {
        var values = ParsedValues()
        if operands == .event {
            values.event = try Self.event(words, command: name)
            return values
        }
        for w in words {
            guard let eq = w.firstIndex(of: "="), eq != w.startIndex else {
                try operand(w, into: &values)
                continue
            }
            let key = String(w[..<eq]), value = String(w[w.index(after: eq)...])
            guard let option = option(key) else {
                throw LedgerError(.unknownOption(command: name, option: key, accepted: keys))
            }
            guard values.options[option.key] == nil else { throw LedgerError(.optionGivenTwice(command: name, option: key)) }
            guard !value.isEmpty else { throw LedgerError(.optionWithoutValue(command: name, option: key)) }
            if let only = option.only, !only.values.contains(value), option.key.kind.accepts(value) {
                throw LedgerError(.badValue(written: "\(name): \(key)=\(value)", expected: .notHere(accepted: only.values, why: only.why)))
            }
            values.options[option.key] = try option.kind.read(value, as: "\(name): \(key)=\(value)")
        }
        if case .points(let expected) = operands, values.points.count != expected {
            throw LedgerError(.wrongOperandCount(command: name, expected: expected, got: values.points.count, usage: usage))
        }
        for o in options where o.required && values.options[o.key] == nil {
            var accepted: [String]?
            switch o.kind {
            case .choice(let values), .choices(let values): accepted = values
            default: break
            }
            throw LedgerError(.missingOption(command: name, option: o.name, accepted: accepted, usage: example ?? usage))
        }
        try checkAlternatives(values)
        for o in options where values.options[o.key] != nil {
            if let needs = o.needs, values.options[needs.key] == nil { throw LedgerError(.optionNeedsAnother(command: name, option: o.name, why: needs.why)) }
        }
        return values
    }

    /// The options of one of the command's `alternatives`, all of them, and none of another's.
    /// Checked with the required options: without any, the first set is the one asked for.
    private func checkAlternatives(_ values: ParsedValues) throws {
        guard !alternatives.isEmpty else { return }
        let given = alternatives.filter { set in set.contains { values.options[$0] != nil } }
        if given.count > 1 {
            let (a, b) = (given[0].first { values.options[$0] != nil }!, given[1].first { values.options[$0] != nil }!)
            let sets = alternatives.map { $0.map { $0.rawValue + "=" }.joined(separator: " ") }.joined(separator: ", or ")
            throw LedgerError(.optionSetsMixed(command: name, first: a.rawValue, second: b.rawValue, sets: sets))
        }
        for key in given.first ?? alternatives[0] where values.options[key] == nil {
            throw LedgerError(.optionOfSetMissing(command: name, option: key.rawValue, usage: example ?? usage))
        }
    }

    /// A word that is not an option: an operand of a command that takes them.
    private func operand(_ word: String, into values: inout ParsedValues) throws {
        switch operands {
        case .none, .event:
            throw LedgerError(.unexpectedWord(command: name, word: word, options: keys))
        case .points:
            guard let at = PointInTime.parseAt(word) else {
                throw LedgerError(.badTime(written: "\(name): \(word)", form: .operand))
            }
            values.points.append(WrittenPoint(text: word, at: at))
        }
    }

    /// The event of `append TYPE key=value …`, decoded with the fields and checks of
    /// `capacity append`.
    static func event(_ words: [String], command: String) throws -> EventDraft {
        guard let type = words.first else {
            throw LedgerError(.missingEventType(command: command))
        }
        var fields = try RawFields.fromWords(words.dropFirst())
        fields.pairs.insert(("type", .word(type)), at: 0)
        return try EventDraftDecoder.decode(fields)
    }
}

extension ValueKind {
    /// Whether `text` is one of a choice's values (false for any other kind).
    func accepts(_ text: String) -> Bool {
        switch self {
        case .choice(let values): values.contains(text)
        case .choices(let values): text.split(separator: ",").allSatisfy { values.contains(String($0)) }
        default: false
        }
    }

    /// `text` as a value of this kind, or a refusal that shows the option as `written`
    /// (`train: params=abc`) and says what is accepted.
    func read(_ text: String, as written: @autoclosure () -> String) throws -> ParsedValues.Value {
        func refused(_ form: LedgerError.ValueForm) -> LedgerError { LedgerError(.badValue(written: written(), expected: form)) }
        switch self {
        case .pointInTime:
            guard let at = PointInTime.parseAt(text) else {
                throw LedgerError(.badTime(written: written(), form: .pointInTime))
            }
            return .point(at)
        case .time:
            guard let t = TimePoint.parse(text) else { throw LedgerError(.badTime(written: written(), form: .time)) }
            return .time(t)
        case .choice(let accepted):
            guard accepted.contains(text) else { throw refused(.oneOf(accepted)) }
            return .word(text)
        case .choices(let accepted):
            let words = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard words.allSatisfy(accepted.contains) else { throw refused(.oneOf(accepted)) }
            guard Set(words).count == words.count else { throw refused(.eachOnce) }
            return .word(text)
        case .amount:
            guard let x = Self.amount(text) else { throw refused(.amount) }
            guard x.isFinite else { throw refused(.amountTooLarge) }
            return .number(x)
        case .fraction:
            guard let v = Double(text), v > 0, v <= 1 else { throw refused(.fraction) }
            return .number(v)
        case .count:
            guard let n = Int(text), n >= 0 else { throw refused(.count) }
            return .whole(n)
        case .pixels:
            guard let n = Int(text), (320...4000).contains(n) else { throw refused(.pixels) }
            return .whole(n)
        case .days:
            guard let n = Int(text), (1...36_500).contains(n) else { throw refused(.days) }
            return .whole(n)
        case .name, .text, .file:
            return .word(text)
        }
    }

    /// `1.8T`, `15T`, `70B`, `400M`, `5e9`.
    static func amount(_ text: String) -> Double? {
        let multipliers: [Character: Double] = ["K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12]
        var t = text
        var m = 1.0
        if let last = t.last, let k = multipliers[Character(last.uppercased())] {
            m = k
            t.removeLast()
        }
        guard let v = Double(t), v.isFinite, v > 0 else { return nil }
        return v * m  // may overflow to infinity (1e308T); the caller says so
    }
}
