extension RuleState {
    /// `rack.retired`: the rack is active at the effective time (and not retired again later
    /// without a reinstall in between).
    func checkRackRetired(site: String, rack: String, _ key: TimeKey) throws {
        var subject: String { "rack.retired \(rack)" }  // built only for an error
        let marks = racks.marks(site: site, rack: rack) ?? []
        guard let idx = marks.lastIndex(where: { $0.key < key }) else {
            if let first = marks.first {
                throw LedgerError.data("\(subject): rack \(rack) is not active at \(site) at \(key.time.shortString); it is first installed \(first.key.time.shortString) (#\(first.key.seq))")
            }
            throw LedgerError.data("\(subject): rack \(rack) was never installed at \(site)")
        }
        let prior = marks[idx]
        guard prior.install else {
            throw LedgerError.data("\(subject): rack \(rack) is not active at \(site) at \(key.time.shortString); it was retired \(prior.key.time.shortString) (#\(prior.key.seq))")
        }
        if idx + 1 < marks.count, !marks[idx + 1].install {
            let next = marks[idx + 1]
            throw LedgerError.data("\(subject): rack \(rack) at \(site) is already retired at \(next.key.time.shortString) (#\(next.key.seq))")
        }
    }
}
