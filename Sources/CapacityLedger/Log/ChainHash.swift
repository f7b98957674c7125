import CCapacitySupport

/// A SHA-256 value of the hash chain. The chain starts from 32 zero bytes; each record's hash is
/// SHA-256(previous hash ‖ the record's frame bytes).
public struct ChainHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes in order, held inline (no allocation per record hashed).
    private var words: (UInt64, UInt64, UInt64, UInt64)

    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: 32))

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    init(_ raw: UnsafeRawBufferPointer) {
        precondition(raw.count == 32)
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
    }

    /// The hash written as 64 hex digits (either case), or nil.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 64, let bytes = Hex.bytes(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    public static func == (a: ChainHash, b: ChainHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The hash of the record whose frame is `frame`, chained after `self`.
    public func chained(with frame: UnsafeRawBufferPointer) -> ChainHash {
        var out = ChainHash.genesis
        withUnsafeBytes(of: words) { prev in
            withUnsafeMutableBytes(of: &out.words) { o in
                ccap_sha256_two(prev.baseAddress, 32, frame.baseAddress, frame.count, o.baseAddress!.assumingMemoryBound(to: UInt8.self), 0)
            }
        }
        return out
    }

    /// The hash as 64 lower-case hex digits.
    public var hex: String { Hex.text(bytes) }

    public var description: String { hex }
}
