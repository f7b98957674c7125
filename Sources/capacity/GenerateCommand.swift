import ArgumentParser
import CapacityLedger
import LedgerStorage

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a valid synthetic history of N events as JSON Lines (for benchmarks).",
        discussion: """
            About 83% rack installs, 11% deliveries (5% backdated up to 20 days), 3% retirements, 1% investments, 1% power changes, 0.5% voids, over three years.
            --profile constrained (the default): each site's cap is 75–90% of what its racks will draw at the end, so power binds late in the history and racks strand; three rack sizes per site; the last part of the history is future-dated (plans). ample: 1,000,000 MW caps, no rack ever strands. mixed: half the sites each way.
            """
    )
    @Argument(help: "How many events.") var count: Int
    @Option(name: .long, help: "Seed of the pseudo-random sequence.") var seed: UInt64 = 1
    @Option(name: .long, help: "constrained (power binds), ample (it never does) or mixed.") var profile: String = "constrained"
    @Option(name: .long, help: "How many sites (default 4).") var sites: Int?

    func run() throws {
        try CapacityLedger_run {
            guard count > 0 else { throw LedgerError.usage("N must be greater than 0") }
            guard let p = HistoryGenerator.Profile(rawValue: profile) else {
                throw LedgerError.usage("--profile must be constrained, ample or mixed, got \(profile)")
            }
            if let sites, sites < 1 || sites > count / 4 {
                throw LedgerError.usage("--sites must be from 1 to N/4 (\(Format.grouped(count / 4)) here), so that each site has events; got \(sites)")
            }
            var generator = HistoryGenerator(count: count, seed: seed)
            generator.profile = p
            generator.siteCount = sites
            generator.generate { Terminal.stdout($0) }
        }
    }
}
