extension Ledger {
    /// For each event (at `seq − 1`), the number in the log's string table of the rack it installs
    /// or retires, `UInt32.max` for other events; and, per string number, whether a retirement
    /// names it (what a retirement retires is kept for those names only). Only for a ledger
    /// holding every event.
    ///
    /// `strings` is the log's string table: a string is numbered where it first appears. Walking
    /// the events in seq order beside it, a string seen for the first time is the next one of the
    /// table, so a new rack name costs one comparison instead of a lookup in a table of millions
    /// of names (a cache miss each); only a name used before (a retirement, a rack installed
    /// again) is looked up with `find`. The strings an event brings in are taken in the order
    /// `RecordCodec.encode` writes them; a rack name found past the walk's place puts it there, so
    /// a walk that fell out of step costs lookups, never a wrong number.
    func rackStringNumbers(strings: [String], find: (String) -> Int?) throws -> (numbers: [UInt32], retired: [Bool]) {
        precondition(!isPartial, "rack numbers need every event")
        var numbers = [UInt32](repeating: .max, count: events.count)
        var retired = [Bool](repeating: false, count: strings.count)
        var next = 0
        @inline(__always)
        func see(_ s: String?) {
            if let s, next < strings.count, ExactText(strings[next]) == ExactText(s) { next += 1 }
        }
        func number(_ rack: String, _ i: Int) throws -> UInt32 {
            if next < strings.count, ExactText(strings[next]) == ExactText(rack) {
                next += 1
                return UInt32(next - 1)
            }
            guard let n = find(rack) else {
                throw LedgerError.verification("rack \(rack) of #\(firstSeq + i) is not in the log's string table")
            }
            next = max(next, n + 1)
            return UInt32(n)
        }
        for i in events.indices {
            see(events[i].note)
            see(events[i].source)
            switch events[i].body {
            case .siteOpened(let site, let name, let region, _, _):
                see(site); see(name); see(region)
            case .chipModelDefined(let model, let vendor, _, _, _, _):
                see(model); see(vendor)
            case .chipsDelivered(let site, let model, _):
                see(site); see(model)
            case .rackInstalled(let site, let rack, let model, _, _):
                see(site)
                numbers[i] = try number(rack, i)
                see(model)
            case .rackRetired(let site, let rack):
                see(site)
                numbers[i] = try number(rack, i)
                retired[Int(numbers[i])] = true
            case .powerAllocated(let site, _), .powerReleased(let site, _):
                see(site)
            case .investmentCommitted(let investor, let recipient, _, let instrument):
                see(investor); see(recipient); see(instrument)
            case .eventVoided(_, let reason):
                see(reason)
            }
        }
        return (numbers, retired)
    }
}
