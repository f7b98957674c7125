/// A map for the few keys a pass over millions of events or packed records looks up on nearly
/// every one: a fleet's sites and a site's chip models by name (`SmallMap<String, …>`), the
/// rules' and the index's sites and (site, model) pairs by their names' numbers in the log's
/// string table (`NumberMap`). The keys sit in a short array compared in turn, so that a lookup
/// compares a few keys instead of hashing one (a `Dictionary` runs SipHash on every lookup, a
/// fifth of a full fold's time). Past `searchLimit` keys a dictionary of positions takes over,
/// so that a map of many keys does not search a long list.
///
/// Keys compare with `==`: strings by canonical equivalence, as a dictionary's would. A key's
/// place (its position among the keys, in the order they arrived) never changes while no key
/// is removed. Equality and hashing ignore the order in which keys arrived.
struct SmallMap<Key: Hashable, Value> {
    private(set) var keys: [Key] = []
    private(set) var values: [Value] = []
    /// Key → position, once there are more than `searchLimit` keys.
    private var positions: [Key: Int]?
    static var searchLimit: Int { 16 }

    init() {}

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    /// The place of `key`, nil when it is not here.
    ///
    /// - Complexity: O(`searchLimit`) comparisons, then one dictionary lookup.
    @inline(__always)
    func index(of key: Key) -> Int? {
        if let positions { return positions[key] }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    /// The value of `key`; setting one adds the entry or replaces its value (nil takes it out).
    subscript(key: Key) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            guard let newValue else { remove(key); return }
            self[key, default: newValue] = newValue
        }
    }

    /// The value for `key`, added as `fallback` first when the key is new.
    subscript(key: Key, default fallback: @autoclosure () -> Value) -> Value {
        get { index(of: key).map { values[$0] } ?? fallback() }
        _modify {
            let i = index(of: key) ?? add(key, fallback())
            yield &values[i]
        }
    }

    /// The place of `key`, added with `fallback` first when it is new.
    mutating func place(of key: Key, adding fallback: @autoclosure () -> Value) -> Int {
        index(of: key) ?? add(key, fallback())
    }

    /// The value at a place `index(of:)` or `place(of:adding:)` gave.
    subscript(place i: Int) -> Value {
        _read { yield values[i] }
        _modify { yield &values[i] }
    }

    /// `body` applied to the value of `key` where it is (no copy of it), or nil when the key is
    /// not here.
    @inline(__always)
    func with<R>(_ key: Key, _ body: (borrowing Value) throws -> R) rethrows -> R? {
        guard let i = index(of: key) else { return nil }
        return try values.withUnsafeBufferPointer { try body($0[i]) }
    }

    /// Calls `body` with the value for `key` to change it in place; nil (and no call) when the
    /// key is not here.
    @discardableResult
    mutating func update<R>(_ key: Key, _ body: (inout Value) -> R) -> R? {
        guard let i = index(of: key) else { return nil }
        return body(&values[i])
    }

    /// Calls `body` with every value to change it in place.
    mutating func updateEach(_ body: (inout Value) -> Void) {
        for i in values.indices { body(&values[i]) }
    }

    /// Takes `key` out (the places of the keys after it move down).
    mutating func remove(_ key: Key) {
        guard let i = index(of: key) else { return }
        keys.remove(at: i)
        values.remove(at: i)
        if positions != nil { positions = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices)) }
    }

    private mutating func add(_ key: Key, _ value: Value) -> Int {
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

/// A small map keyed by names' numbers in the log's string table, or by two of them as a pair
/// (`pair`).
typealias NumberMap<Value> = SmallMap<UInt64, Value>

extension SmallMap where Key == UInt64 {
    /// Two 32-bit numbers as one key.
    @inline(__always)
    static func pair(_ a: UInt32, _ b: UInt32) -> UInt64 { UInt64(a) << 32 | UInt64(b) }
}

extension SmallMap: Sequence {
    /// Every entry, in the order the keys arrived.
    func makeIterator() -> some IteratorProtocol<(key: Key, value: Value)> {
        zip(keys, values).lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }
}

extension SmallMap: Sendable where Key: Sendable, Value: Sendable {}

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
