import CCapacitySupport
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// The interactive console: libedit line editing around a `Session`, with a banner, a prompt
/// showing the time cursor, history, completion, safe Ctrl-C and a live view of events other
/// processes append.
public final class Console {
    public let session: Session
    let editor: LineEditor
    let colour: Bool
    /// Events already announced.
    var seen: Int
    var completionCache: (count: Int, data: CompletionData)?

    public init(session: Session, historyPath: String?, colour: Bool) {
        self.session = session
        self.colour = colour
        editor = LineEditor(program: "capacity", historyPath: historyPath)
        seen = session.store.ledger.count
        editor.completer = { [unowned self] before in self.completer().complete(before) }
        session.engine.isCancelled = { ccap_interrupt_pending() != 0 }
        FileOutput.stdout.isCancelled = { ccap_interrupt_pending() != 0 }
        session.pager = { text in Self.page(text, pagerCommand: getenv("PAGER").map { String(cString: $0) }) }
        // Asked at each result: the window may have been resized since.
        session.terminalWidth = { FileOutput.stdout.terminalWidth }
    }

    /// Shows `text` through `$PAGER` (default `less -SFRX`: long lines not folded, quits at once
    /// when the text fits) when it is taller than the terminal and both ends are terminals, as
    /// psql does; returns false to have it printed as usual. An empty `$PAGER` turns paging off.
    static func page(_ text: String, pagerCommand: String?) -> Bool {
        guard isatty(0) == 1, isatty(1) == 1 else { return false }
        var ws = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 else { return false }
        var lines = 1
        for c in text.utf8 where c == 0x0A {
            lines += 1
            if lines >= Int(ws.ws_row) { break }
        }
        guard lines >= Int(ws.ws_row) else { return false }
        let command = pagerCommand ?? "less -SFRX"
        guard !command.trimmingSpaces().isEmpty else { return false }
        FileOutput.stdout.flush()
        guard let pipe = popen(command, "w") else { return false }
        // A pager that quits early (q in less) closes the pipe: the rest is dropped (EPIPE, as
        // SIGPIPE is ignored), which is what the user asked for.
        _ = fputs(text + "\n", pipe)
        let status = pclose(pipe)
        // The shell's 127: no such pager. The result is printed instead.
        return !(status != -1 && (status >> 8) & 0xFF == 127)
    }

    /// The history file: `$CAPACITY_HISTORY`, else `~/.capacity_history`; `/dev/null` keeps none.
    public static func historyPath(environment: [String: String]) -> String? {
        let path = environment["CAPACITY_HISTORY"] ?? environment["HOME"].map { $0 + "/.capacity_history" }
        guard let path, path != "/dev/null", !path.isEmpty else { return nil }
        return path
    }

    /// Colour only on a terminal, and never with NO_COLOR or TERM=dumb.
    public static func wantsColour(environment: [String: String]) -> Bool {
        isatty(1) == 1 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }

    func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func completer() -> Completer {
        let ledger = session.store.ledger
        if completionCache?.count != ledger.count {
            completionCache = (ledger.count, CompletionData(ledger: ledger))
        }
        return Completer(data: completionCache!.data, listFiles: Self.listFiles)
    }

