/// When a query looks at the ledger: an effective (valid) time and a transaction-time cut.
///
/// - `at=TIME`: events effective at or before TIME count (default: now).
/// - `known=TIME`: only events recorded by TIME count, voids included (default: now).
/// - `at=#N`: the ledger exactly as it stood after event N was recorded: events 1…N, seen at
///   the effective time now.
public struct PointInTime: Sendable, Hashable {
    public enum At: Sendable, Hashable {
        case now
        case time(Timestamp)
        case seq(Int)
    }

    public var at: At = .now
    /// nil: now.
    public var known: Timestamp?

    public init(at: At = .now, known: Timestamp? = nil) {
        self.at = at
        self.known = known
    }

    /// Parses `now`, `#N`, a date or a UTC date-time.
    public static func parseAt(_ text: String) -> At? {
        if text == "now" { return .now }
        if text.hasPrefix("#") {
            guard let n = Int(text.dropFirst()), n >= 0 else { return nil }
            return .seq(n)
        }
        return Timestamp.parse(text).map { .time($0) }
    }

    /// Parses `now`, a date or a UTC date-time; `.some(nil)` is now.
    public static func parseTime(_ text: String) -> Timestamp?? {
        if text == "now" { return .some(nil) }
        guard let t = Timestamp.parse(text) else { return nil }
        return .some(t)
    }

    /// `2025-10-29`, `#42`, or `now` — as shown in prompts and output.
    public var atText: String {
        switch at {
        case .now: "now"
        case .time(let t): t.shortString
        case .seq(let n): "#\(n)"
        }
    }

    public var knownText: String { known?.shortString ?? "now" }
}

/// The events that count at a point in time, in effective order, resolved against one ledger.
public struct LedgerView: Sendable {
    /// Highest seq that counts (transaction-time cut).
    public let seqLimit: Int
    /// Effective-time cut.
    public let effectiveLimit: Timestamp
    public let point: PointInTime
    public let now: Timestamp

    public init(ledger: Ledger, point: PointInTime, now: Timestamp) {
        self.point = point
        self.now = now
        var limit = ledger.count
        if let known = point.known { limit = min(limit, ledger.lastSeq(recordedBy: known)) }
        var eff = now
        switch point.at {
        case .now: break
        case .time(let t): eff = t
        case .seq(let n): limit = min(limit, n)
        }
        seqLimit = limit
        effectiveLimit = eff
    }

    /// Whether `e` counts here: within both cuts, not a void, not voided by a void within the cut.
    public func counts(_ e: Event, voidedBy: [Int: Int]) -> Bool {
        guard e.seq <= seqLimit, e.effective <= effectiveLimit else { return false }
        if e.type == .eventVoided { return false }
        if let v = voidedBy[e.seq], v <= seqLimit { return false }
        return true
    }
}

extension Ledger {
    /// Per seq: whether a void with seq ≤ `seqLimit` voided it, the `voidedBy` test of
    /// `LedgerView.counts` as a bit per seq for a pass over many events (a bit, not a byte:
    /// memory a fold of millions of events has not touched before costs more than the test).
    func voidedMask(through seqLimit: Int) -> Bitset {
        var mask = Bitset(capacity: count + 1)
        for (target, by) in voidedBy where by <= seqLimit && target <= count { mask.insert(target) }
        return mask
    }
}

extension Ledger {
    /// The last seq whose recorded time is at or before `t` (recorded times never go backwards).
    public func lastSeq(recordedBy t: Timestamp) -> Int {
        stored.count(recordedBy: t.micros)
    }

    /// Seqs of all events sorted by (effective, seq), in 32 bits (a seq is at most `UInt32.max`).
    ///
    /// Most events are recorded in effective order: those that do not lower the latest effective
    /// time so far are already in order; only the others (backdated ones) are sorted, then merged.
    /// - Complexity: O(n + k log k) for k events recorded out of effective order.
    public func effectiveOrder() -> [UInt32] {
        // Only the effective times are read, in place.
        stored.effective.withUnsafeBufferPointer { effective in
            let first = UInt32(firstSeq)
            return [UInt32](unsafeUninitializedCapacity: effective.count) { buffer, n in
                var late: [(Int64, UInt32)] = []
                var latest = Int64.min
                n = 0
                for i in effective.indices {
                    let t = effective[i]
                    if t >= latest {
                        buffer[n] = UInt32(truncatingIfNeeded: i) &+ first
                        n += 1
                        latest = t
                    } else {
                        late.append((t, UInt32(truncatingIfNeeded: i) &+ first))
                    }
                }
                guard !late.isEmpty else { return }
                late.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                // Merge from the back, in place: the in-order seqs are at the front of the buffer.
                var i = n - 1, j = late.count - 1, out = effective.count - 1
                while j >= 0 {
                    let (t, seq) = late[j]
                    if i >= 0 {
                        let a = buffer[i], ta = effective[Int(a - first)]
                        if ta > t || (ta == t && a > seq) {
                            buffer[out] = a
                            i -= 1
                            out -= 1
                            continue
                        }
                    }
                    buffer[out] = seq
                    j -= 1
                    out -= 1
                }
                n = effective.count
            }
        }
    }
}
