import CapacityLedger
import LedgerStorage
import Testing

/// `by=site|model|region|vendor` on fleet, capacity and power: one group per value, each the
/// sum of the (site, model) rows in it, checked against figures worked out by hand.
struct GroupingTests {
    /// Three sites in two regions (one with none), two vendors' models, power short at `w1`.
    func fleet() throws -> QueryEngine {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([
            try d("site.opened site=e1 name=East-1 region=us-east power_cap_mw=10 effective=2025-01-01"),
            try d("site.opened site=e2 name=East-2 region=us-east power_cap_mw=5 effective=2025-01-01"),
            try d("site.opened site=w1 name=West-1 effective=2025-01-01"),
            try d("chip.model.defined model=a1 vendor=Alpha bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
            try d("chip.model.defined model=b1 vendor=Beta bf16_tflops=300 fp8_tflops=600 effective=2025-01-01"),
            try d("chips.delivered site=e1 model=a1 quantity=100 effective=2025-02-01"),
            try d("chips.delivered site=e2 model=b1 quantity=50 effective=2025-02-01"),
            try d("chips.delivered site=w1 model=a1 quantity=40 effective=2025-02-01"),
            try d("chips.delivered site=w1 model=b1 quantity=30 effective=2025-02-01"),
            try d("power.allocated site=e1 mw=1 effective=2025-02-01"),
            try d("power.allocated site=e2 mw=1 effective=2025-02-01"),
            try d("power.allocated site=w1 mw=0.05 effective=2025-02-01"),
            try d("rack.installed site=e1 rack=r1 model=a1 chips=64 kw=40 effective=2025-02-02"),
            try d("rack.installed site=e2 rack=r2 model=b1 chips=32 kw=30 effective=2025-02-02"),
            try d("rack.installed site=w1 rack=r3 model=a1 chips=32 kw=30 effective=2025-02-02"),
            try d("rack.installed site=w1 rack=r4 model=b1 chips=16 kw=30 effective=2025-02-03"),  // does not fit: 30 + 30 > 50 kW
        ])
        return QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
    }

    /// The rows of a result as its CSV gives them (no commas in these values): first column →
    /// the others.
    func rows(_ engine: QueryEngine, _ query: String) throws -> [String: [String]] {
        let csv = Renderer.render(try engine.run(query), as: .csv)
        var result: [String: [String]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            result[cells[0]] = Array(cells.dropFirst())
        }
        return result
    }

    @Test func fleetByRegionAndVendorSumsTheRowsInEachGroup() throws {
        let engine = try fleet()
        // delivered, installed, energized, stranded, retired, undeployed
        #expect(try rows(engine, "fleet by=region") == [
            "us-east": ["150", "96", "96", "0", "0", "54"],
            "(no region)": ["70", "48", "32", "16", "0", "22"],
        ])
        #expect(try rows(engine, "fleet by=vendor") == [
            "Alpha": ["140", "96", "96", "0", "0", "44"],
            "Beta": ["80", "48", "32", "16", "0", "32"],
        ])
        #expect(try rows(engine, "fleet by=site")["w1"] == ["70", "48", "32", "16", "0", "22"])
        #expect(try rows(engine, "fleet by=model")["b1"] == ["80", "48", "32", "16", "0", "32"])
        // Without by=, a row per (site, model) as before.
        #expect(try engine.run("fleet").rows.count == 4)
    }

    @Test func capacityByRegionAndVendor() throws {
        let engine = try fleet()
        // energized, PFLOPS, drawn MW: e1 64 × 0.1 = 6.4; e2 32 × 0.3 = 9.6; w1 32 × 0.1 = 3.2.
        let byRegion = try rows(engine, "capacity by=region")
        #expect(byRegion["us-east"]?.prefix(3) == ["96", "16", "0.07"])
        #expect(byRegion["(no region)"]?.prefix(3) == ["32", "3.2", "0.03"])
        let byVendor = try rows(engine, "capacity by=vendor")
        #expect(byVendor["Alpha"]?.prefix(3) == ["96", "9.6", "0.07"])
        #expect(byVendor["Beta"]?.prefix(3) == ["32", "9.6", "0.03"])
    }

    @Test func powerByRegionSumsCapsOnlyWhenEverySiteHasOne() throws {
        let engine = try fleet()
        // cap, allocated, drawn, headroom
        #expect(try rows(engine, "power by=region") == [
            "us-east": ["15", "2", "0.07", "1.93"],
            "(no region)": ["", "0.05", "0.03", "0.02"],
        ])
    }

    @Test func powerRefusesModelAndVendorSayingWhy() throws {
        let engine = try fleet()
        for by in ["model", "vendor"] {
            #expect(throws: LedgerError(.badValue(written: "power: by=\(by)", expected: .notHere(accepted: ["site", "region"],
                why: "power is allocated to sites, not to chip models, so it has no model or vendor")))) {
                try engine.run("power by=\(by)")
            }
        }
        #expect(throws: LedgerError.self) { try engine.run("fleet by=fleet") }
    }

    @Test func jsonNamesTheGroupByItsDimension() throws {
        let engine = try fleet()
        let json = Renderer.render(try engine.run("fleet by=vendor"), as: .json)
        #expect(json.contains(#""vendor":"Alpha""#), "\(json)")
        #expect(json.contains(#""by":"vendor""#), "\(json)")
    }
}

