/// A site as the rules see it: when it opened, its power cap over effective time (a step
/// function: the opening's cap, then each `site.updated` that gives one), and its closure.
///
/// A closure acts as a cap of zero from its time on: nothing may be allocated at a closed site,
/// so the one check of allocated power against the caps (`capBreach`) also keeps power off a
/// closed site, for allocations backdated before the closure and for voids of releases alike.
struct SiteRules: Sendable {
    struct CapStep: Sendable, Equatable {
        var key: TimeKey
        /// nil: no cap (a site opened without one).
        var cap: Power?
    }

    var opened: TimeKey
    /// The caps, in effective order; the first is the opening's.
    var caps: [CapStep]
    /// The `site.closed`, if any: a site closes once.
    var closed: TimeKey?

    init(opened: TimeKey, cap: Power?) {
        self.opened = opened
        caps = [CapStep(key: opened, cap: cap)]
    }

    /// Adds an update's cap in its place.
    mutating func insert(_ step: CapStep) {
        caps.insert(step, at: caps.firstIndex { step.key < $0.key } ?? caps.count)
    }

    /// The cap step in force at `key` (the last at or before it).
    func step(at key: TimeKey) -> CapStep {
        caps.last { $0.key <= key } ?? caps[0]
    }

    /// Where the stretch of the step starting at `key` ends: the next cap change, or the
    /// closure, whichever comes first (nil: it never ends).
    func end(after key: TimeKey) -> TimeKey? {
        let next = caps.first { key < $0.key }?.key
        guard let closed, key < closed else { return next }
        return next.map { min($0, closed) } ?? closed
    }
}

/// Allocated power over a cap, where a rule found it: the level it would reach, where, and the
/// cap it breaks (nil: the site is closed then).
struct CapBreach {
    var level: Int64
    var at: TimeKey
    var step: SiteRules.CapStep?
}

extension RuleState {
    /// The first stretch from `key` on where `timeline` plus `delta` goes over the cap in force
    /// at `site` (or above zero once the site is closed), with the highest level there; nil when
    /// none does. `existing`: `key` is a point of the timeline, whose own level is the first to
    /// count (a void of a release raises the levels from it on); otherwise the level in force at
    /// `key` counts (an event about to be added there).
    func capBreach(site: UInt32, _ timeline: DeltaTimeline, from key: TimeKey, adding delta: Int64, existing: Bool = false) -> CapBreach? {
        guard let s = sites[UInt64(site)] else { return nil }
        var start = key
        var inForce = !existing
        while true {
            let step = s.step(at: start)
            if let closed = s.closed, closed <= start {
                guard let (high, at) = timeline.maximum(from: start, before: nil, inForce: inForce), high + delta > 0 else { return nil }
                return CapBreach(level: high + delta, at: at, step: nil)
            }
            let end = s.end(after: start)
            if let cap = step.cap, let (high, at) = timeline.maximum(from: start, before: end, inForce: inForce), high + delta > cap.watts {
                return CapBreach(level: high + delta, at: at, step: step)
            }
            guard let end else { return nil }
            start = end
            inForce = true
        }
    }

    /// How a broken cap is named: `its cap of 100 MW` for the opening's, with where it was set
    /// for an update's.
    static func capText(_ step: SiteRules.CapStep, _ s: SiteRules) -> String {
        let cap = "its cap of \(step.cap?.megawattsText ?? "0") MW"
        return step.key == s.opened ? cap : "\(cap) from \(step.key.time.shortString) (#\(step.key.seq))"
    }

