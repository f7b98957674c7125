extension QueryEngine {
    /// The energized PFLOPS that train: those of the chips `q.scope` keeps (the whole fleet by
    /// default), at `q.precision`, from the fleet figures at `p`. Refused when there are none,
    /// and when the figure is not finite (a 64-bit float overflows to infinity quietly; every
    /// figure printed must be finite).
    func trainingPFLOPS(_ q: TrainQuery, _ p: PointInTime) throws -> Double {
        let pflops = try figures(p).pflops(q.precision, in: q.scope)
        guard pflops > 0 else {
            if q.scope.isWholeFleet {
                throw LedgerError(.trainWithoutCapacity(at: p.atText, known: p.knownText))
            }
            throw LedgerError(.trainScopeWithoutCapacity(scope: q.scope.phrase, at: p.atText, known: p.knownText))
        }
        guard pflops.isFinite else { throw LedgerError(.trainTooLarge(.pflops, at: p.atText)) }
        return pflops
    }

    /// The row naming the PFLOPS that train: `fleet PFLOPS (bf16)`, `PFLOPS (bf16) at rainier-in`.
    static func trainingLabel(_ q: TrainQuery) -> String {
        q.scope.isWholeFleet ? "fleet PFLOPS (\(q.precision.rawValue))" : "PFLOPS (\(q.precision.rawValue)) \(q.scope.phrase)"
    }

    /// The `site` and `model` a figure is restricted to, in JSON (nothing for the whole fleet).
    static func writeScope(_ scope: ChipScope, _ w: inout JSONWriter) {
        if let s = scope.site { w.string("site", s) }
        if let m = scope.model { w.string("model", m) }
    }

    /// `v` to 4 significant digits, as a table shows a computed figure (`318.965688B` is `319B`).
    static func significant(_ v: Double) -> Double {
        guard v.isFinite else { return v }
        return Double(Format.printf("%.3e", v)) ?? v
    }

    /// `train days=D tokens_per_param=R`: the largest model trainable in D days on R tokens per
    /// parameter. The compute of D days is FLOPs = PFLOPS·10^15·mfu·86400·D; a model of P
    /// parameters trained on R·P tokens takes 6·P·(R·P) = 6·R·P² of them, so P = √(FLOPs / (6·R)).
    func largestModel(_ q: TrainQuery, _ p: PointInTime) throws -> QueryOutput {
        guard case .largestModel(let days, let ratio) = q.question else { preconditionFailure("train: not the largest-model question") }
        let (mfu, prec) = (q.mfu, q.precision)
        let pflops = try trainingPFLOPS(q, p)
        let flops = pflops * 1e15 * mfu * 86_400 * days
        guard flops.isFinite else {
            throw LedgerError(.trainTooLarge(.daysFLOPs, at: p.atText))
        }
        let params = (flops / (6 * ratio)).squareRoot()
        let tokens = ratio * params
        guard tokens.isFinite else {
            throw LedgerError(.trainTooLarge(.largestTokens, at: p.atText))
        }
        var out = QueryOutput(command: "train", point: p)
        out.columns = [Column("quantity"), Column("value")]
        out.rows = [
            [.text("days"), .number(days, places: -1)], [.text("tokens per param"), .number(ratio, places: -1)],
            [.text(Self.trainingLabel(q)), .number(pflops, places: 1)], [.text("mfu"), .number(mfu, places: 2)],
            [.text("FLOPs (PFLOPS·10^15·mfu·86400·days)"), .quantity(flops, shown: Format.scientific(flops))],
            [.text("params (√(FLOPs / (6·tokens per param)))"), .quantity(params, shown: Self.short(Self.significant(params)))],
            [.text("tokens (tokens per param·params)"), .quantity(tokens, shown: Self.short(Self.significant(tokens)))],
        ]
        var w = JSONWriter()
        w.string("at", p.atText); w.string("known", p.knownText)
        w.raw("days", Format.json(days)); w.raw("tokens_per_param", Format.json(ratio))
        w.raw("pflops", Format.json(pflops)); w.raw("mfu", Format.json(mfu))
        w.raw("flops", "\(flops)"); w.raw("params", Format.number(params)); w.raw("tokens", Format.number(tokens))
        w.string("precision", prec.rawValue)
        Self.writeScope(q.scope, &w)
        out.json = w.finished()
        return out
    }
}
