extension RuleState {
    /// `power.allocated`: allocated power never exceeds the site's `power_cap_mw`, at any time.
    func checkPowerAllocated(site: UInt32, watts: Int64, _ key: TimeKey) throws {
        guard let cap = sites[UInt64(site)]?.cap else { return }
        let timeline = allocated[UInt64(site)] ?? DeltaTimeline()
        let (high, at) = timeline.maximum(from: key)
        guard high + watts > cap.watts else { return }
        let when = at.effective == key.effective ? "at \(key.time.shortString)" : "at \(at.time.shortString) (it allocates from \(key.time.shortString))"
        throw RuleViolation { names in
            "power.allocated: site \(names.name(site)) would have \(Power(watts: high + watts).megawattsText) MW allocated \(when), over its cap of \(cap.megawattsText) MW (\(Power(watts: high).megawattsText) MW already allocated then)"
        }
    }

    /// `power.released`: never releases more than is allocated, at any time.
    func checkPowerReleased(site: UInt32, watts: Int64, _ key: TimeKey) throws {
        let timeline = allocated[UInt64(site)] ?? DeltaTimeline()
        let (low, at) = timeline.minimum(from: key)
        guard low < watts else { return }
        let when = at.effective == key.effective ? "at \(key.time.shortString)" : "at \(at.time.shortString) (it releases from \(key.time.shortString))"
        throw RuleViolation { names in
            "power.released: site \(names.name(site)) has \(Power(watts: low).megawattsText) MW allocated \(when); cannot release \(Power(watts: watts).megawattsText) MW"
        }
    }
}
