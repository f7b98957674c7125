import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ledger in one append-only file (see `docs/log-format.md`).
///
/// Writers take an exclusive `flock` on the file, read any tail other writers added, check the
/// batch against it, write it with one commit record and `fsync` before returning. Readers take no
/// lock and only ever see whole committed batches. A torn batch at the end (after a crash) is
/// ignored by readers and cut off, with one warning, by the next writer.
public final class FileEventStore: EventStore {
    public let path: String
    public private(set) var ledger = Ledger()
    public private(set) var byteCount = 0
    private let clock: any LedgerClock
    private let warn: (String) -> Void
    public private(set) var lastAppendHashes: [ChainHash] = []
    public var signer: SigningKey?
    private var warnedUnsigned = false
    /// The file's format version, once its header was read (nil: not yet, or no file).
    public private(set) var formatVersion: UInt16?
    /// Byte offset just past the last commit read.
    private var committedEnd = 0
    /// Byte offset just past the last commit read (the end of the committed log).
    var committedOffset: Int { committedEnd }

    /// How a store opened `forAppending` started its first append.
    public enum CheckpointUse: Equatable, Sendable {
        /// Not opened for appending, or no append yet.
        case none
        /// From the checkpoint and the log's tail.
        case used
        /// From the whole log: the checkpoint is missing, stale, from another format or damaged.
        case unusable(String)
        /// From the whole log: the batch reaches further back than the checkpoint keeps.
        case reachedBehind(String)
    }

    /// With `forAppending`, the first append starts from the checkpoint beside the ledger when
    /// it can (see `WriterBase`), and `ledger` then holds only the events after it.
    public private(set) var checkpointUse = CheckpointUse.none
    private let forAppending: Bool

    /// Opens the ledger at `path`. With `create: false` a missing file is an error; with
    /// `create: true` it is created (mode 0600) on the first append. With `forAppending: true`
    /// nothing is read until the first append (see `checkpointUse`).
    public init(path: String, create: Bool, clock: any LedgerClock = SystemClock(), forAppending: Bool = false,
                warn: @escaping (String) -> Void = { _ in }) throws {
        self.path = path
        self.clock = clock
        self.warn = warn
        self.forAppending = forAppending
        if access(path, F_OK) != 0 {
            guard create else {
                throw LedgerError(.noLedger(path: path))
            }
            return
        }
        if !forAppending { try refresh() }
    }

    /// The log and its checkpoint.
    public var filesInUse: [String] { [path, FleetCheckpoint.path(forLedger: path)] }

