/// The commands of the query language, with their options: the one table that parsing (and its
/// refusals), `.help`, tab completion and the command table of docs/queries.md follow. Each row
/// also builds its command's typed value (`Query.Command`) from the values the parser checked.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        public var key: OptionKey
        public var help: String
        /// Whether the command refuses to run without it.
        public var required = false
        /// Another option it applies only with, and what the refusal says when that one is
        /// missing (after `KEY= `).
        public var needs: (key: OptionKey, why: String)?
        /// For a choice, the values this command takes when it takes fewer than the key's, and
        /// why the others are not (`power` has no chip model).
        public var only: (values: [String], why: String)?
        /// The kind of value this command takes, when not the key's (`timeline metric=` takes
        /// several metrics; `when metric=` one).
        public var kindHere: ValueKind?

        /// As written in a query, before its `=`.
        public var name: String { key.rawValue }
        public var kind: ValueKind { kindHere ?? only.map { .choice($0.values) } ?? key.kind }
    }

    /// What a command takes besides its `key=value` options.
    public enum Operands: Sendable, Hashable {
        case none
        /// This many points in time (`diff T1 T2`).
        case points(Int)
        /// One event: its type and fields as `capacity append` takes them (`append TYPE
        /// key=value …`): every word after the command.
        case event
    }

    /// Which of `at=` and `known=` a command takes.
    public enum PointKeys: Sendable {
        case atAndKnown
        /// diff: its two points in time take the place of `at=`.
        case knownOnly
        case none

        var options: [Option] {
            let at = CommandSpec.o(.at, "effective time: date, date-time, #SEQ or now (default: the cursor)")
            let known = CommandSpec.o(.known, "transaction time: only what was recorded by then (default: the cursor)")
            return switch self {
            case .atAndKnown: [at, known]
            case .knownOnly: [known]
            case .none: []
            }
        }
    }

    public var name: String
    public var usage: String
    public var summary: String
    /// Its options, `at=` and `known=` last.
    public var options: [Option]
    public var operands: Operands
    /// How a refusal for a missing required option shows the command (default: `usage`).
    public var example: String?
    /// Sets of options that ask the command different questions (`train params= tokens=` the
    /// days, `train days= tokens_per_param=` the largest model): a query gives every option of
    /// one set and none of another's. Empty for most commands.
    public var alternatives: [[OptionKey]]
    /// The typed command, from the values the parser has checked against this row: each is of
    /// its option's kind, and a required option is there.
    let build: @Sendable (ParsedValues) -> Query.Command

    init(name: String, usage: String, summary: String, example: String? = nil, options: [Option] = [], operands: Operands = .none,
         point: PointKeys = .atAndKnown, alternatives: [[OptionKey]] = [], build: @escaping @Sendable (ParsedValues) -> Query.Command) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.example = example
        self.alternatives = alternatives
        self.options = options + point.options
        self.operands = operands
        self.build = build
    }

    /// Every option's name, in order.
    public var keys: [String] { options.map(\.name) }

    public func option(_ name: String) -> Option? { options.first { $0.name == name } }

    static func o(_ key: OptionKey, _ help: String, required: Bool = false, needs: (key: OptionKey, why: String)? = nil,
                  only: (values: [String], why: String)? = nil, kind: ValueKind? = nil) -> Option {
        Option(key: key, help: help, required: required, needs: needs, only: only, kindHere: kind)
    }

    public static let all: [CommandSpec] = [
        CommandSpec(name: "fleet", usage: "fleet [by=site|model|region|vendor] [site=] [model=]",
                    summary: "Chips per site and model: delivered, installed, energized, stranded, retired, undeployed.",
                    options: [o(.by, "one row per site, model, region or vendor (default: per site and model)",
                                only: (Grouping.groupsOfChips.map(\.rawValue), "fleet's rows are per site and model unless grouped")),
                              o(.site, "only this site"), o(.model, "only this chip model")]) { v in
            .fleet(FleetQuery(site: v.word(.site), model: v.word(.model), grouping: v.choice(.by)))
        },
        CommandSpec(name: "power", usage: "power [by=site|region] [site=]",
                    summary: "Power per site: cap, allocated, drawn by energized racks, headroom (MW).",
                    options: [o(.by, "one row per site (default) or region",
                                only: (Grouping.groupsOfPower.map(\.rawValue), "power is allocated to sites, not to chip models, so it has no model or vendor")),
                              o(.site, "only this site")]) { v in
            .power(PowerQuery(site: v.word(.site), grouping: v.choice(.by) ?? .site))
        },
        CommandSpec(name: "investments", usage: "investments [investor=] [recipient=]",
                    summary: "Committed dollars per investor and recipient, with the total.",
                    options: [o(.investor, "only this investor"), o(.recipient, "only this recipient")]) { v in
            .investments(InvestmentsQuery(investor: v.word(.investor), recipient: v.word(.recipient)))
        },
        CommandSpec(name: "sites", usage: "sites", summary: "Opened sites with their name, region, power cap and area.") { _ in .sites },
        CommandSpec(name: "models", usage: "models", summary: "The chip catalog in force: specs as of the point in time.") { _ in .models },
        CommandSpec(name: "capacity", usage: "capacity [by=site|model|region|vendor|fleet] [precision=bf16|fp8] [site=] [model=]",
                    summary: "Compute capacity of energized chips in PFLOPS, and PFLOPS per MW drawn.",
                    options: [o(.by, "group rows (default site)"), o(.precision, "bf16 (default) or fp8"),
                              o(.site, "only this site"), o(.model, "only this chip model")]) { v in
            .capacity(CapacityQuery(grouping: v.choice(.by) ?? .site, precision: v.choice(.precision) ?? .bf16,
                                    site: v.word(.site), model: v.word(.model)))
        },
        CommandSpec(name: "train", usage: "train params= tokens= | days= tokens_per_param= [mfu=] [precision=] [site=] [model=]",
                    summary: "Days to train a model: FLOPs = 6·params·tokens; days = FLOPs / (PFLOPS·10^15·mfu) / 86400; or the largest model for days=.",
                    example: "train params=1.8T tokens=15T [mfu=0.4] [precision=bf16], or train days=90 tokens_per_param=20",
                    options: [o(.params, "parameters, with K M B T suffixes (1.8T)"),
                              o(.tokens, "training tokens (15T)"),
                              o(.days, "instead: the days to train in; gives the largest model (with tokens_per_param=)"),
                              o(.tokensPerParam, "with days=: training tokens per parameter (20)"),
                              o(.mfu, "model FLOPs utilisation in (0,1], default 0.4"),
                              o(.precision, "bf16 (default) or fp8"),
                              o(.site, "only the chips at this site"), o(.model, "only chips of this model")],
                    alternatives: [[.params, .tokens], [.days, .tokensPerParam]]) { v in
            // One of the two sets is given in full: the parser has refused the query otherwise.
            let question: TrainQuery.Question = if let days = v.number(.days) {
                .largestModel(days: days, tokensPerParam: v.number(.tokensPerParam)!)
            } else {
                .days(params: v.number(.params)!, tokens: v.number(.tokens)!)
            }
            return .train(TrainQuery(question: question, mfu: v.number(.mfu) ?? 0.4, precision: v.choice(.precision) ?? .bf16,
                                     scope: ChipScope(site: v.word(.site), model: v.word(.model))))
        },
        CommandSpec(name: "log", usage: "log [type=] [site=] [since=] [until=] [limit=]",
                    summary: "Events in seq order; since/until bound the effective time; limit keeps the last N.",
                    options: [o(.type, "only this event type"), o(.site, "only this site"),
                              o(.since, "effective at or after"), o(.until, "effective at or before"),
                              o(.limit, "the last N matching events")]) { v in
            .log(LogQuery(type: v.choice(.type), site: v.word(.site), since: v.time(.since), until: v.time(.until), limit: v.whole(.limit)))
        },
        CommandSpec(name: "timeline", usage: "timeline metric=M[,M…] every=day|week|month|quarter|year [by=site|model|region|vendor] [site=] [model=] [from=] [to=] [precision=] [svg=FILE] [title=] [width=] [height=]",
                    summary: "A metric at regular points in effective time: a table and a chart; svg= also writes an SVG line chart.",
                    options: [o(.metric, "what to plot: one metric or several, comma-separated", required: true, kind: .choices(TimelineMetric.names)),
                              o(.every, "spacing of the points", required: true),
                              o(.by, "one series per site, model, region or vendor", only: (Grouping.groupsOfChips.map(\.rawValue), "a timeline's series are per site, model, region or vendor")),
                              o(.site, "only this site"), o(.model, "only this chip model"),
                              o(.from, "first point (default: the first event that moves the metric, at the start of its step)"),
                              o(.to, "last point (default: at)"),
                              o(.precision, "for pflops: bf16 (default) or fp8"),
                              o(.svg, "also write an SVG chart to this file"),
                              o(.title, "the SVG chart's title (default: the metric and step)", needs: svgChart),
                              o(.width, "the SVG chart's width in pixels (default 800)", needs: svgChart),
                              o(.height, "the SVG chart's height in pixels (default 450)", needs: svgChart)]) { v in
            let chart = v.word(.svg).map {
                TimelineQuery.ChartFile(path: $0, title: v.word(.title), width: v.whole(.width) ?? 800, height: v.whole(.height) ?? 450)
            }
            // metric= and every= are required: the parser has refused the query without them.
            return .timeline(TimelineQuery(metrics: v.choices(.metric)!, every: v.choice(.every)!, grouping: v.choice(.by),
                                           scope: ChipScope(site: v.word(.site), model: v.word(.model)),
                                           from: v.time(.from), to: v.time(.to), precision: v.choice(.precision) ?? .bf16, chart: chart))
        },
        CommandSpec(name: "replay", usage: "replay [from=] [to=] [site=]",
                    summary: "Events in effective order, each with the fleet's PFLOPS (bf16), energized chips and MW drawn after it.",
                    options: [o(.from, "first effective time shown"), o(.to, "last effective time shown (default: at)"),
                              o(.site, "only events at this site")]) { v in
            .replay(ReplayQuery(from: v.time(.from), to: v.time(.to), site: v.word(.site)))
        },
        CommandSpec(name: "diff", usage: "diff T1 T2",
                    summary: "Per site and model, what changed between two effective times (T2 minus T1).",
                    operands: .points(2), point: .knownOnly) { v in
            .diff(DiffQuery(from: v.points[0], to: v.points[1]))
        },
        CommandSpec(name: "when", usage: "when metric= value= [site=] [model=] [precision=] [window=]",
                    summary: "The first effective time a metric reaches a value, from every event (plans too); else an estimate from its trend.",
                    example: "when metric=pflops value=3M [site=] [model=] [precision=bf16] [window=180]",
                    options: [o(.metric, "the figure (all but mwh, a figure over a period)", required: true),
                              o(.value, "the value to reach, with K M B T suffixes (3M)", required: true),
                              o(.site, "only this site"), o(.model, "only this chip model"),
                              o(.precision, "for pflops: bf16 (default) or fp8"),
                              o(.window, "days of history the estimate's least-squares line fits (default 180)")]) { v in
            // metric= and value= are required: the parser has refused the query without them.
            .when(WhenQuery(metric: v.choice(.metric)!, value: v.number(.value)!, scope: ChipScope(site: v.word(.site), model: v.word(.model)),
                            precision: v.choice(.precision) ?? .bf16, window: v.whole(.window) ?? WhenQuery.defaultWindow))
        },
        CommandSpec(name: "energy", usage: "energy from= [to=] [by=site|model|region|vendor|fleet] [site=] [model=]",
                    summary: "MWh drawn by energized racks from one effective time to another (the exact integral), and facility MWh (× PUE).",
                    example: "energy from=2025-01-01 to=2026-01-01 [by=site] [site=] [model=]",
                    options: [o(.from, "start of the period", required: true), o(.to, "end of the period (default: at)"),
                              o(.by, "group rows (default site)"), o(.site, "only this site"), o(.model, "only this chip model")]) { v in
            // from= is required: the parser has refused the query without it.
            .energy(EnergyQuery(from: v.time(.from)!, to: v.time(.to), grouping: v.choice(.by) ?? .site,
                                scope: ChipScope(site: v.word(.site), model: v.word(.model))))
        },
        CommandSpec(name: "append", usage: "append TYPE key=value …",
                    summary: "Append one event, with the same fields and rules as `capacity append`.",
                    operands: .event, point: .none) { v in
            .append(v.event!)
        },
        CommandSpec(name: "verify", usage: "verify", summary: "Check every record, the hash chain and every rule.", point: .none) { _ in .verify },
        CommandSpec(name: "stats", usage: "stats", summary: "Events, bytes, first and last effective and recorded times.") { _ in .stats },
    ]

    /// What `title=`, `width=` and `height=` need.
    static let svgChart = (key: OptionKey.svg, why: "shapes the SVG chart; give svg=FILE too")

    public static func named(_ name: String) -> CommandSpec? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }
}
