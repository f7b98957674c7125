import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCapacitySupport

/// Hashes a large batch's frames into the chain and writes them to the log, on a thread of its
/// own, a buffer or two behind the writer that checks and encodes them.
///
/// The writer adds drafts with `chained: false` (see `Ledger.add`), hands each full buffer of
/// whole frames to `submit`, and at the end takes the chain's head from `drain`. Here every
/// record's hash is chained (SHA-256 of the previous hash and the record's frame), the head is
/// written into each chain mark and the commit record (the writer leaves them zero) with the
/// frame's CRC worked out again, a hash an exported line gave is compared, and the buffer is
/// written at its offset. The bytes on disk are exactly those of a writer hashing as it goes.
///
/// After an error nothing more is written; `submit` and `drain` throw it. `stop()` ends the
/// thread (dropping what waits) and must come before the file is cut back.
final class ChainingWriter: @unchecked Sendable {
    /// A hash an exported line gave for its record, to compare with the chain's.
    struct HashCheck {
        let seq: Int
        let hex: String
        let line: Int?
    }

    private struct Piece {
        var bytes: [UInt8]
        var offset: Int
        var checks: [HashCheck]
    }

    private let fd: Int32
    private let path: String
    /// Pieces to the thread; written buffers back, for the writer to fill again (fresh ones
    /// would be fresh pages).
    private let queue: RecyclingQueue<Piece, [UInt8]>
    private let worker = Worker()
    // The thread's own while it runs; read by others once `drain` has returned.
    private var head: ChainHash
    private var seq: Int

    /// A writer whose first record follows seq `lastSeq`, whose hash is `head`.
    init(fd: Int32, path: String, head: ChainHash, lastSeq: Int, depth: Int = 2) {
        self.fd = fd
        self.path = path
        self.head = head
        self.seq = lastSeq
        queue = RecyclingQueue(capacity: depth)
    }

    deinit { stop() }

    /// Starts the thread; false when it cannot be created (then the caller hashes as it goes).
    func start() -> Bool { worker.start { self.run() } }

    /// Hands over `bytes` (whole frames) to be hashed and written at `offset`, and leaves in
    /// `bytes` an empty buffer to fill next. Waits while `depth` buffers wait already. Throws
    /// the first error met so far.
    func submit(_ bytes: inout [UInt8], at offset: Int, checks: [HashCheck]) throws {
        let capacity = bytes.capacity
        // The buffer is moved into the piece, so that the thread changes it in place.
        let piece = Piece(bytes: bytes, offset: offset, checks: checks)
        bytes = []
        // (After `stop()` the piece is dropped, as those waiting are.)
        try queue.put(consume piece)
        bytes = queue.reusedBuffer() ?? []
        bytes.reserveCapacity(capacity)
    }

    /// Waits until every buffer handed over is hashed and written; returns the chain's head
    /// after them, or throws the first error.
    func drain() throws -> ChainHash {
        let whole = try queue.drain()
        precondition(whole, "a chaining writer drained after it was stopped")
        return head
    }

    /// The error that stopped the writing, if any.
    var error: (any Error)? { queue.error }

    /// Ends the thread (after the buffer it works on; any waiting are dropped) and waits for it.
    func stop() {
        guard worker.isRunning else { return }
        queue.close()
        worker.join()
    }

    private func run() {
        ccap_name_this_thread("capacity-hash")
        ccap_yield_to_others(10)
        // (`take` throws only an error the writer ends with, and it ends with none.)
        while var piece = try? queue.take() {
            do {
                try chain(&piece)
                try FileEventStore.writeAll(fd, piece.bytes, at: piece.offset, path: path)
            } catch {
                // After an error nothing more is written: `take` gives nothing more.
                queue.fail(error)
            }
            var bytes = (consume piece).bytes
            bytes.removeAll(keepingCapacity: true)
            queue.recycle(bytes)
        }
    }

    /// Walks the piece's frames: chains each record's, fills in each anchor's head and CRC.
    private func chain(_ piece: inout Piece) throws {
        var head = self.head
        var seq = self.seq
        var next = 0
        let checks = piece.checks
        try piece.bytes.withUnsafeMutableBytes { b in
            var p = 0
            while p < b.count {
                var length = 0
                var shift = 0
                var q = p
                while true {
                    let byte = b[q]
                    length |= Int(byte & 0x7F) << shift
                    q += 1
                    if byte < 0x80 { break }
                    shift += 7
                }
                let payload = q + 4
                let end = payload + length
                let kind = b[payload]
                if kind == Frame.markKind || kind == Frame.commitKind {
                    // The head is the anchor's last 32 bytes (`Frame.anchorPayload`).
                    let bytes = head.bytes
                    for i in 0..<32 { b[end - 32 + i] = bytes[i] }
                    let crc = Frame.crc(UnsafeRawBufferPointer(rebasing: b[payload..<end])).littleEndian
                    withUnsafeBytes(of: crc) { for k in 0..<4 { b[q + k] = $0[k] } }
                } else if kind == Frame.signatureKind {
                    // A signature record carried from an export: not part of the chain.
                } else {
                    seq += 1
                    head = head.chained(with: UnsafeRawBufferPointer(rebasing: b[p..<end]))
                    if next < checks.count, checks[next].seq == seq {
                        let check = checks[next]
                        next += 1
                        if check.hex != head.hex {
                            throw Ledger.hashMismatch(expected: check.hex, computed: head, seq: seq, line: check.line)
                        }
                    }
                }
                p = end
            }
        }
        self.head = head
        self.seq = seq
    }
}
