@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The queue between the import's threads (`RecyclingQueue`): items arrive in order, a full
/// queue holds the producer back, buffers go back to the producer, closing wakes either side,
/// and each side's error reaches the other.
struct RecyclingQueueTests {
    /// A value the test's threads share.
    final class Shared<T>: @unchecked Sendable {
        private let monitor = Monitor()
        private var value: T
        init(_ value: T) { self.value = value }
        func with<R>(_ body: (inout T) -> R) -> R { monitor.withLock { body(&value) } }
        var current: T { with { $0 } }
    }

    /// A buffer told apart by identity.
    final class Box: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    struct Failure: Error, Equatable { let code: Int }

    /// Runs `body` on a thread of its own; join it with `pthread_join`.
    func thread(_ body: @escaping () -> Void) throws -> pthread_t {
        try #require(startThread(body))
    }

    /// Long enough for a thread that is not held back to get where it goes.
    func pause() { usleep(50_000) }

    @Test(arguments: [1, 3])
    func itemsArriveInOrderThenTheEnd(capacity: Int) throws {
        let queue = RecyclingQueue<Int, Box>(capacity: capacity)
        let producer = try thread {
            for i in 0..<1_000 { _ = try! queue.put(i) }
            queue.finish()
        }
        var got: [Int] = []
        while let i = try queue.take() { got.append(i) }
        pthread_join(producer, nil)
        #expect(got == Array(0..<1_000))
        // The end stays the end.
        #expect(try queue.take() == nil)
    }

    @Test func aFullQueueHoldsTheProducerBack() throws {
        let queue = RecyclingQueue<Int, Box>(capacity: 2)
        try queue.put(1)
        try queue.put(2)
        let putThird = Shared(false)
        let producer = try thread {
            _ = try! queue.put(3)
            putThird.with { $0 = true }
        }
        pause()
        #expect(!putThird.current)
        #expect(try queue.take() == 1)
        pthread_join(producer, nil)
        #expect(putThird.current)
        #expect(try queue.take() == 2)
        #expect(try queue.take() == 3)
    }

    @Test func buffersGoBackToTheProducer() throws {
        let queue = RecyclingQueue<Box, Box>(capacity: 2)
        #expect(queue.reusedBuffer() == nil)
        let a = Box(), b = Box()
        try queue.put(a)
        try queue.put(b)
        let first = try #require(try queue.take())
        queue.recycle(first)
        let second = try #require(try queue.take())
        queue.recycle(second)
        // The last given back comes first (its pages are the likeliest still in the cache).
        #expect(queue.reusedBuffer() === b)
        #expect(queue.reusedBuffer() === a)
        #expect(queue.reusedBuffer() == nil)
    }

    @Test func drainWaitsForTheLastBufferToComeBack() throws {
        let queue = RecyclingQueue<Box, Box>(capacity: 2)
        let worked = Shared(0)
        let consumer = try thread {
            while let box = try! queue.take() {
                usleep(20_000)
                worked.with { $0 += 1 }
                queue.recycle(box)
            }
        }
        for _ in 0..<3 { try queue.put(Box()) }
        #expect(try queue.drain())
        #expect(worked.current == 3)
        queue.close()
        pthread_join(consumer, nil)
    }

    @Test func closingWakesABlockedProducer() throws {
        let queue = RecyclingQueue<Int, Box>(capacity: 1)
        try queue.put(1)
        let result = Shared<Bool?>(nil)
        let producer = try thread {
            let put = try! queue.put(2)
            result.with { $0 = put }
        }
        pause()
        #expect(result.current == nil)
        queue.close()
        pthread_join(producer, nil)
        // The item was dropped; the queue hands nothing more out.
        #expect(result.current == false)
        #expect(try queue.take() == nil)
        #expect(try queue.put(3) == false)
    }

    @Test func closingWakesABlockedConsumer() throws {
        let queue = RecyclingQueue<Int, Box>(capacity: 1)
        let taken = Shared<[Int?]>([])
        let consumer = try thread {
            let item = try! queue.take()
            taken.with { $0.append(item) }
        }
        pause()
        #expect(taken.current.isEmpty)
        queue.close()
        pthread_join(consumer, nil)
        #expect(taken.current == [nil])
    }

    @Test func closingWakesAWaitingDrain() throws {
        let queue = RecyclingQueue<Int, Box>(capacity: 1)
        try queue.put(5)
        // Taken, but its buffer never given back: drain waits until the queue closes.
        #expect(try queue.take() == 5)
        let drained = Shared<Bool?>(nil)
        let drainer = try thread {
            let whole = try! queue.drain()
            drained.with { $0 = whole }
        }
        pause()
        #expect(drained.current == nil)
        queue.close()
        pthread_join(drainer, nil)
        #expect(drained.current == false)
    }

    @Test func theProducersErrorComesAfterTheItemsBeforeIt() throws {
        let queue = RecyclingQueue<Int, Box>(capacity: 4)
        try queue.put(1)
        try queue.put(2)
        queue.finish(throwing: Failure(code: 7))
        #expect(try queue.take() == 1)
        #expect(try queue.take() == 2)
        #expect(throws: Failure(code: 7)) { try queue.take() }
        // It keeps saying so.
        #expect(throws: Failure(code: 7)) { try queue.take() }
    }

    @Test func theConsumersErrorReachesTheProducer() throws {
        let queue = RecyclingQueue<Int, Box>(capacity: 1)
        try queue.put(1)
        let thrown = Shared<Failure?>(nil)
        let producer = try thread {
            do {
                try queue.put(2)
            } catch {
                thrown.with { $0 = error as? Failure }
            }
        }
        pause()
        #expect(thrown.current == nil)
        // The consumer fails (before taking the item waiting): the producer wakes with its
        // error, the items waiting are dropped, and the first error stays.
        queue.fail(Failure(code: 1))
        queue.fail(Failure(code: 2))
        pthread_join(producer, nil)
        #expect(thrown.current == Failure(code: 1))
        #expect(queue.error as? Failure == Failure(code: 1))
        #expect(throws: Failure(code: 1)) { try queue.put(3) }
        #expect(throws: Failure(code: 1)) { try queue.drain() }
        #expect(try queue.take() == nil)
    }
}