/// `timeline` with several metrics and `by=`: one series per metric and group, the new power
/// metrics, the refusals, and the cut at 50 series.
struct TimelineSeriesTests {
    let engine = try! GroupingTests().fleet()

    func csv(_ query: String) throws -> [[String]] {
        Renderer.render(try engine.run(query), as: .csv).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func severalMetricsAreOneColumnEach() throws {
        let rows = try csv("timeline metric=allocated,mw,headroom,cap,facility every=month from=2025-01-01 to=2025-03-01")
        #expect(rows[0] == ["at", "allocated", "mw", "headroom", "cap", "facility"])
        // 2025-01-01: only the caps (10 + 5; w1 has none). 2025-03-01: 2.05 MW allocated,
        // 0.04 + 0.03 + 0.03 = 0.1 MW drawn, 1.95 MW of headroom; facility = drawn × PUE 1.
        #expect(rows[1] == ["2025-01-01", "0", "0", "0", "15", "0"])
        #expect(rows[3] == ["2025-03-01", "2.05", "0.1", "1.95", "15", "0.1"])
    }

    @Test func byGivesOneSeriesPerGroup() throws {
        let rows = try csv("timeline metric=energized,stranded,stranded_mw every=month from=2025-01-01 to=2025-03-01 by=region")
        #expect(rows[0] == ["at", "energized (no region)", "energized us-east", "stranded (no region)", "stranded us-east",
                            "stranded_mw (no region)", "stranded_mw us-east"])
        // w1 (no region): r3 energized (32 chips), r4 without power (16 chips, 30 kW).
        #expect(rows[3] == ["2025-03-01", "32", "96", "16", "0", "0.03", "0"])
        let byVendor = try csv("timeline metric=pflops every=month from=2025-03-01 to=2025-03-01 by=vendor")
        #expect(byVendor[0] == ["at", "pflops Alpha", "pflops Beta"])
        #expect(byVendor[1] == ["2025-03-01", "9.6", "9.6"])
    }

    @Test func jsonGivesTheSeriesWithMetricGroupAndPoints() throws {
        let json = Renderer.render(try engine.run("timeline metric=allocated every=year from=2025-01-01 to=2026-01-01 by=site"), as: .json)
        #expect(json.contains(#""series":[{"metric":"allocated","group":"e1","unit":"allocated (MW)","points":[{"at":"2025-01-01","value":0},{"at":"2026-01-01","value":1}]}"#), "\(json)")
        #expect(json.contains(#""by":"site""#))
        let plain = Renderer.render(try engine.run("timeline metric=allocated,mw every=year from=2025-01-01 to=2026-01-01"), as: .json)
        #expect(plain.contains(#"{"metric":"mw","group":null,"unit":"drawn (MW)","points":[{"at":"2025-01-01","value":0},{"at":"2026-01-01","value":0.1}]}"#), "\(plain)")
    }

    @Test func theRefusalsSayWhy() throws {
        #expect(throws: LedgerError(.timelineEnergyAlone)) { try engine.run("timeline metric=mwh,mw every=month") }
        #expect(throws: LedgerError(.timelineEnergyAlone)) { try engine.run("timeline metric=mwh every=month by=site") }
        #expect(throws: LedgerError(.timelineNotGrouped(metric: "usd", by: "site"))) { try engine.run("timeline metric=usd every=month by=site") }
        #expect(throws: LedgerError(.timelineNotGrouped(metric: "headroom", by: "model"))) {
            try engine.run("timeline metric=mw,headroom every=month by=model")
        }
        #expect(throws: LedgerError(.timelineChartUnits(["drawn (MW)", "energized (chips)"]))) {
            try engine.run("timeline metric=mw,energized every=month svg=/tmp/never-written.svg")
        }
        #expect(throws: LedgerError(.badValue(written: "timeline: metric=mw,mw", expected: .eachOnce))) {
            try engine.run("timeline metric=mw,mw every=month")
        }
    }

    @Test func atMostFiftySeriesAndTheCutIsSaid() throws {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        var drafts = [try d("chip.model.defined model=a1 vendor=Alpha bf16_tflops=100 fp8_tflops=200 effective=2025-01-01")]
        for i in 0..<55 {
            drafts.append(try d("site.opened site=s\(i) name=S\(i) effective=2025-01-01"))
            drafts.append(try d("power.allocated site=s\(i) mw=1 effective=2025-01-02"))
        }
        try store.append(drafts)
        let engine = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
        let out = try engine.run("timeline metric=allocated every=year from=2025-01-01 to=2026-01-01 by=site")
        #expect(out.columns.count == 1 + 50)
        #expect(out.warnings == ["showing 50 of 55 series (the first by metric, then group); fewer metrics or a coarser by= show the rest"])
    }

    @Test func siteAndModelNarrowTheSeries() throws {
        let rows = try csv("timeline metric=allocated,mw,headroom every=month from=2025-03-01 to=2025-03-01 site=w1")
        #expect(rows[1] == ["2025-03-01", "0.05", "0.03", "0.02"])
        let byModel = try csv("timeline metric=stranded,stranded_mw every=month from=2025-03-01 to=2025-03-01 site=w1 model=b1")
        #expect(byModel[1] == ["2025-03-01", "16", "0.03"])
        let grouped = try csv("timeline metric=energized every=month from=2025-03-01 to=2025-03-01 by=site model=a1")
        #expect(grouped[0] == ["at", "energized e1", "energized w1"])
        #expect(grouped[1] == ["2025-03-01", "64", "32"])
        #expect(throws: LedgerError(.timelineNotScoped(metric: "allocated", option: "model="))) {
            try engine.run("timeline metric=allocated every=month model=a1")
        }
        #expect(throws: LedgerError(.timelineNotScoped(metric: "usd", option: "site="))) { try engine.run("timeline metric=usd every=month site=e1") }
    }

    @Test func everyYearStartsOnTheFirstOfJanuary() throws {
        let rows = try csv("timeline metric=delivered every=year to=2026-06-30")
        #expect(rows.dropFirst().map { $0[0] } == ["2025-01-01", "2026-01-01", "2026-06-30"])
    }
}

