import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a fresh ledger from the demo history in a temporary directory and open the console on it.",
        discussion: "With standard input not a terminal it runs batch mode: capacity demo < REPL/tour.repl"
    )
    @Option(name: .long, help: ArgumentHelp("The directory holding catalog.jsonl and rainier.jsonl (default: ./events, else PREFIX/share/capacity/events for PREFIX/bin/capacity, else the events/ of the checkout the executable was built in).", valueName: "dir"))
    var events: String?
    @Flag(name: .long, help: "Keep the temporary ledger and print its path.")
    var keep = false
    @OptionGroup var console: ConsoleOptions

    func run() throws {
        try CapacityLedger_run {
            let dir = try eventsDirectory()
            var template = Array("/tmp/capacity-demo-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw LedgerError.io(.createTemporaryDirectory, nil) }
            let tmp = String(cString: made)
            let path = tmp + "/rainier.ledger"
            defer {
                if !keep {
                    unlink(path)
                    rmdir(tmp)
                }
            }
            let store = try FileEventStore(path: path, create: true, warn: { Terminal.stderr($0) })
            for file in ["catalog.jsonl", "rainier.jsonl"] {
                let reader = try LineReader(path: dir + "/" + file)
                try store.appendStream { try reader.nextDraft() }
            }
            if keep { Terminal.stderr("demo ledger: \(path)") }
            let c = store.ledger.count
            try console.run(store: store, banner: [
                "Project Rainier demo: \(Format.grouped(c)) events loaded from \(dir)/ into a temporary ledger.",
                "Try:  fleet at=2025-10-29     capacity by=site at=2025-12-31     timeline metric=pflops every=month from=2025-01-01",
            ])
        }
    }

    /// Where the demo history is: `--events DIR` alone when given; else `./events`, then
    /// `share/capacity/events` beside the executable's `bin/` (where `make install` puts it),
    /// then the `events/` of the checkout the executable was built in (walking up from
    /// `.build/debug/capacity`). When none holds both files, the error lists where it looked
    /// and how to fix it (exit 74).
    func eventsDirectory() throws -> String {
        let exe = Self.executablePath()
        let candidates = events.map { [$0] } ?? Self.candidates(executable: exe)
        for c in candidates where access(c + "/rainier.jsonl", R_OK) == 0 && access(c + "/catalog.jsonl", R_OK) == 0 {
            return c
        }
        throw LedgerError.io(Self.notFound(looked: candidates, executable: exe, given: events != nil))
    }

    /// The directories `demo` looks in without `--events`, in order, each once.
    static func candidates(executable: String?) -> [String] {
        var out = ["events"]
        if let executable {
            let bin = parent(executable)
            out.append(parent(bin) + "/share/capacity/events")
            var dir = bin
            for _ in 0..<6 {
                out.append(dir + "/events")
                if dir.isEmpty { break }
                dir = parent(dir)
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// The message when no candidate holds the history: where `demo` looked and three ways out.
    static func notFound(looked: [String], executable: String?, given: Bool) -> String {
        let places = looked.map { $0 == "events" ? "./events" : $0 }.joined(separator: ", ")
        var message = "no demo history found: looked for catalog.jsonl and rainier.jsonl in \(places)"
        if given { return message + "; name the directory that holds both with --events DIR" }
        message += "; pass --events DIR, run capacity demo from the root of a checkout"
        if let executable {
            let prefix = parent(parent(executable))
            message += ", or install the history beside this program: `make install PREFIX=\(prefix.isEmpty ? "/" : prefix)` in a checkout puts it in \(prefix)/share/capacity/events"
        }
        return message
    }

    /// The directory part of a path ("" for a file at the root).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// This executable, with links resolved (/proc/self/exe), or nil.
    static func executablePath() -> String? {
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
