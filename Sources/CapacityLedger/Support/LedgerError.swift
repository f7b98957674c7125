import CCapacitySupport

/// Every error a user can see. What was wrong and where is a `Problem`, a case with its values
/// (the field, line, seq, byte offset, path, errno, the accepted values); its words are made in
/// one place, `LedgerError+Message.swift`, and its kind, hence the process exit code (sysexits),
/// follows from the case. Code that must tell errors apart matches the case, never the text.
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Bad command-line usage or an unknown query command/option (exit 64 on the CLI).
        case usage
        /// An event or query that breaks a rule or does not parse (exit 65).
        case data
        /// The file system failed or a file is missing (exit 74).
        case io
        /// The log is damaged or its hash chain does not match (exit 1).
        case verification
        /// The user interrupted a long command.
        case interrupted
        /// Another writer held the ledger's lock for longer than the writer would wait (exit 75).
        case busy
    }

    /// What was wrong, and where.
    public private(set) var problem: Problem
    /// The 1-based line of the input the error is about, if any: shown as `line N: ` before
    /// the text (see `message`), and read from here, never from the text.
    public private(set) var line: Int?

    public init(_ problem: Problem) {
        self.problem = problem
    }

    /// A one-off message of `kind` (`Problem.other`).
    public init(_ kind: Kind, _ message: String) {
        problem = .other(kind, message)
    }

    public var kind: Kind { problem.kind }

    /// What was wrong, without the line.
    public var text: String { problem.text }

    /// The error as a user reads it: `line N: ` and the text.
    public var message: String { line.map { "line \($0): \(text)" } ?? text }

    /// Two errors are the same when a user reads the same: kind and message.
    public static func == (a: LedgerError, b: LedgerError) -> Bool { a.kind == b.kind && a.message == b.message }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(message)
    }

    public static func data(_ m: String) -> LedgerError { LedgerError(.data, m) }
    public static func usage(_ m: String) -> LedgerError { LedgerError(.usage, m) }
    public static func io(_ m: String) -> LedgerError { LedgerError(.io, m) }
    public static func verification(_ m: String) -> LedgerError { LedgerError(.verification, m) }

    /// A failed system call on `path`, with the `errno` it left.
    public static func io(_ operation: FileOperation, _ path: String?, errno: Int32 = ccap_errno()) -> LedgerError {
        LedgerError(.ioFailed(operation: operation, path: path, errno: errno))
    }

    /// This error, seen from `context`: its message with the context's words around it.
    public func within(_ context: Context) -> LedgerError { LedgerError(.within(context, self)) }

    public var description: String { message }

    /// The sysexits code for this kind.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .data: 65
        case .io: 74
        case .verification: 1
        case .interrupted: 130
        case .busy: 75
        }
    }

    /// The same error about input line `line` (shown `line N: ` in front); an error that names
    /// its line already keeps it.
    public func atLine(_ line: Int?) -> LedgerError {
        guard let line, self.line == nil else { return self }
        var e = self
        e.line = line
        return e
    }
}

