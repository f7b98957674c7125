import Foundation
import Testing

struct LedgerCommandTests {
    let opening = """
        {"type":"site.opened","site":"rainier-in","name":"Project Rainier","power_cap_mw":2200,"effective":"2024-09-01"}
        {"type":"chip.model.defined","model":"trainium2","vendor":"AWS","bf16_tflops":667,"fp8_tflops":1299,"effective":"2024-12-03"}
        {"type":"chips.delivered","site":"rainier-in","model":"trainium2","quantity":64000,"effective":"2025-10-01"}

        """

    @Test func appendPrintsSeqAndTypeAndExitCodesFollowSysexits() throws {
        let cli = CLI()
        var r = try cli.run(["log"])
        #expect(r.status == 74)
        #expect(r.err == "capacity: no ledger at \(cli.ledger) (append or import events to create one, or name another with --ledger or $CAPACITY_LEDGER)\n")
        r = try cli.run(["append", "-"], input: opening)
        #expect(r.status == 0)
        // A batch: one summary line, as psql's COPY prints; --verbose lists each event.
        #expect(r.out.hasPrefix("appended 3 events, #1–#3, in "))
        #expect(r.out.hasSuffix(" s; head \(try cli.run(["verify", "--json"]).out.split(separator: "\"")[7].prefix(12))…\n"))
        r = try cli.run(["append", "rack.installed", "site=rainier-in", "rack=r-0017", "model=trainium2", "chips=64", "kw=45", "effective=2025-10-03"])
        #expect(r.out == "#4 rack.installed\n")
        r = try cli.run(["append", "rack.installed", "site=rainier-in", "rack=r-0017", "model=trainium2", "chips=64", "kw=45"])
        #expect(r.status == 65)
        #expect(r.err.hasPrefix("capacity: rack.installed r-0017: rack r-0017 is already active at rainier-in"))
        r = try cli.run(["append", "rack.installed", "site=rainier-in", "chips"])
        #expect(r.status == 64)
        #expect(r.err == "capacity: expected key=value, got \"chips\"\n")
        r = try cli.run(["append", "--bogus"])
        #expect(r.status == 64)
        r = try cli.run(["append", "--json", "investment.committed", "investor=amazon", "recipient=anthropic", "usd=4000000000", "effective=2024-11-22"])
        #expect(r.out.hasPrefix(#"{"seq":5,"type":"investment.committed","effective":"2024-11-22","recorded":""#))
        #expect(r.out.contains(#""usd":4000000000,"hash":""#))
    }

    /// A batch prints one summary line (events, seqs, time, head), as psql's COPY does;
    /// --verbose lists each event, --quiet prints nothing.
    @Test func aBatchPrintsOneSummaryLine() throws {
        let cli = CLI()
        var r = try cli.run(["append", "--verbose", "-"], input: opening)
        #expect(r.out == "#1 site.opened\n#2 chip.model.defined\n#3 chips.delivered\n")
        let line = #"{"type":"investment.committed","investor":"a","recipient":"b","usd":1}"# + "\n"
        r = try cli.run(["append", "-"], input: line)
        #expect(r.out.hasPrefix("appended 1 event, #4, in "))
        try (line + line).write(toFile: cli.dir + "/two.jsonl", atomically: true, encoding: .utf8)
        r = try cli.run(["import", cli.dir + "/two.jsonl"])
        #expect(r.out.hasPrefix("appended 2 events, #5–#6, in "))
        r = try cli.run(["import", "-q", cli.dir + "/two.jsonl"])
        #expect(r.status == 0 && r.out.isEmpty)
        r = try cli.run(["import", "-v", cli.dir + "/two.jsonl"])
        #expect(r.out == "#9 investment.committed\n#10 investment.committed\n")
    }

