extension QueryEngine {
    func fleet(_ q: FleetQuery, _ p: PointInTime) throws -> QueryOutput {
        let s = try figures(p)
        if let by = q.grouping { return groupedFleet(s.fleet(site: q.site, model: q.model), by: by, figures: s, p) }
        var out = QueryOutput(command: "fleet", point: p)
        out.columns = [Column("site"), Column("model")] + Self.chipColumns
        let rows = s.fleet(site: q.site, model: q.model)
        out.rows = rows.map { r in [.text(r.site), .text(r.model)] + Self.chipCells(r) }
        out.total = Self.chipTotals(rows)
        return out
    }

    /// The chip columns of `fleet`, per (site, model) or per group.
    static let chipColumns = [Column("delivered", "delivered (chips)"), Column("installed", "installed (chips)"),
                              Column("energized", "energized (chips)"), Column("stranded", "stranded (chips)"),
                              Column("retired", "retired (chips)"), Column("undeployed", "undeployed (chips)")]

    static func chipCells(_ r: FleetRow) -> [Cell] {
        [.int(r.delivered), .int(r.installed), .int(r.energized), .int(r.stranded), .int(r.retired), .int(r.undeployed)]
    }

    /// The total row of `fleet`: each chip column summed.
    static func chipTotals(_ rows: [FleetRow]) -> [String: Cell] {
        func sum(_ f: (FleetRow) -> Int64) -> Cell { .int(rows.reduce(0) { $0 + f($1) }) }
        return ["delivered": sum(\.delivered), "installed": sum(\.installed), "energized": sum(\.energized),
                "stranded": sum(\.stranded), "retired": sum(\.retired), "undeployed": sum(\.undeployed)]
    }

    func power(_ q: PowerQuery, _ p: PointInTime) throws -> QueryOutput {
        let s = try figures(p)
        let rows = s.power(site: q.site)
        if q.grouping != .site { return groupedPower(rows, by: q.grouping, figures: s, p) }
        var out = QueryOutput(command: "power", point: p)
        out.columns = [Column("site")] + Self.powerColumns
        out.rows = rows.map { r in [.text(r.site)] + Self.powerCells(cap: r.cap, allocated: r.allocated, drawn: r.drawn) }
        out.total = Self.powerTotals(rows)
        return out
    }

    /// The power columns of `power`, per site or per region.
    static let powerColumns = [Column("cap_mw", "cap (MW)"), Column("allocated_mw", "allocated (MW)"),
                               Column("drawn_mw", "drawn (MW)"), Column("headroom_mw", "headroom (MW)")]

    /// Headroom is allocated − drawn.
    static func powerCells(cap: Power?, allocated: Power, drawn: Power) -> [Cell] {
        [cap.map { .megawatts($0) } ?? .null, .megawatts(allocated), .megawatts(drawn), .megawatts(allocated - drawn)]
    }

    /// The total row of `power`: allocated, drawn and headroom summed (caps are not).
    static func powerTotals(_ rows: [PowerRow]) -> [String: Cell] {
        func sum(_ f: (PowerRow) -> Power) -> Cell { .megawatts(rows.reduce(.zero) { $0 + f($1) }) }
        return ["allocated_mw": sum(\.allocated), "drawn_mw": sum(\.drawn), "headroom_mw": sum(\.headroom)]
    }

    func investments(_ q: InvestmentsQuery, _ p: PointInTime) throws -> QueryOutput {
        let rows = try figures(p).investments(investor: q.investor, recipient: q.recipient)
        var out = QueryOutput(command: "investments", point: p)
        out.columns = [Column("investor"), Column("recipient"), Column("usd", "committed (USD)")]
        out.rows = rows.map { [.text($0.investor), .text($0.recipient), .int($0.usd)] }
        out.total = ["usd": .int(rows.reduce(0) { $0 + $1.usd })]
        return out
    }

    func sites(_ p: PointInTime) throws -> QueryOutput {
        let s = try figures(p)
        var out = QueryOutput(command: "sites", point: p)
        // Each site open at the point, as it stands then: its name, region, cap and PUE in force
        // (a PUE never given counts 1: IT power only). A closed site is left out from its
        // closure on, as `power` leaves it out.
        out.columns = [Column("site"), Column("name"), Column("region"), Column("cap_mw", "cap (MW)"), Column("pue"), Column("acres"),
                       Column("opened")]
        out.rows = s.sites.values.filter { $0.closed == nil }.sorted { $0.site < $1.site }.map { i in
            [.text(i.site), .text(i.name), i.region.map { .text($0) } ?? .null, i.cap.map { .megawatts($0) } ?? .null,
             .number(i.pueInForce, places: 2), i.acres.map { .number($0, places: -1) } ?? .null, .text(i.opened.shortString)]
        }
        return out
    }

