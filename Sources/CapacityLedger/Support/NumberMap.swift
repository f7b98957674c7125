/// A map from 64-bit numbers (a name's number in the log's string table, or two of them for a
/// pair) to values, for the few keys a pass over millions of packed records looks up on nearly
/// every record: the keys in a short array searched in turn, and past `searchLimit` keys a
/// dictionary of positions, as `SmallMap` does for strings.
struct NumberMap<Value> {
    private(set) var keys: [UInt64] = []
    private(set) var values: [Value] = []
    private var positions: [UInt64: Int]?
    static var searchLimit: Int { 16 }

    init() {}

    /// Two 32-bit numbers as one key.
    @inline(__always)
    static func pair(_ a: UInt32, _ b: UInt32) -> UInt64 { UInt64(a) << 32 | UInt64(b) }

    var count: Int { keys.count }

    @inline(__always)
    func index(of key: UInt64) -> Int? {
        if let positions { return positions[key] }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    /// The value for `key`, added as `fallback` first when the key is new.
    subscript(key: UInt64, default fallback: @autoclosure () -> Value) -> Value {
        get { index(of: key).map { values[$0] } ?? fallback() }
        _modify {
            let i = index(of: key) ?? add(key, fallback())
            yield &values[i]
        }
    }

    /// The value of `key`; setting one adds the entry or replaces its value (nil takes it out).
    subscript(key: UInt64) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            guard let newValue else { remove(key); return }
            self[key, default: newValue] = newValue
        }
    }

    /// `body` applied to the value of `key` where it is (no copy of it), or nil when the key is
    /// not here.
    @inline(__always)
    func with<R>(_ key: UInt64, _ body: (borrowing Value) throws -> R) rethrows -> R? {
        guard let i = index(of: key) else { return nil }
        return try values.withUnsafeBufferPointer { try body($0[i]) }
    }

    /// Every entry, in the order the keys arrived.
    var entries: Zip2Sequence<[UInt64], [Value]> { zip(keys, values) }

    /// Calls `body` with the value for `key` to change it in place; nil (and no call) when the
    /// key is not here.
    @discardableResult
    mutating func update<R>(_ key: UInt64, _ body: (inout Value) -> R) -> R? {
        guard let i = index(of: key) else { return nil }
        return body(&values[i])
    }

    /// Takes `key` out (the places of the keys after it move down).
    mutating func remove(_ key: UInt64) {
        guard let i = index(of: key) else { return }
        keys.remove(at: i)
        values.remove(at: i)
        if positions != nil { positions = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices)) }
    }

    private mutating func add(_ key: UInt64, _ value: Value) -> Int {
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

extension NumberMap: Sendable where Value: Sendable {}