extension LedgerError {
    /// What was wrong, and where: one case per kind of refusal, with the values its message
    /// names. The words are in `LedgerError+Message.swift`; the kind is `kind` below.
    public indirect enum Problem: Sendable, Hashable {
        // MARK: event input (a JSON line, `key=value` words)

        /// `field "type" is missing`.
        case missingType
        /// `field "type"` holds something other than a string (`got` is the JSON type).
        case typeNotText(got: String)
        /// A `type` that names no event type.
        case unknownEventType(String)
        /// A field the event type does not take.
        case unknownField(type: EventType, field: String)
        /// An event whose optional fields are all left out, though it needs one of them
        /// (`site.updated` changes something).
        case nothingGiven(type: EventType, fields: [String])
        /// A field of an event with a value that is not accepted.
        case badField(type: EventType, field: String, FieldFault)
        /// A field (JSON) or `key=value` word given twice.
        case duplicateField(String)
        /// A JSON line that does not parse; `column` is 1-based.
        case badJSON(column: Int, JSONFault)
        /// Input text that is not UTF-8, and which: a field (`field "note"`), a field name, an
        /// option of a command (`fleet: option "site"`), a word, or the input line.
        case notUTF8(NotUTF8)
        /// A word of `capacity append` that is not `key=value`.
        case notKeyValue(String)
        /// A quote in a command line that is not closed.
        case unterminatedQuote(line: String)
        /// An input line over the longest accepted (`name` is the file or `standard input`).
        case lineTooLong(limit: Int, name: String)

        // MARK: queries

        case emptyCommand
        /// A query command that does not exist.
        case unknownCommand(String)
        /// An option the command does not take; `accepted` are the ones it does.
        case unknownOption(command: String, option: String, accepted: [String])
        case optionGivenTwice(command: String, option: String)
        case optionWithoutValue(command: String, option: String)
        /// `diff` given the wrong number of points in time.
        case wrongOperandCount(command: String, expected: Int, got: Int, usage: String)
        /// A required option left out; `accepted` are its values when it is a choice.
        case missingOption(command: String, option: String, accepted: [String]?, usage: String)
        /// An option given without the one it applies with (`why` is the table's reason).
        case optionNeedsAnother(command: String, option: String, why: String)
        /// A word that is not `key=value` where the command takes no operands.
        case unexpectedWord(command: String, word: String, options: [String])
        /// `append` with no event type.
        case missingEventType(command: String)
        /// A value that is not a point in time or time of the form `form` (`written` shows it
        /// as the user wrote it, `train: at=soon`).
        case badTime(written: String, form: TimeForm)
        /// An option's value that is not of its kind (`written` as `train: params=abc`).
        case badValue(written: String, expected: ValueForm)
        /// `#N` past the ledger's last event (`written` as `fleet: at=#9`).
        case pastLastEvent(written: String, events: Int)
        /// A site, chip model, investor or recipient the ledger never recorded; `known` are the
        /// names it has, `suggestions` the nearest of them.
        case unknownName(command: String, kind: NameKind, name: String, known: [String], suggestions: [String])
        /// `timeline` with no event counting by its `to=`: nothing to start from.
        case timelineWithoutStart(to: String, known: String)
        /// `timeline` with no event counting at its point in time.
        case timelineWithoutEvents(at: String, known: String)
        case timelineBackwards(from: String, to: String)
        case timelineTooManyPoints(from: String, to: String, every: String, limit: Int)
        /// `metric=mwh` with other metrics or `by=`: energy over each step plots alone.
        case timelineEnergyAlone
        /// A metric that has no groups of this kind (`usd` has none; allocated power, caps and
        /// headroom belong to sites).
        case timelineNotGrouped(metric: String, by: String)
        /// `svg=` with metrics of different units: one chart has one axis.
        case timelineChartUnits([String])
        /// `model=` with a metric that belongs to sites, or `site=`/`model=` with dollars or energy.
        case timelineNotScoped(metric: String, option: String)
        /// `train` at a point in time with nothing energized.
        case trainWithoutCapacity(at: String, known: String)
        /// A `train` figure past the largest finite double.
        case trainTooLarge(TrainFigure, at: String)
        /// `train site= model=` with nothing energized in that part of the fleet.
        case trainScopeWithoutCapacity(scope: String, at: String, known: String)
        /// `when metric=mwh`, `when metric=usd site=`, `when metric=allocated model=`.
        case whenNotALevel(WhenRefusal)
        /// `when window=` reaching back before the earliest time a ledger holds.
        case whenWindowTooEarly(days: Int, end: String, earliest: String)
        /// `energy from=` after `to=`.
        case energyBackwards(from: String, to: String)
        /// Options of two of a command's sets (`train params=` with `days=`).
        case optionSetsMixed(command: String, first: String, second: String, sets: String)
        /// An option of the set given that is missing.
        case optionOfSetMissing(command: String, option: String, usage: String)
        /// A long command the user interrupted.
        case interrupted

        // MARK: rules of the ledger

        /// An event that breaks a rule of `docs/events.md`, worded by the rule's check in
        /// `RuleState+*.swift` with the names it holds.
        case ruleBroken(String)
        /// An event that would take the ledger's total of `unit` past 2^63 − 1.
        case totalTooLarge(type: EventType, unit: String, counted: String)
        case keyNameReused(name: String, added: Int, revoked: Int?)
        case publicKeyReused(name: String, recordedAs: String, added: Int)
        case keyNotAdded(name: String, known: [String])
        case keyRevokedAlready(name: String, at: Int)
        case lastKeyInForce(name: String)
        /// An append without a signature to a ledger with keys in force.
        case unsignedAppend(inForce: [String])
        case signerNotRecorded(name: String, keys: [String])
        case signerMismatch(name: String, added: Int, fingerprint: String)
        case signerRevoked(name: String, at: Int)
        /// A ledger file of format `version` asked to hold what only a later format holds
        /// (`what`: keys and signatures in a version 1 file; site changes, closures and PUE
        /// before version 3).
        case needsUpgrade(version: Int, what: String)

        // MARK: restoring exported lines

        case seqDoesNotFollow(given: Int, next: Int)
        case recordedBackwards(type: EventType, recorded: Timestamp, last: Timestamp)
        case recordedInFuture(type: EventType, recorded: Timestamp, now: Timestamp)
        case signatureDoesNotFit(seq: Int)
        case signatureKeyNotInForce(first: Int, last: Int, key: String)
        case signatureDoesNotMatch(first: Int, last: Int, key: String)
        case hashMismatch(expected: String, computed: ChainHash, seq: Int)

        // MARK: the log and its checks

        /// A file that is not a ledger: `size` when it is shorter than the header, else its
        /// magic is wrong.
        case notALedger(path: String, size: Int?)
        case damagedHeader(path: String)
        case unsupportedVersion(path: String, version: Int, readable: ClosedRange<Int>)
        /// Damage found at `offset` in the log, at record `seq` when the damage is in one.
        case damagedLog(offset: Int, seq: Int?, Damage)
        /// Stored hashes that do not match the records `first...last` before them.
        case chainBroken(first: Int, last: Int, offset: Int)
        /// Seq `seq` recorded before the event before it.
        case recordedOutOfOrder(seq: Int, recorded: Timestamp, previous: Timestamp)
        case signatureRecord(offset: Int, first: Int, last: Int, key: String, SignatureFault)
        case unsignedBatch(first: Int, last: Int, keysSince: Int)
        case fileShrank(path: String, size: Int, read: Int)
        case fileEmptied(path: String)
        case checkpointDiffers(path: String, seq: Int)
        case digestNotExtended(name: String, size: Int, taken: Timestamp, DigestFault)
        case notADigest(DigestSyntax)
        /// A file given to `--digest` that holds no digest line.
        case noDigestLine(path: String)

        // MARK: files

        /// A system call that failed on `path` (nil when it has none), with its `errno`.
        case ioFailed(operation: FileOperation, path: String?, errno: Int32)
        /// A read that found the file shorter than its header said.
        case shortFile(path: String)
        case noLedger(path: String)
        case locked(path: String, holder: Int32?, waited: Double)
        case signingFailed(key: String, reason: String)
        /// A checkpoint asked of part of the log.
        case checkpointOfPart
        case keyFileExists(path: String)
        case keyFileReadable(path: String, mode: UInt32)
        case notAKeyFile(path: String)
        case keyFileNameNotID(path: String, name: String)
        case keyFileBadPrivateKey(path: String)
        case badKeyName(String)
        /// An output file that is the ledger, or a file the ledger uses.
        case refusingToOverwrite(path: String, protected: String, ledger: String?)

        // MARK: the console

        case takesNoOptions(String)
        /// A cursor or meta-command given an argument it does not take.
        case badArgument(command: String, accepts: ArgumentForm)
        case unknownMetaCommand(String, known: [String])
        case unknownBackslashCommand(String, known: [String])
        case noHelp(topic: String)
        case alreadyReading(path: String)
        case transactionOpen(events: Int)
        case noTransaction(command: String)
        /// `verify` or `export` inside a transaction.
        case needsStoredLedger(command: String)
        case lineNotUTF8

        /// Another error seen from a context (a file and line, `--with FILE`, …).
        case within(Context, LedgerError)
        /// A message used once, of `kind`: what `LedgerError.data(_:)` and the other constructors
        /// make, for a refusal that has no case of its own.
        case other(Kind, String)
    }

