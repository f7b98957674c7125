/// Writes a valid synthetic history for benchmarks and property tests.
///
/// A few sites and chip models, then events in effective order over three years: about 83% rack
/// installs, 11% deliveries (5% of them backdated by up to 20 days), 3% rack retirements,
/// 1% investments, 1% power changes and 0.5% voids. Deterministic for a given seed. Every event
/// it writes obeys the append-time rules, so the whole output imports as one batch.
public struct HistoryGenerator {
    public let count: Int
    public let seed: UInt64
    public var start = Timestamp.parse("2023-01-01")!
    public var span: Int64 = 3 * 365 * 86_400  // seconds
    /// Power of each rack; raise it to make power scarce and strand racks.
    public var rackKW = 45

    public init(count: Int, seed: UInt64 = 1) {
        self.count = count
        self.seed = seed
    }

    static let sites = ["site-a", "site-b", "site-c", "site-d"]
    static let models: [(String, String, Double, Double)] = [
        ("trainium2", "AWS", 667, 1299), ("tpu-v7", "Google", 2307, 4614), ("b200", "NVIDIA", 2500, 5000),
    ]
    static let investors = ["amazon", "google", "microsoft", "nvidia"]
    /// Each site's power cap (1,000,000 MW) in kW.
    static let capKW: Int64 = 1_000_000_000

    /// Calls `emit` with each JSON line, in order.
    public func generate(_ emit: (String) -> Void) {
        var rng = SplitMix64(seed: seed)
        let t0 = start.seconds
        var written = 0
        func line(_ type: String, _ at: Int64, _ fields: String) {
            emit(#"{"type":"\#(type)","effective":"\#(Timestamp(seconds: at).shortString)",\#(fields)}"#)
            written += 1
        }
        for (i, s) in Self.sites.enumerated() {
            line("site.opened", t0, #""site":"\#(s)","name":"Site \#(i + 1)","power_cap_mw":1000000"#)
        }
        for m in Self.models {
            line("chip.model.defined", t0, #""model":"\#(m.0)","vendor":"\#(m.1)","bf16_tflops":\#(Int(m.2)),"fp8_tflops":\#(Int(m.3))"#)
        }
        let sitesCount = Self.sites.count, modelsCount = Self.models.count
        var undeployed = [Int64](repeating: 0, count: sitesCount * modelsCount)
        var allocatedKW = [Int64](repeating: 0, count: sitesCount)
        var active: [(site: Int, rack: Int)] = []
        var nextRack = 1
        var recentInvestments: [Int] = []  // line numbers (seqs) of investments not voided
        var recentRetirements: [Int] = []
        let body = max(1, count - written)
        var step = 0
        while written < count {
            let now = t0 + 86_400 + Int64(step) * (span - 86_400) / Int64(body)
            step += 1
            let roll = rng.next() % 1000
            let site = Int(rng.next() % UInt64(sitesCount))
            let model = Int(rng.next() % UInt64(modelsCount))
            let slot = site * modelsCount + model
            if roll < 830 && undeployed[slot] >= 64 {
                undeployed[slot] -= 64
                active.append((site, nextRack))
                line("rack.installed", now, #""site":"\#(Self.sites[site])","rack":"r-\#(nextRack)","model":"\#(Self.models[model].0)","chips":64,"kw":\#(rackKW)"#)
                nextRack += 1
            } else if roll < 830 || roll < 940 {
                let quantity = Int64(64 * (8 + rng.next() % 32))
                var at = now
                if rng.next() % 100 < 5 { at = max(t0 + 86_400, now - Int64(rng.next() % (20 * 86_400))) }
                undeployed[slot] += quantity
                line("chips.delivered", at, #""site":"\#(Self.sites[site])","model":"\#(Self.models[model].0)","quantity":\#(quantity)"#)
            } else if roll < 970 {
                guard !active.isEmpty else { continue }
                let k = Int(rng.next() % UInt64(active.count))
                let r = active[k]
                active.swapAt(k, active.count - 1)
                active.removeLast()
                line("rack.retired", now, #""site":"\#(Self.sites[r.site])","rack":"r-\#(r.rack)""#)
                recentRetirements.append(written)
            } else if roll < 980 {
                let usd = 1_000_000 * (1 + rng.next() % 5000)
                line("investment.committed", now, #""investor":"\#(Self.investors[Int(rng.next() % 4)])","recipient":"anthropic","usd":\#(usd)"#)
                recentInvestments.append(written)
            } else if roll < 990 {
                // Release a little now and then, and whenever another allocation could pass the cap.
                if allocatedKW[site] >= 10_000, rng.next() % 4 == 0 || allocatedKW[site] > Self.capKW - 250_000 {
                    let mw = allocatedKW[site] > Self.capKW - 250_000 ? Int64(250 + rng.next() % 250) : Int64(1 + rng.next() % 10)
                    allocatedKW[site] -= mw * 1000
                    line("power.released", now, #""site":"\#(Self.sites[site])","mw":\#(mw)"#)
                } else {
                    let mw = Int64(50 + rng.next() % 200)
                    allocatedKW[site] += mw * 1000
                    line("power.allocated", now, #""site":"\#(Self.sites[site])","mw":\#(mw)"#)
                }
            } else if roll < 995 {
                // Void a recent investment or retirement: neither can break a later rule.
                var pool = rng.next() % 2 == 0 ? recentInvestments : recentRetirements
                if pool.isEmpty { pool = recentInvestments.isEmpty ? recentRetirements : recentInvestments }
                guard let target = pool.last else { continue }
                if recentInvestments.last == target { recentInvestments.removeLast() } else { recentRetirements.removeLast() }
                line("event.voided", now, #""target":\#(target),"reason":"entered in error""#)
            } else {
                continue
            }
        }
    }
}

/// A small, fast, seedable pseudo-random generator (SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
