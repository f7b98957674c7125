@testable import CapacityLedger
import Testing

/// The planner's questions: `when` a metric reaches a value, the `energy` drawn over a period,
/// and `train` on part of the fleet or for the largest model, against hand-computed figures and
/// the event-by-event fold.
struct PlannerCommandTests {
    static func t(_ text: String) -> Timestamp { Timestamp.parse(text)! }

    /// A store whose clock reads 2026-01-01: site `s1` (10 MW) and model `m1` (100 / 200 TFLOPS)
    /// from 2025-01-01, 1,000 chips delivered, 1 MW allocated, and `events` after them.
    static func store(_ events: [String]) throws -> (InMemoryEventStore, ManualClock) {
        let clock = ManualClock(t("2026-01-01"))
        let store = InMemoryEventStore(name: "test", clock: clock)
        try store.append([
            try d("site.opened site=s1 name=Site-one power_cap_mw=10 effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=1000 effective=2025-01-02"),
            try d("power.allocated site=s1 mw=1 effective=2025-01-03"),
        ] + events.map { try d($0) })
        return (store, clock)
    }

    static func rack(_ name: String, kw: Int = 100, chips: Int = 64, at: String, site: String = "s1", model: String = "m1") -> String {
        "rack.installed site=\(site) rack=\(name) model=\(model) chips=\(chips) kw=\(kw) effective=\(at)"
    }

    /// The value of the row `name` of a quantity/value table.
    static func row(_ out: QueryOutput, _ name: String) -> Cell? {
        out.rows.first { $0[0] == .text(name) }?[1]
    }

    // MARK: when

    /// Racks of 64 chips at 2025-02-01, 2025-03-01 and 12:00 that day, and one planned for
    /// 2026-06-01 (after the clock's now).
    static func racks() throws -> (InMemoryEventStore, ManualClock) {
        try store([rack("r1", at: "2025-02-01"), rack("r2", at: "2025-03-01"), rack("r3", at: "2025-03-01T12:00:00Z"),
                   rack("r4", at: "2026-06-01")])
    }

    @Test(arguments: [
        // Exactly the value after an event: that event's time.
        ("64", "2025-02-01", 64.0),
        // Between the values after two events: the time of the second.
        ("100", "2025-03-01", 128.0),
        ("129", "2025-03-01T12:00:00Z", 192.0),
        // Reached long before the point in time: the first time, not the point in time.
        ("1", "2025-02-01", 64.0),
        // Only a plan (a future-dated event) reaches it.
        ("256", "2026-06-01", 256.0),
    ])
    func whenAnswersTheFirstTimeTheEventsReachTheValue(_ value: String, _ at: String, _ then: Double) throws {
        let (store, clock) = try Self.racks()
        let engine = QueryEngine(store: store, clock: clock)
        let out = try engine.run("when metric=energized value=\(value)")
        #expect(Self.row(out, "at") == .text(at))
        #expect(Self.row(out, "then") == .number(then, places: 0))
        #expect(out.json == #"{"metric":"energized","value":\#(value),"at":"\#(at)","estimate":false,"then":\#(Int(then)),"as_of":"now","known":"now"}"#)
        // The point in time's effective time does not hide a plan.
        #expect(Self.row(try engine.run("when metric=energized value=\(value) at=2025-01-01"), "at") == .text(at))
    }

    /// What the events reach is what the transaction cut lets through: a void, known= and
    /// at=#N.
    @Test func whenReadsTheEventsTheTransactionCutLetsThrough() throws {
        let (store, clock) = try Self.racks()
        clock.advance(seconds: 3_600)
        try store.append([try d("event.voided target=6 reason=never")])  // r2
        let engine = QueryEngine(store: store, clock: clock)
        #expect(Self.row(try engine.run("when metric=energized value=100"), "at") == .text("2025-03-01T12:00:00Z"))
        #expect(Self.row(try engine.run("when metric=energized value=100 known=2026-01-01"), "at") == .text("2025-03-01"))
        #expect(Self.row(try engine.run("when metric=energized value=100 at=#8"), "at") == .text("2025-03-01"))
        // The future rack is #8: before it, nothing reaches 256.
        #expect(try engine.run("when metric=energized value=256 at=#7").json?.contains(#""estimate":true"#) == true)
    }

    /// One rack of 64 chips at 2025-02-01, nothing after.
    static func oneRack() throws -> QueryEngine {
        let (store, clock) = try store([rack("r1", at: "2025-02-01")])
        return QueryEngine(store: store, clock: clock)
    }

