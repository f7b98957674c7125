import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// The command line as the process was given it. `CommandLine.arguments`, which the argument
/// parser reads, replaces bytes that are not UTF-8 with U+FFFD, so a value holding such bytes
/// would reach the ledger changed. The words that become event fields or query words are
/// checked against the arguments' own bytes and refused, as the same bytes in JSON input are.
enum RawArguments {
    /// The text `CommandLine.arguments` gives for each argument whose bytes are not UTF-8.
    static let repaired: Set<String> = {
        var out = Set<String>()
        for i in 1..<Int(CommandLine.argc) {
            guard let p = CommandLine.unsafeArgv[i] else { continue }
            let bytes = UnsafeRawBufferPointer(start: p, count: strlen(p))
            if String(validating: bytes, as: UTF8.self) == nil { out.insert(String(decoding: bytes, as: UTF8.self)) }
        }
        return out
    }()

    /// Whether `word`, as the parser gave it, came from an argument of valid UTF-8.
    static func isValid(_ word: String) -> Bool { repaired.isEmpty || !repaired.contains(word) }

    /// `capacity append TYPE key=value …`: the first word that is not valid UTF-8 is refused
    /// naming its field, `chips.delivered: field "note" is not valid UTF-8` (exit 65).
    static func checkFields(_ words: [String]) throws {
        guard let type = words.first else { return }
        guard isValid(type) else { throw LedgerError(.notUTF8(.field("type", unpairedSurrogate: false))) }
        for w in words.dropFirst() where !isValid(w) {
            guard let eq = w.firstIndex(of: "=") else { continue }  // "expected key=value" follows
            let key = w[..<eq]
            throw LedgerError(.notUTF8(.argument(type: type, field: key.contains("\u{FFFD}") ? nil : String(key))))
        }
    }

    /// `capacity query WORDS`: the first word that is not valid UTF-8 is refused naming its
    /// option, `fleet: option "site" is not valid UTF-8` (exit 65).
    static func checkQuery(_ arguments: [String]) throws {
        for argument in arguments where !isValid(argument) {
            let command = arguments.joined(separator: " ").split(separator: " ").first.map(String.init) ?? ""
            let named = command.contains("\u{FFFD}") ? nil : command
            let word = argument.split(separator: " ").first { $0.contains("\u{FFFD}") } ?? Substring(argument)
            if let eq = word.firstIndex(of: "="), !word[..<eq].contains("\u{FFFD}") {
                throw LedgerError(.notUTF8(.option(command: named, option: String(word[..<eq]))))
            }
            throw LedgerError(.notUTF8(.word(command: named, word: String(word))))
        }
    }
}
