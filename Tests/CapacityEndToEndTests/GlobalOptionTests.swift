import Foundation
import Testing

/// Options every command takes may come before the subcommand (git -C, psql -d); psql's -c and
/// -f and sqlite3's --csv and --json work at the top level; help needs no ledger.
struct GlobalOptionTests {
    let events = """
        {"type":"site.opened","site":"s1","name":"One","power_cap_mw":100,"effective":"2025-01-01"}
        {"type":"chip.model.defined","model":"m1","vendor":"V","bf16_tflops":667,"fp8_tflops":1299,"effective":"2025-01-01"}
        {"type":"chips.delivered","site":"s1","model":"m1","quantity":640,"effective":"2025-02-01"}

        """

    @Test func theLedgerOptionBeforeTheSubcommand() throws {
        var cli = CLI()
        cli.env["CAPACITY_LEDGER"] = cli.dir + "/elsewhere.ledger"
        let path = cli.dir + "/fleet.ledger"
        var r = try cli.run(["--ledger", path, "append", "--verbose", "-"], input: events)
        #expect(r.status == 0)
        #expect(r.out == "#1 site.opened\n#2 chip.model.defined\n#3 chips.delivered\n")
        r = try cli.run(["--ledger=\(path)", "--wait", "5", "append", "investment.committed", "investor=a", "recipient=b", "usd=1"])
        #expect(r.out == "#4 investment.committed\n")
        r = try cli.run(["--ledger", path, "--json", "verify"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix(#"{"ok":true,"events":4,"#))
        #expect(!FileManager.default.fileExists(atPath: cli.dir + "/elsewhere.ledger"))
    }

    @Test func psqlsDashCAndDashF() throws {
        let cli = CLI()
        #expect(try cli.run(["append", "-"], input: events).status == 0)
        var r = try cli.run(["--csv", "-c", "fleet", "-c", "power site=s1"])
        #expect(r.status == 0)
        #expect(r.out == """
            site,model,delivered,installed,energized,stranded,retired,undeployed
            s1,m1,640,0,0,0,0,640
            site,cap_mw,allocated_mw,drawn_mw,headroom_mw
            s1,100,0,0,0

            """)
        // An error is reported and the next command still runs; the exit code is the first failure's.
        r = try cli.run(["-c", "flet", "--json", "-c", "sites"])
        #expect(r.status == 65)
        #expect(r.err.hasPrefix("capacity: unknown command \"flet\""))
        #expect(r.out.hasPrefix(#"{"at":"now","known":"now","rows":[{"site":"s1""#))
        try "models\nsites\n".write(toFile: cli.dir + "/q.repl", atomically: true, encoding: .utf8)
        r = try cli.run(["-f", cli.dir + "/q.repl"])
        #expect(r.status == 0)
        #expect(r.out.contains("m1") && r.out.contains("One"))
    }

    @Test func aTopLevelOptionWithoutItsValueIsAUsageError() throws {
        let cli = CLI()
        var r = try cli.run(["-c"])
        #expect(r.status == 64)
        #expect(r.err == "Error: -c takes a command: capacity -c 'fleet at=2025-10-29'\n")
        r = try cli.run(["--csv", "-f"])
        #expect(r.status == 64)
        #expect(r.err == "Error: -f takes a file of commands (- for standard input)\n")
    }

    @Test func helpNeedsNoLedger() throws {
        let cli = CLI()
        for args in [["query", "help fleet"], ["-c", ".help fleet"]] {
            let r = try cli.run(args)
            #expect(r.status == 0, "\(args)")
            #expect(r.out.hasPrefix("fleet [by=site|model|region|vendor] [site=] [model=]\n"), "\(args)")
        }
        #expect(!FileManager.default.fileExists(atPath: cli.ledger))
    }
}
