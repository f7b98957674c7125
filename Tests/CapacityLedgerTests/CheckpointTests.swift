@testable import CapacityLedger
@testable import LedgerStorage
import PropertyBased
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The checkpoint file answers exactly what a full replay answers, and is never trusted when it
/// is missing, stale, from another format or damaged.
struct CheckpointTests {
    let dir = temporaryDirectory("capacity-ckpt")

    /// A file ledger from a generated history, with a checkpoint in small blocks, then a tail.
    func ledger(seed: UInt64, count: Int = 1500, blockSize: Int = 97) throws -> (FileEventStore, ManualClock, String) {
        let path = dir + "/l\(seed).ledger"
        unlink(path)
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        var gen = HistoryGenerator(count: count, seed: seed)
        gen.rackKW = 45
        var lines: [String] = []
        gen.generate { lines.append($0) }
        let store = try FileEventStore(path: path, create: true, clock: clock)
        try store.append(try EventBatch.parse(lines.joined(separator: "\n")))
        // Plenty of power from early on, so that first fit energizes every rack (a site short of
        // power sends the question to the log, which the index tests cover).
        try store.append(["site-a", "site-b", "site-c", "site-d"].map { try d("power.allocated site=\($0) mw=100000 effective=2023-01-20") })
        // Sites that change: an update of every field, and a spare site opened and closed.
        try store.append([try d("site.updated site=site-b name=Bee region=North power_cap_mw=2000000 pue=1.3 effective=2024-06-01"),
                          try d("site.opened site=spare name=Spare pue=1.5 effective=2023-02-01"),
                          try d("site.closed site=spare effective=2024-02-01")])
        try store.writeCheckpoint(blockSize: blockSize)
        // A tail after the checkpoint: late (backdated) facts, a plan, a void of a tail event.
        clock.advance(seconds: 86_400)
        try store.append([
            try d("chips.delivered site=site-a model=b200 quantity=640 effective=2023-03-01"),
            try d("rack.installed site=site-a rack=tail-1 model=b200 chips=64 kw=45 effective=2023-06-01"),
            try d("investment.committed investor=tail recipient=anthropic usd=7 effective=2024-01-01"),
            try d("power.allocated site=site-b mw=5 effective=2025-06-01"),
            try d("chip.model.defined model=b200 vendor=NVIDIA bf16_tflops=2600 fp8_tflops=5200 effective=2025-01-01"),
            // Backdated before the checkpoint's update of the same site: applied before it.
            try d("site.updated site=site-b name=Early pue=1.1 effective=2024-01-01"),
        ])
        try store.append([try d("event.voided target=\(store.ledger.count - 2) reason=typo")])
        return (store, clock, path)
    }

    static func same(_ a: any FleetFigures, _ b: any FleetFigures) -> Bool { FleetIndexTests.same(a, b) }

    /// A rack name used again after a retirement, with another model and size, and retired
    /// again, and the same name at another site: each retirement takes out the install it ends.
    @Test func aRackNamedAgainRetiresItsLatestInstall() throws {
        let path = dir + "/again.ledger"
        unlink(path)
        let clock = ManualClock(Timestamp.parse("2026-01-01")!)
        let store = try FileEventStore(path: path, create: true, clock: clock)
        try store.append([
            "site.opened site=s1 name=One effective=2025-01-01", "site.opened site=s2 name=Two effective=2025-01-01",
            "chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01",
            "chip.model.defined model=m2 vendor=V bf16_tflops=300 fp8_tflops=600 effective=2025-01-01",
            "chips.delivered site=s1 model=m1 quantity=1000 effective=2025-01-02", "chips.delivered site=s1 model=m2 quantity=1000 effective=2025-01-02",
            "chips.delivered site=s2 model=m1 quantity=1000 effective=2025-01-02",
            "power.allocated site=s1 mw=10 effective=2025-01-02", "power.allocated site=s2 mw=10 effective=2025-01-02",
            "rack.installed site=s1 rack=r1 model=m1 chips=64 kw=40 effective=2025-02-01",
            "rack.installed site=s2 rack=r1 model=m1 chips=32 kw=20 effective=2025-02-01",
            "rack.retired site=s1 rack=r1 effective=2025-03-01",
            "rack.installed site=s1 rack=r1 model=m2 chips=128 kw=80 effective=2025-04-01",
        ].map { try d($0) })
        clock.advance(seconds: 86_400)
        // Seq order differs from effective order here.
        try store.append([try d("rack.retired site=s2 rack=r1 effective=2025-06-01"), try d("rack.retired site=s1 rack=r1 effective=2025-05-01")])
        try store.writeCheckpoint()
        let engine = QueryEngine(store: store, clock: clock)
        let index = FleetIndex(ledger: store.ledger)
        for day in ["2025-02-15", "2025-03-15", "2025-04-15", "2025-05-15", "2025-07-01"] {
            let p = PointInTime(at: .time(Timestamp.parse(day)!))
            engine.useIndex = false
            let fold = try engine.figures(p)
            #expect(Self.same(try FleetCheckpoint.figures(ledgerPath: path, point: p, now: clock.now()), fold), "checkpoint at \(day)")
            #expect(Self.same(index.snapshot(engine.view(p), ledger: store.ledger), fold), "index at \(day)")
        }
        let end = try engine.figures(PointInTime(at: .time(Timestamp.parse("2025-07-01")!)))
        let rows = end.fleet(site: "s1", model: nil).map { "\($0.model) installed \($0.installed) retired \($0.retired)" }
        #expect(rows == ["m1 installed 0 retired 64", "m2 installed 0 retired 128"])
    }

