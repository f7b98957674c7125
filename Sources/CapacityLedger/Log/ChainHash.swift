import Crypto

/// A SHA-256 value of the hash chain. The chain starts from 32 zero bytes; each record's hash is
/// SHA-256(previous hash ‖ the record's frame bytes).
public struct ChainHash: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: 32))

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        self.bytes = bytes
    }

    /// The hash of the record whose frame is `frame`, chained after `self`.
    public func chained(with frame: UnsafeRawBufferPointer) -> ChainHash {
        var h = SHA256()
        bytes.withUnsafeBytes { h.update(bufferPointer: $0) }
        h.update(bufferPointer: frame)
        return ChainHash(bytes: Array(h.finalize()))
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}
