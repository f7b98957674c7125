import Foundation
import Testing

/// `capacity demo` finds its history wherever it runs from: `make install` puts the binary in
/// PREFIX/bin and the history in PREFIX/share/capacity/events, where demo looks beside its own
/// directory. With no history anywhere it says where it looked and how to fix it (exit 74).
struct DemoLookupTests {
    /// The checkout's events/, three levels above this file.
    static let checkoutEvents = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("events").path

    /// The built binary copied to PREFIX/bin/capacity, as `make install` puts it (a copy, not a
    /// link: demo would follow a link back to the checkout). Returns the prefix with links in
    /// its path resolved, as the program sees itself, and the binary.
    func install(in cli: CLI, history: Bool) throws -> (prefix: String, binary: String) {
        let fm = FileManager.default
        try fm.createDirectory(atPath: cli.dir + "/prefix/bin", withIntermediateDirectories: true)
        let prefix = URL(fileURLWithPath: cli.dir + "/prefix").resolvingSymlinksInPath().path
        try fm.copyItem(atPath: CLI.binary, toPath: prefix + "/bin/capacity")
        if history {
            let share = prefix + "/share/capacity/events"
            try fm.createDirectory(atPath: share, withIntermediateDirectories: true)
            for file in ["catalog.jsonl", "rainier.jsonl"] {
                try fm.copyItem(atPath: Self.checkoutEvents + "/" + file, toPath: share + "/" + file)
            }
        }
        try "fleet at=2025-10-29\n".write(toFile: cli.dir + "/one.repl", atomically: true, encoding: .utf8)
        return (prefix, prefix + "/bin/capacity")
    }

    @Test func demoRunsFromAnInstalledPrefixOutsideTheCheckout() throws {
        let cli = CLI()
        defer { try? FileManager.default.removeItem(atPath: cli.dir) }
        let (_, binary) = try install(in: cli, history: true)
        let r = try cli.run(executable: binary, ["demo"], stdin: cli.dir + "/one.repl", in: "/")
        #expect(r.status == 0)
        #expect(r.err == "")
        #expect(r.out.hasPrefix("fleet at 2025-10-29, known now\n"))
        #expect(r.out.contains("rainier-in  trainium2            534,784            500,032            500,032"))
    }

    @Test func demoWithNoHistoryInstalledSaysWhereItLookedAndExits74() throws {
        let cli = CLI()
        defer { try? FileManager.default.removeItem(atPath: cli.dir) }
        try #require(!FileManager.default.fileExists(atPath: "/events/rainier.jsonl"), "a history in /events would be found from /")
        let (prefix, binary) = try install(in: cli, history: false)
        let r = try cli.run(executable: binary, ["demo"], stdin: cli.dir + "/one.repl", in: "/")
        #expect(r.status == 74)
        #expect(r.out == "")
        #expect(r.err.hasPrefix("capacity: no demo history found: looked for catalog.jsonl and rainier.jsonl in ./events, \(prefix)/share/capacity/events, \(prefix)/bin/events, \(prefix)/events, "))
        #expect(r.err.contains("; pass --events DIR, run capacity demo from the root of a checkout, or install the history beside this program: `make install PREFIX=\(prefix)` in a checkout puts it in \(prefix)/share/capacity/events\n"))
    }

    @Test func demoWithAnEventsDirectoryLooksThereOnly() throws {
        let cli = CLI()
        defer { try? FileManager.default.removeItem(atPath: cli.dir) }
        let (_, binary) = try install(in: cli, history: true)
        let r = try cli.run(executable: binary, ["demo", "--events", cli.dir + "/nowhere"], stdin: cli.dir + "/one.repl", in: "/")
        #expect(r.status == 74)
        #expect(r.err == "capacity: no demo history found: looked for catalog.jsonl and rainier.jsonl in \(cli.dir)/nowhere; name the directory that holds both with --events DIR\n")
    }
}
