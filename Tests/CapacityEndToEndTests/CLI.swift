import Foundation
import Testing

/// Runs the `capacity` executable built beside the test bundle.
struct CLI {
    let dir: String
    var env: [String: String] = [:]

    init() {
        dir = NSTemporaryDirectory() + "capacity-e2e-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        env["CAPACITY_LEDGER"] = dir + "/test.ledger"
        env["CAPACITY_HISTORY"] = "/dev/null"
        env["NO_COLOR"] = "1"
    }

    static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Inside an .xctest bundle directory on some platforms.
        while !FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("capacity").path), url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("capacity").path
    }()

    var ledger: String { env["CAPACITY_LEDGER"]! }

    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `capacity ARGS`, feeding `input` on standard input.
    @discardableResult
    func run(_ args: [String], input: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = errPipe
        p.standardInput = inPipe
        try p.run()
        if let input { inPipe.fileHandleForWriting.write(input.data(using: .utf8)!) }
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    /// Runs `executable ARGS` (a copy of `capacity` elsewhere) in `directory`, its standard
    /// input the file `stdin`, as `capacity demo < FILE` run from a shell there.
    func run(executable: String, _ args: [String], stdin: String, in directory: String) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let outPipe = Pipe(), errPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = errPipe
        guard let input = FileHandle(forReadingAtPath: stdin) else { throw CocoaError(.fileNoSuchFile) }
        p.standardInput = input
        try p.run()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try input.close()
        return Result(status: p.terminationStatus, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    /// A shell running `script` with `capacity` on the PATH and this CLI's environment, not
    /// started yet.
    private func shellProcess(_ script: String) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        environment["PATH"] = URL(fileURLWithPath: Self.binary).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        p.environment = environment
        return p
    }

    /// Runs a shell script with `capacity` on the PATH and this CLI's environment.
    func shell(_ script: String) throws -> Process {
        let p = shellProcess(script)
        try p.run()
        return p
    }

    /// Runs a shell script as `shell` does and waits for it: for arguments a `[String]` cannot
    /// carry, such as bytes that are not UTF-8 (`$(printf '\\377')`).
    func runShell(_ script: String) throws -> Result {
        let p = shellProcess(script)
        let outPipe = Pipe(), errPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = errPipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    func bytes(_ path: String? = nil) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path ?? ledger)))
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