    /// What is wrong with an event field's value (`got` as the input wrote it).
    public enum FieldFault: Sendable, Hashable {
        case missing
        case empty
        case tooLong(bytes: Int, limit: Int)
        /// Not of the JSON type the field takes (`expected` is `a string`, `a number`).
        case wrongType(expected: String, got: String)
        case controlCharacter(code: String, note: Bool)
        case notAnID(got: String)
        case notAPublicKey(got: String)
        case notFinite(got: String)
        case negative(got: String)
        case notPositive(got: String)
        case tooLarge(got: String)
        case tooLargeAtMost(limit: Double, unit: String, got: String)
        /// Outside `low`…`high` (both allowed).
        case outOfRange(low: Double, high: Double, got: String)
        case wholeWithFraction(got: String)
        case notWhole(got: String)
        case notCount(got: String)
        case notSeq(got: String)
        case tooPrecise(places: Int, got: String)
        case notATime(got: String)
        case notToTheSecond(got: String)
        case signatureWithoutHash
        case badSignatures(got: String)
    }

    /// Why a JSON line does not parse.
    public enum JSONFault: Sendable, Hashable {
        case expectedObject, expectedFieldName, unterminatedObject, expectedCommaOrBrace, textAfterObject
        case expectedColon(after: String)
        case missingValue(field: String)
        case unexpectedCharacter(field: String)
        case unexpectedEnd, unknownLiteral
        case leadingZero(field: String)
        case badNumber(field: String)
        case controlInString, unterminatedString, badEscape, badUnicodeEscape
        case unknownEscape(Character)
        case unterminatedNesting
    }

