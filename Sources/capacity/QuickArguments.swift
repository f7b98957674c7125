import CapacityLedger
import LedgerStorage

/// The arguments of `capacity query` or `capacity append` in their common form, read without
/// the argument parser (`QueryJob.simple`, `Append.simple`): `--ledger PATH`, `--json` and, where
/// taken, `--format F`, each at most once, and words that do not start with a dash. Anything
/// else (help, another option, `--ledger=PATH`, a word starting with a dash) gives nil, and the
/// parser then reads the arguments and reports what is wrong with them.
struct QuickArguments {
    var ledger: String?
    var json = false
    var format: OutputFormat?
    var words: [String] = []

    /// Reads `arguments` (the whole command line) when its subcommand is `command`.
    init?(_ arguments: [String], command: String, takesFormat: Bool = false) {
        guard arguments.count >= 3, arguments[1] == command else { return nil }
        var i = 2
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--ledger":
                guard ledger == nil, i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") else { return nil }
                ledger = arguments[i + 1]
                i += 2
            case "--format" where takesFormat:
                guard format == nil, i + 1 < arguments.count, let f = OutputFormat(rawValue: arguments[i + 1]) else { return nil }
                format = f
                i += 2
            case "--json":
                guard !json else { return nil }
                json = true
                i += 1
            default:
                guard !a.hasPrefix("-") else { return nil }
                words.append(a)
                i += 1
            }
        }
    }
}
