@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// The parser turns a line of the query language into its typed command (`Query`), and makes
/// every refusal of the line's text, in one place, saying what is accepted.
struct QueryParserTests {
    static func time(_ text: String) -> Timestamp { Timestamp.parse(text)! }

    static func draft(_ json: String) -> EventDraft { try! EventDraftDecoder.decode(try! JSONLine.parse(json)) }

    static let typed: [(String, Query.Command, PointOptions)] = [
        ("fleet site=s1 model=m1", .fleet(FleetQuery(site: "s1", model: "m1")), PointOptions()),
        ("power at=#5", .power(PowerQuery()), PointOptions(at: .seq(5))),
        ("investments recipient=anthropic known=2025-01-01", .investments(InvestmentsQuery(recipient: "anthropic")),
         PointOptions(known: .time(time("2025-01-01")))),
        ("sites at=2025-06-30T12:00:00Z known=now", .sites, PointOptions(at: .time(time("2025-06-30T12:00:00Z")), known: .now)),
        ("models at=now", .models, PointOptions(at: .now)),
        ("capacity", .capacity(CapacityQuery()), PointOptions()),
        ("capacity by=model precision=fp8 site=s1", .capacity(CapacityQuery(grouping: .model, precision: .fp8, site: "s1")), PointOptions()),
        ("train params=1.8T tokens=15T", .train(TrainQuery(params: 1.8 * 1e12, tokens: 15 * 1e12)), PointOptions()),
        ("train params=70e9 tokens=2k mfu=0.5 precision=fp8", .train(TrainQuery(params: 70e9, tokens: 2000, mfu: 0.5, precision: .fp8)), PointOptions()),
        ("log type=rack.installed site=s1 since=2025-01-01 until=now limit=3",
         .log(LogQuery(type: .rackInstalled, site: "s1", since: .time(time("2025-01-01")), until: .now, limit: 3)), PointOptions()),
        ("timeline metric=mw every=week", .timeline(TimelineQuery(metrics: [.mw], every: .week)), PointOptions()),
        ("timeline every=month metric=usd from=2025-01-01 to=now precision=fp8 svg=c.svg width=400",
         .timeline(TimelineQuery(metrics: [.usd], every: .month, from: .time(time("2025-01-01")), to: .now, precision: .fp8,
                                 chart: .init(path: "c.svg", width: 400))), PointOptions()),
        ("timeline metric=chips every=quarter svg=c.svg title='a b' height=320",
         .timeline(TimelineQuery(metrics: [.chips], every: .quarter, chart: .init(path: "c.svg", title: "a b", height: 320))), PointOptions()),
        ("timeline metric=allocated,mw,headroom every=year by=region",
         .timeline(TimelineQuery(metrics: [.allocated, .mw, .headroom], every: .year, grouping: .region)), PointOptions()),
        ("replay from=2025-01-01 site=s1 at=#0", .replay(ReplayQuery(from: .time(time("2025-01-01")), site: "s1")), PointOptions(at: .seq(0))),
        ("diff 2025-01-01 #5 known=now", .diff(DiffQuery(from: WrittenPoint(text: "2025-01-01", at: .time(time("2025-01-01"))),
                                                         to: WrittenPoint(text: "#5", at: .seq(5)))), PointOptions(known: .now)),
        ("append power.allocated site=s1 mw=1.5 effective=2025-01-01",
         .append(draft(#"{"type":"power.allocated","site":"s1","mw":1.5,"effective":"2025-01-01"}"#)), PointOptions()),
        ("verify", .verify, PointOptions()),
        ("stats at=2025-01-01;", .stats, PointOptions(at: .time(time("2025-01-01")))),
    ]

    @Test(arguments: typed)
    func eachCommandParsesToItsTypedValue(_ line: String, _ command: Query.Command, _ point: PointOptions) throws {
        let q = try Query.parse(line)
        #expect(q.command == command)
        #expect(q.point == point)
        #expect(q.name == line.split(separator: " ")[0])
    }

    @Test func theNamesAFilterGivesAreListedInTheOrderOfItsOptions() throws {
        #expect(try Query.parse("fleet model=m1 site=s1").names == [NameFilter(.site, "s1"), NameFilter(.model, "m1")])
        #expect(try Query.parse("investments recipient=r investor=i").names == [NameFilter(.investor, "i"), NameFilter(.recipient, "r")])
        #expect(try Query.parse("log site=s1").names == [NameFilter(.site, "s1")])
        #expect(try Query.parse("capacity by=site").names.isEmpty)
    }

    @Test func aCommandsAtAndKnownOverrideTheCursor() {
        let cursor = PointInTime(at: .seq(7), known: Self.time("2025-01-01"))
        #expect(PointOptions().applied(to: cursor) == cursor)
        #expect(PointOptions(at: .now).applied(to: cursor) == PointInTime(at: .now, known: Self.time("2025-01-01")))
        #expect(PointOptions(known: .now).applied(to: cursor) == PointInTime(at: .seq(7), known: nil))
        #expect(PointOptions(known: .time(Self.time("2024-01-01"))).applied(to: cursor) == PointInTime(at: .seq(7), known: Self.time("2024-01-01")))
        #expect(TimePoint.now.resolved(now: Self.time("2026-01-01")) == Self.time("2026-01-01"))
        #expect(TimePoint.parse("2025-02-30") == nil)
    }

    // MARK: refusals

    /// What the refusal of a bad value of each kind says after `COMMAND: KEY=VALUE`: what is
    /// accepted. (Names, text and files take any word.)
    static func badValue(_ kind: ValueKind) -> (value: String, refusal: String)? {
        switch kind {
        case .pointInTime: ("yesterday", "is not a point in time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, #SEQ, or now)")
        case .time: ("2025-02-30", "is not a time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, or now)")
        case .choice(let accepted), .choices(let accepted): ("nope", "is not accepted (one of: \(accepted.joined(separator: ", ")))")
        case .amount: ("1.8X", "is not a positive number (suffixes K M B T, e.g. 1.8T)")
        case .fraction: ("1.5", "must be a number in (0, 1]")
        case .count: ("-1", "must be a whole number ≥ 0")
        case .pixels: ("319", "must be a whole number of pixels from 320 to 4000")
        case .days: ("0", "must be a whole number of days from 1 to 36,500")
        case .name, .text, .file: nil
        }
    }

    /// The words a command needs besides the option under test: its operands and its required
    /// options.
    static func rest(of spec: CommandSpec, without key: OptionKey? = nil) -> String {
        var words: [String]
        switch spec.operands {
        case .none: words = []
        case .points(let n): words = Array(["2025-01-01", "now"].prefix(n))
        case .event: words = ["power.allocated", "site=s1", "mw=1"]
        }
        for o in spec.options where o.required && o.key != key { words.append("\(o.name)=\(example(o))") }
        // The first set of options of a command that takes one of several (`train`), unless the
        // option under test is of another.
        let set = spec.alternatives.first { $0.contains { $0 == key } } ?? spec.alternatives.first ?? []
        for k in set where k != key { words.append("\(k.rawValue)=\(example(k))") }
        return words.joined(separator: " ")
    }

    /// Every option of every command refuses a bad value with what it accepts, and an empty
    /// value with how to give one.
    @Test(arguments: CommandSpec.all.map(\.name))
    func everyOptionRefusesABadValueWithWhatItAccepts(_ name: String) throws {
        let spec = try #require(CommandSpec.named(name))
        for o in spec.options {
            let rest = Self.rest(of: spec, without: o.key)
            if let (value, refusal) = Self.badValue(o.kind) {
                #expect(throws: LedgerError.data("\(name): \(o.name)=\(value) \(refusal)")) {
                    try Query.parse("\(name) \(o.name)=\(value) \(rest)")
                }
            }
            #expect(throws: LedgerError.data("\(name): option \"\(o.name)\" needs a value (\(o.name)=…)")) {
                try Query.parse("\(name) \(o.name)= \(rest)")
            }
        }
    }

    @Test(arguments: [
        ("flet", #"unknown command "flet" (commands: fleet, power, investments, sites, models, capacity, train, log, timeline, replay, diff, when, energy, append, verify, stats)"#),
        ("  ", "empty command"),
        ("fleet colour=red", #"fleet: unknown option "colour" (accepted: by, site, model, at, known)"#),
        ("diff 2025-01-01 now at=now", #"diff: unknown option "at" (accepted: known)"#),
        ("verify at=now", #"verify: unknown option "at" (it takes no options)"#),
        ("fleet site=s1 site=s2", #"fleet: option "site" is given twice"#),
        ("fleet s1", #"fleet: unexpected word "s1" (options are key=value: by, site, model, at, known)"#),
        ("diff 2025-01-01", "diff: expected 2 times, got 1 (usage: diff T1 T2)"),
        ("diff 2025-01-01 2025-02-01 now", "diff: expected 2 times, got 3 (usage: diff T1 T2)"),
        ("diff yesterday now", "diff: yesterday is not a point in time (a date 2025-10-29, a UTC date-time, #SEQ, or now)"),
        ("fleet at=#-1", "fleet: at=#-1 is not a point in time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, #SEQ, or now)"),
        ("fleet known=#5", "fleet: known=#5 is not a time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, or now)"),
        ("capacity by=rack", "capacity: by=rack is not accepted (one of: site, model, region, vendor, fleet)"),
        ("capacity precision=fp16", "capacity: precision=fp16 is not accepted (one of: bf16, fp8)"),
        ("timeline metric=chips every=decade", "timeline: every=decade is not accepted (one of: day, week, month, quarter, year)"),
        ("log type=rack", "log: type=rack is not accepted (one of: \(EventType.names.joined(separator: ", ")))"),
        ("train params=0 tokens=1T", "train: params=0 is not a positive number (suffixes K M B T, e.g. 1.8T)"),
        ("train params=1e308T tokens=1T", "train: params=1e308T is too large (at most 1.798×10^308)"),
        ("train params=1T tokens=1T mfu=nan", "train: mfu=nan must be a number in (0, 1]"),
        ("log limit=99999999999999999999", "log: limit=99999999999999999999 must be a whole number ≥ 0"),
        ("timeline metric=chips every=day svg=c.svg width=4001", "timeline: width=4001 must be a whole number of pixels from 320 to 4000"),
        ("train tokens=15T", "train: params= is required (usage: train params=1.8T tokens=15T [mfu=0.4] [precision=bf16], or train days=90 tokens_per_param=20)"),
        ("train params=1.8T", "train: tokens= is required (usage: train params=1.8T tokens=15T [mfu=0.4] [precision=bf16], or train days=90 tokens_per_param=20)"),
        ("timeline every=month", "timeline: metric= is required (one of: pflops, chips, energized, mw, usd, installed, delivered, allocated, mwh, cap, headroom, facility, stranded, stranded_mw)"),
        ("timeline metric=pflops", "timeline: every= is required (one of: day, week, month, quarter, year)"),
        ("timeline metric=chips every=day height=500", "timeline: height= shapes the SVG chart; give svg=FILE too"),
        ("timeline metric=chips every=day width=500 title=x", "timeline: title= shapes the SVG chart; give svg=FILE too"),
        ("append", "append: give an event type and its fields (one of: \(EventType.names.joined(separator: ", ")))"),
        ("append power.allocated site=s1 mw=1 at=now", #"power.allocated: unknown field "at" (accepted: site, mw, effective, note, source)"#),
        ("fleet site='s1", "unterminated quote in: fleet site='s1"),
    ])
    func aBadQueryIsRefusedWithWhatIsAccepted(_ line: String, _ message: String) {
        #expect(throws: LedgerError.data(message)) { try Query.parse(line) }
    }

    @Test(arguments: [
        // Each word in turn, before the number of operands and the required options.
        ("fleet s1 colour=red", #"fleet: unexpected word "s1" (options are key=value: by, site, model, at, known)"#),
        ("fleet at=yesterday at=now", "fleet: at=yesterday is not a point in time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, #SEQ, or now)"),
        ("diff yesterday", "diff: yesterday is not a point in time (a date 2025-10-29, a UTC date-time, #SEQ, or now)"),
        ("train mfu=2", "train: mfu=2 must be a number in (0, 1]"),
        ("timeline width=100", "timeline: width=100 must be a whole number of pixels from 320 to 4000"),
        // The required options in the table's order, then those that need another.
        ("train", "train: params= is required (usage: train params=1.8T tokens=15T [mfu=0.4] [precision=bf16], or train days=90 tokens_per_param=20)"),
        ("timeline title=x", "timeline: metric= is required (one of: pflops, chips, energized, mw, usd, installed, delivered, allocated, mwh, cap, headroom, facility, stranded, stranded_mw)"),
    ])
    func theFirstFaultOfAQueryIsTheOneRefused(_ line: String, _ message: String) {
        #expect(throws: LedgerError.data(message)) { try Query.parse(line) }
    }

    // MARK: every command of the table

    /// A value of each option that is not its default, which the example ledger answers.
    /// An example value of `o` that its command takes (a choice the command narrows takes one
    /// of its own values: `power by=region`).
    static func example(_ o: CommandSpec.Option) -> String {
        let e = example(o.key)
        if let only = o.only, !only.values.contains(e) { return only.values.last! }
        return e
    }

    static func example(_ key: OptionKey) -> String {
        switch key {
        case .site: "site-c"
        case .model: "b200"
        case .investor: "amazon"
        case .recipient: "anthropic"
        case .by: "model"
        case .precision: "fp8"
        case .metric: "pflops"
        case .every: "quarter"
        case .type: "rack.installed"
        case .params: "70B"
        case .tokens: "15T"
        case .mfu: "0.5"
        case .limit: "5"
        case .width: "900"
        case .height: "500"
        case .since, .from: "2024-01-01"
        case .until, .to, .at: "2025-06-30"
        case .known: "now"
        case .svg: "chart.svg"
        case .title: "Fleet"
        case .value: "1K"
        case .window: "90"
        case .days: "30"
        case .tokensPerParam: "20"
        }
    }

    /// A line of `spec` with its operands and every option but `left` given; of a command that
    /// takes one of several sets of options (`train`), those of the set numbered `set` only.
    static func line(_ spec: CommandSpec, set: Int = 0, leaving left: OptionKey? = nil) -> String {
        var words = [spec.name]
        switch spec.operands {
        case .none: break
        case .points(let n): words += ["2024-06-30", "now"].prefix(n)
        case .event: words += ["power.allocated", "site=site-a", "mw=1", "effective=2025-11-01"]
        }
        let others = spec.alternatives.indices.filter { $0 != set }.flatMap { spec.alternatives[$0] }
        for o in spec.options where !others.contains(o.key) {
            if let left, o.key == left || o.needs?.key == left { continue }
            words.append("\(o.name)=\(example(o))")
        }
        return words.joined(separator: " ")
    }

    /// The sets of options a command's lines give: one for each of its alternatives, else one.
    static func sets(_ spec: CommandSpec) -> Range<Int> { 0..<max(1, spec.alternatives.count) }

    /// Every command of the table, with every option it takes, parses to the command of its
    /// name, and runs: the engine answers it as that command.
    @Test(arguments: CommandSpec.all.map(\.name))
    func everyCommandOfTheTableParsesAndRuns(_ name: String) throws {
        let spec = try #require(CommandSpec.named(name))
        for set in Self.sets(spec) {
            let line = Self.line(spec, set: set)
            let q = try Query.parse(line)
            #expect(q.name == name)
            // The row builds its own command (the case is named as the command).
            #expect(String(describing: q.command).prefix { $0.isLetter } == name, "\(line) parses to \(q.command)")
            let fixture = QueryFixture.shared
            let engine = QueryEngine(store: fixture.store.copy(), clock: fixture.clock)
            let out = try engine.run(q)
            #expect(out.command == name, "\(line) runs as \(out.command)")
        }
    }

    /// Each option a command takes reaches its typed value: leaving it out gives another query
    /// (or, for a required one, or one of a set that is given, a refusal that names it).
    @Test(arguments: CommandSpec.all.map(\.name))
    func everyOptionReachesTheTypedCommand(_ name: String) throws {
        let spec = try #require(CommandSpec.named(name))
        for o in spec.options {
            let set = spec.alternatives.firstIndex { $0.contains(o.key) }
            let all = try Query.parse(Self.line(spec, set: set ?? 0))
            let line = Self.line(spec, set: set ?? 0, leaving: o.key)
            if o.required || set != nil {
                #expect(throws: LedgerError.self, "\(line) without \(o.name)=") { try Query.parse(line) }
                continue
            }
            let without = try Query.parse(line)
            #expect(without != all, "\(o.name)= changes nothing in \(all.command)")
        }
    }

    /// A command that takes one of several sets of options (`train`) refuses one of another set
    /// with the first, and asks for the rest of a set it has begun.
    @Test(arguments: [
        ("train params=1T days=30", "train: params= and days= do not go together (give params= tokens=, or days= tokens_per_param=)"),
        ("train tokens_per_param=20 tokens=1T", "train: tokens= and tokens_per_param= do not go together (give params= tokens=, or days= tokens_per_param=)"),
        ("train days=30", "train: tokens_per_param= is required (usage: train params=1.8T tokens=15T [mfu=0.4] [precision=bf16], or train days=90 tokens_per_param=20)"),
        ("train tokens_per_param=20 mfu=0.5", "train: days= is required (usage: train params=1.8T tokens=15T [mfu=0.4] [precision=bf16], or train days=90 tokens_per_param=20)"),
        ("when metric=mw value=1 window=36501", "when: window=36501 must be a whole number of days from 1 to 36,500"),
        ("when metric=mw", "when: value= is required (usage: when metric=pflops value=3M [site=] [model=] [precision=bf16] [window=180])"),
        ("energy to=2026-01-01", "energy: from= is required (usage: energy from=2025-01-01 to=2026-01-01 [by=site] [site=] [model=])"),
    ])
    func theOptionsOfOneQuestionGoTogether(_ line: String, _ message: String) {
        #expect(throws: LedgerError.data(message)) { try Query.parse(line) }
    }

    @Test func theNewQuestionsParseToTheirTypedValues() throws {
        #expect(try Query.parse("train days=90 tokens_per_param=20 site=s1 model=m1").command
            == .train(TrainQuery(question: .largestModel(days: 90, tokensPerParam: 20), scope: ChipScope(site: "s1", model: "m1"))))
        #expect(try Query.parse("when metric=energized value=1M site=s1 window=30").command
            == .when(WhenQuery(metric: .energized, value: 1e6, scope: ChipScope(site: "s1"), window: 30)))
        #expect(try Query.parse("energy from=2025-01-01 by=model").command
            == .energy(EnergyQuery(from: .time(Self.time("2025-01-01")), grouping: .model)))
    }
}
