import Foundation
import Testing

/// Outputs never overwrite a file the ledger uses, and a write that fails is an error (exit 74)
/// naming the destination, never a silent success.
struct OutputSafetyTests {
    let events = """
        {"type":"site.opened","site":"s1","name":"One","power_cap_mw":100,"effective":"2025-01-01"}
        {"type":"chip.model.defined","model":"m1","vendor":"V","bf16_tflops":667,"fp8_tflops":1299,"effective":"2025-01-01"}
        {"type":"chips.delivered","site":"s1","model":"m1","quantity":640,"effective":"2025-02-01"}
        {"type":"rack.installed","site":"s1","rack":"r-1","model":"m1","chips":64,"kw":45,"effective":"2025-03-01"}

        """

    func ledger() throws -> CLI {
        let cli = CLI()
        let r = try cli.run(["append", "-"], input: events)
        #expect(r.status == 0)
        return cli
    }

    @Test func anSVGNeverReplacesTheLedgerOrItsCheckpoint() throws {
        let cli = try ledger()
        let before = try cli.bytes()
        let timeline = "timeline metric=pflops every=month from=2025-01-01 to=2025-06-01"
        try FileManager.default.createSymbolicLink(atPath: cli.dir + "/link.svg", withDestinationPath: cli.ledger)
        try FileManager.default.linkItem(atPath: cli.ledger, toPath: cli.dir + "/hard.svg")
        for (target, shown) in [(cli.ledger, cli.ledger), (cli.dir + "/link.svg", cli.dir + "/link.svg"), (cli.dir + "/hard.svg", cli.dir + "/hard.svg")] {
            let r = try cli.run(["query", "\(timeline) svg=\(target)"])
            #expect(r.status == 65)
            #expect(r.err == "capacity: refusing to write \(shown): it is the ledger \(cli.ledger); name another file\n")
            #expect(r.out.isEmpty)
        }
        let r = try cli.run(["query", "\(timeline) svg=\(cli.ledger).ckpt"])
        #expect(r.err == "capacity: refusing to write \(cli.ledger).ckpt: it is a file the ledger \(cli.ledger) uses: \(cli.ledger).ckpt; name another file\n")
        #expect(try cli.bytes() == before)
        #expect(!FileManager.default.fileExists(atPath: cli.ledger + ".ckpt"))
    }

    @Test func dotOutputNeverReplacesTheLedger() throws {
        let cli = try ledger()
        let before = try cli.bytes()
        try FileManager.default.createSymbolicLink(atPath: cli.dir + "/out.txt", withDestinationPath: cli.ledger)
        let r = try cli.run(["repl", "--batch"], input: ".output \(cli.dir)/out.txt\nfleet\n")
        #expect(r.status == 65)
        #expect(r.err == "line 1: refusing to write \(cli.dir)/out.txt: it is the ledger \(cli.ledger); name another file\n")
        #expect(r.out.contains("total"))  // the query after it went to standard output
        #expect(try cli.bytes() == before)
    }

    @Test func writesThatFailAreErrors() throws {
        let cli = try ledger()
        for args in [["export"], ["log"], ["query", "fleet"], ["export", "--format", "csv"]] {
            let r = try cli.runShell("capacity " + args.joined(separator: " ") + " > /dev/full")
            #expect(r.status == 74, "\(args)")
            #expect(r.err == "capacity: cannot write standard output: No space left on device\n", "\(args)")
        }
        var r = try cli.run(["query", "timeline metric=pflops every=month from=2025-01-01 to=2025-06-01 svg=/dev/full"])
        #expect(r.status == 74)
        #expect(r.err == "capacity: cannot write /dev/full: No space left on device\n")
        #expect(!r.out.contains("wrote"))
        r = try cli.run(["repl", "--batch"], input: ".output /dev/full\nfleet\n")
        #expect(r.status == 65)
        #expect(r.err == "line 2: cannot write /dev/full: No space left on device; results go to standard output again\n")
    }

    /// A closed pipe is a write that failed, not a signal that ends the process unheard.
    @Test func aClosedPipeIsReportedWithExit74() throws {
        let cli = try ledger()
        // Enough output that the reader's end is closed before it is all written.
        var lines = ""
        for i in 2...3000 { lines += #"{"type":"chips.delivered","site":"s1","model":"m1","quantity":\#(i),"effective":"2025-02-01"}"# + "\n" }
        #expect(try cli.run(["append", "-"], input: lines).status == 0)
        let p = try cli.runShell("{ capacity export; echo \"status $?\" >&2; } | head -c 10 > /dev/null")
        #expect(p.err.contains("capacity: cannot write standard output: Broken pipe\n"))
        #expect(p.err.hasSuffix("status 74\n"))
    }

    @Test func anOutputFileAppearsWholeWhenTheConsoleLeavesIt() throws {
        let cli = try ledger()
        let out = cli.dir + "/report.txt"
        try "old contents\n".write(toFile: out, atomically: true, encoding: .utf8)
        let r = try cli.run(["repl", "--batch"], input: ".output \(out)\nsites\n.output stdout\nmodels\n")
        #expect(r.status == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("site"))
        #expect(text.contains("One"))
        #expect(!text.contains("old contents"))
        #expect(r.out.contains("m1"))
        let left = try FileManager.default.contentsOfDirectory(atPath: cli.dir).filter { $0.contains(".tmp.") }
        #expect(left.isEmpty)
    }
}
