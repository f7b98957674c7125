#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) line by line in 1 MiB chunks, so that memory does not grow
/// with the file. Lines are numbered from 1; a trailing `\r` is dropped.
public final class LineReader {
    let fd: Int32
    let owned: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    public private(set) var lineNumber = 0
    /// Bytes read so far (for progress).
    public private(set) var bytesRead = 0
    /// The file's size when known (a regular file), else nil.
    public let size: Int?
    /// Whether `nextDraft` tries `DraftScanner` first (the tests turn it off to compare).
    var fast = true

    public init(path: String) throws {
        if path == "-" {
            fd = 0
            owned = false
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw LedgerError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
            owned = true
        }
        var st = stat()
        size = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
    }

    deinit { if owned { close(fd) } }

    /// Calls `body` with the next line's bytes; returns false at the end of the input.
    public func next<T>(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> T) throws -> T? {
        while true {
            let found = buffer.withUnsafeBytes { raw -> Int? in
                guard start < raw.count, let p = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) else { return nil }
                return p - UnsafeMutableRawPointer(mutating: raw.baseAddress!)
            }
            if let nl = found {
                lineNumber += 1
                var end = nl
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let s = start
                start = nl + 1
                return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[s..<end]), lineNumber) }
            }
            if eof {
                guard start < buffer.count else { return nil }
                lineNumber += 1
                let s = start
                start = buffer.count
                return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[s...]), lineNumber) }
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 1 << 20))
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, 1 << 20) }
            if n < 0 {
                buffer.removeLast(1 << 20)
                if errno == EINTR { continue }
                throw LedgerError.io("cannot read: \(String(cString: strerror(errno)))")
            }
            buffer.removeLast((1 << 20) - n)
            bytesRead += n
            if n == 0 { eof = true }
        }
    }

    /// The next non-blank line as an event draft, or nil at the end. Errors name the line.
    public func nextDraft() throws -> EventDraft? {
        while true {
            let result: EventDraft?? = try next { line, number in
                var blank = true
                for c in line where c != 0x20 && c != 0x09 { blank = false; break }
                if blank { return EventDraft?.none }
                // The common shape goes the fast way; anything else (and every error) the general way.
                if fast, let d = DraftScanner.draft(line, line: number) { return d }
                do {
                    return try EventDraftDecoder.decode(try JSONLine.parse(line), line: number)
                } catch let e as LedgerError where !e.message.hasPrefix("line ") {
                    throw e.atLine(number)
                }
            }
            guard let r = result else { return nil }  // end of input
            if let d = r { return d }
        }
    }
}
