import CCapacitySupport

/// The words of every error: the one place a `LedgerError.Problem` becomes the text a user
/// reads. Tests, transcripts and the documentation compare this text exactly, so a change of
/// wording is made here and nowhere else.
extension LedgerError.Problem {
    /// The message, without the `line N: ` that `LedgerError.message` puts in front.
    public var text: String {
        switch self {
        // event input
        case .missingType:
            "field \"type\" is missing (one of: \(EventType.names.joined(separator: ", ")))"
        case .typeNotText(let got):
            "field \"type\" must be a string, got \(got)"
        case .unknownEventType(let name):
            "unknown event type \"\(Format.visible(Format.clipped(name)))\" (one of: \(EventType.names.joined(separator: ", ")))"
        case .unknownField(let type, let field):
            "\(type.rawValue): unknown field \"\(Format.visible(Format.clipped(field)))\" (accepted: \((type.fields + EventType.commonFields.dropFirst()).map(\.name).joined(separator: ", ")))"
        case .nothingGiven(let type, let fields):
            "\(type.rawValue): give at least one of the fields \(fields.joined(separator: ", ")) (nothing would change)"
        case .badField(let type, let field, let fault):
            "\(type.rawValue): field \"\(field)\" \(fault.text)"
        case .duplicateField(let key):
            "field \"\(key)\" is given twice"
        case .badJSON(let column, let fault):
            "invalid JSON at column \(column): \(fault.text)"
        case .notUTF8(let place):
            place.text
        case .notKeyValue(let word):
            "expected key=value, got \"\(word)\""
        case .unterminatedQuote(let line):
            "unterminated quote in: \(line)"
        case .lineTooLong(let limit, let name):
            "longer than \(Format.grouped(limit)) bytes, the longest line accepted; \(name) was not read further"

        // queries
        case .emptyCommand:
            "empty command"
        case .unknownCommand(let name):
            "unknown command \"\(name)\" (commands: \(CommandSpec.names.joined(separator: ", ")))"
        case .unknownOption(let command, let option, let accepted):
            "\(command): unknown option \"\(option)\" (\(accepted.isEmpty ? "it takes no options" : "accepted: \(accepted.joined(separator: ", "))"))"
        case .optionGivenTwice(let command, let option):
            "\(command): option \"\(option)\" is given twice"
        case .optionWithoutValue(let command, let option):
            "\(command): option \"\(option)\" needs a value (\(option)=…)"
        case .wrongOperandCount(let command, let expected, let got, let usage):
            "\(command): expected \(expected) times, got \(got) (usage: \(usage))"
        case .missingOption(let command, let option, let accepted, let usage):
            "\(command): \(option)= is required (\(accepted.map { "one of: \($0.joined(separator: ", "))" } ?? "usage: \(usage)"))"
        case .optionNeedsAnother(let command, let option, let why):
            "\(command): \(option)= \(why)"
        case .unexpectedWord(let command, let word, let options):
            "\(command): unexpected word \"\(word)\" (options are key=value: \(options.joined(separator: ", ")))"
        case .missingEventType(let command):
            "\(command): give an event type and its fields (one of: \(EventType.names.joined(separator: ", ")))"
        case .badTime(let written, let form):
            form.refusal(written)
        case .badValue(let written, let expected):
            "\(written) \(expected.text)"
        case .pastLastEvent(let written, let events):
            "\(written) is past the last event (the ledger has \(Format.counted(events, "event")))"
        case .unknownName(let command, let kind, let name, let known, let suggestions):
            "\(command): unknown \(kind.noun) \"\(name)\" (\(Self.nameHint(kind, known: known, suggestions: suggestions)))"
        case .timelineWithoutStart(let to, let known):
            "timeline: no events count by to=\(to) (known \(known)), so there is no first event to start from; give from="
        case .timelineWithoutEvents(let at, let known):
            "timeline: no events count at \(at) (known \(known))"
        case .timelineBackwards(let from, let to):
            "timeline: from=\(from) is after to=\(to)"
        case .timelineEnergyAlone:
            "timeline: metric=mwh is the energy drawn over each step and is plotted alone, without by= (energy by=site|model|region|vendor groups it)"
        case .timelineNotGrouped(let metric, let by):
            metric == "usd"
                ? "timeline: metric=usd has no groups: dollars are committed by investors to recipients, not to sites or models (investments lists them)"
                : "timeline: metric=\(metric) belongs to sites, not to chip models, so it has no by=\(by) (by=site or by=region)"
        case .timelineNotScoped(let metric, let option):
            metric == "usd"
                ? "timeline: metric=usd counts every committed dollar; it takes no \(option)"
                : metric == "mwh"
                ? "timeline: metric=mwh takes no \(option) (energy from= to= site= model= does)"
                : "timeline: metric=\(metric) belongs to sites, not to chip models, so it takes no model= (site= only)"
        case .timelineChartUnits(let units):
            "timeline: svg= draws one axis, and these metrics are in different units (\(units.joined(separator: ", "))); plot them in separate charts"
        case .timelineTooManyPoints(let from, let to, let every, let limit):
            "timeline: from=\(from) to=\(to) every=\(every) gives more than \(Format.grouped(limit)) points, the most a timeline shows; choose a coarser every= or a shorter range"
        case .trainWithoutCapacity(let at, let known):
            "train: the fleet has no energized capacity at \(at) (known \(known)); pick a later at= or check power allocations"
        case .trainTooLarge(.pflops, let at):
            "train: the fleet PFLOPS figure at \(at) is too large to compute"
        case .trainTooLarge(.flops, _):
            "train: the FLOPs figure 6·params·tokens is too large (above \(Format.scientific(.greatestFiniteMagnitude))); lower params= or tokens="
        case .trainTooLarge(.days, _):
            "train: the days figure FLOPs / (PFLOPS·10^15·mfu) is too large (above \(Format.scientific(.greatestFiniteMagnitude))); lower params= or tokens=, or raise mfu="
        case .trainTooLarge(.daysFLOPs, _):
            "train: the FLOPs figure PFLOPS·10^15·mfu·86400·days is too large (above \(Format.scientific(.greatestFiniteMagnitude))); lower days="
        case .trainTooLarge(.largestTokens, _):
            "train: the tokens figure tokens_per_param·params is too large (above \(Format.scientific(.greatestFiniteMagnitude))); lower tokens_per_param= or days="
        case .trainScopeWithoutCapacity(let scope, let at, let known):
            "train: no chips \(scope) are energized at \(at) (known \(known)); pick a later at=, or another site= or model="
        case .whenNotALevel(.energy):
            "when: metric=mwh is energy over a period, not a level the fleet reaches; ask energy from= to= or timeline metric=mwh"
        case .whenNotALevel(.scopedDollars):
            "when: metric=usd counts every committed dollar; it takes no site= or model="
        case .whenNotALevel(.allocatedByModel):
            "when: metric=allocated is power allocated to sites, not to chip models; give site= only"
        case .whenWindowTooEarly(let days, let end, let earliest):
            "when: the window of \(Format.counted(days, "day")) to \(end) starts before \(earliest), the earliest time a ledger holds; give a shorter window="
        case .energyBackwards(let from, let to):
            "energy: from=\(from) is after to=\(to)"
        case .optionSetsMixed(let command, let first, let second, let sets):
            "\(command): \(first)= and \(second)= do not go together (give \(sets))"
        case .optionOfSetMissing(let command, let option, let usage):
            "\(command): \(option)= is required (usage: \(usage))"
        case .interrupted:
            "interrupted"

        // rules
        case .ruleBroken(let rule):
            rule
        case .totalTooLarge(let type, let unit, let counted):
            "\(type.rawValue): with this event the ledger's \(unit) would add up to more than \(Format.grouped(Int64.max)) (counting \(counted)), and totals past that cannot be computed exactly"
        case .keyNameReused(let name, let added, let revoked):
            "key.added \(name): a key named \(name) was added at #\(added)\(revoked.map { " and revoked at #\($0)" } ?? ""); key names are never reused"
        case .publicKeyReused(let name, let recordedAs, let added):
            "key.added \(name): this public key is already recorded as key \(recordedAs) (#\(added))"
        case .keyNotAdded(let name, let known):
            "key.revoked \(name): no key named \(name) was added" + (known.isEmpty ? " (the ledger has no keys)" : " (keys: \(known.joined(separator: ", ")))")
        case .keyRevokedAlready(let name, let at):
            "key.revoked \(name): the key was revoked already at #\(at)"
        case .lastKeyInForce(let name):
            "key.revoked \(name): it is the last key in force, and a ledger with keys needs one to sign its appends; add another key first"
        case .unsignedAppend(let inForce):
            "this ledger takes signed appends only (keys in force: \(inForce.joined(separator: ", "))): sign with --sign KEYFILE or $CAPACITY_SIGNING_KEY; nothing was appended"
        case .signerNotRecorded(let name, let keys):
            "signing key \(name) is not recorded in this ledger (keys: \(keys.joined(separator: ", "))); nothing was appended"
        case .signerMismatch(let name, let added, let fingerprint):
            "signing key \(name) does not match the public key recorded for it at #\(added) (\(fingerprint)…); nothing was appended"
        case .signerRevoked(let name, let at):
            "signing key \(name) was revoked at #\(at) and can no longer sign; nothing was appended"
        case .needsUpgrade(let version, let what):
            "this ledger file is format version \(version), which holds no \(what): run capacity upgrade first (it rewrites the header only; every event and the head hash stay the same)"

        // restoring exported lines
        case .seqDoesNotFollow(let given, let next):
            "seq \(given) does not follow this ledger, whose next seq is \(next) (exported lines restore only into a ledger holding exactly the events before them)"
        case .recordedBackwards(let type, let recorded, let last):
            "\(type.rawValue): recorded \(recorded.iso8601) is earlier than the ledger's last recorded time \(last.iso8601); recorded times never go backwards"
        case .recordedInFuture(let type, let recorded, let now):
            "\(type.rawValue): recorded \(recorded.iso8601) is in the future (now is \(now.iso8601))"
        case .signatureDoesNotFit(let seq):
            "field \"signature\" does not fit seq \(seq) (its first seq is after the event, or the line has no hash)"
        case .signatureKeyNotInForce(let first, let last, let key):
            "the signature of \(Format.seqs(first, last)) names key \(key), which is not in force for them in this ledger"
        case .signatureDoesNotMatch(let first, let last, let key):
            "the signature of \(Format.seqs(first, last)) by key \(key) does not match (the exported lines were altered, or come from another ledger)"
        case .hashMismatch(let expected, let computed, let seq):
            "hash \(expected) does not match the computed hash \(computed.hex) of seq \(seq) (the exported line was altered, or comes from another ledger)"

        // the log
        case .notALedger(let path, let size?):
            "\(path): not a capacity ledger (file is \(Format.counted(size, "byte")), shorter than the 32-byte header)"
        case .notALedger(let path, nil):
            "\(path): not a capacity ledger (the file does not start with CAPLEDGR)"
        case .damagedHeader(let path):
            "\(path): the ledger header is damaged (CRC mismatch at byte offset 0)"
        case .unsupportedVersion(let path, let version, let readable):
            "\(path): ledger format version \(version) is not supported (this build reads versions \(readable.lowerBound) to \(readable.upperBound))"
        case .damagedLog(let offset, let seq, let damage):
            "log damaged at byte offset \(offset)\(seq.map { " (seq \($0))" } ?? ""): \(damage.text)"
        case .chainBroken(let first, let last, let offset):
            "hash chain broken: \(first == last ? "record seq \(first) does" : "records seq \(first)–\(last) do") not match the hash stored after seq \(last) (byte offset \(offset)); the log was edited"
        case .recordedOutOfOrder(let seq, let recorded, let previous):
            "seq \(seq): recorded time \(recorded.iso8601) is earlier than the one before it (\(previous.iso8601))"
        case .signatureRecord(let offset, let first, let last, let key, let fault):
            "signature record at byte offset \(offset) (\(Format.seqs(first, last)), key \(key)): \(fault.text(key: key))"
        case .unsignedBatch(let first, let last, let keysSince):
            "\(Format.seqs(first, last)) \(first == last ? "was" : "were") appended without a signature, though the ledger has held keys since #\(keysSince); the signature was removed or the batch was written around the rules"
        case .fileShrank(let path, let size, let read):
            "\(path) is shorter (\(size) bytes) than the \(read) bytes already read: committed data was removed"
        case .fileEmptied(let path):
            "\(path) lost its contents"
        case .checkpointDiffers(let path, let seq):
            "the checkpoint \(path) does not match the log up to seq \(seq): its bytes differ from a rebuild (it was edited, forged or damaged); it was replaced by the rebuild"
        case .digestNotExtended(let name, let size, let taken, let fault):
            "the ledger does not extend the digest \(name) of \(Format.counted(size, "event")) taken \(taken.iso8601): \(fault.text(size: size))"
        case .notADigest(let syntax):
            "not a ledger digest (\(syntax.text)); a digest reads \(LedgerDigest.tag) NAME EVENTS HEAD TIME, as capacity digest prints it"
        case .noDigestLine(let path):
            "\(path) holds no digest line"

        // files
        case .ioFailed(let operation, let path, let errno):
            "cannot \(operation.text)\(path.map { " \($0)" } ?? ""): \(Self.reason(errno))"
        case .shortFile(let path):
            "cannot read \(path): the file is shorter than expected"
        case .noLedger(let path):
            "no ledger at \(path) (append or import events to create one, or name another with --ledger or $CAPACITY_LEDGER)"
        case .locked(let path, let holder, let waited):
            "\(path) is locked by another writer\(holder.map { " (pid \($0))" } ?? ""); gave up after \(Format.fixed(waited, places: waited < 10 ? 1 : 0)) s (--wait SECONDS waits longer)"
        case .signingFailed(let key, let reason):
            "signing with key \(key) failed: \(reason)"
        case .checkpointOfPart:
            "a checkpoint is written from the whole log"
        case .keyFileExists(let path):
            "cannot write the key file \(path): it exists already (a key file is never overwritten)"
        case .keyFileReadable(let path, let mode):
            "the signing key \(path) may be read by others (mode \(String(mode & 0o777, radix: 8))): chmod 600 \(path)"
        case .notAKeyFile(let path):
            "\(path): not a capacity signing key (expected one line \"\(SigningKey.fileLabel) NAME KEY\", as capacity keys new writes it)"
        case .keyFileNameNotID(let path, let name):
            "\(path): the key name \(Format.visible(Format.clipped(name))) is not an id"
        case .keyFileBadPrivateKey(let path):
            "\(path): the private key is not 64 hexadecimal digits"
        case .badKeyName(let name):
            "a key name must be \(Self.idRule); got \(Format.visible(Format.clipped(name)))"
        case .refusingToOverwrite(let path, let protected, let ledger):
            "refusing to write \(path): it is \(ledger.map { "a file the ledger \($0) uses:" } ?? "the ledger") \(protected); name another file"

        // the console
        case .takesNoOptions(let command):
            "\(command) takes no options"
        case .badArgument(let command, let accepts):
            "\(command) takes \(accepts.text)"
        case .unknownMetaCommand(let name, let known):
            "unknown meta-command \(name) (one of: \(known.joined(separator: ", ")))"
        case .unknownBackslashCommand(let name, let known):
            "unknown command \(name) (backslash commands: \(known.joined(separator: ", ")))"
        case .noHelp(let topic):
            "no help for \"\(topic)\" (commands: \(CommandSpec.names.joined(separator: ", ")))"
        case .alreadyReading(let path):
            ".read \(path): the file is already being read"
        case .transactionOpen(let events):
            "a transaction is already open (\(Format.counted(events, "event")) so far): commit or rollback first"
        case .noTransaction(let command):
            "\(command): no transaction is open (begin starts one)"
        case .needsStoredLedger(let command):
            "\(command) \(command == "verify" ? "checks" : "reads") the stored ledger; end the transaction first (commit or rollback)"
        case .lineNotUTF8:
            "the line is not valid UTF-8; it was not run"

        case .within(let context, let inner):
            context.text(around: inner)
        case .other(_, let message):
            message
        }
    }

