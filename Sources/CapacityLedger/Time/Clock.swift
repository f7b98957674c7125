import CCapacitySupport

/// Where "now" comes from. Passed in so that tests can fix the time of recording.
public protocol LedgerClock: Sendable {
    func now() -> Timestamp
}

/// The system's real-time clock, in UTC.
public struct SystemClock: LedgerClock {
    public init() {}
    public func now() -> Timestamp {
        Timestamp(micros: ccap_realtime_micros())
    }
}

/// The system's monotonic clock, in seconds from an arbitrary start: for measuring how long
/// something took (`.timing`, the import's progress bar, `bench-query`).
public enum Monotonic {
    public static func seconds() -> Double {
        ccap_monotonic_seconds()
    }
}

/// A clock that returns a fixed time, advanced by hand. For tests.
public final class ManualClock: LedgerClock, @unchecked Sendable {
    private var current: Timestamp
    public init(_ start: Timestamp) { current = start }
    public func now() -> Timestamp { current }
    public func advance(seconds: Int64) { current = Timestamp(micros: current.micros + seconds * 1_000_000) }
    public func set(_ t: Timestamp) { current = t }
}
