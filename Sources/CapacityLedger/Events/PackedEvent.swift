/// An event as a ledger holds it in memory: a few numbers, its names as their numbers in the
/// log's string table (`CodecState`), so that a ledger of ten million events takes under 400 MB
/// instead of a gigabyte, and a fold or an index build compares numbers instead of strings.
/// (`EventStorage` keeps them as columns.)
///
/// What each field holds, by type (a name is its string number):
///
/// | type                   | `a`      | `b`       | `c`              | `amount` | `amount2` |
/// |------------------------|----------|-----------|------------------|----------|-----------|
/// | `site.opened`          | site     |           |                  |          |           |
/// | `chip.model.defined`   | model    |           |                  |          |           |
/// | `chips.delivered`      | site     | model     |                  | quantity |           |
/// | `rack.installed`       | site     | rack      | model            | chips    | watts     |
/// | `rack.retired`         | site     | rack      |                  |          |           |
/// | `power.allocated`, `power.released` | site |   |                  | watts    |           |
/// | `investment.committed` | investor | recipient | instrument + 1, or 0 | usd  |           |
/// | `event.voided`         |          | reason    |                  | target   |           |
/// | `key.added`            | key      | public key (hex) |           |          |           |
/// | `key.revoked`          | key      |           |                  |          |           |
/// | `site.updated`         | site     |           |                  | cap watts, or 0 |    |
/// | `site.closed`          | site     |           |                  |          |           |
///
/// Read the fields by the names of what they hold (`site`, `rack`, `model`, `quantity`, `chips`,
/// `watts`, `investor`, `recipient`, `instrument`, `usd`, `target`, `reason`, `signingKey`,
/// `publicKey`: `PackedFields`) rather than as `a`, `b`, `c`, `amount` and `amount2`.
///
/// The rest of a `site.opened`, `site.updated` or `chip.model.defined`, and any note or source, are kept beside
/// the records (`EventStorage.Extra`); `hasExtra` says so. The seq is the record's place and the
/// recorded time is kept per batch (`EventStorage`).
package struct PackedEvent: Sendable, Equatable {
    /// Effective time, µs since the epoch.
    package var effective: Int64
    package var amount: Int64 = 0
    package var amount2: Int64 = 0
    package var a: UInt32 = 0
    package var b: UInt32 = 0
    package var c: UInt32 = 0
    /// `EventType.code`.
    package var code: UInt8
    var flags: UInt8 = 0

    static let extraFlag: UInt8 = 1

    init(code: UInt8, effective: Int64) {
        self.code = code
        self.effective = effective
    }

    /// A record as `EventStorage` keeps it: its code with the extra bit (`EventStorage.extraBit`)
    /// and its fields.
    @inline(__always)
    init(stored code: UInt8, effective: Int64, a: UInt32, b: UInt32, c: UInt32, amount: Int64, amount2: Int64) {
        self.init(code: code & ~EventStorage.extraBit, effective: effective)
        flags = code & EventStorage.extraBit != 0 ? Self.extraFlag : 0
        self.a = a; self.b = b; self.c = c
        self.amount = amount; self.amount2 = amount2
    }

    var hasExtra: Bool { flags & Self.extraFlag != 0 }

    // The codes, spelled once for the hot paths that switch on them.
    package static let siteOpened = EventType.siteOpened.code
    package static let chipModelDefined = EventType.chipModelDefined.code
    static let chipsDelivered = EventType.chipsDelivered.code
    package static let rackInstalled = EventType.rackInstalled.code
    package static let rackRetired = EventType.rackRetired.code
    static let powerAllocated = EventType.powerAllocated.code
    static let powerReleased = EventType.powerReleased.code
    static let investmentCommitted = EventType.investmentCommitted.code
    package static let eventVoided = EventType.eventVoided.code
    static let keyAdded = EventType.keyAdded.code
    static let keyRevoked = EventType.keyRevoked.code
    package static let siteUpdated = EventType.siteUpdated.code
    package static let siteClosed = EventType.siteClosed.code

    /// The events a fold reads whole rather than through the effects table: a site's opening,
    /// changes and closure, and a chip model's definition. They are few, change no total, and
    /// ride with the checkpoint's definitions.
    @inline(__always)
    package static func isDefinition(_ code: UInt8) -> Bool {
        code == siteOpened || code == chipModelDefined || code == siteUpdated || code == siteClosed
    }

    /// The events whose whole body a packed record leaves out (kept in `EventStorage.Extra`).
    @inline(__always)
    static func keepsWholeBody(_ code: UInt8) -> Bool {
        code == siteOpened || code == chipModelDefined || code == siteUpdated
    }

    /// `key.added` or `key.revoked`: events of the log's keys, checked by `SigningKeys`.
    @inline(__always)
    package static func isKeyEvent(_ code: UInt8) -> Bool { code == keyAdded || code == keyRevoked }

    var type: EventType { EventType(code: code)! }
    var key: TimeKey { TimeKey(effective: effective, seq: 0) }
}

