/// A map from names to values for the few keys a fold looks up on nearly every event (a
/// fleet's sites, a site's chip models): the keys in a short array compared in turn, so that a
/// lookup compares a few short strings instead of hashing one (a `Dictionary` runs SipHash on
/// every lookup, a fifth of a full fold's time). Past `searchLimit` keys a dictionary of
/// positions takes over, so a fleet of many sites does not search a long list.
///
/// Keys compare as `String` does (canonical equivalence), as a dictionary's would. Equality and
/// hashing ignore the order in which keys arrived.
struct SmallMap<Value> {
    private(set) var keys: [String] = []
    private(set) var values: [Value] = []
    /// Key → position, once there are more than `searchLimit` keys.
    private var positions: [String: Int]?
    static var searchLimit: Int { 16 }

    init() {}

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    func index(of key: String) -> Int? {
        if let positions { return positions[key] }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    subscript(key: String) -> Value? {
        index(of: key).map { values[$0] }
    }

    /// The value for `key`, added as `fallback` first when the key is new.
    subscript(key: String, default fallback: @autoclosure () -> Value) -> Value {
        get { index(of: key).map { values[$0] } ?? fallback() }
        _modify {
            let i = index(of: key) ?? add(key, fallback())
            yield &values[i]
        }
    }

    /// The place of `key` (its position among the keys, which never changes), added with
    /// `fallback` first when it is new.
    mutating func place(of key: String, adding fallback: @autoclosure () -> Value) -> Int {
        index(of: key) ?? add(key, fallback())
    }

    /// The value at a place `place(of:adding:)` gave.
    subscript(place i: Int) -> Value {
        _read { yield values[i] }
        _modify { yield &values[i] }
    }

    /// Calls `body` with the value for `key` to change it in place; nil (and no call) when the
    /// key is not here.
    mutating func update<R>(_ key: String, _ body: (inout Value) -> R) -> R? {
        guard let i = index(of: key) else { return nil }
        return body(&values[i])
    }

    /// Calls `body` with every value to change it in place.
    mutating func updateEach(_ body: (inout Value) -> Void) {
        for i in values.indices { body(&values[i]) }
    }

    private mutating func add(_ key: String, _ value: Value) -> Int {
        keys.append(key)
        values.append(value)
        if positions != nil {
            positions![key] = keys.count - 1
        } else if keys.count > Self.searchLimit {
            positions = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices))
        }
        return keys.count - 1
    }
}

extension SmallMap: Sequence {
    func makeIterator() -> some IteratorProtocol<(key: String, value: Value)> {
        zip(keys, values).lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }
}

extension SmallMap: Sendable where Value: Sendable {}

extension SmallMap: Equatable where Value: Equatable {
    static func == (a: SmallMap, b: SmallMap) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a {
            guard let w = b[k], w == v else { return false }
        }
        return true
    }
}

extension SmallMap: Hashable where Value: Hashable {
    func hash(into hasher: inout Hasher) {
        // Order-independent, as equality is: the entries' own hashes combined commutatively.
        var sum = 0
        for (k, v) in self {
            var h = Hasher()
            h.combine(k)
            h.combine(v)
            sum = sum &+ h.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}
