import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append one event, or a JSON Lines batch atomically.",
        discussion: """
            capacity append chips.delivered site=rainier-in model=trainium2 quantity=50000 effective=2025-10-01
            capacity append --file batch.jsonl     (or - for standard input)
            capacity append --dry-run …            checks the event or batch and prints the fleet and power rows it would change; writes nothing
            Prints '#SEQ TYPE' for one event, and one summary line for a batch (--verbose: '#SEQ TYPE'
            for each); --json prints the stored events.
            """
    )

    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("A JSON Lines file to append as one batch (- for stdin).", valueName: "file"))
    var file: String?
    @Flag(name: .long, help: "Print the stored events as JSON Lines.")
    var json = false
    @Flag(name: .shortAndLong, help: "For a batch: print '#SEQ TYPE' for each event instead of the one summary line.")
    var verbose = false
    @Flag(name: .customLong("dry-run"), help: "Check the event or batch against every rule and print the fleet and power rows it would change; write nothing.")
    var dryRun = false
    @Argument(help: ArgumentHelp("The event type, then key=value fields; or - to read JSON Lines from stdin.", valueName: "type key=value"))
    var words: [String] = []

    func validate() throws {
        if file != nil, !words.isEmpty { throw ValidationError("give either --file or TYPE key=value, not both") }
        if file == nil, words.isEmpty { throw ValidationError("give an event type and its fields, --file FILE, or -") }
    }

    func run() throws {
        try CapacityLedger_run {
            if dryRun {
                let drafts: [EventDraft]
                if let file = file ?? (words == ["-"] ? "-" : nil) {
                    let reader = try LineReader(path: file)
                    var all: [EventDraft] = []
                    while let d = try reader.nextDraft() { all.append(d) }
                    drafts = all
                } else {
                    try RawArguments.checkFields(words)
                    var fields = try RawFields.fromWords(words.dropFirst())
                    fields.pairs.insert(("type", .word(words[0])), at: 0)
                    drafts = [try EventDraftDecoder.decode(fields)]
                }
                return try Self.dryRun(drafts, options: options, json: json)
            }
            if let file {
                return try streamImport(file, options: options, json: json, quiet: false, verbose: verbose)
            } else if words == ["-"] {
                return try streamImport("-", options: options, json: json, quiet: false, verbose: verbose)
            }
            try Self.appendWords(words, ledgerPath: options.path, json: json, wait: options.wait, sign: options.sign)
        }
    }

    /// `--dry-run`: the drafts checked against the ledger plus each other in an overlay that is
    /// never written, and the rows of `fleet` and `power` that they change, at the latest
    /// effective time among them (or now, if later), known now.
    static func dryRun(_ drafts: [EventDraft], options: LedgerOptions, json: Bool) throws {
        let base: any EventStore = fileExists(options.path) ? try options.open(create: false) : InMemoryEventStore(name: "new")
        let overlay = OverlayEventStore(base: base)
        let events = try overlay.append(drafts)
        guard let first = events.first, let last = events.last else {
            Terminal.stdout("dry run: no events; nothing would change")
            return
        }
        let seqs = events.count == 1 ? "#\(first.seq)" : "#\(first.seq)–#\(last.seq)"
        let latest = max(events.map(\.effective).max()!, Timestamp(seconds: SystemClock().now().seconds))
        let at = latest.shortString
        if !json { Terminal.stdout("dry run: \(Format.counted(events.count, "event")) would be appended as \(seqs); nothing was written") }
        for command in ["fleet", "power"] {
            let line = "\(command) at=\(at)"
            let changes = QueryOutput.changes(before: try QueryEngine(store: base).run(line), after: try QueryEngine(store: overlay).run(line))
            if json {
                Terminal.stdout(Renderer.render(changes, as: .json))
            } else if changes.rows.isEmpty {
                Terminal.stdout("\(command) at \(at): no row changes")
            } else {
                Terminal.stdout(Renderer.render(changes, as: .table))
            }
        }
    }

    /// `capacity append TYPE key=value …`: one event, appended and printed.
    static func appendWords(_ words: [String], ledgerPath: String, json: Bool, wait: Double? = nil, sign: String? = nil) throws {
        try RawArguments.checkFields(words)
        var fields = try RawFields.fromWords(words.dropFirst())
        fields.pairs.insert(("type", .word(words[0])), at: 0)
        try appendAndPrint([try EventDraftDecoder.decode(fields)], ledgerPath: ledgerPath, json: json, wait: wait, sign: sign)
    }

    /// `capacity append [--ledger PATH] [--json] TYPE key=value …` read without the argument
    /// parser (as `QueryJob.simple` reads a query), or nil for anything else, which the parser
    /// then reads and checks. Returns the words, the ledger's path and whether --json was given.
    static func simple(_ arguments: [String]) -> (words: [String], ledgerPath: String, json: Bool)? {
        guard let q = QuickArguments(arguments, command: "append"), !q.words.isEmpty else { return nil }
        return (q.words, LedgerOptions.path(q.ledger), q.json)
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Append a JSON Lines file as one atomic batch (same as append --file).",
        discussion: "Exported lines (with seq, recorded and hash) restore a ledger exactly when imported into an empty one."
    )
    @OptionGroup var options: LedgerOptions
    @Flag(name: .long, help: "Print the stored events as JSON Lines.")
    var json = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false
    @Flag(name: .shortAndLong, help: "Print '#SEQ TYPE' for each event instead of the one summary line.")
    var verbose = false
    @Argument(help: ArgumentHelp("The JSON Lines file (- for stdin).", valueName: "file"))
    var file: String

    func run() throws {
        try CapacityLedger_run {
            try streamImport(file, options: options, json: json, quiet: quiet, verbose: verbose)
        }
    }
}

