import ArgumentParser
import CapacityLedger
#if canImport(Glibc)
import Glibc
#endif

// The common forms of `capacity query` and `capacity append` start without the argument parser
// (see `QueryJob.simple`, `Append.simple`); everything else, and every error in the arguments,
// goes through it.
Terminal.ignoreWriteSignals()
let arguments = CommandLine.arguments
if let job = QueryJob.simple(arguments) {
    do {
        try CapacityLedger_run { try job.run() }
        exit(0)
    } catch {
        CapacityCommand.exit(withError: error)
    }
}
if let append = Append.simple(arguments) {
    do {
        try CapacityLedger_run { try Append.appendWords(append.words, ledgerPath: append.ledgerPath, json: append.json) }
        exit(0)
    } catch {
        CapacityCommand.exit(withError: error)
    }
}
CapacityCommand.main()
