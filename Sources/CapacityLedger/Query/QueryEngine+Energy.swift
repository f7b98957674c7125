/// `energy from= [to=] [by=site|model|region|vendor|fleet] [site=] [model=]`.
public struct EnergyQuery: Sendable, Hashable {
    public var from: TimePoint
    /// nil: the point in time's `at=`.
    public var to: TimePoint?
    public var grouping: Grouping = .site
    public var scope = ChipScope()
}

/// Energy drawn over a span, kept apart by the PUE in force while it was drawn, so that facility
/// energy is IT energy × PUE piece by piece, and equals IT energy exactly where every PUE is 1.
struct EnergyTally: Sendable {
    /// Watt-microseconds per PUE.
    private(set) var byPUE: [Double: Double] = [:]

    mutating func add(watts: Int64, micros: Int64, pue: Double) {
        byPUE[pue, default: 0] += Double(watts) * Double(micros)
    }

    /// W·µs in a MWh: 10^6 W × 3,600 s × 10^6 µs/s.
    static let wattMicrosPerMWh = 3.6e15

    var itMWh: Double { byPUE.values.reduce(0, +) / Self.wattMicrosPerMWh }
    var facilityMWh: Double { byPUE.reduce(0) { $0 + $1.value * $1.key } / Self.wattMicrosPerMWh }

    static func + (a: EnergyTally, b: EnergyTally) -> EnergyTally {
        var sum = a
        sum.byPUE.merge(b.byPUE, uniquingKeysWith: +)
        return sum
    }
}

extension QueryEngine {
    /// The energy drawn by energized racks that `scope` keeps in each span between consecutive
    /// `bounds` (in order), per group `group` names (for the span from `bounds[k]` to
    /// `bounds[k+1]`, element k).
    ///
    /// Exact, not sampled: drawn power changes only at events (an install, a retirement, an
    /// allocation or a release re-runs first fit), so it is constant from one event's effective
    /// time to the next, and the integral is a sum of power × duration over those pieces. One fold
    /// of the events that count in `view` (its transaction cut; every effective time up to the
    /// last bound), in effective order: the state before each record holds from the previous
    /// record's effective time to this one's. A backdated event takes its place in that order, and
    /// a voided one is not folded.
    func energyTallies(_ view: LedgerView, bounds: [Timestamp], scope: ChipScope = ChipScope(), byModel: Bool = false,
                       group: (DrawnCell) -> String = { _ in "fleet" }) throws -> [[String: EnergyTally]] {
        guard bounds.count >= 2 else { return [] }
        var spans = [[String: EnergyTally]](repeating: [:], count: bounds.count - 1)
        let end = bounds[bounds.count - 1].micros
        var k = 0
        // Energy is counted up to here.
        var counted = bounds[0].micros
        func draw(until t: Int64, _ s: FleetState) {
            let target = min(t, end)
            guard target > counted else { return }
            let cells = s.drawnCells(in: scope, byModel: byModel)
            while counted < target {
                let next = bounds[k + 1].micros
                let upTo = min(target, next)
                for c in cells { spans[k][group(c), default: EnergyTally()].add(watts: c.watts, micros: upTo - counted, pue: s.pue(site: c.site)) }
                counted = upTo
                if upTo == next { k += 1 }
            }
        }
        let stored = store.ledger.stored
        let last = try foldCounting(view, upTo: end) { i, s in
            draw(until: stored.effective[i], s)
            return true
        }
        draw(until: end, last)
        return spans
    }

    /// The MWh drawn by the whole fleet in each span between consecutive `bounds`
    /// (`timeline metric=mwh`).
    func energySteps(_ view: LedgerView, bounds: [Timestamp]) throws -> [Double] {
        try energyTallies(view, bounds: bounds).map { $0.values.reduce(EnergyTally(), +).itMWh }
    }

    func energy(_ q: EnergyQuery, _ p: PointInTime) throws -> QueryOutput {
        let v = view(p)
        // Like timeline's to=, the end decides how far the events reach, even past at= (planned,
        // future-dated ones); known= and at=#N still cut what was recorded.
        let from = q.from.resolved(now: now), to = time(q.to) ?? v.effectiveLimit
        guard from <= to else { throw LedgerError(.energyBackwards(from: from.shortString, to: to.shortString)) }
        let by = q.grouping
        // A site's region and a model's vendor as the ledger has them at the point in time.
        let labels: (any FleetFigures)? = by == .region || by == .vendor ? try figures(p) : nil
        let tally = try energyTallies(v, bounds: [from, to], scope: q.scope, byModel: by == .model || by == .vendor) { c in
            switch by {
            case .site: c.site
            case .model: c.model!  // drawn per model when grouped by model
            case .region, .vendor: labels!.group(site: c.site, model: c.model, by: by)
            case .fleet: "fleet"
            }
        }.first ?? [:]
        var shown = p
        if case .seq = p.at {} else { shown.at = .time(to) }
        var out = QueryOutput(command: "energy", point: shown)
        let first = by == .fleet ? Column("fleet", tableOnly: true) : Column(by.rawValue)
        out.columns = [first, Column("it_mwh", "IT (MWh)"), Column("facility_mwh", "facility (MWh)")]
        out.shapedBy = [("from", from.shortString), ("to", to.shortString), ("by", by.rawValue)]
        out.rows = tally.keys.sorted().map { [.text($0), .number(tally[$0]!.itMWh, places: 3), .number(tally[$0]!.facilityMWh, places: 3)] }
        let all = tally.values.reduce(EnergyTally(), +)
        if by == .fleet {
            if out.rows.isEmpty { out.rows = [[.text("fleet"), .number(0, places: 3), .number(0, places: 3)]] }
        } else {
            out.total = ["it_mwh": .number(all.itMWh, places: 3), "facility_mwh": .number(all.facilityMWh, places: 3)]
        }
        out.notes = ["from \(from.shortString) to \(to.shortString); facility = IT × the PUE in force at each site (1.0, IT power only, where none is recorded)"]
        if tally.isEmpty, !q.scope.isWholeFleet {
            // A filter that matched nothing says so, as `fleet` and `capacity` do.
            out.warnings.append("nothing was drawn \(q.scope.phrase) from \(from.shortString) to \(to.shortString) (known \(p.knownText))")
        }
        return out
    }
}
