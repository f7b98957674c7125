import ArgumentParser
import CapacityConsole
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// `capacity keys`: the operators' signing keys (docs/events.md, "Signed appends").
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make, record, list and revoke the operators' signing keys.",
        discussion: """
            capacity keys new alice                      writes alice.key (mode 0600) and prints its public key
            capacity keys public alice.key               prints the public key of a key file again
            capacity keys add alice PUBLICKEY            records the key in the ledger (a key.added event)
            capacity keys list                           the keys the ledger holds
            capacity keys revoke alice --reason "left"   ends the key (a key.revoked event)
            Once a ledger holds a key, every append must be signed: --sign KEYFILE or $CAPACITY_SIGNING_KEY.
            """,
        subcommands: [New.self, Public.self, Add.self, List.self, Revoke.self],
        defaultSubcommand: List.self
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new", abstract: "Make a new Ed25519 key pair and write its key file (mode 0600).")
        @Argument(help: ArgumentHelp("The key's name in the ledger (an id: lowercase letters, digits, '.', '_', '-').", valueName: "name"))
        var name: String
        @Option(name: .long, help: ArgumentHelp("Where to write the key file (default NAME.key); never overwritten.", valueName: "file"))
        var output: String?

        func run() throws {
            try CapacityLedger_run {
                guard EventDraftDecoder.isSlug(name) else {
                    throw LedgerError(.badKeyName(name))
                }
                let key = SigningKey(newNamed: name)
                let path = output ?? "\(name).key"
                try KeyFile.write(key, to: path)
                Terminal.stdout("wrote \(path) (private: keep it to yourself; mode 0600)")
                Terminal.stdout("public key: \(key.publicKeyHex)")
                Terminal.stdout("record it with: capacity keys add \(name) \(key.publicKeyHex)")
            }
        }
    }

    struct Public: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public", abstract: "Print the public key of a key file (to give to capacity keys add).")
        @Argument(help: ArgumentHelp("The key file.", valueName: "keyfile"))
        var file: String

        func run() throws {
            try CapacityLedger_run {
                Terminal.stdout(try KeyFile.read(file).publicKeyHex)
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Record an operator's public key (a key.added event).",
            discussion: "The first key needs no signature; once the ledger holds a key, adding another is signed like any append.")
        @OptionGroup var options: LedgerOptions
        @Option(name: .long, help: ArgumentHelp("A note stored with the event.", valueName: "text"))
        var note: String?
        @Argument(help: ArgumentHelp("The key's name.", valueName: "name"))
        var name: String
        @Argument(help: ArgumentHelp("Its public key: 64 hexadecimal digits, as capacity keys new prints it.", valueName: "publickey"))
        var publicKey: String

        func run() throws {
            try CapacityLedger_run {
                var words = ["key.added", "key=\(name)", "public_key=\(publicKey)"]
                if let note { words.append("note=\(note)") }
                try Keys.append(words, options: options)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "End a key from the next batch on (a key.revoked event).",
            discussion: "The batch that revokes a key may be signed with it; the last key in force cannot be revoked.")
        @OptionGroup var options: LedgerOptions
        @Option(name: .long, help: ArgumentHelp("Why, stored as the event's note.", valueName: "text"))
        var reason: String?
        @Argument(help: ArgumentHelp("The key's name.", valueName: "name"))
        var name: String

        func run() throws {
            try CapacityLedger_run {
                var words = ["key.revoked", "key=\(name)"]
                if let reason { words.append("note=\(reason)") }
                try Keys.append(words, options: options)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys the ledger holds.")
        @OptionGroup var options: LedgerOptions
        @Flag(name: .long, help: "JSON Lines output.")
        var json = false

        func run() throws {
            try CapacityLedger_run {
                let keys = try options.open(create: false).ledger.keys
                if json {
                    for k in keys.all {
                        var w = JSONWriter()
                        w.string("key", k.name)
                        w.string("public_key", SigningKeys.hex(k.publicKey))
                        w.int("added", Int64(k.added))
                        if let r = k.revoked { w.int("revoked", Int64(r)) }
                        Terminal.stdout(w.finished())
                    }
                    return
                }
                guard !keys.isEmpty else {
                    Terminal.stdout("no keys: appends are not signed (capacity keys new NAME, then capacity keys add NAME PUBLICKEY)")
                    return
                }
                var output = QueryOutput(command: "keys")
                output.columns = [.init("key"), .init("public_key", "public key"), .init("added"), .init("revoked")]
                output.rows = keys.all.map { k in
                    [.text(k.name), .text(SigningKeys.hex(k.publicKey)), .seq(k.added), k.revoked.map(Cell.seq) ?? .null]
                }
                Terminal.stdout(Renderer.render(output, as: .table))
            }
        }
    }

    /// Appends one key event (signed when the ledger asks for it) and prints `#SEQ TYPE`.
    static func append(_ words: [String], options: LedgerOptions) throws {
        try Append.appendWords(words, ledgerPath: options.path, json: false, wait: options.wait, sign: options.sign)
    }
}

/// The key file: one line (`SigningKey.fileText`), mode 0600, written once.
enum KeyFile {
    static func read(_ path: String) throws -> SigningKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LedgerError.io(.openSigningKey, path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LedgerError.io(.statSigningKey, path) }
        // A private key others may read is no longer private (as ssh refuses such a key).
        if st.st_mode & 0o077 != 0 {
            throw LedgerError(.keyFileReadable(path: path, mode: UInt32(st.st_mode)))
        }
        var bytes = [UInt8](repeating: 0, count: 512)
        let n: Int
        do {
            n = try bytes.withUnsafeMutableBytes { try SystemCall.readFully(fd, into: $0, at: 0, path: path) }
        } catch let e as LedgerError {
            guard case .ioFailed(_, _, let error) = e.problem else { throw e }
            throw LedgerError.io(.readSigningKey, path, errno: error)
        }
        return try SigningKey(fileText: String(decoding: bytes[..<n], as: UTF8.self), path: path)
    }

    static func write(_ key: SigningKey, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw errno == EEXIST ? LedgerError(.keyFileExists(path: path)) : LedgerError.io(.writeKeyFile, path)
        }
        let bytes = Array(key.fileText.utf8)
        var failure: Int32?
        do {
            try SystemCall.writeAll(fd, bytes, at: 0, path: path)
        } catch let e as LedgerError {
            if case .ioFailed(_, _, let error) = e.problem { failure = error } else { failure = EIO }
        }
        if failure == nil { let (_, error) = SystemCall.attempt { fsync(fd) }; if error != 0 { failure = error } }
        let (_, closeError) = SystemCall.attempt { close(fd) }
        if closeError != 0, failure == nil { failure = closeError }
        if let failure {
            unlink(path)
            throw LedgerError.io(.writeKeyFile, path, errno: failure)
        }
    }
}
