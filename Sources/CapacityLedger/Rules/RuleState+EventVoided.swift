extension RuleState {
    /// `event.voided`: the target exists, is not a void, is not voided yet, and the ledger
    /// without it still obeys every rule. The error names the events that depend on it.
    func checkVoid(target: Int, voidSeq: Int, events all: EventLookup) throws {
        let subject = "event.voided #\(target)"
        let before = voidSeq - 1  // the ledger as it stands before the void
        guard target >= 1, target < voidSeq else {
            throw LedgerError.data("\(subject): there is no event #\(target) (the ledger has \(before) event\(before == 1 ? "" : "s") before this one)")
        }
        let t = all[target]
        if case .eventVoided = t.body {
            throw LedgerError.data("\(subject): #\(target) is itself a void; voids cannot be voided (append the event again instead)")
        }
        if let by = voided[target] {
            throw LedgerError.data("\(subject): #\(target) is already voided by #\(by)")
        }
        let key = TimeKey(t.effective, t.seq)
        func live(_ e: Event) -> Bool {
            if voided[e.seq] != nil { return false }
            if case .eventVoided = e.body { return false }
            return e.seq != target
        }
        func reject(_ why: String, _ dependents: [Int]) -> LedgerError {
            .data("\(subject): cannot void \(t.body.label): \(why); it is needed by \(Self.seqList(dependents)) (append the corrected event first, or void those)")
        }
        switch t.body {
        case .siteOpened(let site, _, _, _, _):
            guard all.isComplete else { throw NeedsFullLog(reason: "a void of a site opening") }
            let events = all.recent.prefix(before)
            let deps = events.filter { live($0) && $0.body.site == site && $0.type != .investmentCommitted }.map(\.seq)
            if !deps.isEmpty { throw reject("site \(site) has later events", deps) }
        case .chipModelDefined(let model, _, _, _, _, _):
            let defs = modelDefinitions[model] ?? []
            if defs.contains(where: { $0 < key }) { return }  // an earlier definition still covers everything
            let next = defs.first { key < $0 }
            guard all.isComplete else { throw NeedsFullLog(reason: "a void of a chip model definition") }
            let events = all.recent.prefix(before)
            let deps = events.filter { e in
                guard live(e), e.body.model == model, e.type != .chipModelDefined else { return false }
                let k = TimeKey(e.effective, e.seq)
                return key <= k && (next.map { k < $0 } ?? true)
            }.map(\.seq)
            if !deps.isEmpty { throw reject("chip model \(model) would not be defined for them", deps) }
        case .chipsDelivered(let site, let model, let q):
            let timeline = undeployed[PairKey(a: site, b: model)] ?? DeltaTimeline()
            let x = timeline.extremes(fromExisting: key)
            let (low, at) = (x.low, x.lowAt)
            if low < q {
                let installs = timeline.keys(after: key, through: at, negative: true).map(\.seq)
                throw reject("site \(site) would have \(Format.grouped(low - q)) undeployed \(model) chips at \(at.time.shortString)", installs)
            }
        case .rackInstalled(let site, let rack, _, _, _):
            let marks = racks.marks(site: site, rack: rack) ?? []
            if let i = marks.firstIndex(where: { $0.key == key }), i + 1 < marks.count, !marks[i + 1].install {
                throw reject("rack \(rack) would be retired without being installed", [marks[i + 1].key.seq])
            }
        case .rackRetired(let site, let rack):
            let marks = racks.marks(site: site, rack: rack) ?? []
            if let i = marks.firstIndex(where: { $0.key == key }), i + 1 < marks.count, marks[i + 1].install {
                throw reject("rack \(rack) would be installed twice without a retirement", [marks[i + 1].key.seq])
            }
        case .powerAllocated(let site, let p):
            let timeline = allocated[site] ?? DeltaTimeline()
            let x = timeline.extremes(fromExisting: key)
            let (low, at) = (x.low, x.lowAt)
            if low < p.watts {
                let releases = timeline.keys(after: key, through: at, negative: true).map(\.seq)
                throw reject("site \(site) would have \(Power(watts: low - p.watts).megawattsText) MW allocated at \(at.time.shortString)", releases)
            }
        case .powerReleased(let site, let p):
            if let cap = sites[site]?.cap {
                let timeline = allocated[site] ?? DeltaTimeline()
                let x = timeline.extremes(fromExisting: key)
                let (high, at) = (x.high, x.highAt)
                if high + p.watts > cap.watts {
                    let allocs = timeline.keys(after: key, through: at, negative: false).map(\.seq)
                    throw reject("site \(site) would have \(Power(watts: high + p.watts).megawattsText) MW allocated at \(at.time.shortString), over its cap of \(cap.megawattsText) MW", allocs)
                }
            }
        case .investmentCommitted, .eventVoided:
            break
        }
    }
}
