/// One command of the query language, parsed and checked: what `QueryEngine` runs.
///
/// `Query.parse` makes every refusal of a query's text (see `CommandSpec.parse`); what is left
/// to the engine is what needs the ledger: the names it filters on, an `at=#N` past the last
/// event, and the answer.
public struct Query: Sendable {
    /// The command's row of the table.
    public let spec: CommandSpec
    public var command: Command
    /// Its `at=` and `known=`.
    public var point: PointOptions
    /// The names it filters on, in the order of the command's options: the engine refuses one
    /// the ledger has never recorded (`QueryEngine.checkNames`).
    public var names: [NameFilter]

    public var name: String { spec.name }

    /// Each command with its options, typed.
    public enum Command: Sendable, Hashable {
        case fleet(FleetQuery)
        case power(PowerQuery)
        case investments(InvestmentsQuery)
        case sites
        case models
        case capacity(CapacityQuery)
        case train(TrainQuery)
        case log(LogQuery)
        case timeline(TimelineQuery)
        case replay(ReplayQuery)
        case diff(DiffQuery)
        case when(WhenQuery)
        case energy(EnergyQuery)
        /// The event to append, decoded with the fields and checks of `capacity append`.
        case append(EventDraft)
        case verify
        case stats
    }
}

extension Query: Equatable {
    public static func == (a: Query, b: Query) -> Bool {
        a.spec.name == b.spec.name && a.command == b.command && a.point == b.point && a.names == b.names
    }
}

/// `fleet [by=] [site=] [model=]`.
public struct FleetQuery: Sendable, Hashable {
    public var site: String?
    public var model: String?
    /// nil: a row per (site, model).
    public var grouping: Grouping?
}

/// `power [by=] [site=]`.
public struct PowerQuery: Sendable, Hashable {
    public var site: String?
    /// `.site` or `.region`.
    public var grouping: Grouping = .site
}

/// `investments [investor=] [recipient=]`.
public struct InvestmentsQuery: Sendable, Hashable {
    public var investor: String?
    public var recipient: String?
}

/// `capacity [by=] [precision=] [site=] [model=]`.
public struct CapacityQuery: Sendable, Hashable {
    public var grouping: Grouping = .site
    public var precision: Precision = .bf16
    public var site: String?
    public var model: String?
}

/// `train params= tokens= | days= tokens_per_param= [mfu=] [precision=] [site=] [model=]`.
public struct TrainQuery: Sendable, Hashable {
    /// What is asked, each figure positive and finite.
    public enum Question: Sendable, Hashable {
        /// How many days training a model of `params` parameters on `tokens` tokens takes.
        case days(params: Double, tokens: Double)
        /// The largest model trainable in `days` days on `tokensPerParam` tokens per parameter.
        case largestModel(days: Double, tokensPerParam: Double)
    }

    public var question: Question
    /// Model FLOPs utilisation, in (0, 1].
    public var mfu = 0.4
    public var precision: Precision = .bf16
    /// The chips that train: the whole fleet by default.
    public var scope = ChipScope()
}

extension TrainQuery {
    /// The days to train a model of `params` parameters on `tokens` tokens.
    public init(params: Double, tokens: Double, mfu: Double = 0.4, precision: Precision = .bf16, scope: ChipScope = ChipScope()) {
        self.init(question: .days(params: params, tokens: tokens), mfu: mfu, precision: precision, scope: scope)
    }
}

/// `log [type=] [site=] [since=] [until=] [limit=]`.
public struct LogQuery: Sendable, Hashable {
    public var type: EventType?
    public var site: String?
    public var since: TimePoint?
    public var until: TimePoint?
    /// Keep the last this many.
    public var limit: Int?
}

/// `timeline metric=M[,M…] every= [by=] [from=] [to=] [precision=] [svg= [title=] [width=] [height=]]`.
public struct TimelineQuery: Sendable, Hashable {
    /// What to plot, in the order written: one series per metric (and per group with `by=`).
    public var metrics: [TimelineMetric]
    public var every: Period
    /// nil: each metric over the whole fleet.
    public var grouping: Grouping?
    /// `site=`, `model=`: only these chips, racks and power.
    public var scope = ChipScope()
    public var from: TimePoint?
    public var to: TimePoint?
    public var precision: Precision = .bf16
    /// `svg=`: also write an SVG chart.
    public var chart: ChartFile?

    /// `svg=FILE [title=] [width=] [height=]`.
    public struct ChartFile: Sendable, Hashable {
        public var path: String
        /// nil: the metric and step.
        public var title: String?
        public var width = 800
        public var height = 450
    }
}

/// `replay [from=] [to=] [site=]`.
public struct ReplayQuery: Sendable, Hashable {
    public var from: TimePoint?
    public var to: TimePoint?
    public var site: String?
}

/// `diff T1 T2`.
public struct DiffQuery: Sendable, Hashable {
    public var from: WrittenPoint
    public var to: WrittenPoint
}

/// A point in time given as a word (`diff T1 T2`), kept as written for messages.
public struct WrittenPoint: Sendable, Hashable {
    public var text: String
    public var at: PointInTime.At

    public init(text: String, at: PointInTime.At) {
        self.text = text
        self.at = at
    }
}
