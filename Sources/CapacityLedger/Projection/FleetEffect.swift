/// What an event does to the fleet's running totals: the one table that the fold (`FleetState`),
/// the index (`FleetIndex`), the checkpoint's writer and the checkpoint's tail all read.
///
/// | type                   | effect       | what it changes                                                        |
/// |------------------------|--------------|------------------------------------------------------------------------|
/// | `chips.delivered`      | `delivered`  | delivered(site, model) + quantity                                      |
/// | `rack.installed`       | `installed`  | installed(site, model) + chips; active watts(site, model) + watts      |
/// | `rack.retired`         | `retired`, of the rack it retires (`RackInstalls`) | installed(site, model) − chips; retired(site, model) + chips; active watts(site, model) − watts |
/// | `power.allocated`      | `allocated`  | allocated(site) + watts                                                |
/// | `power.released`       | `allocated`  | allocated(site) − watts                                                |
/// | `investment.committed` | `usd`        | usd(investor, recipient) + usd                                         |
/// | `site.opened`, `site.updated`, `site.closed`, `chip.model.defined`, `event.voided`, `key.added`, `key.revoked` | none | — |
///
/// An event's effects: `forEachEffect` (on a packed record, `PackedFields`, or an event's
/// `EventFields`); an effect's changes to the totals as (total, delta) pairs: `forEachDelta`. A
/// void takes its target's effects away by the target not counting; sites (their openings,
/// changes and closures) and chip models are read from their events (`PackedEvent.isDefinition`). A new event type adds its row here, once: the consumers apply
/// effects, not event types (`FleetEffectTests` holds every consumer to this table for every
/// type).
///
/// Names are `Name`s: string numbers for packed records, strings for events.
package enum FleetEffect<Name: Hashable>: Hashable {
    /// Chips arrive at a site.
    case delivered(site: Name, model: Name, chips: Int64)
    /// A rack of `chips` chips drawing `watts` comes into the fleet. (The rack's name changes no
    /// total; the fold's first fit keeps the rack by it.)
    case installed(site: Name, rack: Name, model: Name, chips: Int64, watts: Int64)
    /// A rack leaves the fleet for good: its chips count as retired.
    case retired(site: Name, rack: Name, model: Name, chips: Int64, watts: Int64)
    /// Power allocated to a site (negative: released).
    case allocated(site: Name, watts: Int64)
    /// Dollars committed by an investor to a recipient.
    case usd(investor: Name, recipient: Name, usd: Int64)

    /// The changes this effect makes to the totals, in order: (total, delta) to `body`.
    ///
    /// The pairs are worked out first, into three slots, and `body` is called from one place in
    /// a loop: a hot pass's body is large, and called from the seven places where the pairs are
    /// made the compiler kept it a call per pair instead of inlining it (the index build took
    /// half as long again). `FleetEffectTests` holds the pairs to the table.
    /// - Complexity: O(1); allocates nothing.
    @inline(__always)
    package func forEachDelta(_ body: (FleetTotal<Name>, Int64) throws -> Void) rethrows {
        typealias Pair = (FleetTotal<Name>, Int64)
        let count: Int
        let pairs: (Pair, Pair, Pair)  // the unused slots repeat the first
        switch self {
        case .delivered(let site, let model, let chips):
            let first: Pair = (.delivered(site: site, model: model), chips)
            (count, pairs) = (1, (first, first, first))
        case .installed(let site, _, let model, let chips, let watts):
            let first: Pair = (.installed(site: site, model: model), chips)
            (count, pairs) = (2, (first, (.activeWatts(site: site, model: model), watts), first))
        case .retired(let site, _, let model, let chips, let watts):
            (count, pairs) = (3, ((.installed(site: site, model: model), -chips), (.retired(site: site, model: model), chips),
                                  (.activeWatts(site: site, model: model), -watts)))
        case .allocated(let site, let watts):
            let first: Pair = (.allocated(site: site), watts)
            (count, pairs) = (1, (first, first, first))
        case .usd(let investor, let recipient, let usd):
            let first: Pair = (.usd(investor: investor, recipient: recipient), usd)
            (count, pairs) = (1, (first, first, first))
        }
        for k in 0..<count {
            let (total, delta) = k == 0 ? pairs.0 : k == 1 ? pairs.1 : pairs.2
            try body(total, delta)
        }
    }
}

