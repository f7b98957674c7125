@testable import CapacityLedger
@testable import LedgerStorage
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct InParallelTests {
    struct Failure: Error, Equatable { let which: String }

    /// The first closure waits for the second to have run: only two threads at once get past it.
    @Test func bothClosuresRunAtTheSameTimeAndBothResultsComeBack() throws {
        let secondRan = Atomic<Bool>(false)
        let (a, b) = try inParallel({ () -> Bool in
            for _ in 0..<10_000 where !secondRan.load(ordering: .acquiring) { usleep(1000) }
            return secondRan.load(ordering: .acquiring)
        }, { () -> String in
            secondRan.store(true, ordering: .releasing)
            return "second"
        })
        #expect(a)
        #expect(b == "second")
    }

    @Test func theFirstClosuresErrorWinsAndTheSecondsComesThroughAlone() {
        #expect(throws: Failure(which: "first")) {
            _ = try inParallel({ () throws -> Int in throw Failure(which: "first") }, { () throws -> Int in throw Failure(which: "second") })
        }
        #expect(throws: Failure(which: "second")) {
            _ = try inParallel({ 1 }, { () throws -> Int in throw Failure(which: "second") })
        }
    }

    @Test func notInParallelRunsBothInTurnOnThisThread() throws {
        let me = pthread_self()
        let (a, b) = try inParallel(if: false, { pthread_equal(pthread_self(), me) != 0 }, { pthread_equal(pthread_self(), me) != 0 })
        #expect(a && b)
        let (c, d) = try inParallel(if: true, { pthread_equal(pthread_self(), me) != 0 }, { pthread_equal(pthread_self(), me) != 0 })
        #expect(c && !d)
    }

    @Test func aRaisedStopFlagStaysRaised() {
        let stop = StopFlag()
        #expect(!stop.isRaised && !stop.raise(when: false))
        #expect(stop.raise(when: true) && stop.isRaised)
        #expect(stop.raise(when: false))
    }
}
