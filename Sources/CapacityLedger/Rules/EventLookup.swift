/// The events the rules look back at, by seq, as packed records (a void's target, the events
/// that depend on it, a rack's marks).
///
/// A ledger keeps its events here (`stored`, from `firstSeq` on). Usually that is every event. A
/// writer that starts from a checkpoint holds only the events after it, and the earlier ones it
/// read from the log for the batch at hand (`fetched`); `isComplete` tells the rules whether they
/// may scan them all.
package struct EventLookup: Sendable {
    /// An event read from the log for the rules, with what its packed record leaves out.
    package struct Fetched: Sendable {
        package var record: PackedEvent
        var extra: EventStorage.Extra?
        var recorded: Int64

        package init(record: PackedEvent, extra: EventStorage.Extra?, recorded: Int64) {
            self.record = record
            self.extra = extra
            self.recorded = recorded
        }
    }

    var stored = EventStorage()
    var firstSeq = 1
    var fetched: [Int: Fetched] = [:]

    init() {}

    init(stored: EventStorage, firstSeq: Int = 1) {
        self.stored = stored
        self.firstSeq = firstSeq
    }

    var isComplete: Bool { firstSeq == 1 }

    /// The last seq held (the ledger's count).
    var lastSeq: Int { firstSeq - 1 + stored.count }

    /// The record of event `seq` (which the caller knows is here).
    @inline(__always)
    subscript(seq: Int) -> PackedEvent {
        seq >= firstSeq ? stored[seq - firstSeq] : fetched[seq]!.record
    }

    /// The effective time and seq of event `seq`.
    @inline(__always)
    func key(_ seq: Int) -> TimeKey { TimeKey(effective: self[seq].effective, seq: seq) }

    func extra(_ seq: Int) -> EventStorage.Extra? {
        seq >= firstSeq ? stored.extra(seq - firstSeq) : fetched[seq]!.extra
    }

    func has(_ seq: Int) -> Bool { seq >= firstSeq ? seq - firstSeq < stored.count : fetched[seq] != nil }

    /// Event `seq` as an event (for messages), its names read from `names`.
    func event(_ seq: Int, names: LogStrings) -> Event {
        if seq >= firstSeq { return stored.event(seq - firstSeq, seq: seq, names: names) }
        let f = fetched[seq]!
        return EventStorage.event(f.record, extra: f.extra, seq: seq, recorded: f.recorded, names: names)
    }
}

/// Raised by a writer working from a checkpoint when an event reaches further back than the
/// checkpoint keeps (a delivery backdated before its window, a void of a site opening, …). The
/// writer then reads the whole log and checks the batch again; the user never sees it.
package struct NeedsFullLog: Error {
    package var reason: String

    package init(reason: String) {
        self.reason = reason
    }
}
