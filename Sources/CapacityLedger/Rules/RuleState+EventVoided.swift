extension RuleState {
    /// `event.voided`: the target exists, is not a void, is not voided yet, and the ledger
    /// without it still obeys every rule. The error names the events that depend on it.
    func checkVoid(target: Int, voidSeq: Int, events all: EventLookup) throws {
        let subject = "event.voided #\(target)"
        let before = voidSeq - 1  // the ledger as it stands before the void
        guard target >= 1, target < voidSeq else {
            throw RuleViolation { _ in "\(subject): there is no event #\(target) (the ledger has \(before) event\(before == 1 ? "" : "s") before this one)" }
        }
        let t = all[target]
        if t.code == PackedEvent.eventVoided {
            throw RuleViolation { _ in "\(subject): #\(target) is itself a void; voids cannot be voided (append the event again instead)" }
        }
        if t.code == PackedEvent.keyAdded || t.code == PackedEvent.keyRevoked {
            throw RuleViolation { _ in "\(subject): #\(target) is a key event, which cannot be voided (a key is ended with capacity keys revoke NAME)" }
        }
        if let by = voided[target] {
            throw RuleViolation { _ in "\(subject): #\(target) is already voided by #\(by)" }
        }
        let key = TimeKey(effective: t.effective, seq: target)
        /// The events before the void that still count, other than the target, with their seqs.
        func live(_ include: (PackedEvent, Int) -> Bool) -> [Int] {
            var out: [Int] = []
            for i in 0..<(before - all.firstSeq + 1) {
                let e = all.stored[i], seq = all.firstSeq + i
                if seq != target, voided[seq] == nil, e.code != PackedEvent.eventVoided, include(e, seq) { out.append(seq) }
            }
            return out
        }
        /// Worded with the names: why, and which events depend on the target.
        func reject(_ dependents: [Int], _ why: @escaping @Sendable (LogStrings) -> String) -> RuleViolation {
            RuleViolation { names in
                "\(subject): cannot void \(all.event(target, names: names).body.label): \(why(names)); it is needed by \(Self.seqList(dependents)) (append the corrected event first, or void those)"
            }
        }
        switch t.code {
        case PackedEvent.siteOpened:
            guard all.isComplete else { throw NeedsFullLog(reason: "a void of a site opening") }
            // Every event that names the site as its site (an investment's recipient does not count).
            let deps = live { e, _ in
                switch e.code {
                case PackedEvent.siteOpened, PackedEvent.chipsDelivered, PackedEvent.rackInstalled, PackedEvent.rackRetired,
                     PackedEvent.powerAllocated, PackedEvent.powerReleased, PackedEvent.siteUpdated, PackedEvent.siteClosed: e.a == t.a
                default: false
                }
            }
            if !deps.isEmpty { throw reject(deps) { "site \($0.name(t.a)) has later events" } }
        case PackedEvent.chipModelDefined:
            let defs = modelDefinitions[UInt64(t.a)] ?? []
            if defs.contains(where: { $0 < key }) { return }  // an earlier definition still covers everything
            let next = defs.first { key < $0 }
            guard all.isComplete else { throw NeedsFullLog(reason: "a void of a chip model definition") }
            let deps = live { e, seq in
                let model: UInt32
                switch e.code {
                case PackedEvent.chipsDelivered: model = e.b
                case PackedEvent.rackInstalled: model = e.c
                default: return false
                }
                let k = TimeKey(effective: e.effective, seq: seq)
                return model == t.a && key <= k && (next.map { k < $0 } ?? true)
            }
            if !deps.isEmpty { throw reject(deps) { "chip model \($0.name(t.a)) would not be defined for them" } }
        case PackedEvent.chipsDelivered:
            let timeline = undeployed[NumberMap<Int>.pair(t.a, t.b)] ?? DeltaTimeline()
            let x = timeline.extremes(fromExisting: key)
            let (low, at) = (x.low, x.lowAt)
            if low < t.amount {
                let installs = timeline.keys(after: key, through: at, negative: true).map(\.seq)
                throw reject(installs) { "site \($0.name(t.a)) would have \(Format.grouped(low - t.amount)) undeployed \($0.name(t.b)) chips at \(at.time.shortString)" }
            }
        case PackedEvent.rackInstalled:
            let marks = racks.marks(site: t.a, rack: t.b, in: all)
            if let i = marks.firstIndex(where: { $0.key == key }), i + 1 < marks.count, !marks[i + 1].install {
                throw reject([marks[i + 1].key.seq]) { "rack \($0.name(t.b)) would be retired without being installed" }
            }
        case PackedEvent.rackRetired:
            let marks = racks.marks(site: t.a, rack: t.b, in: all)
            if let i = marks.firstIndex(where: { $0.key == key }), i + 1 < marks.count, marks[i + 1].install {
                throw reject([marks[i + 1].key.seq]) { "rack \($0.name(t.b)) would be installed twice without a retirement" }
            }
            // Without the retirement the rack stays active, past the site's closure.
            if let closed = sites[UInt64(t.a)]?.closed, key < closed, marks.last?.key == key {
                throw reject([closed.seq]) { "rack \($0.name(t.b)) would still be active when site \($0.name(t.a)) closes at \(closed.time.shortString)" }
            }
        case PackedEvent.powerAllocated:
            let timeline = allocated[UInt64(t.a)] ?? DeltaTimeline()
            let x = timeline.extremes(fromExisting: key)
            let (low, at) = (x.low, x.lowAt)
            if low < t.amount {
                let releases = timeline.keys(after: key, through: at, negative: true).map(\.seq)
                throw reject(releases) { "site \($0.name(t.a)) would have \(Power(watts: low - t.amount).megawattsText) MW allocated at \(at.time.shortString)" }
            }
        case PackedEvent.powerReleased:
            // Without the release, the levels from it on rise: each must stay within the cap in
            // force then, and at zero once the site is closed.
            let timeline = allocated[UInt64(t.a)] ?? DeltaTimeline()
            if let breach = capBreach(site: t.a, timeline, from: key, adding: t.amount, existing: true), let s = sites[UInt64(t.a)] {
                let (level, at) = (breach.level, breach.at)
                guard let step = breach.step else {
                    throw reject([at.seq]) { "site \($0.name(t.a)) would still have \(Power(watts: level).megawattsText) MW allocated when it closes at \(at.time.shortString)" }
                }
                let allocs = timeline.keys(after: key, through: at, negative: false).map(\.seq)
                let cap = Self.capText(step, s)
                throw reject(allocs.isEmpty ? [step.key.seq] : allocs) { "site \($0.name(t.a)) would have \(Power(watts: level).megawattsText) MW allocated at \(at.time.shortString), over \(cap)" }
            }
        case PackedEvent.siteUpdated:
            // Without the update, the cap before it holds until the next change: what is
            // allocated there must fit under it.
            guard t.cap > 0, let s = sites[UInt64(t.a)] else { return }
            var without = s
            without.caps.removeAll { $0.key == key }
            guard let cap = without.step(at: key).cap else { return }
            let timeline = allocated[UInt64(t.a)] ?? DeltaTimeline()
            if let (high, at) = timeline.maximum(from: key, before: without.end(after: key), inForce: true), high > cap.watts {
                let allocs = timeline.keys(after: key, through: at, negative: false).map(\.seq)
                let capText = Self.capText(without.step(at: key), without)
                throw reject(allocs.isEmpty ? [at.seq] : allocs) { "site \($0.name(t.a)) would have \(Power(watts: high).megawattsText) MW allocated at \(at.time.shortString), over \(capText)" }
            }
        case PackedEvent.siteClosed:
            break  // nothing depends on a closure: every event at the site comes before it
        default:
            break
        }
    }
}