/// One of the fleet's running totals, by its key: what effects change (`FleetEffect`).
package enum FleetTotal<Name: Hashable>: Hashable {
    /// Chips delivered to a site, of a chip model.
    case delivered(site: Name, model: Name)
    /// Chips in the site's active racks (installed, not retired), of a model.
    case installed(site: Name, model: Name)
    /// Chips of the site's retired racks, of a model.
    case retired(site: Name, model: Name)
    /// Watts of the site's active racks of a model, energized or not.
    case activeWatts(site: Name, model: Name)
    /// Watts allocated to a site.
    case allocated(site: Name)
    /// Whole dollars committed by an investor to a recipient.
    case usd(investor: Name, recipient: Name)

    /// The same total with its names replaced by `name`'s (string numbers by strings).
    @inline(__always)
    package func map<Other: Hashable>(_ name: (Name) -> Other) -> FleetTotal<Other> {
        switch self {
        case .delivered(let s, let m): .delivered(site: name(s), model: name(m))
        case .installed(let s, let m): .installed(site: name(s), model: name(m))
        case .retired(let s, let m): .retired(site: name(s), model: name(m))
        case .activeWatts(let s, let m): .activeWatts(site: name(s), model: name(m))
        case .allocated(let s): .allocated(site: name(s))
        case .usd(let i, let r): .usd(investor: name(i), recipient: name(r))
        }
    }
}

extension PackedFields {
    /// This event's effects on the fleet's totals (the table on `FleetEffect`), in order, to
    /// `body`. `retiring` is asked only of a `rack.retired`: the rack it retires, found by
    /// `RackInstalls` (nil: none known, and the retirement has no effect).
    ///
    /// Each type has one effect or none, so the effect is worked out first and `body` called
    /// from one place: called from each type's case, the fold's body was inlined six times, and
    /// the larger fold no longer inlined the arrays' accessors it calls (`forEachDelta` does the
    /// same for the pairs).
    /// - Complexity: O(1); allocates nothing, so the hot passes (the fold, the index build, the
    ///   checkpoint writer) call it for every record.
    @inline(__always)
    package func forEachEffect(retiring: () throws -> RetiredRack<Name>?, _ body: (FleetEffect<Name>) throws -> Void) rethrows {
        let effect: FleetEffect<Name>
        switch code {
        case PackedEvent.chipsDelivered:
            effect = .delivered(site: site, model: model, chips: quantity)
        case PackedEvent.rackInstalled:
            effect = .installed(site: site, rack: rack, model: model, chips: chips, watts: watts)
        case PackedEvent.rackRetired:
            guard let retired = try retiring() else { return }
            effect = .retired(site: site, rack: rack, model: retired.model, chips: retired.chips, watts: retired.watts)
        case PackedEvent.powerAllocated:
            effect = .allocated(site: site, watts: watts)
        case PackedEvent.powerReleased:
            effect = .allocated(site: site, watts: -watts)
        case PackedEvent.investmentCommitted:
            effect = .usd(investor: investor, recipient: recipient, usd: usd)
        case PackedEvent.siteOpened, PackedEvent.chipModelDefined, PackedEvent.eventVoided, PackedEvent.keyAdded, PackedEvent.keyRevoked,
             PackedEvent.siteUpdated, PackedEvent.siteClosed:
            return
        default:
            preconditionFailure("event type \(code) has no row in the effects table (FleetEffect)")
        }
        try body(effect)
    }
}
