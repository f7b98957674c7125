extension Ledger {
    /// For each retirement, the rack it retires (model as its string number, chips, watts): the
    /// latest install of that (site, rack) before it in effective order (`order`, from
    /// `effectiveOrder()`). Installs count even when voided later: a void that would orphan a
    /// retirement is refused. Only for a ledger holding every event.
    ///
    /// Two passes: the first notes the rack numbers that some retirement names (a few in a
    /// hundred of a history's racks), the second follows only their installs in effective order,
    /// so that the table of installs holds those racks alone.
    func retiredRackNumbers(order: [UInt32]) -> [Int: (model: UInt32, chips: Int64, watts: Int64)] {
        var named = Bitset()
        var retirements = 0
        let stored = self.stored
        stored.withColumns { records in
            for i in 0..<records.count where records.code(i) == PackedEvent.rackRetired {
                named.insert(Int(records.b[i]))
                retirements += 1
            }
        }
        var retired: [Int: (model: UInt32, chips: Int64, watts: Int64)] = [:]
        guard retirements > 0 else { return retired }
        retired.reserveCapacity(retirements)
        var installs: [UInt64: (model: UInt32, chips: Int64, watts: Int64)] = [:]
        stored.withColumns { records in
            for s in order {
                let seq = Int(s)
                let p = records[seq - 1]
                switch p.code {
                case PackedEvent.rackInstalled where named.contains(Int(p.b)):
                    installs[NumberMap<Int>.pair(p.a, p.b)] = (p.c, p.amount, p.amount2)
                case PackedEvent.rackRetired:
                    if let x = installs[NumberMap<Int>.pair(p.a, p.b)] { retired[seq] = x }
                default: break
                }
            }
        }
        return retired
    }
}
