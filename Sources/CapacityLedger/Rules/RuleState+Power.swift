extension RuleState {
    /// `power.allocated`: allocated power never exceeds the site's `power_cap_mw`, at any time.
    func checkPowerAllocated(site: String, power: Power, _ key: TimeKey) throws {
        guard let cap = sites[site]?.cap else { return }
        let timeline = allocated[site] ?? DeltaTimeline()
        let (high, at) = timeline.maximum(from: key)
        guard high + power.watts > cap.watts else { return }
        let when = at.effective == key.effective ? "at \(key.time.shortString)" : "at \(at.time.shortString) (it allocates from \(key.time.shortString))"
        throw LedgerError.data("power.allocated: site \(site) would have \(Power(watts: high + power.watts).megawattsText) MW allocated \(when), over its cap of \(cap.megawattsText) MW (\(Power(watts: high).megawattsText) MW already allocated then)")
    }

    /// `power.released`: never releases more than is allocated, at any time.
    func checkPowerReleased(site: String, power: Power, _ key: TimeKey) throws {
        let timeline = allocated[site] ?? DeltaTimeline()
        let (low, at) = timeline.minimum(from: key)
        guard low < power.watts else { return }
        let when = at.effective == key.effective ? "at \(key.time.shortString)" : "at \(at.time.shortString) (it releases from \(key.time.shortString))"
        throw LedgerError.data("power.released: site \(site) has \(Power(watts: low).megawattsText) MW allocated \(when); cannot release \(power.megawattsText) MW")
    }
}
