/// Which install a rack retirement retires: the one answer for the index (built and updated),
/// the checkpoint's writer and the checkpoint's tail.
///
/// A retirement retires the install of its (site, rack) that stood when it was recorded: the
/// latest install before it in effective order (time, then seq) among those recorded before it
/// that no void recorded before it took away. The rules saw to it that this install was active
/// at the retirement (`checkRackRetired`), and refuse any later void that would take it away, so
/// the answer holds at every cut at which the retirement counts. (An install voided before the
/// retirement was recorded is no answer, even when it is the latest: the rack may have been
/// installed again, backdated, after the void.)
///
/// Two ways to ask, one answer (the tests hold them to each other): a pass in effective order
/// notes each install as it meets it (`note(install:seq:)`) and asks for a retirement's when it
/// meets it (`retired(by:seq:voidedBy:)`); a look back from one retirement through its site's
/// installs and retirements (`retired(by:seq:lookingBackThrough:records:voidedBy:)`) takes the
/// first install of the rack that stood. The fold finds the rack in its energizer instead, by
/// the rack's number among the active racks: it applies only what counts at its cut, in
/// effective order, so the active rack of that number is this same install.
package struct RackInstalls {
    /// A noted install: its seq, its rack, whether any void takes it away, and the install of
    /// the same (site, rack) noted before it (in `earlier`), if any.
    private struct Install {
        var seq: Int
        var rack: RetiredRack<UInt32>
        var voided: Bool
        var previous: Int32 = -1
    }

    /// Per (site, rack) name numbers, the last install noted, kept in place: a retirement nearly
    /// always retires it, and finds it with one lookup (a node elsewhere, and a voided bit per
    /// seq, were each one more cache miss per retirement of a large ledger).
    private var last: [UInt64: Install] = [:]
    /// The installs noted before the last of their (site, rack).
    private var earlier: [Install] = []
    /// The rack numbers whose installs are noted, unless every rack's are.
    private let tracked: Bitset
    private let tracksEveryRack: Bool

    /// Notes the installs of the racks numbered in `tracked` only (nil: of every rack).
    package init(tracking tracked: Bitset? = nil) {
        self.tracked = tracked ?? Bitset()
        tracksEveryRack = tracked == nil
    }

    @inline(__always)
    private static func key(site: UInt32, rack: UInt32) -> UInt64 { UInt64(site) << 32 | UInt64(rack) }

    /// Whether install `install` stood when retirement `retirement` was recorded: recorded
    /// before it, and not voided before it. `voidedBy` gives the seq of the void of a seq, if any.
    @inline(__always)
    static func stood(_ install: Int, whenRecorded retirement: Int, voidedBy: (Int) -> Int?) -> Bool {
        guard install < retirement else { return false }
        guard let void = voidedBy(install) else { return true }
        return void > retirement
    }

    /// Notes `p`, the `rack.installed` at `seq`, met in a pass in effective order; `voided` says
    /// whether any void takes it away (asked only of a rack that is noted).
    @inline(__always)
    package mutating func note(install p: some PackedFields<UInt32>, seq: Int, voided: @autoclosure () -> Bool) {
        guard tracksEveryRack || tracked.contains(Int(p.rack)) else { return }
        let key = Self.key(site: p.site, rack: p.rack)
        if let before = last.updateValue(Install(seq: seq, rack: p.installedRack, voided: voided()), forKey: key) {
            // The rack installed again (a few): the one before goes to `earlier`.
            earlier.append(before)
            last[key]!.previous = Int32(earlier.count - 1)
        }
    }

    /// The rack that `p`, the `rack.retired` at `seq` met in the same pass, retires; nil when no
    /// noted install stood for it. `voidedBy` is asked only of installs noted as voided.
    package func retired(by p: PackedEvent, seq: Int, voidedBy: (Int) -> Int?) -> RetiredRack<UInt32>? {
        guard var install = last[Self.key(site: p.site, rack: p.rack)] else { return nil }
        while true {
            if Self.stood(install.seq, whenRecorded: seq, voidedBy: { install.voided ? voidedBy($0) : nil }) { return install.rack }
            guard install.previous >= 0 else { return nil }
            install = earlier[Int(install.previous)]
        }
    }

    /// The rack that `p`, the `rack.retired` at `seq`, retires, looking back from it through
    /// `marks`: seqs of its site's installs and retirements in effective order, read from
    /// `records` (by seq − 1). Nil when none of them is an install that stood for it.
    static func retired(by p: PackedEvent, seq: Int, lookingBackThrough marks: [Int], records: EventStorage,
                        voidedBy: (Int) -> Int?) -> RetiredRack<UInt32>? {
        let key = TimeKey(effective: p.effective, seq: seq)
        for s in marks.reversed() {
            let q = records[s - 1]
            guard q.code == PackedEvent.rackInstalled, q.site == p.site, q.rack == p.rack, TimeKey(effective: q.effective, seq: s) < key,
                  stood(s, whenRecorded: seq, voidedBy: voidedBy) else { continue }
            return q.installedRack
        }
        return nil
    }
}

/// The rack a retirement takes out of the fleet: its chip model, chips and watts, as the install
/// it retires gave them (`RackInstalls` says which install that is).
package struct RetiredRack<Name: Hashable>: Hashable {
    var model: Name
    var chips: Int64
    var watts: Int64
}

extension RetiredRack: Sendable where Name: Sendable {}

extension PackedFields {
    /// The rack a `rack.installed` installs, as a retirement of it takes it out.
    @inline(__always)
    var installedRack: RetiredRack<Name> { RetiredRack(model: model, chips: chips, watts: watts) }
}

extension Ledger {
    /// For each retirement, the rack it retires (`RackInstalls`; its model as a string number),
    /// found in one pass in effective order (`order`, from `effectiveOrder()`). `voided` is
    /// `voidedMask(through: count)`, when the caller has it. Only for a ledger holding every event.
    ///
    /// Two passes: the first notes the rack numbers that some retirement names (a few in a
    /// hundred of a history's racks), the second follows only their installs in effective order,
    /// so that `RackInstalls` holds those racks alone.
    func retiredRackNumbers(order: [UInt32], voided: Bitset? = nil) -> [Int: RetiredRack<UInt32>] {
        var named = Bitset()
        var retirements = 0
        let stored = self.stored
        stored.withColumns { records in
            for i in 0..<records.count where records.code(i) == PackedEvent.rackRetired {
                named.insert(Int(records.rack(i)))
                retirements += 1
            }
        }
        var retired: [Int: RetiredRack<UInt32>] = [:]
        guard retirements > 0 else { return retired }
        retired.reserveCapacity(retirements)
        var installs = RackInstalls(tracking: named)
        let voidedBy = self.voidedBy
        let voided = voided ?? voidedMask(through: count)
        stored.withColumns { records in
            for s in order {
                let seq = Int(s)
                switch records.code(seq - 1) {
                case PackedEvent.rackInstalled:
                    installs.note(install: records.row(seq - 1), seq: seq, voided: voided[seq])
                case PackedEvent.rackRetired:
                    if let rack = installs.retired(by: records[seq - 1], seq: seq, voidedBy: { voidedBy[$0] }) { retired[seq] = rack }
                default: break
                }
            }
        }
        return retired
    }
}
