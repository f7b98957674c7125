/// An event's fields as a packed record lays them out (the table on `PackedEvent`), read by the
/// names of what they hold: what `a`, `b`, `c`, `amount` and `amount2` mean depends on the type,
/// and only the accessors below say it.
///
/// Every accessor is an inlined read of one stored field, so a record read by name costs what
/// it cost read raw. `model` and `watts` are kept in different fields by different types (a
/// rack's model in `c`, a delivery's in `b`; a rack's watts in `amount2`, a power change's in
/// `amount`), so they choose by `code`: inside a `switch` over the code the compiler knows it,
/// and the choice folds to the one field's read (the tests hold every accessor, for every type,
/// to the event's field).
package protocol PackedFields<Name> {
    associatedtype Name: Hashable
    /// `EventType.code`.
    var code: UInt8 { get }
    var a: Name { get }
    var b: Name { get }
    var c: Name { get }
    var amount: Int64 { get }
    var amount2: Int64 { get }
}

extension PackedFields {
    /// The site of a `site.opened`, `site.updated`, `site.closed`, `chips.delivered`,
    /// `rack.installed`, `rack.retired`, `power.allocated` or `power.released`.
    @inline(__always) package var site: Name { a }
    /// The rack of a `rack.installed` or `rack.retired`.
    @inline(__always) package var rack: Name { b }
    /// The chip model of a `chips.delivered`, `rack.installed` or `chip.model.defined`.
    @inline(__always) var model: Name {
        code == PackedEvent.rackInstalled ? c : code == PackedEvent.chipModelDefined ? a : b
    }
    /// The chips a `chips.delivered` delivers.
    @inline(__always) var quantity: Int64 { amount }
    /// The chips of a `rack.installed`'s rack.
    @inline(__always) var chips: Int64 { amount }
    /// The watts of a `rack.installed`'s rack, or of a `power.allocated` or `power.released`.
    @inline(__always) var watts: Int64 { code == PackedEvent.rackInstalled ? amount2 : amount }
    /// The investor of an `investment.committed`.
    @inline(__always) var investor: Name { a }
    /// The recipient of an `investment.committed`.
    @inline(__always) var recipient: Name { b }
    /// The whole dollars of an `investment.committed`.
    @inline(__always) var usd: Int64 { amount }
    /// The power cap a `site.updated` sets, in watts (0: it sets none).
    @inline(__always) var cap: Int64 { amount }
    /// The seq an `event.voided` voids.
    @inline(__always) package var target: Int { Int(amount) }
    /// The reason an `event.voided` gives.
    @inline(__always) var reason: Name { b }
    /// The key a `key.added` adds or a `key.revoked` revokes.
    @inline(__always) var signingKey: Name { a }
    /// The public key (hexadecimal) of a `key.added`.
    @inline(__always) var publicKey: Name { b }
}

extension PackedEvent: PackedFields {
    /// The instrument of an `investment.committed`, if it names one (kept as its number + 1,
    /// 0 for none).
    @inline(__always) var instrument: UInt32? { c == 0 ? nil : c - 1 }
}
