/// A time an option gives (`since=`, `until=`, `from=`, `to=`, `known=`): a date or a UTC
/// date-time, or `now`, which is the clock's time when the command runs.
public enum TimePoint: Sendable, Hashable {
    case now
    case time(Timestamp)

    /// Parses `now`, a date or a UTC date-time.
    public static func parse(_ text: String) -> TimePoint? {
        if text == "now" { return .now }
        return Timestamp.parse(text).map { .time($0) }
    }

    /// The time, with `now` the clock's time given.
    public func resolved(now: Timestamp) -> Timestamp {
        switch self {
        case .now: now
        case .time(let t): t
        }
    }
}

/// A command's own `at=` and `known=`, each nil when it does not give it (the session's cursor
/// then applies).
public struct PointOptions: Sendable, Hashable {
    public var at: PointInTime.At?
    public var known: TimePoint?

    public init(at: PointInTime.At? = nil, known: TimePoint? = nil) {
        self.at = at
        self.known = known
    }

    /// `defaults` with what these options give instead.
    public func applied(to defaults: PointInTime) -> PointInTime {
        var p = defaults
        if let at { p.at = at }
        switch known {
        case nil: break
        case .now: p.known = nil
        case .time(let t): p.known = t
        }
        return p
    }
}
