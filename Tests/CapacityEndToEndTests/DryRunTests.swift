import Foundation
import Testing

/// `capacity append --dry-run`: the event or batch checked, the rows it would change printed,
/// nothing written.
struct DryRunTests {
    func ledger() throws -> CLI {
        let cli = CLI()
        let r = try cli.run(["append", "--file", "-"], input: """
            {"type":"site.opened","site":"s1","name":"S1","power_cap_mw":10,"effective":"2025-01-01"}
            {"type":"chip.model.defined","model":"m1","vendor":"V","bf16_tflops":100,"fp8_tflops":200,"effective":"2025-01-01"}
            {"type":"chips.delivered","site":"s1","model":"m1","quantity":128,"effective":"2025-02-01"}

            """)
        #expect(r.status == 0, "\(r.err)")
        return cli
    }

    @Test func aDryRunPrintsTheRowsThatWouldChangeAndWritesNothing() throws {
        let cli = try ledger()
        let before = try cli.bytes()
        let r = try cli.run(["append", "--dry-run", "chips.delivered", "site=s1", "model=m1", "quantity=64", "effective=2030-01-01"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out == """
            dry run: 1 event would be appended as #4; nothing was written
            fleet at 2030-01-01, known now
            change  site  model  delivered (chips)  installed (chips)  energized (chips)  stranded (chips)  retired (chips)  undeployed (chips)
            ------  ----  -----  -----------------  -----------------  -----------------  ----------------  ---------------  ------------------
            before  s1    m1                   128                  0                  0                 0                0                 128
            after   s1    m1                   192                  0                  0                 0                0                 192
            power at 2030-01-01: no row changes

            """)
        #expect(try cli.bytes() == before)
    }

    @Test func aDryRunOfABatchThatBreaksARuleFailsAsTheAppendWould() throws {
        let cli = try ledger()
        let before = try cli.bytes()
        let batch = """
            {"type":"power.allocated","site":"s1","mw":4,"effective":"2025-03-01"}
            {"type":"power.allocated","site":"s1","mw":7,"effective":"2025-03-01"}

            """
        let dry = try cli.run(["append", "--dry-run", "--file", "-"], input: batch)
        #expect(dry.status == 65)
        #expect(dry.err == "capacity: line 2: power.allocated: site s1 would have 11 MW allocated at 2025-03-01, over its cap of 10 MW (4 MW already allocated then)\n")
        #expect(try cli.bytes() == before)
        let real = try cli.run(["append", "--file", "-"], input: batch)
        #expect(real.err == dry.err)
        #expect(try cli.bytes() == before)
    }

    @Test func aDryRunAsJSONGivesEachChangedRow() throws {
        let cli = try ledger()
        let r = try cli.run(["append", "--dry-run", "--json", "power.allocated", "site=s1", "mw=2", "effective=2030-01-01"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].contains(#""change":"before""#) && lines[1].contains(#""change":"after""#))
    }

    @Test func queryWithAFileAnswersAsIfItsEventsWereAppended() throws {
        let cli = try ledger()
        let before = try cli.bytes()
        let plan = cli.dir + "/plan.jsonl"
        try #"{"type":"chips.delivered","site":"s1","model":"m1","quantity":64,"effective":"2030-01-01"}"#.appending("\n")
            .write(toFile: plan, atomically: true, encoding: .utf8)
        var r = try cli.run(["query", "--with", plan, "--json", "fleet at=2030-06-01"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains(#""delivered":192"#))
        #expect(r.err == "note: answering with 1 event of \(plan) as #4, not written\n")
        r = try cli.run(["query", "--json", "fleet at=2030-06-01"])
        #expect(r.out.contains(#""delivered":128"#))
        // A speculative event that breaks a rule: the query is refused, naming the file and line.
        try #"{"type":"power.released","site":"s1","mw":1}"#.appending("\n").write(toFile: plan, atomically: true, encoding: .utf8)
        r = try cli.run(["query", "--with", plan, "fleet"])
        #expect(r.status == 65)
        #expect(r.err.hasPrefix("capacity: --with \(plan): line 1: power.released: site s1 has 0 MW allocated at "))
        #expect(try cli.bytes() == before)
    }
}
