/// The habits of git, psql and sqlite3 on the command line, turned into the subcommand form the
/// parser reads:
///
/// - options every command takes (`--ledger PATH`, `--wait SECONDS`, `--sign KEYFILE`) may come before the
///   subcommand, as `git -C` or `psql -d` do: `capacity --ledger f.ledger append …`;
/// - `-c COMMAND` (repeatable) and `-f FILE` run queries, as psql's do: `capacity -c fleet`;
/// - `--csv` and `--json` choose the output format, as sqlite3's and jq's do.
///
/// Anything else is left where it is for the parser to read and report.
enum GlobalArguments {
    /// The subcommands' names (the parser's own list; `help` is the parser's).
    static let subcommands: Set<String> = Set(CapacityCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"])

    /// What the command line asks for once rewritten.
    enum Plan: Equatable {
        /// Arguments for the parser (the program's name dropped).
        case parse([String])
        /// `-c` given: each command run in turn as `capacity query` would, then `-f`'s file.
        case commands(ledger: String?, wait: String?, format: String?, commands: [String], file: String?)
        /// A top-level option without its value (exit 64).
        case usage(String)
    }

    static func plan(_ arguments: [String]) -> Plan {
        let args = Array(arguments.dropFirst())
        var moved: [String] = []
        var ledger: String?, wait: String?, format: String?
        var commands: [String] = []
        var file: String?
        var i = 0
        func value(_ name: String) -> String? {
            if args[i] == name, i + 1 < args.count { i += 2; return args[i - 1] }
            if args[i].hasPrefix(name + "=") { i += 1; return String(args[i - 1].dropFirst(name.count + 1)) }
            return nil
        }
        scan: while i < args.count {
            let a = args[i]
            if a.hasPrefix("--ledger"), let v = value("--ledger") { ledger = v; moved += ["--ledger", v]; continue }
            if a.hasPrefix("--wait"), let v = value("--wait") { wait = v; moved += ["--wait", v]; continue }
            if a.hasPrefix("--sign"), let v = value("--sign") { moved += ["--sign", v]; continue }
            switch a {
            case "-c":
                guard i + 1 < args.count else { return .usage("-c takes a command: capacity -c 'fleet at=2025-10-29'") }
                commands.append(args[i + 1]); i += 2
            case "-f":
                guard i + 1 < args.count else { return .usage("-f takes a file of commands (- for standard input)") }
                guard file == nil else { break scan }
                file = args[i + 1]; i += 2
            case "--csv", "--json":
                guard format == nil else { break scan }
                format = String(a.dropFirst(2)); i += 1
            default:
                break scan
            }
        }
        let rest = Array(args[i...])
        if !commands.isEmpty {
            guard rest.isEmpty else { return .parse(args) }  // let the parser say what is wrong
            return .commands(ledger: ledger, wait: wait, format: format, commands: commands, file: file)
        }
        let formatArgs = format.map { ["--format", $0] } ?? []
        if let file {
            guard rest.isEmpty else { return .parse(args) }
            return .parse(["query"] + moved + formatArgs + ["--file", file])
        }
        guard i > 0 else { return .parse(args) }
        if let sub = rest.first, subcommands.contains(sub) {
            // The subcommand first, then the options given before it, then its own words.
            let takesFormat = ["query", "repl", "demo"].contains(sub)
            // A command of commands (`keys add`): the options go after the inner one.
            var head = [sub], words = Array(rest.dropFirst())
            if sub == "keys" {
                let inner = Set(Keys.configuration.subcommands.compactMap { $0.configuration.commandName })
                if let next = words.first, inner.contains(next) { head.append(next); words.removeFirst() } else { head.append("list") }
            }
            return .parse(head + moved + (takesFormat ? formatArgs : format.map { ["--" + $0] } ?? []) + words)
        }
        // No subcommand: the console (the default), which takes them all.
        return .parse(["repl"] + moved + formatArgs + rest)
    }
}