    public var name: String {
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = String(base[..<dot]) }
        return base
    }

    // MARK: reading

    @discardableResult
    public func refresh() throws -> ClosedRange<Int>? {
        let (fd, failure) = SystemCall.attempt { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else {
            if failure == ENOENT, committedEnd == 0 { return nil }
            throw LedgerError.io(.open, path, errno: failure)
        }
        defer { close(fd) }
        return try readTail(fd, truncateTorn: false)
    }

    /// Reads from `committedEnd` to the end of the file and absorbs the committed batches.
    private func readTail(_ fd: Int32, truncateTorn: Bool) throws -> ClosedRange<Int>? {
        var st = stat()
        try SystemCall.check(.stat, path) { fstat(fd, &st) }
        let size = Int(st.st_size)
        byteCount = size
        if size < committedEnd {
            throw LedgerError(.fileShrank(path: path, size: size, read: committedEnd))
        }
        if committedEnd == 0 {
            let header = try readBytes(fd, from: 0, count: min(size, LogHeader.size))
            if header.withUnsafeBytes({ LogHeader.isUnfinishedHeader($0) }) { return nil }
            _ = try header.withUnsafeBytes { (b) throws -> Timestamp in try LogHeader.check(b, path: path) }
            setVersion(header)
            committedEnd = LogHeader.size
        }
        guard size > committedEnd else { return nil }
        let bytes = try readBytes(fd, from: committedEnd, count: size - committedEnd)
        let before = ledger.count
        let scan: LogScan
        do {
            scan = try bytes.withUnsafeBytes { (b) throws -> LogScan in
                try LogScanner.scan(b, base: committedEnd, from: 0, firstSeq: ledger.count + 1, head: ledger.head, state: &ledger.codec)
            }
        } catch let error as LedgerError where truncateTorn && error.kind == .verification {
            throw Self.advisingRecover(error)
        }
        try ledger.absorb(scan.events, head: scan.head)
        committedEnd = scan.committedEnd
        if truncateTorn, scan.tailBytes > 0 {
            try refuseLostTail(events: ledger.count, committedEnd: committedEnd, tailBytes: scan.tailBytes, reason: scan.tailReason)
            warn("warning: \(path): removed an unfinished batch of \(Format.counted(scan.tailBytes, "byte")) after seq \(ledger.count) (\(scan.tailReason ?? "torn write")); it was never acknowledged")
            try SystemCall.check(.truncate, path) { ftruncate(fd, off_t(committedEnd)) }
            try SystemCall.check(.truncate, path) { fsync(fd) }
            byteCount = committedEnd
        }
        return ledger.count > before ? (before + 1)...ledger.count : nil
    }

    private func setVersion(_ header: [UInt8]) {
        let version = header.withUnsafeBytes { LogHeader.version(of: $0) }
        formatVersion = version
        ledger.formatVersion = version
    }

    /// How long a writer waits for another writer's lock before it gives up (exit 75).
    public var lockWait: Double = 30
    /// Called once when a writer has waited a second for the lock, with the holder's pid when
    /// the system tells it (the console and the CLI say so on a terminal).
    public var onLockWait: ((Int32?) -> Void)?

    /// Takes the exclusive lock, waiting at most `lockWait` seconds for another writer.
    private func lock(_ fd: Int32) throws {
        let start = Monotonic.seconds()
        var told = false
        var pause: UInt32 = 1_000
        while case let (_, failure) = SystemCall.attempt({ flock(fd, LOCK_EX | LOCK_NB) }), failure != 0 {
            guard failure == EWOULDBLOCK else { throw LedgerError.io(.lock, path, errno: failure) }
            let waited = Monotonic.seconds() - start
            if !told, waited >= 1 {
                told = true
                onLockWait?(Self.lockHolder(fd))
            }
            if waited >= lockWait {
                throw LedgerError(.locked(path: path, holder: Self.lockHolder(fd), waited: lockWait))
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// The pid holding a `flock` on `fd`'s file, from /proc/locks (Linux), or nil.
    static func lockHolder(_ fd: Int32) -> Int32? {
        var st = stat()
        guard fstat(fd, &st) == 0, let f = fopen("/proc/locks", "r") else { return nil }
        defer { fclose(f) }
        let dev = UInt64(st.st_dev)
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
        let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
        let id = String(major, radix: 16, uppercase: false).leftPadded(2) + ":" + String(minor, radix: 16).leftPadded(2) + ":\(st.st_ino)"
        var line: UnsafeMutablePointer<CChar>?
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0, let line {
            // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters' lines have "->".
            let words = String(cString: line).split(separator: " ")
            guard words.count >= 6, words[1] == "FLOCK", words[2] != "->", words[4] != "->" else { continue }
            if words[5] == id, let pid = Int32(words[4]) { return pid }
        }
        return nil
    }

    /// Damage that stops a writer (or a lost tail `verify` found), with what the operator can do
    /// about it: nothing can be appended until the ledger is restored, and `capacity recover`
    /// saves what is left. The advice is worded here only.
    static func advisingRecover(_ damage: LedgerError) -> LedgerError {
        damage.within(.recoverAdvice)
    }

    /// A tail after the last commit that reads as a torn write is cut by the next writer. But zeros
    /// over acknowledged batches, from a commit to the end of the file, read exactly like pages of
    /// an append that never landed. The checkpoint beside the ledger tells them apart when it was
    /// built at a later seq than the log now reaches: then the tail held acknowledged events, and
    /// this throws that damage (`verify` and writers alike).
    func refuseLostTail(events: Int, committedEnd: Int, tailBytes: Int, reason: String?) throws {
        guard let seq = FleetCheckpoint.builtAt(ledgerPath: path), seq > events else { return }
        throw Self.advisingRecover(Self.lostTailDamage(checkpointSeq: seq, events: events, committedEnd: committedEnd, tailBytes: tailBytes, reason: reason))
    }

    static func lostTailDamage(checkpointSeq seq: Int, events: Int, committedEnd: Int, tailBytes: Int, reason: String?) -> LedgerError {
        LedgerError(.damagedLog(offset: committedEnd, seq: nil, .lostTail(checkpointSeq: seq, events: events, tailBytes: tailBytes, reason: reason)))
    }

    static func lostTail(checkpointSeq seq: Int, events: Int, committedEnd: Int, tailBytes: Int, reason: String?) -> String {
        lostTailDamage(checkpointSeq: seq, events: events, committedEnd: committedEnd, tailBytes: tailBytes, reason: reason).message
    }

    private func readBytes(_ fd: Int32, from offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let done = try out.withUnsafeMutableBytes { try SystemCall.readFully(fd, into: $0, at: offset, path: path) }
        out.removeLast(count - done)
        return out
    }

    // MARK: writing

    @discardableResult
    public func append(_ drafts: [EventDraft]) throws -> [Event] {
        var given = false
        let count = try appendChunks(keepHashes: true) {
            defer { given = true }
            return given ? nil : drafts[...]
        }
        return Array(ledger.events.suffix(count))
    }

    /// Appends drafts produced one at a time (`next` returns nil at the end) as one atomic,
    /// durable batch; see `appendChunks`, which this calls with one draft per chunk.
    @discardableResult
    public func appendStream(keepHashes: Bool = false, expected: Int = 0, lookahead: Int = 0, progress: ((Int) -> Void)? = nil,
                             _ next: () throws -> EventDraft?) throws -> Int {
        try appendChunks(keepHashes: keepHashes, expected: expected, lookahead: lookahead, progress: progress) {
            try next().map { [$0][...] }
        }
    }

    /// Appends drafts produced a chunk at a time (`next` returns the next drafts in order, nil
    /// at the end) as one atomic, durable batch, writing frames to the file as it goes so that
    /// memory does not grow with the input: the commit record is written and synced last; on
    /// any error the file is cut back to where it was and nothing of the batch remains.
    /// `expected` (about how many drafts will come) makes room for them up front. An error
    /// `next` throws comes after every draft it handed over before.
    ///
    /// A store opened `forAppending` starts from the checkpoint when it can; a batch that
    /// reaches behind it is checked again, with the same drafts, from the whole log.
    ///
    /// With `lookahead` > 0, adding a draft first starts loading the tables the draft that many
    /// further on in its chunk will touch (`Ledger.prefetch(for:)`). Chunks are handed over
    /// as read (`DraftPipeline.nextChunk`), so a person at a terminal or a pipe still gets a
    /// bad line reported as it arrives.
    /// - Returns: how many events were appended.
    @discardableResult
    public func appendChunks(keepHashes: Bool = false, expected: Int = 0, lookahead: Int = 0, progress: ((Int) -> Void)? = nil,
                             _ next: () throws -> ArraySlice<EventDraft>?) throws -> Int {
        let existed = access(path, F_OK) == 0
        let fd = try SystemCall.check(.open, path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(fd) }
        try lock(fd)
        defer { flock(fd, LOCK_UN) }
        if forAppending, checkpointUse == .none, existed, committedEnd == 0 {
            do {
                let base = try WriterBase(ledgerPath: path, fd: fd)
                ledger = try base.ledger()
                committedEnd = base.reader.commitEnd
                checkpointUse = .used
            } catch let u as FleetCheckpoint.Unusable {
                checkpointUse = .unusable(u.reason)
            }
        }
        if formatVersion == nil, existed {
            // A writer from the checkpoint has not read the header: its version says whether the
            // file may hold keys and signatures.
            let header = try readBytes(fd, from: 0, count: LogHeader.size)
            if header.count == LogHeader.size { setVersion(header) }
        }
        // Chunks taken while working from the checkpoint, to check again from the whole log if
        // the batch reaches behind it.
        var taken: [ArraySlice<EventDraft>] = []
        var retake = 0
        func take() throws -> ArraySlice<EventDraft>? {
            if retake < taken.count { retake += 1; return taken[retake - 1] }
            guard let c = try next() else { return nil }
            if ledger.isPartial { taken.append(c); retake += 1 }
            return c
        }
        while true {
            do {
                _ = try readTail(fd, truncateTorn: true)
                return try writeBatch(fd, existed: existed, keepHashes: keepHashes, expected: expected, lookahead: lookahead,
                                      progress: progress, take)
            } catch {
                // The batch reaches behind the checkpoint, or a part of the checkpoint read on the
                // way failed its check (then the error is the checkpoint's, not the log's): start
                // again from the whole log, with the same drafts.
                if let behind = error as? NeedsFullLog {
                    checkpointUse = .reachedBehind(behind.reason)
                } else if let damage = ledger.base?.damage {
                    checkpointUse = .unusable(damage)
                } else {
                    throw error
                }
                ledger = Ledger()
                committedEnd = 0
                retake = 0
            }
        }
    }

    /// Batches expected to hold at least this many drafts are hashed and written behind the
    /// writer (`ChainingWriter`); `chainBehind` decides instead when set.
    static let chainBehindFrom = 1 << 16
    var chainBehind: Bool?
    /// A batch's bytes are written (or handed to the thread behind) in pieces of about this size.
    var pieceBytes = 1 << 22

    private func writeBatch(_ fd: Int32, existed: Bool, keepHashes: Bool, expected: Int, lookahead: Int, progress: ((Int) -> Void)?,
                            _ next: () throws -> ArraySlice<EventDraft>?) throws -> Int {
        let fresh = committedEnd == 0
        var buffer: [UInt8] = []
        // A piece is written once it reaches `pieceBytes`: room for the record that takes it past.
        buffer.reserveCapacity(pieceBytes + 1 << 16)
        if fresh {
            guard ledger.count == 0 else { throw LedgerError(.fileEmptied(path: path)) }
            buffer.append(contentsOf: LogHeader.make(created: clock.now()))
        }
        let start = fresh ? 0 : committedEnd
        var offset = start
        let now = clock.now()
        if fresh { ledger.formatVersion = LogHeader.version }
        let signer = try ledger.batchSigner(self.signer)
        if self.signer != nil, signer == nil, !warnedUnsigned {
            warnedUnsigned = true
            warn("note: \(path) holds no signing key yet, so this batch is not signed (capacity keys add NAME PUBLICKEY records one)")
        }
        var batch = ledger.beginBatch()
        ledger.reserve(events: expected)
        var count = 0
        var hashes: [ChainHash] = []
        // A large batch is hashed and written on a thread behind this one (`ChainingWriter`).
        var behind: ChainingWriter?
        // (Not for a signed batch: its signature needs the head before the commit is written.)
        if !keepHashes, signer == nil, chainBehind ?? (expected >= Self.chainBehindFrom) {
            let writer = ChainingWriter(fd: fd, path: path, head: ledger.head, lastSeq: ledger.count)
            if writer.start() { behind = writer }
        }
        defer { behind?.stop() }
        // Hashes exported lines gave, for the thread behind to compare; and where the frames of
        // the drafts added so far end in `buffer`.
        var checks: [ChainingWriter.HashCheck] = []
        var checked = false
        // Whether the commit record has been written (it is the batch's last bytes).
        var committed = false
        var added = buffer.count
        do {
            if fresh { try SystemCall.check(.truncate, path) { ftruncate(fd, 0) } }
            if fresh, behind != nil {
                // The thread behind reads whole frames only: the header goes first, on its own.
                try writeAll(fd, buffer, at: 0)
                offset += buffer.count
                buffer.removeAll(keepingCapacity: true)
                added = 0
            }
            // The rack hashes of the drafts prefetched, by index in the chunk, modulo 8.
            precondition(lookahead <= 4, "look at most 4 drafts ahead")
            let ahead = UnsafeMutablePointer<UInt64?>.allocate(capacity: 8)
            ahead.initialize(repeating: nil, count: 8)
            defer { ahead.deallocate() }
            while let chunk = try next() {
                // Drafts read in place (through the slice's subscript, each was copied for the call).
                try chunk.withUnsafeBufferPointer { drafts in
                    for i in drafts.indices {
                        let draft = drafts.baseAddress! + i
                        // The rack's hash, worked out when its lookup was started, is not worked out again.
                        var rackHash: UInt64?
                        if lookahead > 0 {
                            if i + lookahead < drafts.count { ahead[(i + lookahead) & 7] = ledger.prefetch(for: draft + lookahead) }
                            if i >= lookahead { rackHash = ahead[i & 7] }
                        }
                        try ledger.add(draft, now: now, to: &batch, bytes: &buffer, fileOffset: offset, chained: behind == nil,
                                       rackHash: rackHash)
                        if keepHashes { hashes.append(ledger.head) }
                        if behind != nil, let hex = draft.pointee.hash {
                            checks.append(.init(seq: ledger.count, hex: hex, line: draft.pointee.line))
                            checked = true
                        }
                        count += 1
                        if buffer.count >= pieceBytes {
                            let n = buffer.count
                            if let behind {
                                try behind.submit(&buffer, at: offset, checks: checks)
                                checks.removeAll()
                            } else {
                                try writeAll(fd, buffer, at: offset)
                                buffer.removeAll(keepingCapacity: true)
                            }
                            offset += n
                        }
                        added = buffer.count
                        if count & 0xFFFF == 0 { progress?(count) }
                    }
                }
            }
            guard count > 0 else {
                // An empty batch into a new ledger leaves it new and empty: the header alone.
                if fresh {
                    try writeAll(fd, buffer, at: 0)
                    try SystemCall.check(.sync, path) { fsync(fd) }
                    if !existed { try syncDirectory() }
                }
                return 0
            }
            // A string number read from a damaged part of the checkpoint would encode wrongly.
            if let damage = ledger.base?.damage { throw NeedsFullLog(reason: damage) }
            try ledger.finish(batch, bytes: &buffer, signer: signer)
            let n = buffer.count
            if let behind {
                try behind.submit(&buffer, at: offset, checks: checks)
                ledger.chainCaughtUp(try behind.drain())
            } else {
                try writeAll(fd, buffer, at: offset)
            }
            offset += n
            committed = true
            try SystemCall.check(.sync, path) { fsync(fd) }
            // A new file's name is durable once its directory is synced too.
            if fresh { try syncDirectory() }
        } catch {
            var error = error
            if let behind {
                // A hash given on a line before the one that failed is compared first: the
                // frames of the drafts taken so far are hashed, and an error there comes first.
                if checked, behind.error == nil, added <= buffer.count {
                    buffer.removeSubrange(added...)
                    try? behind.submit(&buffer, at: offset, checks: checks)
                    _ = try? behind.drain()
                }
                behind.stop()
                if let earlier = behind.error { error = earlier }
            }
            let (_, cutFailure) = SystemCall.attempt { ftruncate(fd, off_t(start)) }
            if cutFailure != 0, committed {
                // The commit record is in the file: readers take the batch as committed, though
                // it was not acknowledged. Say so rather than report a batch that was not stored.
                let cut = cutFailure
                let first = error as? LedgerError ?? LedgerError.io("\(error)")
                error = first.within(.cutFailed(path: path, errno: cut))
            }
            _ = SystemCall.attempt { fsync(fd) }  // a failure here changes nothing: the error stands
            ledger.rollback(batch)
            if !existed { unlink(path) }
            throw error
        }
        committedEnd = offset
        byteCount = offset
        lastAppendHashes = hashes
        return count
    }

    // MARK: upgrading

    public enum UpgradeResult: Equatable, Sendable {
        case upgraded(from: UInt16, to: UInt16)
        case current(UInt16)
    }

    /// Rewrites an older file's header (version 1 or 2) as the current version, under the writers' lock: the
    /// version field and the header's CRC change, nothing else (the records, and so every hash,
    /// stay as they are). The 32 bytes are one write within the file's first sector, then
    /// `fsync`; the log is checked first, so a damaged file is not touched.
    public func upgrade() throws -> UpgradeResult {
        let fd = try SystemCall.check(.open, path) { open(path, O_RDWR | O_CLOEXEC) }
        defer { close(fd) }
        try lock(fd)
        defer { flock(fd, LOCK_UN) }
        _ = try readTail(fd, truncateTorn: false)
        let header = try readBytes(fd, from: 0, count: LogHeader.size)
        guard header.count == LogHeader.size else { return .current(LogHeader.version) }
        let (version, created) = try header.withUnsafeBytes { (b) throws -> (UInt16, Timestamp) in
            (LogHeader.version(of: b), try LogHeader.check(b, path: path))
        }
        guard version < LogHeader.version else { return .current(version) }
        try writeAll(fd, LogHeader.make(created: created), at: 0)
        try SystemCall.check(.sync, path) { fsync(fd) }
        formatVersion = LogHeader.version
        ledger.formatVersion = LogHeader.version
        return .upgraded(from: version, to: LogHeader.version)
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws {
        try Self.writeAll(fd, bytes, at: offset, path: path)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws {
        try SystemCall.writeAll(fd, bytes, at: offset, path: path)
    }

    /// Syncs the directory holding the ledger, so that a new file's name survives a crash. A
    /// failure is an error, except where the directory cannot be synced at all: it cannot be
    /// opened for reading (EACCES), or its file system does not sync directories (EINVAL, EBADF).
    private func syncDirectory() throws {
        var dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if dir.isEmpty { dir = path.hasPrefix("/") ? "/" : "." }
        let (dfd, openFailure) = SystemCall.attempt { open(dir, O_RDONLY | O_CLOEXEC) }
        guard dfd >= 0 else {
            if openFailure == EACCES { return }
            throw LedgerError.io(.openDirectory, path, errno: openFailure)
        }
        defer { close(dfd) }
        let (_, syncFailure) = SystemCall.attempt { fsync(dfd) }
        guard syncFailure == 0 || syncFailure == EINVAL || syncFailure == EBADF else {
            throw LedgerError.io(.syncDirectory, path, errno: syncFailure)
        }
    }

    // MARK: checking

    public func verify(hashesAt: Set<Int>) throws -> VerifyReport {
        let all = try wholeFile()
        let report = try all.withUnsafeBytes { (b) throws -> VerifyReport in try LedgerVerifier.verify(b, path: path, hashesAt: hashesAt) }
        if report.ignoredTailBytes > 0 {
            try refuseLostTail(events: report.events, committedEnd: report.bytes - report.ignoredTailBytes,
                               tailBytes: report.ignoredTailBytes, reason: report.tailReason)
        }
        return report
    }

    public func signatureRecords() throws -> [BatchSignature] {
        let all = try wholeFile()
        return try all.withUnsafeBytes { (b) throws -> [BatchSignature] in try LedgerVerifier.signatureRecords(b, path: path) }
    }

    public func eventsWithHashes() throws -> [(Event, ChainHash)] {
        let all = try wholeFile()
        return try all.withUnsafeBytes { (b) throws -> [(Event, ChainHash)] in try LedgerVerifier.hashedEvents(b, path: path) }
    }

    func wholeFile() throws -> [UInt8] {
        let (fd, failure) = SystemCall.attempt { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else {
            // A store created on its first append holds nothing before it, as for `refresh`.
            if failure == ENOENT, committedEnd == 0 { return [] }
            throw LedgerError.io(.open, path, errno: failure)
        }
        defer { close(fd) }
        var st = stat()
        try SystemCall.check(.stat, path) { fstat(fd, &st) }
        return try readBytes(fd, from: 0, count: Int(st.st_size))
    }
}

extension String {
    /// Zeros in front up to `width` characters (device numbers in /proc/locks).
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
