/// The JSON Lines form of stored events: what `export`, `log --json` and `append --json` print.
/// The field order is fixed: `seq`, `type`, `effective`, `recorded`, the type's fields, `note`,
/// `source`, `hash`. Importing such lines into an empty ledger restores it exactly.
public enum EventJSON {
    public static func line(_ e: Event, hash: String? = nil, signature: String? = nil) -> String {
        var w = JSONWriter()
        w.int("seq", Int64(e.seq))
        w.string("type", e.type.rawValue)
        w.string("effective", e.effective.shortString)
        w.string("recorded", e.recorded.iso8601)
        fields(e.body, into: &w)
        w.string("note", e.note)
        w.string("source", e.source)
        w.string("hash", hash)
        w.string("signature", signature)
        return w.finished()
    }

    /// Only the type's own fields, for embedding in query output.
    public static func fields(_ body: EventBody, into w: inout JSONWriter) {
        switch body {
        case .siteOpened(let site, let name, let region, let cap, let acres, let pue):
            w.string("site", site); w.string("name", name); w.string("region", region)
            if let cap { w.raw("power_cap_mw", cap.megawattsText) }
            w.double("acres", acres); w.double("pue", pue)
        case .chipModelDefined(let model, let vendor, let bf16, let fp8, let hbm, let watts):
            w.string("model", model); w.string("vendor", vendor)
            w.double("bf16_tflops", bf16); w.double("fp8_tflops", fp8)
            w.double("hbm_gb", hbm); w.double("watts", watts)
        case .chipsDelivered(let site, let model, let q):
            w.string("site", site); w.string("model", model); w.int("quantity", q)
        case .rackInstalled(let site, let rack, let model, let chips, let p):
            w.string("site", site); w.string("rack", rack); w.string("model", model)
            w.int("chips", chips); w.raw("kw", p.kilowattsText)
        case .rackRetired(let site, let rack):
            w.string("site", site); w.string("rack", rack)
        case .powerAllocated(let site, let p), .powerReleased(let site, let p):
            w.string("site", site); w.raw("mw", p.megawattsText)
        case .investmentCommitted(let investor, let recipient, let usd, let instrument):
            w.string("investor", investor); w.string("recipient", recipient); w.int("usd", usd)
            w.string("instrument", instrument)
        case .eventVoided(let target, let reason):
            w.int("target", Int64(target)); w.string("reason", reason)
        case .keyAdded(let key, let publicKey):
            w.string("key", key); w.string("public_key", publicKey)
        case .keyRevoked(let key):
            w.string("key", key)
        case .siteUpdated(let site, let name, let region, let cap, let pue):
            w.string("site", site); w.string("name", name); w.string("region", region)
            if let cap { w.raw("power_cap_mw", cap.megawattsText) }
            w.double("pue", pue)
        case .siteClosed(let site):
            w.string("site", site)
        }
    }

    /// `key=value` pairs of the type's own fields, in documented order, as text.
    public static func fieldPairs(_ body: EventBody) -> [(String, String)] {
        var w = JSONWriter()
        fields(body, into: &w)
        // Re-read our own JSON: keeps one definition of field names and formatting.
        guard let parsed = try? JSONLine.parse(w.finished()) else { return [] }
        return parsed.pairs.map { p in
            switch p.value {
            case .string(let s), .number(let s), .word(let s): (p.key, s)
            default: (p.key, p.value.display)
            }
        }
    }
}
