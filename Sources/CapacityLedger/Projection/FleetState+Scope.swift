/// The chips a figure counts: those at one site, of one chip model, or both; nil is every one.
/// `train`, `when` and `energy` read the fleet through it, so that a narrower part of the fleet
/// (the racks of one workload, once racks carry one) is a field here and a test in
/// `FleetState.figure`, `drawnCells` and `FleetFigures.pflops(_:in:)`, not a change to each
/// command.
public struct ChipScope: Sendable, Hashable {
    public var site: String?
    public var model: String?

    public init(site: String? = nil, model: String? = nil) {
        self.site = site
        self.model = model
    }

    public var isWholeFleet: Bool { site == nil && model == nil }

    func keeps(site s: String) -> Bool { site == nil || site == s }
    func keeps(model m: String) -> Bool { model == nil || model == m }

    /// How messages and row labels name it: `of trainium2 at rainier-in`, `at rainier-in`,
    /// `of trainium2`; empty for the whole fleet.
    public var phrase: String {
        [model.map { "of \($0)" }, site.map { "at \($0)" }].compactMap { $0 }.joined(separator: " ")
    }
}

/// Energized racks' power at one site, for one chip model or (nil) all of them.
struct DrawnCell: Sendable, Hashable {
    var site: String
    var model: String?
    var watts: Int64
}

extension FleetState {
    /// A figure of the state over the chips `scope` keeps: the one home of what each metric of
    /// `timeline` and `when` reads. Allocated power belongs to a site, not a model, and committed
    /// dollars to neither: the commands refuse `model=` (and `site=` for dollars) with them.
    /// `mwh` is energy over a period, which no single state holds (see `QueryEngine.energy`).
    ///
    /// `when` reads it after every effective time of a long history: the sites' energizers are
    /// read in place (`forEachModel`), not copied with their racks.
    func figure(_ m: TimelineMetric, in scope: ChipScope = ChipScope(), precision: Precision = .bf16) -> Double {
        switch m {
        case .pflops:
            // Summed as `pflops(_:)` sums, so that the whole fleet's figure is the same Double.
            return capacity(precision: precision, site: scope.site, model: scope.model).reduce(0) { $0 + $1.pflops }
        case .chips, .installed, .energized:
            var n: Int64 = 0
            forEachModel(in: scope) { _, _, t in n += m == .energized ? t.energized : t.installed }
            return Double(n)
        case .mw:
            var watts: Int64 = 0
            forEachSite(in: scope) { _, e in
                if let model = scope.model {
                    _ = e.byModel.with(model) { watts += $0.energizedWatts }
                } else {
                    watts += e.used
                }
            }
            return Power(watts: watts).megawatts
        case .delivered:
            return Double(delivered.entries.reduce(Int64(0)) { scope.keeps(site: $1.key.a) && scope.keeps(model: $1.key.b) ? $0 + $1.value : $0 })
        case .allocated:
            return Power(watts: allocated.reduce(Int64(0)) { scope.keeps(site: $1.key) ? $0 + $1.value : $0 }).megawatts
        case .cap:
            return Power(watts: sites.values.reduce(Int64(0)) { scope.keeps(site: $1.site) ? $0 + ($1.cap?.watts ?? 0) : $0 }).megawatts
        case .headroom:
            return figure(.allocated, in: scope) - figure(.mw, in: scope)
        case .facility:
            var mw = 0.0
            forEachSite(in: scope) { site, e in
                let watts = scope.model.map { m in e.byModel.with(m) { $0.energizedWatts } ?? 0 } ?? e.used
                mw += Power(watts: watts).megawatts * pue(site: site)
            }
            return mw
        case .stranded:
            var n: Int64 = 0
            forEachModel(in: scope) { _, _, t in n += t.installed - t.energized }
            return Double(n)
        case .strandedMW:
            var watts: Int64 = 0
            forEachSite(in: scope) { _, e in watts += e.strandedWatts(model: scope.model) }
            return Power(watts: watts).megawatts
        case .usd:
            return Double(committedUSD)
        case .mwh:
            preconditionFailure("energy is integrated over a period (QueryEngine.energy), not read from one state")
        }
    }

    /// Calls `body` with each site `scope` keeps and its energizer, read in place.
    func forEachSite(in scope: ChipScope, _ body: (String, borrowing Energizer) -> Void) {
        for i in 0..<energizers.count where scope.keeps(site: energizers.keys[i]) { body(energizers.keys[i], energizers[place: i]) }
    }

    /// Calls `body` with each (site, chip model) `scope` keeps and its totals.
    func forEachModel(in scope: ChipScope, _ body: (String, String, Energizer.ModelTotals) -> Void) {
        forEachSite(in: scope) { site, e in
            for j in 0..<e.byModel.count where scope.keeps(model: e.byModel.keys[j]) { body(site, e.byModel.keys[j], e.byModel[place: j]) }
        }
    }

    /// The watts drawn by energized racks that `scope` keeps, per site, and per chip model too
    /// when `byModel` (or when `scope` names a model). Those that draw nothing are left out.
    func drawnCells(in scope: ChipScope, byModel: Bool) -> [DrawnCell] {
        var out: [DrawnCell] = []
        if byModel || scope.model != nil {
            forEachModel(in: scope) { s, m, t in
                if t.energizedWatts != 0 { out.append(DrawnCell(site: s, model: m, watts: t.energizedWatts)) }
            }
        } else {
            forEachSite(in: scope) { s, e in
                if e.used != 0 { out.append(DrawnCell(site: s, model: nil, watts: e.used)) }
            }
        }
        return out
    }

    /// The power usage effectiveness of `site` in this state: facility power / IT power, the
    /// `pue` of its `site.opened` or latest `site.updated` in force (`powerUsageEffectiveness`),
    /// 1.0 ("IT power only") where none was recorded. `energy`, `timeline metric=mwh` and
    /// `metric=facility` follow it from the events that set it.
    func pue(site: String) -> Double { powerUsageEffectiveness(site: site) ?? 1.0 }
}

extension FleetFigures {
    /// Energized PFLOPS of the chips `scope` keeps: `pflops(_:)` for the whole fleet.
    func pflops(_ p: Precision, in scope: ChipScope) -> Double {
        scope.isWholeFleet ? pflops(p) : capacity(precision: p, site: scope.site, model: scope.model).reduce(0) { $0 + $1.pflops }
    }
}
