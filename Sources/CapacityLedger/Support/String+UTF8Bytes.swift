extension String {
    /// Calls `body` with the string's UTF-8 bytes, read in place: a native string's own storage,
    /// or for a small string (up to 15 bytes, held in the value) the value itself. Only a string
    /// with no contiguous UTF-8 (a bridged one) goes through a copy (`withUTF8`).
    ///
    /// `withUTF8` on a copy made the same bytes available too, but on a small string cost about
    /// twice as many instructions; the writer calls this for every name of every event.
    @inline(__always)
    package func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}
