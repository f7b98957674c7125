import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// `capacity`: the command-line face of the ledger.
struct CapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "An event-sourced capacity ledger for AI compute fleets.",
        discussion: """
            The ledger is --ledger PATH, else $CAPACITY_LEDGER, else ./capacity.ledger.
            Appends are signed with --sign KEYFILE, else $CAPACITY_SIGNING_KEY (see capacity keys).
            Exit codes: 0 ok, 1 verification failed, 64 usage, 65 bad event data or query, 74 I/O,
            75 another writer held the lock past --wait.
            """,
        subcommands: [Repl.self, Demo.self, Append.self, Import.self, Export.self, Log.self, Verify.self, DigestCommand.self, Recover.self, Keys.self, Upgrade.self, Query.self, Generate.self, BenchQuery.self, BenchAppend.self],
        defaultSubcommand: Repl.self
    )
}

/// Options every command that touches a ledger takes.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file.", valueName: "path"))
    var ledger: String?
    // Unconditional, so that `--wait -1` reaches the range check instead of reading as an option.
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("How long a write waits for another writer's lock before it gives up with exit 75 (default 30).", valueName: "seconds"))
    var wait: Double?
    @Option(name: .long, help: ArgumentHelp("Sign appends with this key file (from capacity keys new); default $CAPACITY_SIGNING_KEY.", valueName: "keyfile"))
    var sign: String?

    func validate() throws {
        if let wait, !(wait >= 0 && wait <= 86_400 * 365) { throw ValidationError("--wait takes seconds from 0 up, got \(wait)") }
    }

    var path: String { Self.path(ledger) }

    /// `--ledger`'s value, else `$CAPACITY_LEDGER`, else `capacity.ledger`.
    static func path(_ ledger: String?) -> String {
        if let ledger { return ledger }
        if let env = getenv("CAPACITY_LEDGER"), env.pointee != 0 { return String(cString: env) }
        return "capacity.ledger"
    }

    /// The command's store. It is kept until the process exits (never deinitialized): the
    /// system takes a large ledger's memory back at once, where freeing millions of events one
    /// by one takes a second or more.
    func open(create: Bool, forAppending: Bool = false) throws -> FileEventStore {
        try Self.open(path: path, create: create, forAppending: forAppending, wait: wait, sign: sign)
    }

    /// Opens the store; a write waits at most `wait` seconds (default 30) for another writer's
    /// lock, and says on a terminal, after a second, that it is waiting. A store that may write
    /// (`create`) signs its appends with the key file `sign`, else `$CAPACITY_SIGNING_KEY`.
    static func open(path: String, create: Bool, forAppending: Bool = false, wait: Double? = nil, sign: String? = nil) throws -> FileEventStore {
        let store = try FileEventStore(path: path, create: create, forAppending: forAppending, warn: { Terminal.stderr($0) })
        store.lockWait = wait ?? 30
        if create || forAppending { store.signer = try signingKey(sign) }
        if isatty(2) == 1 {
            store.onLockWait = { pid in
                Terminal.stderr("waiting for another writer\(pid.map { " (pid \($0))" } ?? "") to finish with \(path)…")
            }
        }
        _ = Unmanaged.passRetained(store)
        return store
    }

    /// The key file `path`, else the one `$CAPACITY_SIGNING_KEY` names; nil when neither is given.
    static func signingKey(_ path: String?) throws -> SigningKey? {
        var file = path
        if file == nil, let env = getenv("CAPACITY_SIGNING_KEY"), env.pointee != 0 { file = String(cString: env) }
        guard let file else { return nil }
        return try KeyFile.read(file)
    }

    /// Ledgers at least this large get a checkpoint file written beside them by the first
    /// command that reads the whole log (`$CAPACITY_CHECKPOINT_MIN_EVENTS`, default 50,000).
    static var checkpointMinimum: Int {
        getenv("CAPACITY_CHECKPOINT_MIN_EVENTS").flatMap { Int(String(cString: $0)) } ?? 50_000
    }

    /// `$CAPACITY_CHECKPOINT_DEBUG` set: say on stderr why a checkpoint was or was not used.
    static func debugCheckpoint(_ message: @autoclosure () -> String) {
        if getenv("CAPACITY_CHECKPOINT_DEBUG") != nil { Terminal.stderr(message()) }
    }
}

/// Runs `body`, turning a `LedgerError` into its message on stderr and its exit code. Standard
/// output is flushed and checked at the end: nothing is reported as written that was not, so a
/// full disk or a closed pipe under it is an error (exit 74), not a silent success.
func run(_ body: () throws -> Void) throws {
    do {
        do {
            try body()
        } catch let e as LedgerError {
            throw e
        } catch {
            // An exit code already decided (failed lines of a batch): a failed write still wins.
            try FileOutput.stdout.finish()
            throw error
        }
        try FileOutput.stdout.finish()
    } catch let e as LedgerError {
        FileOutput.stdout.flush()
        Terminal.stderr("capacity: \(e.message)")
        throw ExitCode(e.exitCode)
    }
}

enum Terminal {
    static func stderr(_ s: String) {
        FileOutput.stdout.flush()
        FileOutput.stderr.write(s + "\n")
    }

    /// Prints a line on standard output (buffered; flushed by `flush()`).
    static func stdout(_ s: String) { FileOutput.stdout.write(s + "\n") }

    static func flush() { FileOutput.stdout.flush() }

    /// Write errors come back as errors (EPIPE, EFBIG) rather than as signals that end the
    /// process with nothing said: a closed pipe under `capacity export` or a file past
    /// `ulimit -f` under `import` is reported with its path and exit 74.
    static func ignoreWriteSignals() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
    }

}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
