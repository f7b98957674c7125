import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where console text goes: standard output, standard error, a file, or a buffer in tests.
public protocol TextOutput: AnyObject {
    func write(_ text: String)
    func flush()
    /// Writes what is buffered and throws the first write that failed since the output was
    /// opened (a full disk, a closed pipe), so that nothing is reported as written that was not.
    func finish() throws
}

extension TextOutput {
    public func finish() throws { flush() }
}

/// A file descriptor, buffered up to 64 KiB.
/// Used from the main thread only; marked Sendable so the process-wide stdout and stderr can be shared.
public final class FileOutput: TextOutput, @unchecked Sendable {
    let fd: Int32
    let owned: Bool
    /// How errors name the destination: `standard output`, or a path.
    let name: String
    private var buffer: [UInt8] = []
    /// When this returns true, `flush` stops writing and drops what it has not written yet. The
    /// console sets it to its Ctrl-C flag, so that a long result stops while it prints, even when
    /// a write to a slow terminal is waiting (the signal cuts the write short).
    public var isCancelled: () -> Bool = { false }
    /// Whether the last byte written to the descriptor ended a line (or nothing was written).
    public private(set) var atLineStart = true
    /// The `errno` of the first write that failed; later text is dropped.
    public private(set) var failure: Int32?

    public init(fd: Int32, owned: Bool = false, name: String? = nil) {
        self.fd = fd
        self.owned = owned
        self.name = name ?? (fd == 1 ? "standard output" : fd == 2 ? "standard error" : "file descriptor \(fd)")
    }

    public static let stdout = FileOutput(fd: 1)
    public static let stderr = FileOutput(fd: 2)

    /// The width in columns of the terminal this output goes to, or nil when it is no terminal
    /// (a file, a pipe). Asked afresh each time: the window may have been resized.
    public var terminalWidth: Int? {
        guard isatty(fd) == 1 else { return nil }
        var ws = winsize()
        return ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : nil
    }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 || fd == 2 { flush() }
    }

    public func flush() {
        var done = 0
        while done < buffer.count, failure == nil, !isCancelled() {
            let (n, error) = buffer.withUnsafeBytes { b in SystemCall.attempt { Glibc.write(fd, b.baseAddress! + done, b.count - done) } }
            if error != 0 {
                failure = error
                break
            }
            done += n
        }
        if done > 0 { atLineStart = buffer[done - 1] == 0x0A }
        buffer.removeAll(keepingCapacity: true)
    }

    public func finish() throws {
        flush()
        if let failure { throw LedgerError.io(.write, name, errno: failure) }
    }

    deinit {
        flush()
        if owned { close(fd) }
    }
}

/// Collects text in memory (tests, transcripts).
public final class BufferOutput: TextOutput {
    public private(set) var text = ""
    public init() {}
    public func write(_ t: String) { text += t }
    public func flush() {}
}
