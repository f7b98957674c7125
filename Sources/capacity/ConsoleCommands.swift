import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// Options of the console (`capacity`, `capacity repl`, `capacity demo`).
struct ConsoleOptions: ParsableArguments {
    @Flag(name: .long, help: "Run lines from standard input without the line editor, even on a terminal.")
    var batch = false
    @Flag(name: .long, help: "Open the console even when standard input is not a terminal.")
    var interactive = false
    @Flag(name: .long, help: "In batch mode, stop at the first failing line.")
    var bail = false
    @Option(name: .long, help: "table, json or csv.")
    var format: String = "table"

    func validate() throws {
        guard OutputFormat(rawValue: format) != nil else { throw ValidationError("--format must be table, json or csv, got \(format)") }
        if batch && interactive { throw ValidationError("give --batch or --interactive, not both") }
    }

    /// Runs the console (or batch mode) on `store`; throws the exit code.
    func run(store: any EventStore, banner: [String] = []) throws {
        setUTF8Locale()
        let engine = QueryEngine(store: store)
        engine.runner = Threads()
        if let file = store as? FileEventStore, file.ledger.count >= LedgerOptions.checkpointMinimum {
            // A large ledger's first answers come from its checkpoint while the index is not built.
            let path = file.path
            engine.checkpointFigures = { [unowned engine] p in try FleetCheckpoint.figures(ledgerPath: path, point: p, now: engine.now) }
        }
        let session = Session(engine: engine, out: FileOutput.stdout, err: FileOutput.stderr)
        session.format = OutputFormat(rawValue: format)!
        let interactiveMode = interactive || (!batch && isatty(0) == 1)
        if !interactiveMode {
            let failures = try BatchRunner(session: session, bail: bail).run(reader: try LineReader(path: "-"))
            try session.finish()
            if failures > 0 { throw ExitCode(65) }
            return
        }
        let env = ProcessInfo.environment
        let console = Console(session: session, historyPath: Console.historyPath(environment: env),
                              colour: Console.wantsColour(environment: env))
        for line in banner { Terminal.stdout(line) }
        Terminal.flush()
        let code = console.run()
        if code != 0 { throw ExitCode(code) }
    }
}

enum ProcessInfo {
    static var environment: [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Open the console on the ledger (the default command).",
        discussion: "With standard input not a terminal (or --batch) each line runs as in `capacity query --file -`."
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var console: ConsoleOptions

    func run() throws {
        try CapacityLedger_run {
            let store = try options.open(create: true)
            if store.ledger.count == 0, !fileExists(options.path) {
                Terminal.stderr("capacity: \(options.path) does not exist yet; it is created by the first append")
            }
            try console.run(store: store)
        }
    }
}
