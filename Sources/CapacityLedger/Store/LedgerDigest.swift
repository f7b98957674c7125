/// A ledger's state in one line, to keep somewhere the ledger's writers cannot reach (a ticket,
/// a report, another machine): which ledger, how many events, the hash chain's head after the
/// last of them, and when it was taken.
///
///     capacity-digest/1 rainier 22174 abd77e3b…(64 hex digits) 2026-12-07T18:05:00.123456Z
///
/// The head after seq N fixes every event up to N (each record's bytes feed the chain), so a
/// ledger that still gives the same hash after seq N holds exactly those N events, whatever was
/// appended since. A ledger rolled back to an earlier copy has fewer events; a ledger rewritten,
/// or another ledger put in its place, gives another hash. Modelled on the C2SP checkpoint
/// (origin, tree size, root hash), on one line and without a signature.
public struct LedgerDigest: Equatable, Sendable {
    /// The first word of every digest line, with the format's version.
    public static let tag = "capacity-digest/1"

    /// The ledger's name (its file name without the extension); shown, not checked.
    public var name: String
    /// The number of events: the digest speaks of seqs 1 through `size`.
    public var size: Int
    /// The chain's hash after seq `size` (32 zero bytes for an empty ledger).
    public var head: ChainHash
    /// When the digest was taken.
    public var taken: Timestamp

    public init(name: String, size: Int, head: ChainHash, taken: Timestamp) {
        self.name = name
        self.size = size
        self.head = head
        self.taken = taken
    }

    /// The one-line form.
    public var line: String {
        "\(Self.tag) \(name.isEmpty ? "-" : name) \(size) \(head.hex) \(taken.iso8601)"
    }

    /// Reads one digest line; the error says which word is wrong.
    public static func parse(_ text: String) throws -> LedgerDigest {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        func bad(_ syntax: LedgerError.DigestSyntax) -> LedgerError { LedgerError(.notADigest(syntax)) }
        guard words.first == tag else { throw bad(words.first.map { .tag($0) } ?? .empty) }
        guard words.count == 5 else { throw bad(.wordCount(words.count)) }
        guard let size = Int(words[2]), size >= 0 else { throw bad(.eventCount(words[2])) }
        guard let head = ChainHash(hex: words[3]) else { throw bad(.head(words[3])) }
        guard let taken = Timestamp.parse(words[4]) else { throw bad(.time(words[4])) }
        return LedgerDigest(name: words[1], size: size, head: head, taken: taken)
    }

    /// Whether a ledger that `report` describes still holds this digest's history, and if not,
    /// why, in words an operator can act on. `report` must have been made asking for the hash
    /// at `size` (`EventStore.verify(hashesAt: [size])`).
    public func check(_ report: VerifyReport) -> LedgerError? {
        func refused(_ fault: LedgerError.DigestFault) -> LedgerError {
            LedgerError(.digestNotExtended(name: name, size: size, taken: taken, fault))
        }
        guard report.events >= size else { return refused(.shorter(events: report.events)) }
        guard let h = report.hashesAt[size] else { return refused(.noHash) }
        guard h == head else { return refused(.differs(computed: h, digest: head)) }
        return nil
    }
}
