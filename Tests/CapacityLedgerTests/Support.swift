import CapacityLedger
import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A new empty directory under /tmp, named from `prefix` (`capacity-test` → `/tmp/capacity-test-a1B2c3`).
func temporaryDirectory(_ prefix: String) -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    return String(cString: mkdtemp(&template)!)
}

/// The whole file at `path`.
func fileBytes(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    var st = stat()
    fstat(fd, &st)
    var out = [UInt8](repeating: 0, count: Int(st.st_size))
    _ = out.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return out
}

/// `d("chips.delivered site=s model=m quantity=64 effective=2025-10-01")`: a draft from the
/// same `TYPE key=value` words a user types after `capacity append`.
func d(_ words: String, line: Int? = nil) throws -> EventDraft {
    let parts = QueryWords.split(words)
    var fields = try RawFields.fromWords(parts.dropFirst())
    fields.pairs.insert(("type", .word(parts[0])), at: 0)
    return try EventDraftDecoder.decode(fields, line: line)
}

/// A store with a fixed clock (2026-01-01) and the common opening events of most tests:
/// site `s1` (cap 10 MW), model `m1` (100 / 200 TFLOPS).
func makeStore(cap: String = "power_cap_mw=10", opening: Bool = true) throws -> InMemoryEventStore {
    let store = InMemoryEventStore(name: "test", clock: ManualClock(Timestamp.parse("2026-01-01")!))
    if opening {
        try store.append([
            try d("site.opened site=s1 name=Site-one \(cap) effective=2025-01-01"),
            try d("chip.model.defined model=m1 vendor=V bf16_tflops=100 fp8_tflops=200 effective=2025-01-01"),
        ])
    }
    return store
}

/// The message of the `LedgerError` that `body` throws, or nil when it throws nothing.
func errorMessage<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch let e as LedgerError {
        return e.message
    } catch {
        return "\(error)"
    }
}
