import CCapacitySupport

/// The hash table a checkpoint keeps over the log's string table, so that a writer finds a
/// string's number without reading every string: open addressing, linear probing, a power-of-two
/// number of 32-bit slots holding `number + 1` (0 is empty), FNV-1a over the UTF-8 bytes.
package enum StringTable {
    /// FNV-1a, 64 bits: stable across processes and builds (unlike `Hasher`).
    @inline(__always)
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    static func hash(_ s: String) -> UInt64 {
        s.withUTF8Bytes { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The slots for `strings` (at least twice as many as strings). Strings go in 32 at a time:
    /// the group's first slots are hashed and prefetched before any is filled, so that their
    /// cache misses (the table of a large log is far bigger than the cache) overlap.
    static func slots(for strings: [String]) -> [UInt32] {
        var count = 16
        while count < strings.count * 2 { count <<= 1 }
        var slots = [UInt32](repeating: 0, count: count)
        let mask = count - 1
        slots.withUnsafeMutableBufferPointer { slots in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 32) { first in
                var i = 0
                while i < strings.count {
                    let group = i..<min(strings.count, i + 32)
                    for k in group {
                        first[k - i] = Int(truncatingIfNeeded: hash(strings[k])) & mask
                        ccap_prefetch(slots.baseAddress! + first[k - i])
                    }
                    for k in group {
                        var j = first[k - i]
                        while slots[j] != 0 { j = (j + 1) & mask }
                        slots[j] = UInt32(k + 1)
                    }
                    i = group.upperBound
                }
            }
        }
        return slots
    }
}