    func models(_ p: PointInTime) throws -> QueryOutput {
        let s = try figures(p)
        var out = QueryOutput(command: "models", point: p)
        out.columns = [Column("model"), Column("vendor"), Column("bf16_tflops", "bf16 (TFLOPS)"), Column("fp8_tflops", "fp8 (TFLOPS)"),
                       Column("hbm_gb", "HBM (GB)"), Column("watts", "power (W)"), Column("since")]
        out.rows = s.catalog.values.sorted { $0.model < $1.model }.map { c in
            [.text(c.model), .text(c.vendor), .number(c.bf16TFLOPS, places: -1), .number(c.fp8TFLOPS, places: -1),
             c.hbmGB.map { .number($0, places: -1) } ?? .null, c.watts.map { .number($0, places: -1) } ?? .null, .text(c.since.shortString)]
        }
        return out
    }

    func capacity(_ q: CapacityQuery, _ p: PointInTime) throws -> QueryOutput {
        let prec = q.precision
        let s = try figures(p)
        let cells = s.capacity(precision: prec, site: q.site, model: q.model)
        let by = q.grouping
        var groups: [String: CapacityRow] = [:]
        for c in cells {
            let key = s.group(site: c.site!, model: c.model, by: by)
            var g = groups[key] ?? CapacityRow(site: by == .site ? c.site : nil, model: by == .model ? c.model : nil, chips: 0, pflops: 0, drawn: .zero)
            g.chips += c.chips
            g.pflops += c.pflops
            g.drawn = g.drawn + c.drawn
            groups[key] = g
        }
        var out = QueryOutput(command: "capacity", point: p)
        let pf = "PFLOPS (\(prec.rawValue))"
        // The group key is named by its dimension; the whole fleet has none, and its label is
        // for tables only. `energized` is the name every command gives energized chips.
        let first = by == .fleet ? Column("fleet", tableOnly: true) : Column(by.rawValue)
        out.columns = [first, Column("energized", "energized (chips)"), Column("pflops", pf), Column("drawn_mw", "drawn (MW)"),
                       Column("pflops_per_mw", "PFLOPS/MW")]
        out.shapedBy = [("by", by.rawValue), ("precision", prec.rawValue)]
        func row(_ label: String, _ g: CapacityRow) -> [Cell] {
            [.text(label), .int(g.chips), .number(g.pflops, places: 1), .megawatts(g.drawn), g.pflopsPerMW.map { .number($0, places: 1) } ?? .null]
        }
        out.rows = groups.keys.sorted().map { row($0, groups[$0]!) }
        if by == .fleet, out.rows.isEmpty { out.rows = [row("fleet", CapacityRow(chips: 0, pflops: 0, drawn: .zero))] }
        let all = CapacityRow(chips: cells.reduce(0) { $0 + $1.chips }, pflops: cells.reduce(0) { $0 + $1.pflops },
                              drawn: cells.reduce(Power.zero) { $0 + $1.drawn })
        if by != .fleet {
            out.total = ["energized": .int(all.chips), "pflops": .number(all.pflops, places: 1), "drawn_mw": .megawatts(all.drawn),
                         "pflops_per_mw": all.pflopsPerMW.map { .number($0, places: 1) } ?? .null]
        }
        out.notes = []
        return out
    }

    func train(_ q: TrainQuery, _ p: PointInTime) throws -> QueryOutput {
        guard case .days(let params, let tokens) = q.question else { return try largestModel(q, p) }
        let (mfu, prec) = (q.mfu, q.precision)
        let pflops = try trainingPFLOPS(q, p)
        let flops = 6 * params * tokens
        guard flops.isFinite else {
            throw LedgerError(.trainTooLarge(.flops, at: p.atText))
        }
        let days = flops / (pflops * 1e15 * mfu) / 86_400
        guard days.isFinite else {
            throw LedgerError(.trainTooLarge(.days, at: p.atText))
        }
        var out = QueryOutput(command: "train", point: p)
        out.columns = [Column("quantity"), Column("value")]
        out.rows = [
            [.text("params"), .quantity(params, shown: Self.short(params))], [.text("tokens"), .quantity(tokens, shown: Self.short(tokens))],
            [.text("FLOPs (6·params·tokens)"), .quantity(flops, shown: Format.scientific(flops))],
            [.text(Self.trainingLabel(q)), .number(pflops, places: 1)],
            [.text("mfu"), .number(mfu, places: 2)], [.text("days"), .number(days, places: 1)],
        ]
        var w = JSONWriter()
        w.string("at", p.atText); w.string("known", p.knownText)
        w.raw("flops", "\(flops)")
        w.raw("pflops", Format.json(pflops)); w.raw("mfu", Format.json(mfu)); w.raw("days", Format.json(days))
        w.string("precision", prec.rawValue)
        Self.writeScope(q.scope, &w)
        out.json = w.finished()
        return out
    }

    static func short(_ v: Double) -> String {
        if v >= Format.scientificFrom { return Format.scientific(v) }
        for (s, m) in [("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)] where v >= m {
            return Format.json(v / m) + s
        }
        return Format.json(v)
    }
}
