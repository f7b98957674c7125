@testable import CapacityLedger
@testable import LedgerStorage
import Foundation
import Testing

/// A ledger written by an earlier release still opens: `Tests/Fixtures/format-v1.ledger` was
/// written by the release before log format version 2, `format-v2.ledger` by the release before
/// version 3, and neither is ever regenerated.
struct FormatVersionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    let dir = temporaryDirectory("capacity-format")

    /// A copy of the version 1 fixture (tests never change the committed file).
    func v1Copy() throws -> String { try copy("format-v1.ledger") }

    /// A copy of the fixture `name`.
    func copy(_ name: String) throws -> String {
        let path = "\(dir)/\(name)"
        try Data(contentsOf: Self.fixtures.appendingPathComponent(name)).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let v2Head = "3e762b84285110f0a7d5e8df71d468fcb5a2b55fe850106e78d9802701f10666"
    static let upgradeHint = "run capacity upgrade first (it rewrites the header only; every event and the head hash stay the same)"

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
        #expect(try upgrading.upgrade() == .upgraded(from: 1, to: 3))
        let after = fileBytes(path)
        #expect(after.count == before.count)
        #expect(after[8] == 3)
        #expect(Array(after[LogHeader.size...]) == Array(before[LogHeader.size...]))
        #expect(Array(after[16..<24]) == Array(before[16..<24]))  // the creation time
        #expect(try FileEventStore(path: path, create: false).verify().head.hex == "3af41bdec9b862f37d0e3a1d9f8fc86086c2af8c041465f7033b826f9638a264")
        #expect(try upgrading.upgrade() == .current(3))

        let writer = try FileEventStore(path: path, create: false, forAppending: true)
        try writer.append([try d("key.added key=alice public_key=\(key.publicKeyHex)")])
        writer.signer = key
        try writer.append([try d("power.allocated site=rainier-in mw=10 effective=2025-09-01")])
        #expect(try FileEventStore(path: path, create: false).verify().signatures == 1)
    }

    @Test func newLedgersAreVersionThreeAndANewerVersionIsRefused() throws {
        let path = "\(dir)/new.ledger"
        try FileEventStore(path: path, create: true).append([try d("site.opened site=s1 name=S1")])
        var bytes = fileBytes(path)
        #expect(bytes[8] == 3)
        bytes.replaceSubrange(0..<LogHeader.size, with: LogHeader.make(created: Timestamp(micros: 0), version: 4))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(errorMessage { try FileEventStore(path: path, create: false) }
                == "\(path): ledger format version 4 is not supported (this build reads versions 1 to 3)")
    }

    @Test func aVersionOneLedgerRefusesSiteChangesUntilUpgraded() throws {
        let path = try v1Copy()
        let store = try FileEventStore(path: path, create: false, forAppending: true)
        #expect(errorMessage { try store.append([try d("site.updated site=rainier-in power_cap_mw=3000 effective=2025-09-01")]) }
                == "this ledger file is format version 1, which holds no site.updated or site.closed events or PUE figures: \(Self.upgradeHint)")
    }

    /// `Tests/Fixtures/format-v2.ledger` was written by the release before format version 3:
    /// nine events (two sites, one with a cap, region, acres and a source; a chip model; power;
    /// a delivery; two racks; a release and its void).
    @Test func aVersionTwoLedgerOpensVerifiesAndAnswers() throws {
        let path = try copy("format-v2.ledger")
        #expect(fileBytes(path)[8] == 2)
        let store = try FileEventStore(path: path, create: false)
        #expect(store.formatVersion == 2)
        #expect(store.ledger.count == 9)
        #expect(try store.verify().head.hex == Self.v2Head)
        let line = try String(contentsOf: Self.fixtures.appendingPathComponent("format-v2.digest"), encoding: .utf8)
        let digest = try LedgerDigest.parse(line.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(digest.check(try store.verify(hashesAt: [digest.size])) == nil)
        let engine = QueryEngine(store: store)
        #expect(try engine.run("fleet at=2025-09-01").total?["energized"] == .int(128))
        let sites = try engine.state(PointInTime(at: .time(Timestamp.parse("2025-09-01")!))).sites
        #expect(sites["rainier-in"]?.cap == Power(watts: 2_200_000_000) && sites["rainier-in"]?.pue == nil)
        #expect(sites["rainier-in"]?.pueInForce == 1 && sites["small-dc"]?.closed == nil)
    }

    /// Its site openings carry no PUE, so this build encodes them to the very bytes the earlier
    /// release wrote: its export restores into a new ledger with every hash the same.
    @Test func aVersionTwoLedgerRestoresWithTheSameHashes() throws {
        let store = try FileEventStore(path: try copy("format-v2.ledger"), create: false)
        let exported = try store.eventsWithHashes().map { EventJSON.line($0.0, hash: $0.1.hex) }.joined(separator: "\n")
        let copy = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2027-01-01")!))
        try copy.append(try EventBatch.parse(exported))
        #expect(copy.ledger.head.hex == Self.v2Head)
    }

    @Test func aVersionTwoLedgerTakesAppendsAndRefusesSiteChangesUntilUpgraded() throws {
        let path = try copy("format-v2.ledger")
        let store = try FileEventStore(path: path, create: false, forAppending: true)
        try store.append([try d("power.allocated site=rainier-in mw=10 effective=2025-09-01")])
        #expect(fileBytes(path)[8] == 2)
        let before = fileBytes(path)
        let refusal = "this ledger file is format version 2, which holds no site.updated or site.closed events or PUE figures: \(Self.upgradeHint)"
        for words in ["site.updated site=rainier-in power_cap_mw=3000 effective=2025-09-01", "site.closed site=small-dc effective=2025-09-01",
                      "site.opened site=third name=Third pue=1.3 effective=2025-09-01"] {
            #expect(errorMessage { try store.append([try d(words)]) } == refusal, "\(words)")
        }
        // A site opened without a PUE is what version 2 holds.
        try store.append([try d("site.opened site=fourth name=Fourth effective=2025-09-01")])
        #expect(fileBytes(path)[8] == 2)
        #expect(try FileEventStore(path: path, create: false).verify().events == 11)
        #expect(fileBytes(path).count > before.count)

        let upgrading = try FileEventStore(path: path, create: false)
        let head = try upgrading.verify().head
        let unchanged = fileBytes(path)
        #expect(try upgrading.upgrade() == .upgraded(from: 2, to: 3))
        let after = fileBytes(path)
        #expect(after.count == unchanged.count && after[8] == 3)
        #expect(Array(after[LogHeader.size...]) == Array(unchanged[LogHeader.size...]))
        #expect(try FileEventStore(path: path, create: false).verify().head == head)
        #expect(try upgrading.upgrade() == .current(3))

        let writer = try FileEventStore(path: path, create: false, forAppending: true)
        try writer.append([try d("site.updated site=rainier-in power_cap_mw=3000 pue=1.2 effective=2025-09-01"),
                           try d("site.closed site=fourth effective=2025-10-01")])
        let reread = try FileEventStore(path: path, create: false)
        #expect(try reread.verify().events == 13)
        let sites = try QueryEngine(store: reread).state(PointInTime(at: .time(Timestamp.parse("2025-12-01")!))).sites
        #expect(sites["rainier-in"]?.cap == Power(watts: 3_000_000_000) && sites["rainier-in"]?.pue == 1.2)
        #expect(sites["fourth"]?.closed == Timestamp.parse("2025-10-01"))
    }
}