    /// Which text is not UTF-8.
    public enum NotUTF8: Sendable, Hashable {
        /// A field (nil: a field's name), and whether a `\u` escape left a surrogate unpaired.
        case field(String?, unpairedSurrogate: Bool)
        /// A field of `capacity append TYPE …` (nil: its name).
        case argument(type: String, field: String?)
        /// An option of a query command (`command` nil when the command itself is not UTF-8).
        case option(command: String?, option: String)
        case word(command: String?, word: String)
    }

    /// How a point in time or a time may be written, for the one hint on dates.
    public enum TimeForm: Sendable, Hashable {
        /// An option's point in time: a date, a date-time, `#SEQ` or `now`.
        case pointInTime
        /// An operand of `diff`.
        case operand
        /// An option's time (`known=`): a date, a date-time or `now`.
        case time
        /// The console's `at` and `known`.
        case cursorAt, cursorKnown
        /// `--since`, `--until` of `capacity log`: a date or a date-time (`written` is the value).
        case dateOrDateTime(option: String)
        /// `--until` of `capacity recover`: a seq or a time.
        case seqOrTime(option: String)
    }

    /// What an option's value must be.
    public enum ValueForm: Sendable, Hashable {
        case oneOf([String])
        /// A value the option takes elsewhere but not in this command, and why.
        case notHere(accepted: [String], why: String)
        case amount
        case amountTooLarge
        case fraction
        case count
        case pixels
        case days
        /// A list that names a value twice.
        case eachOnce
    }

    /// Why `when` does not take a metric as asked.
    public enum WhenRefusal: Sendable, Hashable {
        case energy, scopedDollars, allocatedByModel
    }

    public enum TrainFigure: Sendable, Hashable {
        case pflops, flops, days
        /// The FLOPs of `train days=` and the tokens of its largest model.
        case daysFLOPs, largestTokens
    }

    /// What a console command's argument must be.
    public enum ArgumentForm: Sendable, Hashable {
        case onOff, mode, expanded, fileName, fileNameOrStdout
    }

