import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file a query or the console writes (`svg=`, `.output`), made so that an output can neither
/// destroy the ledger nor claim to be written when it was not.
///
/// - A path that is, or leads through links to, a file the ledger uses (the log, its checkpoint
///   or the checkpoint's temporary file) is refused, naming both.
/// - A regular file (or a new one) is written under a temporary name beside it, created with
///   `O_EXCL|O_NOFOLLOW` (a link planted at that name is never followed), then synced, closed and
///   renamed over the target by `finish()`: until then the target keeps its old contents, and an
///   output that fails leaves it as it was.
/// - A device or FIFO (`/dev/stdout`, a named pipe) is written in place.
///
/// Every write, `fsync`, `close` and `rename` is checked; `finish()` throws the first failure
/// (exit 74) with the path and the system's message.
public final class OutputFile: TextOutput {
    public let path: String
    /// The temporary name renamed over `path`; nil when writing a device or FIFO in place.
    private var temporary: String?
    private let out: FileOutput
    private var finished = false

    /// Opens `path` for writing, refusing any of `protected` (see `EventStore.filesInUse`). A new
    /// file gets `mode` (0644; events saved from a ledger, 0600 as the ledger has).
    public init(path: String, protecting protected: [String], mode: mode_t = 0o644) throws {
        self.path = path
        try Self.refuseIfInUse(path, protected: protected)
        var st = stat()
        let exists = stat(path, &st) == 0
        let kind = st.st_mode & S_IFMT
        if exists, kind == S_IFDIR {
            throw LedgerError.io(.write, path, errno: EISDIR)
        }
        if exists, kind != S_IFREG {
            let fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
            guard fd >= 0 else { throw Self.failure(.open, path) }
            out = FileOutput(fd: fd, owned: false, name: path)
            return
        }
        var attempt = 0
        while true {
            let name = path + ".tmp.\(getpid())" + (attempt == 0 ? "" : ".\(attempt)")
            let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 {
                temporary = name
                out = FileOutput(fd: fd, owned: false, name: path)
                return
            }
            guard errno == EEXIST, attempt < 8 else { throw Self.failure(.write, path) }
            attempt += 1
        }
    }

    public func write(_ text: String) { out.write(text) }
    public func flush() { out.flush() }

    /// Writes what is buffered and throws if a write has failed so far.
    public func check() throws {
        out.flush()
        if let failure = out.failure { throw LedgerError.io(.write, path, errno: failure) }
    }

    /// Writes the rest, syncs, closes and renames the file into place. Throws the first failure;
    /// on failure the temporary file is removed and the target keeps its old contents.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        do {
            try out.finish()
            guard let temporary else {
                guard close(out.fd) == 0 else { throw Self.failure(.close, path) }
                return
            }
            guard fsync(out.fd) == 0 else { let e = errno; close(out.fd); errno = e; throw Self.failure(.sync, path) }
            guard close(out.fd) == 0 else { throw Self.failure(.close, path) }
            guard rename(temporary, path) == 0 else { throw Self.failure(.rename(from: temporary), path) }
            self.temporary = nil
        } catch {
            if let temporary { unlink(temporary) }
            temporary = nil
            throw error
        }
    }

    /// Drops what was written: the target keeps its old contents.
    public func abandon() {
        guard !finished else { return }
        finished = true
        out.isCancelled = { true }
        close(out.fd)
        if let temporary { unlink(temporary) }
        temporary = nil
    }

    deinit { abandon() }

    /// Writes `contents` to `path` whole (as `svg=` does).
    public static func write(_ contents: String, to path: String, protecting protected: [String]) throws {
        let f = try OutputFile(path: path, protecting: protected)
        f.write(contents)
        try f.finish()
    }

    /// Throws when `path` names, directly or through links, one of `protected` (or the same
    /// file under another name: a hard link), or a temporary file of the first's checkpoint.
    static func refuseIfInUse(_ path: String, protected: [String]) throws {
        guard !protected.isEmpty else { return }
        let target = canonical(path)
        var st = stat()
        let targetID = stat(path, &st) == 0 ? (st.st_dev, st.st_ino) : nil
        for (i, p) in protected.enumerated() {
            var pst = stat()
            let sameFile = targetID != nil && stat(p, &pst) == 0 && pst.st_dev == targetID!.0 && pst.st_ino == targetID!.1
            let c = canonical(p)
            if sameFile || c == target || (i == 0 && target.hasPrefix(canonical(FleetCheckpoint.path(forLedger: p)) + ".tmp.")) {
                throw LedgerError(.refusingToOverwrite(path: path, protected: p, ledger: i == 0 ? nil : protected[0]))
            }
        }
    }

    /// The absolute path with every link resolved; for a file that does not exist yet, its
    /// directory's resolved path and its own name.
    static func canonical(_ path: String) -> String {
        if let r = realpath(path, nil) {
            defer { free(r) }
            return String(cString: r)
        }
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let r = realpath(dir, nil) else { return path }
        defer { free(r) }
        let d = String(cString: r)
        return (d == "/" ? "" : d) + "/" + base
    }

    static func failure(_ operation: LedgerError.FileOperation, _ path: String) -> LedgerError {
        LedgerError.io(operation, path)
    }
}
