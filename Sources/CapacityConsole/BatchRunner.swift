import CapacityLedger

/// Batch mode: runs lines one after another, results to `session.out`, errors to `session.err`
/// as `line N: message`. Used by `capacity query --file`, by the console when standard input is
/// not a terminal, and by the transcript tests.
public struct BatchRunner {
    public let session: Session
    /// Stop at the first failing line.
    public var bail = false

    public init(session: Session, bail: Bool = false) {
        self.session = session
        self.bail = bail
    }

    /// Runs every line; returns the number of lines that failed. A nil line is one whose bytes
    /// are not UTF-8 (`lines(of:)`): it is refused, with the command it belongs to, and not run.
    @discardableResult
    public func run(lines raw: [String?], firstLine: Int = 1) -> Int {
        var failures = 0
        // A line ending in `\` continues on the next; errors name the first line of the command.
        var lines: [(Int, String?)] = []
        var pending: (Int, String?)?
        for (i, l) in raw.enumerated() {
            if let l, l.hasSuffix("\\") {
                let part = String(l.dropLast()).trimmingSpaces() + " "
                pending = pending.map { ($0.0, $0.1.map { $0 + part }) } ?? (i, part)
                continue
            }
            if let p = pending {
                lines.append((p.0, p.1.flatMap { a in l.map { a + $0 } }))
                pending = nil
            } else {
                lines.append((i, l))
            }
        }
        if let p = pending { lines.append(p) }
        for (i, line) in lines {
            do {
                guard let line else { throw Self.notUTF8 }
                try session.run(line)
            } catch let e as LedgerError {
                session.out.flush()
                session.err.write("line \(firstLine + i): \(e.message)\n")
                session.err.flush()
                failures += 1
                if bail { break }
            } catch {
                session.err.write("line \(firstLine + i): \(error)\n")
                failures += 1
                if bail { break }
            }
            if session.quitRequested { break }
        }
        session.out.flush()
        return failures
    }

    /// Runs the lines of `text` (as `run(bytes:)` does).
    @discardableResult
    public func run(text: String) -> Int {
        run(bytes: Array(text.utf8))
    }

    /// Runs the lines of `bytes` (standard input, a `--file`), each checked as UTF-8 on its own:
    /// a line that is not is refused and the others run, rather than the whole text decoded
    /// with U+FFFD in place of the bad bytes and run changed.
    @discardableResult
    public func run(bytes: [UInt8]) -> Int {
        run(lines: Self.lines(of: bytes))
    }

    /// The refusal of a line that `lines(of:)` found not to be UTF-8.
    static let notUTF8 = LedgerError.data("the line is not valid UTF-8; it was not run")

    /// The lines of `bytes` split at line feeds, nil for a line that is not valid UTF-8; no
    /// empty line after a final line feed.
    public static func lines(of bytes: [UInt8]) -> [String?] {
        var out = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.withUnsafeBytes { String(validating: $0, as: UTF8.self) }
        }
        if bytes.last == 0x0A || bytes.isEmpty { out.removeLast() }
        return out
    }
}
