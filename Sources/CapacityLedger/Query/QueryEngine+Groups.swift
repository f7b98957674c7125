/// The groups `by=` puts rows in: a site, a chip model, the region a site is in, the vendor that
/// makes a chip model, or the whole fleet. One place says which group a (site, model) falls in,
/// for every command that groups.
extension FleetFigures {
    /// The label of the group of `site` (and `model`, for the groupings of chips) under `by`.
    /// A site recorded without a region is in `(no region)`.
    func group(site: String, model: String?, by: Grouping) -> String {
        switch by {
        case .site: site
        case .model: model ?? site
        case .region: sites[site]?.region ?? Self.noRegion
        case .vendor: model.flatMap { catalog[$0]?.vendor } ?? Self.noVendor
        case .fleet: "fleet"
        }
    }

    static var noRegion: String { "(no region)" }
    static var noVendor: String { "(no vendor)" }
}

extension QueryEngine {
    /// `fleet by=…`: the rows of `rows` summed per group, in the group's order.
    func groupedFleet(_ rows: [FleetRow], by: Grouping, figures s: any FleetFigures, _ p: PointInTime) -> QueryOutput {
        var groups: [String: FleetRow] = [:]
        for r in rows {
            let key = s.group(site: r.site, model: r.model, by: by)
            var g = groups[key] ?? FleetRow(site: key, model: key)
            g.delivered += r.delivered
            g.installed += r.installed
            g.energized += r.energized
            g.retired += r.retired
            groups[key] = g
        }
        var out = QueryOutput(command: "fleet", point: p)
        out.columns = [Column(by.rawValue)] + Self.chipColumns
        out.shapedBy = [("by", by.rawValue)]
        out.rows = groups.keys.sorted().map { [.text($0)] + Self.chipCells(groups[$0]!) }
        out.total = Self.chipTotals(rows)
        return out
    }

    /// `power by=region`: the sites' rows summed per region. A group's cap is the sum of its
    /// sites' caps, and empty when any of them has none (no cap: not limited).
    func groupedPower(_ rows: [PowerRow], by: Grouping, figures s: any FleetFigures, _ p: PointInTime) -> QueryOutput {
        var groups: [String: (cap: Power?, allocated: Power, drawn: Power)] = [:]
        for r in rows {
            let key = s.group(site: r.site, model: nil, by: by)
            let g = groups[key] ?? (cap: .zero, allocated: .zero, drawn: .zero)
            groups[key] = (cap: g.cap.flatMap { c in r.cap.map { c + $0 } }, allocated: g.allocated + r.allocated, drawn: g.drawn + r.drawn)
        }
        var out = QueryOutput(command: "power", point: p)
        out.columns = [Column(by.rawValue)] + Self.powerColumns
        out.shapedBy = [("by", by.rawValue)]
        out.rows = groups.keys.sorted().map { key in
            let g = groups[key]!
            return [.text(key)] + Self.powerCells(cap: g.cap, allocated: g.allocated, drawn: g.drawn)
        }
        out.total = Self.powerTotals(rows)
        return out
    }
}
