/// What a writer working from a checkpoint reads instead of the whole log: the rule state as of
/// the checkpoint, one piece at a time (see `WriterBase`). Names are numbers in the log's
/// string table, which the checkpoint keeps.
package protocol RuleBase: AnyObject, Sendable {
    /// Events the checkpoint covers (seq 1…count).
    var count: Int { get }
    /// A timeline as of the checkpoint, exact from `key` on at least: `current` (what was read
    /// of it before, with the changes since) reaching back to `key`, or read anew.
    func timeline(_ line: BaseTimeline, covering key: TimeKey, extending current: DeltaTimeline?) throws -> DeltaTimeline
    /// The seq and event of the latest install or retirement of the rack numbered `rack` at the
    /// site numbered `site`, or nil when it has none.
    func lastRackMark(site: UInt32, rack: UInt32) throws -> (seq: Int, event: EventLookup.Fetched)?
    /// The seq of the void of `seq`, when it was voided before the checkpoint.
    func voidedBy(_ seq: Int) throws -> Int?
    /// Event `seq` (≤ count), read from the log.
    func event(_ seq: Int) throws -> EventLookup.Fetched
    /// Why the base cannot be trusted any more (a damaged part found while reading it), if so.
    var damage: String? { get }
}

/// The timelines of the rule state: undeployed chips of a model at a site, power allocated at a site.
package enum BaseTimeline {
    case undeployed(site: String, model: String)
    case allocated(site: String)
}

extension RuleState {
    /// Loads from `base` what checking and applying event `seq` (`p`) touches, and makes sure
    /// it is exact there. Throws `NeedsFullLog` when the checkpoint does not reach back far
    /// enough.
    mutating func load(for p: PackedEvent, seq: Int, from base: any RuleBase, events: inout EventLookup, names: LogStrings) throws {
        let key = TimeKey(effective: p.effective, seq: seq)
        switch p.code {
        case PackedEvent.chipsDelivered:
            try loadUndeployed(p.a, p.b, from: base, covering: key, names)
        case PackedEvent.rackInstalled:
            try loadUndeployed(p.a, p.c, from: base, covering: key, names)
            try loadRack(p.a, p.b, from: base, covering: key, events: &events, names)
        case PackedEvent.rackRetired:
            try loadRack(p.a, p.b, from: base, covering: key, events: &events, names)
        case PackedEvent.powerAllocated, PackedEvent.powerReleased, PackedEvent.siteUpdated, PackedEvent.siteClosed:
            // A change of a site's cap, or its closure, is checked against its allocated power too.
            let site = UInt64(p.a)
            if let t = allocated[site], t.covers(key) { return }
            allocated[site] = try base.timeline(.allocated(site: names.name(p.a)), covering: key, extending: allocated[site])
        case PackedEvent.eventVoided:
            let target = Int(p.amount)
            guard target >= 1, target < seq else { return }  // the check explains
            if !events.has(target) {
                guard target <= base.count else { return }
                events.fetched[target] = try base.event(target)
                if voided[target] == nil, let by = try base.voidedBy(target) { voided[target] = by }
            }
            let t = events[target]
            switch t.code {
            case PackedEvent.siteOpened, PackedEvent.chipModelDefined: throw NeedsFullLog(reason: "a void of a definition")
            case PackedEvent.eventVoided: return
            default: try load(for: t, seq: target, from: base, events: &events, names: names)
            }
        default:
            return
        }
    }

    private mutating func loadUndeployed(_ site: UInt32, _ model: UInt32, from base: any RuleBase, covering key: TimeKey,
                                         _ names: LogStrings) throws {
        let pk = NumberMap<Int>.pair(site, model)
        if let t = undeployed[pk], t.covers(key) { return }
        undeployed[pk] = try base.timeline(.undeployed(site: names.name(site), model: names.name(model)), covering: key, extending: undeployed[pk])
    }

    private mutating func loadRack(_ site: UInt32, _ rack: UInt32, from base: any RuleBase, covering key: TimeKey,
                                   events: inout EventLookup, _ names: LogStrings) throws {
        let pk = NumberMap<Int>.pair(site, rack)
        let floor: TimeKey?
        if let known = rackFloors[pk] {
            floor = known
        } else {
            let last = try base.lastRackMark(site: site, rack: rack)
            if let last {
                events.fetched[last.seq] = last.event
                racks.insert(seq: last.seq, rack: rack, in: events)
            }
            floor = last.map { TimeKey(effective: $0.event.record.effective, seq: $0.seq) }
            rackFloors[pk] = .some(floor)
        }
        // Exact from the floor on while the mark there stands (once it is voided, the marks
        // before it matter again, and they were not loaded).
        if let floor, key < floor || !racks.marks(site: site, rack: rack, in: events).contains(where: { $0.key == floor }) {
            throw NeedsFullLog(reason: "rack \(names.name(rack)) before its last mark")
        }
    }
}
