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

    /// Runs every line; returns the number of lines that failed.
    @discardableResult
    public func run(lines raw: [String], firstLine: Int = 1) -> Int {
        var failures = 0
        // A line ending in `\` continues on the next; errors name the first line of the command.
        var lines: [(Int, String)] = []
        var pending: (Int, String)?
        for (i, l) in raw.enumerated() {
            if l.hasSuffix("\\") {
                let part = String(l.dropLast()).trimmingSpaces() + " "
                pending = pending.map { ($0.0, $0.1 + part) } ?? (i, part)
                continue
            }
            if let p = pending {
                lines.append((p.0, p.1 + l))
                pending = nil
            } else {
                lines.append((i, l))
            }
        }
        if let p = pending { lines.append(p) }
        for (i, line) in lines {
            do {
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

    public func run(text: String) -> Int {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return run(lines: lines)
    }
}