    /// Never reached, rising: over 10 days from 2025-01-24T12:00 to 2025-02-03T12:00, the
    /// metric is 0, then 64 for the last quarter. With u in days from the middle (2025-01-29T12:00),
    /// the mean is 16, ∫u·f du = 64·(5² − 2.5²)/2 = 600, the slope 12·600/10³ = 7.2 chips a day;
    /// the line reaches 128 at u = (128 − 16)/7.2 = 15.56 days, 2025-02-14T01:20, after the same
    /// slope from the last value would (u = 5 + 64/7.2 = 13.89): the estimate is the first day
    /// after, 2025-02-15.
    @Test func whenEstimatesFromTheLeastSquaresLine() throws {
        let out = try Self.oneRack().run("when metric=energized value=128 window=10 at=2025-02-03T12:00:00Z")
        #expect(Self.row(out, "at") == .text("2025-02-15 (estimate)"))
        #expect(Self.row(out, "last") == .number(64, places: 0))
        #expect(Self.row(out, "window") == .text("10 days, 2025-01-24T12:00:00Z to 2025-02-03T12:00:00Z"))
        let perMonth = 7.2 * 365.2425 / 12
        #expect(Self.row(out, "slope") == .text("\(Format.groupedTrimmed(perMonth)) per month"))
        #expect(out.json == #"{"metric":"energized","value":128,"at":"2025-02-15","estimate":true,"rising":true,"last":64,"window_days":10,"window_from":"2025-01-24T12:00:00Z","window_to":"2025-02-03T12:00:00Z","slope_per_month":\#(Format.json(perMonth)),"as_of":"2025-02-03T12:00:00Z","known":"now"}"#)
        #expect(out.notes.first?.hasPrefix("estimate: the events never reach 128") == true)
    }

    /// A rise early in the window puts the line above the last value at the window's end: the
    /// estimate is then where the same slope from the last value reaches the value. Over 10
    /// days centred on the step at 2025-02-01: mean 32, slope 12·(64·5²/2)/10³ = 9.6 a day; the
    /// line would reach 128 10 days after the middle (2025-02-11), but the last value, 64 at
    /// 2025-02-06, reaches it 64/9.6 = 6.67 days later, 2025-02-12T16:00: 2025-02-13.
    @Test func anEstimateNeverGoesBackBelowTheLastValue() throws {
        let out = try Self.oneRack().run("when metric=energized value=128 window=10 at=2025-02-06")
        #expect(Self.row(out, "at") == .text("2025-02-13 (estimate)"))
        let line = TrendLine.fit([(Self.t("2025-02-01").micros, 64)], from: Self.t("2025-01-27").micros, to: Self.t("2025-02-06").micros)
        #expect(abs(line.perDay - 9.6) < 1e-12 && abs(line.mean - 32) < 1e-12)
    }

    /// Never reached and flat: a window after the last change.
    @Test func whenSaysNotReachedAndNotRising() throws {
        let out = try Self.oneRack().run("when metric=energized value=128 window=30 at=2025-06-01")
        #expect(Self.row(out, "at") == .text("not reached and not rising"))
        #expect(Self.row(out, "slope") == .text("0 per month"))
        #expect(out.json?.hasPrefix(#"{"metric":"energized","value":128,"at":null,"estimate":true,"rising":false,"last":64,"window_days":30,"#) == true)
        // Nothing counts at all: flat at 0.
        let (empty, clock) = try Self.store([])
        #expect(Self.row(try QueryEngine(store: empty, clock: clock).run("when metric=energized value=1"), "at") == .text("not reached and not rising"))
    }

    /// A figure that belongs to no chip model, or is no level, is refused with why.
    @Test(arguments: [
        ("when metric=allocated value=1 model=m1", "when: metric=allocated is power allocated to sites, not to chip models; give site= only"),
        ("when metric=usd value=1 site=s1", "when: metric=usd counts every committed dollar; it takes no site= or model="),
        ("when metric=mwh value=1", "when: metric=mwh is energy over a period, not a level the fleet reaches; ask energy from= to= or timeline metric=mwh"),
    ])
    func whenRefusesAFigureThatDoesNotApply(_ line: String, _ message: String) throws {
        #expect(throws: LedgerError.data(message)) { try Self.oneRack().run(line) }
    }

