/// Electrical power, held as whole watts so that sums are exact.
public struct Power: Hashable, Comparable, Sendable, AdditiveArithmetic {
    public var watts: Int64
    public init(watts: Int64) { self.watts = watts }
    public static let zero = Power(watts: 0)
    public static func + (a: Power, b: Power) -> Power { Power(watts: a.watts + b.watts) }
    public static func - (a: Power, b: Power) -> Power { Power(watts: a.watts - b.watts) }
    public static func < (a: Power, b: Power) -> Bool { a.watts < b.watts }
    public var megawatts: Double { Double(watts) / 1_000_000 }
    public var kilowatts: Double { Double(watts) / 1_000 }
    /// `352.6` — megawatts with up to six decimals, trailing zeros dropped.
    public var megawattsText: String { Decimal6.format(watts, scale: 1_000_000) }
    /// `45.5` — kilowatts with up to three decimals, trailing zeros dropped.
    public var kilowattsText: String { Decimal6.format(watts, scale: 1_000) }
}

enum Decimal6 {
    /// Formats `value / scale` exactly, without trailing zeros.
    static func format(_ value: Int64, scale: Int64) -> String {
        let neg = value < 0
        let v = neg ? -value : value
        var s = String(v / scale)
        var frac = v % scale
        if frac != 0 {
            var digits = String(frac)
            var width = String(scale).count - 1
            while digits.count < width { digits = "0" + digits }
            while frac % 10 == 0 { frac /= 10; digits.removeLast(); width -= 1 }
            s += "." + digits
        }
        return neg ? "-" + s : s
    }
}

/// What an event says, by type. Field names follow the JSON form (`power_cap_mw` is `powerCap`).
public enum EventBody: Hashable, Sendable {
    // The rare cases with the largest payloads are boxed (`indirect`), so that the common ones
    // set the size of every event a ledger holds in memory.
    /// `pue` nil: not given, which counts as 1.0 (the site's power figures are IT power only).
    indirect case siteOpened(site: String, name: String, region: String?, powerCap: Power?, acres: Double?, pue: Double? = nil)
    indirect case chipModelDefined(model: String, vendor: String, bf16TFLOPS: Double, fp8TFLOPS: Double, hbmGB: Double?, watts: Double?)
    case chipsDelivered(site: String, model: String, quantity: Int64)
    case rackInstalled(site: String, rack: String, model: String, chips: Int64, power: Power)
    case rackRetired(site: String, rack: String)
    case powerAllocated(site: String, power: Power)
    case powerReleased(site: String, power: Power)
    indirect case investmentCommitted(investor: String, recipient: String, usd: Int64, instrument: String?)
    case eventVoided(target: Int, reason: String)
    /// `publicKey` is 64 lower-case hexadecimal digits.
    case keyAdded(key: String, publicKey: String)
    case keyRevoked(key: String)
    /// What changes from the event's effective time on: the fields given (at least one).
    indirect case siteUpdated(site: String, name: String?, region: String?, powerCap: Power?, pue: Double?)
    case siteClosed(site: String)

    public var type: EventType {
        switch self {
        case .siteOpened: .siteOpened
        case .chipModelDefined: .chipModelDefined
        case .chipsDelivered: .chipsDelivered
        case .rackInstalled: .rackInstalled
        case .rackRetired: .rackRetired
        case .powerAllocated: .powerAllocated
        case .powerReleased: .powerReleased
        case .investmentCommitted: .investmentCommitted
        case .eventVoided: .eventVoided
        case .keyAdded: .keyAdded
        case .keyRevoked: .keyRevoked
        case .siteUpdated: .siteUpdated
        case .siteClosed: .siteClosed
        }
    }

    /// The site an event is about, if any.
    public var site: String? {
        switch self {
        case .siteOpened(let s, _, _, _, _, _), .chipsDelivered(let s, _, _), .rackInstalled(let s, _, _, _, _),
             .rackRetired(let s, _), .powerAllocated(let s, _), .powerReleased(let s, _), .siteUpdated(let s, _, _, _, _),
             .siteClosed(let s):
            s
        case .investmentCommitted(_, let recipient, _, _): recipient
        case .chipModelDefined, .eventVoided, .keyAdded, .keyRevoked: nil
        }
    }

    /// The rack an event installs or retires, if any.
    var rack: String? {
        switch self {
        case .rackInstalled(_, let r, _, _, _), .rackRetired(_, let r): r
        default: nil
        }
    }

    /// The chip model an event is about, if any.
    public var model: String? {
        switch self {
        case .chipModelDefined(let m, _, _, _, _, _), .chipsDelivered(_, let m, _), .rackInstalled(_, _, let m, _, _): m
        default: nil
        }
    }

    /// A short human label: `rack.installed r-0017`, `chips.delivered 50,000 trainium2`.
    public var label: String {
        switch self {
        case .siteOpened(let site, _, _, _, _, _): "site.opened \(site)"
        case .chipModelDefined(let model, _, _, _, _, _): "chip.model.defined \(model)"
        case .chipsDelivered(let site, let model, let q): "chips.delivered \(Format.grouped(q)) \(model) at \(site)"
        case .rackInstalled(let site, let rack, _, _, _): "rack.installed \(rack) at \(site)"
        case .rackRetired(let site, let rack): "rack.retired \(rack) at \(site)"
        case .powerAllocated(let site, let p): "power.allocated \(p.megawattsText) MW at \(site)"
        case .powerReleased(let site, let p): "power.released \(p.megawattsText) MW at \(site)"
        case .investmentCommitted(let investor, let recipient, let usd, _): "investment.committed $\(Format.grouped(usd)) \(investor) → \(recipient)"
        case .eventVoided(let target, _): "event.voided #\(target)"
        case .keyAdded(let key, _): "key.added \(key)"
        case .keyRevoked(let key): "key.revoked \(key)"
        case .siteUpdated(let site, _, _, _, _): "site.updated \(site)"
        case .siteClosed(let site): "site.closed \(site)"
        }
    }
}