/// The events of a ledger (or of a stretch of its log) as packed records, with what does not fit
/// in them kept beside: the recorded times, one per run of events recorded together, and the
/// extras of the few events that carry more.
///
/// The records are kept as columns, one array per field (37 bytes an event): a pass that needs
/// one field (the effective order reads only effective times, a fold looks ahead at the types)
/// reads that field's array alone.
/// - Complexity: appending O(1) amortized; reading an event's recorded time O(log r) for r runs
///   (one per batch appended).
package struct EventStorage: Sendable {
    /// What a packed record leaves out: a note, a source, and the whole body of the types whose
    /// fields do not fit (`site.opened`, `site.updated`, `chip.model.defined`).
    package struct Extra: Sendable, Equatable {
        var note: String?
        var source: String?
        var body: EventBody?
    }

    package private(set) var effective: [Int64] = []
    /// The type code, with `PackedEvent.extraFlag` in the high bit.
    private(set) var codes: [UInt8] = []
    private(set) var a: [UInt32] = []
    private(set) var b: [UInt32] = []
    private(set) var c: [UInt32] = []
    private(set) var amount: [Int64] = []
    private(set) var amount2: [Int64] = []
    /// By index.
    private(set) var extras: [Int: Extra] = [:]
    /// Runs of equal recorded times: from index `from` on, until the next run, µs.
    private(set) var runs: [(from: Int, recorded: Int64)] = []

    static let extraBit: UInt8 = 0x80

    init() {}

    package var count: Int { effective.count }
    var isEmpty: Bool { effective.isEmpty }

    /// The columns are filled front to back, so they are left on ordinary pages: asked for huge
    /// pages, each first touch of 2 MiB waited for the system to find (and clear) a whole huge
    /// page, which on these machines cost several times what the same memory costs page by page.
    mutating func reserveCapacity(_ n: Int) {
        effective.reserveCapacity(n)
        codes.reserveCapacity(n)
        a.reserveCapacity(n)
        b.reserveCapacity(n)
        c.reserveCapacity(n)
        amount.reserveCapacity(n)
        amount2.reserveCapacity(n)
    }

    @inline(__always)
    mutating func append(_ r: PackedEvent, recorded: Int64, extra: Extra? = nil) {
        if runs.last?.recorded != recorded { runs.append((count, recorded)) }
        if let extra { extras[count] = extra }
        effective.append(r.effective)
        codes.append(r.code | (extra != nil ? Self.extraBit : 0))
        a.append(r.a)
        b.append(r.b)
        c.append(r.c)
        amount.append(r.amount)
        amount2.append(r.amount2)
    }

    mutating func append(contentsOf other: EventStorage) {
        if isEmpty {
            self = other
            return
        }
        let base = count
        effective.append(contentsOf: other.effective)
        codes.append(contentsOf: other.codes)
        a.append(contentsOf: other.a)
        b.append(contentsOf: other.b)
        c.append(contentsOf: other.c)
        amount.append(contentsOf: other.amount)
        amount2.append(contentsOf: other.amount2)
        for (i, x) in other.extras { extras[base + i] = x }
        for run in other.runs where runs.last?.recorded != run.recorded { runs.append((base + run.from, run.recorded)) }
    }

    mutating func removeLast() {
        let i = count - 1
        effective.removeLast(); codes.removeLast(); a.removeLast(); b.removeLast(); c.removeLast()
        amount.removeLast(); amount2.removeLast()
        extras[i] = nil
        if let last = runs.last, last.from == i { runs.removeLast() }
    }

    mutating func removeAll() { self = EventStorage() }

    /// Record `i`.
    @inline(__always)
    package subscript(i: Int) -> PackedEvent {
        PackedEvent(stored: codes[i], effective: effective[i], a: a[i], b: b[i], c: c[i], amount: amount[i], amount2: amount2[i])
    }

    /// Every record, built one by one (for tests and small ledgers; passes over large ones read
    /// the columns).
    func allRecords() -> [PackedEvent] { (0..<count).map { self[$0] } }

    /// The columns in place, for a pass over many records.
    struct Columns {
        let effective: UnsafeBufferPointer<Int64>
        let codes: UnsafeBufferPointer<UInt8>
        let a, b, c: UnsafeBufferPointer<UInt32>
        let amount, amount2: UnsafeBufferPointer<Int64>

        var count: Int { effective.count }

        @inline(__always)
        func code(_ i: Int) -> UInt8 { codes[i] & ~EventStorage.extraBit }

        /// Record `i`'s site (`PackedFields.site`), read from its column alone.
        @inline(__always)
        func site(_ i: Int) -> UInt32 { a[i] }

        /// Record `i`'s rack (`PackedFields.rack`), read from its column alone.
        @inline(__always)
        func rack(_ i: Int) -> UInt32 { b[i] }

        @inline(__always)
        subscript(i: Int) -> PackedEvent {
            PackedEvent(stored: codes[i], effective: effective[i], a: a[i], b: b[i], c: c[i], amount: amount[i], amount2: amount2[i])
        }

        /// Record `i` read in place: each field from its column when it is asked for, so that a
        /// pass over millions of records reads only the columns each type uses (`self[i]` reads
        /// all seven). The same names as a `PackedEvent`'s (`PackedFields`).
        @inline(__always)
        func row(_ i: Int) -> Row { Row(columns: self, i: i) }

        /// Record `i` of the columns, read in place (`row(_:)`).
        struct Row: PackedFields {
            let columns: Columns
            let i: Int

            @inline(__always) var code: UInt8 { columns.code(i) }
            @inline(__always) var effective: Int64 { columns.effective[i] }
            @inline(__always) var a: UInt32 { columns.a[i] }
            @inline(__always) var b: UInt32 { columns.b[i] }
            @inline(__always) var c: UInt32 { columns.c[i] }
            @inline(__always) var amount: Int64 { columns.amount[i] }
            @inline(__always) var amount2: Int64 { columns.amount2[i] }
        }
    }

    func withColumns<R>(_ body: (Columns) throws -> R) rethrows -> R {
        try effective.withUnsafeBufferPointer { e in
            try codes.withUnsafeBufferPointer { k in
                try a.withUnsafeBufferPointer { a in
                    try b.withUnsafeBufferPointer { b in
                        try c.withUnsafeBufferPointer { c in
                            try amount.withUnsafeBufferPointer { x in
                                try amount2.withUnsafeBufferPointer { y in
                                    try body(Columns(effective: e, codes: k, a: a, b: b, c: c, amount: x, amount2: y))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func extra(_ i: Int) -> Extra? { codes[i] & Self.extraBit != 0 ? extras[i] : nil }

    /// The recorded time of record `i`, µs.
    func recorded(_ i: Int) -> Int64 {
        var lo = 0, hi = runs.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if runs[mid].from <= i { lo = mid + 1 } else { hi = mid }
        }
        return runs[lo - 1].recorded
    }

    /// How many records, from the first, have a recorded time at or before `t` (recorded times
    /// never go backwards).
    func count(recordedBy t: Int64) -> Int {
        var lo = 0, hi = runs.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if runs[mid].recorded <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo == runs.count ? count : runs[lo].from
    }

    /// The last recorded time, µs, or nil when empty.
    package var lastRecorded: Int64? { runs.last?.recorded }

    /// The event at `i` with seq `seq`, its names read from `names`.
    func event(_ i: Int, seq: Int, names: LogStrings) -> Event {
        Self.event(self[i], extra: extra(i), seq: seq, recorded: recorded(i), names: names)
    }

    /// The event a packed record (and its extra) stands for.
    static func event(_ r: PackedEvent, extra x: Extra?, seq: Int, recorded: Int64, names: LogStrings) -> Event {
        @inline(__always) func name(_ n: UInt32) -> String { names.name(n) }
        let body: EventBody
        if let whole = x?.body {
            body = whole
        } else {
            switch r.code {
            case PackedEvent.chipsDelivered: body = .chipsDelivered(site: name(r.site), model: name(r.model), quantity: r.quantity)
            case PackedEvent.rackInstalled:
                body = .rackInstalled(site: name(r.site), rack: name(r.rack), model: name(r.model), chips: r.chips, power: Power(watts: r.watts))
            case PackedEvent.rackRetired: body = .rackRetired(site: name(r.site), rack: name(r.rack))
            case PackedEvent.powerAllocated: body = .powerAllocated(site: name(r.site), power: Power(watts: r.watts))
            case PackedEvent.powerReleased: body = .powerReleased(site: name(r.site), power: Power(watts: r.watts))
            case PackedEvent.investmentCommitted:
                body = .investmentCommitted(investor: name(r.investor), recipient: name(r.recipient), usd: r.usd, instrument: r.instrument.map(name))
            case PackedEvent.eventVoided: body = .eventVoided(target: r.target, reason: name(r.reason))
            case PackedEvent.keyAdded: body = .keyAdded(key: name(r.signingKey), publicKey: name(r.publicKey))
            case PackedEvent.keyRevoked: body = .keyRevoked(key: name(r.signingKey))
            case PackedEvent.siteClosed: body = .siteClosed(site: name(r.site))
            default: preconditionFailure("seq \(seq): a record of type \(r.code) without its body")
            }
        }
        return Event(seq: seq, recorded: Timestamp(micros: recorded), effective: Timestamp(micros: r.effective),
                     note: x?.note, source: x?.source, body: body)
    }
}

extension EventStorage.Extra {
    /// What of `e` a packed record leaves out, or nil when it holds all of it.
    init?(of e: Event) {
        guard let x = Self.of(body: e.body, note: e.note, source: e.source) else { return nil }
        self = x
    }

    /// What of an event with these parts a packed record leaves out, or nil when it holds all of it.
    static func of(body: EventBody, note: String?, source: String?) -> Self? {
        let whole: EventBody?
        switch body {
        case .siteOpened, .chipModelDefined, .siteUpdated: whole = body
        default: whole = nil
        }
        guard whole != nil || note != nil || source != nil else { return nil }
        return Self(note: note, source: source, body: whole)
    }
}

/// The events of a ledger in seq order, each built from its packed record when read.
///
/// `ledger.events[i]` is the event with seq `firstSeq + i`. Reading one builds an `Event` (its
/// names are the string table's, shared, not copied); code that walks millions of events reads
/// the packed records instead.
public struct EventList: RandomAccessCollection, Sendable {
    let storage: EventStorage
    let names: LogStrings
    let firstSeq: Int

    package init(storage: EventStorage, names: LogStrings, firstSeq: Int) {
        self.storage = storage
        self.names = names
        self.firstSeq = firstSeq
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    public subscript(i: Int) -> Event {
        precondition(i >= 0 && i < storage.count, "event index \(i) out of range")
        return storage.event(i, seq: firstSeq + i, names: names)
    }
}

extension EventList: Equatable {
    public static func == (a: EventList, b: EventList) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
    }
}
