/// Every error a user can see. The message says what was wrong, where, and what would fix it;
/// the kind decides the process exit code (sysexits).
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Bad command-line usage or an unknown query command/option (exit 64 on the CLI).
        case usage
        /// An event or query that breaks a rule or does not parse (exit 65).
        case data
        /// The file system failed or a file is missing (exit 74).
        case io
        /// The log is damaged or its hash chain does not match (exit 1).
        case verification
        /// The user interrupted a long command.
        case interrupted
        /// Another writer held the ledger's lock for longer than the writer would wait (exit 75).
        case busy
    }

    public var kind: Kind
    /// The 1-based line of the input the error is about, if any: shown as `line N: ` before
    /// the text (see `message`), and read from here, never from the text.
    public private(set) var line: Int?
    /// What was wrong, without the line.
    public private(set) var text: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        text = message
    }

    /// The error as a user reads it: `line N: ` and the text.
    public var message: String { line.map { "line \($0): \(text)" } ?? text }

    /// Two errors are the same when a user reads the same: kind and message.
    public static func == (a: LedgerError, b: LedgerError) -> Bool { a.kind == b.kind && a.message == b.message }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(message)
    }

    public static func data(_ m: String) -> LedgerError { LedgerError(.data, m) }
    public static func usage(_ m: String) -> LedgerError { LedgerError(.usage, m) }
    public static func io(_ m: String) -> LedgerError { LedgerError(.io, m) }
    public static func verification(_ m: String) -> LedgerError { LedgerError(.verification, m) }

    public var description: String { message }

    /// The sysexits code for this kind.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .data: 65
        case .io: 74
        case .verification: 1
        case .interrupted: 130
        case .busy: 75
        }
    }

    /// The same error about input line `line` (shown `line N: ` in front); an error that names
    /// its line already keeps it.
    public func atLine(_ line: Int?) -> LedgerError {
        guard let line, self.line == nil else { return self }
        var e = self
        e.line = line
        return e
    }
}
