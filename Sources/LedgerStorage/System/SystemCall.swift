import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way the storage target makes a system call that can fail: the call is retried while
/// a signal interrupts it (EINTR), and any other failure throws one I/O error naming the
/// operation, the path and the system's reason (`LedgerError.Problem.ioFailed`). The core makes no
/// system call at all (see `CoreTargetTests`).
///
/// `check` is for calls that return -1 on failure (most of POSIX); the others read and write
/// whole buffers, which a call may do only in part.
public enum SystemCall {
    /// Runs `call` until it is not interrupted; its result when not -1, else throws.
    @discardableResult
    @inline(__always)
    public static func check<T: BinaryInteger>(_ operation: LedgerError.FileOperation, _ path: String, _ call: () -> T) throws -> T {
        while true {
            let r = call()
            if r != -1 { return r }
            let e = errno
            if e == EINTR { continue }
            throw LedgerError.io(operation, path, errno: e)
        }
    }

    /// Runs `call` until it is not interrupted and returns its result and errno (0 on success),
    /// for the callers that treat some failures as answers (EEXIST, ENOENT, EWOULDBLOCK …).
    @inline(__always)
    public static func attempt<T: BinaryInteger>(_ call: () -> T) -> (result: T, errno: Int32) {
        while true {
            let r = call()
            if r != -1 { return (r, 0) }
            let e = errno
            if e != EINTR { return (r, e) }
        }
    }

    /// Writes all of `bytes` to `fd` at `offset` (`pwrite`, as many times as it takes).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            done += try check(.write, path) { pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
        }
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, at: offset, path: path) }
    }

    /// Writes all of `bytes` to `fd` at its offset (`write`: a terminal, a pipe).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            done += try check(.write, path) { write(fd, bytes.baseAddress! + done, bytes.count - done) }
        }
    }

    /// Reads into `buffer` from `offset` until it is full or the file ends (`pread`); returns
    /// how many bytes were read.
    public static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = try check(.read, path) { pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done)) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Whether `bytes` could be filled from `fd` at `offset` (`readFully`): false when the file
    /// ends first or the read fails, for the readers that take either as "not usable".
    public static func readsWhole(_ fd: Int32, _ bytes: inout [UInt8], at offset: Int) -> Bool {
        let count = bytes.count
        return (try? bytes.withUnsafeMutableBytes { try readFully(fd, into: $0, at: offset, path: "") }) == count
    }

    /// Reads at most `count` bytes into `buffer` from `fd`'s offset (`read`); 0 at the end.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, path: String) throws -> Int {
        #if canImport(Glibc)
        try check(.read, path) { Glibc.read(fd, buffer, count) }
        #else
        try check(.read, path) { Darwin.read(fd, buffer, count) }
        #endif
    }
}
