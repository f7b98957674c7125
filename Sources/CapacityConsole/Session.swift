import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// One console session: the query language plus what a console adds around it — the time
/// cursor (`at`, `known`, `next`, `prev`), output modes and meta-commands (`.mode`, `.timing`,
/// `.read`, `.output`, `.help`). The interactive console and batch mode both run lines through
/// it; only how lines arrive and how errors are shown differ.
public final class Session {
    /// What queries run against: the ledger's engine, or a transaction's (`begin`).
    public internal(set) var engine: QueryEngine
    /// The ledger's own engine, kept while a transaction is open.
    let ledgerEngine: QueryEngine
    /// The open transaction (`begin`), if any: its appends go to an overlay, never written
    /// until `commit`.
    public internal(set) var transaction: OverlayEventStore?
    /// Defaults for `at=` and `known=` of every query.
    public private(set) var cursor = PointInTime()
    /// The event the cursor was last stepped to with `next`/`prev`.
    public private(set) var stepKey: TimeKey?
    public var format: OutputFormat = .table
    /// How results are laid out: `.headers`, `.totals`, `\x` (see `RenderOptions`).
    public var layout = RenderOptions()
    /// Whether CSV results end with their total row (`.totals on`, `--totals`).
    public var csvTotals: Bool {
        get { layout.csvTotals }
        set { layout.csvTotals = newValue }
    }
    /// The width of the terminal that standard output goes to, or nil: tables are narrowed to it
    /// and `\x auto` expands what is still wider (see `Renderer.render`). The console and
    /// `capacity query` set it; batch mode and tests leave it nil.
    public var terminalWidth: () -> Int? = { nil }
    /// Where the next result goes instead of `out` (`.once FILE`).
    var once: OutputFile?
    /// Shows a result through a pager and returns true, or returns false to have it printed
    /// (the console sets it: a result taller than the terminal goes to `$PAGER`).
    public var pager: ((String) -> Bool)?
    /// `.pager on|off`: whether results may go through `pager`.
    public var paging = true
    public var timing = false
    public var out: any TextOutput
    public let err: any TextOutput
    /// Where `.output stdout` returns to.
    let stdout: any TextOutput
    /// Files opened by `.read` that are being run, to refuse loops.
    var reading: [String] = []
    /// Set by `.quit`, `quit` or `exit`.
    public internal(set) var quitRequested = false
    /// Monotonic clock for `.timing`.
    var elapsed: () -> Double = Monotonic.seconds

    public init(engine: QueryEngine, out: any TextOutput, err: any TextOutput) {
        self.engine = engine
        ledgerEngine = engine
        self.out = out
        self.stdout = out
        self.err = err
    }

    public var store: any EventStore { engine.store }

    /// The ledger's store, also while a transaction is open (whose overlay `store` is then).
    public var ledgerStore: any EventStore { ledgerEngine.store }

    /// Runs one line. Errors are thrown with their message; the caller decides how to show them.
    public func run(_ raw: String) throws {
        let line = QueryWords.droppingTerminator(raw).trimmingSpaces()
        if line.isEmpty || line.hasPrefix("#") { return }
        if line.hasPrefix(".") { return try meta(line) }
        if line.hasPrefix("\\") { return try meta(try Self.dotCommand(forBackslash: line)) }
        let words = try QueryWords.splitChecked(line)
        switch words[0] {
        case "quit", "exit":
            quitRequested = true
        case "begin", "commit", "rollback":
            guard words.count == 1 else { throw LedgerError(.takesNoOptions(words[0])) }
            try transactionCommand(words[0])
        case "help":
            try meta(".help" + (words.count > 1 ? " " + words[1] : ""))
        case "at":
            try setAt(words)
        case "known":
            try setKnown(words)
        case "next", "prev":
            guard words.count == 1 else { throw LedgerError(.takesNoOptions(words[0])) }
            try step(forward: words[0] == "next")
        default:
            let start = elapsed()
            let output = try engine.run(line, defaults: cursor)
            for f in output.files { try OutputFile.write(f.contents, to: f.path, protecting: store.filesInUse) }
            var options = layout
            options.width = resultWidth
            let text = Renderer.render(output, as: format, options: options)
            if let file = once {
                // `.once FILE`: this result, and only it, to FILE.
                once = nil
                let saved = out
                out = file
                defer { out = saved }
                do { try emitResult(text) } catch { file.abandon(); throw error }
                try file.finish()
            } else if paging, out === stdout, let pager, pager(text) {
                // Shown by the pager.
            } else {
                try emitResult(text)
            }
            for w in output.warnings {
                out.flush()
                err.write("note: \(w)\n")
                err.flush()
            }
            // A failed write to a `.output` file is told at the command that met it.
            if let file = out as? OutputFile {
                do {
                    try file.check()
                } catch let e as LedgerError {
                    file.abandon()
                    out = stdout
                    throw e.within(.outputAbandoned)
                }
            }
            if timing {
                let line = "time: \(Format.fixed((elapsed() - start) * 1000, places: 1)) ms"
                if format == .table { emit(line) } else { out.flush(); err.write(line + "\n") }
            }
        }
    }

