import ArgumentParser
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

/// In-process timings for `make bench` (not for everyday use; hidden from help).
struct BenchQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-query",
        abstract: "Time a full replay and point-in-time queries in-process; prints one JSON object.",
        shouldDisplay: false
    )
    @OptionGroup var options: LedgerOptions
    @Option(help: "How many points in time, spread over the history.") var points = 20
    @Option(help: "Repetitions of each query at each point.") var repeats = 5

    static func seconds() -> Double { Monotonic.seconds() }

    func run() throws {
        try CapacityLedger_run {
            var t0 = Self.seconds()
            let store = try options.open(create: false)
            let load = Self.seconds() - t0
            let engine = QueryEngine(store: store)
            engine.runner = Threads()
            let n = store.ledger.count
            // Full replay: putting every event in effective order and folding it; the median of
            // three, each in a fresh engine (nothing cached from the run before).
            var folds: [Double] = []
            var full = FleetState()
            for _ in 0..<3 {
                let fresh = QueryEngine(store: store)
                fresh.runner = Threads()
                fresh.useIndex = false
                t0 = Self.seconds()
                full = try fresh.state(PointInTime(at: .time(Timestamp(micros: .max / 2))))
                folds.append(Self.seconds() - t0)
            }
            let replay = folds.sorted()[1]
            t0 = Self.seconds()
            _ = try engine.figures(PointInTime())
            let indexBuild = Self.seconds() - t0
            let order = engine.effectiveOrder()
            let first = store.ledger.events[Int(order.first!) - 1].effective.micros
            let last = store.ledger.events[Int(order.last!) - 1].effective.micros
            var fleet: [Double] = [], capacity: [Double] = []
            for i in 0..<points {
                let t = Timestamp(seconds: (first + (last - first) / Int64(points) * Int64(i + 1)) / 1_000_000)
                for _ in 0..<repeats {
                    var s = Self.seconds()
                    _ = try engine.run("fleet at=\(t.iso8601)")
                    fleet.append(Self.seconds() - s)
                    s = Self.seconds()
                    _ = try engine.run("capacity by=site at=\(t.iso8601)")
                    capacity.append(Self.seconds() - s)
                }
            }
            func pct(_ xs: [Double], _ p: Double) -> Double {
                let s = xs.sorted()
                return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))] * 1000
            }
            print(#"{"events":\#(n),"load_s":\#(load),"replay_s":\#(replay),"replay_events_per_s":\#(Double(n) / replay),"index_build_s":\#(indexBuild),"fleet_p50_ms":\#(pct(fleet, 0.5)),"fleet_p99_ms":\#(pct(fleet, 0.99)),"capacity_p50_ms":\#(pct(capacity, 0.5)),"capacity_p99_ms":\#(pct(capacity, 0.99)),"energized":\#(full.energizedChips)}"#)
        }
    }
}

/// In-process durable appends for `make bench`: the appends `capacity append` makes, one event
/// and one `fsync` each, without starting a process for each (hidden from help).
struct BenchAppend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-append",
        abstract: "Time durable one-event appends in-process; prints one JSON object.",
        shouldDisplay: false
    )
    @OptionGroup var options: LedgerOptions
    @Option(help: "How many appends are timed (after one that opens the writer's state).") var count = 50

    func run() throws {
        try CapacityLedger_run {
            let store = try options.open(create: false, forAppending: true)
            let words = QueryWords.split("investment.committed investor=bench recipient=anthropic usd=1")
            var fields = try RawFields.fromWords(words.dropFirst())
            fields.pairs.insert(("type", .word(words[0])), at: 0)
            let draft = try EventDraftDecoder.decode(fields, line: nil)
            // The first append reads the checkpoint and the log's tail, as a new process does.
            var t0 = Monotonic.seconds()
            try store.append([draft])
            let first = (Monotonic.seconds() - t0) * 1000
            var ms: [Double] = []
            for _ in 0..<count {
                t0 = Monotonic.seconds()
                try store.append([draft])
                ms.append((Monotonic.seconds() - t0) * 1000)
            }
            print(#"{"first_ms":\#(first),"ms":[\#(ms.map { "\($0)" }.joined(separator: ","))]}"#)
        }
    }
}