/// Appends a JSON Lines file (or stdin) as one atomic batch, streaming: neither the input nor
/// the written bytes are held in memory. A progress bar goes to stderr when it is a terminal.
///
/// It prints one summary line, as psql's `COPY` does (a line per event for a million events
/// took as long as the import itself when standard output is a pipe); `verbose` lists each
/// event as `#SEQ TYPE`, `json` each stored event, `quiet` nothing.
func streamImport(_ file: String, options: LedgerOptions, json: Bool, quiet: Bool, verbose: Bool = false) throws {
    let started = Monotonic.seconds()
    // A regular file's lines are parsed on a second thread while the writer checks and encodes
    // the ones before (see `DraftPipeline.start`).
    let input = DraftPipeline(reader: try LineReader(path: file))
    let existed = fileExists(options.path)
    let store = try options.open(create: true, forAppending: true)
    input.start()
    defer { input.stop() }
    // A progress bar on standard error when it is a terminal (not with --quiet), redrawn at
    // most ten times a second and cleared before the summary or an error is printed.
    let progress = !quiet && isatty(2) == 1 ? ImportProgress(input: input) : nil
    // Generated lines run about 130 bytes, exported ones 250: room for the events up front
    // (room not used costs address space only). Drafts read ahead come a chunk at a time: the
    // writer looks a few ahead (`lookahead`).
    let count: Int
    do {
        count = try store.appendChunks(keepHashes: json, expected: (input.size ?? 0) / 100, lookahead: input.readsAhead ? 4 : 0,
                                       progress: progress.map { p in { n in p.show(events: n) } }) { try input.nextChunk() }
        progress?.clear()
    } catch {
        progress?.clear()
        throw error
    }
    leaveCheckpoint(store, appended: count)
    if quiet { return }
    if count == 0 {
        let what = file == "-" ? "standard input" : file
        Terminal.stderr(existed ? "capacity: \(what) holds no events; nothing was appended"
                                : "capacity: \(what) holds no events; created the empty ledger \(options.path)")
        return
    }
    let events = store.ledger.events.suffix(count)
    if json {
        for (e, h) in zip(events, store.lastAppendHashes) { Terminal.stdout(EventJSON.line(e, hash: h.hex)) }
    } else if verbose {
        for e in events { Terminal.stdout("#\(e.seq) \(e.type.rawValue)") }
    } else {
        let last = store.ledger.count, first = last - count + 1
        let seqs = count == 1 ? "#\(last)" : "#\(first)–#\(last)"
        Terminal.stdout("appended \(Format.counted(count, "event")), \(seqs), in \(Format.fixed(Monotonic.seconds() - started, places: 2)) s; head \(store.ledger.head.hex.prefix(12))…")
    }
}

