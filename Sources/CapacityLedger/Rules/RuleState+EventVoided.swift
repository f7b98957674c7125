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
                     PackedEvent.powerAllocated, PackedEvent.powerReleased: e.a == t.a
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
        case PackedEvent.powerAllocated:
            let timeline = allocated[UInt64(t.a)] ?? DeltaTimeline()
            let x = timeline.extremes(fromExisting: key)
            let (low, at) = (x.low, x.lowAt)
            if low < t.amount {
                let releases = timeline.keys(after: key, through: at, negative: true).map(\.seq)
                throw reject(releases) { "site \($0.name(t.a)) would have \(Power(watts: low - t.amount).megawattsText) MW allocated at \(at.time.shortString)" }
            }
        case PackedEvent.powerReleased:
            if let cap = sites[UInt64(t.a)]?.cap {
                let timeline = allocated[UInt64(t.a)] ?? DeltaTimeline()
                let x = timeline.extremes(fromExisting: key)
                let (high, at) = (x.high, x.highAt)
                if high + t.amount > cap.watts {
                    let allocs = timeline.keys(after: key, through: at, negative: false).map(\.seq)
                    throw reject(allocs) { "site \($0.name(t.a)) would have \(Power(watts: high + t.amount).megawattsText) MW allocated at \(at.time.shortString), over its cap of \(cap.megawattsText) MW" }
                }
            }
        default:
            break
        }
    }
}
