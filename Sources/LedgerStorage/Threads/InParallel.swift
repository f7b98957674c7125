import CapacityLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `first` on this thread while `second` runs on a new one, and returns both results once
/// both have finished; when either throws, the first's error, else the second's. When no thread
/// can be made, runs `second` after `first` on this thread.
///
/// Both closures may read the same memory; each must write only its own.
func inParallel<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
    var secondResult: Result<B, any Error>?
    let a: Result<A, any Error> = withoutActuallyEscaping(second) { second in
        let job = { secondResult = Result { try second() } }
        let thread = startThread(job)
        let a = Result { try first() }
        if let thread {
            pthread_join(thread, nil)
        } else {
            job()
        }
        return a
    }
    let b = secondResult!
    return (try a.get(), try b.get())
}

/// `inParallel(first, second)` when `parallel`, else `first` then `second` on this thread.
func inParallel<A, B>(if parallel: Bool, _ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
    if parallel { return try inParallel(first, second) }
    return (try first(), try second())
}

/// Starts a thread running `body` (to be joined); nil when none can be created.
func startThread(_ body: @escaping () -> Void) -> pthread_t? {
    let raw = Unmanaged.passRetained(ThreadJob(body)).toOpaque()
    var thread = pthread_t()
    guard pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadJob>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, raw) == 0 else {
        Unmanaged<ThreadJob>.fromOpaque(raw).release()
        return nil
    }
    return thread
}

/// A closure handed to a new thread.
private final class ThreadJob: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// The runner that gives the core's work a second thread (`PairRunner`): `inParallel`.
public struct Threads: PairRunner {
    public init() {}
    public var isConcurrent: Bool { true }
    public func run<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
        try inParallel(first, second)
    }
}
