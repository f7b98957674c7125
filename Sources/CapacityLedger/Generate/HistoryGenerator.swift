/// Writes a valid synthetic history for benchmarks and property tests.
///
/// A few sites and chip models, then events in effective order over three years: about 83% rack
/// installs, 11% deliveries (5% of them backdated by up to 20 days), 3% rack retirements,
/// 1% investments, 1% power changes and 0.5% voids. Deterministic for a given seed. Every event
/// it writes obeys the append-time rules, so the whole output imports as one batch.
///
/// The `profile` decides how power behaves (`Profile`); `siteCount` spreads the same events over
/// that many sites instead of four.
public struct HistoryGenerator {
    public let count: Int
    public let seed: UInt64
    public var start = Timestamp.parse("2023-01-01")!
    public var span: Int64 = 3 * 365 * 86_400  // seconds
    /// Power of each rack (`ample` sites); raise it to make power scarce and strand racks.
    public var rackKW = 45
    public var profile = Profile.ample
    /// How many sites (nil: the four of `sites`); more sites, fewer events each.
    public var siteCount: Int?

    /// How power behaves in a generated history.
    public enum Profile: String, CaseIterable, Sendable {
        /// Every site has a 1,000,000 MW cap and allocations far ahead of demand: no rack ever
        /// strands, and first fit never has to choose.
        case ample
        /// Real fleets are short of power: each site's cap is 75–90% of the power its racks will
        /// need at the end, allocations follow demand up to the cap (with releases), so the cap
        /// binds in the last part of the history and racks strand from then on; racks come in
        /// three sizes per site (30, 45 and 60 kW); a site whose cap binds gets it raised once,
        /// by a fiftieth (`site.updated`), and stays short; the history runs three
        /// years from 2024-07-01, so its last part is future-dated: plans.
        case constrained
        /// Half the sites as in `ample`, half as in `constrained`.
        case mixed
    }

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
        let start = profile == .ample ? self.start : Timestamp.parse("2024-07-01")!
        let t0 = start.seconds
        var written = 0
        func line(_ type: String, _ at: Int64, _ fields: String) {
            emit(#"{"type":"\#(type)","effective":"\#(Timestamp(seconds: at).shortString)",\#(fields)}"#)
            written += 1
        }
        let sites = siteCount.map { n in (1...max(1, n)).map { "site-" + String(repeating: "0", count: max(0, 4 - String($0).count)) + String($0) } } ?? Self.sites
        // Which sites are short of power, and their caps in kW: a share of what the racks there
        // will draw at the end (about 80% of the events are installs that stay active, 45 kW on
        // average).
        let constrained = sites.indices.map { profile == .constrained || (profile == .mixed && $0 % 2 == 1) }
        let expectedKW = Double(count) * 0.80 / Double(sites.count) * 45
        var capKW = [Int64](repeating: Self.capKW, count: sites.count)
        for i in sites.indices where constrained[i] {
            let share = 0.75 + Double(rng.next() % 16) / 100
            capKW[i] = max(1_000, Int64(expectedKW * share) / 1_000 * 1_000)
        }
        for (i, s) in sites.enumerated() {
            line("site.opened", t0, #""site":"\#(s)","name":"Site \#(i + 1)","power_cap_mw":\#(capKW[i] / 1_000)"#)
        }
        for m in Self.models {
            line("chip.model.defined", t0, #""model":"\#(m.0)","vendor":"\#(m.1)","bf16_tflops":\#(Int(m.2)),"fp8_tflops":\#(Int(m.3))"#)
        }
        let sitesCount = sites.count, modelsCount = Self.models.count
        var undeployed = [Int64](repeating: 0, count: sitesCount * modelsCount)
        var allocatedKW = [Int64](repeating: 0, count: sitesCount)
        var capRaises = [Int](repeating: 0, count: sitesCount)
        var activeKW = [Int64](repeating: 0, count: sitesCount)
        var active: [(site: Int, rack: Int, kw: Int)] = []
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
                let kw = constrained[site] ? [30, 45, 60][Int(rng.next() % 3)] : rackKW
                active.append((site, nextRack, kw))
                activeKW[site] += Int64(kw)
                line("rack.installed", now, #""site":"\#(sites[site])","rack":"r-\#(nextRack)","model":"\#(Self.models[model].0)","chips":64,"kw":\#(kw)"#)
                nextRack += 1
            } else if roll < 830 || roll < 940 {
                let quantity = Int64(64 * (8 + rng.next() % 32))
                var at = now
                if rng.next() % 100 < 5 { at = max(t0 + 86_400, now - Int64(rng.next() % (20 * 86_400))) }
                undeployed[slot] += quantity
                line("chips.delivered", at, #""site":"\#(sites[site])","model":"\#(Self.models[model].0)","quantity":\#(quantity)"#)
            } else if roll < 970 {
                guard !active.isEmpty else { continue }
                let k = Int(rng.next() % UInt64(active.count))
                let r = active[k]
                active.swapAt(k, active.count - 1)
                active.removeLast()
                activeKW[r.site] -= Int64(r.kw)
                line("rack.retired", now, #""site":"\#(sites[r.site])","rack":"r-\#(r.rack)""#)
                recentRetirements.append(written)
            } else if roll < 980 {
                let usd = 1_000_000 * (1 + rng.next() % 5000)
                line("investment.committed", now, #""investor":"\#(Self.investors[Int(rng.next() % 4)])","recipient":"anthropic","usd":\#(usd)"#)
                recentInvestments.append(written)
            } else if roll < 990, constrained[site] {
                // Short of power: allocate what the racks draw and a little ahead, up to the
                // cap; give back what runs far ahead of them, and a little now and then.
                let wanted = min(capKW[site], activeKW[site] + activeKW[site] / 8 + 120)
                if wanted == capKW[site], allocatedKW[site] + 1_000 > wanted, capRaises[site] < 1, rng.next() % 32 == 0 {
                    // The cap binds: the site gets a little more (a new transformer, say).
                    capRaises[site] += 1
                    capKW[site] += max(1_000, capKW[site] / 50 / 1_000 * 1_000)
                    line("site.updated", now, #""site":"\#(sites[site])","power_cap_mw":\#(capKW[site] / 1_000)"#)
                } else if allocatedKW[site] + 1_000 <= wanted {
                    let mw = (wanted - allocatedKW[site]) / 1_000
                    allocatedKW[site] += mw * 1_000
                    line("power.allocated", now, #""site":"\#(sites[site])","mw":\#(mw)"#)
                } else if allocatedKW[site] >= 2_000, allocatedKW[site] > activeKW[site] + activeKW[site] / 4 || rng.next() % 8 == 0 {
                    let mw = max(1, min(allocatedKW[site] / 2_000, (allocatedKW[site] - activeKW[site]) / 2_000))
                    allocatedKW[site] -= mw * 1_000
                    line("power.released", now, #""site":"\#(sites[site])","mw":\#(mw)"#)
                } else {
                    continue
                }
            } else if roll < 990 {
                // Release a little now and then, and whenever another allocation could pass the cap.
                if allocatedKW[site] >= 10_000, rng.next() % 4 == 0 || allocatedKW[site] > Self.capKW - 250_000 {
                    let mw = allocatedKW[site] > Self.capKW - 250_000 ? Int64(250 + rng.next() % 250) : Int64(1 + rng.next() % 10)
                    allocatedKW[site] -= mw * 1000
                    line("power.released", now, #""site":"\#(sites[site])","mw":\#(mw)"#)
                } else {
                    let mw = Int64(50 + rng.next() % 200)
                    allocatedKW[site] += mw * 1000
                    line("power.allocated", now, #""site":"\#(sites[site])","mw":\#(mw)"#)
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
