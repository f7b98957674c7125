import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run query-language commands non-interactively.",
        discussion: """
            capacity query 'fleet at=2025-10-29'
            capacity query --json 'capacity by=site precision=fp8'
            capacity query --file tour.repl        (one command a line; # starts a comment; - for stdin)
            capacity query --with plan.jsonl 'fleet at=2026-06-30'   (the answer as if plan.jsonl were appended; nothing is written)
            Errors go to stderr as 'line N: message'; the exit code is 65 if any command failed.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("A file of commands, one a line (- for stdin).", valueName: "file"))
    var file: String?
    @Option(name: .long, help: "table, json or csv.")
    var format: String = "table"
    @Flag(name: .long, help: "Short for --format json.")
    var json = false
    @Flag(name: .long, help: "Stop at the first failing command.")
    var bail = false
    @Flag(name: .long, help: "End CSV results with their total row (left out by default: CSV rows are data).")
    var totals = false
    @Option(name: .long, help: ArgumentHelp("A JSON Lines file of events to answer as if they were appended (checked by every rule, never written).", valueName: "file"))
    var with: String?
    @Argument(help: ArgumentHelp("The command, e.g. 'fleet site=rainier-in at=2025-10-29'.", valueName: "command"))
    var words: [String] = []

    func validate() throws {
        guard OutputFormat(rawValue: format) != nil else { throw ValidationError("--format must be table, json or csv, got \(format)") }
        if file == nil, words.joined().allSatisfy({ $0 == " " }) { throw ValidationError("give a command, or --file FILE") }
        if file != nil, !words.isEmpty { throw ValidationError("give either a command or --file, not both") }
    }

    func run() throws {
        try CapacityLedger_run {
            let format = json ? OutputFormat.json : OutputFormat(rawValue: self.format)!
            var job = QueryJob(ledgerPath: options.path, file: file, format: format, bail: bail, words: words, wait: options.wait, sign: options.sign, totals: totals)
            job.with = with
            try job.run()
        }
    }
}

/// What `capacity query` does once its arguments are read: shared by the parsed command and by
/// the quick start of the common form (`QueryJob.simple`).
struct QueryJob {
    var ledgerPath: String
    var file: String?
    var format: OutputFormat
    var bail: Bool
    var words: [String]
    /// `--wait`: how long an `append` query waits for another writer's lock.
    var wait: Double? = nil
    /// `--sign`: the key file that signs an `append` query (else `$CAPACITY_SIGNING_KEY`).
    var sign: String? = nil
    /// `--totals`: CSV results end with their total row.
    var totals = false
    /// `--with FILE`: speculative events the queries see, never written (`OverlayEventStore`).
    var with: String?

    /// `capacity query [--ledger PATH] [--json | --format F] WORD…` read without the argument
    /// parser, or nil for anything else (help, --file, an unknown or repeated option, a word
    /// starting with a dash, no command), which the parser then reads and checks. Building the
    /// parser's view of every command took about half of a new query process's time.
    static func simple(_ arguments: [String]) -> QueryJob? {
        guard let q = QuickArguments(arguments, command: "query", takesFormat: true),
              !q.words.joined().allSatisfy({ $0 == " " }) else { return nil }
        return QueryJob(ledgerPath: LedgerOptions.path(q.ledger), file: nil, format: q.json ? .json : q.format ?? .table, bail: false,
                        words: q.words)
    }

    /// Whether a checkpoint can answer `q` without replaying the log: a question about fleet
    /// figures at a time (not at an `at=#N`).
    static func checkpointAnswers(_ q: CapacityLedger.Query) -> Bool {
        if case .seq? = q.point.at { return false }
        switch q.command {
        case .fleet, .power, .capacity, .investments, .train, .sites, .models, .diff: return true
        case .log, .timeline, .replay, .when, .energy, .append, .verify, .stats: return false
        }
    }

    /// Tries the checkpoint beside the ledger. Returns false (and why) when the log must be read.
    func runFromCheckpoint(_ line: String, format: OutputFormat) throws -> (done: Bool, rebuild: Bool) {
        guard let q = try? CapacityLedger.Query.parse(line), Self.checkpointAnswers(q), fileExists(ledgerPath) else { return (false, false) }
        let engine = QueryEngine(store: InMemoryEventStore(name: "checkpoint"))
        let path = ledgerPath
        engine.figuresSource = { p in try FleetCheckpoint.figures(ledgerPath: path, point: p, now: engine.now) }
        do {
            let output = try engine.run(q)
            Terminal.stdout(Renderer.render(output, as: format, options: RenderOptions(csvTotals: totals, width: FileOutput.stdout.terminalWidth)))
            return (true, false)
        } catch let u as FleetCheckpoint.Unusable {
            LedgerOptions.debugCheckpoint("checkpoint not used: \(u.reason)")
            // Missing, stale, another format or damaged: rebuild after the replay. A question the
            // checkpoint cannot answer exactly (an earlier known=, first fit) leaves it as it is.
            let fileProblem = !u.needsTheLog
            return (false, fileProblem)
        }
    }

    func run() throws {
        try RawArguments.checkQuery(words)
        let line = words.joined(separator: " ")
        // Help needs no ledger.
        if file == nil, let first = QueryWords.split(line).first, first == "help" || first == ".help" {
            let session = Session(engine: QueryEngine(store: InMemoryEventStore()), out: FileOutput.stdout, err: FileOutput.stderr)
            session.format = format
            try session.run(line)
            try session.finish()
            return
        }
        var rebuild = false
        if file == nil, with == nil {
            let attempt = try runFromCheckpoint(line, format: format)
            if attempt.done { return }
            rebuild = attempt.rebuild
        }
        let store = try LedgerOptions.open(path: ledgerPath, create: true, wait: wait, sign: sign)
        if store.ledger.count == 0, !fileExists(ledgerPath) {
            throw LedgerError(.noLedger(path: ledgerPath))
        }
        // A question the checkpoint answers, and no usable checkpoint: write it now and answer
        // from it. Answering from the log first would build the same figures in memory (the
        // index) only to write them out after. A checkpoint that cannot be written leaves a
        // warning and the answer from the log.
        if rebuild, store.ledger.count >= LedgerOptions.checkpointMinimum, writeCheckpointOrWarn(store),
           try runFromCheckpoint(line, format: format).done {
            return
        }
        var answering: any EventStore = store
        if let with {
            // What if: the file's events on top of the ledger, checked by every rule, never written.
            let reader = try LineReader(path: with)
            var drafts: [EventDraft] = []
            do {
                while let d = try reader.nextDraft() { drafts.append(d) }
            } catch let e as LedgerError {
                throw e.within(.with(path: with))
            }
            let overlay = OverlayEventStore(base: store)
            do {
                let events = try overlay.append(drafts)
                if let first = events.first, let last = events.last {
                    Terminal.stderr("note: answering with \(Format.counted(events.count, "event")) of \(with) as \(first.seq == last.seq ? "#\(first.seq)" : "#\(first.seq)–#\(last.seq)"), not written")
                }
            } catch let e as LedgerError {
                throw e.within(.with(path: with))
            }
            answering = overlay
        }
        let engine = QueryEngine(store: answering)
        engine.runner = Threads()
        let session = Session(engine: engine, out: FileOutput.stdout, err: FileOutput.stderr)
        session.format = format
        session.csvTotals = totals
        // On a terminal, tables are narrowed to its width as in the console.
        session.terminalWidth = { FileOutput.stdout.terminalWidth }
        let failures: Int
        if let file {
            failures = try BatchRunner(session: session, bail: bail).run(reader: try LineReader(path: file))
            try session.finish()
        } else {
            do {
                try session.run(line)
                try session.finish()
                failures = 0
            } catch let e as LedgerError {
                session.out.flush()
                throw e
            }
        }
        if failures > 0 { throw ExitCode(65) }
    }
}
