@testable import CapacityLedger
@testable import LedgerStorage
import Foundation
import Testing

/// A ledger written by an earlier release still opens: `Tests/Fixtures/format-v1.ledger` was
/// written by the release before log format version 2 and is never regenerated.
struct FormatVersionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    let dir = temporaryDirectory("capacity-format")

    /// A copy of the version 1 fixture (tests never change the committed file).
    func v1Copy() throws -> String {
        let path = "\(dir)/format-v1.ledger"
        try Data(contentsOf: Self.fixtures.appendingPathComponent("format-v1.ledger")).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aVersionOneLedgerOpensVerifiesAndAnswers() throws {
        let path = try v1Copy()
        #expect(fileBytes(path)[8] == 1)
        let store = try FileEventStore(path: path, create: false)
        #expect(store.formatVersion == 1)
        #expect(store.ledger.count == 7)
        let report = try store.verify()
        #expect(report.head.hex == "3af41bdec9b862f37d0e3a1d9f8fc86086c2af8c041465f7033b826f9638a264")
        // The digest that release printed still holds.
        let line = try String(contentsOf: Self.fixtures.appendingPathComponent("format-v1.digest"), encoding: .utf8)
        let digest = try LedgerDigest.parse(line.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(digest.check(try store.verify(hashesAt: [digest.size])) == nil)
        let out = try QueryEngine(store: store).run("fleet at=2025-09-01")
        #expect(out.total?["energized"] == .int(64))
    }

    @Test func aVersionOneLedgerTakesAppendsAndStaysVersionOne() throws {
        let path = try v1Copy()
        let store = try FileEventStore(path: path, create: false, forAppending: true)
        try store.append([try d("power.allocated site=rainier-in mw=10 effective=2025-09-01")])
        #expect(fileBytes(path)[8] == 1)
        #expect(try FileEventStore(path: path, create: false).verify().events == 8)
    }

    @Test func keysNeedAnUpgradeThatKeepsEveryEventAndTheHead() throws {
        let path = try v1Copy()
        let key = SigningKey(newNamed: "alice")
        let store = try FileEventStore(path: path, create: false, forAppending: true)
        let before = fileBytes(path)
        let refused = errorMessage { try store.append([try d("key.added key=alice public_key=\(key.publicKeyHex)")]) }
        #expect(refused == "this ledger file is format version 1, which holds no keys or signatures: run capacity upgrade first (it rewrites the header only; every event and the head hash stay the same)")
        #expect(fileBytes(path) == before)

        let upgrading = try FileEventStore(path: path, create: false)
        #expect(try upgrading.upgrade() == .upgraded(from: 1, to: 2))
        let after = fileBytes(path)
        #expect(after.count == before.count)
        #expect(after[8] == 2)
        #expect(Array(after[LogHeader.size...]) == Array(before[LogHeader.size...]))
        #expect(Array(after[16..<24]) == Array(before[16..<24]))  // the creation time
        #expect(try FileEventStore(path: path, create: false).verify().head.hex == "3af41bdec9b862f37d0e3a1d9f8fc86086c2af8c041465f7033b826f9638a264")
        #expect(try upgrading.upgrade() == .current(2))

        let writer = try FileEventStore(path: path, create: false, forAppending: true)
        try writer.append([try d("key.added key=alice public_key=\(key.publicKeyHex)")])
        writer.signer = key
        try writer.append([try d("power.allocated site=rainier-in mw=10 effective=2025-09-01")])
        #expect(try FileEventStore(path: path, create: false).verify().signatures == 1)
    }

    @Test func newLedgersAreVersionTwoAndANewerVersionIsRefused() throws {
        let path = "\(dir)/new.ledger"
        try FileEventStore(path: path, create: true).append([try d("site.opened site=s1 name=S1")])
        var bytes = fileBytes(path)
        #expect(bytes[8] == 2)
        bytes.replaceSubrange(0..<LogHeader.size, with: LogHeader.make(created: Timestamp(micros: 0), version: 3))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(errorMessage { try FileEventStore(path: path, create: false) }
                == "\(path): ledger format version 3 is not supported (this build reads versions 1 to 2)")
    }
}
