import Foundation
import Testing

/// `capacity recover`: every committed event before the damage, as `export` writes it, and
/// exactly what was lost, on standard error.
struct RecoverCommandTests {
    /// A ledger of a site and three batches of 100 investments. Returns the export's lines and
    /// the file's size after each batch.
    func ledger(_ cli: CLI) throws -> (lines: [String], ends: [Int]) {
        try cli.run(["append", "site.opened", "site=s1", "name=One", "effective=2025-01-01"])
        var ends = [try cli.bytes().count]
        for b in 1...3 {
            let lines = (0..<100).map { i in
                #"{"type":"investment.committed","investor":"inv-\#(i % 7)","recipient":"lab-\#(b)","usd":\#(1000 + i),"effective":"2025-01-01"}"#
            }
            let file = cli.dir + "/batch\(b).jsonl"
            try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try cli.run(["import", "-q", file]).status == 0)
            ends.append(try cli.bytes().count)
        }
        let export = try cli.run(["export"])
        #expect(export.status == 0)
        return (export.out.split(separator: "\n").map(String.init), ends)
    }

    func hash(_ line: String) -> String {
        String(line[line.range(of: #""hash":""#)!.upperBound...].prefix(64))
    }

    @Test func anUndamagedLedgerIsExportedWholeAndExitsZero() throws {
        let cli = CLI()
        let (lines, _) = try ledger(cli)
        let r = try cli.run(["recover"])
        #expect(r.status == 0)
        #expect(r.out == lines.joined(separator: "\n") + "\n")
        #expect(r.err == "recover: the ledger is not damaged: wrote all 301 events (seq 1–301) to standard output, head \(hash(lines[300]))\n")
    }

    @Test func aDamagedLedgerGivesEveryEventBeforeTheDamageAndSaysWhatWasLost() throws {
        let cli = CLI()
        let (lines, ends) = try ledger(cli)
        // One bit of the first record of the third batch (seq 202), after its length and CRC.
        var bytes = try cli.bytes()
        bytes[ends[2] + 7] ^= 0x10
        try cli.write(bytes, to: cli.ledger)
        let commit = ends[3] - (1 + 4 + 1 + 2 + 32)  // the commit frame of seq 301
        let damage = "log damaged at byte offset \(ends[2]) (seq 202): CRC mismatch; committed data follows at byte offset \(commit), so this is not a torn write"

        // Readers and writers stop; a writer points to recover.
        #expect(try cli.run(["verify"]).err == "capacity: \(damage)\n")
        let appended = try cli.run(["append", "investment.committed", "investor=x", "recipient=y", "usd=1"])
        #expect(appended.status == 1)
        #expect(appended.err == "capacity: \(damage); run capacity recover to save the events before the damage\n")
        #expect(try cli.bytes() == bytes)

        let saved = cli.dir + "/saved.jsonl"
        let r = try cli.run(["recover", "--output", saved])
        #expect(r.status == 1)
        #expect(r.out == "")
        #expect(r.err == """
            recover: \(damage)
            recover: the last good seq is 201, head \(hash(lines[200])), committed by the commit record that ends at byte offset \(ends[2])
            recover: \(Self.grouped(bytes.count - ends[2])) bytes follow it, to the end of the file, and are not saved
            recover: 1 commit record can still be found in them, naming seq 301 (byte offset \(commit)): events up to seq 301 existed, so seq 202–301 are lost
            recover: wrote 201 events (seq 1–201) to \(saved)

            """)
        #expect(try String(contentsOfFile: saved, encoding: .utf8) == lines.prefix(201).joined(separator: "\n") + "\n")
        // The same lines on standard output.
        #expect(try cli.run(["recover"]).out == lines.prefix(201).joined(separator: "\n") + "\n")

        // They restore the events before the damage, with the same hashes.
        let restored = cli.dir + "/restored.ledger"
        #expect(try cli.run(["import", "-q", saved, "--ledger", restored]).status == 0)
        #expect(try cli.run(["verify", "--ledger", restored]).out == "ok: 201 events, head \(hash(lines[200]))\n")

        // The output never replaces the ledger.
        let refused = try cli.run(["recover", "--output", cli.ledger])
        #expect(refused.status == 65)
        #expect(refused.err == "capacity: refusing to write \(cli.ledger): it is the ledger \(cli.ledger); name another file\n")
        #expect(try cli.bytes() == bytes)
    }

    /// Zeros from a commit to the end of the file read like an append that never landed; the
    /// checkpoint beside the ledger shows the last batch was acknowledged.
    @Test func zerosOverAnAcknowledgedBatchAreReportedFromTheCheckpoint() throws {
        let cli = CLI()
        let (lines, ends) = try ledger(cli)
        // A query writes the checkpoint, at seq 301 (for a ledger this small, when told to).
        var querying = cli
        querying.env["CAPACITY_CHECKPOINT_MIN_EVENTS"] = "1"
        #expect(try querying.run(["query", "investments"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: cli.ledger + ".ckpt"))
        var bytes = try cli.bytes()
        for i in ends[2]..<bytes.count { bytes[i] = 0 }
        try cli.write(bytes, to: cli.ledger)
        let tail = Self.grouped(bytes.count - ends[2])
        let damage = "log damaged at byte offset \(ends[2]): the checkpoint beside it was built at seq 301, but the log holds 201 events, then \(tail) bytes that read like a write that never landed (the file ends in zero bytes from byte offset \(ends[2]), where a write never landed); acknowledged events were lost (unless the ledger was replaced after the checkpoint was written: then delete the checkpoint), so this is not a torn write"
        let advice = "; run capacity recover to save the events before the damage"
        let verified = try cli.run(["verify"])
        #expect(verified.status == 1)
        #expect(verified.err == "capacity: \(damage)\(advice)\n")
        let appended = try cli.run(["append", "investment.committed", "investor=x", "recipient=y", "usd=1"])
        #expect(appended.status == 1)
        #expect(appended.err == "capacity: \(damage)\(advice)\n")
        #expect(try cli.bytes() == bytes)
        let r = try cli.run(["recover"])
        #expect(r.status == 1)
        #expect(r.out == lines.prefix(201).joined(separator: "\n") + "\n")
        #expect(r.err == """
            recover: \(damage)
            recover: the last good seq is 201, head \(hash(lines[200])), committed by the commit record that ends at byte offset \(ends[2])
            recover: \(tail) bytes follow it, to the end of the file, and are not saved
            recover: no commit record can be found in them
            recover: the checkpoint beside the ledger was built at seq 301: events up to seq 301 existed, so seq 202–301 are lost
            recover: wrote 201 events (seq 1–201) to standard output

            """)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
