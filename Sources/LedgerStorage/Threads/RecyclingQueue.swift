import CapacityLedger
/// A bounded queue from one thread to another that also carries buffers back: the producer
/// hands over items in order, and the consumer gives back the large buffers it is done with,
/// for the producer to fill again (fresh ones would be fresh pages, zeroed by the system, for
/// every item of a long stream). The import's reading thread hands chunks of drafts to the
/// writer through one (`DraftPipeline`), the writer hands pieces of the log to its hashing
/// thread through another (`ChainingWriter`).
///
/// - The producer calls `put` (which waits while `capacity` items wait already),
///   `reusedBuffer`, then `finish(throwing:)` after the last item; `drain` waits until the
///   consumer has taken every item and given its buffer back.
/// - The consumer calls `take` (which waits while no item waits) and `recycle`, and `fail`
///   when it cannot go on: the items waiting are dropped, and the producer's `put` and `drain`
///   throw its error from then on.
/// - `close` (from either side, or a third thread stopping the two) wakes both: a `put` then
///   drops its item and returns false, a `take` returns nil, the items waiting are dropped.
final class RecyclingQueue<Item, Buffer>: @unchecked Sendable {
    private let monitor = Monitor()
    let capacity: Int
    // Guarded by `monitor`.
    private var items: [Item] = []
    private var spares: [Buffer] = []
    /// Whether the consumer has taken an item and not yet given its buffer back (or taken the next).
    private var holding = false
    private var finished = false
    /// The producer's error, for `take` to throw after the items before it.
    private var endError: (any Error)?
    /// The consumer's error, for `put` and `drain` to throw.
    private var failure: (any Error)?
    private var closed = false

    /// A queue that holds at most `capacity` items (at least 1).
    init(capacity: Int) {
        precondition(capacity >= 1, "a queue holds at least one item")
        self.capacity = capacity
    }

    // MARK: the producer's side

    /// Hands `item` over, after waiting while `capacity` items wait. Returns false, dropping
    /// it, when the queue is closed; throws the consumer's error when it failed.
    @discardableResult
    func put(_ item: consuming Item) throws -> Bool {
        monitor.lock()
        defer { monitor.unlock() }
        while items.count >= capacity, failure == nil, !closed { monitor.wait() }
        if let failure { throw failure }
        if closed { return false }
        precondition(!finished, "an item put after the last")
        // Moved in, not copied: the consumer may change the buffer it holds in place.
        items.append(item)
        monitor.broadcast()
        return true
    }

    /// A buffer the consumer gave back, if one waits.
    func reusedBuffer() -> Buffer? {
        monitor.withLock { spares.popLast() }
    }

    /// Says that no item follows: `take` returns nil (or throws `error`) once the items before
    /// have been taken.
    func finish(throwing error: (any Error)? = nil) {
        monitor.withLock {
            finished = true
            endError = error
            monitor.broadcast()
        }
    }

    /// Waits until the consumer has taken every item and given the last one's buffer back.
    /// Throws the consumer's error when it failed; returns false when the queue was closed first.
    func drain() throws -> Bool {
        monitor.lock()
        defer { monitor.unlock() }
        while !items.isEmpty || holding, failure == nil, !closed { monitor.wait() }
        if let failure { throw failure }
        return !closed
    }

    // MARK: the consumer's side

    /// The next item, after waiting while none waits; nil once the producer has finished and
    /// every item has been taken, or once the queue is closed or the consumer failed. Throws the
    /// error the producer finished with, after the items before it.
    func take() throws -> Item? {
        monitor.lock()
        defer { monitor.unlock() }
        holding = false
        while items.isEmpty, !finished, failure == nil, !closed { monitor.wait() }
        monitor.broadcast()
        if closed || failure != nil { return nil }
        if !items.isEmpty {
            holding = true
            return items.removeFirst()
        }
        if let endError { throw endError }
        return nil
    }

    /// Gives `buffer` back for the producer to fill again, and says the item taken last is done.
    func recycle(_ buffer: consuming Buffer) {
        monitor.lock()
        defer { monitor.unlock() }
        spares.append(buffer)
        holding = false
        monitor.broadcast()
    }

    /// Stops the consumer's side with `error` (the first one stays): the items waiting are
    /// dropped, and `put` and `drain` throw it.
    func fail(_ error: any Error) {
        monitor.withLock {
            if failure == nil { failure = error }
            items.removeAll()
            monitor.broadcast()
        }
    }

    /// The error the consumer failed with, if it did.
    var error: (any Error)? { monitor.withLock { failure } }

    // MARK: either side

    /// Ends the handing over: wakes both sides, drops the items waiting; from now on `put`
    /// returns false and `take` nil.
    func close() {
        monitor.withLock {
            closed = true
            items.removeAll()
            monitor.broadcast()
        }
    }
}
