import Crypto

/// The operators' keys a ledger records (`key.added`, `key.revoked`), and the one rule about
/// them: once a ledger holds a key, every later batch is signed by a key in force.
///
/// Keys live in log order, not on the effective timeline: a signature says who appended a batch,
/// which is a fact about the log. A key is in force for a batch that starts at seq `first` when
/// it was added before `first` and not revoked before it (a batch may revoke the key that signs
/// it). A batch must be signed when any key was added before it; the batch that adds the first
/// key is not.
public struct SigningKeys: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public var name: String
        /// The Ed25519 public key, 32 bytes.
        public var publicKey: [UInt8]
        /// The seq of its `key.added`, and of its `key.revoked` if any.
        public var added: Int
        public var revoked: Int?

        /// Whether the key may sign a batch whose first event is `first`.
        public func inForce(forBatchFrom first: Int) -> Bool {
            added < first && (revoked.map { $0 >= first } ?? true)
        }

        /// The first 16 hex digits of the public key: enough to tell keys apart in listings.
        public var fingerprint: String { String(SigningKeys.hex(publicKey).prefix(16)) }
    }

    /// Every key ever added, in the order added.
    public private(set) var all: [Key] = []

    public init() {}

    public var isEmpty: Bool { all.isEmpty }

    public func named(_ name: String) -> Key? { all.first { $0.name == name } }

    /// Whether a batch whose first event is `first` must be signed.
    public func signatureRequired(forBatchFrom first: Int) -> Bool {
        all.contains { $0.added < first }
    }

    /// The names of the keys in force for a batch from `first`.
    public func inForce(forBatchFrom first: Int) -> [Key] {
        all.filter { $0.inForce(forBatchFrom: first) }
    }

    // MARK: the rules of key.added and key.revoked

    /// Checks a key event about to become seq `seq`. Throws `LedgerError.data` naming the rule.
    func check(_ body: EventBody, seq: Int) throws {
        switch body {
        case .keyAdded(let name, let publicKey):
            if let k = named(name) {
                throw LedgerError(.keyNameReused(name: name, added: k.added, revoked: k.revoked))
            }
            if let k = all.first(where: { Self.hex($0.publicKey) == publicKey }) {
                throw LedgerError(.publicKeyReused(name: name, recordedAs: k.name, added: k.added))
            }
        case .keyRevoked(let name):
            guard let k = named(name) else {
                throw LedgerError(.keyNotAdded(name: name, known: all.map(\.name)))
            }
            if let r = k.revoked { throw LedgerError(.keyRevokedAlready(name: name, at: r)) }
            let others = all.filter { $0.name != name && $0.revoked == nil }
            guard !others.isEmpty else {
                throw LedgerError(.lastKeyInForce(name: name))
            }
        default:
            return
        }
    }

    /// Takes a checked key event at `seq` into account.
    mutating func apply(_ body: EventBody, seq: Int) {
        switch body {
        case .keyAdded(let name, let publicKey):
            all.append(Key(name: name, publicKey: Self.bytes(hex: publicKey) ?? [], added: seq))
        case .keyRevoked(let name):
            if let i = all.firstIndex(where: { $0.name == name }) { all[i].revoked = seq }
        default:
            return
        }
    }

    /// Undoes `apply` of the key event at `seq` (the newest applied).
    mutating func remove(_ body: EventBody, seq: Int) {
        switch body {
        case .keyAdded:
            if all.last?.added == seq { all.removeLast() }
        case .keyRevoked(let name):
            if let i = all.firstIndex(where: { $0.name == name }), all[i].revoked == seq { all[i].revoked = nil }
        default:
            return
        }
    }

    // MARK: what a batch's signature says

    /// The bytes a batch's signature signs: a fixed label, the batch's first and last seq
    /// (u64 LE each) and the chain's head after its last event (32 bytes). The head commits to
    /// every event before it, so a signature vouches for the batch and the history it extends.
    public static func message(first: Int, last: Int, head: ChainHash) -> [UInt8] {
        var m = Array("capacity-ledger signed batch v1\n".utf8)
        for v in [UInt64(first), UInt64(last)] { for i in 0..<8 { m.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        m.append(contentsOf: head.bytes)
        return m
    }

    /// Whether `signature` is `key`'s Ed25519 signature of `message`.
    public static func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    // MARK: text forms

    /// 64 hexadecimal digits in lower case (the form `key.added` stores).
    public static func isPublicKeyText(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    public static func hex(_ bytes: [UInt8]) -> String { Hex.text(bytes) }

    /// The bytes of a hexadecimal text of even length (either case), or nil.
    public static func bytes(hex: String) -> [UInt8]? { Hex.bytes(hex) }
}

/// An operator's private signing key, as `capacity keys new` writes it: its name in the ledger
/// and the 32-byte Ed25519 seed. The key file is one line of text,
/// `capacity-signing-key/1 NAME HEXSEED`, readable by its owner only.
public struct SigningKey: Sendable {
    public let name: String
    private let key: Curve25519.Signing.PrivateKey

    public static let fileLabel = "capacity-signing-key/1"

    /// A new random key named `name`.
    public init(newNamed name: String) {
        self.name = name
        key = Curve25519.Signing.PrivateKey()
    }

    /// Reads a key file's text; `path` is only for the messages.
    public init(fileText: String, path: String) throws {
        let words = fileText.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard words.count == 3, words[0] == Self.fileLabel else {
            throw LedgerError(.notAKeyFile(path: path))
        }
        guard EventDraftDecoder.isSlug(words[1]) else {
            throw LedgerError(.keyFileNameNotID(path: path, name: words[1]))
        }
        guard let seed = SigningKeys.bytes(hex: words[2]), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw LedgerError(.keyFileBadPrivateKey(path: path))
        }
        name = words[1]
        self.key = key
    }

    /// The key file's text (one line).
    public var fileText: String { "\(Self.fileLabel) \(name) \(SigningKeys.hex(Array(key.rawRepresentation)))\n" }

    public var publicKey: [UInt8] { Array(key.publicKey.rawRepresentation) }
    public var publicKeyHex: String { SigningKeys.hex(publicKey) }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw LedgerError(.signingFailed(key: name, reason: "\(error)"))
        }
    }
}
