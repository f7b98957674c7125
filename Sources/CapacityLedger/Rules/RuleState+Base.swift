/// What a writer working from a checkpoint reads instead of the whole log: the rule state as of
/// the checkpoint, one piece at a time (see `WriterBase`).
protocol RuleBase: AnyObject, Sendable {
    /// Events the checkpoint covers (seq 1…count).
    var count: Int { get }
    /// A timeline as of the checkpoint, exact from `key` on at least: `current` (what was read
    /// of it before, with the changes since) reaching back to `key`, or read anew.
    func timeline(_ line: BaseTimeline, covering key: TimeKey, extending current: DeltaTimeline?) throws -> DeltaTimeline
    /// The latest install or retirement of the rack, or nil when it has none.
    func lastRackMark(site: String, rack: String) throws -> RackMark?
    /// The seq of the void of `seq`, when it was voided before the checkpoint.
    func voidedBy(_ seq: Int) throws -> Int?
    /// Event `seq` (≤ count), read from the log.
    func event(_ seq: Int) throws -> Event
    /// Why the base cannot be trusted any more (a damaged part found while reading it), if so.
    var damage: String? { get }
}

/// The timelines of the rule state: undeployed chips of a model at a site, power allocated at a site.
enum BaseTimeline {
    case undeployed(site: String, model: String)
    case allocated(site: String)
}

extension RuleState {
    /// The rule state as of a checkpoint: sites and chip models in full, everything else loaded
    /// on demand by `load(for:from:events:)`.
    init(definitions: [Event]) {
        self.init()
        for e in definitions.sorted(by: { TimeKey($0.effective, $0.seq) < TimeKey($1.effective, $1.seq) }) {
            applyEffects(e, events: .none)
        }
    }

    /// Loads from `base` what checking and applying `event` touches, and makes sure it is
    /// exact there. Throws `NeedsFullLog` when the checkpoint does not reach back far enough.
    mutating func load(for event: Event, from base: any RuleBase, events: inout EventLookup) throws {
        let key = TimeKey(event.effective, event.seq)
        switch event.body {
        case .siteOpened, .chipModelDefined, .investmentCommitted:
            return
        case .chipsDelivered(let site, let model, _):
            try loadUndeployed(site, model, from: base, covering: key)
        case .rackInstalled(let site, let rack, let model, _, _):
            try loadUndeployed(site, model, from: base, covering: key)
            try loadRack(site, rack, from: base, covering: key)
        case .rackRetired(let site, let rack):
            try loadRack(site, rack, from: base, covering: key)
        case .powerAllocated(let site, _), .powerReleased(let site, _):
            if let t = allocated[site], t.covers(key) { return }
            allocated[site] = try base.timeline(.allocated(site: site), covering: key, extending: allocated[site])
        case .eventVoided(let target, _):
            guard target >= 1, target < event.seq else { return }  // the check explains
            if !events.has(target) {
                guard target <= base.count else { return }
                events.fetched[target] = try base.event(target)
                if voided[target] == nil, let by = try base.voidedBy(target) { voided[target] = by }
            }
            let t = events[target]
            switch t.body {
            case .siteOpened, .chipModelDefined: throw NeedsFullLog(reason: "a void of a definition")
            case .eventVoided: return
            default: try load(for: t, from: base, events: &events)
            }
        }
    }

    private mutating func loadUndeployed(_ site: String, _ model: String, from base: any RuleBase, covering key: TimeKey) throws {
        let pk = PairKey(a: site, b: model)
        if let t = undeployed[pk], t.covers(key) { return }
        undeployed[pk] = try base.timeline(.undeployed(site: site, model: model), covering: key, extending: undeployed[pk])
    }

    private mutating func loadRack(_ site: String, _ rack: String, from base: any RuleBase, covering key: TimeKey) throws {
        let pk = PairKey(a: site, b: rack)
        let marks: [RackMark]
        if let known = racks.marks(site: site, rack: rack) {
            marks = known
        } else {
            let last = try base.lastRackMark(site: site, rack: rack)
            marks = last.map { [$0] } ?? []
            racks.load(marks, site: site, rack: rack)
            rackFloors[pk] = last?.key
        }
        // Exact from the floor on while the mark there stands (once it is voided, the marks
        // before it matter again, and they were not loaded).
        if let floor = rackFloors[pk], key < floor || !marks.contains(where: { $0.key == floor }) {
            throw NeedsFullLog(reason: "rack \(rack) before its last mark")
        }
    }
}
