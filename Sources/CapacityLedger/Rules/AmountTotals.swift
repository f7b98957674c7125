/// The sum of the magnitudes of every amount in the ledger, voided or not, per unit: chips,
/// watts and dollars.
///
/// Every total a query computes (at any effective time, as known at any time, for one site,
/// model or pair or for the whole fleet, and the difference of two of them) adds some of these
/// amounts with their signs, so while each sum here stays at or below `Int64.max`, no total can
/// overflow. `Ledger` refuses an event that would take one past it. A rack's chips and watts
/// count twice: once for its install and once for the retirement that may take them out again.
package struct AmountTotals: Sendable, Equatable {
    private(set) var chips: UInt64 = 0
    private(set) var watts: UInt64 = 0
    private(set) var usd: UInt64 = 0

    static let limit = UInt64(Int64.max)

    package init() {}

    /// Totals read from a checkpoint.
    package init(chips: UInt64, watts: UInt64, usd: UInt64) {
        self.chips = min(chips, Self.limit)
        self.watts = min(watts, Self.limit)
        self.usd = min(usd, Self.limit)
    }

    /// The unit whose total an event would take past the limit, and what its total counts.
    struct Overflow: Error, Equatable {
        var unit: String
        var counted: String

        /// The refusal of an event of type `type`.
        func error(_ type: EventType) -> LedgerError {
            LedgerError(.totalTooLarge(type: type, unit: unit, counted: counted))
        }
    }

    /// The totals with `body`'s amounts added; throws when one would pass `limit`.
    func adding(_ body: EventBody) throws(Overflow) -> AmountTotals {
        try adding(Self.amounts(body))
    }

    /// `adding` for a packed record.
    func adding(_ p: PackedEvent) throws(Overflow) -> AmountTotals {
        try adding(Self.amounts(p))
    }

    private func adding(_ a: (chips: UInt64, watts: UInt64, usd: UInt64)) throws(Overflow) -> AmountTotals {
        guard let c = Self.sum(chips, a.chips) else {
            throw Overflow(unit: "chips", counted: "every delivery, and every rack's chips twice: for its install and for its retirement")
        }
        guard let w = Self.sum(watts, a.watts) else {
            throw Overflow(unit: "watts", counted: "every allocation and release, and every rack's power twice: for its install and for its retirement")
        }
        guard let u = Self.sum(usd, a.usd) else {
            throw Overflow(unit: "dollars", counted: "every investment")
        }
        return AmountTotals(chips: c, watts: w, usd: u)
    }

    /// Adds `body`'s amounts, holding a total at the limit rather than passing it (events read
    /// from a log, checked when they were appended).
    mutating func absorb(_ body: EventBody) {
        let a = Self.amounts(body)
        chips = Self.sum(chips, a.chips) ?? Self.limit
        watts = Self.sum(watts, a.watts) ?? Self.limit
        usd = Self.sum(usd, a.usd) ?? Self.limit
    }

    /// `absorb` for a packed record.
    mutating func absorb(_ p: PackedEvent) {
        let a = Self.amounts(p)
        chips = Self.sum(chips, a.chips) ?? Self.limit
        watts = Self.sum(watts, a.watts) ?? Self.limit
        usd = Self.sum(usd, a.usd) ?? Self.limit
    }

    private static func twice(_ x: UInt64) -> UInt64 {
        let (y, o) = x.multipliedReportingOverflow(by: 2)
        return o ? .max : y
    }

    private static func amounts(_ p: PackedEvent) -> (chips: UInt64, watts: UInt64, usd: UInt64) {
        switch p.code {
        case PackedEvent.chipsDelivered: return (p.amount.magnitude, 0, 0)
        case PackedEvent.rackInstalled: return (twice(p.amount.magnitude), twice(p.amount2.magnitude), 0)
        case PackedEvent.powerAllocated, PackedEvent.powerReleased: return (0, p.amount.magnitude, 0)
        case PackedEvent.investmentCommitted: return (0, 0, p.amount.magnitude)
        default: return (0, 0, 0)
        }
    }

    /// The magnitudes an event adds, per unit (saturating at `UInt64.max`).
    private static func amounts(_ body: EventBody) -> (chips: UInt64, watts: UInt64, usd: UInt64) {
        switch body {
        case .chipsDelivered(_, _, let q): return (q.magnitude, 0, 0)
        case .rackInstalled(_, _, _, let c, let p): return (twice(c.magnitude), twice(p.watts.magnitude), 0)
        case .powerAllocated(_, let p), .powerReleased(_, let p): return (0, p.watts.magnitude, 0)
        case .investmentCommitted(_, _, let u, _): return (0, 0, u.magnitude)
        case .siteOpened, .chipModelDefined, .rackRetired, .eventVoided, .keyAdded, .keyRevoked, .siteUpdated, .siteClosed: return (0, 0, 0)
        }
    }

    /// `total + amount`, or nil when that passes `limit`.
    private static func sum(_ total: UInt64, _ amount: UInt64) -> UInt64? {
        let (s, o) = total.addingReportingOverflow(amount)
        return o || s > limit ? nil : s
    }
}
