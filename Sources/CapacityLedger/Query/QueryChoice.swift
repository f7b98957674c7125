/// An option whose value is one of a few words (`by=`, `precision=`, `metric=`, `every=`,
/// `type=`): the words are the raw values of the cases, and the parser lists them when it
/// refuses another.
public protocol QueryChoice: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {}

extension QueryChoice {
    /// The accepted words, in the order of the cases.
    public static var names: [String] { allCases.map(\.rawValue) }
}

extension Precision: QueryChoice {}
extension EventType: QueryChoice {}

/// `capacity by=`: what a row of capacity stands for.
public enum Grouping: String, QueryChoice {
    case site, model, region, vendor, fleet

    /// What `fleet` groups its rows by (its default is per site and model).
    static let groupsOfChips: [Grouping] = [.site, .model, .region, .vendor]
    /// What `power` groups by: power belongs to sites, so not models or vendors.
    static let groupsOfPower: [Grouping] = [.site, .region]
}

/// `timeline metric=` and `when metric=`: a figure of the fleet over effective time.
public enum TimelineMetric: String, QueryChoice {
    case pflops, chips, energized, mw, usd
    /// Installed chips, as `fleet` names them (`chips` is the same figure).
    case installed
    case delivered
    /// Allocated MW.
    case allocated
    /// MWh drawn over each step of a timeline: a figure over a period, not at a point.
    case mwh
    /// The sites' power caps in force (MW): sites without a cap add nothing.
    case cap
    /// Allocated MW not drawn by energized racks.
    case headroom
    /// Facility power: MW drawn × the site's PUE.
    case facility
    /// Chips in active racks without power.
    case stranded
    /// MW of the active racks without power (what they would draw).
    case strandedMW = "stranded_mw"
}

/// `timeline every=`: the spacing of a timeline's points.
public enum Period: String, QueryChoice {
    case day, week, month, quarter, year
}
