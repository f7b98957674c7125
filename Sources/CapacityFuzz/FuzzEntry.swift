import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libFuzzer's entry point: built only by `make fuzz` (see Package.swift), with
// `-sanitize=fuzzer`, whose runtime has the `main` that calls it. `FUZZ_TARGET` names the
// target (`FuzzTargets.all`).

let target: @Sendable (UnsafeBufferPointer<UInt8>) -> Void = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let run = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        let message = Array("capacity-fuzz: set FUZZ_TARGET to one of: \(names)\n".utf8)
        _ = write(2, message, message.count)
        exit(2)
    }
    return run
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    target(UnsafeBufferPointer(start: data, count: size))
    return 0
}
