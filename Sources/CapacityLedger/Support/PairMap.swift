/// A map from pairs of names (a site and a chip model) to values, for the fold and the rules,
/// which look one up on nearly every event: a `SmallMap` of `SmallMap`s, so that a lookup
/// compares a few short strings instead of running SipHash over two (as a `Dictionary` keyed by
/// `PairKey` does). Entries are never removed.
///
/// Equality ignores the order in which keys arrived, as `SmallMap`'s does.
struct PairMap<Value> {
    private var outer = SmallMap<String, SmallMap<String, Value>>()

    init() {}

    /// The value of `key`; setting one adds the entry or replaces its value.
    subscript(key: PairKey) -> Value? {
        get {
            guard let i = outer.index(of: key.a) else { return nil }
            return outer[place: i][key.b]
        }
        set {
            guard let newValue else { preconditionFailure("pair map entries are never removed") }
            outer[key.a, default: SmallMap()][key.b, default: newValue] = newValue
        }
    }

    /// The value of `key`, added as `fallback` first when the key is new.
    subscript(key: PairKey, default fallback: @autoclosure () -> Value) -> Value {
        get { self[key] ?? fallback() }
        _modify { yield &outer[key.a, default: SmallMap()][key.b, default: fallback()] }
    }

    /// Where `key`'s value is (places never change), added as `fallback` first when the key is new.
    mutating func place(of key: PairKey, adding fallback: @autoclosure () -> Value) -> (outer: Int, inner: Int) {
        let i = outer.place(of: key.a, adding: SmallMap())
        let j = outer[place: i].place(of: key.b, adding: fallback())
        return (i, j)
    }

    /// The value at a place `place(of:adding:)` gave.
    subscript(place p: (outer: Int, inner: Int)) -> Value {
        get { outer[place: p.outer][place: p.inner] }
        _modify { yield &outer[place: p.outer][place: p.inner] }
    }

    /// Calls `body` with the value of `key` to change it in place; no call when the key is not
    /// here. (Use this, not `map[key]?.change()`, which would change a copy and store it back.)
    mutating func update(_ key: PairKey, _ body: (inout Value) -> Void) {
        _ = outer.update(key.a) { inner in inner.update(key.b, body) }
    }

    /// Every entry, in the order the keys arrived.
    var entries: [(key: PairKey, value: Value)] {
        var out: [(key: PairKey, value: Value)] = []
        for (a, inner) in outer {
            for (b, v) in inner { out.append((PairKey(a: a, b: b), v)) }
        }
        return out
    }
}

extension PairMap: Sendable where Value: Sendable {}
extension PairMap: Equatable where Value: Equatable {}
extension PairMap: Hashable where Value: Hashable {}
