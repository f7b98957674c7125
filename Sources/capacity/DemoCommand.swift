import ArgumentParser
import CapacityConsole
import CapacityLedger
#if canImport(Glibc)
import Glibc
#endif

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a fresh ledger from events/ in a temporary directory and open the console on it.",
        discussion: "With standard input not a terminal it runs batch mode: capacity demo < REPL/tour.repl"
    )
    @Option(name: .long, help: ArgumentHelp("The directory holding catalog.jsonl and rainier.jsonl (default: ./events, else beside the executable's checkout).", valueName: "dir"))
    var events: String?
    @Flag(name: .long, help: "Keep the temporary ledger and print its path.")
    var keep = false
    @OptionGroup var console: ConsoleOptions

    func run() throws {
        try CapacityLedger_run {
            let dir = try eventsDirectory()
            var template = Array("/tmp/capacity-demo-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw LedgerError.io("cannot create a temporary directory: \(String(cString: strerror(errno)))") }
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

    func eventsDirectory() throws -> String {
        var candidates: [String] = []
        if let events { candidates.append(events) }
        candidates.append("events")
        // Walk up from the executable (…/.build/debug/capacity) to the checkout's events/.
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        if n > 0 {
            var dir = String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for _ in 0..<6 {
                guard let slash = dir.lastIndex(of: "/") else { break }
                dir = String(dir[..<slash])
                candidates.append(dir + "/events")
            }
        }
        for c in (events != nil ? [events!] : candidates) where access(c + "/rainier.jsonl", R_OK) == 0 && access(c + "/catalog.jsonl", R_OK) == 0 {
            return c
        }
        throw LedgerError.io("no demo history found (looked for catalog.jsonl and rainier.jsonl in \(candidates.joined(separator: ", "))); pass --events DIR")
    }
}
