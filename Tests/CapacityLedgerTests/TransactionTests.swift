@testable import CapacityConsole
@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// Speculative transactions in the console (`begin`, `commit`, `rollback`) and the overlay
/// behind them and behind `append --dry-run`.
struct TransactionTests {
    let dir = temporaryDirectory("capacity-transaction")
    let clock = ManualClock(Timestamp.parse("2026-01-01")!)

    /// A file ledger with a site (cap 100 MW), a model, and 128 chips delivered.
    func ledger() throws -> FileEventStore {
        let store = try FileEventStore(path: "\(dir)/t.ledger", create: true, clock: clock)
        try store.append([
            try d("site.opened site=s1 name=S1 power_cap_mw=100 effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-02-01"),
        ])
        return store
    }

    func session(_ store: any EventStore) -> (Session, BufferOutput) {
        let out = BufferOutput()
        return (Session(engine: QueryEngine(store: store, clock: clock), out: out, err: out), out)
    }

    @Test func queriesSeeTheTransactionAndRollbackLeavesTheLedgerByteForByte() throws {
        let store = try ledger()
        let before = fileBytes(store.path)
        let (s, out) = session(store)
        try s.run("begin")
        #expect(s.transaction != nil)
        try s.run("append chips.delivered site=s1 model=m1 quantity=64 effective=2025-03-01")
        let inside = try s.engine.run("fleet at=2025-06-01")
        #expect(inside.total?["delivered"] == .int(192))
        // The ledger's own engine, and a reader of the file, do not see it.
        #expect(try QueryEngine(store: FileEventStore(path: store.path, create: false)).run("fleet at=2025-06-01").total?["delivered"] == .int(128))
        try s.run("rollback")
        #expect(s.transaction == nil)
        #expect(try s.engine.run("fleet at=2025-06-01").total?["delivered"] == .int(128))
        #expect(fileBytes(store.path) == before)
        #expect(out.text.contains("rollback: dropped 1 event; the ledger is unchanged\n"))
    }

    @Test func rulesHoldOnTheCombinedView() throws {
        let (s, _) = session(try ledger())
        try s.run("begin")
        try s.run("append rack.installed site=s1 rack=r1 model=m1 chips=128 kw=10 effective=2025-03-01")
        // The chips are used by the transaction's own install.
        #expect(errorMessage { try s.run("append rack.installed site=s1 rack=r2 model=m1 chips=64 kw=10 effective=2025-04-01") }
                == "rack.installed r2: site s1 has 0 undeployed m1 chips at 2025-04-01 (delivered 128, installed 128); the rack needs 64")
    }

    @Test func commitAppendsTheEventsAsOneBatch() throws {
        let store = try ledger()
        let (s, out) = session(store)
        try s.run("begin")
        try s.run("append chips.delivered site=s1 model=m1 quantity=64 effective=2025-03-01")
        try s.run("append power.allocated site=s1 mw=5 effective=2025-03-01")
        try s.run("commit")
        #expect(s.transaction == nil)
        let reread = try FileEventStore(path: store.path, create: false)
        #expect(reread.ledger.count == 5)
        #expect(reread.ledger.events[3].recorded == reread.ledger.events[4].recorded)  // one batch
        #expect(out.text.contains("commit: appended 2 events, #4–#5; head "))
    }

    @Test func aCommitAnotherProcessMadeImpossibleIsRefusedNamingTheEvent() throws {
        let store = try ledger()
        let (s, _) = session(store)
        try s.run("begin")
        try s.run("append rack.installed site=s1 rack=r1 model=m1 chips=128 kw=10 effective=2025-03-01")
        // Meanwhile another process installs the same chips.
        let other = try FileEventStore(path: store.path, create: false, clock: clock)
        try other.append([try d("rack.installed site=s1 rack=r9 model=m1 chips=64 kw=10 effective=2025-02-15")])
        let before = fileBytes(store.path)
        let message = errorMessage { try s.run("commit") }
        #expect(message == "commit refused: event 1 of the transaction (rack.installed r1 at s1) no longer holds: rack.installed r1: site s1 has 64 undeployed m1 chips at 2025-03-01 (delivered 128, installed 64); the rack needs 128; 1 event was appended by others since begin (seq 4). Nothing was appended; the transaction is still open (rollback drops it)")
        #expect(fileBytes(store.path) == before)
        #expect(s.transaction != nil)
        try s.run("rollback")
    }

    @Test func misuseIsRefusedAndTheEndOfABatchRollsBack() throws {
        let store = try ledger()
        let (s, out) = session(store)
        #expect(errorMessage { try s.run("commit") } == "commit: no transaction is open (begin starts one)")
        #expect(errorMessage { try s.run("rollback") } == "rollback: no transaction is open (begin starts one)")
        try s.run("begin")
        #expect(errorMessage { try s.run("begin") } == "a transaction is already open (0 events so far): commit or rollback first")
        try s.run("append power.allocated site=s1 mw=5 effective=2025-03-01")
        let before = fileBytes(store.path)
        try s.finish()
        #expect(s.transaction == nil)
        #expect(out.text.contains("warning: the open transaction was rolled back (1 event not appended: no commit before the end)\n"))
        #expect(fileBytes(store.path) == before)
    }

    @Test func theOverlayAnswersAsALedgerHoldingTheSameEvents() throws {
        let store = try ledger()
        let drafts = [try d("rack.installed site=s1 rack=r1 model=m1 chips=64 kw=10 effective=2025-03-01"),
                      try d("power.allocated site=s1 mw=0.005 effective=2025-02-01")]
        let overlay = OverlayEventStore(base: store, clock: clock)
        try overlay.append(drafts)
        let plain = try makeStore(cap: "power_cap_mw=100")
        try plain.append([try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-02-01")])
        try plain.append(drafts)
        for q in ["fleet at=2025-06-01", "power at=2025-06-01", "capacity at=2025-06-01"] {
            #expect(try Renderer.render(QueryEngine(store: overlay, clock: clock).run(q), as: .json)
                    == Renderer.render(QueryEngine(store: plain, clock: clock).run(q), as: .json), "\(q)")
        }
        #expect(overlay.appended.map(\.seq) == [4, 5])
        #expect(store.ledger.count == 3)
    }

    @Test func dryRunChangesListTheRowsThatDiffer() throws {
        let store = try ledger()
        let overlay = OverlayEventStore(base: store, clock: clock)
        try overlay.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-03-01")])
        let q = "fleet at=2025-06-01"
        let changes = QueryOutput.changes(before: try QueryEngine(store: store, clock: clock).run(q),
                                          after: try QueryEngine(store: overlay, clock: clock).run(q))
        #expect(changes.rows.map { $0.prefix(4) } == [[.text("before"), .text("s1"), .text("m1"), .int(128)],
                                                        [.text("after"), .text("s1"), .text("m1"), .int(192)]])
        let power = QueryOutput.changes(before: try QueryEngine(store: store, clock: clock).run("power"),
                                        after: try QueryEngine(store: overlay, clock: clock).run("power"))
        #expect(power.rows.isEmpty)
    }
}
