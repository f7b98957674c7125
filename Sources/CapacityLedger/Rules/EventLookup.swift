/// The events the rules look back at, by seq (a void's target, the events that depend on it).
///
/// Usually every event of the ledger. A writer that starts from a checkpoint holds only the
/// events after it (`recent`, from `firstSeq` on) and the earlier ones it read from the log for
/// the batch at hand (`fetched`); `isComplete` tells the rules whether they may scan them all.
struct EventLookup {
    var recent: EventList
    var fetched: [Int: Event] = [:]

    init(_ events: EventList, fetched: [Int: Event] = [:]) {
        recent = events
        self.fetched = fetched
    }

    /// No events at all.
    static let none = EventLookup(EventList(storage: EventStorage(), names: CodecState(), firstSeq: 1))

    var firstSeq: Int { recent.firstSeq }

    var isComplete: Bool { firstSeq == 1 }

    /// The event numbered `seq` (which the caller knows is there).
    subscript(seq: Int) -> Event {
        seq >= firstSeq ? recent[seq - firstSeq] : fetched[seq]!
    }

    func has(_ seq: Int) -> Bool { seq >= firstSeq ? seq - firstSeq < recent.count : fetched[seq] != nil }
}

/// Raised by a writer working from a checkpoint when an event reaches further back than the
/// checkpoint keeps (a delivery backdated before its window, a void of a site opening, …). The
/// writer then reads the whole log and checks the batch again; the user never sees it.
struct NeedsFullLog: Error {
    var reason: String
}
