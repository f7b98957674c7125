@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How the store conformance suite (`EventStoreConformanceTests`) makes one kind of `EventStore`
/// and looks into it. Every test of the suite runs once for each factory in `all`.
///
/// A factory says what its store can do beyond the protocol's common ground, and the tests that
/// need more run only on the factories that declare it (`supportsSecondReader`, `checkpoints`);
/// `theDeclaredCapabilitiesAreTrue` holds each declaration to what the store does, so a store
/// can neither claim a reader it lacks nor dodge the reader tests by leaving the flag unset.
///
/// A new store joins the suite with one entry in `all`: a `StoreFactory` naming it, opening it on
/// a place (a new empty directory per test, or what the store derives its storage from: a
/// PostgreSQL store would make a schema named after the directory) and dumping what it keeps.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    /// The name the test results show (`memory`, `file`).
    let name: String
    /// Whether a second store opened on the same place reads, after `refresh()`, what the first
    /// appends: another process on the same file or database. False for a store that lives in
    /// one process's memory.
    let supportsSecondReader: Bool
    /// How to write this store's checkpoint and answer questions from it; nil for a store that
    /// keeps none.
    let checkpoints: Checkpoints?
    /// Opens a store on `place`, a new empty directory for each test, recording with `clock`.
    /// Called again with the same place it opens a second store on the same storage when
    /// `supportsSecondReader`, and a new empty store otherwise.
    let open: @Sendable (_ place: String, _ clock: any LedgerClock) throws -> any EventStore
    /// Everything the store keeps, as bytes, for comparing before and after: the log file, the
    /// in-memory log, or a dump of a database's rows in order. Empty while nothing is stored.
    let stored: @Sendable (any EventStore) throws -> [UInt8]

    var testDescription: String { name }

    /// A checkpoint beside the store: saved totals that answer the fleet's figures without
    /// replaying every event.
    struct Checkpoints: Sendable {
        /// Writes the checkpoint of the store's ledger as last read, in blocks of `blockSize`
        /// events along the effective timeline.
        let write: @Sendable (_ store: any EventStore, _ blockSize: Int) throws -> Void
        /// The fleet's figures at `point` from the checkpoint and the events after it, never from
        /// a replay; throws `FleetCheckpoint.Unusable` when it cannot answer exactly.
        let figures: @Sendable (_ store: any EventStore, _ point: PointInTime, _ now: Timestamp) throws -> any FleetFigures
    }
}

extension StoreFactory {
    /// Every store the suite runs on, one entry each.
    static let all: [StoreFactory] = [.memory, .file]

    static let memory = StoreFactory(
        name: "memory", supportsSecondReader: false, checkpoints: nil,
        open: { _, clock in InMemoryEventStore(name: "conformance", clock: clock) },
        stored: { ($0 as! InMemoryEventStore).bytes })

    static let file = StoreFactory(
        name: "file", supportsSecondReader: true,
        checkpoints: Checkpoints(
            write: { store, blockSize in try (store as! FileEventStore).writeCheckpoint(blockSize: blockSize) },
            figures: { store, point, now in try FleetCheckpoint.figures(ledgerPath: (store as! FileEventStore).path, point: point, now: now) }),
        open: { place, clock in
            let store = try FileEventStore(path: place + "/conformance.ledger", create: true, clock: clock)
            // Pieces of 1 KiB instead of 4 MiB: a batch of a few dozen events reaches the file
            // before its commit, so a refused batch has bytes to take back and a reader can meet
            // a batch half written.
            store.pieceBytes = 1 << 10
            return store
        },
        stored: { store in
            let path = (store as! FileEventStore).path
            return access(path, F_OK) == 0 ? fileBytes(path) : []
        })
}