    /// The width a result is laid out for: the terminal's, when results go to standard output
    /// (not to a file of `.output` or `.once`); nil otherwise.
    var resultWidth: Int? { once == nil && out === stdout ? terminalWidth() : nil }

    func emit(_ text: String) {
        guard !text.isEmpty else { return }
        out.write(text + "\n")
    }

    /// Prints a query's result a piece of about 16 KiB at a time (whole lines), asking the
    /// engine's `isCancelled` before each: Ctrl-C in the console stops a long result while it
    /// prints, as it stops a query while it computes. Elsewhere `isCancelled` is always false and
    /// the output is the same as `emit`'s.
    func emitResult(_ text: String) throws {
        guard !text.isEmpty else { return }
        let u = text.utf8
        var start = u.startIndex
        while start != u.endIndex {
            if engine.isCancelled() { throw LedgerError(.interrupted) }
            let least = u.index(start, offsetBy: 1 << 14, limitedBy: u.endIndex) ?? u.endIndex
            let end = u[least...].firstIndex(of: 0x0A).map { u.index(after: $0) } ?? u.endIndex
            out.write(String(text[start..<end]))
            start = end
        }
        out.write("\n")
        if engine.isCancelled() { throw LedgerError(.interrupted) }
    }

    /// Confirms the cursor: a line of text, or `{"at":…,"known":…}` in JSON mode.
    func emitCursor() {
        if format == .json {
            emit(#"{"at":"\#(cursor.atText)","known":"\#(cursor.knownText)"}"#)
        } else {
            emit("at \(cursor.atText)\(stepKey.map { " (#\($0.seq))" } ?? ""), known \(cursor.knownText)")
        }
    }

    // MARK: the cursor

    func setAt(_ words: [String]) throws {
        if words.count == 1 {
            emitCursor()
            return
        }
        guard words.count == 2, let at = PointInTime.parseAt(words[1]) else {
            throw LedgerError(.badTime(written: words.count > 1 ? words[1] : "", form: .cursorAt))
        }
        if case .seq(let n) = at, n > store.ledger.count {
            throw LedgerError(.pastLastEvent(written: "at #\(n)", events: store.ledger.count))
        }
        cursor.at = at
        stepKey = nil
        emitCursor()
    }

    func setKnown(_ words: [String]) throws {
        if words.count == 1 {
            emitCursor()
            return
        }
        guard words.count == 2, let known = PointInTime.parseTime(words[1]) else {
            throw LedgerError(.badTime(written: words.count > 1 ? words[1] : "", form: .cursorKnown))
        }
        cursor.known = known
        emitCursor()
    }

    /// Moves the cursor one counting event in effective order and shows it with running totals.
    func step(forward: Bool) throws {
        var p = cursor
        if case .seq = p.at { p.at = .now }
        // Every event known at the cursor's transaction time, whatever its effective time.
        let view = LedgerView(ledger: store.ledger, point: PointInTime(at: .time(Timestamp(micros: .max)), known: p.known), now: engine.now)
        let current: TimeKey
        if let k = stepKey {
            current = k
        } else {
            switch cursor.at {
            case .time(let t): current = TimeKey(t, Int.max)
            case .now: current = TimeKey(engine.now, Int.max)
            case .seq(let n):
                // From event #N itself, in effective order.
                let e = n >= 1 ? store.ledger.events[n - 1] : nil
                current = e.map { TimeKey($0.effective, $0.seq) } ?? TimeKey(Timestamp(micros: .min), 0)
            }
        }
        guard let (e, s) = try engine.step(from: current, forward: forward, in: view) else {
            emit(forward ? "no later event (at \(cursor.atText))" : "no earlier event (at \(cursor.atText))")
            return
        }
        stepKey = TimeKey(e.effective, e.seq)
        cursor.at = .time(e.effective)
        var o = QueryOutput(command: forward ? "next" : "prev")
        o.columns = [Column("seq"), Column("effective"), Column("event"), Column("pflops", "fleet PFLOPS (bf16)"),
                     Column("energized", "energized (chips)"), Column("drawn_mw", "drawn (MW)")]
        o.rows = [[.seq(e.seq), .text(e.effective.shortString), .text(e.body.label), .number(s.pflops(.bf16), places: 1),
                   .int(s.energizedChips), .megawatts(s.drawn)]]
        emit(Renderer.render(o, as: format, options: RenderOptions(width: resultWidth)))
    }

    // MARK: meta-commands

    public static let metaCommands = [".help", ".mode", ".headers", ".expanded", ".pager", ".timing", ".totals", ".show", ".read", ".output",
                                      ".once", ".print", ".quit"]

    /// psql's backslash commands, as the dot-commands they stand for.
    public static let backslashCommands: [(String, String)] = [
        ("\\q", ".quit"), ("\\?", ".help"), ("\\x", ".expanded"), ("\\timing", ".timing"), ("\\o", ".output"),
    ]

    /// The dot-command a psql backslash command stands for: `\q` → `.quit`, `\x` → `.expanded`
    /// (alone: toggles on and off, as psql's), `\timing` (alone: toggles), `\o FILE` (alone: back
    /// to standard output), `\?` → `.help`.
    static func dotCommand(forBackslash line: String) throws -> String {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let dot = backslashCommands.first(where: { $0.0 == words[0] })?.1 else {
            throw LedgerError(.unknownBackslashCommand(words[0], known: backslashCommands.map(\.0)))
        }
        let rest = words.count > 1 ? " " + words[1] : ""
        if rest.isEmpty {
            switch dot {
            case ".expanded", ".timing": return dot + " toggle"
            case ".output": return ".output stdout"
            default: break
            }
        }
        return dot + rest
    }

    func meta(_ line: String) throws {
        let words = try QueryWords.splitChecked(line)
        switch words[0] {
        case ".quit", ".exit":
            quitRequested = true
        case ".print":
            let rest = line.dropFirst(6)
            out.write((rest.first == " " ? String(rest.dropFirst()) : String(rest)) + "\n")
        case ".mode":
            guard words.count == 2, let f = OutputFormat(rawValue: words[1]) else {
                if words.count == 1 { emit("mode \(format.rawValue)"); return }
                throw LedgerError(.badArgument(command: ".mode", accepts: .mode))
            }
            format = f
        case ".timing":
            guard words.count == 2, ["on", "off", "toggle"].contains(words[1]) else {
                throw LedgerError(.badArgument(command: ".timing", accepts: .onOff))
            }
            timing = words[1] == "toggle" ? !timing : words[1] == "on"
            if words[1] == "toggle" { emit("timing \(timing ? "on" : "off")") }
        case ".pager":
            if let on = try setting(words, paging) { paging = on }
        case ".headers":
            if let on = try setting(words, layout.headers) { layout.headers = on }
        case ".expanded":
            if words.count == 2, words[1] == "toggle" {
                layout.expanded = layout.expanded == .off ? .on : .off
                emit("expanded display is \(layout.expanded.rawValue)")
                return
            }
            guard words.count == 2, let e = RenderOptions.Expanded(rawValue: words[1]) else {
                if words.count == 1 { emit("expanded \(layout.expanded.rawValue)"); return }
                throw LedgerError(.badArgument(command: ".expanded", accepts: .expanded))
            }
            layout.expanded = e
            emit("expanded display is \(e.rawValue)")
        case ".once":
            guard words.count == 2 else { throw LedgerError(.badArgument(command: ".once", accepts: .fileName)) }
            once?.abandon()
            once = try OutputFile(path: words[1], protecting: store.filesInUse)
        case ".show":
            let output: String
            if let file = out as? OutputFile { output = file.path } else { output = "stdout" }
            emit([
                "mode \(format.rawValue)", "headers \(layout.headers ? "on" : "off")", "expanded \(layout.expanded.rawValue)",
                "pager \(paging ? "on" : "off")",
                "timing \(timing ? "on" : "off")", "totals \(layout.csvTotals ? "on" : "off")", "output \(output)",
                "at \(cursor.atText)", "known \(cursor.knownText)",
                "transaction " + (transaction.map { "open, \(Format.counted($0.drafts.count, "event"))" } ?? "none"),
                "signing " + (ledgerStore.signer.map { "with key \($0.name)" } ?? "off"),
            ].joined(separator: "\n"))
        case ".totals":
            if let on = try setting(words, csvTotals) { csvTotals = on }
        case ".output":
            guard words.count == 2 else { throw LedgerError(.badArgument(command: ".output", accepts: .fileNameOrStdout)) }
            let next: any TextOutput = words[1] == "stdout" || words[1] == "-"
                ? stdout : try OutputFile(path: words[1], protecting: store.filesInUse)
            let previous = out
            out = next
            try previous.finish()
        case ".read":
            guard words.count == 2 else { throw LedgerError(.badArgument(command: ".read", accepts: .fileName)) }
            try read(words[1])
        case ".help":
            emit(Self.help(words.count > 1 ? words[1] : nil) ?? "")
            if words.count > 1, Self.help(words[1]) == nil {
                throw LedgerError(.noHelp(topic: words[1]))
            }
        default:
            throw LedgerError(.unknownMetaCommand(words[0], known: Self.metaCommands))
        }
    }

    /// An `on|off` meta-command (`.headers`, `.pager`, `.totals`): alone it shows the setting
    /// (`headers on`) and returns nil; else it returns the new value.
    func setting(_ words: [String], _ current: Bool) throws -> Bool? {
        if words.count == 1 {
            emit("\(words[0].dropFirst()) \(current ? "on" : "off")")
            return nil
        }
        guard words.count == 2, words[1] == "on" || words[1] == "off" else { throw LedgerError(.badArgument(command: words[0], accepts: .onOff)) }
        return words[1] == "on"
    }

    /// Runs the lines of a file as they are read; errors name the file and line and stop the
    /// file.
    func read(_ path: String) throws {
        guard !reading.contains(path) else { throw LedgerError(.alreadyReading(path: path)) }
        func reworded(_ e: LedgerError) -> LedgerError { e.within(.read(path: path)) }
        let reader: LineReader
        do {
            reader = try LineReader(path: path)
        } catch let e as LedgerError {
            throw reworded(e)
        }
        reading.append(path)
        defer { reading.removeLast() }
        while true {
            let line: String??
            do {
                line = try reader.next { bytes, _ in String(validating: bytes, as: UTF8.self) }
            } catch let e as LedgerError {
                throw reworded(e)
            }
            guard let line else { return }
            do {
                guard let line else { throw BatchRunner.notUTF8 }
                try run(line)
            } catch let e as LedgerError {
                throw e.within(.fileLine(path: path, line: reader.lineNumber))
            }
            if quitRequested {
                quitRequested = false  // .quit in a file ends that file, not the session
                return
            }
        }
    }

    /// Ends the session's output: a file named by `.output` is written out and renamed into
    /// place, standard output flushed; throws the first write that failed.
    public func finish() throws {
        rollBackOnLeaving()
        try out.finish()
        out = stdout
        try stdout.finish()
    }

    /// `.help` text: every command, or one command's usage and options.
    public static func help(_ topic: String?) -> String? {
        if let topic {
            let name = topic.hasPrefix(".") ? topic : topic
            if let spec = CommandSpec.named(name) {
                var lines = ["\(spec.usage)", "  \(spec.summary)"]
                for o in spec.options { lines.append("  \(o.name)=  \(o.help)") }
                return lines.joined(separator: "\n")
            }
            if let m = consoleHelp.first(where: { h in
                let word = h.0.split(separator: " ").first.map(String.init)
                return word == name || word == "." + name
            }) {
                return "\(m.0)\n  \(m.1)"
            }
            return nil
        }
        var lines = ["Queries (all but append and verify take known=; all but those and diff take at=):"]
        let width = CommandSpec.all.map(\.name.count).max() ?? 10
        for s in CommandSpec.all {
            lines.append("  " + s.name + String(repeating: " ", count: width - s.name.count + 2) + s.summary)
        }
        lines.append("Console:")
        let w2 = consoleHelp.map(\.0.count).max() ?? 10
        for (c, h) in consoleHelp { lines.append("  " + c + String(repeating: " ", count: w2 - c.count + 2) + h) }
        lines.append(".help CMD shows one command's options.")
        return lines.joined(separator: "\n")
    }

    static let consoleHelp: [(String, String)] = [
        ("at TIME|#N|now", "set the effective-time cursor every query uses; `at` alone shows it"),
        ("known TIME|now", "set the transaction-time cursor: only what was recorded by then"),
        ("next", "step the cursor to the next event in effective order, with running totals"),
        ("prev", "step the cursor to the previous event"),
        ("begin", "start a transaction: appends go to it only, and queries see the ledger plus them (prompt name*)"),
        ("commit", "append the transaction's events to the ledger as one batch, checked again against it as it is now"),
        ("rollback", "drop the transaction's events; the ledger is unchanged"),
        (".mode table|json|csv", "output format"),
        (".headers on|off", "column headers on tables and CSV (default on)"),
        (".expanded on|off|auto", "one field a line, each row a record (\\x); auto when not even a compact table fits the terminal"),
        (".pager on|off", "results taller than the terminal through $PAGER (default less -SFRX; console only)"),
        (".timing on|off", "show how long each query took"),
        (".totals on|off", "end CSV results with their total row (off: CSV rows are data only)"),
        (".read FILE", "run the commands in FILE"),
        (".output FILE|stdout", "send results to FILE, or back to the terminal"),
        (".once FILE", "send the next result only to FILE"),
        (".show", "the current settings and cursors"),
        (".print TEXT", "print TEXT (for narrated scripts)"),
        ("\\q \\? \\x \\timing \\o", "psql's names for .quit, .help, .expanded, .timing and .output"),
        (".quit", "leave (also quit, exit, Ctrl-D)"),
    ]
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