/// After an append to a ledger of 50,000 events or more that had to read the whole log (no
/// usable checkpoint, or a batch reaching behind it), writes a new checkpoint so that the next
/// append and query start from it. (A large import into a small ledger leaves that to the
/// first query.)
func leaveCheckpoint(_ store: FileEventStore, appended: Int) {
    LedgerOptions.debugCheckpoint("append: \(store.checkpointUse)")
    switch store.checkpointUse {
    case .none, .used: return
    case .unusable, .reachedBehind:
        guard !store.ledger.isPartial, store.ledger.count - appended >= LedgerOptions.checkpointMinimum else { return }
        writeCheckpointOrWarn(store)
    }
}

/// Writes the checkpoint beside the store's ledger; when that fails, says why on stderr as a
/// warning (the ledger is fine without one) and returns false.
@discardableResult
func writeCheckpointOrWarn(_ store: FileEventStore) -> Bool {
    do {
        try store.writeCheckpoint()
        return true
    } catch {
        Terminal.stderr("warning: \(error)")
        return false
    }
}

func appendAndPrint(_ drafts: [EventDraft], ledgerPath: String, json: Bool, wait: Double? = nil, sign: String? = nil) throws {
    let store = try LedgerOptions.open(path: ledgerPath, create: true, forAppending: true, wait: wait, sign: sign)
    let events = try store.append(drafts)
    leaveCheckpoint(store, appended: events.count)
    if json {
        for (e, h) in zip(events, store.lastAppendHashes) { Terminal.stdout(EventJSON.line(e, hash: h.hex)) }
    } else {
        for e in events { Terminal.stdout("#\(e.seq) \(e.type.rawValue)") }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the stored events, oldest first.")
    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("Stop after this seq, or after the last event recorded by this time.", valueName: "seq|time"))
    var until: String?
    @Option(name: .long, help: "jsonl or csv.")
    var format: String = "jsonl"

    func validate() throws {
        guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv, got \(format)") }
    }

    func run() throws {
        try CapacityLedger_run {
            let store = try options.open(create: false)
            var rows = try store.eventsWithHashes()
            if let until {
                if let seq = Int(until.hasPrefix("#") ? String(until.dropFirst()) : until) {
                    rows = Array(rows.prefix(max(0, seq)))
                } else if let t = Timestamp.parse(until) {
                    rows = rows.filter { $0.0.recorded <= t }
                } else {
                    throw LedgerError(.badTime(written: until, form: .seqOrTime(option: "--until")))
                }
            }
            if format == "csv" {
                Terminal.stdout(EventCSV.header)
                for (e, h) in rows { Terminal.stdout(EventCSV.row(e, hash: h.hex)) }
            } else {
                // The signature records ride on the line of the event each ends at, so that an
                // import of the export keeps them (CSV has no column for them).
                var signatures: [Int: String] = [:]
                if !store.ledger.keys.isEmpty {
                    for s in try store.signatureRecords() { signatures[s.last, default: ""] += (signatures[s.last] == nil ? "" : " ") + s.carriedText }
                }
                for (e, h) in rows { Terminal.stdout(EventJSON.line(e, hash: h.hex, signature: signatures[e.seq])) }
            }
        }
    }
}

