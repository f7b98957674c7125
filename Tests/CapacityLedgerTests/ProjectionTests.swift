import CapacityLedger
import LedgerStorage
import Testing

/// Hand-computed scenarios for the projections and the throughput core.
struct ProjectionTests {
    /// Site s1 with 100 kW allocated and racks of 40, 50 and 30 kW installed in that order: first
    /// fit energizes 40 + 50 = 90 kW, and the 30 kW rack does not fit in the 10 kW left.
    func strandedSite() throws -> (InMemoryEventStore, QueryEngine) {
        let store = try makeStore(cap: "power_cap_mw=10")
        try store.append([
            try d("chips.delivered site=s1 model=m1 quantity=200 effective=2025-03-01"),
            try d("power.allocated site=s1 mw=0.1 effective=2025-03-01"),
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=40 effective=2025-03-02"),
            try d("rack.installed site=s1 rack=r-2 model=m1 chips=64 kw=50 effective=2025-03-03"),
            try d("rack.installed site=s1 rack=r-3 model=m1 chips=32 kw=30 effective=2025-03-04"),
        ])
        return (store, QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!)))
    }

    @Test func firstFitStrandsTheRackThatDoesNotFit() throws {
        let (_, engine) = try strandedSite()
        let s = try engine.state(PointInTime())
        let row = try #require(s.fleet().first)
        #expect(row.delivered == 200 && row.installed == 160 && row.energized == 128 && row.stranded == 32 && row.undeployed == 40)
        let power = try #require(s.power().first)
        #expect(power.allocated == Power(watts: 100_000) && power.drawn == Power(watts: 90_000) && power.headroom == Power(watts: 10_000))
        // 128 chips × 100 TFLOPS / 1000 = 12.8 PFLOPS; per MW drawn: 12.8 / 0.09.
        let cap = try #require(s.capacity(precision: .bf16).first)
        #expect(cap.pflops == 12.8)
        #expect(abs(cap.pflopsPerMW! - 12.8 / 0.09) < 1e-9)
        #expect(s.pflops(.fp8) == 25.6)
    }

    /// A name stored before control characters were refused is shown with escapes: a table
    /// never sends a control character to the terminal.
    @Test func tablesShowControlCharactersAsEscapes() throws {
        let store = try makeStore()
        try store.append([EventDraft(body: .siteOpened(site: "s2", name: "a\u{0}b\u{1B}[2J\tc", region: "r\u{9B}", powerCap: nil, acres: nil),
                                     effective: Timestamp.parse("2025-01-01"))])
        let engine = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
        for query in ["sites", "log type=site.opened"] {
            let table = Renderer.render(try engine.run(query), as: .table)
            #expect(table.contains(#"a\u0000b\u001b[2J\tc"#), "\(query): \(table)")
            #expect(table.contains(#"r\u009b"#), "\(query): \(table)")
            #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) }, "\(query)")
        }
    }

    @Test func retiringAnEnergizedRackLetsAStrandedOneFit() throws {
        let (store, engine) = try strandedSite()
        try store.append([try d("rack.retired site=s1 rack=r-2 effective=2025-03-05")])
        let row = try #require(try engine.state(PointInTime()).fleet().first)
        // r-1 (40 kW) and r-3 (30 kW) now fit in 100 kW; r-2's 64 chips are retired.
        #expect(row.installed == 96 && row.energized == 96 && row.stranded == 0 && row.retired == 64 && row.undeployed == 40)
    }

    @Test func moreAllocatedPowerRefitsInInstallOrder() throws {
        let (store, engine) = try strandedSite()
        try store.append([try d("power.allocated site=s1 mw=0.02 effective=2025-03-06")])
        let s = try engine.state(PointInTime())
        #expect(s.energizedChips == 160)
        #expect(s.drawn == Power(watts: 120_000))
        // Before the extra power, at 2025-03-05, the third rack was still stranded.
        #expect(try engine.state(PointInTime(at: .time(Timestamp.parse("2025-03-05")!))).energizedChips == 128)
    }

    @Test func aSpecRedefinitionTakesEffectMidHistory() throws {
        let (store, engine) = try strandedSite()
        try store.append([try d("chip.model.defined model=m1 vendor=V bf16_tflops=150 fp8_tflops=300 effective=2025-06-01")])
        let before = try engine.state(PointInTime(at: .time(Timestamp.parse("2025-05-31")!)))
        let after = try engine.state(PointInTime(at: .time(Timestamp.parse("2025-06-01")!)))
        #expect(before.pflops(.bf16) == 12.8)
        #expect(after.pflops(.bf16) == 19.2)  // 128 × 150 / 1000
        #expect(after.catalog["m1"]?.since == Timestamp.parse("2025-06-01"))
    }

    @Test func aLateRecordedDeliveryShowsWithAtButNotWithAnEarlierKnown() throws {
        let clock = ManualClock(Timestamp.parse("2025-09-01")!)
        let store = InMemoryEventStore(clock: clock)
        try store.append([try d("site.opened site=s1 name=One effective=2025-01-01"),
                          try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
                          try d("chips.delivered site=s1 model=m1 quantity=100 effective=2025-08-01")])
        clock.set(Timestamp.parse("2025-11-05")!)
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=50 effective=2025-09-15")])
        let engine = QueryEngine(store: store, clock: clock)
        let at = Timestamp.parse("2025-09-30")!
        #expect(try engine.state(PointInTime(at: .time(at))).fleet().first?.delivered == 150)
        #expect(try engine.state(PointInTime(at: .time(at), known: Timestamp.parse("2025-11-01")!)).fleet().first?.delivered == 100)
    }

    @Test func aVoidCountsNowhereFromItsRecordingOn() throws {
        let clock = ManualClock(Timestamp.parse("2025-09-01")!)
        let store = InMemoryEventStore(clock: clock)
        try store.append([try d("investment.committed investor=a recipient=b usd=100 effective=2025-01-01"),
                          try d("investment.committed investor=a recipient=b usd=7 effective=2025-01-02")])
        clock.set(Timestamp.parse("2025-10-01")!)
        try store.append([try d("event.voided target=2 reason=typo"),
                          try d("investment.committed investor=a recipient=b usd=70 effective=2025-01-02")])
        let engine = QueryEngine(store: store, clock: clock)
        #expect(try engine.state(PointInTime()).committedUSD == 170)
        #expect(try engine.state(PointInTime(known: Timestamp.parse("2025-09-15")!)).committedUSD == 107)
        #expect(try engine.state(PointInTime(at: .seq(2))).committedUSD == 107)
        #expect(try engine.state(PointInTime(at: .seq(3))).committedUSD == 100)
    }

    @Test func atSeqEqualsTheExportPrefixLoadedAlone() throws {
        let (store, engine) = try strandedSite()
        try store.append([try d("rack.retired site=s1 rack=r-1 effective=2025-03-07"),
                          try d("event.voided target=8 reason=x"),
                          try d("power.released site=s1 mw=0.05 effective=2025-03-08")])
        let lines = try store.eventsWithHashes().map { EventJSON.line($0.0, hash: $0.1.hex) }
        for n in 0...store.ledger.count {
            let prefix = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
            if n > 0 { try prefix.append(try EventBatch.parse(lines.prefix(n).joined(separator: "\n"))) }
            let alone = QueryEngine(store: prefix, clock: ManualClock(Timestamp.parse("2026-01-01")!))
            #expect(try engine.state(PointInTime(at: .seq(n))) == alone.state(PointInTime()), "at=#\(n)")
        }
    }

    @Test func trainingEstimate() throws {
        let (_, engine) = try strandedSite()
        let out = try engine.run("train params=1.8T tokens=15T mfu=0.5")
        // 6 × 1.8e12 × 15e12 = 1.62e26 FLOPs; 12.8 PFLOPS × 0.5 → 1.62e26 / 6.4e15 / 86400 days.
        let days = 1.62e26 / (12.8e15 * 0.5) / 86_400
        #expect(Renderer.render(out, as: .json) == #"{"at":"now","known":"now","flops":1.62e+26,"pflops":12.8,"mfu":0.5,"days":\#(Format.json(days)),"precision":"bf16"}"#)
    }

    /// 6·params·tokens and the days figure overflow a Double long before the inputs do; each is an
    /// error naming the figure instead of an infinity in the output (or a scientific form that never
    /// ends looking for the exponent of one).
    @Test func trainFiguresTooLargeForADoubleAreErrors() throws {
        let (_, engine) = try strandedSite()
        #expect(errorMessage { try engine.run("train params=1e200 tokens=1e200") }
            == "train: the FLOPs figure 6·params·tokens is too large (above 1.798×10^308); lower params= or tokens=")
        #expect(errorMessage { try engine.run("train params=1e308T tokens=1") } == "train: params=1e308T is too large (at most 1.798×10^308)")
        // 6e300 FLOPs over 12.8 PFLOPS at mfu 1e-300.
        #expect(errorMessage { try engine.run("train params=1e300 tokens=1 mfu=1e-300") }
            == "train: the days figure FLOPs / (PFLOPS·10^15·mfu) is too large (above 1.798×10^308); lower params= or tokens=, or raise mfu=")
        let out = try engine.run("train params=1e200 tokens=1e100")
        #expect(out.rows[0] == [.text("params"), .quantity(1e200, shown: "1×10^200")])
        #expect(out.rows[2] == [.text("FLOPs (6·params·tokens)"), .quantity(6e300, shown: "6×10^300")])
        // 6e300 / (12.8e15 × 0.4) / 86,400 days.
        #expect(Renderer.render(out, as: .table).hasSuffix("\ndays                     1.356×10^280"))
    }

    /// The most TFLOPS a definition accepts, on the most chips one rack can hold and the least power
    /// one can draw, still gives finite PFLOPS, PFLOPS/MW and training days. (The most chips: the
    /// delivery and the rack's chips counted twice stay within the ledger's totals, see
    /// `AmountTotals`, so a third of `Int64.max`.)
    @Test func theLargestTFLOPSOnTheMostChipsStaysFinite() throws {
        let store = InMemoryEventStore(name: "test", clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([
            try d("site.opened site=s1 name=Site-one effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=1e9 fp8_tflops=1e9 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=3074457345618258602 effective=2025-01-02"),
            try d("power.allocated site=s1 mw=0.000001 effective=2025-01-02"),
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=3074457345618258602 kw=0.001 effective=2025-01-03"),
        ])
        let engine = QueryEngine(store: store)
        #expect(Renderer.render(try engine.run("capacity precision=fp8 by=fleet"), as: .json)
            == #"{"at":"now","known":"now","by":"fleet","precision":"fp8","rows":[{"energized":3074457345618258602,"pflops":3.0744573456182584e+24,"drawn_mw":0.000001,"pflops_per_mw":3.0744573456182584e+30}]}"#)
        // 6e300 FLOPs / (3.07e24 PFLOPS · 10^15 · 0.4) / 86,400 s.
        #expect(Renderer.render(try engine.run("train params=1e150 tokens=1e150"), as: .json).contains(#""pflops":3.0744573456182584e+24,"mfu":0.4,"days":5.64688631502866"#))
        #expect(errorMessage { try d("chip.model.defined model=m2 vendor=V bf16_tflops=1000000001 fp8_tflops=1") }
            == #"chip.model.defined: field "bf16_tflops" is too large (at most 1,000,000,000 TFLOPS per chip), got 1000000001"#)
    }

    /// A range that ends before the first event is charted like one that starts before it: with
    /// zero points. Only without from= is there nothing to start from.
    @Test func timelineBeforeTheFirstEventIsZeroPoints() throws {
        let (_, engine) = try strandedSite()
        #expect(Renderer.render(try engine.run("timeline metric=chips every=day from=2020-01-01 to=2020-01-03"), as: .json)
            == #"{"at":"now","known":"now","metric":"chips","every":"day","points":[{"at":"2020-01-01","value":0},{"at":"2020-01-02","value":0},{"at":"2020-01-03","value":0}]}"#)
        #expect(Renderer.render(try engine.run("timeline metric=chips every=day from=2024-12-31 to=2025-01-01"), as: .json)
            == #"{"at":"now","known":"now","metric":"chips","every":"day","points":[{"at":"2024-12-31","value":0},{"at":"2025-01-01","value":0}]}"#)
        #expect(errorMessage { try engine.run("timeline metric=chips every=day to=2020-01-03") }
            == "timeline: no events count by to=2020-01-03 (known now), so there is no first event to start from; give from=")
        let empty = QueryEngine(store: try makeStore(opening: false))
        #expect(errorMessage { try empty.run("timeline metric=chips every=day") } == "timeline: no events count at now (known now)")
        #expect(Renderer.render(try empty.run("timeline metric=usd every=day from=2025-01-01 to=2025-01-01"), as: .json)
            == #"{"at":"now","known":"now","metric":"usd","every":"day","points":[{"at":"2025-01-01","value":0}]}"#)
    }

    /// JSON gives the FLOPs in full; the table rounds them to at most 4 significant digits.
    @Test func trainFLOPsAreFullInJSONAndRoundedInTheTable() throws {
        let (_, engine) = try strandedSite()
        let out = try engine.run("train params=1.23456T tokens=1T")
        #expect(Renderer.render(out, as: .json).hasPrefix(#"{"at":"now","known":"now","flops":7.40736e+24,"#))
        #expect(out.rows[2] == [.text("FLOPs (6·params·tokens)"), .quantity(7.40736e24, shown: "7.407×10^24")])
    }

    /// stats counts only what is effective by at=: at now, not an event effective later.
    @Test func statsLeavesOutEventsEffectiveAfterAt() throws {
        let (store, engine) = try strandedSite()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2026-06-01")])
        let now = Renderer.render(try engine.run("stats"), as: .json)
        #expect(now.hasPrefix(#"{"events":7,"voided":0,"#) && now.contains(#""first_effective":"2025-01-01","last_effective":"2025-03-04","#))
        let later = Renderer.render(try engine.run("stats at=2026-12-31"), as: .json)
        #expect(later.hasPrefix(#"{"events":8,"voided":0,"#) && later.contains(#""first_effective":"2025-01-01","last_effective":"2026-06-01","#))
    }

    /// stats read from the packed columns gives what counting the events themselves gives, at
    /// effective and recorded cuts and at a seq, with voids among them.
    @Test func statsEqualCountingTheEvents() throws {
        let (store, clock) = try ProjectionPropertyTests.history(seed: 77, count: 3_000)
        let engine = QueryEngine(store: store, clock: clock)
        let events = store.ledger.events
        let mid = events[1_500].recorded
        for (words, p) in [("", PointInTime()), (" at=2024-03-01", PointInTime(at: .time(Timestamp.parse("2024-03-01")!))),
                           (" at=#2000", PointInTime(at: .seq(2_000))), (" known=\(mid.iso8601)", PointInTime(known: mid)),
                           (" at=2022-01-01", PointInTime(at: .time(Timestamp.parse("2022-01-01")!)))] {
            let v = engine.view(p)
            let counted = events.prefix(v.seqLimit).filter { $0.effective <= v.effectiveLimit }
            let voided = counted.filter { store.ledger.voidedBy[$0.seq].map { $0 <= v.seqLimit } ?? false }.count
            let rows = try engine.run("stats" + words).rows
            func value(_ name: String) -> Cell? { rows.first { $0[0] == .text(name) }?[1] }
            #expect(value("events") == .int(Int64(counted.count)), "\(words)")
            #expect(value("voided") == .int(Int64(voided)), "\(words)")
            #expect(value("first_effective") == counted.map(\.effective).min().map { .text($0.shortString) } ?? .null, "\(words)")
            #expect(value("last_effective") == counted.map(\.effective).max().map { .text($0.shortString) } ?? .null, "\(words)")
            #expect(value("first_recorded") == counted.first.map { .text($0.recorded.iso8601) } ?? .null, "\(words)")
            #expect(value("last_recorded") == counted.last.map { .text($0.recorded.iso8601) } ?? .null, "\(words)")
        }
        #expect(store.ledger.voidedBy.count > 5)
    }

    /// `log`'s filter, reading the packed records first and walking back from the end with a
    /// limit, picks exactly the events that filtering every event picks.
    @Test func logFiltersPickWhatFilteringEveryEventPicks() throws {
        let (store, _) = try ProjectionPropertyTests.history(seed: 31, count: 2_000)
        let ledger = store.ledger
        let all = Array(ledger.events)
        var checked = 0
        for type in [nil, EventType.rackInstalled, .eventVoided, .siteOpened] {
            for site in [nil, "site-b", "no-such-site"] {
                // Bounds on events' own effective times too (a bound includes its time).
                for (since, until) in [(nil, nil), (Timestamp.parse("2024-01-01"), Timestamp.parse("2024-06-30")), (nil, Timestamp.parse("2023-03-01")),
                                       (all[700].effective, all[900].effective)] {
                    for limit in [nil, 0, 1, 7, 5_000] {
                        for (upTo, by) in [(nil, nil), (1_200, Timestamp.parse("2025-01-01"))] as [(Int?, Timestamp?)] {
                            var f = EventFilter()
                            (f.type, f.site, f.since, f.until, f.limit) = (type, site, since, until, limit)
                            var expected = Array(all.prefix(upTo ?? all.count)).filter { e in
                                (by.map { e.effective <= $0 } ?? true) && (type.map { e.type == $0 } ?? true) && (site.map { e.body.site == $0 } ?? true)
                                    && (since.map { e.effective >= $0 } ?? true) && (until.map { e.effective <= $0 } ?? true)
                            }
                            if let limit, expected.count > limit { expected = Array(expected.suffix(limit)) }
                            #expect(f.apply(ledger, upTo: upTo, effectiveBy: by) == expected, "\(String(describing: type)) \(site ?? "-") \(String(describing: limit))")
                            checked += expected.count
                        }
                    }
                }
            }
        }
        #expect(checked > 10_000)
    }

    /// stats at cuts that fall between recorded times: the first and last recorded of the events
    /// counted, and a void counted only once it is known.
    @Test func statsAtCutsBetweenRecordedTimes() throws {
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = InMemoryEventStore(name: "t", clock: clock)
        for words in ["site.opened site=s1 name=One effective=2025-01-01",
                      "chip.model.defined model=m1 vendor=V bf16_tflops=1 fp8_tflops=2 effective=2025-01-01",
                      "chips.delivered site=s1 model=m1 quantity=64 effective=2025-02-01",
                      "chips.delivered site=s1 model=m1 quantity=64 effective=2025-09-01",
                      "event.voided target=3 reason=typo effective=2025-03-01"] {
            try store.append([try d(words)])
            clock.advance(seconds: 86_400)
        }
        let engine = QueryEngine(store: store, clock: clock)
        func stats(_ words: String) throws -> String { Renderer.render(try engine.run("stats" + words), as: .json) }
        #expect(try stats("").hasPrefix(#"{"events":5,"voided":1,"#))
        #expect(try stats("").hasSuffix(#""first_effective":"2025-01-01","last_effective":"2025-09-01","first_recorded":"2026-01-01T00:00:00Z","last_recorded":"2026-01-05T00:00:00Z"}"#))
        // Before the void is known: not voided.
        #expect(try stats(" known=2026-01-04").hasPrefix(#"{"events":4,"voided":0,"#))
        #expect(try stats(" at=#4").hasSuffix(#""last_recorded":"2026-01-04T00:00:00Z"}"#))
        // Effective by 2025-06-01: seqs 1, 2, 3 and the void; the last of them recorded on day 5.
        #expect(try stats(" at=2025-06-01").hasPrefix(#"{"events":4,"voided":1,"#))
        #expect(try stats(" at=2025-06-01").hasSuffix(#""first_effective":"2025-01-01","last_effective":"2025-03-01","first_recorded":"2026-01-01T00:00:00Z","last_recorded":"2026-01-05T00:00:00Z"}"#))
        #expect(try stats(" at=2024-01-01").hasSuffix(#""first_effective":null,"last_effective":null,"first_recorded":null,"last_recorded":null}"#))
    }

    @Test func zeroCapacityIsAClearMessage() throws {
        let store = try makeStore()
        let engine = QueryEngine(store: store)
        #expect(errorMessage { try engine.run("train params=1B tokens=1B") }
            == "train: the fleet has no energized capacity at now (known now); pick a later at= or check power allocations")
    }

    @Test func racksWithoutPowerAreStranded() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=192 effective=2025-03-01"),
                          try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45 effective=2025-03-02"),
                          try d("rack.installed site=s1 rack=r-2 model=m1 chips=64 kw=45 effective=2025-03-03"),
                          try d("rack.installed site=s1 rack=r-3 model=m1 chips=64 kw=45 effective=2025-03-04")])
        let engine = QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!))
        for useIndex in [true, false] {
            engine.useIndex = useIndex
            let none = try engine.figures(PointInTime())
            #expect(none.fleet(site: nil, model: nil).first?.energized == 0)
            #expect(none.power(site: nil).first?.drawn == .zero)
        }
        try store.append([try d("power.allocated site=s1 mw=0.1 effective=2025-03-05")])
        for useIndex in [true, false] {
            engine.useIndex = useIndex
            let some = try engine.figures(PointInTime())
            #expect(some.fleet(site: nil, model: nil).first?.energized == 128)
            #expect(some.power(site: nil).first?.drawn == Power(watts: 90_000))
            #expect(some.power(site: nil).first?.headroom == Power(watts: 10_000))
        }
    }
}
