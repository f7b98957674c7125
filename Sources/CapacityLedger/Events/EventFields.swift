/// An event's fields laid out as its packed record lays them out (the table on `PackedEvent`),
/// with names as strings: code that holds an `Event` reads it by the same names
/// (`PackedFields`) and through the same effects table (`FleetEffect`) as a packed record.
///
/// Only the investment's instrument differs: `c` is the instrument itself ("" for none).
struct EventFields: PackedFields {
    var code: UInt8
    var a = "", b = "", c = ""
    var amount: Int64 = 0
    var amount2: Int64 = 0

    init(_ body: EventBody) {
        code = body.type.code
        switch body {
        case .siteOpened(let site, _, _, _, _, _), .siteClosed(let site): a = site
        case .siteUpdated(let site, _, _, let cap, _): (a, amount) = (site, cap?.watts ?? 0)
        case .chipModelDefined(let model, _, _, _, _, _): a = model
        case .chipsDelivered(let site, let model, let quantity): (a, b, amount) = (site, model, quantity)
        case .rackInstalled(let site, let rack, let model, let chips, let power):
            (a, b, c, amount, amount2) = (site, rack, model, chips, power.watts)
        case .rackRetired(let site, let rack): (a, b) = (site, rack)
        case .powerAllocated(let site, let power), .powerReleased(let site, let power): (a, amount) = (site, power.watts)
        case .investmentCommitted(let investor, let recipient, let usd, let instrument):
            (a, b, c, amount) = (investor, recipient, instrument ?? "", usd)
        case .eventVoided(let target, let reason): (b, amount) = (reason, Int64(target))
        case .keyAdded(let key, let publicKey): (a, b) = (key, publicKey)
        case .keyRevoked(let key): a = key
        }
    }
}