struct Recover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Save every committed event of a damaged ledger, and say what was lost.",
        discussion: """
            Writes every event committed before the damage as JSON Lines, as export does (with hashes), to standard output or --output FILE, and reports on standard error where the damage is, the last good seq and head, the bytes after it and the seqs named by commit records found in them.
            Restore with: capacity import FILE --ledger NEW.ledger
            Exit codes: 0 the ledger is not damaged (every event was written), 1 events were lost.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("Write the events to this file instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        try CapacityLedger_run {
            let found = try FileEventStore.recover(path: options.path)
            let destination: String
            if let output {
                try Self.write(found.events, to: output, ledger: options.path)
                destination = output
            } else {
                for (e, h) in found.events { Terminal.stdout(EventJSON.line(e, hash: h.hex)) }
                Terminal.flush()
                destination = "standard output"
            }
            for line in found.report(destination: destination) { Terminal.stderr("recover: " + line) }
            if found.lostEvents { throw ExitCode(1) }
        }
    }

    /// Writes the events to `path` (mode 0600, as the ledger's; see `OutputFile`: synced and
    /// renamed into place, every failure reported, the ledger and its checkpoint refused).
    static func write(_ events: [(Event, ChainHash)], to path: String, ledger: String) throws {
        let out = try OutputFile(path: path, protecting: [ledger, FleetCheckpoint.path(forLedger: ledger)], mode: 0o600)
        for (e, h) in events { out.write(EventJSON.line(e, hash: h.hex) + "\n") }
        try out.finish()
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "List events in seq order.")
    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("Only events of this type.", valueName: "type"))
    var type: String?
    @Option(name: .long, help: ArgumentHelp("Only events at this site.", valueName: "site"))
    var site: String?
    @Option(name: .long, help: ArgumentHelp("Only events effective at or after this time.", valueName: "time"))
    var since: String?
    @Option(name: .long, help: ArgumentHelp("Only events effective at or before this time.", valueName: "time"))
    var until: String?
    // Unconditional, so that `--limit -1` reaches the range check instead of reading as an option.
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Only the last N matching events.", valueName: "n"))
    var limit: Int?
    @Flag(name: .long, help: "JSON Lines output.")
    var json = false

    func run() throws {
        try CapacityLedger_run {
            let store = try options.open(create: false)
            var filter = EventFilter()
            if let type {
                guard let t = EventType(rawValue: type) else {
                    throw LedgerError.usage("unknown event type \(type) (one of: \(EventType.names.joined(separator: ", ")))")
                }
                filter.type = t
            }
            filter.site = site
            if let since {
                guard let t = Timestamp.parse(since) else { throw LedgerError(.badTime(written: since, form: .dateOrDateTime(option: "--since"))) }
                filter.since = t
            }
            if let until {
                guard let t = Timestamp.parse(until) else { throw LedgerError(.badTime(written: until, form: .dateOrDateTime(option: "--until"))) }
                filter.until = t
            }
            if let limit, limit < 0 { throw LedgerError.usage("--limit must be a whole number ≥ 0, got \(limit)") }
            filter.limit = limit
            let events = filter.apply(store.ledger)
            if json {
                for e in events { Terminal.stdout(EventJSON.line(e)) }
            } else {
                Terminal.stdout(Renderer.render(EventListing.output(events, voidedBy: store.ledger.voidedBy), as: .table))
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record, the hash chain and every rule.",
        discussion: """
            Prints the event count and head hash; exits 1 naming the first bad seq and byte offset.
            With --digest (a line printed by capacity digest, or a file of such lines) it also proves
            that the ledger still holds the history each digest names, and exits 1 if it does not.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Flag(name: .long, help: "Print {\"ok\":…,\"events\":…,\"head\":…} as JSON.")
    var json = false
    @Option(name: .long, help: ArgumentHelp("A digest line from capacity digest, or a file of them, that the ledger must still extend.", valueName: "line|file"))
    var digest: String?

    func run() throws {
        try CapacityLedger_run {
            let digests = try digest.map(DigestCommand.read) ?? []
            do {
                let report = try options.open(create: false).verify(hashesAt: Set(digests.map(\.size)))
                for d in digests {
                    if let failure = d.check(report) { throw failure }
                }
                // The checkpoint, which queries trust, against a rebuild from the log.
                let ckpt = FleetCheckpoint.path(forLedger: options.path)
                // The audit writes its rebuild beside the ledger; with no room for it (a full disk),
                // the ledger's own checks above still stand and the checkpoint is left unchecked.
                let audit: FleetCheckpoint.Audit
                do {
                    audit = try FleetCheckpoint.audit(ledgerPath: options.path, replace: true)
                } catch let e as LedgerError where e.kind == .io {
                    audit = .unusable("it could not be checked: \(e.message)")
                }
                if case .differs(let seq) = audit {
                    throw LedgerError(.checkpointDiffers(path: ckpt, seq: seq))
                }
                if json {
                    var w = JSONWriter()
                    w.raw("ok", "true")
                    w.int("events", Int64(report.events))
                    w.string("head", report.head.hex)
                    w.int("bytes", Int64(report.bytes))
                    if report.ignoredTailBytes > 0 { w.int("ignored_tail_bytes", Int64(report.ignoredTailBytes)) }
                    if !digests.isEmpty { w.int("digests_extended", Int64(digests.count)) }
                    if !report.keys.isEmpty {
                        w.int("signatures", Int64(report.signatures))
                        w.int("keys", Int64(report.keys.all.count))
                    }
                    switch audit {
                    case .none: break
                    case .matches(let seq): w.int("checkpoint_seq", Int64(seq))
                    case .unusable(let why): w.string("checkpoint_unused", why)
                    case .differs: break
                    }
                    Terminal.stdout(w.finished())
                } else {
                    Terminal.stdout("ok: \(Format.counted(report.events, "event")), head \(report.head.hex)")
                    if !report.keys.isEmpty {
                        let inForce = report.keys.all.filter { $0.revoked == nil }.map(\.name)
                        Terminal.stdout("signatures: \(Format.grouped(report.signatures)) checked, every batch after #\(report.keys.all[0].added) signed (keys in force: \(inForce.joined(separator: ", ")))")
                    }
                    for d in digests {
                        Terminal.stdout("extends the digest \(d.name) of \(Format.counted(d.size, "event")) taken \(d.taken.iso8601)")
                    }
                    switch audit {
                    case .none, .differs: break
                    case .matches(let seq): Terminal.stdout("checkpoint: matches a rebuild from the log up to seq \(seq)")
                    case .unusable(let why): Terminal.stderr("note: the checkpoint \(ckpt) is not used (\(why)); the next query that needs it rebuilds it")
                    }
                    if report.ignoredTailBytes > 0 {
                        let one = report.ignoredTailBytes == 1
                        Terminal.stderr("warning: \(Format.counted(report.ignoredTailBytes, "byte")) after the last commit \(one ? "is" : "are") ignored (\(report.tailReason ?? "unfinished batch")); the next append removes \(one ? "it" : "them")")
                    }
                }
            } catch let e as LedgerError where json && e.kind == .verification {
                var w = JSONWriter()
                w.raw("ok", "false")
                w.string("error", e.message)
                Terminal.stdout(w.finished())
                throw e
            }
        }
    }
}

/// Alias so command bodies read naturally despite `run()` being the command's own method.
func CapacityLedger_run(_ body: () throws -> Void) throws { try run(body) }

/// The import's progress bar (`ProgressLine`) on standard error.
final class ImportProgress {
    private let input: DraftPipeline
    private let started = Monotonic.seconds()
    private var lastShown = -1.0
    private var shown = false

    init(input: DraftPipeline) { self.input = input }

    /// Called every 65,536 events.
    func show(events: Int) {
        let now = Monotonic.seconds()
        guard now - lastShown >= 0.1 else { return }
        lastShown = now
        shown = true
        let line = ProgressLine.render(events: events, bytesRead: input.bytesRead, size: input.size,
                                       seconds: now - started, width: Self.width())
        FileOutput.stderr.write("\r" + line + "\u{1B}[K")
        FileOutput.stderr.flush()
    }

    /// Takes the bar off the screen, if it was drawn.
    func clear() {
        guard shown else { return }
        shown = false
        FileOutput.stderr.write("\r\u{1B}[K")
        FileOutput.stderr.flush()
    }

    private static func width() -> Int {
        var ws = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }
}
