extension RuleState {
    /// `rack.retired`: the rack is active at the effective time (and not retired again later
    /// without a reinstall in between).
    func checkRackRetired(site: UInt32, rack: UInt32, _ key: TimeKey, _ events: EventLookup, _ names: CodecState) throws {
        // Worded only for an error.
        var r: String { names.name(rack) }
        var s: String { names.name(site) }
        var subject: String { "rack.retired \(r)" }
        let marks = racks.marks(site: site, rack: rack, in: events)
        guard let idx = marks.lastIndex(where: { $0.key < key }) else {
            if let first = marks.first {
                throw LedgerError.data("\(subject): rack \(r) is not active at \(s) at \(key.time.shortString); it is first installed \(first.key.time.shortString) (#\(first.key.seq))")
            }
            throw LedgerError.data("\(subject): rack \(r) was never installed at \(s)")
        }
        let prior = marks[idx]
        guard prior.install else {
            throw LedgerError.data("\(subject): rack \(r) is not active at \(s) at \(key.time.shortString); it was retired \(prior.key.time.shortString) (#\(prior.key.seq))")
        }
        if idx + 1 < marks.count, !marks[idx + 1].install {
            let next = marks[idx + 1]
            throw LedgerError.data("\(subject): rack \(r) at \(s) is already retired at \(next.key.time.shortString) (#\(next.key.seq))")
        }
    }
}