    @Test func aBadLineInABatchAppendsNothing() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: opening)
        var lines: [String] = []
        for i in 1...1000 {
            let chips = i == 500 ? 64000 : 64
            lines.append(#"{"type":"rack.installed","site":"rainier-in","rack":"r-\#(i)","model":"trainium2","chips":\#(chips),"kw":45,"effective":"2025-10-02"}"#)
        }
        try lines.joined(separator: "\n").write(toFile: cli.dir + "/batch.jsonl", atomically: true, encoding: .utf8)
        let before = try cli.bytes()
        let r = try cli.run(["import", cli.dir + "/batch.jsonl"])
        #expect(r.status == 65)
        #expect(r.err == "capacity: line 500: rack.installed r-500: site rainier-in has 32,064 undeployed trainium2 chips at 2025-10-02 (delivered 64,000, installed 31,936); the rack needs 64,000\n")
        #expect(try cli.bytes() == before)
    }

    @Test func parallelWritersLoseNothing() throws {
        let cli = CLI()
        let script = """
            i=0
            while [ $i -lt 250 ]; do
              capacity append investment.committed investor=w$W recipient=anthropic usd=$((i+1)) > /dev/null || exit 1
              i=$((i+1))
            done
            """
        var procs: [Process] = []
        for w in 1...4 {
            procs.append(try cli.shell("W=\(w); " + script))
        }
        for p in procs { p.waitUntilExit() }
        #expect(procs.allSatisfy { $0.terminationStatus == 0 })
        let r = try cli.run(["verify", "--json"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix(#"{"ok":true,"events":1000,"head":""#))
        // Every writer's 250 events are there, each exactly once, in the order it wrote them.
        let log = try cli.run(["log", "--json"]).out.split(separator: "\n")
        #expect(log.count == 1000)
        for w in 1...4 {
            let mine = log.filter { $0.contains(#""investor":"w\#(w)""#) }
            let amounts = mine.compactMap { line -> Int? in
                guard let r = line.range(of: #""usd":"#) else { return nil }
                return Int(line[r.upperBound...].prefix { $0.isNumber })
            }
            #expect(amounts == Array(1...250))
        }
    }

    @Test func truncatedLastRecordReopensVerifiesAndAcceptsTheNextAppend() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: opening)
        let sizeBefore = try cli.bytes().count
        try cli.run(["append", "rack.installed", "site=rainier-in", "rack=r-1", "model=trainium2", "chips=64", "kw=45", "effective=2025-10-03"])
        let full = try cli.bytes()
        var c = cli
        for cut in sizeBefore..<full.count {
            c.env["CAPACITY_LEDGER"] = cli.dir + "/cut.ledger"
            try c.write(Array(full[0..<cut]), to: c.ledger)
            let v = try c.run(["verify", "--json"])
            #expect(v.status == 0, "cut \(cut): \(v.err)")
            #expect(v.out.hasPrefix(#"{"ok":true,"events":3,"#), "cut \(cut)")
            let a = try c.run(["append", "rack.installed", "site=rainier-in", "rack=r-2", "model=trainium2", "chips=64", "kw=45", "effective=2025-10-04"])
            #expect(a.out == "#4 rack.installed\n", "cut \(cut)")
            #expect(a.err.contains("removed an unfinished batch") == (cut > sizeBefore), "cut \(cut)")
            #expect(try c.run(["verify", "--json"]).out.hasPrefix(#"{"ok":true,"events":4,"#))
        }
    }

    @Test func countsOfOneAreSingular() throws {
        let cli = CLI()
        try cli.run(["append", "site.opened", "site=s1", "name=S", "effective=2025-01-01"])
        var r = try cli.run(["verify"])
        #expect(r.out.hasPrefix("ok: 1 event, head "))
        try cli.run(["append", "-"], input: opening)
        let size = try cli.bytes().count
        // One byte of a frame whose length says more follow: a torn write.
        try cli.write(try cli.bytes() + [0x05], to: cli.ledger)
        r = try cli.run(["verify"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix("ok: 4 events, head "))
        #expect(r.err == "warning: 1 byte after the last commit is ignored (a frame at byte offset \(size) is cut short); the next append removes it\n")
        r = try cli.run(["append", "investment.committed", "investor=amazon", "recipient=anthropic", "usd=1"])
        #expect(r.err.contains("removed an unfinished batch of 1 byte after seq 4 "))
    }

    @Test func logLimitMustNotBeNegative() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: opening)
        for args in [["log", "--limit", "-1"], ["log", "--limit=-1"]] {
            let r = try cli.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.err == "capacity: --limit must be a whole number ≥ 0, got -1\n", "\(args)")
            #expect(r.out == "", "\(args)")
        }
        let r = try cli.run(["log", "--limit", "1", "--json"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix(#"{"seq":3,"type":"chips.delivered""#))
    }

    /// Damage found while the file is opened is reported by `verify --json` as any other: a JSON
    /// line on standard output, the message on standard error, exit 1.
    @Test func verifyJSONReportsDamageFoundWhileOpening() throws {
        let cli = CLI()
        try cli.run(["append", "site.opened", "site=rainier-in", "name=Project Rainier", "power_cap_mw=2200", "acres=1200",
                     "effective=2024-09-01", "recorded=2025-01-02T09:00:00Z"])
        var bytes = try cli.bytes()
        // The annotated example of docs/log-format.md: the commit frame at 0x61 = 97 is its length
        // (34), its CRC, the commit kind and seq 1, then the hash.
        #expect(bytes.count == 136 && bytes[97] == 34 && bytes[102] == 0x40 && bytes[103] == 1)
        bytes[103] = 2
        let crc = Self.crc32c(bytes[102..<136])
        bytes.replaceSubrange(98..<102, with: withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        try cli.write(bytes, to: cli.ledger)
        let message = "log damaged at byte offset 97: commit record names seq 2 but the last record is seq 1"
        var r = try cli.run(["verify", "--json"])
        #expect(r.status == 1)
        #expect(r.out == #"{"ok":false,"error":"\#(message)"}"# + "\n")
        #expect(r.err == "capacity: \(message)\n")
        bytes[16] ^= 1  // the creation time: the header CRC no longer matches
        try cli.write(bytes, to: cli.ledger)
        r = try cli.run(["verify", "--json"])
        #expect(r.status == 1)
        #expect(r.out.hasPrefix(#"{"ok":false,"error":""#) && r.out.hasSuffix(#"the ledger header is damaged (CRC mismatch at byte offset 0)"}"# + "\n"))
        #expect(r.err.hasSuffix(": the ledger header is damaged (CRC mismatch at byte offset 0)\n"))
    }

    static func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func aFlippedByteMakesVerifyExit1NamingTheSeq() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: opening)
        let seq4At = try cli.bytes().count
        try cli.run(["append", "investment.committed", "investor=amazon", "recipient=anthropic", "usd=1250000000"])
        try cli.run(["append", "investment.committed", "investor=google", "recipient=anthropic", "usd=2000000000"])
        var bytes = try cli.bytes()
        bytes[seq4At + 7] ^= 0x20
        try cli.write(bytes, to: cli.ledger)
        let r = try cli.run(["verify"])
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("capacity: log damaged at byte offset \(seq4At) (seq 4): CRC mismatch"))
        let j = try cli.run(["verify", "--json"])
        #expect(j.status == 1)
        #expect(j.out.hasPrefix(#"{"ok":false,"error":"log damaged at byte offset \#(seq4At) (seq 4)"#))
    }

    @Test func exportThenImportIntoANewLedgerGivesTheSameHeadHash() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: opening)
        try cli.run(["append", "event.voided", "target=3", "reason=keyed twice"])
        let exported = try cli.run(["export"]).out
        var copy = cli
        copy.env["CAPACITY_LEDGER"] = cli.dir + "/copy.ledger"
        try exported.write(toFile: cli.dir + "/export.jsonl", atomically: true, encoding: .utf8)
        let imported = try copy.run(["import", cli.dir + "/export.jsonl"])
        #expect(imported.status == 0, "\(imported.err)")
        // The same events and head hash; the file itself differs only in its batch boundaries.
        let head = { (s: String) in s.components(separatedBy: #""head":""#).last?.prefix(64) }
        let a = try cli.run(["verify", "--json"]).out, b = try copy.run(["verify", "--json"]).out
        #expect(head(a) != nil && head(a) == head(b))
        #expect(try copy.run(["export"]).out == exported)
        // Importing the same export again is rejected: seq 1 does not follow.
        let again = try copy.run(["import", cli.dir + "/export.jsonl"])
        #expect(again.status == 65)
        #expect(again.err.hasPrefix("capacity: line 1: seq 1 does not follow this ledger, whose next seq is 5"))
        let csv = try cli.run(["export", "--format", "csv"]).out.split(separator: "\n")
        #expect(csv.first?.hasPrefix("seq,type,effective,recorded,site,name,region,power_cap_mw,acres,pue,model,vendor") == true)
        #expect(csv.count == 5)
    }
}

struct LedgerEdgeTests {
    @Test func aRefusedFirstAppendLeavesNoFile() throws {
        let cli = CLI()
        let r = try cli.run(["append", "chips.delivered", "site=nowhere", "model=m", "quantity=1"])
        #expect(r.status == 65)
        #expect(!FileManager.default.fileExists(atPath: cli.ledger))
    }

    @Test func anEmptyOrHalfWrittenHeaderIsAnEmptyLedger() throws {
        let cli = CLI()
        try cli.write(Array("CAPLE".utf8), to: cli.ledger)
        #expect(try cli.run(["verify", "--json"]).out.hasPrefix(#"{"ok":true,"events":0,"#))
        let a = try cli.run(["append", "investment.committed", "investor=a", "recipient=b", "usd=1"])
        #expect(a.out == "#1 investment.committed\n")
        #expect(try cli.run(["verify", "--json"]).out.hasPrefix(#"{"ok":true,"events":1,"#))
    }

    @Test func oversizedTextIsRefusedBeforeItReachesTheLog() throws {
        let cli = CLI()
        let name = String(repeating: "x", count: 4097)
        let r = try cli.run(["append", "site.opened", "site=s", "name=\(name)"])
        #expect(r.status == 65)
        #expect(r.err == "capacity: site.opened: field \"name\" is 4097 bytes; at most 4096 are allowed\n")
    }

    @Test func aNumberWithALeadingZeroIsRefusedNamingTheLineAndField() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: LedgerCommandTests().opening)
        let before = try cli.bytes()
        // Enough lines of the common shape that the file is read on a thread of its own.
        var lines = (1...5000).map { _ in #"{"type":"chips.delivered","site":"rainier-in","model":"trainium2","quantity":1}"# }
        lines[4199] = #"{"type":"chips.delivered","site":"rainier-in","model":"trainium2","quantity":01}"#
        try lines.joined(separator: "\n").write(toFile: cli.dir + "/zero.jsonl", atomically: true, encoding: .utf8)
        let r = try cli.run(["import", cli.dir + "/zero.jsonl"])
        #expect(r.status == 65)
        #expect(r.err == #"capacity: line 4200: invalid JSON at column 78: bad number for "quantity" (JSON numbers have no leading zeros)"# + "\n")
        #expect(try cli.bytes() == before)
    }

    @Test func aControlCharacterInANameIsRefusedAndNothingIsStored() throws {
        let cli = CLI()
        let r = try cli.run(["append", "site.opened", "site=s1", "name=a\u{1}b"])
        #expect(r.status == 65)
        #expect(r.err == "capacity: site.opened: field \"name\" must not contain control characters, got U+0001\n")
        #expect(!FileManager.default.fileExists(atPath: cli.ledger))
        let opened = try cli.run(["import", "-"], input: #"{"type":"site.opened","site":"s1","name":"a\u0000b"}"# + "\n")
        #expect(opened.status == 65)
        #expect(opened.err == "capacity: line 1: site.opened: field \"name\" must not contain control characters, got U+0000\n")
        #expect(!FileManager.default.fileExists(atPath: cli.ledger))
    }

    /// Bytes that are not UTF-8 in an argument are refused, as in JSON input, not stored as U+FFFD.
    @Test func anArgumentThatIsNotUTF8IsRefusedNamingTheField() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: LedgerCommandTests().opening)
        let before = try cli.bytes()
        let bad = #"$(printf '\377\376')"#
        var r = try cli.runShell("capacity append chips.delivered site=rainier-in model=trainium2 quantity=1 note=\(bad)")
        #expect(r.status == 65)
        #expect(r.err == "capacity: chips.delivered: field \"note\" is not valid UTF-8\n")
        r = try cli.runShell("capacity append chips.delivered site=rainier-in model=trainium2 quantity=1 n\(bad)te=x")
        #expect(r.status == 65)
        #expect(r.err == "capacity: chips.delivered: a field name is not valid UTF-8\n")
        r = try cli.runShell("capacity append chips.delivered\(bad) site=rainier-in")
        #expect(r.status == 65)
        #expect(r.err == "capacity: field \"type\" is not valid UTF-8\n")
        #expect(try cli.bytes() == before)
        // U+FFFD itself, in valid UTF-8, is text like any other.
        r = try cli.run(["append", "chips.delivered", "site=rainier-in", "model=trainium2", "quantity=1", "note=\u{FFFD}"])
        #expect(r.status == 0 && r.out == "#4 chips.delivered\n", "\(r.err)")
        // Query words too.
        r = try cli.runShell("capacity query \"fleet site=rainier\(bad)\"")
        #expect(r.status == 65)
        #expect(r.err == "capacity: fleet: option \"site\" is not valid UTF-8\n")
        r = try cli.runShell("capacity query fleet at=now \(bad)")
        #expect(r.status == 65)
        #expect(r.err == "capacity: fleet: \"\u{FFFD}\u{FFFD}\" is not valid UTF-8\n")
    }

    /// An empty import is an accepted batch: into a missing ledger it creates the ledger, empty,
    /// so that `verify` and the next append find it (an export of an empty ledger restores).
    @Test func anEmptyImportCreatesAnEmptyLedgerAndSaysSo() throws {
        let cli = CLI()
        try "\n  \n".write(toFile: cli.dir + "/empty.jsonl", atomically: true, encoding: .utf8)
        var r = try cli.run(["import", cli.dir + "/empty.jsonl"])
        #expect(r.status == 0)
        #expect(r.out == "")
        #expect(r.err == "capacity: \(cli.dir)/empty.jsonl holds no events; created the empty ledger \(cli.ledger)\n")
        r = try cli.run(["verify", "--json"])
        #expect(r.status == 0 && r.out.hasPrefix(#"{"ok":true,"events":0,"#), "\(r.err)")
        #expect(try cli.run(["export"]).out == "")
        r = try cli.run(["import", "-"], input: "")
        #expect(r.status == 0 && r.err == "capacity: standard input holds no events; nothing was appended\n")
        #expect(try cli.run(["import", "--quiet", "-"], input: "").err == "")
        r = try cli.run(["append", "investment.committed", "investor=a", "recipient=b", "usd=1"])
        #expect(r.out == "#1 investment.committed\n")
        #expect(try cli.run(["verify", "--json"]).out.hasPrefix(#"{"ok":true,"events":1,"#))
    }

    @Test func appendJSONPrintsTheStoredHashes() throws {
        let cli = CLI()
        let r = try cli.run(["append", "--json", "investment.committed", "investor=a", "recipient=b", "usd=1"])
        let exported = try cli.run(["export"]).out
        #expect(r.out == exported)
    }
}

