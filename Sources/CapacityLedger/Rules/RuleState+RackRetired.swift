extension RuleState {
    /// `rack.retired`: the rack is active at the effective time (and not retired again later
    /// without a reinstall in between).
    func checkRackRetired(site: UInt32, rack: UInt32, _ key: TimeKey, _ events: EventLookup) throws {
        @Sendable func subject(_ names: LogStrings) -> String { "rack.retired \(names.name(rack))" }
        let marks = racks.marks(site: site, rack: rack, in: events)
        guard let idx = marks.lastIndex(where: { $0.key < key }) else {
            if let first = marks.first {
                throw RuleViolation { names in
                    "\(subject(names)): rack \(names.name(rack)) is not active at \(names.name(site)) at \(key.time.shortString); it is first installed \(first.key.time.shortString) (#\(first.key.seq))"
                }
            }
            throw RuleViolation { names in "\(subject(names)): rack \(names.name(rack)) was never installed at \(names.name(site))" }
        }
        let prior = marks[idx]
        guard prior.install else {
            throw RuleViolation { names in
                "\(subject(names)): rack \(names.name(rack)) is not active at \(names.name(site)) at \(key.time.shortString); it was retired \(prior.key.time.shortString) (#\(prior.key.seq))"
            }
        }
        if idx + 1 < marks.count, !marks[idx + 1].install {
            let next = marks[idx + 1]
            throw RuleViolation { names in
                "\(subject(names)): rack \(names.name(rack)) at \(names.name(site)) is already retired at \(next.key.time.shortString) (#\(next.key.seq))"
            }
        }
    }
}
