#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCapacitySupport

/// Reads and decodes a JSON Lines input on a thread of its own, a few thousand lines ahead of
/// the writer, so that parsing one part of a large import overlaps checking, encoding and
/// hashing the part before it.
///
/// The drafts come out of `next()` in input order, exactly as `LineReader.nextDraft()` would
/// give them, and the first bad line's error comes out in its place: lines after it are not
/// read. At most `depth` chunks wait at a time, so memory stays bounded however long the input.
/// Call `stop()` when done (also after an error): it ends the reading thread and waits for it.
public final class DraftPipeline: @unchecked Sendable {
    /// What the reading thread hands over: drafts in order, then possibly the error that ended
    /// the input, or the end of the input.
    private struct Chunk {
        var drafts: [EventDraft] = []
        var error: (any Error)?
        var end = false
        var bytesRead = 0
    }

    private let reader: LineReader
    private let chunkSize: Int
    private let depth: Int
    private let worker = Worker()
    private var monitor: Monitor { worker.monitor }
    // Guarded by `monitor`.
    private var queue: [Chunk] = []
    /// Draft arrays the consumer is done with, for the reading thread to fill again: a chunk's
    /// array is most of a megabyte, and a new one each time meant fresh pages (zeroed by the
    /// system) for every chunk of a large import.
    private var spare: [[EventDraft]] = []
    private var shared = 0
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
    public var bytesRead: Int { monitor.withLock { shared } }

    public init(reader: LineReader, chunkSize: Int = 4096, depth: Int = 4) {
        self.reader = reader
        self.chunkSize = chunkSize
        self.depth = depth
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
                shared = reader.position
                // The storage is reused once the caller has let go of the last draft handed over.
                current.removeAll(keepingCapacity: true)
                current.append(d)
                position = 0
                return true
            }
            monitor.lock()
            while queue.isEmpty { monitor.wait() }
            let chunk = queue.removeFirst()
            shared = chunk.bytesRead
            // The array of the chunk before goes back (the caller has let go of its drafts).
            if current.capacity >= chunkSize { spare.append(current) }
            current = []
            monitor.broadcast()
            monitor.unlock()
            current = chunk.drafts
            position = 0
            if chunk.end { done = true }
            if let error = chunk.error { failure = error }
        }
        return true
    }

    /// Ends the reading thread (it stops after its current chunk) and waits for it.
    public func stop() { worker.stop() }

    /// Whether a reading thread ran and has ended.
    var readingThreadEnded: Bool { worker.monitor.withLock { worker.finished } }

    private func produce() {
        ccap_name_this_thread("capacity-read")
        var chunk = Chunk()
        chunk.drafts.reserveCapacity(chunkSize)
        while true {
            do {
                if let d = try reader.nextDraft() {
                    chunk.drafts.append(d)
                } else {
                    chunk.end = true
                }
            } catch {
                chunk.error = error
            }
            let last = chunk.end || chunk.error != nil
            if !last, chunk.drafts.count < chunkSize { continue }
            chunk.bytesRead = reader.position
            monitor.lock()
            while queue.count >= depth, !worker.stopping { monitor.wait() }
            if worker.stopping {
                monitor.unlock()
                return
            }
            queue.append(chunk)
            monitor.broadcast()
            monitor.unlock()
            if last { return }
            chunk = Chunk()
            if let reused = monitor.withLock({ spare.popLast() }) { chunk.drafts = reused }
            // Emptied here, on this thread: the drafts it held are released off the writer's.
            chunk.drafts.removeAll(keepingCapacity: true)
            chunk.drafts.reserveCapacity(chunkSize)
        }
    }
}
