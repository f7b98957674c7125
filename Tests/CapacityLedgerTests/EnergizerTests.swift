@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// First fit at one site, held to a plain model that recomputes everything after each step:
/// installs in and out of install order, retirements of any active rack (enough of them that the
/// rack list is compacted), a rack name used again after its retirement, and power changes.
struct EnergizerTests {
    struct Model {
        var racks: [(key: TimeKey, name: String, model: String, chips: Int64, watts: Int64)] = []
        var allocated: Int64 = 0

        /// Per model: installed and energized chips; and the watts drawn.
        func figures() -> (byModel: [String: (installed: Int64, energized: Int64)], used: Int64) {
            var out: [String: (installed: Int64, energized: Int64)] = [:]
            var left = allocated, used: Int64 = 0
            for r in racks.sorted(by: { $0.key < $1.key }) {
                let on = r.watts <= left
                if on { left -= r.watts; used += r.watts }
                out[r.model, default: (0, 0)].installed += r.chips
                out[r.model, default: (0, 0)].energized += on ? r.chips : 0
            }
            return (out.filter { $0.value.installed != 0 }, used)
        }
    }

    static func same(_ e: Energizer, _ m: Model) -> Bool {
        let want = m.figures(), got = e.chipsByModel()
        guard e.used == want.used, got.count == want.byModel.count else { return false }
        for (model, g) in got {
            guard let w = want.byModel[model], w.installed == g.installed, w.energized == g.energized else { return false }
        }
        return true
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func firstFitMatchesAPlainRecomputation(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var e = Energizer(reserving: 64)
        var m = Model()
        var time: Int64 = 1_000_000, seq = 0, names = 0, installs = 0
        let models = ["trainium2", "tpu-v7", "b200"]
        for step in 0..<6000 {
            seq += 1
            time += Int64(rng.next() % 100)
            let roll = rng.next() % 100
            // Early on mostly installs; later mostly retirements, so that most racks go inactive.
            let retireShare: UInt64 = step < 3000 ? 15 : 70
            if roll < retireShare, !m.racks.isEmpty {
                let i = Int(rng.next() % UInt64(m.racks.count))
                let r = m.racks.remove(at: i)
                let out = e.retire(rack: Self.number(r.name))
                #expect(out?.model == r.model && out?.chips == r.chips && out?.watts == r.watts, "seed \(seed) step \(step)")
            } else if roll < retireShare + 5 {
                m.allocated = Int64(rng.next() % 4000) * 1000
                e.setAllocated(m.allocated)
            } else {
                // A new name, or now and then the name of a rack retired before.
                names += 1
                let name = rng.next() % 10 == 0 && names > 10 ? "r\(1 + rng.next() % UInt64(names - 1))" : "r\(names)"
                guard !m.racks.contains(where: { $0.name == name }) else { continue }
                // One install in ten lands before the latest one (a fold in another order).
                let key = TimeKey(effective: rng.next() % 10 == 0 ? time - Int64(rng.next() % 5000) : time, seq: seq)
                let r = (key: key, name: name, model: models[Int(rng.next() % 3)], chips: Int64(16 + rng.next() % 4 * 16), watts: Int64(10 + rng.next() % 40) * 1000)
                m.racks.append(r)
                installs += 1
                e.install(model: e.modelPlace(r.model), rack: Self.number(r.name), chips: r.chips, watts: r.watts, key: r.key)
            }
            // (Recomputing the model at every step would make the test slow.)
            if step % 25 == 0 || step == 5999 {
                #expect(Self.same(e, m), "seed \(seed) step \(step)")
                if !Self.same(e, m) { return }
            }
        }
        #expect(e.retire(rack: Self.number("r0")) == nil)  // never installed
        #expect(e.racks.count < installs)  // retired racks were compacted away on the way
    }

    /// The number a rack named `r<digits>` goes by here.
    static func number(_ name: String) -> UInt32 { UInt32(name.dropFirst())! }

    /// A rack installed without a number counts like any other but is not found; a numbered
    /// one installed after it, out of install order, still is.
    @Test func onlyNumberedRacksAreFound() {
        var e = Energizer()
        e.setAllocated(100_000)
        e.install(model: e.modelPlace("m1"), rack: nil, chips: 64, watts: 40_000, key: TimeKey(effective: 10, seq: 1))
        e.install(model: e.modelPlace("m2"), rack: 2, chips: 32, watts: 40_000, key: TimeKey(effective: 20, seq: 2))
        e.install(model: e.modelPlace("m1"), rack: 3, chips: 16, watts: 40_000, key: TimeKey(effective: 5, seq: 3))
        #expect(e.chipsByModel()["m1"]! == (80, 80) && e.chipsByModel()["m2"]! == (32, 0))  // 3, the unnumbered one, 2 in install order: 2 does not fit
        #expect(e.retire(rack: 1) == nil)
        #expect(e.retire(rack: 2).map { ($0.model, $0.place, $0.chips, $0.watts) }! == ("m2", 1, 32, 40_000))
        #expect(e.retire(rack: 2) == nil)  // no longer active
        #expect(e.retire(rack: 3).map { ($0.model, $0.place, $0.chips, $0.watts) }! == ("m1", 0, 16, 40_000))
        #expect(e.chipsByModel()["m1"]! == (64, 64) && e.used == 40_000)
    }
}
