@testable import CapacityLedger
@testable import LedgerStorage
import Synchronization
import Testing

/// The behaviour every `EventStore` must have, written once and run on each store of
/// `StoreFactory.all`: the in-memory store and the file store today, and a PostgreSQL store
/// with one more entry there (see `StoreFactory`).
///
/// Covered: a new store holds nothing; appended events read back equal, with seqs 1…n and
/// recorded times that never go backwards and are one per batch; a refused batch, whatever
/// refused it and wherever in the batch, leaves everything a caller can see as it was, and the
/// next append takes the next seq; voids; the hash chain (`verify`, `eventsWithHashes`,
/// `lastAppendHashes`); signed appends (`signer`, `verify().signatures`).
///
/// What only some stores can do runs on the factories that declare it, never skipped
/// unnoticed: a second reader on the same storage (`StoreFactory.supportsSecondReader`) sees
/// every committed batch, whole even while a writer is half-way through a large one; a
/// checkpoint (`StoreFactory.checkpoints`) answers queries exactly as a full replay does.
/// `theDeclaredCapabilitiesAreTrue` holds the declarations to what each store does.
///
/// A store's own workings (a torn tail or a flipped byte on disk, the writers' lock, recovery)
/// are tested beside it (`FileStoreTests`, `RecoveryTests`).
struct EventStoreConformanceTests {
    /// Where each test's stores keep their data: a new empty directory per test case.
    let place = temporaryDirectory("capacity-conformance")

    /// The stores' clock starts here (with microseconds, which recorded times keep).
    static let start = Timestamp.parse("2026-01-01T00:00:00.123456Z")!
    static let alice = SigningKey(newNamed: "alice")
    static let bob = SigningKey(newNamed: "bob")