    /// What an id may be, as every message about one says it.
    static let idRule = "an id of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 bytes"

    /// The text of `errno`.
    static func reason(_ errno: Int32) -> String { String(cString: ccap_error_text(errno)) }

    /// The nearest names to an unknown one, else the names the ledger knows, else where they
    /// are listed.
    static func nameHint(_ kind: NameKind, known: [String], suggestions: [String]) -> String {
        if !suggestions.isEmpty { return "did you mean \(suggestions.joined(separator: " or "))?" }
        if known.isEmpty { return "the ledger records no \(kind.noun) yet" }
        if known.count <= 8 { return "known: \(known.joined(separator: ", "))" }
        return "\(known.count) are known; \(kind.listedBy) lists them"
    }
}

extension LedgerError.FieldFault {
    var text: String {
        switch self {
        case .missing: "is missing"
        case .empty: "must not be empty"
        case .tooLong(let bytes, let limit): "is \(bytes) bytes; at most \(limit) are allowed"
        case .wrongType(let expected, let got): "must be \(expected), got \(got)"
        case .controlCharacter(let code, true): "must not contain control characters other than tab and line feed, got \(code)"
        case .controlCharacter(let code, false): "must not contain control characters, got \(code)"
        case .notAnID(let got): "must be \(LedgerError.Problem.idRule); got \(got)"
        case .notAPublicKey(let got): "must be an Ed25519 public key of 64 hexadecimal digits (as capacity keys new prints it); got \(got)"
        case .notFinite(let got): "must be finite, got \(got)"
        case .negative(let got): "must not be negative, got \(got)"
        case .notPositive(let got): "must be greater than 0, got \(got)"
        case .tooLarge(let got): "is too large, got \(got)"
        case .tooLargeAtMost(let limit, let unit, let got): "is too large (at most \(Format.grouped(limit, places: 0)) \(unit)), got \(got)"
        case .outOfRange(let low, let high, let got): "must be from \(Format.json(low)) to \(Format.json(high)), got \(got)"
        case .wholeWithFraction(let got): "must be written as a whole number without a fraction or exponent, got \(got)"
        case .notWhole(let got): "must be a whole number, got \(got)"
        case .notCount(let got): "must be a whole number greater than 0, got \(got)"
        case .notSeq(let got): "must be a seq (a whole number ≥ 1), got \(got)"
        case .tooPrecise(let places, let got): "has more than \(places) decimal places or is too large, got \(got)"
        case .notATime(let got): "must be \(LedgerError.TimeForm.dateOrDateTimeExamples), got \(got)"
        case .notToTheSecond(let got): "must be given to the second, got \(got)"
        case .signatureWithoutHash: "needs the line's hash (it signs the hash after this event)"
        case .badSignatures(let got): "must be KEY:FIRSTSEQ:SIGNATURE records separated by spaces, as capacity export writes them; got \(got)"
        }
    }
}