    /// On generated histories (voids, backdated events, stranded racks, known= cuts), `when`
    /// finds the time the event-by-event fold finds, for each metric, filtered or not, with the
    /// figures read from the projection's public views.
    @Test func whenEqualsTheEventByEventFold() throws {
        for seed in [4, 9] as [UInt64] {
            let (store, clock) = try ProjectionPropertyTests.history(seed: seed, count: 1_200)
            let engine = QueryEngine(store: store, clock: clock)
            let known = store.ledger.events[800].recorded
            for cut in [nil, known] {
                let events = engine.countingEvents(engine.view(PointInTime(at: .time(Timestamp(micros: .max)), known: cut)))
                let site = "site-b", model = events.compactMap { e -> String? in
                    if case .rackInstalled(_, _, let m, _, _) = e.body { m } else { nil }
                }.first!
                let figures: [(String, (FleetState) -> Double)] = [
                    ("energized", { Double($0.fleet().reduce(0) { $0 + $1.energized }) }),
                    ("installed site=\(site)", { Double($0.fleet(site: site).reduce(0) { $0 + $1.installed }) }),
                    ("delivered model=\(model)", { Double($0.fleet(model: model).reduce(0) { $0 + $1.delivered }) }),
                    ("pflops precision=fp8 site=\(site) model=\(model)", { $0.capacity(precision: .fp8, site: site, model: model).reduce(0) { $0 + $1.pflops } }),
                    ("mw site=\(site)", { $0.power(site: site).reduce(Power.zero) { $0 + $1.drawn }.megawatts }),
                    ("mw model=\(model)", { $0.capacity(precision: .bf16, model: model).reduce(Power.zero) { $0 + $1.drawn }.megawatts }),
                    ("allocated", { $0.power().reduce(Power.zero) { $0 + $1.allocated }.megawatts }),
                ]
                for (words, figure) in figures {
                    // The figure after each effective time, event by event.
                    var s = FleetState()
                    s.prepare(for: events)
                    var series: [(Timestamp, Double)] = []
                    for (k, e) in events.enumerated() {
                        s.apply(e)
                        if k + 1 == events.count || events[k + 1].effective > e.effective { series.append((e.effective, figure(s))) }
                    }
                    let top = series.map(\.1).max()!
                    #expect(top > 0, "\(words)")
                    for fraction in [0.01, 0.3, 0.5, 0.99, 1.0] {
                        let value = top * fraction
                        let expected = series.first { $0.1 >= value }!
                        let out = try engine.run("when metric=\(words) value=\(value)" + (cut.map { " known=\($0.iso8601)" } ?? ""))
                        #expect(Self.row(out, "at") == .text(expected.0.shortString), "seed \(seed) \(words) \(value)")
                    }
                }
            }
        }
    }

    // MARK: energy

    /// 1 MW allocated at s1. Recorded in this order: r1 100 kW from 01-10, r2 200 kW from 01-20,
    /// r3 300 kW from 01-15 (backdated: recorded after r2, effective before it), r4 400 kW from
    /// 01-25, r1 retired 01-28, and an hour later a void of r4.
    static func energyStore() throws -> (InMemoryEventStore, ManualClock) {
        let (store, clock) = try store([rack("r1", kw: 100, at: "2025-01-10"), rack("r2", kw: 200, at: "2025-01-20"),
                                        rack("r3", kw: 300, at: "2025-01-15"), rack("r4", kw: 400, at: "2025-01-25"),
                                        "rack.retired site=s1 rack=r1 effective=2025-01-28"])
        clock.advance(seconds: 3_600)
        try store.append([try d("event.voided target=8 reason=never")])
        return (store, clock)
    }