    /// The opening events of most tests: site s1 (cap 10 MW) and chip model m1.
    static func opening() throws -> [EventDraft] {
        [try d("site.opened site=s1 name=Site-one power_cap_mw=10 effective=2025-01-01"),
         try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01")]
    }

    static func keyAdded(_ key: SigningKey) throws -> EventDraft { try d("key.added key=\(key.name) public_key=\(key.publicKeyHex)") }

    static func investments(_ count: Int, usd: Int = 1) throws -> [EventDraft] {
        try (0..<count).map { try d("investment.committed investor=i\($0 % 7) recipient=r usd=\(usd) effective=2025-02-01") }
    }

    /// Everything a caller can see of a store: what a refused batch must leave as it was.
    struct Seen: Equatable {
        var stored: [UInt8]
        var byteCount: Int
        var count: Int
        var head: ChainHash
        var voidedBy: [Int: Int]
        var events: [Event]
        var hashes: [ChainHash]
        var report: VerifyReport
        var signatures: [BatchSignature]
        var lastAppendHashes: [ChainHash]

        init(_ store: any EventStore, _ factory: StoreFactory) throws {
            stored = try factory.stored(store)
            byteCount = store.byteCount
            count = store.ledger.count
            head = store.ledger.head
            voidedBy = store.ledger.voidedBy
            events = Array(store.ledger.events)
            let hashed = try store.eventsWithHashes()
            #expect(hashed.map(\.0) == events)
            hashes = hashed.map(\.1)
            report = try store.verify()
            signatures = try store.signatureRecords()
            lastAppendHashes = store.lastAppendHashes
        }
    }

    // MARK: appending and reading back

    @Test(arguments: StoreFactory.all)
    func aNewStoreHoldsNothing(_ factory: StoreFactory) throws {
        let store = try factory.open(place, ManualClock(Self.start))
        #expect(store.ledger.count == 0)
        #expect(store.ledger.head == .genesis)
        #expect(try store.refresh() == nil)
        #expect(try store.eventsWithHashes().isEmpty)
        #expect(try store.signatureRecords().isEmpty)
        let report = try store.verify()
        #expect(report.events == 0 && report.head == .genesis && report.signatures == 0 && report.ignoredTailBytes == 0)
        // An empty batch appends nothing.
        #expect(try store.append([]).isEmpty)
        #expect(store.ledger.count == 0)
    }

    /// Every event type, with texts, fractions and a void; the clock has microseconds.
    static func everyType() throws -> [EventDraft] {
        try [
            "site.opened site=s1 name=\"Site one\" region=Indiana power_cap_mw=2200 acres=1200.5 effective=2024-09-01 source=https://example.com/a",
            "chip.model.defined model=m1 vendor=AWS bf16_tflops=667 fp8_tflops=1299.5 hbm_gb=96 watts=500 effective=2024-12-03 note=\"vendor peak, dense\"",
            "chip.model.defined model=m2 vendor=Google bf16_tflops=918 fp8_tflops=918 effective=2024-12-03",
            "chips.delivered site=s1 model=m1 quantity=128 effective=2025-10-01T14:30:00Z",
            "rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45.125 effective=2025-10-02",
            "rack.retired site=s1 rack=r-1 effective=2025-10-03 note=\"é ☃ — unicode survives\"",
            "power.allocated site=s1 mw=73.000001 effective=2025-03-01",
            "power.released site=s1 mw=0.5 effective=2025-04-01",
            "investment.committed investor=amazon recipient=anthropic usd=8000000000 instrument=equity effective=2024-11-22",
            "event.voided target=9 reason=\"keyed twice\"",
        ].map { try d($0) }
    }

    @Test(arguments: StoreFactory.all)
    func appendedEventsReadBackInSeqOrderWithTheirRecordedTimes(_ factory: StoreFactory) throws {
        let clock = ManualClock(Self.start)
        let store = try factory.open(place, clock)
        var batches: [[EventDraft]] = []
        var appended: [[Event]] = []
        func append(_ drafts: [EventDraft]) throws {
            batches.append(drafts)
            appended.append(try store.append(drafts))
        }
        try append(Self.everyType())
        let stored = try factory.stored(store)
        #expect(try store.append([]).isEmpty)
        #expect(try factory.stored(store) == stored, "an empty batch appends nothing")
        clock.advance(seconds: 1)
        try append([try d("chips.delivered site=s1 model=m2 quantity=64 effective=2025-11-01"),
                     try d("investment.committed investor=google recipient=anthropic usd=5")])
        // The clock goes back an hour: the next batch is recorded no earlier than the last.
        clock.set(Timestamp(micros: Self.start.micros - 3_600_000_000))
        try append(try Self.investments(3))
        clock.set(Timestamp(micros: Self.start.micros + 3_600_000_000))
        try append([try Self.keyAdded(Self.alice)])

        let all = appended.flatMap { $0 }
        #expect(all.map(\.seq) == Array(1...all.count))
        #expect(store.ledger.count == all.count)
        #expect(Array(store.ledger.events) == all)
        #expect(try store.eventsWithHashes().map(\.0) == all)
        #expect(try store.verify().events == all.count)
        for (drafts, events) in zip(batches, appended) {
            #expect(events.count == drafts.count)
            for (draft, event) in zip(drafts, events) {
                #expect(event.body == draft.body && event.note == draft.note && event.source == draft.source)
                #expect(event.effective == draft.effective ?? Timestamp(seconds: event.recorded.seconds))
            }
            #expect(Set(events.map(\.recorded)).count == 1, "one batch, one recorded time")
        }
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.recorded <= $1.recorded })
        #expect(appended.map { $0[0].recorded.micros - Self.start.micros } == [0, 1_000_000, 1_000_000, 3_600_000_000])
        #expect(appended[0][0].recorded.micros % 1_000_000 == 123_456, "recorded keeps microseconds")
    }

    // MARK: refused batches

    /// A batch a store must refuse, with everything the store held before it.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        /// Appends what the store holds before the refused batch.
        let setup: @Sendable (any EventStore) throws -> Void
        /// The batch to refuse (setting the store's signer where the case needs one).
        let batch: @Sendable (any EventStore) throws -> [EventDraft]
        /// The start of the message the refusal gives (the whole message unless `prefix`).
        let message: String
        var prefix = false
        /// A batch that is then appended (setting the signer where the case needs one).
        let next: @Sendable (any EventStore) throws -> [EventDraft]

        var testDescription: String { name }

        static let all: [Refusal] = [.badLineInALargeBatch, .badFirstEvent, .badLastEvent, .badFirstBatch, .voidUndoneWithItsBatch,
                                     .voidOfAVoid, .alteredHash, .unsigned, .signedByAKeyNotHeld]

        /// 1,000 events, the 500th one installing more chips than the site holds.
        static let badLineInALargeBatch = Refusal(
            name: "a rule broken half-way through a large batch",
            setup: { try $0.append(try opening()) },
            batch: { _ in try largeBatch(badAt: 500) },
            message: "line 500: rack.installed r-500: site s1 has 32,128 undeployed m1 chips", prefix: true,
            next: { _ in
                var good = try largeBatch(badAt: nil)
                good[499] = try d("rack.installed site=s1 rack=r-500 model=m1 chips=64 kw=1 effective=2025-10-02", line: 500)
                return good
            })

        static func largeBatch(badAt bad: Int?) throws -> [EventDraft] {
            var lines: [String] = [#"{"type":"chips.delivered","site":"s1","model":"m1","quantity":64000,"effective":"2025-10-01"}"#]
            for i in 2...1000 {
                let chips = i == bad ? 640_000 : 64
                lines.append(#"{"type":"rack.installed","site":"s1","rack":"r-\#(i)","model":"m1","chips":\#(chips),"kw":1,"effective":"2025-10-02"}"#)
            }
            return try EventBatch.parse(lines.joined(separator: "\n"))
        }

        static let badFirstEvent = Refusal(
            name: "a rule broken by the first event",
            setup: { try $0.append(try opening()) },
            batch: { _ in [try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02", line: 1)] + (try investments(60)) },
            message: "line 1: rack.installed r-1: site s1 has 0 undeployed m1 chips", prefix: true,
            next: { _ in try investments(2) })

        static let badLastEvent = Refusal(
            name: "a rule broken by the last event",
            setup: { try $0.append(try opening()) },
            batch: { _ in (try investments(200)) + [try d("power.released site=s1 mw=5 effective=2025-04-01", line: 201)] },
            message: "line 201: power.released", prefix: true,
            next: { _ in try investments(2) })

        static let badFirstBatch = Refusal(
            name: "the first batch of a new store",
            setup: { _ in },
            batch: { _ in (try opening()) + [try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02", line: 3)] },
            message: "line 3: rack.installed r-1: site s1 has 0 undeployed m1 chips", prefix: true,
            next: { _ in try opening() })

        static let voidUndoneWithItsBatch = Refusal(
            name: "a void in a refused batch",
            setup: { store in
                try store.append(try opening())
                try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01")])
            },
            batch: { _ in [try d("event.voided target=3 reason=x", line: 1),
                           try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02", line: 2)] },
            message: "line 2: rack.installed r-1: site s1 has 0 undeployed", prefix: true,
            // The delivery the void named is still there to install from.
            next: { _ in [try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02")] })

        static let voidOfAVoid = Refusal(
            name: "a void of a void",
            setup: { store in
                try store.append(try opening())
                try store.append([try d("investment.committed investor=a recipient=b usd=5"), try d("event.voided target=3 reason=x")])
            },
            batch: { _ in (try investments(200)) + [try d("event.voided target=4 reason=x")] },
            message: "event.voided #4: #4 is itself a void; voids cannot be voided (append the event again instead)",
            next: { _ in try investments(2) })

        /// An exported line whose hash does not match the record the store works out for it.
        static let alteredHash = Refusal(
            name: "an exported line whose hash was altered",
            setup: { try $0.append(try opening()) },
            batch: { _ in
                let line = #"{"seq":3,"type":"investment.committed","investor":"a","recipient":"b","usd":1,"effective":"2025-02-01","hash":"\#(String(repeating: "0", count: 64))"}"#
                return try EventBatch.parse(line)
            },
            message: "line 1: hash 0000000000000000000000000000000000000000000000000000000000000000 does not match the computed hash", prefix: true,
            next: { _ in try investments(2) })

        static let unsigned = Refusal(
            name: "an unsigned batch once the ledger holds a key",
            setup: { store in
                try store.append(try opening())
                try store.append([try keyAdded(alice)])
            },
            batch: { _ in [try d("power.allocated site=s1 mw=2 effective=2025-02-01")] },
            message: "this ledger takes signed appends only (keys in force: alice): sign with --sign KEYFILE or $CAPACITY_SIGNING_KEY; nothing was appended",
            next: { store in
                store.signer = alice
                return [try d("power.allocated site=s1 mw=2 effective=2025-02-01")]
            })

        static let signedByAKeyNotHeld = Refusal(
            name: "a batch signed by a key the ledger does not hold",
            setup: { store in
                try store.append(try opening())
                try store.append([try keyAdded(alice)])
            },
            batch: { store in
                store.signer = bob
                return try investments(20)
            },
            message: "signing key bob is not recorded in this ledger (keys: alice); nothing was appended",
            next: { store in
                store.signer = alice
                return try investments(2)
            })
    }

    /// Whatever refuses a batch and wherever in it: the store, what it keeps and a second reader
    /// are as before, and the next batch takes the next seq.
    @Test(arguments: StoreFactory.all, Refusal.all)
    func aRefusedBatchLeavesNothing(_ factory: StoreFactory, _ refusal: Refusal) throws {
        let clock = ManualClock(Self.start)
        let store = try factory.open(place, clock)
        try refusal.setup(store)
        clock.advance(seconds: 60)
        let before = try Seen(store, factory)
        let reader = factory.supportsSecondReader ? try factory.open(place, clock) : nil
        let drafts = try refusal.batch(store)
        let message = errorMessage { try store.append(drafts) }
        if refusal.prefix {
            #expect(message?.hasPrefix(refusal.message) == true, "\(message ?? "no error")")
        } else {
            #expect(message == refusal.message)
        }
        #expect(try Seen(store, factory) == before)
        if let reader {
            #expect(try reader.refresh() == nil)
            #expect(reader.ledger.count == before.count && reader.ledger.head == before.head)
            #expect(try factory.open(place, clock).ledger.count == before.count)
        }
        let next = try refusal.next(store)
        let events = try store.append(next)
        #expect(events.map(\.seq) == Array((before.count + 1)...(before.count + next.count)))
        #expect(store.ledger.count == before.count + next.count)
        #expect(try store.verify().events == before.count + next.count)
    }

    // MARK: voids

    @Test(arguments: StoreFactory.all)
    func aVoidNamesItsTargetAndCannotItselfBeVoided(_ factory: StoreFactory) throws {
        let store = try factory.open(place, ManualClock(Self.start))
        try store.append(try Self.opening())
        #expect(errorMessage { try store.append([try d("event.voided target=9 reason=x")]) }
            == "event.voided #9: there is no event #9 (the ledger has 2 events before this one)")
        let voided = try store.append([try d("investment.committed investor=a recipient=b usd=5"), try d("event.voided target=3 reason=x")])
        #expect(store.ledger.voidedBy == [3: voided[1].seq])
        #expect(errorMessage { try store.append([try d("event.voided target=3 reason=x")]) } == "event.voided #3: #3 is already voided by #4")
        #expect(errorMessage { try store.append([try d("event.voided target=4 reason=x")]) }
            == "event.voided #4: #4 is itself a void; voids cannot be voided (append the event again instead)")
        // History is not edited: the voided event is still read back.
        #expect(try store.eventsWithHashes().map(\.0) == Array(store.ledger.events))
        #expect(store.ledger.events[2].body == voided[0].body)
        // A correction: the corrected event and the void of the wrong one, in one batch.
        try store.append([try d("investment.committed investor=a recipient=b usd=7")])
        let fix = try store.append([try d("investment.committed investor=a recipient=b usd=70"), try d("event.voided target=5 reason=typo")])
        #expect(fix.map(\.seq) == [6, 7])
        #expect(store.ledger.voidedBy == [3: 4, 5: 7])
        #expect(try QueryEngine(store: store).state(PointInTime()).committedUSD == 70)
        if factory.supportsSecondReader {
            #expect(try factory.open(place, ManualClock(Self.start)).ledger.voidedBy == [3: 4, 5: 7])
        }
    }

    // MARK: the hash chain

    @Test(arguments: StoreFactory.all)
    func theHashChainRunsThroughEveryEvent(_ factory: StoreFactory) throws {
        let clock = ManualClock(Self.start)
        let store = try factory.open(place, clock)
        #expect(store.ledger.head == .genesis)
        var heads: [Int: ChainHash] = [0: .genesis]
        var hashes: [ChainHash] = []
        // The third batch runs past a chain mark (every 1,024 records).
        for batch in [try Self.opening(), try Self.investments(1), try Self.investments(1500, usd: 3), [try d("event.voided target=3 reason=x")]] {
            let events = try store.append(batch)
            #expect(store.lastAppendHashes.count == events.count)
            #expect(store.lastAppendHashes.last == store.ledger.head)
            #expect(try store.verify().head == store.ledger.head)
            heads[store.ledger.count] = store.ledger.head
            hashes += store.lastAppendHashes
            clock.advance(seconds: 60)
        }
        let count = store.ledger.count
        let hashed = try store.eventsWithHashes()
        #expect(hashed.map(\.1) == hashes)
        #expect(Set(hashes).count == count, "every event has its own hash")
        #expect(hashed.last?.1 == store.ledger.head)
        // `verify` works out the same hash after every seq, and none past the last.
        #expect(try store.verify(hashesAt: Set(heads.keys).union([count + 1])).hashesAt == heads)
        let everySeq = try store.verify(hashesAt: Set(1...count)).hashesAt
        #expect((1...count).map { everySeq[$0] } == hashes)

        // The export, with its hashes, restores into a new store of the same kind, which works
        // every hash out again and holds it to the line's.
        let lines = hashed.map { EventJSON.line($0.0, hash: $0.1.hex) }
        let copy = try factory.open(temporaryDirectory("capacity-conformance-copy"), ManualClock(Timestamp.parse("2027-01-01")!))
        try copy.append(try EventBatch.parse(lines.joined(separator: "\n")))
        #expect(copy.ledger.head == store.ledger.head)
        #expect(try copy.verify().head == store.ledger.head)
        #expect(Array(copy.ledger.events) == Array(store.ledger.events))
    }

    // MARK: signed appends

    @Test(arguments: StoreFactory.all)
    func onceTheLedgerHoldsAKeyEveryAppendIsSigned(_ factory: StoreFactory) throws {
        let store = try factory.open(place, ManualClock(Self.start))
        #expect(store.signer == nil)
        try store.append(try Self.opening())
        // The batch that adds the first key is not signed: there was no key to sign it with.
        try store.append([try Self.keyAdded(Self.alice)])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=2 effective=2025-02-01")]) }
            == "this ledger takes signed appends only (keys in force: alice): sign with --sign KEYFILE or $CAPACITY_SIGNING_KEY; nothing was appended")
        store.signer = Self.alice
        #expect(store.signer?.publicKey == Self.alice.publicKey)
        try store.append([try d("power.allocated site=s1 mw=2 effective=2025-02-01")])
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-02-01"), try d("investment.committed investor=a recipient=b usd=1")])
        let report = try store.verify()
        #expect(report.events == 6)
        #expect(report.signatures == 2)
        #expect(report.keys.all.map(\.name) == ["alice"])
        #expect(try store.signatureRecords().map { "\($0.key) \($0.first)…\($0.last)" } == ["alice 4…4", "alice 5…6"])
        if factory.supportsSecondReader {
            let read = try factory.open(place, ManualClock(Self.start)).verify()
            #expect(read.events == 6 && read.signatures == 2)
            #expect(read.keys.all.map(\.name) == ["alice"])
        }
    }

    @Test(arguments: StoreFactory.all)
    func theBatchThatAddsTheFirstKeyIsUnsignedButTheNextIsNot(_ factory: StoreFactory) throws {
        let store = try factory.open(place, ManualClock(Self.start))
        try store.append([try d("site.opened site=s1 name=S1 power_cap_mw=10 effective=2025-01-01"), try Self.keyAdded(Self.alice),
                          try d("power.allocated site=s1 mw=1 effective=2025-02-01")])
        #expect(errorMessage { try store.append([try d("power.allocated site=s1 mw=1 effective=2025-02-01")]) }?.hasPrefix("this ledger takes signed appends only") == true)
        store.signer = Self.alice
        try store.append([try d("power.allocated site=s1 mw=1 effective=2025-02-01")])
        #expect(try store.verify().signatures == 1)
    }

    /// A ledger that holds no key has nothing to check a signature against: a signer signs nothing.
    @Test(arguments: StoreFactory.all)
    func aLedgerWithoutKeysSignsNothing(_ factory: StoreFactory) throws {
        let store = try factory.open(place, ManualClock(Self.start))
        store.signer = Self.bob
        try store.append(try Self.opening())
        #expect(try store.verify().signatures == 0)
        #expect(try store.signatureRecords().isEmpty)
    }

    // MARK: what only some stores do

    /// Each factory's flags say what its store does: a second store on the same place sees the
    /// first one's events exactly when the factory says it supports a second reader, and a
    /// factory with checkpoints writes one that answers.
    @Test(arguments: StoreFactory.all)
    func theDeclaredCapabilitiesAreTrue(_ factory: StoreFactory) throws {
        let clock = ManualClock(Self.start)
        let first = try factory.open(place, clock)
        try first.append(try Self.opening())
        let second = try factory.open(place, clock)
        _ = try second.refresh()
        #expect((second.ledger.count == 2) == factory.supportsSecondReader)
        if let checkpoints = factory.checkpoints {
            try checkpoints.write(first, 97)
            #expect(try checkpoints.figures(first, PointInTime(), clock.now()).sites.keys.sorted() == ["s1"])
        }
    }

    @Test(arguments: StoreFactory.all.filter(\.supportsSecondReader))
    func aSecondReaderSeesEveryCommittedBatch(_ factory: StoreFactory) throws {
        let clock = ManualClock(Self.start)
        let writer = try factory.open(place, clock)
        try writer.append(try Self.opening())
        let reader = try factory.open(place, clock)
        #expect(Array(reader.ledger.events) == Array(writer.ledger.events))
        #expect(reader.ledger.head == writer.ledger.head)
        #expect(try reader.refresh() == nil)
        try writer.append(try Self.investments(3))
        #expect(try reader.refresh() == 3...5)
        try writer.append(try Self.investments(1))
        try writer.append(try Self.investments(2))
        #expect(try reader.refresh() == 6...8)
        #expect(Array(reader.ledger.events) == Array(writer.ledger.events))
        #expect(reader.ledger.head == writer.ledger.head)
        // Either one may write: each takes in the other's batches first.
        clock.advance(seconds: 1)
        #expect(try reader.append(try Self.investments(1)).map(\.seq) == [9])
        #expect(try writer.refresh() == 9...9)
        #expect(writer.ledger.head == reader.ledger.head)
        #expect(try writer.append(try Self.investments(1)).map(\.seq) == [10])
        #expect(try reader.refresh() == 10...10)
        #expect(Array(reader.ledger.events) == Array(writer.ledger.events))
    }

    /// A reader refreshing while a writer appends large batches on another thread only ever
    /// holds whole batches: its count is always at the end of one, with the head the writer's
    /// chain had there.
    @Test(arguments: StoreFactory.all.filter(\.supportsSecondReader))
    func aReaderSeesOnlyWholeBatchesWhileAWriterAppends(_ factory: StoreFactory) throws {
        let clock = ManualClock(Self.start)
        let writer = try factory.open(place, clock)
        try writer.append(try Self.opening())
        let reader = try factory.open(place, clock)
        let batchSize = 3_000, batches = 6
        let drafts = try Self.investments(batchSize)
        let done = Atomic<Bool>(false)
        let (_, seen) = try inParallel({
            defer { done.store(true, ordering: .releasing) }
            for _ in 0..<batches { try writer.append(drafts) }
        }, { () throws -> [(count: Int, head: ChainHash)] in
            var seen: [(count: Int, head: ChainHash)] = []
            while true {
                let finished = done.load(ordering: .acquiring)
                if try reader.refresh() != nil { seen.append((reader.ledger.count, reader.ledger.head)) }
                if finished { return seen }
            }
        })
        let hashes = try writer.eventsWithHashes().map(\.1)
        #expect(seen.last?.count == 2 + batches * batchSize)
        for (count, head) in seen {
            #expect((count - 2) % batchSize == 0, "the reader held \(count) events, inside a batch")
            #expect(head == hashes[count - 1], "the reader's head after \(count) events")
        }
        #expect(Array(reader.ledger.events) == Array(writer.ledger.events))
    }

    /// Query answers from the checkpoint and the events after it equal a full replay's, at
    /// points along the whole history; the tail after the checkpoint has backdated events, a
    /// plan and a void.
    @Test(arguments: StoreFactory.all.filter { $0.checkpoints != nil })
    func checkpointAnswersEqualAFullReplay(_ factory: StoreFactory) throws {
        let checkpoints = try #require(factory.checkpoints)
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = try factory.open(place, clock)
        var generator = HistoryGenerator(count: 1500, seed: 20)
        generator.rackKW = 45
        var lines: [String] = []
        generator.generate { lines.append($0) }
        try store.append(try EventBatch.parse(lines.joined(separator: "\n")))
        // Power for every rack from early on: first fit strands none, so the checkpoint answers
        // every point (a site short of power sends the question to the log).
        try store.append(try ["site-a", "site-b", "site-c", "site-d"].map { try d("power.allocated site=\($0) mw=100000 effective=2023-01-20") })
        try checkpoints.write(store, 97)
        clock.advance(seconds: 86_400)
        try store.append([
            try d("chips.delivered site=site-a model=b200 quantity=640 effective=2023-03-01"),
            try d("rack.installed site=site-a rack=tail-1 model=b200 chips=64 kw=45 effective=2023-06-01"),
            try d("investment.committed investor=tail recipient=anthropic usd=7 effective=2024-01-01"),
            try d("power.allocated site=site-b mw=5 effective=2025-06-01"),
            try d("chip.model.defined model=b200 vendor=NVIDIA bf16_tflops=2600 fp8_tflops=5200 effective=2025-01-01"),
        ])
        try store.append([try d("event.voided target=\(store.ledger.count - 2) reason=typo")])

        let replay = QueryEngine(store: store, clock: clock)
        replay.useIndex = false
        let fromCheckpoint = QueryEngine(store: store, clock: clock)
        // How many questions went to the checkpoint (all of them must, for the test to mean anything).
        final class Count { var asked = 0 }
        let count = Count()
        fromCheckpoint.figuresSource = { point in
            count.asked += 1
            return try checkpoints.figures(store, point, clock.now())
        }
        /// The answer as the user sees it: the JSON output, or the error's message.
        func answer(_ engine: QueryEngine, _ query: String) -> String {
            do { return Renderer.render(try engine.run(query), as: .json) } catch let e as LedgerError { return "error: \(e.message)" } catch { return "error: \(error)" }
        }
        let queries = ["fleet", "power", "capacity precision=fp8", "capacity by=model", "investments", "sites", "models", "train params=70B tokens=2T"]
        for day in stride(from: -30, to: 1200, by: 53) {
            let at = " at=" + Timestamp.parse("2023-01-01")!.adding(days: Int64(day)).shortString
            for query in queries {
                #expect(answer(fromCheckpoint, query + at) == answer(replay, query + at), "\(query + at)")
            }
        }
        for query in queries {
            #expect(answer(fromCheckpoint, query) == answer(replay, query), "\(query)")
        }
        #expect(count.asked > 100)
    }
}
