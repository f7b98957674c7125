/// Two ids that together name one thing: (site, model) or (site, rack).
package struct PairKey: Hashable, Sendable {
    package var a: String
    var b: String

    package init(a: String, b: String) {
        self.a = a
        self.b = b
    }
}

extension Array {
    /// Runs `body` on the array in place (through a dictionary's `default:` subscript, this
    /// mutates the stored array instead of a copy).
    @inline(__always)
    mutating func withinPlace(_ body: (inout [Element]) -> Void) { body(&self) }
}

/// A rule an event breaks, worded when the caller has the names at hand (`error(_:)`): the
/// rules compare numbers, and most events break none.
struct RuleViolation: Error {
    let message: @Sendable (LogStrings) -> String

    init(_ message: @escaping @Sendable (LogStrings) -> String) {
        self.message = message
    }

    func error(_ names: LogStrings) -> LedgerError { LedgerError(.ruleBroken(message(names))) }
}

/// The state the append-time rules need, over the whole effective timeline.
///
/// The rules of `docs/events.md` are checked here, each in the file named after its event type
/// (`RuleState+RackInstalled.swift`, …). Events come as packed records (`PackedEvent`) and names
/// as their numbers in the log's string table, so that checking an event of a large import
/// compares numbers; a broken rule is thrown as a `RuleViolation`, worded with the names only
/// then. `check` never changes the state; `applyEffects` and `removeEffects` are exact inverses,
/// which makes a rejected batch easy to undo and a void easy to check ("the ledger without it
/// still obeys every rule").
struct RuleState: Sendable {
    /// By site number: when it opened, its power cap over time, its closure (`SiteRules`).
    var sites = NumberMap<SiteRules>()
    /// By model number: the keys of its definitions, in effective order.
    var modelDefinitions = NumberMap<[TimeKey]>()
    /// By (site, model) numbers (`NumberMap.pair`).
    var undeployed = NumberMap<DeltaTimeline>()
    /// By site number.
    var allocated = NumberMap<DeltaTimeline>()
    var racks = RackMarks()
    /// Voided seq → the seq of the void.
    var voided: [Int: Int] = [:]
    /// The racks, by (site, rack) numbers, a writer working from a checkpoint has loaded, and
    /// the key before which their marks are not loaded (nil: the checkpoint had none).
    var rackFloors: [UInt64: TimeKey?] = [:]

    init() {}

    /// Checks the event `seq` of `events` (held there already, or `p` about to be) against
    /// every rule. Throws `RuleViolation` (or, for a writer from a checkpoint, `NeedsFullLog`).
    ///
    /// It changes nothing. Mutating only so that a caller holding the state inside a larger
    /// value (`Ledger`) calls it in place: called as a non-mutating method there, the whole state
    /// was copied, a retain of each of its tables, for every event checked.
    mutating func check(_ p: PackedEvent, seq: Int, events: EventLookup) throws {
        let key = TimeKey(effective: p.effective, seq: seq)
        let subject = Subject(record: p)
        switch p.code {
        case PackedEvent.siteOpened:
            try checkSiteOpened(p.a, key)
        case PackedEvent.chipModelDefined:
            break  // a later definition replaces the specs from its effective time on
        case PackedEvent.chipsDelivered:
            try checkSiteOpen(p.a, at: key, subject)
            try checkModelDefined(p.b, at: key, subject)
        case PackedEvent.rackInstalled:
            try checkSiteOpen(p.a, at: key, subject)
            try checkModelDefined(p.c, at: key, subject)
            try checkRackInstalled(site: p.a, rack: p.b, model: p.c, chips: p.amount, key, events)
        case PackedEvent.rackRetired:
            try checkSiteOpen(p.a, at: key, subject)
            try checkRackRetired(site: p.a, rack: p.b, key, events)
        case PackedEvent.powerAllocated:
            try checkSiteOpen(p.a, at: key, subject)
            try checkPowerAllocated(site: p.a, watts: p.amount, key)
        case PackedEvent.powerReleased:
            try checkSiteOpen(p.a, at: key, subject)
            try checkPowerReleased(site: p.a, watts: p.amount, key)
        case PackedEvent.eventVoided:
            try checkVoid(target: Int(p.amount), voidSeq: seq, events: events)
        case PackedEvent.siteUpdated:
            try checkSiteOpen(p.a, at: key, subject)
            try checkSiteUpdated(site: p.a, cap: p.cap, key)
        case PackedEvent.siteClosed:
            try checkSiteClosed(site: p.a, key, subject, events)
        default:
            break
        }
    }

