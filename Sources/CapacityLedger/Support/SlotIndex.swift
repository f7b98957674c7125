import CCapacitySupport
/// A hash index over entries that live elsewhere: open addressing with linear probing, each slot
/// one 64-bit word holding 32 bits of the key's hash and the entry's number.
///
/// The large name tables on the write path (the log's string numbers, the rule state's racks)
/// hold millions of names that arrive in no useful order, so nearly every lookup of a new name
/// misses the cache. A Swift `Dictionary` stores no hashes and compares keys along the probe
/// sequence, one more miss for each occupied bucket on the way; here the hash bits in the slot
/// settle almost every comparison, so a name that is not there costs one miss, and the keys stay
/// with their owner (no second copy). The caller hashes (`NameHash`) and says whether an entry
/// matches.
///
/// At most half the slots are used. Entries are numbered below `UInt32.max`.
package struct SlotIndex: Sendable {
    /// The slots, 0: empty; else the top 32 bits of the hash, then entry + 1. Shared between
    /// copies until one changes (copy on write).
    private final class Slots: @unchecked Sendable {
        let base: UnsafeMutablePointer<UInt64>
        let count: Int

        /// `count` empty slots from `calloc`: a large table comes straight from the system as
        /// zero pages, touched only where entries land (the slots of an array were written
        /// with zeros first, every page of every table a growing index passed through). A table
        /// of 4 MiB or more asks for huge pages (lookups land at random places in it).
        init(count: Int) {
            guard let p = ccap_zeroed(count, MemoryLayout<UInt64>.stride) else { fatalError("out of memory for \(count) hash slots") }
            base = p.assumingMemoryBound(to: UInt64.self)
            self.count = count
            if count >= 1 << 19 { ccap_advise_huge_pages(base, count * 8) }
        }

        deinit { ccap_free(base) }

        func copy() -> Slots {
            let s = Slots(count: count)
            s.base.update(from: base, count: count)
            return s
        }
    }

    private var slots: Slots
    private var mask: Int
    private(set) var count = 0

    package init(minimumCapacity n: Int = 0) {
        var size = 16
        while size < n * 2 { size <<= 1 }
        slots = Slots(count: size)
        mask = size - 1
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
    }

    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 { hash >> 32 }

    /// The entry whose key has `hash` and satisfies `matches`, if any.
    @inline(__always)
    func find(_ hash: UInt64, _ matches: (UInt32) -> Bool) -> UInt32? {
        let tag = Self.tag(hash)
        let s = slots.base
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let slot = s[i]
            if slot == 0 { return nil }
            if slot >> 32 == tag, matches(UInt32(truncatingIfNeeded: slot) &- 1) {
                return UInt32(truncatingIfNeeded: slot) &- 1
            }
            i = (i + 1) & mask
        }
    }

    /// Starts loading the slot where a lookup of `hash` begins, so that the lookup, made a
    /// little later, does not wait for memory.
    @inline(__always)
    func prefetch(_ hash: UInt64) {
        ccap_prefetch(slots.base + (Int(truncatingIfNeeded: Self.tag(hash)) & mask))
    }

    /// Adds `entry` under `hash`. The caller knows its key is not here yet.
    mutating func insert(_ hash: UInt64, _ entry: UInt32) {
        precondition(entry < UInt32.max, "too many entries for a slot index")
        if (count + 1) * 2 > slots.count { grow(to: slots.count * 2) } else { makeUnique() }
        place(Self.tag(hash) << 32 | UInt64(entry + 1))
        count += 1
    }

    /// Removes `entry`, which is here under `hash`.
    mutating func remove(_ hash: UInt64, _ entry: UInt32) {
        makeUnique()
        let slots = self.slots.base
        let want = Self.tag(hash) << 32 | UInt64(entry + 1)
        var i = Int(truncatingIfNeeded: Self.tag(hash)) & mask
        while slots[i] != want {
            guard slots[i] != 0 else { return }
            i = (i + 1) & mask
        }
        // Backward shift: move up each later slot of the run that may sit at the hole.
        var j = i
        while true {
            j = (j + 1) & mask
            let slot = slots[j]
            if slot == 0 { break }
            let home = Int(truncatingIfNeeded: slot >> 32) & mask
            let stays = i <= j ? (i < home && home <= j) : (i < home || home <= j)
            if stays { continue }
            slots[i] = slot
            i = j
        }
        slots[i] = 0
        count -= 1
    }

    /// Makes room for `n` entries in all without growing.
    mutating func reserveCapacity(_ n: Int) {
        var size = slots.count
        while size < n * 2 { size <<= 1 }
        if size > slots.count { grow(to: size) }
    }

    private mutating func grow(to size: Int) {
        let old = slots
        slots = Slots(count: size)
        mask = size - 1
        for k in 0..<old.count where old.base[k] != 0 { place(old.base[k]) }
    }

    /// Puts `slot` in the first empty place from its home (the slots are this index's own).
    @inline(__always)
    private func place(_ slot: UInt64) {
        let s = slots.base
        var i = Int(truncatingIfNeeded: slot >> 32) & mask
        while s[i] != 0 { i = (i + 1) & mask }
        s[i] = slot
    }
}

/// The hash `SlotIndex` tables use for names: 64 bits over the UTF-8 bytes, eight at a time,
/// seeded once per process (so that crafted names cannot be chosen to collide). Not stable
/// across processes: nothing hashed with it is stored.
enum NameHash {
    private static let seed: UInt64 = {
        var h = Hasher()
        h.combine(0x5107)
        return UInt64(bitPattern: Int64(h.finalize()))
    }()

    @inline(__always)
    private static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 29)
    }

    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = seed ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            h = mix(h, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < n {
            // The last 1 to 7 bytes as one little-endian word: a 4-, a 2- and a 1-byte load at
            // most, instead of a step per byte.
            let rest = n - i
            var w: UInt64 = 0
            var at = 0
            if rest & 4 != 0 {
                w = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
                at = 4
            }
            if rest & 2 != 0 {
                w |= UInt64(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i + at, as: UInt16.self))) << UInt64(at * 8)
                at += 2
            }
            if rest & 1 != 0 { w |= UInt64(bytes[i + at]) << UInt64(at * 8) }
            h = mix(h, w)
        }
        // Final avalanche (MurmurHash3's fmix64), so that the top 32 bits depend on every byte.
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    static func of(_ s: String) -> UInt64 {
        s.withUTF8Bytes { of(UnsafeRawBufferPointer($0)) }
    }

    /// Whether two strings have the same UTF-8 bytes (see `ExactText`).
    @inline(__always)
    static func same(_ a: String, _ b: String) -> Bool {
        ExactText(a) == ExactText(b)
    }
}
