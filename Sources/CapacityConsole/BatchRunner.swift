import CapacityLedger
import LedgerStorage

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
        var i = 0
        return run(firstLine: firstLine) {
            guard i < raw.count else { return nil }
            defer { i += 1 }
            return .some(raw[i])
        }.failures
    }

    /// Runs the lines of `reader` as they arrive (standard input, a `--file`), each checked as
    /// UTF-8 on its own. A line the reader refuses (longer than its limit) ends the run as a
    /// failed line; an input that cannot be read (a directory, a failing disk) is thrown after
    /// the lines before it ran (exit 74).
    @discardableResult
    public func run(reader: LineReader) throws -> Int {
        let result = run(firstLine: 1) {
            try reader.next { bytes, _ in String(validating: bytes, as: UTF8.self) }
        }
        if let unreadable = result.unreadable { throw unreadable }
        return result.failures
    }

    /// Runs the lines `next` gives (nil at the end; `.some(nil)` for a line that is not UTF-8).
    /// A line ending in `\` continues on the next; errors name the first line of the command.
    private func run(firstLine: Int, next: () throws -> String??) -> (failures: Int, unreadable: LedgerError?) {
        var failures = 0
        var unreadable: LedgerError?
        var number = 0
        func fail(_ at: Int?, _ message: String) {
            session.out.flush()
            session.err.write((at.map { "line \(firstLine + $0): " } ?? "") + message + "\n")
            session.err.flush()
            failures += 1
        }
        reading: while true {
            // One command: its lines' parts, joined once (joining as they come is quadratic).
            var parts: [String] = []
            var valid = true
            let first = number
            var ended = false
            while true {
                let line: String??
                do {
                    line = try next()
                } catch let e as LedgerError where e.kind == .io {
                    unreadable = e
                    break reading
                } catch {
                    // The reader's own words: they name the line that is over the limit.
                    fail(nil, "\(error)")
                    break reading
                }
                guard let line else { ended = true; break }
                number += 1
                guard let text = line else { valid = false; break }  // it ends its command, refused
                if text.hasSuffix("\\") {
                    parts.append(String(text.dropLast()).trimmingSpaces() + " ")
                    continue
                }
                parts.append(text)
                break
            }
            if ended && parts.isEmpty && valid { break }
            do {
                guard valid else { throw Self.notUTF8 }
                try session.run(parts.joined())
            } catch let e as LedgerError {
                fail(first, e.message)
                if bail { break }
            } catch {
                fail(first, "\(error)")
                if bail { break }
            }
            if session.quitRequested || ended { break }
        }
        session.out.flush()
        return (failures, unreadable)
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
    static let notUTF8 = LedgerError(.lineNotUTF8)

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