struct CheckpointCommandTests {
    /// `capacity query` in its common form starts without the argument parser; `--bail` (no
    /// effect on a single command) sends the same question through the parser. Both give the
    /// same output, messages and exit codes.
    @Test func theQuickStartOfAQueryAnswersAsTheParsedCommandDoes() throws {
        let cli = CLI()
        try cli.run(["append", "-"], input: LedgerCommandTests().opening)
        let cases: [[String]] = [
            ["fleet"], ["--json", "power"], ["--format", "csv", "sites"], ["--ledger", cli.ledger, "capacity", "by=site"],
            ["no-such-command"], ["fleet", "at=someday"], ["--ledger", cli.dir + "/missing.ledger", "fleet"],
        ]
        for args in cases {
            let quick = try cli.run(["query"] + args), parsed = try cli.run(["query", "--bail"] + args)
            #expect(quick.status == parsed.status && quick.out == parsed.out && quick.err == parsed.err, "\(args): \(quick.err) / \(parsed.err)")
        }
        #expect(try cli.run(["query", "no-such-command"]).status == 65)
        #expect(try cli.run(["query", "--ledger", cli.dir + "/missing.ledger", "fleet"]).status == 74)
        // Anything else is the parser's: help, a bad format, no command.
        #expect(try cli.run(["query", "--format", "xml", "fleet"]).status == 64)
        #expect(try cli.run(["query", "--help"]).out.contains("USAGE: capacity query"))
    }

