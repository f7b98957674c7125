@testable import CapacityLedger
@testable import LedgerStorage
import Foundation
import Testing

/// Signed appends (docs/events.md, "Signed appends"): once a ledger holds a key every batch is
/// signed by a key in force, `verify` checks every signature, and unsigned, wrongly signed or
/// forged batches are refused or caught with nothing written.
struct SigningTests {
    let dir = temporaryDirectory("capacity-signing")
    let alice = SigningKey(newNamed: "alice")
    let bob = SigningKey(newNamed: "bob")

    func added(_ key: SigningKey) throws -> EventDraft { try d("key.added key=\(key.name) public_key=\(key.publicKeyHex)") }

    /// A file ledger with the opening events, then alice's key (unsigned: the first key).
    func keyedLedger(_ name: String = "k.ledger") throws -> FileEventStore {
        let store = try FileEventStore(path: "\(dir)/\(name)", create: true, clock: ManualClock(Timestamp.parse("2026-01-01")!))
        try store.append([
            try d("site.opened site=s1 name=S1 power_cap_mw=10 effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
        ])
        try store.append([try added(alice)])
        return store
    }

    @Test func aKeyNotRecordedAWrongKeyAndARevokedKeyAreRefused() throws {
        let store = try keyedLedger()
        let draft = try d("power.allocated site=s1 mw=2 effective=2025-02-01")
        store.signer = bob
        #expect(errorMessage { try store.append([draft]) } == "signing key bob is not recorded in this ledger (keys: alice); nothing was appended")
        // A ledger with no key yet has nothing to check a signature against: not signed.
        let keyless = InMemoryEventStore(name: "m")
        keyless.signer = bob
        try keyless.append([try d("site.opened site=s1 name=S1")])
        #expect(try keyless.verify().signatures == 0)
        // A key file named alice that is not alice's key.
        store.signer = SigningKey(newNamed: "alice")
        #expect(errorMessage { try store.append([draft]) }?.hasPrefix("signing key alice does not match the public key recorded for it at #3") == true)
        store.signer = alice
        try store.append([try added(bob)])
        store.signer = bob
        try store.append([try d("key.revoked key=alice")])
        store.signer = alice
        #expect(errorMessage { try store.append([draft]) } == "signing key alice was revoked at #5 and can no longer sign; nothing was appended")
        #expect(store.ledger.count == 5)
    }

    @Test func theLastKeyInForceCannotBeRevokedAndKeyNamesAreNeverReused() throws {
        let store = try keyedLedger()
        store.signer = alice
        #expect(errorMessage { try store.append([try d("key.revoked key=alice")]) }
                == "key.revoked alice: it is the last key in force, and a ledger with keys needs one to sign its appends; add another key first")
        #expect(errorMessage { try store.append([try d("key.revoked key=carol")]) }
                == "key.revoked carol: no key named carol was added (keys: alice)")
        #expect(errorMessage { try store.append([try added(SigningKey(newNamed: "alice"))]) }
                == "key.added alice: a key named alice was added at #3; key names are never reused")
        #expect(errorMessage { try store.append([try d("key.added key=alice2 public_key=\(alice.publicKeyHex)")]) }
                == "key.added alice2: this public key is already recorded as key alice (#3)")
        #expect(errorMessage { try store.append([try d("event.voided target=3 reason=oops")]) }
                == "event.voided #3: #3 is a key event, which cannot be voided (a key is ended with capacity keys revoke NAME)")
    }

    // MARK: forgery, caught by verify

    /// Each frame of a log file: its offset, length and payload kind.
    func frames(_ bytes: [UInt8]) -> [(offset: Int, length: Int, kind: UInt8)] {
        var out: [(Int, Int, UInt8)] = []
        var p = LogHeader.size
        while p < bytes.count {
            var len = 0, shift = 0, q = p
            while true {
                let b = bytes[q]
                len |= Int(b & 0x7F) << shift
                q += 1
                if b < 0x80 { break }
                shift += 7
            }
            let end = q + 4 + len
            out.append((p, end - p, bytes[q + 4]))
            p = end
        }
        return out
    }

    func signedLedger() throws -> FileEventStore {
        let store = try keyedLedger()
        store.signer = alice
        try store.append([try d("power.allocated site=s1 mw=2 effective=2025-02-01")])
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-02-01")])
        return store
    }

    @Test func aSignatureRecordRemovedFromTheFileIsCaught() throws {
        let store = try signedLedger()
        var bytes = fileBytes(store.path)
        let sig = try #require(frames(bytes).last { $0.kind == Frame.signatureKind })
        bytes.removeSubrange(sig.offset..<(sig.offset + sig.length))
        try Data(bytes).write(to: URL(fileURLWithPath: store.path))
        let message = errorMessage { try FileEventStore(path: store.path, create: false).verify() }
        #expect(message == "seq 5 was appended without a signature, though the ledger has held keys since #3; the signature was removed or the batch was written around the rules")
    }

    @Test func aForgedSignatureWithItsCRCMendedIsCaught() throws {
        let store = try signedLedger()
        var bytes = fileBytes(store.path)
        let sig = try #require(frames(bytes).first { $0.kind == Frame.signatureKind })
        let payload = sig.offset + 5  // one length byte, four CRC bytes
        bytes[sig.offset + sig.length - 1] ^= 0x01
        let crc = bytes.withUnsafeBytes { Frame.crc(UnsafeRawBufferPointer(rebasing: $0[payload..<(sig.offset + sig.length)])) }
        withUnsafeBytes(of: crc.littleEndian) { for k in 0..<4 { bytes[sig.offset + 1 + k] = $0[k] } }
        try Data(bytes).write(to: URL(fileURLWithPath: store.path))
        // Readers do not check signatures; verify does.
        #expect(try FileEventStore(path: store.path, create: false).ledger.count == 5)
        let message = errorMessage { try FileEventStore(path: store.path, create: false).verify() }
        #expect(message == "signature record at byte offset \(sig.offset) (seq 4, key alice): the signature does not match the records and the hash after them; the batch or its signature was altered")
    }

    @Test func anEditedRecordUnderAValidSignatureFailsTheSignatureToo() throws {
        // The chain already catches an edit; a signature made over the edited chain by someone
        // without alice's key cannot be: signatures by another key are refused by name.
        let store = try signedLedger()
        let mallory = SigningKey(newNamed: "alice")
        var bytes = fileBytes(store.path)
        let sig = try #require(frames(bytes).first { $0.kind == Frame.signatureKind })
        let old = try #require(BatchSignature(payload: bytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[(sig.offset + 5)..<(sig.offset + sig.length)]) }))
        let head = try FileEventStore(path: store.path, create: false).verify(hashesAt: [old.last]).hashesAt[old.last]!
        let forged = BatchSignature(first: old.first, last: old.last, key: "alice",
                                    signature: try mallory.signature(for: SigningKeys.message(first: old.first, last: old.last, head: head)))
        var frame: [UInt8] = []
        Frame.append(payload: forged.payload, to: &frame)
        #expect(frame.count == sig.length)
        bytes.replaceSubrange(sig.offset..<(sig.offset + sig.length), with: frame)
        try Data(bytes).write(to: URL(fileURLWithPath: store.path))
        #expect(errorMessage { try FileEventStore(path: store.path, create: false).verify() }?.hasSuffix("the signature does not match the records and the hash after them; the batch or its signature was altered") == true)
    }

    // MARK: export and import

    @Test func anExportCarriesTheSignaturesIntoTheRestoredLedger() throws {
        let store = try signedLedger()
        let rows = try store.eventsWithHashes()
        var signatures: [Int: String] = [:]
        for s in try store.signatureRecords() { signatures[s.last] = s.carriedText }
        #expect(signatures.keys.sorted() == [4, 5])
        let lines = rows.map { EventJSON.line($0.0, hash: $0.1.hex, signature: signatures[$0.0.seq]) }
        let restored = try FileEventStore(path: "\(dir)/restored.ledger", create: true)
        try restored.append(try lines.enumerated().map { try EventDraftDecoder.decode(try JSONLine.parse($0.element), line: $0.offset + 1) })
        let report = try restored.verify()
        #expect(report.head == store.ledger.head)
        #expect(report.signatures == 2)
        #expect(try restored.signatureRecords() == store.signatureRecords())

        // One altered signature: the whole import is refused, and no file is left.
        var bad = lines
        // One hex digit of the signature changed.
        var chars = Array(bad[4])
        let at = try #require(bad[4].range(of: "\"signature\":\"alice:5:")).upperBound.utf16Offset(in: bad[4]) + 10
        chars[at] = chars[at] == "0" ? "1" : "0"
        bad[4] = String(chars)
        let path = "\(dir)/bad.ledger"
        let target = try FileEventStore(path: path, create: true)
        let message = errorMessage { try target.append(try bad.enumerated().map { try EventDraftDecoder.decode(try JSONLine.parse($0.element), line: $0.offset + 1) }) }
        #expect(message == "line 5: the signature of seq 5 by key alice does not match (the exported lines were altered, or come from another ledger)")
        #expect(access(path, F_OK) != 0)
    }

    // MARK: writers from the checkpoint

    @Test func aWriterFromTheCheckpointKnowsTheKeys() throws {
        let store = try signedLedger()
        try store.writeCheckpoint()
        let writer = try FileEventStore(path: store.path, create: false, forAppending: true)
        #expect(errorMessage { try writer.append([try d("power.allocated site=s1 mw=1 effective=2025-03-01")]) }?.hasPrefix("this ledger takes signed appends only (keys in force: alice)") == true)
        #expect(writer.checkpointUse == .used)
        writer.signer = alice
        try writer.append([try d("power.allocated site=s1 mw=1 effective=2025-03-01")])
        #expect(writer.checkpointUse == .used)
        #expect(try FileEventStore(path: store.path, create: false).verify().signatures == 3)
    }
}

/// Key files: what `capacity keys new` writes and `--sign` reads.
struct SigningKeyFileTests {
    @Test func aKeyFileReadsBackAsTheSameKey() throws {
        let key = SigningKey(newNamed: "ops-1")
        let back = try SigningKey(fileText: key.fileText, path: "k")
        #expect(back.name == "ops-1")
        #expect(back.publicKey == key.publicKey)
        let message = SigningKeys.message(first: 1, last: 2, head: .genesis)
        #expect(SigningKeys.isValid(signature: try back.signature(for: message), message: message, publicKey: key.publicKey))
    }

    @Test func aDamagedKeyFileIsRefusedByName() {
        #expect(errorMessage { try SigningKey(fileText: "hello", path: "x.key") }
                == "x.key: not a capacity signing key (expected one line \"capacity-signing-key/1 NAME KEY\", as capacity keys new writes it)")
        #expect(errorMessage { try SigningKey(fileText: "capacity-signing-key/1 a 00ff", path: "x.key") }
                == "x.key: the private key is not 64 hexadecimal digits")
    }
}