/// One event as the ledger holds it.
///
/// Before it is appended an event has `seq == 0`; the ledger assigns `seq`, `recorded` and
/// (in the log) its hash. `effective` is when the fact took effect (valid time); `recorded` is
/// when the ledger learned it (transaction time).
public struct Event: Hashable, Sendable {
    public var recorded: Timestamp
    public var effective: Timestamp
    public var body: EventBody
    /// The seq in 32 bits, stored after the body's case tag where it fills what would be padding
    /// (a ledger holds millions of events in memory: 96 bytes each instead of 104).
    private var seq32: UInt32
    /// The note and the source, boxed: most events have neither (this, and boxing the rare cases
    /// of `EventBody` with the largest payloads, keeps an event at 96 bytes).
    private var text: Text?

    public var seq: Int {
        get { Int(seq32) }
        set { seq32 = Self.checkedSeq(newValue) }
    }

    private static func checkedSeq(_ seq: Int) -> UInt32 {
        precondition(seq >= 0 && seq <= Int(UInt32.max), "seq \(seq) is out of range (0 to \(UInt32.max))")
        return UInt32(seq)
    }

    private final class Text: Sendable {
        let note: String?
        let source: String?
        init(note: String?, source: String?) {
            self.note = note
            self.source = source
        }
        static func make(_ note: String?, _ source: String?) -> Text? {
            note == nil && source == nil ? nil : Text(note: note, source: source)
        }
    }

    public init(seq: Int = 0, recorded: Timestamp = Timestamp(micros: 0), effective: Timestamp, note: String? = nil, source: String? = nil, body: EventBody) {
        seq32 = Self.checkedSeq(seq)
        self.recorded = recorded
        self.effective = effective
        self.body = body
        text = Text.make(note, source)
    }

    public var note: String? {
        get { text?.note }
        set { text = Text.make(newValue, source) }
    }

    public var source: String? {
        get { text?.source }
        set { text = Text.make(note, newValue) }
    }

    public var type: EventType { body.type }

    public static func == (a: Event, b: Event) -> Bool {
        a.seq == b.seq && a.recorded == b.recorded && a.effective == b.effective && a.body == b.body
            && a.note == b.note && a.source == b.source
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seq)
        hasher.combine(recorded)
        hasher.combine(effective)
        hasher.combine(body)
        hasher.combine(note)
        hasher.combine(source)
    }
}

/// An event as submitted for appending: the event itself plus what the input said about the
/// ledger-assigned fields (present when restoring an export).
public struct EventDraft: Hashable, Sendable {
    public var body: EventBody
    /// nil: the moment of recording.
    public var effective: Timestamp?
    /// Where the draft came from, for error messages (1-based line of a batch).
    public var line: Int?
    /// The fields most drafts leave out, boxed: a large import hands millions of drafts from the
    /// reading thread to the writer, each copied on the way, and this keeps them small.
    private var rest: Box?

    /// What a draft rarely gives.
    private struct Rare: Hashable, Sendable {
        var note: String?
        var source: String?
        var seq: Int?
        var recorded: Timestamp?
        var hash: String?
        var signature: String?
    }

    private final class Box: Hashable, Sendable {
        let rare: Rare
        init(_ rare: Rare) { self.rare = rare }
        static func == (a: Box, b: Box) -> Bool { a.rare == b.rare }
        func hash(into hasher: inout Hasher) { hasher.combine(rare) }
    }

    /// The rare fields, boxed only when any is given (so drafts without them compare equal).
    private var rare: Rare {
        get { rest?.rare ?? Rare() }
        set { rest = newValue == Rare() ? nil : Box(newValue) }
    }

    public init(body: EventBody, effective: Timestamp? = nil, note: String? = nil, source: String? = nil,
                seq: Int? = nil, recorded: Timestamp? = nil, hash: String? = nil, line: Int? = nil) {
        self.body = body
        self.effective = effective
        self.line = line
        rare = Rare(note: note, source: source, seq: seq, recorded: recorded, hash: hash)
    }

    /// Whether any of the fields a draft rarely gives (note, source, seq, recorded, hash) is.
    var hasRareFields: Bool { rest != nil }

    public var note: String? {
        get { rest?.rare.note }
        set { rare.note = newValue }
    }

    public var source: String? {
        get { rest?.rare.source }
        set { rare.source = newValue }
    }

    /// Given by an exported line: the signature records that end at this event, carried into
    /// the new ledger (`BatchSignature.carried`).
    public var signature: String? {
        get { rest?.rare.signature }
        set { rare.signature = newValue }
    }

    /// Given by an exported line: must equal the seq the ledger assigns.
    public var seq: Int? {
        get { rest?.rare.seq }
        set { rare.seq = newValue }
    }

    /// Given by an exported or historical line: kept as the recorded time.
    public var recorded: Timestamp? {
        get { rest?.rare.recorded }
        set { rare.recorded = newValue }
    }

    /// Given by an exported line: must equal the hash the ledger computes.
    public var hash: String? {
        get { rest?.rare.hash }
        set { rare.hash = newValue }
    }
}