    @Test func checkpointAnswersEqualFullReplay() async {
        await propertyCheck(count: 8, input: Gen.int(in: 1...1_000_000)) { seed in
            let (store, clock, path) = try! ledger(seed: UInt64(seed))
            let engine = QueryEngine(store: store, clock: clock)
            engine.useIndex = false
            var answered = 0
            for day in stride(from: -30, to: 1200, by: 41) {
                let p = PointInTime(at: .time(Timestamp.parse("2023-01-01")!.adding(days: Int64(day))))
                do {
                    let fast = try FleetCheckpoint.figures(ledgerPath: path, point: p, now: clock.now())
                    #expect(Self.same(fast, try! engine.figures(p)), "seed \(seed) \(p)")
                    answered += 1
                } catch let u as FleetCheckpoint.Unusable {
                    // Only a site short of power (first fit) may send the question to the log.
                    #expect(u.reason.hasPrefix("first fit at "), "\(u.reason)")
                } catch {
                    Issue.record("\(error)")
                }
            }
            #expect(answered > 20)
            if let now = try? FleetCheckpoint.figures(ledgerPath: path, point: PointInTime(), now: clock.now()) {
                #expect(Self.same(now, try! engine.figures(PointInTime())))
            }
        }
    }

    func reason(_ path: String, _ p: PointInTime = PointInTime(), now: Timestamp) -> String? {
        do {
            _ = try FleetCheckpoint.figures(ledgerPath: path, point: p, now: now)
            return nil
        } catch let u as FleetCheckpoint.Unusable {
            return u.reason
        } catch {
            return "\(error)"
        }
    }

    func patch(_ path: String, at offset: Int, xor: UInt8) {
        let fd = open(path, O_RDWR)
        var b: UInt8 = 0
        pread(fd, &b, 1, off_t(offset))
        b ^= xor
        pwrite(fd, &b, 1, off_t(offset))
        close(fd)
    }

    @Test func aMissingStaleOldOrDamagedCheckpointIsNotUsed() throws {
        let (store, clock, path) = try ledger(seed: 11)
        let ckpt = FleetCheckpoint.path(forLedger: path)
        let fine = PointInTime(at: .time(Timestamp.parse("2023-02-01")!))
        #expect(reason(path, fine, now: clock.now()) == nil)
        #expect(reason(path, PointInTime(at: .seq(5)), now: clock.now()) == "at=#N needs the log")
        #expect(reason(path, PointInTime(known: Timestamp.parse("2026-01-01T12:00:00Z")!), now: clock.now()) == "known= before the last record needs the log")

        // Damaged: one flipped byte in the last block of effect records.
        var st = stat()
        stat(ckpt, &st)
        patch(ckpt, at: Int(st.st_size) - 5, xor: 0x10)
        #expect(reason(path, PointInTime(at: .time(Timestamp.parse("2026-01-01")!)), now: clock.now())?.hasPrefix("checkpoint block") == true)
        try store.writeCheckpoint(blockSize: 97)

        // Another format: the version field.
        patch(ckpt, at: 8, xor: 0x01)
        #expect(reason(path, fine, now: clock.now()) == "checkpoint format 2 (this build writes 3)")
        try store.writeCheckpoint(blockSize: 97)
        #expect(reason(path, fine, now: clock.now()) == nil)

        // Stale: the log no longer holds the commit the checkpoint was built at.
        let other = try ledger(seed: 12)
        rename(FleetCheckpoint.path(forLedger: other.2), ckpt)
        #expect(reason(path, fine, now: clock.now())?.hasPrefix("stale checkpoint") == true)

        // Missing.
        unlink(ckpt)
        #expect(reason(path, fine, now: clock.now()) == "no checkpoint")
    }