extension LedgerError.JSONFault {
    var text: String {
        switch self {
        case .expectedObject: "expected an object starting with {"
        case .expectedFieldName: "expected a field name in quotes"
        case .expectedColon(let key): "expected : after \"\(key)\""
        case .unterminatedObject: "unterminated object"
        case .expectedCommaOrBrace: "expected , or }"
        case .textAfterObject: "unexpected text after the object"
        case .missingValue(let field): "missing value for \"\(field)\""
        case .unexpectedCharacter(let field): "unexpected character in the value of \"\(field)\""
        case .unexpectedEnd: "unexpected end"
        case .unknownLiteral: "unknown literal"
        case .leadingZero(let field): "bad number for \"\(field)\" (JSON numbers have no leading zeros)"
        case .badNumber(let field): "bad number for \"\(field)\""
        case .controlInString: "control character inside a string"
        case .unterminatedString: "unterminated string"
        case .badEscape: "bad escape"
        case .badUnicodeEscape: "bad \\u escape"
        case .unknownEscape(let c): "bad escape \\\(c)"
        case .unterminatedNesting: "unterminated array or object"
        }
    }
}

extension LedgerError.NotUTF8 {
    var text: String {
        switch self {
        case .field(let field, let surrogate):
            "\(field.map { "field \"\($0)\"" } ?? "a field name") is not valid UTF-8\(surrogate ? " (unpaired surrogate)" : "")"
        case .argument(let type, let field):
            "\(type): \(field.map { "field \"\($0)\"" } ?? "a field name") is not valid UTF-8"
        case .option(let command, let option):
            "\(command.map { "\($0): " } ?? "")option \"\(option)\" is not valid UTF-8"
        case .word(let command, let word):
            "\(command.map { "\($0): " } ?? "")\"\(word)\" is not valid UTF-8"
        }
    }
}

