import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCapacitySupport
import Synchronization

/// Reads and decodes a JSON Lines input on a thread of its own, a few thousand lines ahead of
/// the writer, so that parsing one part of a large import overlaps checking, encoding and
/// hashing the part before it.
///
/// The drafts come out of `next()` in input order, exactly as `LineReader.nextDraft()` would
/// give them, and the first bad line's error comes out in its place: lines after it are not
/// read. At most `depth` chunks wait at a time, so memory stays bounded however long the input.
/// Call `stop()` when done (also after an error): it ends the reading thread and waits for it.
public final class DraftPipeline: @unchecked Sendable {
    /// What the reading thread hands over: drafts in order, and where in the input they end.
    /// (The error that ended the input, or its end, follows the last chunk: `finish(throwing:)`.)
    private struct Chunk {
        var drafts: [EventDraft]
        var bytesRead: Int
    }

    private let reader: LineReader
    private let chunkSize: Int
    /// Chunks from the reading thread; draft arrays back to it, to be filled again: a chunk's
    /// array is most of a megabyte, and a new one each time meant fresh pages (zeroed by the
    /// system) for every chunk of a large import.
    private let queue: RecyclingQueue<Chunk, [EventDraft]>
    private let worker = Worker()
    /// See `bytesRead`; set by the consumer.
    private let shared = Atomic<Int>(0)
    // The consumer's own.
    private var current: [EventDraft] = []
    private var position = 0
    private var done = false
    private var failure: (any Error)?

    /// Whether a reading thread runs ahead of `next()`.
    public var readsAhead: Bool { worker.isRunning }

    /// The input's size when it is a regular file (for progress).
    public var size: Int? { reader.size }
    /// Bytes of input up to the end of the drafts handed out so far (the reading thread's lead
    /// not counted), for a progress bar that shows what has been appended.
    public var bytesRead: Int { shared.load(ordering: .relaxed) }

    /// At most `depth` chunks of `chunkSize` drafts wait at a time.
    public init(reader: LineReader, chunkSize: Int = 4096, depth: Int = 4) {
        self.reader = reader
        self.chunkSize = chunkSize
        queue = RecyclingQueue(capacity: depth)
    }

    deinit { stop() }

    /// Starts the reading thread, for a regular file. Standard input, a pipe or a terminal is
    /// read on the caller's thread (as it is when a thread cannot be created): there the next
    /// line may be long in coming, and a bad line must be reported when it is read, not when the
    /// input ends.
    public func start() {
        guard !worker.isRunning, reader.size != nil else { return }
        _ = worker.start { self.produce() }
    }

    /// The next draft in input order, nil at the end; throws the first bad line's error (after
    /// handing over the drafts before it).
    public func next() throws -> EventDraft? {
        guard try refill() else { return nil }
        position += 1
        return current[position - 1]
    }

    /// The next drafts in input order, as many as are ready: the rest of the chunk the reading
    /// thread handed over, or one draft read in place when there is none; nil at the end.
    /// Throws the first bad line's error after handing over the drafts before it. Taking a
    /// whole chunk spares copying each draft out on its own.
    public func nextChunk() throws -> ArraySlice<EventDraft>? {
        guard try refill() else { return nil }
        defer { position = current.count }
        return current[position...]
    }

    /// Makes `current[position...]` non-empty; false at the end of the input.
    private func refill() throws -> Bool {
        while position == current.count {
            if let failure { throw failure }
            if done { return false }
            guard worker.isRunning else {
                // No reading thread: read in place.
                guard let d = try reader.nextDraft() else { done = true; return false }
                shared.store(reader.position, ordering: .relaxed)
                // The storage is reused once the caller has let go of the last draft handed over.
                current.removeAll(keepingCapacity: true)
                current.append(d)
                position = 0
                return true
            }
            // The array of the chunk before goes back (the caller has let go of its drafts),
            // let go of here first, so that the reading thread empties it in place.
            let last = current
            current = []
            position = 0
            if last.capacity >= chunkSize { queue.recycle(last) }
            do {
                guard let chunk = try queue.take() else { done = true; return false }
                shared.store(chunk.bytesRead, ordering: .relaxed)
                current = chunk.drafts
            } catch {
                failure = error
            }
        }
        return true
    }

    /// Ends the reading thread (it stops after its current chunk) and waits for it.
    public func stop() {
        guard worker.isRunning else { return }
        queue.close()
        worker.join()
    }

    /// Whether a reading thread ran and has ended.
    var readingThreadEnded: Bool { worker.finished }

    private func produce() {
        ccap_name_this_thread("capacity-read")
        var drafts: [EventDraft] = []
        drafts.reserveCapacity(chunkSize)
        while true {
            var last = false
            var error: (any Error)?
            do {
                if let d = try reader.nextDraft() {
                    drafts.append(d)
                } else {
                    last = true
                }
            } catch let e {
                error = e
                last = true
            }
            if !last, drafts.count < chunkSize { continue }
            // (Only the consumer's failure makes `put` throw, and this one never fails.)
            guard (try? queue.put(Chunk(drafts: consume drafts, bytesRead: reader.position))) == true else { return }
            if last {
                queue.finish(throwing: error)
                return
            }
            drafts = queue.reusedBuffer() ?? []
            // Emptied here, on this thread: the drafts it held are released off the writer's.
            drafts.removeAll(keepingCapacity: true)
            drafts.reserveCapacity(chunkSize)
        }
    }
}
