/// The kinds of event the ledger records. The raw value is the `type` field.
public enum EventType: String, CaseIterable, Sendable, Hashable {
    case siteOpened = "site.opened"
    case chipModelDefined = "chip.model.defined"
    case chipsDelivered = "chips.delivered"
    case rackInstalled = "rack.installed"
    case rackRetired = "rack.retired"
    case powerAllocated = "power.allocated"
    case powerReleased = "power.released"
    case investmentCommitted = "investment.committed"
    case eventVoided = "event.voided"
    /// An operator's Ed25519 public key: from the batch after it on, every append is signed.
    case keyAdded = "key.added"
    /// A key ends: batches after this one may not be signed with it.
    case keyRevoked = "key.revoked"
    /// A site's name, region, power cap or PUE changes from this time on.
    case siteUpdated = "site.updated"
    /// A site closes: no event at it from this time on.
    case siteClosed = "site.closed"

    /// The code of this type in the binary log (1…13). Never renumber.
    public var code: UInt8 {
        switch self {
        case .siteOpened: 1
        case .chipModelDefined: 2
        case .chipsDelivered: 3
        case .rackInstalled: 4
        case .rackRetired: 5
        case .powerAllocated: 6
        case .powerReleased: 7
        case .investmentCommitted: 8
        case .eventVoided: 9
        case .keyAdded: 10
        case .keyRevoked: 11
        case .siteUpdated: 12
        case .siteClosed: 13
        }
    }

    public init?(code: UInt8) {
        guard code >= 1, code <= 13 else { return nil }
        self = Self.allCases[Int(code) - 1]
    }

    /// The type's own fields, in the order they are documented and exported.
    public var fields: [FieldSpec] {
        switch self {
        case .siteOpened:
            [.init("site", .id), .init("name", .text), .init("region", .text, optional: true),
             .init("power_cap_mw", .megawatts, optional: true), .init("acres", .decimal, optional: true),
             .init("pue", .pue, optional: true)]
        case .chipModelDefined:
            [.init("model", .id), .init("vendor", .text), .init("bf16_tflops", .positiveDecimal),
             .init("fp8_tflops", .positiveDecimal), .init("hbm_gb", .decimal, optional: true),
             .init("watts", .decimal, optional: true)]
        case .chipsDelivered:
            [.init("site", .id), .init("model", .id), .init("quantity", .count)]
        case .rackInstalled:
            [.init("site", .id), .init("rack", .id), .init("model", .id), .init("chips", .count),
             .init("kw", .kilowatts)]
        case .rackRetired:
            [.init("site", .id), .init("rack", .id)]
        case .powerAllocated, .powerReleased:
            [.init("site", .id), .init("mw", .megawatts)]
        case .investmentCommitted:
            [.init("investor", .id), .init("recipient", .id), .init("usd", .count),
             .init("instrument", .text, optional: true)]
        case .eventVoided:
            [.init("target", .seq), .init("reason", .text)]
        case .keyAdded:
            [.init("key", .id), .init("public_key", .publicKey)]
        case .keyRevoked:
            [.init("key", .id)]
        case .siteUpdated:
            // At least one of the optional fields is required (`EventDraftDecoder`).
            [.init("site", .id), .init("name", .text, optional: true), .init("region", .text, optional: true),
             .init("power_cap_mw", .megawatts, optional: true), .init("pue", .pue, optional: true)]
        case .siteClosed:
            [.init("site", .id)]
        }
    }

    /// Fields every event may carry, besides its own.
    public static let commonFields: [FieldSpec] = [
        .init("type", .text), .init("effective", .time, optional: true),
        .init("note", .text, optional: true), .init("source", .text, optional: true),
    ]

    /// Fields that only exported (or restored) lines carry: assigned by the ledger.
    public static let ledgerFields: [FieldSpec] = [
        .init("seq", .seq, optional: true), .init("recorded", .time, optional: true),
        .init("hash", .text, optional: true), .init("signature", .text, optional: true),
    ]

    public static var names: [String] { allCases.map(\.rawValue) }
}

/// One field of an event type: its name, what values it takes, whether it may be left out.
public struct FieldSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A slug `[a-z0-9][a-z0-9._-]*` of at most 64 bytes.
        case id
        /// Non-empty text.
        case text
        /// An integer greater than zero.
        case count
        /// A finite decimal greater than or equal to zero.
        case decimal
        /// A finite decimal greater than zero.
        case positiveDecimal
        /// Power in kilowatts, greater than zero, at most 3 decimal places.
        case kilowatts
        /// Power in megawatts, greater than zero, at most 6 decimal places.
        case megawatts
        /// A sequence number of an event (integer ≥ 1).
        case seq
        /// A date or UTC date-time.
        case time
        /// An Ed25519 public key: 64 hexadecimal digits (32 bytes), kept in lower case.
        case publicKey
        /// Power usage effectiveness: facility power over IT power, a finite decimal from 1 to
        /// `EventDraftDecoder.maxPUE`.
        case pue
    }
    public var name: String
    public var kind: Kind
    public var optional: Bool
    public init(_ name: String, _ kind: Kind, optional: Bool = false) {
        self.name = name
        self.kind = kind
        self.optional = optional
    }
}
