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
        out.columns = [Column(by.rawValue), Column("delivered", "delivered (chips)"), Column("installed", "installed (chips)"),
                       Column("energized", "energized (chips)"), Column("stranded", "stranded (chips)"),
                       Column("retired", "retired (chips)"), Column("undeployed", "undeployed (chips)")]
        out.shapedBy = [("by", by.rawValue)]
        out.rows = groups.keys.sorted().map { key in
            let r = groups[key]!
            return [.text(key), .int(r.delivered), .int(r.installed), .int(r.energized), .int(r.stranded), .int(r.retired), .int(r.undeployed)]
        }
        func sum(_ f: (FleetRow) -> Int64) -> Cell { .int(rows.reduce(0) { $0 + f($1) }) }
        out.total = ["delivered": sum(\.delivered), "installed": sum(\.installed), "energized": sum(\.energized),
                     "stranded": sum(\.stranded), "retired": sum(\.retired), "undeployed": sum(\.undeployed)]
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
        out.columns = [Column(by.rawValue), Column("cap_mw", "cap (MW)"), Column("allocated_mw", "allocated (MW)"),
                       Column("drawn_mw", "drawn (MW)"), Column("headroom_mw", "headroom (MW)")]
        out.shapedBy = [("by", by.rawValue)]
        out.rows = groups.keys.sorted().map { key in
            let g = groups[key]!
            return [.text(key), g.cap.map { .megawatts($0) } ?? .null, .megawatts(g.allocated), .megawatts(g.drawn), .megawatts(g.allocated - g.drawn)]
        }
        func sum(_ f: (PowerRow) -> Power) -> Cell { .megawatts(rows.reduce(.zero) { $0 + f($1) }) }
        out.total = ["allocated_mw": sum(\.allocated), "drawn_mw": sum(\.drawn), "headroom_mw": sum(\.headroom)]
        return out
    }
}
