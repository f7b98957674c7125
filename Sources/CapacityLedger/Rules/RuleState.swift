/// Two ids that together name one thing: (site, model) or (site, rack).
struct PairKey: Hashable, Sendable {
    var a: String
    var b: String
}

extension Array {
    /// Runs `body` on the array in place (through a dictionary's `default:` subscript, this
    /// mutates the stored array instead of a copy).
    @inline(__always)
    mutating func withinPlace(_ body: (inout [Element]) -> Void) { body(&self) }
}

/// The state the append-time rules need, over the whole effective timeline.
///
/// The rules of `docs/events.md` are checked here, each in the file named after its event type
/// (`RuleState+RackInstalled.swift`, …). `check` never changes the state; `applyEffects` and
/// `removeEffects` are exact inverses, which makes a rejected batch easy to undo and a void easy
/// to check ("the ledger without it still obeys every rule").
struct RuleState: Sendable {
    var sites: [String: (opened: TimeKey, cap: Power?)] = [:]
    var modelDefinitions: [String: [TimeKey]] = [:]
    var undeployed = PairMap<DeltaTimeline>()
    var allocated: [String: DeltaTimeline] = [:]
    var racks = RackMarks()
    /// Voided seq → the seq of the void.
    var voided: [Int: Int] = [:]
    /// Rack marks before this key are not loaded (a writer working from a checkpoint).
    var rackFloors: [PairKey: TimeKey] = [:]

    /// Checks `event` (with its seq already assigned) against every rule. `events` holds the
    /// ledger so far, indexed by seq − 1, for voids and for naming dependent events.
    func check(_ event: Event, events: EventLookup) throws {
        let key = TimeKey(event.effective, event.seq)
        switch event.body {
        case .siteOpened(let site, _, _, _, _):
            try checkSiteOpened(site, key)
        case .chipModelDefined:
            break  // a later definition replaces the specs from its effective time on
        case .chipsDelivered(let site, let model, _):
            try checkSiteOpen(site, at: key, event)
            try checkModelDefined(model, at: key, event)
        case .rackInstalled(let site, let rack, let model, let chips, _):
            try checkSiteOpen(site, at: key, event)
            try checkModelDefined(model, at: key, event)
            try checkRackInstalled(site: site, rack: rack, model: model, chips: chips, key)
        case .rackRetired(let site, let rack):
            try checkSiteOpen(site, at: key, event)
            try checkRackRetired(site: site, rack: rack, key)
        case .powerAllocated(let site, let p):
            try checkSiteOpen(site, at: key, event)
            try checkPowerAllocated(site: site, power: p, key)
        case .powerReleased(let site, let p):
            try checkSiteOpen(site, at: key, event)
            try checkPowerReleased(site: site, power: p, key)
        case .investmentCommitted:
            break
        case .eventVoided(let target, _):
            try checkVoid(target: target, voidSeq: event.seq, events: events)
        }
    }

    /// Adds what `event` changes on the timeline. Voids mark their target and take its effects out.
    mutating func applyEffects(_ event: Event, events: EventLookup) {
        let key = TimeKey(event.effective, event.seq)
        switch event.body {
        case .siteOpened(let site, _, _, let cap, _):
            sites[site] = (key, cap)
        case .chipModelDefined(let model, _, _, _, _, _):
            var defs = modelDefinitions[model, default: []]
            defs.insert(key, at: defs.firstIndex { key < $0 } ?? defs.count)
            modelDefinitions[model] = defs
        case .chipsDelivered(let site, let model, let q):
            undeployed[PairKey(a: site, b: model), default: DeltaTimeline()].insert(key, q)
        case .rackInstalled(let site, let rack, let model, let chips, _):
            undeployed[PairKey(a: site, b: model), default: DeltaTimeline()].insert(key, -chips)
            racks.insert(RackMark(key: key, install: true, model: model, chips: chips), site: site, rack: rack)
        case .rackRetired(let site, let rack):
            let prior = racks.last(site: site, rack: rack, before: key)
            racks.insert(RackMark(key: key, install: false, model: prior?.model ?? "", chips: prior?.chips ?? 0), site: site, rack: rack)
        case .powerAllocated(let site, let p):
            allocated[site, default: DeltaTimeline()].insert(key, p.watts)
        case .powerReleased(let site, let p):
            allocated[site, default: DeltaTimeline()].insert(key, -p.watts)
        case .investmentCommitted:
            break
        case .eventVoided(let target, _):
            voided[target] = event.seq
            removeEffects(events[target], events: events)
        }
    }

    /// Takes out what `applyEffects(event)` added. For a void: restores its target.
    mutating func removeEffects(_ event: Event, events: EventLookup) {
        let key = TimeKey(event.effective, event.seq)
        switch event.body {
        case .siteOpened(let site, _, _, _, _):
            sites[site] = nil
        case .chipModelDefined(let model, _, _, _, _, _):
            modelDefinitions[model]?.removeAll { $0 == key }
            if modelDefinitions[model]?.isEmpty == true { modelDefinitions[model] = nil }
        case .chipsDelivered(let site, let model, _):
            undeployed.update(PairKey(a: site, b: model)) { $0.remove(key) }
        case .rackInstalled(let site, let rack, let model, _, _):
            undeployed.update(PairKey(a: site, b: model)) { $0.remove(key) }
            racks.remove(at: key, site: site, rack: rack)
        case .rackRetired(let site, let rack):
            racks.remove(at: key, site: site, rack: rack)
        case .powerAllocated(let site, _), .powerReleased(let site, _):
            allocated[site]?.remove(key)
        case .investmentCommitted:
            break
        case .eventVoided(let target, _):
            voided[target] = nil
            applyEffects(events[target], events: events)
        }
    }

    // MARK: shared checks

    func checkSiteOpen(_ site: String, at key: TimeKey, _ event: Event) throws {
        guard let s = sites[site] else {
            throw LedgerError.data("\(Self.subject(event)): site \(site) has not been opened (append a site.opened event for it first)")
        }
        guard s.opened <= key else {
            throw LedgerError.data("\(Self.subject(event)): site \(site) is not open at \(key.time.shortString); it opens \(s.opened.time.shortString) (#\(s.opened.seq))")
        }
    }

    func checkModelDefined(_ model: String, at key: TimeKey, _ event: Event) throws {
        guard let defs = modelDefinitions[model], let first = defs.first else {
            throw LedgerError.data("\(Self.subject(event)): chip model \(model) is not defined (append a chip.model.defined event for it first)")
        }
        guard first <= key else {
            throw LedgerError.data("\(Self.subject(event)): chip model \(model) is not defined at \(key.time.shortString); its first definition takes effect \(first.time.shortString) (#\(first.seq))")
        }
    }

    /// How an event is named at the start of a rule error: `rack.installed r-0017`.
    static func subject(_ event: Event) -> String {
        switch event.body {
        case .rackInstalled(_, let rack, _, _, _), .rackRetired(_, let rack): "\(event.type.rawValue) \(rack)"
        case .siteOpened(let site, _, _, _, _): "site.opened \(site)"
        case .chipModelDefined(let model, _, _, _, _, _): "chip.model.defined \(model)"
        default: event.type.rawValue
        }
    }

    static func seqList(_ seqs: [Int], limit: Int = 5) -> String {
        let shown = seqs.prefix(limit).map { "#\($0)" }.joined(separator: ", ")
        return seqs.count > limit ? shown + " and \(Format.grouped(seqs.count - limit)) more" : shown
    }
}
