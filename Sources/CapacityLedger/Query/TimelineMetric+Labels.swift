extension TimelineMetric {
    /// The header of its values, with the unit: `energized (chips)`, `PFLOPS (fp8)`.
    func unit(_ precision: Precision) -> String {
        switch self {
        case .pflops: "PFLOPS (\(precision.rawValue))"
        case .chips, .installed: "installed (chips)"
        case .energized: "energized (chips)"
        case .delivered: "delivered (chips)"
        case .mw: "drawn (MW)"
        case .allocated: "allocated (MW)"
        case .usd: "committed (USD)"
        case .mwh: "drawn (MWh)"
        case .cap: "cap (MW)"
        case .headroom: "headroom (MW)"
        case .facility: "facility (MW)"
        case .stranded: "stranded (chips)"
        case .strandedMW: "stranded (MW)"
        }
    }

    /// The decimals a table shows: power to the watt, energy to the watt-hour.
    var places: Int {
        switch self {
        case .pflops: 1
        case .chips, .installed, .energized, .delivered, .usd, .stranded: 0
        case .mw, .allocated, .mwh, .cap, .headroom, .facility, .strandedMW: 3
        }
    }

    /// The events that first move it: a timeline without `from=` starts at the first of them
    /// (not at a catalog entry years before any delivery).
    var movedBy: Set<EventType> {
        switch self {
        case .usd: [.investmentCommitted]
        case .delivered: [.chipsDelivered]
        case .allocated, .headroom: [.powerAllocated]
        case .cap: [.siteOpened]
        case .pflops, .chips, .installed, .energized, .mw, .mwh, .facility, .stranded, .strandedMW: [.rackInstalled]
        }
    }
}
