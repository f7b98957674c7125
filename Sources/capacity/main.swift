import ArgumentParser
import CapacityLedger
import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif

Terminal.ignoreWriteSignals()
switch GlobalArguments.plan(CommandLine.arguments) {
case .commands(let ledger, let wait, let format, let commands, let file):
    // psql's -c: each command in turn, an error reported and the next run; the exit code is
    // that of the first failure.
    var status: Int32 = 0
    let jobs = commands.map { [$0] } + (file.map { _ in [[String]()] } ?? [])
    for (n, words) in jobs.enumerated() {
        var job = QueryJob(ledgerPath: LedgerOptions.path(ledger), file: n < commands.count ? nil : file,
                           format: OutputFormat(rawValue: format ?? "table")!, bail: false, words: words)
        job.wait = wait.flatMap(Double.init)
        do {
            try CapacityLedger_run { try job.run() }
        } catch let e as ExitCode {
            if status == 0 { status = e.rawValue }
        } catch {
            if status == 0 { status = 1 }
        }
    }
    exit(status)
case .usage(let message):
    Terminal.stderr("Error: \(message)")
    exit(64)
case .parse(let args):
    let arguments = [CommandLine.arguments[0]] + args
    // The common forms of `capacity query` and `capacity append` start without the argument
    // parser (see `QueryJob.simple`, `Append.simple`); everything else, and every error in the
    // arguments, goes through it.
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
    CapacityCommand.main(args)
}
