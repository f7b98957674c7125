import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The core target (`Sources/CapacityLedger`) is pure: it opens no file, starts no thread and
/// reads no system state beyond the clock and the C helpers of `CCapacitySupport`. The file
/// store, the checkpoint file, the line reader and the threads live in `LedgerStorage`, which
/// the core does not depend on, so the compiler refuses a core file that uses them; this test
/// refuses what the compiler would let through: an import of the system's C library.
struct CoreTargetTests {
    /// The core's source files: every `.swift` file under `Sources/CapacityLedger`.
    static func coreSources() -> [String] {
        let here = #filePath  // …/Tests/CapacityLedgerTests/CoreTargetTests.swift
        let root = String(here[..<here.range(of: "/Tests/CapacityLedgerTests/")!.lowerBound])
        var out: [String] = []
        func walk(_ dir: String) {
            guard let d = opendir(dir) else { return }
            defer { closedir(d) }
            while let entry = readdir(d) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                guard !name.hasPrefix(".") else { continue }
                let path = dir + "/" + name
                if name.hasSuffix(".swift") { out.append(path) } else if entry.pointee.d_type == UInt8(DT_DIR) { walk(path) }
            }
        }
        walk(root + "/Sources/CapacityLedger")
        return out.sorted()
    }

    static func read(_ path: String) -> String {
        guard let f = fopen(path, "r") else { return "" }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n == 0 { break }
            bytes += buf[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Modules whose import would let I/O or threads into the core.
    static let forbidden = ["Glibc", "Darwin", "Foundation", "Dispatch", "LedgerStorage", "CapacityConsole"]

    @Test func theCoreImportsNoSystemLibrary() {
        let sources = Self.coreSources()
        #expect(sources.count > 50, "the core's sources were not found")
        for path in sources {
            for (n, line) in Self.read(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let words = line.split(separator: " ")
                guard words.count >= 2, words[0] == "import" || (words[0].hasPrefix("@") && words.count >= 3 && words[1] == "import") else { continue }
                let module = String(words.last!)
                #expect(!Self.forbidden.contains(module), "\(path):\(n + 1) imports \(module)")
            }
        }
    }

    /// Whether `code` calls the C function `call` (`pread(`): not a method or an enum case of
    /// that name (`.rename(`, `case rename(`), not a longer name ending in it.
    static func calls(_ code: String, _ call: String) -> Bool {
        var rest = Substring(code)
        while let r = rest.range(of: call) {
            let before = rest[..<r.lowerBound]
            let previous = before.last
            let isName = previous.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ?? false
            if !isName, !before.hasSuffix("case "), !before.hasSuffix("func ") { return true }
            rest = rest[r.upperBound...]
        }
        return false
    }

    @Test func theCoreCallsNoThreadOrFileFunction() {
        // What the storage target's files call; none may appear in the core's code.
        let calls = ["pthread_", "pread(", "pwrite(", "fsync(", "mmap(", "open(", "ftruncate(", "rename(", "unlink("]
        for path in Self.coreSources() {
            for (n, line) in Self.read(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                for c in calls where Self.calls(String(code), c) {
                    Issue.record("\(path):\(n + 1) calls \(c)")
                }
            }
        }
    }
}
