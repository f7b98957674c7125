/// An option of the query language (`site=`, `precision=`, `at=` …), with the kind of value it
/// takes. An option means the same in every command that takes it: `to=` is a time in `timeline`
/// and in `replay` alike.
public enum OptionKey: String, CaseIterable, Sendable, Hashable {
    case site, model, investor, recipient
    case by, precision, metric, every, type
    case params, tokens, mfu, limit, width, height
    case since, until, from, to, at, known
    case svg, title
    case value, window, days
    case tokensPerParam = "tokens_per_param"

    /// What its value must be: the parser checks it, completion offers values of it.
    public var kind: ValueKind {
        switch self {
        case .site: .name(.site)
        case .model: .name(.model)
        case .investor: .name(.investor)
        case .recipient: .name(.recipient)
        case .by: .choice(Grouping.names)
        case .precision: .choice(Precision.names)
        case .metric: .choice(TimelineMetric.names)
        case .every: .choice(Period.names)
        case .type: .choice(EventType.names)
        case .params, .tokens: .amount
        case .mfu: .fraction
        case .limit: .count
        case .width, .height: .pixels
        case .since, .until, .from, .to, .known: .time
        case .at: .pointInTime
        case .svg: .file
        case .title: .text
        case .value, .days, .tokensPerParam: .amount
        case .window: .days
        }
    }
}

/// What an option's value must be.
public enum ValueKind: Sendable, Hashable {
    /// `at=`: a date, a UTC date-time, `#SEQ` or `now`.
    case pointInTime
    /// A date, a UTC date-time or `now`.
    case time
    /// An id of something the ledger records: any word here; checked against the ledger when
    /// the query runs (`QueryEngine.checkNames`).
    case name(NameKind)
    /// One of these words.
    case choice([String])
    /// One or more of these words, separated by commas, none twice (`metric=allocated,mw`).
    case choices([String])
    /// A positive number, with a K, M, B or T suffix (`1.8T`).
    case amount
    /// A number in (0, 1].
    case fraction
    /// A whole number ≥ 0.
    case count
    /// A whole number of pixels from 320 to 4000.
    case pixels
    /// A whole number of days from 1 to 36,500 (a span of history: `when window=`).
    case days
    /// Any text.
    case text
    /// A file to write.
    case file
}

/// What a name a query filters on names.
public enum NameKind: Sendable, Hashable {
    case site, model, investor, recipient

    /// As messages call it: `unknown chip model "trainium"`.
    public var noun: String {
        switch self {
        case .site: "site"
        case .model: "chip model"
        case .investor: "investor"
        case .recipient: "recipient"
        }
    }

    /// The command that lists the names of this kind.
    var listedBy: String {
        switch self {
        case .site: "sites"
        case .model: "models"
        case .investor, .recipient: "investments"
        }
    }
}

/// A name a query filters on (`site=rainier-in`): it must be one the ledger has recorded.
public struct NameFilter: Sendable, Hashable {
    public var kind: NameKind
    public var value: String

    public init(_ kind: NameKind, _ value: String) {
        self.kind = kind
        self.value = value
    }
}