    /// `site.updated`: the site is open (checked by the caller), and a new cap is never below
    /// what is allocated at its time or any later time until the next cap change (or the
    /// closure). The error names the allocation it would break.
    func checkSiteUpdated(site: UInt32, cap watts: Int64, _ key: TimeKey) throws {
        guard watts > 0, let s = sites[UInt64(site)] else { return }
        let newCap = Power(watts: watts)
        let timeline = allocated[UInt64(site)] ?? DeltaTimeline()
        guard let (high, at) = timeline.maximum(from: key, before: s.end(after: key), inForce: true), high > watts else { return }
        if at == key {
            // Over the new cap from its first moment: name the change that brought the level.
            guard let since = timeline.lastKey(before: key) else { throw NeedsFullLog(reason: "the allocation before a cap change") }
            throw RuleViolation { names in
                let n = names.name(site)
                return "site.updated \(n): site \(n) has \(Power(watts: high).megawattsText) MW allocated at \(key.time.shortString) (since \(since.time.shortString), #\(since.seq)), over the new cap of \(newCap.megawattsText) MW"
            }
        }
        throw RuleViolation { names in
            let n = names.name(site)
            return "site.updated \(n): site \(n) has \(Power(watts: high).megawattsText) MW allocated at \(at.time.shortString) (#\(at.seq)), over the new cap of \(newCap.megawattsText) MW from \(key.time.shortString)"
        }
    }

    /// `site.closed`: the site is open at that time and closes once; no power is allocated and
    /// no rack is active at that time or any later time, and no event at the site is effective
    /// after it. The racks and the later events are found in one pass over the ledger's events
    /// (closures are rare, and this keeps the rule state free of a per-rack table by site);
    /// a writer working from a checkpoint, which does not hold them, reads the whole log.
    func checkSiteClosed(site: UInt32, _ key: TimeKey, _ subject: Subject, _ events: EventLookup) throws {
        try checkSiteOpen(site, at: key, subject)
        guard let s = sites[UInt64(site)] else { return }
        if let closed = s.closed {
            throw RuleViolation { names in
                "\(subject.text(names)): site \(names.name(site)) closes later, at \(closed.time.shortString) (#\(closed.seq)); a site closes once"
            }
        }
        let timeline = allocated[UInt64(site)] ?? DeltaTimeline()
        if let (high, at) = timeline.maximum(from: key, before: nil, inForce: true), high > 0 {
            if at == key {
                guard let since = timeline.lastKey(before: key) else { throw NeedsFullLog(reason: "the allocation before a closure") }
                throw RuleViolation { names in
                    "\(subject.text(names)): site \(names.name(site)) has \(Power(watts: high).megawattsText) MW allocated at \(key.time.shortString) (since \(since.time.shortString), #\(since.seq)); release it first"
                }
            }
            throw RuleViolation { names in
                "\(subject.text(names)): site \(names.name(site)) has \(Power(watts: high).megawattsText) MW allocated at \(at.time.shortString) (#\(at.seq)), after the closure at \(key.time.shortString)"
            }
        }
        guard events.isComplete else { throw NeedsFullLog(reason: "a site closure") }
        // Per rack name number, its last mark before the closure; and the events after it.
        var lastMark: [UInt32: (key: TimeKey, install: Bool)] = [:]
        var later: [Int] = []
        for i in 0..<events.stored.count {
            let seq = events.firstSeq + i
            guard seq != key.seq, voided[seq] == nil else { continue }
            let e = events.stored[i]
            switch e.code {
            case PackedEvent.chipsDelivered, PackedEvent.rackInstalled, PackedEvent.rackRetired, PackedEvent.powerAllocated,
                 PackedEvent.powerReleased, PackedEvent.siteUpdated:
                guard e.a == site else { continue }
            default:
                continue
            }
            let k = TimeKey(effective: e.effective, seq: seq)
            if key < k { later.append(seq); continue }
            if e.code == PackedEvent.rackInstalled || e.code == PackedEvent.rackRetired, lastMark[e.b].map({ $0.key < k }) ?? true {
                lastMark[e.b] = (k, e.code == PackedEvent.rackInstalled)
            }
        }
        let active = lastMark.filter(\.value.install).sorted { $0.value.key < $1.value.key }
        if let (rack, mark) = active.first {
            let more = active.count - 1
            throw RuleViolation { names in
                "\(subject.text(names)): rack \(names.name(rack)) is active at \(names.name(site)) at \(key.time.shortString) (installed \(mark.key.time.shortString), #\(mark.key.seq))\(more > 0 ? ", and \(Format.counted(more, "other rack"))" : ""); retire it first"
            }
        }
        if !later.isEmpty {
            let later = later
            throw RuleViolation { names in
                "\(subject.text(names)): site \(names.name(site)) has events after \(key.time.shortString): \(Self.seqList(later)) (a closed site takes none)"
            }
        }
    }
}
