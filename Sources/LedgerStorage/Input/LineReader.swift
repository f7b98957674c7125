import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) line by line in 1 MiB chunks, so that memory does not grow
/// with the file. Lines are numbered from 1; a trailing `\r` is dropped, and so is a UTF-8
/// byte-order mark at the start of the input. A line longer than `maxLineBytes` is refused by
/// its number as soon as that many bytes are read without a line feed, and nothing after it is
/// read: an endless line (`/dev/zero`) costs at most that much memory.
public final class LineReader {
    let fd: Int32
    let owned: Bool
    /// How errors name the input: its path, or `standard input`.
    public let name: String
    /// The longest line accepted, in bytes (without its line end): 1 MiB. An event line is far
    /// shorter (text fields are at most 4 KiB), and so is any command.
    public static let maxLineBytes = 1 << 20
    /// The limit this reader applies (`maxLineBytes`; smaller in tests).
    let lineLimit: Int
    /// The bytes read and not yet handed out are `buffer[start..<count]`. Kept by hand, not as
    /// an array: an array property of a class is retained, and its access checked, at each use,
    /// several times a line.
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var start = 0
    private var eof = false
    public private(set) var lineNumber = 0
    /// Bytes read so far.
    public private(set) var bytesRead = 0
    /// Bytes of the lines handed out so far, their line ends included (for progress).
    public var position: Int { bytesRead - (count - start) }
    /// The file's size when known (a regular file), else nil.
    public let size: Int?
    /// Whether `nextDraft` tries `DraftScanner` first (the tests turn it off to compare).
    var fast = true
    /// One scanner for the whole input (it remembers the last date read).
    private let scanner = DraftScanner()
    /// Bytes asked for per read.
    static let readSize = 1 << 20

    public init(path: String, lineLimit: Int = LineReader.maxLineBytes) throws {
        self.lineLimit = lineLimit
        if path == "-" {
            fd = 0
            owned = false
            name = "standard input"
        } else {
            fd = try SystemCall.check(.open, path) { open(path, O_RDONLY | O_CLOEXEC) }
            owned = true
            name = path
        }
        var st = stat()
        size = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        capacity = 2 * Self.readSize
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        if owned { close(fd) }
        buffer.deallocate()
    }

    /// Calls `body` with the next line's bytes; returns false at the end of the input.
    public func next<T>(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> T) throws -> T? {
        while true {
            if start < count, let p = memchr(buffer + start, 0x0A, count - start) {
                let nl = buffer.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if nl - start > lineLimit { throw tooLong() }
                lineNumber += 1
                var end = nl
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let s = start
                start = nl + 1
                return try body(UnsafeBufferPointer(start: buffer + s, count: end - s), lineNumber)
            }
            if count - start > lineLimit { throw tooLong() }
            if eof {
                guard start < count else { return nil }
                lineNumber += 1
                let s = start
                start = count
                return try body(UnsafeBufferPointer(start: buffer + s, count: count - s), lineNumber)
            }
            // The part line left goes to the front; room for a read after it (a line longer than
            // a read makes the buffer grow).
            if start > 0 {
                memmove(buffer, buffer + start, count - start)
                count -= start
                start = 0
            }
            if capacity - count < Self.readSize {
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: count + 2 * Self.readSize)
                bigger.moveInitialize(from: buffer, count: count)
                buffer.deallocate()
                buffer = bigger
                capacity = count + 2 * Self.readSize
            }
            let n = try SystemCall.read(fd, into: buffer + count, count: Self.readSize, path: name)
            count += n
            if bytesRead == 0, count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
                start = 3  // a byte-order mark: UTF-8 has no byte order, and JSON no place for one
            }
            bytesRead += n
            if n == 0 { eof = true }
        }
    }

    /// The refusal of the line being read, which is over `lineLimit`.
    private func tooLong() -> LedgerError {
        LedgerError(.lineTooLong(limit: lineLimit, name: name)).atLine(lineNumber + 1)
    }

    /// The next non-blank line as an event draft, or nil at the end. Errors name the line.
    public func nextDraft() throws -> EventDraft? {
        while true {
            let result: EventDraft?? = try next { line, number in
                var blank = true
                for c in line where c != 0x20 && c != 0x09 { blank = false; break }
                if blank { return EventDraft?.none }
                // The common shape goes the fast way; anything else (and every error) the general way.
                if fast, let d = scanner.draft(line, line: number) { return d }
                do {
                    return try EventDraftDecoder.decode(try JSONLine.parse(line), line: number)
                } catch let e as LedgerError {
                    throw e.atLine(number)
                }
            }
            guard let r = result else { return nil }  // end of input
            if let d = r { return d }
        }
    }
}