    /// `capacity append` with an event's words starts without the argument parser too; the
    /// `--ledger=PATH` spelling goes through the parser. Two ledgers given the same appends the
    /// two ways answer alike, refusals included, and end with the same events.
    @Test func theQuickStartOfAnAppendAppendsAsTheParsedCommandDoes() throws {
        let cli = CLI()
        let (a, b) = (cli.dir + "/quick.ledger", cli.dir + "/parsed.ledger")
        for path in [a, b] { try cli.run(["append", "--ledger", path, "-"], input: LedgerCommandTests().opening) }
        let appends: [[String]] = [
            ["chips.delivered", "site=rainier-in", "model=trainium2", "quantity=640", "effective=2025-10-01"],
            ["--json", "rack.installed", "site=rainier-in", "rack=r-1", "model=trainium2", "chips=64", "kw=45", "effective=2025-10-02"],
            ["rack.installed", "site=rainier-in", "rack=r-1", "model=trainium2", "chips=64", "kw=45", "effective=2025-10-03"],
            ["no.such.type", "site=rainier-in"], ["chips.delivered", "site=rainier-in"],
        ]
        for words in appends {
            let quick = try cli.run(["append", "--ledger", a] + words), parsed = try cli.run(["append", "--ledger=\(b)"] + words)
            #expect(quick.status == parsed.status && quick.err == parsed.err, "\(words): \(quick.err) / \(parsed.err)")
            // The same events, so the same lines; --json lines differ only in the recorded time and hash.
            #expect(quick.out.prefix(40) == parsed.out.prefix(40), "\(words)")
        }
        let logs = try [a, b].map { try cli.run(["log", "--ledger", $0]).out.split(separator: "\n").map { $0.prefix(30) } }
        #expect(logs[0] == logs[1] && logs[0].count > 5)
        #expect(try cli.run(["append", "--ledger", a, "rack.installed", "site=rainier-in", "rack=r-1", "model=trainium2", "chips=64", "kw=45"]).status == 65)
    }

