/// One row of the fleet projection: chips of one model at one site.
public struct FleetRow: Sendable, Hashable {
    public var site: String
    public var model: String
    public var delivered: Int64 = 0
    public var installed: Int64 = 0
    public var energized: Int64 = 0
    public var retired: Int64 = 0
    public var stranded: Int64 { installed - energized }
    public var undeployed: Int64 { delivered - installed - retired }
}

/// Power at one site, in watts.
public struct PowerRow: Sendable, Hashable {
    public var site: String
    public var cap: Power?
    public var allocated: Power
    public var drawn: Power
    public var headroom: Power { allocated - drawn }
}

/// Compute capacity of energized chips.
public struct CapacityRow: Sendable, Hashable {
    public var site: String?
    public var model: String?
    public var chips: Int64
    public var pflops: Double
    public var drawn: Power
    /// PFLOPS per MW drawn; nil when nothing is drawn.
    public var pflopsPerMW: Double? { drawn.watts > 0 ? pflops / drawn.megawatts : nil }
}

extension FleetState {
    /// Per site and model, sorted by site then model.
    public func fleet(site: String? = nil, model: String? = nil) -> [FleetRow] {
        var rows: [PairKey: FleetRow] = [:]
        func row(_ k: PairKey) -> FleetRow { rows[k] ?? FleetRow(site: k.a, model: k.b) }
        for (k, q) in delivered.entries { var r = row(k); r.delivered = q; rows[k] = r }
        for (k, q) in retired.entries { var r = row(k); r.retired = q; rows[k] = r }
        for (s, e) in energizers {
            for (m, c) in e.chipsByModel() {
                let k = PairKey(a: s, b: m)
                var r = row(k)
                r.installed = c.installed
                r.energized = c.energized
                rows[k] = r
            }
        }
        return rows.values
            .filter { (site == nil || $0.site == site) && (model == nil || $0.model == model) }
            .sorted { ($0.site, $0.model) < ($1.site, $1.model) }
    }

    /// Per open site (a closed one holds no power: the rules see to it), sorted by site.
    public func power(site: String? = nil) -> [PowerRow] {
        var ids = Set(sites.keys)
        ids.formUnion(allocated.keys)
        return ids.filter { (site == nil || $0 == site) && sites[$0]?.closed == nil }.sorted().map { s in
            PowerRow(site: s, cap: sites[s]?.cap, allocated: Power(watts: allocated[s] ?? 0),
                     drawn: Power(watts: energizers[s]?.used ?? 0))
        }
    }

    public func investments(investor: String? = nil, recipient: String? = nil) -> [(investor: String, recipient: String, usd: Int64)] {
        investments.filter { (investor == nil || $0.key.a == investor) && (recipient == nil || $0.key.b == recipient) }
            .map { ($0.key.a, $0.key.b, $0.value) }
            .sorted { ($0.investor, $0.recipient) < ($1.investor, $1.recipient) }
    }

    /// Energized capacity per (site, model) at the given precision.
    public func capacity(precision: Precision, site: String? = nil, model: String? = nil) -> [CapacityRow] {
        var out: [CapacityRow] = []
        for (s, e) in energizers where site == nil || s == site {
            for (m, t) in e.byModel where t.energized > 0 && (model == nil || m == model) {
                let v = (t.energized, t.energizedWatts)
                let tflops = catalog[m]?.tflops(precision) ?? 0
                out.append(CapacityRow(site: s, model: m, chips: v.0, pflops: Double(v.0) * tflops / 1000, drawn: Power(watts: v.1)))
            }
        }
        return out.sorted { ($0.site ?? "", $0.model ?? "") < ($1.site ?? "", $1.model ?? "") }
    }

    /// Fleet-wide energized PFLOPS.
    public func pflops(_ p: Precision) -> Double { capacity(precision: p).reduce(0) { $0 + $1.pflops } }

    public var energizedChips: Int64 { energizers.values.reduce(0) { $0 + $1.byModel.values.reduce(0) { $0 + $1.energized } } }
    public var installedChips: Int64 { energizers.values.reduce(0) { $0 + $1.byModel.values.reduce(0) { $0 + $1.installed } } }
    public var drawn: Power { Power(watts: energizers.values.reduce(0) { $0 + $1.used }) }
    public var committedUSD: Int64 { investments.values.reduce(0, +) }

}
