import Foundation
import Testing

/// `capacity keys`, `--sign` and `$CAPACITY_SIGNING_KEY`, and `capacity upgrade`, as an operator
/// uses them.
struct KeysCommandTests {
    /// `capacity keys new NAME` in the test's directory: the key file's path and the public key.
    func newKey(_ cli: CLI, _ name: String) throws -> (file: String, publicKey: String) {
        let file = cli.dir + "/\(name).key"
        let r = try cli.run(["keys", "new", name, "--output", file])
        #expect(r.status == 0, "\(r.err)")
        let line = try #require(r.out.split(separator: "\n").first { $0.hasPrefix("public key: ") })
        return (file, String(line.dropFirst("public key: ".count)))
    }

    @Test func keysNewWritesAPrivateFileOnceAndPrintsThePublicKey() throws {
        let cli = CLI()
        let (file, publicKey) = try newKey(cli, "alice")
        #expect(publicKey.count == 64)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try cli.run(["keys", "public", file]).out == publicKey + "\n")
        let again = try cli.run(["keys", "new", "alice", "--output", file])
        #expect(again.status == 74)
        #expect(again.err == "capacity: cannot write the key file \(file): it exists already (a key file is never overwritten)\n")
        let bad = try cli.run(["keys", "new", "Alice"])
        #expect(bad.status == 64)
    }

    @Test func aLedgerWithAKeyTakesSignedAppendsOnly() throws {
        var cli = CLI()
        let alice = try newKey(cli, "alice"), bob = try newKey(cli, "bob")
        #expect(try cli.run(["append", "site.opened", "site=s1", "name=S1", "power_cap_mw=10", "effective=2025-01-01"]).status == 0)
        var r = try cli.run(["keys", "add", "alice", alice.publicKey])
        #expect(r.status == 0 && r.out == "#2 key.added\n", "\(r.err)")

        let before = try cli.bytes()
        r = try cli.run(["append", "power.allocated", "site=s1", "mw=2"])
        #expect(r.status == 65)
        #expect(r.err == "capacity: this ledger takes signed appends only (keys in force: alice): sign with --sign KEYFILE or $CAPACITY_SIGNING_KEY; nothing was appended\n")
        r = try cli.run(["append", "--sign", bob.file, "power.allocated", "site=s1", "mw=2"])
        #expect(r.status == 65)
        #expect(try cli.bytes() == before)

        // --sign before the subcommand, as --ledger may be; and the environment's key.
        r = try cli.run(["--sign", alice.file, "append", "power.allocated", "site=s1", "mw=2"])
        #expect(r.status == 0 && r.out == "#3 power.allocated\n", "\(r.err)")
        cli.env["CAPACITY_SIGNING_KEY"] = alice.file
        r = try cli.run(["keys", "add", "bob", bob.publicKey])
        #expect(r.status == 0 && r.out == "#4 key.added\n", "\(r.err)")
        r = try cli.run(["--sign", bob.file, "keys", "revoke", "alice", "--reason", "laptop lost"])
        #expect(r.status == 0 && r.out == "#5 key.revoked\n", "\(r.err)")
        r = try cli.run(["append", "power.allocated", "site=s1", "mw=1"])
        #expect(r.status == 65)
        #expect(r.err == "capacity: signing key alice was revoked at #5 and can no longer sign; nothing was appended\n")

        r = try cli.run(["keys", "list", "--json"])
        #expect(r.out == """
            {"key":"alice","public_key":"\(alice.publicKey)","added":2,"revoked":5}
            {"key":"bob","public_key":"\(bob.publicKey)","added":4}

            """)
        r = try cli.run(["log", "--type", "key.revoked", "--json"])
        #expect(r.out.contains(#""key":"alice","note":"laptop lost""#))
        r = try cli.run(["verify"])
        #expect(r.status == 0)
        #expect(r.out.hasSuffix("\nsignatures: 3 checked, every batch after #2 signed (keys in force: bob)\n"))
    }

    @Test func aKeyFileOthersMayReadIsRefused() throws {
        let cli = CLI()
        let alice = try newKey(cli, "alice")
        chmod(alice.file, 0o644)
        let r = try cli.run(["append", "--sign", alice.file, "site.opened", "site=s1", "name=S1"])
        #expect(r.status == 64)
        #expect(r.err == "capacity: the signing key \(alice.file) may be read by others (mode 644): chmod 600 \(alice.file)\n")
        #expect(!FileManager.default.fileExists(atPath: cli.ledger))
    }

    @Test func anExportOfASignedLedgerRestoresWithItsSignatures() throws {
        var cli = CLI()
        let alice = try newKey(cli, "alice")
        #expect(try cli.run(["append", "site.opened", "site=s1", "name=S1", "power_cap_mw=10", "effective=2025-01-01"]).status == 0)
        #expect(try cli.run(["keys", "add", "alice", alice.publicKey]).status == 0)
        cli.env["CAPACITY_SIGNING_KEY"] = alice.file
        for mw in 1...3 { #expect(try cli.run(["append", "power.allocated", "site=s1", "mw=\(mw)"]).status == 0) }
        let export = try cli.run(["export"])
        #expect(export.out.components(separatedBy: "\"signature\":\"alice:").count == 4)
        let copy = cli.dir + "/copy.ledger"
        let r = try cli.run(["import", "-", "--ledger", copy], input: export.out)
        #expect(r.status == 0, "\(r.err)")
        let original = try cli.run(["verify"]).out, restored = try cli.run(["verify", "--ledger", copy]).out
        #expect(restored == original)
        #expect(restored.contains("signatures: 3 checked"))
    }

    @Test func upgradeTurnsAVersionOneLedgerIntoOneThatTakesKeys() throws {
        let cli = CLI()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/format-v1.ledger")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: cli.ledger)
        let alice = try newKey(cli, "alice")
        var r = try cli.run(["keys", "add", "alice", alice.publicKey])
        #expect(r.status == 65)
        #expect(r.err == "capacity: this ledger file is format version 1, which holds no keys or signatures: run capacity upgrade first (it rewrites the header only; every event and the head hash stay the same)\n")
        r = try cli.run(["upgrade"])
        #expect(r.status == 0)
        #expect(r.out == "upgraded \(cli.ledger) from format version 1 to 3: 7 events, head 3af41bdec9b862f37d0e3a1d9f8fc86086c2af8c041465f7033b826f9638a264 (unchanged)\n")
        #expect(try cli.run(["upgrade"]).out == "\(cli.ledger) is format version 3 already; nothing to do\n")
        #expect(try cli.run(["keys", "add", "alice", alice.publicKey]).status == 0)
        #expect(try cli.run(["--sign", alice.file, "append", "power.allocated", "site=rainier-in", "mw=1"]).status == 0)
        #expect(try cli.run(["verify"]).status == 0)
    }
}