/// Facility power and energy follow the PUE in force at each site, piece by piece.
struct FacilityPowerTests {
    @Test func facilityIsITTimesThePUEInForce() throws {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([
            try d("site.opened site=s1 name=One pue=1.5 effective=2025-01-01"),
            try d("site.opened site=s2 name=Two effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-01-01"),
            try d("chips.delivered site=s2 model=m1 quantity=64 effective=2025-01-01"),
            try d("power.allocated site=s1 mw=1 effective=2025-01-01"),
            try d("power.allocated site=s2 mw=1 effective=2025-01-01"),
            try d("rack.installed site=s1 rack=r1 model=m1 chips=64 kw=1000 effective=2025-01-01"),
            try d("rack.installed site=s2 rack=r2 model=m1 chips=64 kw=500 effective=2025-01-01"),
            try d("site.updated site=s1 pue=2 effective=2025-01-02"),
        ])
        let engine = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
        // s1: 1 MW for 24 h at PUE 1.5, then 24 h at 2: IT 48 MWh, facility 36 + 48 = 84 MWh.
        // s2: 0.5 MW for 48 h, no PUE recorded (1.0): 24 MWh both.
        let energy = Renderer.render(try engine.run("energy from=2025-01-01 to=2025-01-03"), as: .csv)
        #expect(energy.contains("s1,48,84"), "\(energy)")
        #expect(energy.contains("s2,24,24"), "\(energy)")
        let csv = Renderer.render(try engine.run("timeline metric=mw,facility every=day from=2025-01-01 to=2025-01-02"), as: .csv)
        #expect(csv.split(separator: "\n").map(String.init) == ["at,mw,facility", "2025-01-01,1.5,2", "2025-01-02,1.5,2.5"])
    }
}
