import CapacityLedger
import LedgerStorage

/// Speculative transactions, as in psql: `begin` starts one, appends then go to an in-memory
/// overlay (`OverlayEventStore`) that every query answers from, `rollback` drops it, and
/// `commit` appends its events to the ledger as one atomic batch, checked again against the
/// ledger as it is then.
extension Session {
    func transactionCommand(_ word: String) throws {
        switch word {
        case "begin":
            if let t = transaction {
                throw LedgerError(.transactionOpen(events: t.drafts.count))
            }
            let overlay = OverlayEventStore(base: ledgerEngine.store, clock: ledgerEngine.clock)
            transaction = overlay
            engine = QueryEngine(store: overlay, clock: ledgerEngine.clock)
            engine.runner = ledgerEngine.runner
            emit("begin: appends go to this transaction until commit or rollback; queries see the ledger plus them")
        case "rollback":
            guard let t = transaction else { throw Self.noTransaction(word) }
            endTransaction()
            emit("rollback: dropped \(Self.events(t.drafts.count)); the ledger is unchanged")
        default:
            guard let t = transaction else { throw Self.noTransaction(word) }
            try commit(t)
        }
    }

    static func noTransaction(_ word: String) -> LedgerError {
        LedgerError(.noTransaction(command: word))
    }

    static func events(_ n: Int) -> String { Format.counted(n, "event") }

    private func endTransaction() {
        transaction = nil
        engine = ledgerEngine
    }

    /// Appends the transaction's events to the ledger as one batch. Another process may have
    /// appended since `begin`: the events are checked against the ledger as it is now, and the
    /// first that no longer holds is named; the transaction then stays open.
    private func commit(_ t: OverlayEventStore) throws {
        guard !t.drafts.isEmpty else {
            endTransaction()
            emit("commit: the transaction held no events; nothing was appended")
            return
        }
        let ledger = ledgerEngine.store
        try ledger.refresh()
        let others = ledger.ledger.count - t.baseCount
        let since = others == 0 ? "" : "; \(Self.events(others)) \(others == 1 ? "was" : "were") appended by others since begin (\(Format.seqs(t.baseCount + 1, ledger.ledger.count)))"
        if let (index, error) = t.conflict() {
            let event = t.drafts[index - 1].body.label
            throw error.within(.commit(index: index, event: event, since: since))
        }
        let appended = try ledger.append(t.drafts)
        endTransaction()
        let seqs = appended.count == 1 ? "#\(appended[0].seq)" : "#\(appended[0].seq)–#\(appended[appended.count - 1].seq)"
        emit("commit: appended \(Self.events(appended.count)), \(seqs); head \(ledger.ledger.head.hex.prefix(12))…\(since)")
    }

    /// Ending the session with a transaction open (batch mode, or the console once the person
    /// said so): it is rolled back, with a warning on standard error.
    func rollBackOnLeaving() {
        guard let t = transaction else { return }
        endTransaction()
        out.flush()
        err.write("warning: the open transaction was rolled back (\(Self.events(t.drafts.count)) not appended: no commit before the end)\n")
        err.flush()
    }

    /// A quit the person took back (asked whether to drop an open transaction, they said no).
    public func cancelQuit() { quitRequested = false }
}
