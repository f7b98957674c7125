import ArgumentParser
import CapacityLedger
import LedgerStorage

/// `capacity digest`: the ledger's state in one line, to keep elsewhere and check later with
/// `capacity verify --digest`.
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print a one-line digest of the ledger (name, events, head hash, time) to keep elsewhere.",
        discussion: """
            The whole ledger is verified first (every record, the hash chain, every rule), so the
            digest speaks only of a sound ledger. Keep the line where the ledger's writers cannot
            change it; later, capacity verify --digest LINE (or a file of such lines) proves the
            ledger still holds that history: not rolled back, rewritten or replaced.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Flag(name: .long, help: "Print {\"digest\":…,\"name\":…,\"events\":…,\"head\":…,\"taken\":…} as JSON.")
    var json = false

    func run() throws {
        try CapacityLedger_run {
            let store = try options.open(create: false)
            let report = try store.verify()
            let d = LedgerDigest(name: store.name, size: report.events, head: report.head, taken: SystemClock().now())
            if json {
                var w = JSONWriter()
                w.string("digest", d.line)
                w.string("name", d.name)
                w.int("events", Int64(d.size))
                w.string("head", d.head.hex)
                w.string("taken", d.taken.iso8601)
                Terminal.stdout(w.finished())
            } else {
                Terminal.stdout(d.line)
            }
        }
    }

    /// The digests `--digest` names: the line itself, or every digest line of a file (blank
    /// lines and lines starting with `#` are skipped). Errors name the file and line.
    static func read(_ value: String) throws -> [LedgerDigest] {
        if value.hasPrefix(LedgerDigest.tag) { return [try LedgerDigest.parse(value)] }
        let reader: LineReader
        do {
            reader = try LineReader(path: value)
        } catch let e as LedgerError {
            throw e.within(.digestOption)
        }
        var out: [LedgerDigest] = []
        while let line = try reader.next({ b, _ in String(decoding: b, as: UTF8.self) }) {
            let t = line.trimmingCharacters(in: " \t")
            if t.isEmpty || t.hasPrefix("#") { continue }
            do {
                out.append(try LedgerDigest.parse(t))
            } catch let e as LedgerError {
                throw e.within(.fileLine(path: value, line: reader.lineNumber))
            }
        }
        guard !out.isEmpty else { throw LedgerError(.noDigestLine(path: value)) }
        return out
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
