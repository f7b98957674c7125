/// A speculative view of a store: the base's events as they stood when the overlay was made,
/// plus events appended to the overlay, which are checked by every rule on that combined view
/// and never written. The console's transactions (`begin` … `commit` or `rollback`) and
/// `capacity append --dry-run` run queries against one.
///
/// The base ledger is a value shared copy-on-write: the first append to the overlay copies it,
/// and the base store is never touched. `commit` hands the overlay's drafts to the base store
/// as one batch, which checks them again against the base as it is then.
public final class OverlayEventStore: EventStore {
    public let base: any EventStore
    public private(set) var ledger: Ledger
    /// The drafts appended to the overlay, in order, as they were given.
    public private(set) var drafts: [EventDraft] = []
    /// The base's event count when the overlay was made.
    public let baseCount: Int
    public private(set) var lastAppendHashes: [ChainHash] = []
    private let clock: any LedgerClock

    public init(base: any EventStore, clock: any LedgerClock = SystemClock()) {
        self.base = base
        self.clock = clock
        ledger = base.ledger
        baseCount = base.ledger.count
    }

    public var name: String { base.name }
    public var byteCount: Int { base.byteCount }
    public var filesInUse: [String] { base.filesInUse }
    /// The base's: it signs the batch `commit` appends. Speculative appends are not signed.
    public var signer: SigningKey? {
        get { base.signer }
        set { base.signer = newValue }
    }

    /// The overlay is a snapshot: events other processes append to the base show after the
    /// transaction ends (and are checked against at `commit`).
    public func refresh() throws -> ClosedRange<Int>? { nil }

    /// Checks the drafts against the base plus the overlay, and adds them to the overlay only.
    @discardableResult
    public func append(_ new: [EventDraft]) throws -> [Event] {
        let (events, hashes, _) = try ledger.append(new, now: clock.now(), speculative: true)
        drafts += new
        lastAppendHashes = hashes
        return events
    }

    /// The overlay's events, numbered as they would be after the base's as it stood.
    public var appended: [Event] { Array(ledger.events.suffix(ledger.count - baseCount)) }

    public func verify(hashesAt: Set<Int>) throws -> VerifyReport {
        throw LedgerError(.needsStoredLedger(command: "verify"))
    }

    public func eventsWithHashes() throws -> [(Event, ChainHash)] {
        throw LedgerError(.needsStoredLedger(command: "export"))
    }

    public func signatureRecords() throws -> [BatchSignature] { try base.signatureRecords() }

    /// Why the overlay's drafts would be refused by the base as it is now, or nil: each draft
    /// is checked in order on a copy of the base's ledger, so the error names the draft (1-based
    /// in `index`). Nothing is written.
    public func conflict() -> (index: Int, error: LedgerError)? {
        var check = base.ledger
        let now = clock.now()
        for (i, d) in drafts.enumerated() {
            do {
                _ = try check.append([d], now: now, speculative: true)
            } catch let e as LedgerError {
                return (i + 1, e)
            } catch {
                return (i + 1, LedgerError.data("\(error)"))
            }
        }
        return nil
    }
}