    @Test func queriesAnswerTheSameWithAndWithoutTheCheckpoint() throws {
        var cli = CLI()
        cli.env["CAPACITY_CHECKPOINT_MIN_EVENTS"] = "0"
        let gen = try cli.run(["generate", "3000", "--seed", "5", "--profile", "ample"])
        try cli.run(["import", "-"], input: gen.out)
        let questions = ["fleet at=2024-06-01", "capacity by=model at=2025-01-01", "power", "investments", "train params=1T tokens=1T",
                         "sites", "sites at=2022-06-01", "models at=2024-01-01", "diff 2024-01-01 2025-01-01", "diff #100 2025-01-01"]
        func reference(_ q: String) throws -> String { try cli.run(["query", "--file", "-"], input: q + "\n").out }
        for q in questions { #expect(try cli.run(["query", q]).out == reference(q), "\(q), first run") }
        #expect(FileManager.default.fileExists(atPath: cli.ledger + ".ckpt"))
        // A writer starts from the checkpoint; one reaching behind its window reads the whole log
        // and leaves a new checkpoint, which the next writer uses.
        cli.env["CAPACITY_CHECKPOINT_DEBUG"] = "1"
        let behind = try cli.run(["append", "chips.delivered", "site=site-a", "model=b200", "quantity=64", "effective=2024-01-01"])
        #expect(behind.status == 0 && behind.err.contains("append: reachedBehind"), "\(behind.err)")
        let used = try cli.run(["append", "rack.installed", "site=site-a", "rack=e2e-1", "model=b200", "chips=64", "kw=45"])
        #expect(used.status == 0 && used.err.contains("append: used"), "\(used.err)")
        let refused = try cli.run(["append", "rack.installed", "site=site-a", "rack=e2e-1", "model=b200", "chips=64", "kw=45"])
        #expect(refused.status == 65 && refused.err.contains("rack e2e-1 is already active at site-a"), "\(refused.err)")
        cli.env["CAPACITY_CHECKPOINT_DEBUG"] = nil
        #expect(try cli.run(["verify"]).status == 0)
        for q in questions { #expect(try cli.run(["query", q]).out == reference(q), "\(q), with a tail") }
        // The console answers from the checkpoint until a question needs the index.
        for q in questions + ["fleet at=#2000", "fleet"] {
            #expect(try cli.run(["--batch"], input: q + "\n").out == reference(q), "\(q), console")
        }
        try cli.write(Array("garbage".utf8), to: cli.ledger + ".ckpt")
        for q in questions { #expect(try cli.run(["query", q]).out == reference(q), "\(q), damaged checkpoint") }
    }
}
