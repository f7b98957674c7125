extension RuleState {
    /// `power.allocated`: allocated power never exceeds the site's cap in force (the opening's
    /// `power_cap_mw`, or a later `site.updated`'s), at any time; and none is allocated once the
    /// site is closed.
    func checkPowerAllocated(site: UInt32, watts: Int64, _ key: TimeKey) throws {
        let timeline = allocated[UInt64(site)] ?? DeltaTimeline()
        guard let breach = capBreach(site: site, timeline, from: key, adding: watts), let s = sites[UInt64(site)] else { return }
        let (level, at) = (breach.level, breach.at)
        guard let step = breach.step else {
            throw RuleViolation { names in
                "power.allocated: site \(names.name(site)) closes at \(at.time.shortString) (#\(at.seq)), and would still have \(Power(watts: level).megawattsText) MW allocated then (it allocates from \(key.time.shortString))"
            }
        }
        let when = at.effective == key.effective ? "at \(key.time.shortString)" : "at \(at.time.shortString) (it allocates from \(key.time.shortString))"
        let cap = Self.capText(step, s)
        throw RuleViolation { names in
            "power.allocated: site \(names.name(site)) would have \(Power(watts: level).megawattsText) MW allocated \(when), over \(cap) (\(Power(watts: level - watts).megawattsText) MW already allocated then)"
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
