extension RuleState {
    /// `rack.installed`: the rack id is not active at the site, the site has enough undeployed
    /// chips of the model at the effective time and at every later effective time, and the site
    /// does not close after it.
    func checkRackInstalled(site: UInt32, rack: UInt32, model: UInt32, chips: Int64, _ key: TimeKey, _ events: EventLookup) throws {
        @Sendable func subject(_ names: LogStrings) -> String { "rack.installed \(names.name(rack))" }
        // An install is always its rack's last mark (an earlier one would overlap the marks
        // after it), so a rack installed before its site's closure would be active past it.
        if let closed = sites[UInt64(site)]?.closed, key < closed {
            throw RuleViolation { names in
                "\(subject(names)): rack \(names.name(rack)) would still be active at \(names.name(site)) when the site closes at \(closed.time.shortString) (#\(closed.seq))"
            }
        }
        if !racks.isEmpty(rack: rack) {
            let marks = racks.marks(site: site, rack: rack, in: events)
            if let idx = marks.lastIndex(where: { $0.key < key }) ?? (marks.isEmpty ? nil : -1) {
                if idx >= 0, marks[idx].install {
                    let active = marks[idx]
                    throw RuleViolation { names in
                        "\(subject(names)): rack \(names.name(rack)) is already active at \(names.name(site)) (installed \(active.key.time.shortString), #\(active.key.seq))"
                    }
                }
                if idx + 1 < marks.count {
                    let next = marks[idx + 1]
                    throw RuleViolation { names in
                        "\(subject(names)): rack \(names.name(rack)) at \(names.name(site)) is \(next.install ? "installed" : "retired") later, at \(next.key.time.shortString) (#\(next.key.seq)); an install at \(key.time.shortString) would overlap it"
                    }
                }
            }
        }
        let pair = NumberMap<Int>.pair(site, model)
        let (low, at) = undeployed.with(pair) { $0.minimum(from: key) } ?? DeltaTimeline().minimum(from: key)
        guard low < chips else { return }
        let (delivered, installed) = undeployed.with(pair) { $0.parts(at: at) } ?? (0, 0)
        if at == key || at.effective == key.effective {
            throw RuleViolation { names in
                "\(subject(names)): site \(names.name(site)) has \(Format.grouped(low)) undeployed \(names.name(model)) chips at \(key.time.shortString) (delivered \(Format.grouped(delivered)), installed \(Format.grouped(installed))); the rack needs \(Format.grouped(chips))"
            }
        }
        throw RuleViolation { names in
            "\(subject(names)): site \(names.name(site)) would be short of \(names.name(model)) chips at \(at.time.shortString): \(Format.grouped(low)) undeployed then (delivered \(Format.grouped(delivered)), installed \(Format.grouped(installed))), and the rack needs \(Format.grouped(chips)) from \(key.time.shortString) on"
        }
    }
}
