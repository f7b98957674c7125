/// The commands of the query language, with their options: the single source for parsing,
/// error messages, `.help` and tab completion.
public struct CommandSpec: Sendable {
    public enum ValueKind: Sendable, Hashable {
        case time, site, model, rack, investor, recipient, eventType, precision, text, number, file, choice([String])
    }

    public struct Option: Sendable {
        public var key: String
        public var kind: ValueKind
        public var help: String
    }

    public var name: String
    public var usage: String
    public var summary: String
    public var options: [Option]
    /// Takes positional words (`diff T1 T2`, `append TYPE key=value …`).
    public var positional: Int = 0
    /// Takes `at=` and `known=`.
    public var pointInTime = true

    public var keys: [String] {
        // diff's two positional times replace at=; known= still applies.
        options.map(\.key) + (pointInTime ? (name == "diff" ? ["known"] : ["at", "known"]) : [])
    }

    static func o(_ key: String, _ kind: ValueKind, _ help: String) -> Option { Option(key: key, kind: kind, help: help) }

    public static let all: [CommandSpec] = [
        CommandSpec(name: "fleet", usage: "fleet [site=] [model=]",
                    summary: "Chips per site and model: delivered, installed, energized, stranded, retired, undeployed.",
                    options: [o("site", .site, "only this site"), o("model", .model, "only this chip model")]),
        CommandSpec(name: "power", usage: "power [site=]",
                    summary: "Power per site: cap, allocated, drawn by energized racks, headroom (MW).",
                    options: [o("site", .site, "only this site")]),
        CommandSpec(name: "investments", usage: "investments [investor=] [recipient=]",
                    summary: "Committed dollars per investor and recipient, with the total.",
                    options: [o("investor", .investor, "only this investor"), o("recipient", .recipient, "only this recipient")]),
        CommandSpec(name: "sites", usage: "sites", summary: "Opened sites with their name, region, power cap and area.", options: []),
        CommandSpec(name: "models", usage: "models", summary: "The chip catalog in force: specs as of the point in time.", options: []),
        CommandSpec(name: "capacity", usage: "capacity [by=site|model|fleet] [precision=bf16|fp8] [site=] [model=]",
                    summary: "Compute capacity of energized chips in PFLOPS, and PFLOPS per MW drawn.",
                    options: [o("by", .choice(["site", "model", "fleet"]), "group rows (default site)"),
                              o("precision", .precision, "bf16 (default) or fp8"),
                              o("site", .site, "only this site"), o("model", .model, "only this chip model")]),
        CommandSpec(name: "train", usage: "train params= tokens= [mfu=] [precision=]",
                    summary: "Days to train a model on the fleet: FLOPs = 6·params·tokens; days = FLOPs / (PFLOPS·10^15·mfu) / 86400.",
                    options: [o("params", .number, "parameters, with K M B T suffixes (1.8T)"),
                              o("tokens", .number, "training tokens (15T)"),
                              o("mfu", .number, "model FLOPs utilisation in (0,1], default 0.4"),
                              o("precision", .precision, "bf16 (default) or fp8")]),
        CommandSpec(name: "log", usage: "log [type=] [site=] [since=] [until=] [limit=]",
                    summary: "Events in seq order; since/until bound the effective time; limit keeps the last N.",
                    options: [o("type", .eventType, "only this event type"), o("site", .site, "only this site"),
                              o("since", .time, "effective at or after"), o("until", .time, "effective at or before"),
                              o("limit", .number, "the last N matching events")]),
        CommandSpec(name: "timeline", usage: "timeline metric=pflops|chips|energized|mw|usd every=day|week|month|quarter [from=] [to=] [precision=] [svg=FILE] [title=] [width=] [height=]",
                    summary: "A metric at regular points in effective time: a table and a chart; svg= also writes an SVG line chart.",
                    options: [o("metric", .choice(["pflops", "chips", "energized", "mw", "usd"]), "what to plot"),
                              o("every", .choice(["day", "week", "month", "quarter"]), "spacing of the points"),
                              o("from", .time, "first point (default: the first event that moves the metric, at the start of its step)"),
                              o("to", .time, "last point (default: at)"),
                              o("precision", .precision, "for pflops: bf16 (default) or fp8"),
                              o("svg", .file, "also write an SVG chart to this file"),
                              o("title", .text, "the SVG chart's title (default: the metric and step)"),
                              o("width", .number, "the SVG chart's width in pixels (default 800)"),
                              o("height", .number, "the SVG chart's height in pixels (default 450)")]),
        CommandSpec(name: "replay", usage: "replay [from=] [to=] [site=]",
                    summary: "Events in effective order, each with the fleet's PFLOPS (bf16), energized chips and MW drawn after it.",
                    options: [o("from", .time, "first effective time shown"), o("to", .time, "last effective time shown (default: at)"),
                              o("site", .site, "only events at this site")]),
        CommandSpec(name: "diff", usage: "diff T1 T2",
                    summary: "Per site and model, what changed between two effective times (T2 minus T1).",
                    options: [], positional: 2),
        CommandSpec(name: "append", usage: "append TYPE key=value …",
                    summary: "Append one event, with the same fields and rules as `capacity append`.",
                    options: [], positional: -1, pointInTime: false),
        CommandSpec(name: "verify", usage: "verify", summary: "Check every record, the hash chain and every rule.", options: [], pointInTime: false),
        CommandSpec(name: "stats", usage: "stats", summary: "Events, bytes, first and last effective and recorded times.", options: []),
    ]

    public static func named(_ name: String) -> CommandSpec? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }
}
