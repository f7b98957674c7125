import CCapacitySupport
import CLibEdit
#if canImport(Glibc)
import Glibc
#endif

/// The one owner of libedit's `EditLine*` and `History*`: line editing, history and completion.
///
/// libedit calls back into C function pointers; they find this object through
/// `EL_CLIENTDATA`. Everything runs on the calling (main) thread.
public final class LineEditor {
    public enum Read: Equatable {
        case line(String)
        /// Ctrl-D on an empty line, or the end of input.
        case endOfInput
        /// Ctrl-C while editing: the line was discarded.
        case interrupted
    }

    private let el: OpaquePointer
    private let hist: OpaquePointer
    private let historyPath: String?
    private var promptBytes: UnsafeMutablePointer<CChar>
    /// Completion: text before the cursor → the word being completed and its candidates.
    public var completer: ((String) -> Completion)?
    /// Where completion lists go.
    let output: UnsafeMutablePointer<FILE>

    public static let historySize: Int32 = 1000

    /// - Parameter historyPath: where history is loaded from and saved to; nil keeps none.
    public init(program: String, historyPath: String?) {
        output = ccap_stdout()
        el = el_init(program, ccap_stdin(), ccap_stdout(), ccap_stderr())
        hist = history_init()
        self.historyPath = historyPath
        promptBytes = strdup("> ")
        ccap_history_setsize(hist, Self.historySize)
        ccap_history_setunique(hist, 1)
        ccap_el_set_history(el, hist)
        ccap_el_set_editor(el, "emacs")
        ccap_el_set_signal(el, 1)
        ccap_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        ccap_el_set_prompt(el) { el in
            guard let el, let me = LineEditor.owner(el) else { return nil }
            return me.promptBytes
        }
        ccap_el_addfn(el, "capacity-complete", "Complete the word before the cursor") { el, _ in
            guard let el, let me = LineEditor.owner(el) else { return ccap_cc_norm }
            return me.completeAtCursor()
        }
        ccap_el_bind(el, "^I", "capacity-complete")
        // Ctrl-R searches history backwards, as in shells.
        ccap_el_bind(el, "^R", "em-inc-search-prev")
        ccap_el_source_default(el)  // ~/.editrc, when the user has one
        if let historyPath { ccap_history_load(hist, historyPath) }
    }

    deinit {
        saveHistory()
        el_end(el)
        history_end(hist)
        free(promptBytes)
    }

    static func owner(_ el: OpaquePointer) -> LineEditor? {
        guard let raw = ccap_el_get_clientdata(el) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue()
    }

    public var prompt: String = "> " {
        didSet {
            free(promptBytes)
            promptBytes = strdup(prompt)
        }
    }

    /// Reads one line (without its newline).
    public func readLine() -> Read {
        ccap_interrupt_clear()
        var count: Int32 = 0
        guard let raw = el_gets(el, &count) else {
            if ccap_interrupt_pending() != 0 || count == -1 {
                ccap_interrupt_clear()
                fputs("\n", output)
                fflush(output)
                return .interrupted
            }
            return .endOfInput
        }
        if ccap_interrupt_pending() != 0 {
            ccap_interrupt_clear()
            return .interrupted
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Adds a line to history (consecutive duplicates collapse) and saves the file.
    public func addHistory(_ line: String) {
        guard !line.isEmpty else { return }
        ccap_history_enter(hist, line)
        saveHistory()
    }

    public func saveHistory() {
        guard let historyPath else { return }
        ccap_history_save(hist, historyPath)
    }

    public var historyCount: Int { Int(ccap_history_count(hist)) }

    // MARK: completion

    private func completeAtCursor() -> UInt8 {
        guard let completer, let info = el_line(el) else { return ccap_cc_refresh_beep }
        let start = info.pointee.buffer!, cursor = info.pointee.cursor!
        let n = cursor - start
        let before = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(start).assumingMemoryBound(to: UInt8.self), count: n), as: UTF8.self)
        let c = completer(before)
        guard !c.candidates.isEmpty else { return ccap_cc_refresh_beep }
        let common = Completion.commonPrefix(c.candidates)
        var insert = String(common.dropFirst(c.word.count))
        if c.candidates.count == 1, let only = c.candidates.first, !only.hasSuffix("=") && !only.hasSuffix("/") {
            insert += " "
        }
        if !insert.isEmpty {
            el_insertstr(el, insert)
            return ccap_cc_refresh
        }
        if c.candidates.count == 1 { return ccap_cc_refresh }
        let listing = c.candidates.count > 200
            ? "\(c.candidates.count) possibilities; type a few more characters"
            : Completion.columns(c.candidates, width: Self.terminalWidth())
        fputs("\n" + listing + "\n", output)
        fflush(output)
        return ccap_cc_redisplay
    }

    static func terminalWidth() -> Int {
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }
}

/// Sets the locale from the environment so libedit reads multibyte input; falls back to
/// C.UTF-8 when the environment's codeset is not UTF-8 (non-ASCII input would be dropped).
public func setUTF8Locale() {
    setlocale(LC_ALL, "")
    let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
    if codeset.uppercased().filter({ $0 != "-" }) != "UTF8" {
        if setlocale(LC_CTYPE, "C.UTF-8") == nil { _ = setlocale(LC_CTYPE, "en_US.UTF-8") }
    }
}
