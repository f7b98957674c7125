@testable import CapacityLedger
@testable import LedgerStorage
import PropertyBased
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A writer that starts from the checkpoint accepts and refuses exactly what a writer reading
/// the whole log does, with the same messages, and writes the same bytes.
struct WriterBaseTests {
    let dir = temporaryDirectory("capacity-writer")

    /// One random batch of 1–3 drafts: mostly plausible, some refused, at effective times from
    /// the start of the history (far behind the checkpoint's window) to after its end.
    static func batch(_ rng: inout SplitMix64, count: Int, racks: [String]) -> [String] {
        let sites = HistoryGenerator.sites + ["site-x"]
        let models = HistoryGenerator.models.map(\.0) + ["nope"]
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func when() -> String {
            // Mostly within the last months, sometimes years back.
            let back = rng.next() % 4 == 0 ? Int64(rng.next() % (3 * 365)) : Int64(rng.next() % 120)
            return Timestamp.parse("2026-01-06")!.adding(days: -back).shortString
        }
        var out: [String] = []
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let site = rng.next() % 10 == 0 ? pick(sites) : pick(Array(sites.dropLast()))
            let model = rng.next() % 10 == 0 ? pick(models) : pick(Array(models.dropLast()))
            let rack = rng.next() % 3 == 0 ? "w-\(rng.next() % 50)" : pick(racks)
            switch rng.next() % 11 {
            case 0, 1: out.append("chips.delivered site=\(site) model=\(model) quantity=\(64 * (1 + rng.next() % 20)) effective=\(when())")
            case 2, 3: out.append("rack.installed site=\(site) rack=\(rack) model=\(model) chips=\(rng.next() % 5 == 0 ? 640_000 : 64) kw=45 effective=\(when())")
            case 4: out.append("rack.retired site=\(site) rack=\(rack) effective=\(when())")
            case 5: out.append("power.\(rng.next() % 2 == 0 ? "allocated" : "released") site=\(site) mw=\(1 + rng.next() % 400_000) effective=\(when())")
            case 6: out.append("investment.committed investor=amazon recipient=anthropic usd=\(1 + rng.next() % 100) effective=\(when())")
            case 7:
                // A cap cut or raised (often refused: allocations must fit it), a new PUE or name.
                switch rng.next() % 3 {
                case 0: out.append("site.updated site=\(site) power_cap_mw=\(1 + rng.next() % 2_000_000) effective=\(when())")
                case 1: out.append("site.updated site=\(site) pue=1.\(10 + rng.next() % 90) effective=\(when())")
                default: out.append("site.updated site=\(site) name=Renamed-\(rng.next() % 10) effective=\(when())")
                }
            case 8:
                // A spare site opened and closed (a busy one is refused), or a busy one closed.
                let spare = "spare-\(rng.next() % 8)"
                out.append("site.opened site=\(spare) name=Spare effective=\(when())")
                out.append("site.closed site=\(rng.next() % 4 == 0 ? site : spare) effective=\(when())")
            default: out.append("event.voided target=\(1 + Int(rng.next() % UInt64(count + 2))) reason=test")
            }
        }
        return out
    }

    @Test func appendsFromTheCheckpointMatchTheWholeLog() async {
        await propertyCheck(count: 6, input: Gen.int(in: 1...1_000_000)) { seed in
            let a = dir + "/a\(seed).ledger", b = dir + "/b\(seed).ledger"
            // A failing seed is run again while the check narrows it down: start afresh.
            for path in [a, b, a + ".ckpt", b + ".ckpt"] { unlink(path) }
            let clock = ManualClock(Timestamp.parse("2026-01-07")!)
            var lines: [String] = []
            HistoryGenerator(count: 3000, seed: UInt64(seed)).generate { lines.append($0) }
            let first = try! FileEventStore(path: a, create: true, clock: clock)
            try! first.append(try! EventBatch.parse(lines.joined(separator: "\n")))
            try! first.writeCheckpoint()
            _ = fileBytes(a).withUnsafeBytes { raw in
                let fd = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                defer { close(fd) }
                return write(fd, raw.baseAddress!, raw.count)
            }
            let racks = lines.compactMap { l in l.range(of: #""rack":"r-\d+""#, options: .regularExpression).map { String(l[$0].dropFirst(8).dropLast()) } }
            var rng = SplitMix64(seed: UInt64(seed))
            var used = 0, behind = 0, accepted = 0, siteChanges = 0
            for round in 0..<60 {
                clock.advance(seconds: 60)
                let words = Self.batch(&rng, count: first.ledger.count + accepted, racks: racks)
                let drafts = try! words.map { try d($0) }
                let fromCheckpoint = try! FileEventStore(path: a, create: false, clock: clock, forAppending: true)
                let whole = try! FileEventStore(path: b, create: false, clock: clock)
                var r1 = "", r2 = ""
                do { _ = try fromCheckpoint.append(drafts); r1 = "ok" } catch { r1 = "\(error)" }
                do { _ = try whole.append(drafts); r2 = "ok" } catch { r2 = "\(error)" }
                #expect(r1 == r2, "seed \(seed) round \(round): \(words)")
                if r1 == "ok" { accepted += 1 }
                if r1 == "ok", words.contains(where: { $0.hasPrefix("site.updated") || $0.hasPrefix("site.closed") }) { siteChanges += 1 }
                switch fromCheckpoint.checkpointUse {
                case .used: used += 1
                case .reachedBehind:
                    behind += 1
                    if r1 == "ok" { try! fromCheckpoint.writeCheckpoint() }
                default: Issue.record("checkpoint not usable: \(fromCheckpoint.checkpointUse)")
                }
                #expect(fileBytes(a) == fileBytes(b), "seed \(seed) round \(round): \(words)")
            }
            #expect(used > 10 && behind > 3 && accepted > 5, "used \(used), behind \(behind), accepted \(accepted)")
            #expect(siteChanges > 0, "site changes accepted: \(siteChanges) of \(accepted)")
            #expect(throws: Never.self) { try FileEventStore(path: a, create: false).verify() }
        }
    }

    /// A void reads its target from the log, from the anchor before it; the records on the way
    /// bring new rack names, which keep the numbers the checkpoint gave them (numbered anew,
    /// the target's rack had no marks, and the void of an install a retirement needs was taken).
    @Test func aVoidReadFromTheLogFindsItsRackByTheCheckpointsNumber() throws {
        let a = dir + "/void-a.ledger", b = dir + "/void-b.ledger"
        let clock = ManualClock(Timestamp.parse("2026-01-07")!)
        var lines = [
            "site.opened site=s1 name=One power_cap_mw=1000 effective=2025-01-01",
            "chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01",
            "chips.delivered site=s1 model=m1 quantity=200000 effective=2025-01-02",
        ]
        for k in 1...1500 { lines.append("rack.installed site=s1 rack=r-\(k) model=m1 chips=64 kw=45 effective=2025-02-01T00:00:\(String(format: "%02d", k % 60))Z") }
        lines.append("rack.retired site=s1 rack=r-1400 effective=2025-06-01")
        let first = try FileEventStore(path: a, create: true, clock: clock)
        for chunk in stride(from: 0, to: lines.count, by: 500) {
            try first.append(lines[chunk..<min(lines.count, chunk + 500)].map { try d($0) })
        }
        let install = try #require(first.ledger.events.first { $0.body == .rackInstalled(site: "s1", rack: "r-1400", model: "m1", chips: 64, power: Power(watts: 45_000)) }).seq
        #expect(install % 1024 > 100, "the target lies well after its anchor")
        try first.writeCheckpoint()
        _ = fileBytes(a).withUnsafeBytes { raw in
            let fd = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            defer { close(fd) }
            return write(fd, raw.baseAddress!, raw.count)
        }
        let void = [try d("event.voided target=\(install) reason=test")]
        var messages: [String] = []
        for (path, fromCheckpoint) in [(a, true), (b, false)] {
            let store = try FileEventStore(path: path, create: false, clock: clock, forAppending: fromCheckpoint)
            do { _ = try store.append(void); messages.append("ok") } catch { messages.append("\(error)") }
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "\(messages)")
        #expect(messages.first?.contains("rack r-1400 would be retired without being installed") == true, "\(messages)")
    }

    @Test func aDamagedCheckpointSendsTheWriterToTheWholeLog() throws {
        let a = dir + "/damaged.ledger", b = dir + "/whole.ledger"
        let clock = ManualClock(Timestamp.parse("2026-01-07")!)
        var lines: [String] = []
        HistoryGenerator(count: 2000, seed: 9).generate { lines.append($0) }
        for path in [a, b] {
            let store = try FileEventStore(path: path, create: true, clock: clock)
            try store.append(try EventBatch.parse(lines.joined(separator: "\n")))
        }
        try FileEventStore(path: a, create: false, clock: clock).writeCheckpoint()
        // One flipped byte in the string hash table, then in the writer's directory.
        let ckpt = FleetCheckpoint.path(forLedger: a)
        let places: [(CheckpointReader) -> Int] = [{ $0.slotsAt + 4 }, { $0.writerAt + 9 }]
        for (place, expected) in zip(places, ["checkpoint string table damaged", "checkpoint writer section damaged"]) {
            let offset = place(try CheckpointReader(path: ckpt))
            let fd = open(ckpt, O_RDWR)
            var byte: UInt8 = 0
            pread(fd, &byte, 1, off_t(offset))
            byte ^= 0x5A
            pwrite(fd, &byte, 1, off_t(offset))
            close(fd)
            clock.advance(seconds: 60)
            let drafts = [try d("rack.installed site=site-a rack=r-new-\(offset) model=b200 chips=64 kw=45"),
                          try d("chips.delivered site=site-b model=tpu-v7 quantity=64")]
            let writer = try FileEventStore(path: a, create: false, clock: clock, forAppending: true)
            try writer.append(drafts)
            try FileEventStore(path: b, create: false, clock: clock).append(drafts)
            #expect("\(writer.checkpointUse)".contains(expected), "\(writer.checkpointUse)")
            #expect(fileBytes(a) == fileBytes(b))
            try FileEventStore(path: a, create: false, clock: clock).writeCheckpoint()
        }
    }

    @Test func textIsStoredExactlyAsGivenEvenWhenCanonicallyEqual() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // String equality is canonical equivalence
        let a = dir + "/exact-a.ledger", b = dir + "/exact-b.ledger"
        let clock = ManualClock(Timestamp.parse("2026-01-07")!)
        for path in [a, b] {
            let store = try FileEventStore(path: path, create: true, clock: clock)
            try store.append([try d("investment.committed investor=amazon recipient=anthropic usd=1 note=\(composed)"),
                              try d("investment.committed investor=amazon recipient=anthropic usd=2 note=\(decomposed)")])
        }
        try FileEventStore(path: a, create: false, clock: clock).writeCheckpoint()
        clock.advance(seconds: 60)
        let drafts = [try d("investment.committed investor=amazon recipient=anthropic usd=3 note=\(decomposed)"),
                      try d("investment.committed investor=amazon recipient=anthropic usd=4 note=\(composed)")]
        let writer = try FileEventStore(path: a, create: false, clock: clock, forAppending: true)
        try writer.append(drafts)
        #expect(writer.checkpointUse == .used)
        try FileEventStore(path: b, create: false, clock: clock).append(drafts)
        #expect(fileBytes(a) == fileBytes(b))
        let notes = try FileEventStore(path: a, create: false).ledger.events.map { Array($0.note!.utf8) }
        #expect(notes == [composed, decomposed, decomposed, composed].map { Array($0.utf8) })
    }
}
