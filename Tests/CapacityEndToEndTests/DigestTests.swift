import Foundation
import Testing

/// A digest kept elsewhere proves later that the ledger still holds the history it names: a
/// rollback, a cut or another ledger put in its place fails `verify --digest`.
struct DigestTests {
    func append(_ cli: CLI, _ usd: Int) throws {
        let r = try cli.run(["append", "investment.committed", "investor=a", "recipient=b", "usd=\(usd)"])
        #expect(r.status == 0, "\(r.err)")
    }

    @Test func aLedgerThatGrewExtendsItsDigestAndARollbackDoesNot() throws {
        let cli = CLI()
        for usd in 1...3 { try append(cli, usd) }
        var r = try cli.run(["digest"])
        #expect(r.status == 0)
        let digest = r.out.trimmingCharacters(in: .newlines)
        let words = digest.split(separator: " ")
        #expect(words.count == 5)
        #expect(words[0] == "capacity-digest/1" && words[1] == "test" && words[2] == "3")
        let verified = try cli.run(["verify"])
        #expect(verified.out.hasPrefix("ok: 3 events, head \(words[3])\n"))
        let copy = try cli.bytes()

        try append(cli, 4)
        r = try cli.run(["verify", "--digest", digest])
        #expect(r.status == 0)
        #expect(r.out.hasSuffix("extends the digest test of 3 events taken \(words[4])\n"))

        // A file of digests: each must hold; comments and blank lines are skipped.
        r = try cli.run(["digest"])
        let later = r.out.trimmingCharacters(in: .newlines)
        let file = cli.dir + "/digests.txt"
        try "# kept by the finance team\n\(digest)\n\n\(later)\n".write(toFile: file, atomically: true, encoding: .utf8)
        r = try cli.run(["verify", "--digest", file, "--json"])
        #expect(r.status == 0)
        #expect(r.out.contains(#""digests_extended":2"#))

        // Rolled back to the earlier copy: the later digest fails, the earlier still holds.
        try cli.write(copy, to: cli.ledger)
        r = try cli.run(["verify", "--digest", file])
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("capacity: the ledger does not extend the digest test of 4 events taken "))
        #expect(r.err.hasSuffix(": it holds 3 events (it was rolled back to an earlier copy, cut, or replaced by another ledger)\n"))
        #expect(try cli.run(["verify", "--digest", digest]).status == 0)
    }

    @Test func anotherLedgerInItsPlaceFailsWithTheHashesShown() throws {
        let cli = CLI()
        for usd in 1...3 { try append(cli, usd) }
        let digest = try cli.run(["digest"]).out.trimmingCharacters(in: .newlines)
        // The same kind of events, recorded at other times: another history of the same size.
        try FileManager.default.removeItem(atPath: cli.ledger)
        for usd in 1...5 { try append(cli, usd) }
        let r = try cli.run(["verify", "--digest", digest, "--json"])
        #expect(r.status == 1)
        #expect(r.out.hasPrefix(#"{"ok":false,"error":"the ledger does not extend the digest test of 3 events taken "#))
        #expect(r.out.contains("after seq 3 its hash chain gives "))
        #expect(r.out.contains("(the history up to seq 3 was rewritten, or this is another ledger)"))
    }

    @Test func aDigestThatDoesNotParseIsAUsageError() throws {
        let cli = CLI()
        try append(cli, 1)
        let cases = [
            ("capacity-digest/1 test 3 abc 2026-01-01T00:00:00Z", #"the head "abc" is not 64 hex digits"#),
            ("capacity-digest/1 test x " + String(repeating: "0", count: 64) + " 2026-01-01T00:00:00Z", #"the event count "x" is not a whole number"#),
            ("capacity-digest/1 test 3", "3 words instead of 5"),
        ]
        for (line, why) in cases {
            let r = try cli.run(["verify", "--digest", line])
            #expect(r.status == 64)
            #expect(r.err == "capacity: not a ledger digest (\(why)); a digest reads capacity-digest/1 NAME EVENTS HEAD TIME, as capacity digest prints it\n")
        }
        let r = try cli.run(["verify", "--digest", cli.dir + "/missing.txt"])
        #expect(r.status == 64)
        #expect(r.err == "capacity: --digest takes a digest line (capacity-digest/1 …) or a file of them: cannot open \(cli.dir)/missing.txt: No such file or directory\n")
    }
}