    /// From 2025-01-12 to 2025-02-01, by hand: 0.1 MW for 3 days (7.2 MWh), 0.4 MW for 5 days
    /// (48), 0.6 MW for 8 days (115.2) and 0.5 MW for 4 days (48): 218.4 MWh. Known before the
    /// void, r4 draws 0.4 MW more from 01-25 to 02-01 (67.2): 285.6 MWh.
    @Test func energyIsTheIntegralOfDrawnPower() throws {
        let (store, clock) = try Self.energyStore()
        let engine = QueryEngine(store: store, clock: clock)
        let out = try engine.run("energy from=2025-01-12 to=2025-02-01")
        #expect(out.rows.count == 1)
        guard case .number(let it, _) = out.rows[0][1], case .number(let facility, _) = out.rows[0][2] else {
            Issue.record("\(out.rows)")
            return
        }
        #expect(abs(it - 218.4) < 1e-9)
        #expect(facility == it)  // PUE 1.0 at every site
        #expect(out.rows[0][0] == .text("s1"))
        #expect(Renderer.render(out, as: .json)
            == #"{"at":"2025-02-01","known":"now","from":"2025-01-12","to":"2025-02-01","by":"site","rows":[{"site":"s1","it_mwh":218.4,"facility_mwh":218.4}],"total":{"it_mwh":218.4,"facility_mwh":218.4}}"#)
        let before = try engine.run("energy from=2025-01-12 to=2025-02-01 known=2026-01-01")
        guard case .number(let withR4, _) = before.rows[0][1] else { Issue.record("\(before.rows)"); return }
        #expect(abs(withR4 - 285.6) < 1e-9)
        // The void recorded, nothing after the retirement but r2 and r3 (0.5 MW): 24 h → 12 MWh.
        guard case .number(let day, _) = try engine.run("energy by=fleet from=2025-03-01 to=2025-03-02").rows[0][1] else { return }
        #expect(abs(day - 12) < 1e-9)
        // An empty period draws nothing; a reversed one is refused.
        #expect(try engine.run("energy by=fleet from=2025-01-20 to=2025-01-20").rows == [[.text("fleet"), .number(0, places: 3), .number(0, places: 3)]])
        #expect(throws: LedgerError.data("energy: from=2025-02-01 is after to=2025-01-01")) { try engine.run("energy from=2025-02-01 to=2025-01-01") }
    }

    /// `timeline metric=mwh`: the energy of each step, on the row of the point it starts at;
    /// the steps add up to the energy of the whole range.
    @Test func aTimelineOfEnergyGivesEachStep() throws {
        let (store, clock) = try Self.energyStore()
        let engine = QueryEngine(store: store, clock: clock)
        let out = try engine.run("timeline metric=mwh every=week from=2025-01-12 to=2025-02-01")
        // 01-12, 01-19, 01-26 and to= closing the last step.
        let expected = [("2025-01-12", 0.1 * 72 + 0.4 * 96), ("2025-01-19", 0.4 * 24 + 0.6 * 144), ("2025-01-26", 0.6 * 48 + 0.5 * 96)]
        #expect(out.rows.count == 3)
        for (r, (label, mwh)) in zip(out.rows, expected) {
            guard case .number(let v, _) = r[1] else { Issue.record("\(r)"); continue }
            #expect(r[0] == .text(label))
            #expect(abs(v - mwh) < 1e-9, "\(label)")
        }
        #expect(abs(expected.reduce(0) { $0 + $1.1 } - 218.4) < 1e-9)
    }

    /// On generated histories, `energy` by site and by model equals the integral of the drawn
    /// power of the event-by-event fold, constant from one effective time to the next.
    @Test func energyEqualsTheEventByEventFold() throws {
        for seed in [5, 11] as [UInt64] {
            let (store, clock) = try ProjectionPropertyTests.history(seed: seed, count: 1_200)
            let engine = QueryEngine(store: store, clock: clock)
            let known = store.ledger.events[700].recorded
            let (from, to) = (Self.t("2024-02-10T06:00:00Z"), Self.t("2025-09-01"))
            for cut in [nil, known] {
                let events = engine.countingEvents(engine.view(PointInTime(at: .time(to), known: cut)))
                var s = FleetState()
                s.prepare(for: events)
                var bySite: [String: Double] = [:], byModel: [String: Double] = [:]
                func draw(_ a: Timestamp, _ b: Timestamp) {
                    let (lo, hi) = (max(a, from), min(b, to))
                    guard lo < hi else { return }
                    let hours = Double(hi.micros - lo.micros) / 3.6e9
                    for r in s.power() { bySite[r.site, default: 0] += r.drawn.megawatts * hours }
                    for c in s.capacity(precision: .bf16) { byModel[c.model!, default: 0] += c.drawn.megawatts * hours }
                }
                var last = Timestamp(micros: .min)
                for e in events {
                    draw(last, e.effective)
                    s.apply(e)
                    last = e.effective
                }
                draw(last, to)
                for (by, expected) in [("site", bySite), ("model", byModel)] {
                    let out = try engine.run("energy from=\(from.iso8601) to=2025-09-01 by=\(by)" + (cut.map { " known=\($0.iso8601)" } ?? ""))
                    let nonzero = expected.filter { $0.value > 0 }
                    #expect(out.rows.count == nonzero.count, "seed \(seed) by=\(by)")
                    #expect(nonzero.count > 1)
                    for r in out.rows {
                        guard case .text(let key) = r[0], case .number(let v, _) = r[1], let e = expected[key] else { Issue.record("\(r)"); continue }
                        #expect(abs(v - e) <= 1e-9 * max(1, e), "seed \(seed) \(by) \(key)")
                    }
                }
            }
        }
    }