    /// A checkpoint edited with its CRCs recomputed is accepted by queries (CRCs guard against
    /// accidents only) and changes their answers; the audit that `verify` runs rebuilds it from
    /// the log, finds it differs, and puts the rebuild in its place.
    @Test func aForgedCheckpointIsFoundByTheAuditAndReplaced() throws {
        let (store, clock, path) = try ledger(seed: 14, count: 600)
        let ckpt = FleetCheckpoint.path(forLedger: path)
        let engine = QueryEngine(store: store, clock: clock)
        engine.useIndex = false
        let point = PointInTime(at: .time(Timestamp.parse("2025-06-01")!))
        #expect(try FleetCheckpoint.audit(ledgerPath: path, replace: false) == .matches(seq: store.ledger.count - 7))

        // Raise the first chip model's bf16 TFLOPS in the metadata, then fix both CRCs.
        var bytes = fileBytes(ckpt)
        let h = FleetCheckpoint.headerSize
        // Header: magic 8, version 4, metadata CRC 4, tie 24, head 32, then the metadata's length.
        let metaLength = bytes[72..<80].reversed().reduce(0) { $0 << 8 | Int($1) }
        let key = Array(#""bf16_tflops":"#.utf8)
        let at = (h..<(h + metaLength - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key }!
        #expect(bytes[at + key.count] >= 0x31 && bytes[at + key.count] <= 0x38)
        bytes[at + key.count] += 1
        let metaCRC = bytes[h..<(h + metaLength)].withUnsafeBytes { Frame.crc($0) }
        withUnsafeBytes(of: metaCRC.littleEndian) { bytes.replaceSubrange(12..<16, with: $0) }
        let headerCRC = bytes[0..<(h - 4)].withUnsafeBytes { Frame.crc($0) }
        withUnsafeBytes(of: headerCRC.littleEndian) { bytes.replaceSubrange((h - 4)..<h, with: $0) }
        let fd = open(ckpt, O_WRONLY | O_TRUNC)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)

        let forged = try FleetCheckpoint.figures(ledgerPath: path, point: point, now: clock.now())
        #expect(!Self.same(forged, try engine.figures(point)))
        #expect(try FleetCheckpoint.audit(ledgerPath: path, replace: true) == .differs(seq: store.ledger.count - 7))
        #expect(try FleetCheckpoint.audit(ledgerPath: path, replace: false) == .matches(seq: store.ledger.count - 7))
        #expect(Self.same(try FleetCheckpoint.figures(ledgerPath: path, point: point, now: clock.now()), try engine.figures(point)))
    }

    /// A checkpoint that someone other than the ledger's owner could have written is not used.
    @Test func aCheckpointWritableByOthersIsNotUsed() throws {
        let (_, clock, path) = try ledger(seed: 15, count: 300)
        let ckpt = FleetCheckpoint.path(forLedger: path)
        let fine = PointInTime(at: .time(Timestamp.parse("2023-02-01")!))
        #expect(reason(path, fine, now: clock.now()) == nil)
        chmod(ckpt, 0o622)
        #expect(reason(path, fine, now: clock.now()) == "the checkpoint is writable by others")
        #expect(try FleetCheckpoint.audit(ledgerPath: path, replace: false) == .unusable("the checkpoint is writable by others"))
        chmod(ckpt, 0o600)
        #expect(reason(path, fine, now: clock.now()) == nil)
    }

    /// A question the checkpoint cannot answer is told apart from a file that cannot be used,
    /// by a flag, not by the words of the reason: only the second is rebuilt.
    @Test func aQuestionThatNeedsTheLogIsToldFromAFileThatCannotBeUsed() throws {
        let (_, clock, path) = try ledger(seed: 16, count: 300)
        func unusable(_ p: PointInTime) -> FleetCheckpoint.Unusable? {
            do { _ = try FleetCheckpoint.figures(ledgerPath: path, point: p, now: clock.now()); return nil } catch { return error as? FleetCheckpoint.Unusable }
        }
        #expect(unusable(PointInTime(at: .seq(5)))?.needsTheLog == true)
        #expect(unusable(PointInTime(known: Timestamp.parse("2026-01-01T12:00:00Z")!))?.needsTheLog == true)
        unlink(FleetCheckpoint.path(forLedger: path))
        #expect(unusable(PointInTime()) == FleetCheckpoint.Unusable(reason: "no checkpoint"))
    }

    /// A link planted at the temporary file's name is never followed (the file it points at
    /// keeps its bytes), and temporary files of writers no longer running are removed.
    @Test func theTemporaryFileIsCreatedNewAndLeftoversAreRemoved() throws {
        let (store, _, path) = try ledger(seed: 13, count: 300)
        let victim = dir + "/victim-13.txt"
        unlink(victim)
        #expect(writeText(victim, "precious\n"))
        let tmp = FleetCheckpoint.temporaryPrefix(ledgerPath: path) + "\(getpid())"
        unlink(tmp)
        #expect(symlink(victim, tmp) == 0)
        // A writer that died (no such pid now) left its file; a running one's is kept.
        let dead = FleetCheckpoint.temporaryPrefix(ledgerPath: path) + "999999999"
        let alive = FleetCheckpoint.temporaryPrefix(ledgerPath: path) + "1"
        #expect(writeText(dead, "x"))
        #expect(writeText(alive, "x"))
        try store.writeCheckpoint()
        #expect(String(decoding: fileBytes(victim), as: UTF8.self) == "precious\n")
        #expect(access(tmp, F_OK) != 0)
        #expect(access(dead, F_OK) != 0)
        #expect(access(alive, F_OK) == 0)
        unlink(alive)
        #expect(reason(path, PointInTime(at: .time(Timestamp.parse("2023-02-01")!)), now: Timestamp.parse("2026-02-01")!) == nil)
    }
}

private func writeText(_ path: String, _ text: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == text.utf8.count
}
