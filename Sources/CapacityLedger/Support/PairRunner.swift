import Synchronization

/// How the core runs two pieces of work that may go at once. The core starts no thread of its
/// own: whoever makes a `QueryEngine` hands it a runner, and the storage target's `Threads`
/// runs the second piece on a new thread. By default the two run one after the other.
public protocol PairRunner: Sendable {
    /// Whether the two pieces can run at once (a caller splits work in two only then).
    var isConcurrent: Bool { get }
    /// Runs both and returns both results once both have finished; when either throws, the
    /// first's error, else the second's. Both may read the same memory; each must write only
    /// its own.
    func run<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B)
}

/// Runs `first`, then `second`, on the calling thread.
public struct OneAfterTheOther: PairRunner {
    public init() {}
    public var isConcurrent: Bool { false }
    public func run<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
        let a = Result { try first() }
        let b = Result { try second() }
        return (try a.get(), try b.get())
    }
}

/// A flag one thread raises and others read: "stop".
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Raises the flag when `condition` holds; returns whether it is raised.
    func raise(when condition: Bool) -> Bool {
        if condition { raised.store(true, ordering: .relaxed) }
        return condition || isRaised
    }
}
