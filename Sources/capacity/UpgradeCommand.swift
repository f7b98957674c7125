import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage

/// `capacity upgrade`: a ledger file of format version 1 or 2 rewritten as the current version (the header only).
struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Rewrite an older ledger file's header as format version 3, so that it can hold keys, signatures, site changes and closures.",
        discussion: """
            Only the 32-byte header changes (its version field and CRC), under the writers' lock. Every
            event, every record's bytes and so every hash, the head included, stay the same: digests
            taken before the upgrade still verify. An older file is read as before without it.
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
