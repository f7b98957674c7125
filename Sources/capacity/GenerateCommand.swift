import ArgumentParser
import CapacityLedger

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a valid synthetic history of N events as JSON Lines (for benchmarks).",
        discussion: "About 83% rack installs, 11% deliveries (5% backdated up to 20 days), 3% retirements, 1% investments, 1% power changes, 0.5% voids, over three years."
    )
    @Argument(help: "How many events.") var count: Int
    @Option(name: .long, help: "Seed of the pseudo-random sequence.") var seed: UInt64 = 1

    func run() throws {
        try CapacityLedger_run {
            guard count > 0 else { throw LedgerError.usage("N must be greater than 0") }
            HistoryGenerator(count: count, seed: seed).generate { Terminal.stdout($0) }
        }
    }
}