    /// A system call that failed, as the message names it: `cannot open PATH`.
    public enum FileOperation: Sendable, Hashable {
        case open, read, write, stat, lock, sync, truncate, create, close
        /// `rename TEMPORARY to PATH`.
        case rename(from: String)
        /// `open the directory of PATH`, `sync the directory of PATH`.
        case openDirectory, syncDirectory
        case createTemporaryDirectory
        case openSigningKey, statSigningKey, readSigningKey
        case writeKeyFile
        /// `write the checkpoint beside LEDGER`.
        case writeCheckpoint
    }

    /// What is wrong in the log at a byte offset.
    public enum Damage: Sendable, Hashable {
        case malformedSignature(after: Int)
        case signatureSeqs(first: Int, last: Int, lastRecord: Int)
        case malformedCommit(after: Int)
        case commitSeq(named: Int, lastRecord: Int)
        /// A record that does not decode (`what` is the codec's reason).
        case badRecord(String)
        /// A frame that fails its checks (`why`: `CRC mismatch`, …) and no torn write, because:
        case completeFrame(why: String)
        case commitWithDamagedLength(why: String, commitSeq: Int)
        case commitFollows(why: String, commitOffset: Int)
        /// Zeros over acknowledged batches, told by a checkpoint built at a later seq.
        case lostTail(checkpointSeq: Int, events: Int, tailBytes: Int, reason: String?)
    }

    public enum SignatureFault: Sendable, Hashable {
        case unknownKey
        case keyNotInForce(addedAt: Int?, revokedAt: Int?)
        case doesNotMatch
    }

    public enum DigestFault: Sendable, Hashable {
        case shorter(events: Int)
        case noHash
        case differs(computed: ChainHash, digest: ChainHash)
    }

    /// Which word of a digest line is wrong.
    public enum DigestSyntax: Sendable, Hashable {
        case empty
        case tag(String)
        case wordCount(Int)
        case eventCount(String)
        case head(String)
        case time(String)
    }

    /// Where an error was met, said around its message.
    public enum Context: Sendable, Hashable {
        /// A line of a file of commands or digests.
        case fileLine(path: String, line: Int)
        /// `--with FILE`.
        case with(path: String)
        /// The console's `.read FILE`.
        case read(path: String)
        /// `--digest VALUE` (a usage error whatever the inner one).
        case digestOption
        /// A `.output` file that could not be written; output goes to the terminal again.
        case outputAbandoned
        /// Damage that stops a writer: `capacity recover` saves the events before it.
        case recoverAdvice
        /// Seq `seq` of a stored log (a verification error whatever the inner one).
        case storedSeq(Int)
        /// A transaction's event `index` (`event` its label) that no longer holds at commit;
        /// `since` is the transaction's note of what others appended since `begin`.
        case commit(index: Int, event: String, since: String)
        /// A failed append whose batch could not be cut off again (an I/O error).
        case cutFailed(path: String, errno: Int32)
    }
}

extension LedgerError.Problem {
    /// The kind, hence the exit code, of each case.
    public var kind: LedgerError.Kind {
        switch self {
        case .other(let kind, _): kind
        case .within(let context, let inner):
            switch context {
            case .digestOption: .usage
            case .storedSeq: .verification
            case .cutFailed: .io
            default: inner.kind
            }
        case .notKeyValue, .keyFileReadable, .notAKeyFile, .keyFileNameNotID, .keyFileBadPrivateKey, .badKeyName,
             .notADigest, .noDigestLine, .needsStoredLedger:
            .usage
        case .ioFailed, .shortFile, .noLedger, .signingFailed, .checkpointOfPart, .keyFileExists:
            .io
        case .notALedger, .damagedHeader, .unsupportedVersion, .damagedLog, .chainBroken, .recordedOutOfOrder,
             .signatureRecord, .unsignedBatch, .fileShrank, .fileEmptied, .checkpointDiffers, .digestNotExtended:
            .verification
        case .badTime(_, .dateOrDateTime), .badTime(_, .seqOrTime): .usage
        case .locked: .busy
        case .interrupted: .interrupted
        default: .data
        }
    }
}