extension LedgerError.TimeForm {
    /// The date and date-time every hint shows.
    static let date = "2025-10-29", dateTime = "2025-10-29T14:00:00Z"
    /// An event field's time.
    static let dateOrDateTimeExamples = "a date (\(date)) or a UTC date-time (\(dateTime))"

    /// The refusal of `written` (how the user wrote the value, with its option).
    func refusal(_ written: String) -> String {
        let d = Self.date, t = Self.dateTime
        return switch self {
        case .pointInTime: "\(written) is not a point in time (a date \(d), a UTC date-time \(t), #SEQ, or now)"
        case .operand: "\(written) is not a point in time (a date \(d), a UTC date-time, #SEQ, or now)"
        case .time: "\(written) is not a time (a date \(d), a UTC date-time \(t), or now)"
        case .cursorAt: "at takes one point in time: a date \(d), a UTC date-time \(t), #SEQ, or now"
        case .cursorKnown: "known takes one time: a date \(d), a UTC date-time \(t), or now"
        case .dateOrDateTime(let option): "\(option) must be a date or UTC date-time, got \(written)"
        case .seqOrTime(let option): "\(option) takes a seq or a time (\(d) or \(t)), got \(written)"
        }
    }
}

extension LedgerError.ValueForm {
    var text: String {
        switch self {
        case .oneOf(let accepted): "is not accepted (one of: \(accepted.joined(separator: ", ")))"
        case .notHere(let accepted, let why): "is not accepted: \(why) (one of: \(accepted.joined(separator: ", ")))"
        case .amount: "is not a positive number (suffixes K M B T, e.g. 1.8T)"
        case .amountTooLarge: "is too large (at most \(Format.scientific(.greatestFiniteMagnitude)))"
        case .fraction: "must be a number in (0, 1]"
        case .count: "must be a whole number ≥ 0"
        case .pixels: "must be a whole number of pixels from 320 to 4000"
        case .days: "must be a whole number of days from 1 to 36,500"
        case .eachOnce: "names a value twice"
        }
    }
}

