import ArgumentParser
import CapacityLedger
#if canImport(Glibc)
import Glibc
#endif

// The common `capacity query [--ledger PATH] [--json] WORDS` starts without the argument parser
// (see `QueryJob.simple`); everything else, and every error in the arguments, goes through it.
if let job = QueryJob.simple(CommandLine.arguments) {
    do {
        try CapacityLedger_run { try job.run() }
        exit(0)
    } catch {
        CapacityCommand.exit(withError: error)
    }
}
CapacityCommand.main()
