@testable import CapacityConsole
@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// Tables that fit the terminal: a table wider than `RenderOptions.width` is shown in the first
/// compact form that fits (headers without units and a legend, then numbers without
/// separators); when none fits, `\x auto` expands it and otherwise it is shown as it is. Without
/// a width, and in JSON and CSV, nothing changes.
struct CompactTableTests {
    /// The demo history at the transcripts' fixed "now".
    let engine = QueryEngine(store: TranscriptTests.demo, clock: ManualClock(TranscriptTests.now))

    func render(_ query: String, width: Int?, expanded: RenderOptions.Expanded = .off, headers: Bool = true,
                as format: OutputFormat = .table) throws -> String {
        Renderer.render(try engine.run(query), as: format, options: RenderOptions(headers: headers, expanded: expanded, width: width))
    }

    func lines(_ text: String) -> [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false) }

    func widest(_ text: String) -> Int { lines(text).map(\.count).max() ?? 0 }

    @Test func fleetAtEightyColumns() throws {
        #expect(widest(try render("fleet at=2026-12-31", width: nil)) == 133)
        let text = try render("fleet at=2026-12-31", width: 80)
        #expect(text == """
            fleet at 2026-12-31, known now
            site        model      delivered  installed  energized  strand  retired  undepl
            ----------  ---------  ---------  ---------  ---------  ------  -------  ------
            azure-gb    b200         180,000    180,000    180,000       0        0       0
            gcp-tpu     tpu-v7       999,936    999,936    999,936       0        0       0
            rainier-in  trainium2  1,008,000  1,001,600  1,001,600       0        0   6,400
            ----------  ---------  ---------  ---------  ---------  ------  -------  ------
            total                  2,187,936  2,181,536  2,181,536       0        0   6,400
            columns: delivered, installed, energized, stranded, retired, undeployed (chips)
            """)
        #expect(widest(text) <= 80)
        // The same with `\x auto`: it fits, so it is not expanded.
        #expect(try render("fleet at=2026-12-31", width: 80, expanded: .auto) == text)
        let then = try render("fleet at=2025-10-29", width: 80)
        #expect(then.contains("\nrainier-in  trainium2    534,784    500,032    500,032       0        0  34,752\n"))
        #expect(widest(then) <= 80)
    }

    @Test func fleetAtSixtyColumnsFitsNoFormAndExpandsOnlyWithAuto() throws {
        let full = try render("fleet at=2026-12-31", width: nil)
        #expect(try render("fleet at=2026-12-31", width: 60) == full)
        let expanded = try render("fleet at=2026-12-31", width: 60, expanded: .auto)
        #expect(expanded.hasPrefix("fleet at 2026-12-31, known now\n-[ RECORD 1 ]"))
        #expect(expanded.contains("\nundeployed (chips) | 6,400\n"))
        #expect(!expanded.contains("columns:"))
    }

    @Test func capacityFitsEightyAsItIsAndSixtyCompact() throws {
        let full = try render("capacity at=2026-12-31", width: nil)
        #expect(widest(full) == 67)
        #expect(try render("capacity at=2026-12-31", width: 80) == full)
        let text = try render("capacity at=2026-12-31", width: 60)
        #expect(text == """
            capacity at 2026-12-31, known now
            site        energized       PFLOPS      drawn  PFLOPS/MW
            ----------  ---------  -----------  ---------  ---------
            azure-gb      180,000    450,000.0    325.000    1,384.6
            gcp-tpu       999,936  2,306,852.4  1,093.680    2,109.3
            rainier-in  1,001,600    668,067.2    704.250      948.6
            ----------  ---------  -----------  ---------  ---------
            total       2,181,536  3,424,919.6  2,122.930    1,613.3
            columns: energized (chips); PFLOPS (bf16); drawn (MW)
            """)
        #expect(widest(text) <= 60)
        #expect(try render("capacity precision=fp8 at=2026-12-31", width: 60).hasSuffix("\ncolumns: energized (chips); PFLOPS (fp8); drawn (MW)"))
    }

    @Test func powerFitsEightyAsItIsAndSixtyCompact() throws {
        let full = try render("power at=2026-12-31", width: nil)
        #expect(widest(full) == 64)
        #expect(try render("power at=2026-12-31", width: 80) == full)
        let text = try render("power at=2026-12-31", width: 60)
        // `allocated` keeps its name: its figures are as wide.
        #expect(text == """
            power at 2026-12-31, known now
            site              cap  allocated      drawn  headroom
            ----------  ---------  ---------  ---------  --------
            azure-gb    1,000.000    400.000    325.000    75.000
            gcp-tpu                1,100.000  1,093.680     6.320
            rainier-in  2,200.000    730.000    704.250    25.750
            rainier-ms                 0.000      0.000     0.000
            rainier-pa                 0.000      0.000     0.000
            ----------  ---------  ---------  ---------  --------
            total                  2,230.000  2,122.930   107.070
            columns: cap, allocated, drawn, headroom (MW)
            """)
        #expect(widest(text) <= 60)
    }

    /// The demo's site names are wider than any terminal here: no compact form helps.
    @Test func sitesWithLongNamesStayAsTheyAreOrExpand() throws {
        let full = try render("sites at=2026-12-31", width: nil)
        #expect(widest(full) > 80)
        for width in [80, 60] {
            #expect(try render("sites at=2026-12-31", width: width) == full)
            #expect(try render("sites at=2026-12-31", width: width, expanded: .auto).hasPrefix("sites at 2026-12-31, known now\n-[ RECORD 1 ]"))
        }
    }

    /// Short names: the unit goes to the legend when that makes the table fit.
    @Test func sitesWithShortNamesFitCompact() throws {
        let store = try makeStore(cap: "power_cap_mw=10")
        let out = try QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!)).run("sites")
        let full = Renderer.render(out, as: .table)
        #expect(full == """
            site  name      region  cap (MW)   pue  acres  opened
            ----  --------  ------  --------  ----  -----  ----------
            s1    Site-one            10.000  1.00         2025-01-01
            """)
        for width in [80, 60, 57] { #expect(Renderer.render(out, as: .table, options: RenderOptions(width: width)) == full) }
        let text = Renderer.render(out, as: .table, options: RenderOptions(width: 55))
        #expect(text == """
            site  name      region     cap   pue  acres  opened
            ----  --------  ------  ------  ----  -----  ----------
            s1    Site-one          10.000  1.00         2025-01-01
            columns: cap (MW)
            """)
        #expect(widest(text) <= 55)
    }

    /// Where the compact headers are not enough, numbers lose their separators; a legend wider
    /// than the terminal wraps under a hanging indent.
    @Test func numbersWithoutSeparatorsAndAWrappedLegend() throws {
        let text = try render("capacity by=fleet at=2026-12-31", width: 50)
        #expect(text == """
            capacity at 2026-12-31, known now
            fleet  energized     PFLOPS     drawn  PFLOPS/MW
            -----  ---------  ---------  --------  ---------
            fleet    2181536  3424919.6  2122.930     1613.3
            columns: energized (chips); PFLOPS (bf16);
                     drawn (MW)
            """)
        #expect(widest(text) <= 50)
        // Numbers stay right-aligned, and `alloc` is used once the figures are narrower.
        let power = try render("power at=2026-12-31", width: 50)
        #expect(lines(power)[1] == "site             cap     alloc     drawn  headroom")
        #expect(lines(power)[3] == "azure-gb    1000.000   400.000   325.000    75.000")
        #expect(widest(power) <= 50)
    }

    @Test func unchangedWithoutAWidthOrWhenItFits() throws {
        for query in ["fleet", "capacity", "power", "sites", "fleet at=2025-10-29", "capacity by=fleet at=2026-12-31", "models", "investments"] {
            let out = try engine.run(query)
            let plain = Renderer.render(out, as: .table)
            // 140 columns, or the table's own width where it is wider (the demo's sites).
            for width in [nil, 200, max(140, widest(plain))] as [Int?] {
                #expect(Renderer.render(out, as: .table, options: RenderOptions(width: width)) == plain, "\(query) \(width ?? 0)")
                #expect(Renderer.render(out, as: .table, options: RenderOptions(expanded: .auto, width: width)) == plain)
            }
            // JSON and CSV are data: never narrowed.
            for format in [OutputFormat.json, .csv] {
                #expect(Renderer.render(out, as: format, options: RenderOptions(width: 40)) == Renderer.render(out, as: format))
            }
            // `\x on` expands whatever the width.
            #expect(Renderer.render(out, as: .table, options: RenderOptions(expanded: .on, width: 60))
                    == Renderer.render(out, as: .table, options: RenderOptions(expanded: .on)))
        }
    }

    /// With headers off the compact headers still narrow the columns; there is no legend, as
    /// there are no headers to explain.
    @Test func headersOffNarrowsWithoutALegend() throws {
        let text = try render("fleet at=2026-12-31", width: 80, headers: false)
        #expect(!text.contains("columns:"))
        #expect(widest(text) <= 80)
        #expect(lines(text)[1] == "azure-gb    b200         180,000    180,000    180,000       0        0       0")
    }

    @Test func compactHeaders() {
        #expect(Column("undeployed", "undeployed (chips)").headerParts == ("undeployed", "chips"))
        #expect(Column("pflops", "PFLOPS (bf16)").headerParts == ("PFLOPS", "bf16"))
        #expect(Column("pflops_per_mw", "PFLOPS/MW").headerParts == ("PFLOPS/MW", nil))
        #expect(Column("site").headerParts == ("site", nil))
        #expect(Column("undeployed", "undeployed (chips)").compactHeader(fitting: 6) == "undepl")
        #expect(Column("undeployed", "undeployed (chips)").compactHeader(fitting: 10) == "undeployed")
        #expect(Column("stranded", "Δ stranded").compactHeader(fitting: 1) == "Δ strand")
        #expect(Column("drawn_mw", "drawn (MW)").compactHeader(fitting: 1) == "drawn")
        #expect(Column("pflops", "fleet PFLOPS (bf16)").compactHeader(fitting: 9) == "fleet PFLOPS")
        // Every abbreviation is the start of its word, so that the legend's full name reads back.
        for (word, short) in Column.abbreviations { #expect(word.hasPrefix(short) && short.count < word.count) }
    }

    /// The rows of `next` and `prev` are narrowed as query results are.
    @Test func stepsFitTheTerminal() throws {
        let out = BufferOutput()
        let session = Session(engine: QueryEngine(store: TranscriptTests.demo, clock: ManualClock(TranscriptTests.now)), out: out, err: out)
        try session.run("at 2025-10-29")
        try session.run("next")
        #expect(widest(out.text) == 108)
        session.terminalWidth = { 100 }
        try session.run("next")
        #expect(out.text.hasSuffix("""
               seq  effective   event                                 fleet PFLOPS  energized    drawn
            ------  ----------  ------------------------------------  ------------  ---------  -------
            #11807  2025-10-30  rack.installed r-07815 at rainier-in     333,606.7    500,160  351.675
            columns: fleet PFLOPS (bf16); energized (chips); drawn (MW)

            """))
    }

    /// The console narrows results for the terminal only: not those sent to a file with
    /// `.output` or `.once`.
    @Test func resultsToAFileAreNeverNarrowed() throws {
        let out = BufferOutput()
        let session = Session(engine: QueryEngine(store: TranscriptTests.demo, clock: ManualClock(TranscriptTests.now)), out: out, err: out)
        session.terminalWidth = { 80 }
        try session.run("fleet at=2026-12-31")
        #expect(out.text.contains("columns: delivered"))
        #expect(widest(out.text) <= 80)
        let dir = temporaryDirectory("capacity-compact")
        try session.run(".once \(dir)/once.txt")
        try session.run("fleet at=2026-12-31")
        try session.run(".output \(dir)/output.txt")
        try session.run("fleet at=2026-12-31")
        try session.run(".output stdout")
        let full = try render("fleet at=2026-12-31", width: nil) + "\n"
        #expect(String(decoding: fileBytes(dir + "/once.txt"), as: UTF8.self) == full)
        #expect(String(decoding: fileBytes(dir + "/output.txt"), as: UTF8.self) == full)
    }
}