    /// Adds what event `seq` of `events` changes on the timeline. Voids mark their target and
    /// take its effects out.
    mutating func applyEffects(_ seq: Int, events: EventLookup) {
        let p = events[seq]
        let key = TimeKey(effective: p.effective, seq: seq)
        switch p.code {
        case PackedEvent.siteOpened:
            guard case .siteOpened(_, _, _, let cap, _, _) = events.extra(seq)?.body else { preconditionFailure("#\(seq) without its site") }
            sites[UInt64(p.a)] = SiteRules(opened: key, cap: cap)
        case PackedEvent.siteUpdated:
            if p.cap > 0 { sites.update(UInt64(p.a)) { $0.insert(SiteRules.CapStep(key: key, cap: Power(watts: p.cap))) } }
        case PackedEvent.siteClosed:
            sites.update(UInt64(p.a)) { $0.closed = key }
        case PackedEvent.chipModelDefined:
            modelDefinitions[UInt64(p.a), default: []].withinPlace { defs in
                defs.insert(key, at: defs.firstIndex { key < $0 } ?? defs.count)
            }
        case PackedEvent.chipsDelivered:
            undeployed[NumberMap<Int>.pair(p.a, p.b), default: DeltaTimeline()].insert(key, p.amount)
        case PackedEvent.rackInstalled:
            undeployed[NumberMap<Int>.pair(p.a, p.c), default: DeltaTimeline()].insert(key, -p.amount)
            racks.insert(seq: seq, rack: p.b, in: events)
        case PackedEvent.rackRetired:
            racks.insert(seq: seq, rack: p.b, in: events)
        case PackedEvent.powerAllocated:
            allocated[UInt64(p.a), default: DeltaTimeline()].insert(key, p.amount)
        case PackedEvent.powerReleased:
            allocated[UInt64(p.a), default: DeltaTimeline()].insert(key, -p.amount)
        case PackedEvent.eventVoided:
            let target = Int(p.amount)
            voided[target] = seq
            removeEffects(target, events: events)
        default:
            break
        }
    }

    /// Takes out what `applyEffects` of event `seq` added (the event is still in `events`).
    /// For a void: restores its target.
    mutating func removeEffects(_ seq: Int, events: EventLookup) {
        let p = events[seq]
        let key = TimeKey(effective: p.effective, seq: seq)
        switch p.code {
        case PackedEvent.siteOpened:
            sites.remove(UInt64(p.a))
        case PackedEvent.siteUpdated:
            sites.update(UInt64(p.a)) { $0.caps.removeAll { $0.key == key } }
        case PackedEvent.siteClosed:
            sites.update(UInt64(p.a)) { if $0.closed == key { $0.closed = nil } }
        case PackedEvent.chipModelDefined:
            let model = UInt64(p.a)
            modelDefinitions.update(model) { $0.removeAll { $0 == key } }
            if modelDefinitions[model]?.isEmpty == true { modelDefinitions.remove(model) }
        case PackedEvent.chipsDelivered:
            undeployed.update(NumberMap<Int>.pair(p.a, p.b)) { $0.remove(key) }
        case PackedEvent.rackInstalled:
            undeployed.update(NumberMap<Int>.pair(p.a, p.c)) { $0.remove(key) }
            racks.remove(seq: seq, rack: p.b)
        case PackedEvent.rackRetired:
            racks.remove(seq: seq, rack: p.b)
        case PackedEvent.powerAllocated, PackedEvent.powerReleased:
            allocated.update(UInt64(p.a)) { $0.remove(key) }
        case PackedEvent.eventVoided:
            let target = Int(p.amount)
            voided[target] = nil
            applyEffects(target, events: events)
        default:
            break
        }
    }

    // MARK: shared checks

    func checkSiteOpen(_ site: UInt32, at key: TimeKey, _ subject: Subject) throws {
        guard let s = sites[UInt64(site)] else {
            throw RuleViolation { names in "\(subject.text(names)): site \(names.name(site)) has not been opened (append a site.opened event for it first)" }
        }
        guard s.opened <= key else {
            throw RuleViolation { names in
                "\(subject.text(names)): site \(names.name(site)) is not open at \(key.time.shortString); it opens \(s.opened.time.shortString) (#\(s.opened.seq))"
            }
        }
        if let closed = s.closed, closed < key {
            throw RuleViolation { names in
                "\(subject.text(names)): site \(names.name(site)) is closed at \(key.time.shortString) (closed \(closed.time.shortString), #\(closed.seq))"
            }
        }
    }

    func checkModelDefined(_ model: UInt32, at key: TimeKey, _ subject: Subject) throws {
        guard let first = modelDefinitions.with(UInt64(model), { $0.first }) ?? nil else {
            throw RuleViolation { names in "\(subject.text(names)): chip model \(names.name(model)) is not defined (append a chip.model.defined event for it first)" }
        }
        guard first <= key else {
            throw RuleViolation { names in
                "\(subject.text(names)): chip model \(names.name(model)) is not defined at \(key.time.shortString); its first definition takes effect \(first.time.shortString) (#\(first.seq))"
            }
        }
    }

    /// How an event is named at the start of a rule error: `rack.installed r-0017`. Worded only
    /// when an error needs it.
    struct Subject: Sendable {
        let record: PackedEvent

        func text(_ names: LogStrings) -> String {
            let type = record.type.rawValue
            switch record.code {
            case PackedEvent.rackInstalled, PackedEvent.rackRetired: return "\(type) \(names.name(record.b))"
            case PackedEvent.siteOpened, PackedEvent.chipModelDefined, PackedEvent.siteUpdated, PackedEvent.siteClosed:
                return "\(type) \(names.name(record.a))"
            default: return type
            }
        }
    }

    static func seqList(_ seqs: [Int], limit: Int = 5) -> String {
        let shown = seqs.prefix(limit).map { "#\($0)" }.joined(separator: ", ")
        return seqs.count > limit ? shown + " and \(Format.grouped(seqs.count - limit)) more" : shown
    }
}
