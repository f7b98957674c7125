import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex and one condition: how a thread that hands work over and the thread that takes it
/// wait for each other (`RecyclingQueue`).
final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Waits, with the lock held, until another thread calls `broadcast`.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every thread waiting.
    func broadcast() { pthread_cond_broadcast(condition) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A thread of its own for a loop that takes work from a queue or hands work to one (the
/// import's reading thread, `DraftPipeline`, and its hashing thread, `ChainingWriter`, each
/// with a `RecyclingQueue`): its owner starts it, tells it to end by closing that queue, and
/// joins it.
final class Worker: @unchecked Sendable {
    private let monitor = Monitor()
    private var thread: pthread_t?
    /// Set under `monitor` by the thread as its body returns.
    private var ended = false

    var isRunning: Bool { thread != nil }
    /// Whether the thread's body has returned (tests ask whether stopping ended it).
    var finished: Bool { monitor.withLock { ended } }

    /// Starts `body` on a thread of its own; false when none can be created.
    func start(_ body: @escaping () -> Void) -> Bool {
        if thread == nil {
            thread = startThread { [self] in
                body()
                monitor.withLock { ended = true }
            }
        }
        return thread != nil
    }

    /// Waits for the thread to end (its owner has told it to, as by closing the queue it takes
    /// from or hands to).
    func join() {
        guard let t = thread else { return }
        pthread_join(t, nil)
        thread = nil
    }
}