extension LedgerError.ArgumentForm {
    var text: String {
        switch self {
        case .onOff: "on or off"
        case .mode: "one of: table, json, csv"
        case .expanded: "on, off or auto (\\x the same)"
        case .fileName: "a file name"
        case .fileNameOrStdout: "a file name, or stdout"
        }
    }
}

extension LedgerError.FileOperation {
    var text: String {
        switch self {
        case .open: "open"
        case .read: "read"
        case .write: "write"
        case .stat: "stat"
        case .lock: "lock"
        case .sync: "sync"
        case .truncate: "truncate"
        case .create: "create"
        case .close: "close"
        case .rename(let from): "rename \(from) to"
        case .openDirectory: "open the directory of"
        case .syncDirectory: "sync the directory of"
        case .createTemporaryDirectory: "create a temporary directory"
        case .openSigningKey: "open the signing key"
        case .statSigningKey: "stat the signing key"
        case .readSigningKey: "read the signing key"
        case .writeKeyFile: "write the key file"
        case .writeCheckpoint: "write the checkpoint beside"
        }
    }
}

extension LedgerError.Damage {
    var text: String {
        switch self {
        case .malformedSignature(let after):
            "malformed signature record after seq \(after)"
        case .signatureSeqs(let first, let last, let lastRecord):
            "signature record names seq \(first)–\(last) but the last record is seq \(lastRecord)"
        case .malformedCommit(let after):
            "malformed commit record after seq \(after)"
        case .commitSeq(let named, let lastRecord):
            "commit record names seq \(named) but the last record is seq \(lastRecord)"
        case .badRecord(let what):
            what
        case .completeFrame(let why):
            "\(why) in a complete frame; a crash cuts writes short but does not change bytes, so this is not a torn write"
        case .commitWithDamagedLength(let why, let seq):
            "\(why); the frame is the commit record of seq \(seq) with a damaged length, so this is not a torn write"
        case .commitFollows(let why, let offset):
            "\(why); committed data follows at byte offset \(offset), so this is not a torn write"
        case .lostTail(let checkpointSeq, let events, let tailBytes, let reason):
            "the checkpoint beside it was built at seq \(checkpointSeq), but the log holds \(Format.counted(events, "event")), then \(Format.counted(tailBytes, "byte")) that read like a write that never landed (\(reason ?? "unfinished batch")); acknowledged events were lost (unless the ledger was replaced after the checkpoint was written: then delete the checkpoint), so this is not a torn write"
        }
    }
}

