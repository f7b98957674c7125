// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// The ledger's core is built for release without the run-time checks of exclusive access:
// on the import's reading and writing threads they were 4 to 8% of all instructions (a check
// at each access to a class's stored property). Debug builds, which the tests run, keep them,
// so an overlapping access still fails there. (A flag marked unsafe: this package is built as
// the root package, not taken as another's dependency.)
let core: [SwiftSetting] = strict + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "CapacityLedger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CapacityLedger", targets: ["CapacityLedger"]),
        .library(name: "LedgerStorage", targets: ["LedgerStorage"]),
        .executable(name: "capacity", targets: ["capacity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Ed25519 for signed appends (Curve25519.Signing); pure computation, no I/O.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // CRC32C and SHA-256 (with the CPU's instructions where it has them) and other small C helpers.
        .target(name: "CCapacitySupport"),
        // The pure core: events, input decoding, rules, the fold, the index and the checkpoint's
        // layout, the record codec and hash chain, the query language and its rendering, `Ledger`,
        // the `EventStore` protocol and the in-memory store. No file, no thread, no Glibc/Darwin
        // (CoreTargetTests holds it to that).
        .target(
            name: "CapacityLedger",
            dependencies: ["CCapacitySupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: core
        ),
        // The file store and everything else that touches the system: the log and checkpoint
        // files, the log reading a writer needs, the line reader, the import pipeline's threads,
        // every system call through one wrapper (`SystemCall`).
        .target(
            name: "LedgerStorage",
            dependencies: ["CapacityLedger", "CCapacitySupport"],
            swiftSettings: core
        ),
        // libedit's native histedit.h API, with static inline wrappers for its variadic calls.
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // The console around the query language: session state, meta-commands, batch mode,
        // completion and the libedit line editor.
        .target(
            name: "CapacityConsole",
            dependencies: ["CapacityLedger", "LedgerStorage", "CLibEdit", "CCapacitySupport"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "capacity",
            dependencies: [
                "CapacityLedger",
                "LedgerStorage",
                "CapacityConsole",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapacityLedgerTests",
            dependencies: [
                "CapacityLedger",
                "LedgerStorage",
                "CapacityConsole",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        // Runs the built `capacity` executable the way a user does.
        .testTarget(
            name: "CapacityEndToEndTests",
            dependencies: ["capacity", "CapacityLedger", "LedgerStorage"],
            swiftSettings: strict
        ),
    ]
)

// The fuzzing harness (`make fuzz`, docs/fuzzing.md): an executable without a `main` of its own,
// built only with CAPACITY_FUZZ=1 under `--sanitize fuzzer`, whose runtime supplies `main`.
if Context.environment["CAPACITY_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "capacity-fuzz", dependencies: ["CapacityLedger", "LedgerStorage"],
                                             path: "Sources/CapacityFuzz", swiftSettings: strict))
}
