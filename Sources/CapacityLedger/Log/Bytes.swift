/// Little helpers for the binary log: LEB128 varints, zig-zag signed varints, fixed-width
/// little-endian integers.
package struct ByteWriter {
    var bytes: [UInt8] = []

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    @inline(__always) mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always) mutating func zigzag(_ v: Int64) {
        varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    // Little-endian, each appended in one piece from a typed buffer (a copy, not a byte at a
    // time).
    mutating func u32(_ v: UInt32) { append(fixed: v.littleEndian) }

    mutating func u64(_ v: UInt64) { append(fixed: v.littleEndian) }

    /// The bytes of `value` as they lie in memory (fixed-width numbers, or tuples of them, made
    /// little-endian by the caller), appended in one copy.
    @inline(__always)
    mutating func append<T>(fixed value: T) {
        withUnsafeBytes(of: value) { raw in
            bytes.append(contentsOf: UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count))
        }
    }

    mutating func append<C: Collection>(_ c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }

    /// Fixed-width numbers, little-endian: on a little-endian machine the array's memory in one
    /// copy.
    mutating func append<T: FixedWidthInteger>(littleEndian values: [T]) {
        #if _endian(little)
        values.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: raw.count))
        }
        #else
        for v in values { append(fixed: v.littleEndian) }
        #endif
    }

    package static func varintSize(_ v: UInt64) -> Int {
        var n = 1
        var v = v
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }
}

/// Reads what `ByteWriter` wrote. Every read is bounds-checked and returns nil past the end.
package struct ByteReader {
    let base: UnsafeRawBufferPointer
    package var at: Int
    package let end: Int

    package init(_ base: UnsafeRawBufferPointer, from: Int, to: Int) {
        self.base = base
        self.at = from
        self.end = to
    }

    package var remaining: Int { end - at }

    @inline(__always) mutating func byte() -> UInt8? {
        guard at < end else { return nil }
        defer { at += 1 }
        return base[at]
    }

    @inline(__always) package mutating func varint() -> UInt64? {
        var shift: UInt64 = 0
        var v: UInt64 = 0
        while at < end {
            let b = base[at]
            at += 1
            if shift == 63, b > 1 { return nil }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    @inline(__always) package mutating func zigzag() -> Int64? {
        guard let u = varint() else { return nil }
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    package mutating func u32() -> UInt32? {
        guard at + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(base[at + k]) << (8 * k) }
        at += 4
        return v
    }

    package mutating func u64() -> UInt64? {
        guard at + 8 <= end else { return nil }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(base[at + k]) << (8 * k) }
        at += 8
        return v
    }

    package mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer? {
        // `n <= end - at`, not `at + n <= end`: a length read from the bytes may be near Int.max.
        guard n >= 0, n <= end - at else { return nil }
        defer { at += n }
        return UnsafeRawBufferPointer(rebasing: base[at..<(at + n)])
    }
}