extension LedgerError.SignatureFault {
    func text(key: String) -> String {
        switch self {
        case .unknownKey:
            "the ledger holds no key named \(key)"
        case .keyNotInForce(let added?, _):
            "the key was not in force for these records (it was added only at #\(added))"
        case .keyNotInForce(nil, let revoked):
            "the key was not in force for these records (it was revoked at #\(revoked ?? 0))"
        case .doesNotMatch:
            "the signature does not match the records and the hash after them; the batch or its signature was altered"
        }
    }
}

extension LedgerError.DigestFault {
    func text(size: Int) -> String {
        switch self {
        case .shorter(let events):
            "it holds \(Format.counted(events, "event")) (it was rolled back to an earlier copy, cut, or replaced by another ledger)"
        case .noHash:
            "no hash was computed at seq \(size)"
        case .differs(let computed, let digest):
            "after seq \(size) its hash chain gives \(computed.hex), the digest \(digest.hex) (the history up to seq \(size) was rewritten, or this is another ledger)"
        }
    }
}

extension LedgerError.DigestSyntax {
    var text: String {
        switch self {
        case .empty: "it is empty"
        case .tag(let word): "it starts with \"\(word)\""
        case .wordCount(let n): "\(n) words instead of 5"
        case .eventCount(let word): "the event count \"\(word)\" is not a whole number"
        case .head(let word): "the head \"\(word)\" is not 64 hex digits"
        case .time(let word): "the time \"\(word)\" is not a UTC date-time"
        }
    }
}

