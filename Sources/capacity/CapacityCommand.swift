import ArgumentParser
import CapacityConsole
import CapacityLedger
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
            Exit codes: 0 ok, 1 verification failed, 64 usage, 65 bad event data or query, 74 I/O.
            """,
        subcommands: [Repl.self, Demo.self, Append.self, Import.self, Export.self, Log.self, Verify.self, Recover.self, Query.self, Generate.self, BenchQuery.self, BenchAppend.self],
        defaultSubcommand: Repl.self
    )
}

/// Options every command that touches a ledger takes.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file.", valueName: "path"))
    var ledger: String?

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
        try Self.open(path: path, create: create, forAppending: forAppending)
    }

    static func open(path: String, create: Bool, forAppending: Bool = false) throws -> FileEventStore {
        let store = try FileEventStore(path: path, create: create, forAppending: forAppending, warn: { Terminal.stderr($0) })
        _ = Unmanaged.passRetained(store)
        return store
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

/// Runs `body`, turning a `LedgerError` into its message on stderr and its exit code.
func run(_ body: () throws -> Void) throws {
    defer { Terminal.flush() }
    do {
        try body()
    } catch let e as LedgerError {
        Terminal.flush()
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

}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
