import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A writer that cannot get the lock, or cannot grow the file, says so and exits with its code;
/// the ledger is left as it was.
struct WriterLimitTests {
    @Test func aWriterGivesUpOnAHeldLockNamingTheHolder() throws {
        let cli = CLI()
        #expect(try cli.run(["append", "investment.committed", "investor=a", "recipient=b", "usd=1"]).status == 0)
        let before = try cli.bytes()
        let fd = open(cli.ledger, O_RDONLY)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)
        let r = try cli.run(["append", "--wait", "0.3", "investment.committed", "investor=a", "recipient=b", "usd=2"])
        #expect(r.status == 75)
        #expect(r.err == "capacity: \(cli.ledger) is locked by another writer (pid \(getpid())); gave up after 0.3 s (--wait SECONDS waits longer)\n")
        #expect(try cli.bytes() == before)
        flock(fd, LOCK_UN)
        #expect(try cli.run(["append", "--wait", "0.3", "investment.committed", "investor=a", "recipient=b", "usd=2"]).out == "#2 investment.committed\n")
    }

    /// Past `ulimit -f` the write fails with EFBIG (the signal is ignored), is reported, and the
    /// batch is cut back: no ledger is left where there was none.
    @Test func aFileSizeLimitIsAnErrorNotASignal() throws {
        let cli = CLI()
        var lines = ""
        for i in 1...4000 { lines += #"{"type":"investment.committed","investor":"a","recipient":"b","usd":\#(i)}"# + "\n" }
        try lines.write(toFile: cli.dir + "/many.jsonl", atomically: true, encoding: .utf8)
        let r = try cli.runShell("ulimit -f 20; capacity import \(cli.dir)/many.jsonl")
        #expect(r.status == 74)
        #expect(r.err == "capacity: cannot write \(cli.ledger): File too large\n")
        #expect(!FileManager.default.fileExists(atPath: cli.ledger))
    }

    /// An endless line on any reader stops it with the line's number, in bounded memory.
    @Test func endlessInputIsRefusedByEveryReader() throws {
        let cli = CLI()
        #expect(try cli.run(["append", "investment.committed", "investor=a", "recipient=b", "usd=1"]).status == 0)
        let before = try cli.bytes()
        let cases: [(String, String)] = [
            ("capacity query --file /dev/zero", "line 1: longer than 1,048,576 bytes, the longest line accepted; /dev/zero was not read further\n"),
            ("capacity repl --batch < /dev/zero", "line 1: longer than 1,048,576 bytes, the longest line accepted; standard input was not read further\n"),
            ("capacity import /dev/zero", "capacity: line 1: longer than 1,048,576 bytes, the longest line accepted; /dev/zero was not read further\n"),
            ("echo '.read /dev/zero' | capacity repl --batch", "line 1: .read /dev/zero: line 1: longer than 1,048,576 bytes, the longest line accepted; /dev/zero was not read further\n"),
        ]
        for (script, message) in cases {
            let r = try cli.runShell(script)
            #expect(r.status == 65, "\(script)")
            #expect(r.err == message, "\(script)")
        }
        #expect(try cli.bytes() == before)
    }
}
