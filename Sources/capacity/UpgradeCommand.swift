import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage

/// `capacity upgrade`: a ledger file of format version 1 rewritten as version 2 (the header only).
struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Rewrite a version 1 ledger file's header as format version 2, so that it can hold keys and signatures.",
        discussion: """
            Only the 32-byte header changes (its version field and CRC), under the writers' lock. Every
            event, every record's bytes and so every hash, the head included, stay the same: digests
            taken before the upgrade still verify. A version 1 file is read as before without it.
            """
    )
    @OptionGroup var options: LedgerOptions

    func run() throws {
        try CapacityLedger_run {
            let store = try options.open(create: false)
            switch try store.upgrade() {
            case .upgraded(let from, let to):
                Terminal.stdout("upgraded \(options.path) from format version \(from) to \(to): \(Format.counted(store.ledger.count, "event")), head \(store.ledger.head.hex) (unchanged)")
            case .current(let version):
                Terminal.stdout("\(options.path) is format version \(version) already; nothing to do")
            }
        }
    }
}
