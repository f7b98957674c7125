extension TimelineMetric {
    /// Whether the figure belongs to a site alone (allocated power, its cap, its headroom) and
    /// so has no per-model or per-vendor part.
    var isPerSite: Bool {
        switch self {
        case .allocated, .cap, .headroom: true
        default: false
        }
    }
}

extension FleetState {
    /// A figure per group of `by` (a site, a model, a region, a vendor): the groups of
    /// `timeline … by=`, each the figure `figure(_:in:precision:)` gives the chips, racks and power
    /// in it, summed. Groups with nothing are left out. `usd` and `mwh` have no groups (the
    /// engine refuses them with `by=`), nor have the per-site figures per model or vendor.
    /// Only the sites and models `scope` keeps count.
    func figures(_ m: TimelineMetric, by: Grouping, precision: Precision, in scope: ChipScope = ChipScope()) -> [String: Double] {
        var out: [String: Double] = [:]
        func add(_ site: String, _ model: String?, _ value: Double) {
            guard scope.keeps(site: site), model.map(scope.keeps(model:)) ?? true else { return }
            out[group(site: site, model: model, by: by), default: 0] += value
        }
        let perModel = by == .model || by == .vendor
        switch m {
        case .pflops:
            for c in capacity(precision: precision) { add(c.site!, c.model, c.pflops) }
        case .chips, .installed, .energized, .stranded:
            forEachModel(in: ChipScope()) { site, model, t in
                add(site, model, Double(m == .energized ? t.energized : m == .stranded ? t.installed - t.energized : t.installed))
            }
        case .delivered:
            for (key, n) in delivered.entries { add(key.a, key.b, Double(n)) }
        case .mw, .facility:
            forEachSite(in: ChipScope()) { site, e in
                let pue = m == .facility ? pue(site: site) : 1
                if perModel || scope.model != nil {
                    for j in 0..<e.byModel.count { add(site, e.byModel.keys[j], Power(watts: e.byModel[place: j].energizedWatts).megawatts * pue) }
                } else {
                    add(site, nil, Power(watts: e.used).megawatts * pue)
                }
            }
        case .strandedMW:
            forEachSite(in: ChipScope()) { site, e in
                if perModel || scope.model != nil {
                    for model in e.byModel.keys { add(site, model, Power(watts: e.strandedWatts(model: model)).megawatts) }
                } else {
                    add(site, nil, Power(watts: e.strandedWatts()).megawatts)
                }
            }
        case .allocated:
            for (site, watts) in allocated { add(site, nil, Power(watts: watts).megawatts) }
        case .cap:
            for (site, info) in sites { add(site, nil, info.cap.map { Power(watts: $0.watts).megawatts } ?? 0) }
        case .headroom:
            var drawn: [String: Int64] = [:]
            forEachSite(in: ChipScope()) { site, e in drawn[site] = e.used }
            for site in Set(allocated.keys).union(drawn.keys) {
                add(site, nil, Power(watts: (allocated[site] ?? 0) - (drawn[site] ?? 0)).megawatts)
            }
        case .usd, .mwh:
            preconditionFailure("\(m.rawValue) has no groups: the engine refuses it with by=")
        }
        return out
    }
}
