@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Amounts whose magnitudes would add up past `Int64.max` are refused, so that no total a query
/// computes can overflow; by a writer from the checkpoint as by one reading the whole log.
struct AmountTotalsTests {
    let dir = temporaryDirectory("capacity-totals")
    static let max = Int64.max

    static func opened() throws -> InMemoryEventStore {
        let store = InMemoryEventStore(clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([try d("site.opened site=s name=S effective=2025-01-01"),
                          try d("chip.model.defined model=m vendor=V bf16_tflops=1 fp8_tflops=2 effective=2025-01-01")])
        return store
    }

    @Test func dollarsUpToTheLimitAreKeptAndOneMoreIsRefused() throws {
        let store = try Self.opened()
        try store.append([try d("investment.committed investor=a recipient=b usd=\(Self.max - 1) effective=2025-02-01")])
        try store.append([try d("investment.committed investor=a recipient=c usd=1 effective=2025-02-01")])
        let message = errorMessage { try store.append([try d("investment.committed investor=x recipient=y usd=1 effective=2025-02-02")]) }
        #expect(message == "investment.committed: with this event the ledger's dollars would add up to more than 9,223,372,036,854,775,807 (counting every investment), and totals past that cannot be computed exactly")
        #expect(store.ledger.count == 4)
        // Every total the queries compute fits: the fleet-wide one is exactly the limit.
        let out = Renderer.render(try QueryEngine(store: store).run("investments"), as: .csv, csvTotals: true)
        #expect(out.contains("9223372036854775807"), "\(out)")
    }

    /// A rack's chips count twice (its install and its retirement), so chips that fit once
    /// can still be refused.
    @Test func aRacksChipsCountTwice() throws {
        let store = try Self.opened()
        let quarter = Int64(1) << 61
        try store.append([try d("chips.delivered site=s model=m quantity=\(2 * quarter) effective=2025-02-01")])
        let message = errorMessage {
            try store.append([try d("rack.installed site=s rack=r1 model=m chips=\(quarter + 1) kw=40 effective=2025-02-02")])
        }
        #expect(message?.hasPrefix("rack.installed: with this event the ledger's chips would add up to more than") == true, "\(message ?? "")")
        try store.append([try d("rack.installed site=s rack=r1 model=m chips=\(quarter - 1) kw=40 effective=2025-02-02")])
        try store.append([try d("rack.retired site=s rack=r1 effective=2025-02-03")])
        #expect(Renderer.render(try QueryEngine(store: store).run("fleet"), as: .csv).contains(",\(quarter - 1),"))
    }

    /// The totals are checked before the rules, whose own sums (power against a site's cap)
    /// then cannot overflow either.
    @Test func powerPastTheTotalsIsRefusedBeforeTheCapIsChecked() throws {
        let store = try Self.opened()
        try store.append([try d("site.opened site=big name=Big power_cap_mw=9000000000000 effective=2025-01-01")])
        try store.append([try d("power.allocated site=big mw=9000000000000 effective=2025-02-01")])
        let message = errorMessage { try store.append([try d("power.allocated site=big mw=9000000000000 effective=2025-02-02")]) }
        #expect(message?.hasPrefix("power.allocated: with this event the ledger's watts would add up to more than") == true, "\(message ?? "")")
        let over = errorMessage { try store.append([try d("power.allocated site=big mw=1 effective=2025-02-02")]) }
        #expect(over?.contains("over its cap") == true, "\(over ?? "")")
    }

    /// `verify` checks the limit on replay too, as it does every other rule: here two
    /// investments that no writer would accept one after the other, encoded into a log directly.
    @Test func verifyReportsTotalsPastTheLimit() throws {
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        var bytes = LogHeader.make(created: clock.now())
        var codec = CodecState()
        var head = ChainHash.genesis
        for (seq, usd) in [Self.max, 1].enumerated() {
            let e = Event(seq: seq + 1, recorded: clock.now(), effective: Timestamp.parse("2025-02-01")!, note: nil, source: nil,
                          body: .investmentCommitted(investor: "a", recipient: "b", usd: usd, instrument: nil))
            var w = ByteWriter()
            RecordCodec.encode(e, state: &codec, into: &w)
            let frame = Frame.append(payload: w.bytes, to: &bytes)
            head = bytes[frame].withUnsafeBytes { head.chained(with: $0) }
            _ = Frame.append(payload: Frame.anchorPayload(kind: Frame.commitKind, seq: seq + 1, head: head), to: &bytes)
        }
        let path = dir + "/edited.ledger"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
        let message = errorMessage { try FileEventStore(path: path, create: false).verify() }
        #expect(message == "seq 2 breaks a rule: investment.committed: with this event the ledger's dollars would add up to more than 9,223,372,036,854,775,807 (counting every investment), and totals past that cannot be computed exactly")
    }

    /// A refused batch takes its amounts back out: what it added before the line that failed
    /// does not count against the next batch.
    @Test func aRefusedBatchLeavesTheTotalsAsTheyWere() throws {
        let store = try Self.opened()
        try store.append([try d("chips.delivered site=s model=m quantity=\(Self.max - 10) effective=2025-02-01")])
        let message = errorMessage {
            try store.append([try d("chips.delivered site=s model=m quantity=5 effective=2025-02-02"),
                              try d("chips.delivered site=s model=m quantity=10 effective=2025-02-02")])
        }
        #expect(message?.contains("chips would add up to more than") == true, "\(message ?? "")")
        #expect(store.ledger.count == 3)
        try store.append([try d("chips.delivered site=s model=m quantity=10 effective=2025-02-02")])
        #expect(store.ledger.count == 4)
    }

    /// The checkpoint carries the totals to a writer that starts from it: it refuses what a
    /// writer reading the whole log refuses, with the same message.
    @Test func aWriterFromTheCheckpointKnowsTheTotals() throws {
        let path = dir + "/t.ledger"
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = try FileEventStore(path: path, create: true, clock: clock)
        var lines: [String] = []
        HistoryGenerator(count: 500, seed: 3).generate { lines.append($0) }
        try store.append(try EventBatch.parse(lines.joined(separator: "\n")))
        let usd = store.ledger.events.reduce(Int64(0)) { sum, e in
            if case .investmentCommitted(_, _, let u, _) = e.body { return sum + u }
            return sum
        }
        try store.append([try d("investment.committed investor=a recipient=b usd=\(Self.max - usd - 3) effective=2025-02-01")])
        try store.writeCheckpoint()
        let last = "investment.committed investor=a recipient=b usd=4 effective=2025-02-02"
        let fromCheckpoint = try FileEventStore(path: path, create: false, clock: clock, forAppending: true)
        let refused = errorMessage { try fromCheckpoint.append([try d(last)]) }
        #expect(fromCheckpoint.checkpointUse == .used)
        let whole = try FileEventStore(path: path, create: false, clock: clock)
        #expect(errorMessage { try whole.append([try d(last)]) } == refused)
        #expect(refused?.contains("dollars would add up to more than") == true, "\(refused ?? "")")
        // Three dollars more still fit, from the checkpoint too.
        let again = try FileEventStore(path: path, create: false, clock: clock, forAppending: true)
        try again.append([try d("investment.committed investor=a recipient=b usd=3 effective=2025-02-02")])
        #expect(again.checkpointUse == .used)
    }
}