extension LedgerError.Context {
    /// `inner`'s message as seen from here.
    func text(around inner: LedgerError) -> String {
        switch self {
        case .fileLine(let path, let line):
            return "\(path) line \(line): \(inner.message)"
        case .with(let path):
            return "--with \(path): \(inner.message)"
        case .read(let path):
            // A file that cannot be opened or read is named once: `.read PATH: reason`.
            if inner.line == nil, case .ioFailed(_, path?, let errno) = inner.problem {
                return ".read \(path): \(LedgerError.Problem.reason(errno))"
            }
            return ".read \(path): \(inner.message)"
        case .digestOption:
            return "--digest takes a digest line (\(LedgerDigest.tag) …) or a file of them: \(inner.message)"
        case .outputAbandoned:
            return inner.message + "; results go to standard output again"
        case .recoverAdvice:
            return inner.message + "; run capacity recover to save the events before the damage"
        case .storedSeq(let seq):
            return "seq \(seq) breaks a rule: \(inner.message)"
        case .commit(let index, let event, let since):
            return "commit refused: event \(index) of the transaction (\(event)) no longer holds: \(inner.message)\(since). Nothing was appended; the transaction is still open (rollback drops it)"
        case .cutFailed(let path, let errno):
            return "\(inner.message); cutting the batch off again failed too (cannot truncate \(path): \(LedgerError.Problem.reason(errno))), so its commit record stays in the file and readers may see the batch: check with capacity export before appending it again"
        }
    }
}