    static func listFiles(_ prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let dir = slash.map { String(prefix[...$0]) } ?? ""
        guard let d = opendir(dir.isEmpty ? "." : dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let entry = readdir(d) {
            var nameTuple = entry.pointee.d_name
            let name = withUnsafePointer(to: &nameTuple) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name == "." || name == ".." { continue }
            if name.hasPrefix("."), !(prefix.dropFirst(dir.count).hasPrefix(".")) { continue }
            var isDir = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var st = stat()
                isDir = stat(dir + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            out.append(dir + name + (isDir ? "/" : ""))
        }
        return out
    }

    func say(_ s: String) {
        session.out.flush()
        FileOutput.stdout.write(s + "\n")
        FileOutput.stdout.flush()
    }

    func sayError(_ s: String) {
        session.out.flush()
        FileOutput.stderr.write(paint("error: ", "1;31") + s + "\n")
    }

    /// Announces events other processes appended since the last look.
    func pickUpNewEvents() {
        let store = session.ledgerStore
        do {
            try store.refresh()
        } catch let e as LedgerError {
            sayError(e.message)
            return
        } catch {
            return
        }
        let count = store.ledger.count
        if count > seen {
            let n = count - seen
            let view = session.transaction == nil ? "" : " (the open transaction sees the ledger as it was at begin; commit checks against it as it is)"
            say(paint((n == 1 ? "1 new event: #\(count)" : "\(n) new events: #\(seen + 1)–#\(count)") + view, "2"))
        }
        seen = count
    }

    var prompt: String {
        // `rainier*[at …]>` while a transaction is open, as psql marks one.
        var s = "\(session.store.name)\(session.transaction == nil ? " " : "*")[at \(session.cursor.atText)"
        if let k = session.cursor.known { s += ", known \(k.shortString)" }
        return s + "]> "
    }

    /// Runs until `.quit`, `quit`, `exit` or Ctrl-D. Returns the exit code (0).
    public func run() -> Int32 {
        ccap_install_sigint()
        let store = session.ledgerStore
        say(paint("Capacity Ledger", "1") + " — \(store.name): \(Format.counted(store.ledger.count, "event")), head \(String(store.ledger.head.hex.prefix(12)))…")
        say("Type help for commands, .help CMD for one command, .quit or Ctrl-D to leave.")
        var pending = ""
        while true {
            if session.quitRequested {
                guard mayLeave() else { session.cancelQuit(); continue }
                break
            }
            if pending.isEmpty { pickUpNewEvents() }
            editor.prompt = pending.isEmpty ? prompt : String(repeating: " ", count: max(0, prompt.count - 5)) + "...> "
            switch editor.readLine() {
            case .endOfInput:
                if !pending.isEmpty {
                    pending = ""
                    say("")
                    continue
                }
                say("")
                guard mayLeave() else { continue }
                return leave()
            case .interrupted:
                pending = ""
                continue
            case .line(let line):
                if line.hasSuffix("\\") {
                    pending += String(line.dropLast()).trimmingSpaces() + " "
                    continue
                }
                let full = pending + line
                pending = ""
                guard !full.trimmingSpaces().isEmpty else { continue }
                editor.addHistory(full)
                pickUpNewEvents()
                execute(full)
                seen = max(seen, store.ledger.count)
            }
        }
        return leave()
    }

    /// Whether to leave: with a transaction open, only once the person says to drop it.
    func mayLeave() -> Bool {
        guard let t = session.transaction else { return true }
        editor.prompt = "A transaction with \(Format.counted(t.drafts.count, "event")) is open; leave and roll it back? [y/N] "
        switch editor.readLine() {
        case .line(let answer) where ["y", "yes"].contains(answer.trimmingSpaces().lowercased()):
            return true
        case .endOfInput:
            say("")
            return true
        default:
            say("the transaction is still open (commit or rollback)")
            return false
        }
    }

    /// Saves the history and ends the session's output (a `.output` file is renamed into
    /// place); a write that failed is reported and gives the exit code.
    private func leave() -> Int32 {
        editor.saveHistory()
        do {
            try session.finish()
            return 0
        } catch let e as LedgerError {
            sayError(e.message)
            return e.exitCode
        } catch {
            sayError("\(error)")
            return 74
        }
    }

    func execute(_ line: String) {
        ccap_interrupt_clear()
        do {
            try session.run(line)
            session.out.flush()
        } catch let e as LedgerError where e.kind == .interrupted {
            // With the flag still set, this drops what the result had not printed yet.
            session.out.flush()
            ccap_interrupt_clear()
            say(FileOutput.stdout.atLineStart ? "interrupted" : "\ninterrupted")
        } catch let e as LedgerError {
            sayError(e.message)
        } catch {
            sayError("\(error)")
        }
        ccap_interrupt_clear()
    }
}
