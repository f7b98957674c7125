import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FleetCheckpoint {
    /// Builds the checkpoint for `ledger` as stored in the file at `ledgerPath` (`layout`), and
    /// writes it atomically: to a temporary file, synced, then renamed to `destination` (by
    /// default the checkpoint's path beside the ledger).
    public static func write(ledger: Ledger, ledgerPath: String, codec: CodecState, tie: (seq: Int, commitStart: Int, commitEnd: Int),
                             blockSize: Int = defaultBlockSize, to destination: String? = nil) throws {
        removeAbandonedTemporaries(ledgerPath: ledgerPath)
        let final = destination ?? path(forLedger: ledgerPath)
        let tmp = destination.map { $0 + ".tmp" } ?? temporaryPrefix(ledgerPath: ledgerPath) + "\(getpid())"
        let file = CheckpointFile(fd: try createTemporary(tmp))
        do {
            try layout(ledger: ledger, codec: codec, tie: tie, blockSize: blockSize, into: file)
            try file.syncAndClose()
            let (_, renameFailure) = SystemCall.attempt { rename(tmp, final) }
            guard renameFailure == 0 else { throw CheckpointFile.Failure(errno: renameFailure) }
        } catch {
            file.closeIfOpen()
            unlink(tmp)
            guard let failure = error as? CheckpointFile.Failure else { throw error }
            throw LedgerError.io(.writeCheckpoint, ledgerPath, errno: failure.errno)
        }
    }

    /// The temporary file a checkpoint is written to: each piece with `pwrite` at its offset,
    /// then `fsync` and `close`. A failed call throws its `errno`.
    final class CheckpointFile: CheckpointSink {
        struct Failure: Error { let errno: Int32 }

        private var fd: Int32

        init(fd: Int32) { self.fd = fd }

        func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
            var done = 0
            while done < bytes.count {
                let (n, failure) = SystemCall.attempt { pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
                guard failure == 0 else { throw Failure(errno: failure) }
                done += n
            }
        }

        func syncAndClose() throws {
            let (_, syncFailure) = SystemCall.attempt { fsync(fd) }
            if syncFailure != 0 { throw Failure(errno: syncFailure) }
            let (_, closeFailure) = SystemCall.attempt { close(fd) }
            fd = -1
            if closeFailure != 0 { throw Failure(errno: closeFailure) }
        }

        /// Closes the file unless it is closed already (after an error).
        func closeIfOpen() {
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Where a writer's temporary file goes: the checkpoint's path, `.tmp.`, the writer's pid.
    static func temporaryPrefix(ledgerPath: String) -> String { path(forLedger: ledgerPath) + ".tmp." }

    /// Creates the temporary file new, never through a link: in a shared directory, a link
    /// planted at that name must not make a query overwrite what it points at. A file already
    /// there under this process's pid (left by an earlier process that had it) is removed first;
    /// removing a link removes the link, not its target.
    static func createTemporary(_ tmp: String) throws -> Int32 {
        var failure: Int32 = 0
        for attempt in 0..<2 {
            let fd: Int32
            (fd, failure) = SystemCall.attempt { open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
            if fd >= 0 { return fd }
            guard failure == EEXIST, attempt == 0 else { break }
            let removed: Int32
            (removed, failure) = SystemCall.attempt { unlink(tmp) }
            guard removed == 0 else { break }
        }
        throw LedgerError.io(.create, tmp, errno: failure)
    }

    /// Removes the temporary files of checkpoint writers that are no longer running (a writer
    /// killed between creating and renaming its file leaves it behind).
    static func removeAbandonedTemporaries(ledgerPath: String) {
        let prefix = temporaryPrefix(ledgerPath: ledgerPath)
        let slash = prefix.lastIndex(of: "/")
        let dir = slash.map { prefix[..<$0].isEmpty ? "/" : String(prefix[..<$0]) } ?? "."
        let base = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // The pid, and what a writer of that pid may have added after it (`.audit`, …).
            guard name.hasPrefix(base), let pid = Int32(name.dropFirst(base.count).prefix(while: \.isNumber)), pid > 0 else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { unlink(prefix + String(name.dropFirst(base.count))) }
        }
    }
}

extension FleetCheckpoint {
    /// What `audit` found.
    public enum Audit: Equatable, Sendable {
        /// There is no checkpoint beside the ledger.
        case none
        /// The checkpoint holds, byte for byte, what a rebuild from the log up to its seq holds.
        case matches(seq: Int)
        /// The checkpoint is not used (damaged header, another format, stale, not the ledger
        /// owner's); queries rebuild it when they need one.
        case unusable(String)
        /// The checkpoint is tied to the log's commit at `seq`, but its bytes differ from a
        /// rebuild: it was edited or forged (its own CRCs cannot tell), or damaged.
        case differs(seq: Int)
    }

    /// Checks the checkpoint beside `ledgerPath` against the log: rebuilds it from the log's
    /// events up to the commit it is tied to (the bytes of a checkpoint follow from those
    /// events alone) and compares the two files. With `replace`, a checkpoint that differs is
    /// replaced by the rebuild.
    ///
    /// CRCs guard the checkpoint against accidents only: whoever edits it can fix them. This is
    /// what ties its content to the hash-chained log; `capacity verify` runs it.
    public static func audit(ledgerPath: String, replace: Bool) throws -> Audit {
        let ckpt = path(forLedger: ledgerPath)
        guard access(ckpt, F_OK) == 0 else { return .none }
        let reader: CheckpointReader
        do {
            reader = try CheckpointReader(path: ckpt, ledgerPath: ledgerPath)
            let fd = open(ledgerPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw LedgerError.io(.open, ledgerPath) }
            defer { close(fd) }
            _ = try reader.checkTie(fd: fd, ledgerPath: ledgerPath)
        } catch let u as Unusable {
            return .unusable(u.reason)
        }
        // The ledger as it stood at the tie: the log up to the commit the checkpoint names.
        let log = try readPrefix(ledgerPath, count: reader.commitEnd)
        var ledger = Ledger()
        let scan = try log.withUnsafeBytes { (b) throws -> LogScan in
            try LogScanner.scan(UnsafeRawBufferPointer(rebasing: b[LogHeader.size...]), base: LogHeader.size, from: 0, firstSeq: 1,
                                head: .genesis, state: &ledger.codec)
        }
        try ledger.absorb(scan.events, head: scan.head)
        guard ledger.count == reader.tieSeq, scan.committedEnd == reader.commitEnd else { return .unusable("stale checkpoint") }
        let rebuilt = temporaryPrefix(ledgerPath: ledgerPath) + "\(getpid()).audit"
        try write(ledger: ledger, ledgerPath: ledgerPath, codec: ledger.codec,
                  tie: (reader.tieSeq, reader.commitStart, reader.commitEnd), blockSize: reader.blockSize, to: rebuilt)
        let same = try sameBytes(ckpt, rebuilt)
        if !same, replace, rename(rebuilt, ckpt) == 0 { return .differs(seq: reader.tieSeq) }
        unlink(rebuilt)
        return same ? .matches(seq: reader.tieSeq) : .differs(seq: reader.tieSeq)
    }

    /// The first `count` bytes of the file at `path`.
    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        let fd = try SystemCall.check(.open, path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        let done = try out.withUnsafeMutableBytes { try SystemCall.readFully(fd, into: $0, at: 0, path: path) }
        guard done == count else { throw LedgerError(.shortFile(path: path)) }
        return out
    }

    /// Whether two files hold the same bytes.
    static func sameBytes(_ a: String, _ b: String) throws -> Bool {
        let fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC)
        defer { if fa >= 0 { close(fa) }; if fb >= 0 { close(fb) } }
        guard fa >= 0, fb >= 0 else { throw LedgerError.io(.open, fa < 0 ? a : b) }
        var sa = stat(), sb = stat()
        guard fstat(fa, &sa) == 0, fstat(fb, &sb) == 0 else { return false }
        guard sa.st_size == sb.st_size else { return false }
        var x = [UInt8](repeating: 0, count: 1 << 20), y = [UInt8](repeating: 0, count: 1 << 20)
        var at = 0
        while at < Int(sa.st_size) {
            let n = try x.withUnsafeMutableBytes { try SystemCall.readFully(fa, into: $0, at: at, path: a) }
            let m = try y.withUnsafeMutableBytes { try SystemCall.readFully(fb, into: $0, at: at, path: b) }
            guard n > 0, n == m, x[0..<n] == y[0..<m] else { return false }
            at += n
        }
        return true
    }
}
