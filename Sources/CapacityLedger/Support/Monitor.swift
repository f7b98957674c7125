#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex and one condition: how a thread that hands work over (`DraftPipeline`,
/// `ChainingWriter`) and the thread that takes it wait for each other.
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

/// A thread that takes work handed to it under `monitor` until `stop()` tells it to end (the
/// import's reading thread, `DraftPipeline`, and its hashing thread, `ChainingWriter`).
final class Worker: @unchecked Sendable {
    let monitor = Monitor()
    /// Set by `stop()` under `monitor`; the thread reads it there and ends.
    private(set) var stopping = false
    private var thread: pthread_t?

    var isRunning: Bool { thread != nil }
    /// Set under `monitor` by the thread as its body returns.
    private var ended = false
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

    /// Tells the thread to end and waits for it.
    func stop() {
        guard let t = thread else { return }
        monitor.withLock {
            stopping = true
            monitor.broadcast()
        }
        pthread_join(t, nil)
        thread = nil
    }
}