    // MARK: train

    /// s1 has 640 m1 chips energized (64 PFLOPS bf16); s2 has 320 m2 chips at 1,000 TFLOPS
    /// (320 PFLOPS).
    static func twoSites() throws -> QueryEngine {
        let (store, clock) = try store((1...10).map { rack("a\($0)", kw: 50, at: "2025-02-01") } + [
            "site.opened site=s2 name=Site-two effective=2025-01-01",
            "chip.model.defined model=m2 vendor=W bf16_tflops=1000 fp8_tflops=2000 effective=2025-01-01",
            "chips.delivered site=s2 model=m2 quantity=320 effective=2025-01-02",
            "power.allocated site=s2 mw=2 effective=2025-01-03",
        ] + (1...5).map { rack("b\($0)", kw: 50, at: "2025-02-01", site: "s2", model: "m2") })
        return QueryEngine(store: store, clock: clock)
    }

    /// The days on part of the fleet: 6·10^10·10^11 = 6·10^21 FLOPs on s1's 64 PFLOPS at mfu
    /// 0.5 take 6·10^21 / (64·10^15·0.5) / 86400 = 2.17 days; on the whole fleet's 384 PFLOPS,
    /// 0.36 days.
    @Test(arguments: [("site=s1", 64.0), ("model=m1", 64.0), ("site=s2 model=m2", 320.0), ("", 384.0)])
    func trainCountsOnlyTheChipsItIsGiven(_ scope: String, _ pflops: Double) throws {
        let out = try Self.twoSites().run("train params=10B tokens=100B mfu=0.5 \(scope)")
        let days = 6e21 / (pflops * 1e15 * 0.5) / 86_400
        #expect(out.rows.contains([.text(scope.isEmpty ? "fleet PFLOPS (bf16)" : "PFLOPS (bf16) " + ChipScope(
            site: scope.contains("s1") ? "s1" : scope.contains("s2") ? "s2" : nil, model: scope.contains("m1") ? "m1" : scope.contains("m2") ? "m2" : nil).phrase),
                                    .number(pflops, places: 1)]))
        guard case .number(let d, _)? = Self.row(out, "days") else { Issue.record("\(out.rows)"); return }
        #expect(abs(d - days) < 1e-9)
        #expect(out.json?.contains(#""pflops":\#(Format.json(pflops))"#) == true)
    }

    @Test func trainRefusesAPartOfTheFleetWithNothingEnergized() throws {
        #expect(throws: LedgerError.data("train: no chips of m2 at s1 are energized at now (known now); pick a later at=, or another site= or model=")) {
            try Self.twoSites().run("train params=1B tokens=1B site=s1 model=m2")
        }
    }

    /// The largest model for 4 days at mfu 0.5 and 20 tokens a parameter on s1's 64 PFLOPS:
    /// FLOPs = 64·10^15·0.5·86400·4 = 1.10592·10^22, P = √(FLOPs / 120) = 9.6·10^9, and 1.92·10^11
    /// tokens. Training that model on those tokens takes the 4 days back.
    @Test func trainFindsTheLargestModelForTheDays() throws {
        let engine = try Self.twoSites()
        let out = try engine.run("train days=4 tokens_per_param=20 mfu=0.5 site=s1")
        guard case .quantity(let params, let shown)? = Self.row(out, "params (√(FLOPs / (6·tokens per param)))"),
              case .quantity(let tokens, let shownTokens)? = Self.row(out, "tokens (tokens per param·params)") else {
            Issue.record("\(out.rows)")
            return
        }
        #expect(abs(params - 9.6e9) < 1e-3 && shown == "9.6B")
        #expect(abs(tokens - 1.92e11) < 1e-2 && shownTokens == "192B")
        #expect(out.json == #"{"at":"now","known":"now","days":4,"tokens_per_param":20,"pflops":64,"mfu":0.5,"flops":1.10592e+22,"params":9600000000,"tokens":192000000000,"precision":"bf16","site":"s1"}"#)
        let back = try engine.run("train params=\(params) tokens=\(tokens) mfu=0.5 site=s1")
        guard case .number(let days, _)? = Self.row(back, "days") else { Issue.record("\(back.rows)"); return }
        #expect(abs(days - 4) < 1e-12)
    }
}
