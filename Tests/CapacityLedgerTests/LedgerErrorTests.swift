import Glibc
@testable import CapacityLedger
import LedgerStorage
import Testing

/// The line an error is about is a field, rendered once, never read back from the text.
struct LedgerErrorTests {
    @Test func theLineIsAFieldShownBeforeTheText() {
        let e = LedgerError.data("chips.delivered: field \"site\" is missing").atLine(7)
        #expect(e.line == 7)
        #expect(e.text == "chips.delivered: field \"site\" is missing")
        #expect(e.message == "line 7: chips.delivered: field \"site\" is missing")
        #expect(e.exitCode == 65)
        // An error that names its line keeps it: a reader wrapping a decoder's error does not
        // put a second line in front.
        #expect(e.atLine(9).message == e.message)
        #expect(LedgerError.data("no line").atLine(nil).line == nil)
    }

    @Test func aBatchErrorNamesTheLineOnce() {
        let text = "{\"type\":\"site.opened\",\"site\":\"s1\",\"name\":\"S\"}\n\n{\"type\":\"site.opened\",\"site\":\"s1\"}\n"
        #expect(errorMessage { try EventBatch.parse(text) } == "line 3: site.opened: field \"name\" is missing")
    }

    /// The free-text constructors others call still make the kind they name.
    @Test func theFreeTextConstructorsKeepTheirKinds() {
        #expect(LedgerError.data("x").exitCode == 65)
        #expect(LedgerError.usage("x").exitCode == 64)
        #expect(LedgerError.io("x").exitCode == 74)
        #expect(LedgerError.verification("x").exitCode == 1)
        #expect(LedgerError(.busy, "x").exitCode == 75)
        #expect(LedgerError.usage("x").problem == .other(.usage, "x"))
    }

    /// Code tells errors apart by their case, not their text.
    @Test func errorsAreMatchedByCase() throws {
        let e = LedgerError(.badField(type: .rackInstalled, field: "kw", .missing)).atLine(3)
        guard case .badField(.rackInstalled, "kw", .missing) = e.problem else {
            Issue.record("not the case thrown: \(e.problem)")
            return
        }
        let read = LedgerError.io(.open, "/nope/x", errno: ENOENT).within(.read(path: "/nope/x"))
        #expect(read.message == ".read /nope/x: No such file or directory")
        #expect(read.exitCode == 74)
        // Another file's failure keeps its full message.
        let other = LedgerError.io(.read, "standard input", errno: EIO).within(.read(path: "-"))
        #expect(other.message == ".read -: cannot read standard input: Input/output error")
    }

    /// Every case: the exact text a user reads, and the exit code.
    @Test(arguments: RenderedError.all)
    func everyCaseIsWordedOnce(_ c: RenderedError) {
        #expect(c.error.message == c.text)
        #expect(c.error.exitCode == c.exit)
    }
}

/// An error, the text a user reads and the exit code.
struct RenderedError: Sendable, CustomTestStringConvertible {
    var error: LedgerError
    var text: String
    var exit: Int32

    init(_ problem: LedgerError.Problem, _ text: String, _ exit: Int32) {
        error = LedgerError(problem)
        self.text = text
        self.exit = exit
    }

    init(_ error: LedgerError, _ text: String, _ exit: Int32) {
        self.error = error
        self.text = text
        self.exit = exit
    }

    var testDescription: String { text }

    static let types = EventType.names.joined(separator: ", ")
    static let commands = CommandSpec.names.joined(separator: ", ")
    static let t1 = Timestamp.parse("2025-10-29T14:00:00Z")!, t2 = Timestamp.parse("2025-10-30T09:30:00Z")!
    static let h1 = ChainHash(hex: String(repeating: "ab", count: 32))!, h2 = ChainHash(hex: String(repeating: "cd", count: 32))!
    static let idRule = "an id of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 bytes"
    static let largest = Format.scientific(.greatestFiniteMagnitude)

    static let all: [RenderedError] = input + fields + json + queries + rules + restore + log + files + console + contexts

    static let input: [RenderedError] = [
        .init(.missingType, "field \"type\" is missing (one of: \(types))", 65),
        .init(.typeNotText(got: "a number"), "field \"type\" must be a string, got a number", 65),
        .init(.unknownEventType("rack.install\u{7}"), "unknown event type \"rack.install\\u0007\" (one of: \(types))", 65),
        .init(.nothingGiven(type: .siteUpdated, fields: ["name", "region", "power_cap_mw", "pue"]),
              "site.updated: give at least one of the fields name, region, power_cap_mw, pue (nothing would change)", 65),
        .init(.unknownField(type: .powerReleased, field: "kw"),
              "power.released: unknown field \"kw\" (accepted: site, mw, effective, note, source)", 65),
        .init(.duplicateField("site"), "field \"site\" is given twice", 65),
        .init(.notUTF8(.field("note", unpairedSurrogate: false)), "field \"note\" is not valid UTF-8", 65),
        .init(.notUTF8(.field(nil, unpairedSurrogate: true)), "a field name is not valid UTF-8 (unpaired surrogate)", 65),
        .init(.notUTF8(.argument(type: "chips.delivered", field: "note")), "chips.delivered: field \"note\" is not valid UTF-8", 65),
        .init(.notUTF8(.argument(type: "chips.delivered", field: nil)), "chips.delivered: a field name is not valid UTF-8", 65),
        .init(.notUTF8(.option(command: "fleet", option: "site")), "fleet: option \"site\" is not valid UTF-8", 65),
        .init(.notUTF8(.word(command: nil, word: "fl\u{FFFD}")), "\"fl\u{FFFD}\" is not valid UTF-8", 65),
        .init(.notKeyValue("site"), "expected key=value, got \"site\"", 64),
        .init(.unterminatedQuote(line: "fleet site=\"a"), "unterminated quote in: fleet site=\"a", 65),
        .init(LedgerError(.lineTooLong(limit: 1_048_576, name: "events.jsonl")).atLine(4),
              "line 4: longer than 1,048,576 bytes, the longest line accepted; events.jsonl was not read further", 65),
    ]

    static func field(_ fault: LedgerError.FieldFault, _ words: String) -> RenderedError {
        .init(.badField(type: .rackInstalled, field: "kw", fault), "rack.installed: field \"kw\" \(words)", 65)
    }

    static let fields: [RenderedError] = [
        field(.missing, "is missing"),
        field(.empty, "must not be empty"),
        field(.tooLong(bytes: 5000, limit: 4096), "is 5000 bytes; at most 4096 are allowed"),
        field(.wrongType(expected: "a number", got: "a string"), "must be a number, got a string"),
        field(.controlCharacter(code: "U+0007", note: false), "must not contain control characters, got U+0007"),
        field(.controlCharacter(code: "U+0007", note: true), "must not contain control characters other than tab and line feed, got U+0007"),
        field(.notAnID(got: "\"Rack 1\""), "must be \(idRule); got \"Rack 1\""),
        field(.notAPublicKey(got: "\"abc\""), "must be an Ed25519 public key of 64 hexadecimal digits (as capacity keys new prints it); got \"abc\""),
        field(.notFinite(got: "inf"), "must be finite, got inf"),
        field(.negative(got: "-3"), "must not be negative, got -3"),
        field(.notPositive(got: "0"), "must be greater than 0, got 0"),
        field(.tooLarge(got: "1e19"), "is too large, got 1e19"),
        field(.tooLargeAtMost(limit: 1e9, unit: "TFLOPS per chip", got: "2e9"), "is too large (at most 1,000,000,000 TFLOPS per chip), got 2e9"),
        field(.outOfRange(low: 1, high: 100, got: "0.9"), "must be from 1 to 100, got 0.9"),
        field(.wholeWithFraction(got: "4.0"), "must be written as a whole number without a fraction or exponent, got 4.0"),
        field(.notWhole(got: "4.5"), "must be a whole number, got 4.5"),
        field(.notCount(got: "many"), "must be a whole number greater than 0, got many"),
        field(.notSeq(got: "0"), "must be a seq (a whole number ≥ 1), got 0"),
        field(.tooPrecise(places: 3, got: "1.2345"), "has more than 3 decimal places or is too large, got 1.2345"),
        field(.notATime(got: "\"soon\""), "must be a date (2025-10-29) or a UTC date-time (2025-10-29T14:00:00Z), got \"soon\""),
        field(.notToTheSecond(got: "\"2025-10-29T14:00:00.5Z\""), "must be given to the second, got \"2025-10-29T14:00:00.5Z\""),
        field(.signatureWithoutHash, "needs the line's hash (it signs the hash after this event)"),
        field(.badSignatures(got: "\"x\""), "must be KEY:FIRSTSEQ:SIGNATURE records separated by spaces, as capacity export writes them; got \"x\""),
    ]

    static func json(_ fault: LedgerError.JSONFault, _ words: String) -> RenderedError {
        .init(.badJSON(column: 12, fault), "invalid JSON at column 12: \(words)", 65)
    }

    static let json: [RenderedError] = [
        json(.expectedObject, "expected an object starting with {"),
        json(.expectedFieldName, "expected a field name in quotes"),
        json(.expectedColon(after: "site"), "expected : after \"site\""),
        json(.unterminatedObject, "unterminated object"),
        json(.expectedCommaOrBrace, "expected , or }"),
        json(.textAfterObject, "unexpected text after the object"),
        json(.missingValue(field: "site"), "missing value for \"site\""),
        json(.unexpectedCharacter(field: "site"), "unexpected character in the value of \"site\""),
        json(.unexpectedEnd, "unexpected end"),
        json(.unknownLiteral, "unknown literal"),
        json(.leadingZero(field: "kw"), "bad number for \"kw\" (JSON numbers have no leading zeros)"),
        json(.badNumber(field: "kw"), "bad number for \"kw\""),
        json(.controlInString, "control character inside a string"),
        json(.unterminatedString, "unterminated string"),
        json(.badEscape, "bad escape"),
        json(.badUnicodeEscape, "bad \\u escape"),
        json(.unknownEscape("q"), "bad escape \\q"),
        json(.unterminatedNesting, "unterminated array or object"),
    ]

    static let queries: [RenderedError] = [
        .init(.emptyCommand, "empty command", 65),
        .init(.unknownCommand("flet"), "unknown command \"flet\" (commands: \(commands))", 65),
        .init(.unknownOption(command: "fleet", option: "sit", accepted: ["site", "at"]), "fleet: unknown option \"sit\" (accepted: site, at)", 65),
        .init(.unknownOption(command: "verify", option: "x", accepted: []), "verify: unknown option \"x\" (it takes no options)", 65),
        .init(.optionGivenTwice(command: "fleet", option: "at"), "fleet: option \"at\" is given twice", 65),
        .init(.optionWithoutValue(command: "fleet", option: "at"), "fleet: option \"at\" needs a value (at=…)", 65),
        .init(.wrongOperandCount(command: "diff", expected: 2, got: 1, usage: "diff T1 T2"), "diff: expected 2 times, got 1 (usage: diff T1 T2)", 65),
        .init(.missingOption(command: "timeline", option: "metric", accepted: ["chips", "mw"], usage: "timeline metric=…"),
              "timeline: metric= is required (one of: chips, mw)", 65),
        .init(.missingOption(command: "train", option: "params", accepted: nil, usage: "train params=70B tokens=15T"),
              "train: params= is required (usage: train params=70B tokens=15T)", 65),
        .init(.optionNeedsAnother(command: "history", option: "rack", why: "needs site="), "history: rack= needs site=", 65),
        .init(.unexpectedWord(command: "fleet", word: "now", options: ["site", "at"]), "fleet: unexpected word \"now\" (options are key=value: site, at)", 65),
        .init(.missingEventType(command: "append"), "append: give an event type and its fields (one of: \(types))", 65),
        .init(.badTime(written: "fleet: at=soon", form: .pointInTime),
              "fleet: at=soon is not a point in time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, #SEQ, or now)", 65),
        .init(.badTime(written: "diff: soon", form: .operand), "diff: soon is not a point in time (a date 2025-10-29, a UTC date-time, #SEQ, or now)", 65),
        .init(.badTime(written: "fleet: known=soon", form: .time),
              "fleet: known=soon is not a time (a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, or now)", 65),
        .init(.badTime(written: "soon", form: .cursorAt), "at takes one point in time: a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, #SEQ, or now", 65),
        .init(.badTime(written: "soon", form: .cursorKnown), "known takes one time: a date 2025-10-29, a UTC date-time 2025-10-29T14:00:00Z, or now", 65),
        .init(.badTime(written: "soon", form: .dateOrDateTime(option: "--since")), "--since must be a date or UTC date-time, got soon", 64),
        .init(.badTime(written: "soon", form: .seqOrTime(option: "--until")), "--until takes a seq or a time (2025-10-29 or 2025-10-29T14:00:00Z), got soon", 64),
        .init(.badValue(written: "fleet: precision=fp4", expected: .oneOf(["bf16", "fp8"])), "fleet: precision=fp4 is not accepted (one of: bf16, fp8)", 65),
        .init(.trainScopeWithoutCapacity(scope: "at s1", at: "2025-01-01", known: "now"),
              "train: no chips at s1 are energized at 2025-01-01 (known now); pick a later at=, or another site= or model=", 65),
        .init(.trainTooLarge(.daysFLOPs, at: "now"),
              "train: the FLOPs figure PFLOPS·10^15·mfu·86400·days is too large (above 1.798×10^308); lower days=", 65),
        .init(.trainTooLarge(.largestTokens, at: "now"),
              "train: the tokens figure tokens_per_param·params is too large (above 1.798×10^308); lower tokens_per_param= or days=", 65),
        .init(.whenNotALevel(.energy), "when: metric=mwh is energy over a period, not a level the fleet reaches; ask energy from= to= or timeline metric=mwh", 65),
        .init(.whenNotALevel(.scopedDollars), "when: metric=usd counts every committed dollar; it takes no site= or model=", 65),
        .init(.whenNotALevel(.allocatedByModel), "when: metric=allocated is power allocated to sites, not to chip models; give site= only", 65),
        .init(.whenWindowTooEarly(days: 36500, end: "2030-01-01", earliest: "1970-01-01"),
              "when: the window of 36,500 days to 2030-01-01 starts before 1970-01-01, the earliest time a ledger holds; give a shorter window=", 65),
        .init(.energyBackwards(from: "2026-01-01", to: "2025-01-01"), "energy: from=2026-01-01 is after to=2025-01-01", 65),
        .init(.optionSetsMixed(command: "train", first: "params", second: "days", sets: "params= tokens=, or days= tokens_per_param="),
              "train: params= and days= do not go together (give params= tokens=, or days= tokens_per_param=)", 65),
        .init(.optionOfSetMissing(command: "train", option: "tokens", usage: "train params= tokens="),
              "train: tokens= is required (usage: train params= tokens=)", 65),
        .init(.timelineEnergyAlone,
              "timeline: metric=mwh is the energy drawn over each step and is plotted alone, without by= (energy by=site|model|region|vendor groups it)", 65),
        .init(.timelineNotGrouped(metric: "headroom", by: "model"),
              "timeline: metric=headroom belongs to sites, not to chip models, so it has no by=model (by=site or by=region)", 65),
        .init(.timelineChartUnits(["drawn (MW)", "energized (chips)"]),
              "timeline: svg= draws one axis, and these metrics are in different units (drawn (MW), energized (chips)); plot them in separate charts", 65),
        .init(.timelineNotScoped(metric: "allocated", option: "model="),
              "timeline: metric=allocated belongs to sites, not to chip models, so it takes no model= (site= only)", 65),
        .init(.badValue(written: "timeline: metric=mw,mw", expected: .eachOnce), "timeline: metric=mw,mw names a value twice", 65),
        .init(.badValue(written: "power: by=model", expected: .notHere(accepted: ["site", "region"], why: "power is allocated to sites, not to chip models, so it has no model or vendor")),
              "power: by=model is not accepted: power is allocated to sites, not to chip models, so it has no model or vendor (one of: site, region)", 65),
        .init(.badValue(written: "train: params=abc", expected: .amount), "train: params=abc is not a positive number (suffixes K M B T, e.g. 1.8T)", 65),
        .init(.badValue(written: "train: params=1e308T", expected: .amountTooLarge), "train: params=1e308T is too large (at most \(largest))", 65),
        .init(.badValue(written: "train: mfu=2", expected: .fraction), "train: mfu=2 must be a number in (0, 1]", 65),
        .init(.badValue(written: "history: limit=-1", expected: .count), "history: limit=-1 must be a whole number ≥ 0", 65),
        .init(.badValue(written: "timeline: width=9", expected: .pixels), "timeline: width=9 must be a whole number of pixels from 320 to 4000", 65),
        .init(.pastLastEvent(written: "fleet: at=#9", events: 1), "fleet: at=#9 is past the last event (the ledger has 1 event)", 65),
        .init(.unknownName(command: "fleet", kind: .site, name: "rainer", known: ["rainier-in"], suggestions: ["rainier-in"]),
              "fleet: unknown site \"rainer\" (did you mean rainier-in?)", 65),
        .init(.unknownName(command: "fleet", kind: .model, name: "x", known: [], suggestions: []),
              "fleet: unknown chip model \"x\" (the ledger records no chip model yet)", 65),
        .init(.unknownName(command: "fleet", kind: .site, name: "x", known: ["a", "b"], suggestions: []), "fleet: unknown site \"x\" (known: a, b)", 65),
        .init(.unknownName(command: "investments", kind: .investor, name: "x", known: (1...9).map { "i\($0)" }, suggestions: []),
              "investments: unknown investor \"x\" (9 are known; investments lists them)", 65),
        .init(.timelineWithoutStart(to: "2025-10-29", known: "now"),
              "timeline: no events count by to=2025-10-29 (known now), so there is no first event to start from; give from=", 65),
        .init(.timelineWithoutEvents(at: "now", known: "now"), "timeline: no events count at now (known now)", 65),
        .init(.timelineBackwards(from: "2025-10-30", to: "2025-10-29"), "timeline: from=2025-10-30 is after to=2025-10-29", 65),
        .init(.timelineTooManyPoints(from: "1900-01-01", to: "2025-10-29", every: "day", limit: 10_000),
              "timeline: from=1900-01-01 to=2025-10-29 every=day gives more than 10,000 points, the most a timeline shows; choose a coarser every= or a shorter range", 65),
        .init(.trainWithoutCapacity(at: "now", known: "now"),
              "train: the fleet has no energized capacity at now (known now); pick a later at= or check power allocations", 65),
        .init(.trainTooLarge(.pflops, at: "now"), "train: the fleet PFLOPS figure at now is too large to compute", 65),
        .init(.trainTooLarge(.flops, at: "now"), "train: the FLOPs figure 6·params·tokens is too large (above \(largest)); lower params= or tokens=", 65),
        .init(.trainTooLarge(.days, at: "now"),
              "train: the days figure FLOPs / (PFLOPS·10^15·mfu) is too large (above \(largest)); lower params= or tokens=, or raise mfu=", 65),
        .init(.interrupted, "interrupted", 130),
    ]

    static let rules: [RenderedError] = [
        .init(.ruleBroken("rack.installed r1: site s1 has not been opened"), "rack.installed r1: site s1 has not been opened", 65),
        .init(.totalTooLarge(type: .chipsDelivered, unit: "chips", counted: "every delivery"),
              "chips.delivered: with this event the ledger's chips would add up to more than 9,223,372,036,854,775,807 (counting every delivery), and totals past that cannot be computed exactly", 65),
        .init(.keyNameReused(name: "ops", added: 3, revoked: 7), "key.added ops: a key named ops was added at #3 and revoked at #7; key names are never reused", 65),
        .init(.keyNameReused(name: "ops", added: 3, revoked: nil), "key.added ops: a key named ops was added at #3; key names are never reused", 65),
        .init(.publicKeyReused(name: "ops2", recordedAs: "ops", added: 3), "key.added ops2: this public key is already recorded as key ops (#3)", 65),
        .init(.keyNotAdded(name: "ops", known: []), "key.revoked ops: no key named ops was added (the ledger has no keys)", 65),
        .init(.keyNotAdded(name: "ops", known: ["a", "b"]), "key.revoked ops: no key named ops was added (keys: a, b)", 65),
        .init(.keyRevokedAlready(name: "ops", at: 9), "key.revoked ops: the key was revoked already at #9", 65),
        .init(.lastKeyInForce(name: "ops"),
              "key.revoked ops: it is the last key in force, and a ledger with keys needs one to sign its appends; add another key first", 65),
        .init(.unsignedAppend(inForce: ["ops", "ci"]),
              "this ledger takes signed appends only (keys in force: ops, ci): sign with --sign KEYFILE or $CAPACITY_SIGNING_KEY; nothing was appended", 65),
        .init(.signerNotRecorded(name: "me", keys: ["ops"]), "signing key me is not recorded in this ledger (keys: ops); nothing was appended", 65),
        .init(.signerMismatch(name: "ops", added: 3, fingerprint: "abcd1234"),
              "signing key ops does not match the public key recorded for it at #3 (abcd1234…); nothing was appended", 65),
        .init(.signerRevoked(name: "ops", at: 9), "signing key ops was revoked at #9 and can no longer sign; nothing was appended", 65),
        .init(.needsUpgrade(version: 1, what: "keys or signatures"),
              "this ledger file is format version 1, which holds no keys or signatures: run capacity upgrade first (it rewrites the header only; every event and the head hash stay the same)", 65),
        .init(.needsUpgrade(version: 2, what: "site.updated or site.closed events or PUE figures"),
              "this ledger file is format version 2, which holds no site.updated or site.closed events or PUE figures: run capacity upgrade first (it rewrites the header only; every event and the head hash stay the same)", 65),
    ]

    static let restore: [RenderedError] = [
        .init(.seqDoesNotFollow(given: 5, next: 3),
              "seq 5 does not follow this ledger, whose next seq is 3 (exported lines restore only into a ledger holding exactly the events before them)", 65),
        .init(.recordedBackwards(type: .siteOpened, recorded: t1, last: t2),
              "site.opened: recorded 2025-10-29T14:00:00Z is earlier than the ledger's last recorded time 2025-10-30T09:30:00Z; recorded times never go backwards", 65),
        .init(.recordedInFuture(type: .siteOpened, recorded: t2, now: t1),
              "site.opened: recorded 2025-10-30T09:30:00Z is in the future (now is 2025-10-29T14:00:00Z)", 65),
        .init(.signatureDoesNotFit(seq: 4), "field \"signature\" does not fit seq 4 (its first seq is after the event, or the line has no hash)", 65),
        .init(.signatureKeyNotInForce(first: 2, last: 4, key: "ops"),
              "the signature of \(Format.seqs(2, 4)) names key ops, which is not in force for them in this ledger", 65),
        .init(.signatureDoesNotMatch(first: 2, last: 4, key: "ops"),
              "the signature of \(Format.seqs(2, 4)) by key ops does not match (the exported lines were altered, or come from another ledger)", 65),
        .init(.hashMismatch(expected: "ff", computed: h1, seq: 4),
              "hash ff does not match the computed hash \(h1.hex) of seq 4 (the exported line was altered, or comes from another ledger)", 65),
    ]

    static let log: [RenderedError] = [
        .init(.notALedger(path: "l.cap", size: 5), "l.cap: not a capacity ledger (file is 5 bytes, shorter than the 32-byte header)", 1),
        .init(.notALedger(path: "l.cap", size: nil), "l.cap: not a capacity ledger (the file does not start with CAPLEDGR)", 1),
        .init(.damagedHeader(path: "l.cap"), "l.cap: the ledger header is damaged (CRC mismatch at byte offset 0)", 1),
        .init(.unsupportedVersion(path: "l.cap", version: 9, readable: 1...2), "l.cap: ledger format version 9 is not supported (this build reads versions 1 to 2)", 1),
        .init(.damagedLog(offset: 77, seq: nil, .malformedSignature(after: 3)), "log damaged at byte offset 77: malformed signature record after seq 3", 1),
        .init(.damagedLog(offset: 77, seq: nil, .signatureSeqs(first: 1, last: 2, lastRecord: 3)),
              "log damaged at byte offset 77: signature record names seq 1–2 but the last record is seq 3", 1),
        .init(.damagedLog(offset: 77, seq: nil, .malformedCommit(after: 3)), "log damaged at byte offset 77: malformed commit record after seq 3", 1),
        .init(.damagedLog(offset: 77, seq: nil, .commitSeq(named: 5, lastRecord: 3)), "log damaged at byte offset 77: commit record names seq 5 but the last record is seq 3", 1),
        .init(.damagedLog(offset: 77, seq: 4, .badRecord("truncated times")), "log damaged at byte offset 77 (seq 4): truncated times", 1),
        .init(.damagedLog(offset: 77, seq: 4, .completeFrame(why: "CRC mismatch")),
              "log damaged at byte offset 77 (seq 4): CRC mismatch in a complete frame; a crash cuts writes short but does not change bytes, so this is not a torn write", 1),
        .init(.damagedLog(offset: 77, seq: 4, .commitWithDamagedLength(why: "CRC mismatch", commitSeq: 3)),
              "log damaged at byte offset 77 (seq 4): CRC mismatch; the frame is the commit record of seq 3 with a damaged length, so this is not a torn write", 1),
        .init(.damagedLog(offset: 77, seq: 4, .commitFollows(why: "CRC mismatch", commitOffset: 120)),
              "log damaged at byte offset 77 (seq 4): CRC mismatch; committed data follows at byte offset 120, so this is not a torn write", 1),
        .init(.damagedLog(offset: 77, seq: nil, .lostTail(checkpointSeq: 9, events: 4, tailBytes: 4096, reason: nil)),
              "log damaged at byte offset 77: the checkpoint beside it was built at seq 9, but the log holds 4 events, then 4,096 bytes that read like a write that never landed (unfinished batch); acknowledged events were lost (unless the ledger was replaced after the checkpoint was written: then delete the checkpoint), so this is not a torn write", 1),
        .init(.chainBroken(first: 3, last: 3, offset: 200), "hash chain broken: record seq 3 does not match the hash stored after seq 3 (byte offset 200); the log was edited", 1),
        .init(.chainBroken(first: 2, last: 3, offset: 200), "hash chain broken: records seq 2–3 do not match the hash stored after seq 3 (byte offset 200); the log was edited", 1),
        .init(.recordedOutOfOrder(seq: 4, recorded: t1, previous: t2),
              "seq 4: recorded time 2025-10-29T14:00:00Z is earlier than the one before it (2025-10-30T09:30:00Z)", 1),
        .init(.signatureRecord(offset: 90, first: 2, last: 3, key: "ops", .unknownKey),
              "signature record at byte offset 90 (\(Format.seqs(2, 3)), key ops): the ledger holds no key named ops", 1),
        .init(.signatureRecord(offset: 90, first: 2, last: 3, key: "ops", .keyNotInForce(addedAt: 5, revokedAt: nil)),
              "signature record at byte offset 90 (\(Format.seqs(2, 3)), key ops): the key was not in force for these records (it was added only at #5)", 1),
        .init(.signatureRecord(offset: 90, first: 2, last: 3, key: "ops", .keyNotInForce(addedAt: nil, revokedAt: 1)),
              "signature record at byte offset 90 (\(Format.seqs(2, 3)), key ops): the key was not in force for these records (it was revoked at #1)", 1),
        .init(.signatureRecord(offset: 90, first: 2, last: 3, key: "ops", .doesNotMatch),
              "signature record at byte offset 90 (\(Format.seqs(2, 3)), key ops): the signature does not match the records and the hash after them; the batch or its signature was altered", 1),
        .init(.unsignedBatch(first: 4, last: 4, keysSince: 2),
              "\(Format.seqs(4, 4)) was appended without a signature, though the ledger has held keys since #2; the signature was removed or the batch was written around the rules", 1),
        .init(.unsignedBatch(first: 4, last: 6, keysSince: 2),
              "\(Format.seqs(4, 6)) were appended without a signature, though the ledger has held keys since #2; the signature was removed or the batch was written around the rules", 1),
        .init(.fileShrank(path: "l.cap", size: 10, read: 20), "l.cap is shorter (10 bytes) than the 20 bytes already read: committed data was removed", 1),
        .init(.fileEmptied(path: "l.cap"), "l.cap lost its contents", 1),
        .init(.checkpointDiffers(path: "l.cap.ckpt", seq: 9),
              "the checkpoint l.cap.ckpt does not match the log up to seq 9: its bytes differ from a rebuild (it was edited, forged or damaged); it was replaced by the rebuild", 1),
        .init(.digestNotExtended(name: "nightly", size: 5, taken: t1, .shorter(events: 3)),
              "the ledger does not extend the digest nightly of 5 events taken 2025-10-29T14:00:00Z: it holds 3 events (it was rolled back to an earlier copy, cut, or replaced by another ledger)", 1),
        .init(.digestNotExtended(name: "nightly", size: 5, taken: t1, .noHash),
              "the ledger does not extend the digest nightly of 5 events taken 2025-10-29T14:00:00Z: no hash was computed at seq 5", 1),
        .init(.digestNotExtended(name: "nightly", size: 5, taken: t1, .differs(computed: h1, digest: h2)),
              "the ledger does not extend the digest nightly of 5 events taken 2025-10-29T14:00:00Z: after seq 5 its hash chain gives \(h1.hex), the digest \(h2.hex) (the history up to seq 5 was rewritten, or this is another ledger)", 1),
    ]

    static func digest(_ syntax: LedgerError.DigestSyntax, _ what: String) -> RenderedError {
        .init(.notADigest(syntax), "not a ledger digest (\(what)); a digest reads capacity-digest/1 NAME EVENTS HEAD TIME, as capacity digest prints it", 64)
    }

    static let files: [RenderedError] = [
        digest(.empty, "it is empty"),
        digest(.tag("hello"), "it starts with \"hello\""),
        digest(.wordCount(3), "3 words instead of 5"),
        digest(.eventCount("x"), "the event count \"x\" is not a whole number"),
        digest(.head("x"), "the head \"x\" is not 64 hex digits"),
        digest(.time("x"), "the time \"x\" is not a UTC date-time"),
        .init(.noDigestLine(path: "d.txt"), "d.txt holds no digest line", 64),
        .init(LedgerError.io(.open, "/x/l.cap", errno: ENOENT), "cannot open /x/l.cap: No such file or directory", 74),
        .init(LedgerError.io(.write, "out.csv", errno: EISDIR), "cannot write out.csv: Is a directory", 74),
        .init(LedgerError.io(.rename(from: "out.csv.tmp"), "out.csv", errno: EACCES), "cannot rename out.csv.tmp to out.csv: Permission denied", 74),
        .init(LedgerError.io(.openDirectory, "/x/l.cap", errno: EACCES), "cannot open the directory of /x/l.cap: Permission denied", 74),
        .init(LedgerError.io(.createTemporaryDirectory, nil, errno: ENOSPC), "cannot create a temporary directory: No space left on device", 74),
        .init(LedgerError.io(.readSigningKey, "k", errno: EIO), "cannot read the signing key k: Input/output error", 74),
        .init(LedgerError.io(.writeCheckpoint, "l.cap", errno: ENOSPC), "cannot write the checkpoint beside l.cap: No space left on device", 74),
        .init(.shortFile(path: "l.cap.ckpt"), "cannot read l.cap.ckpt: the file is shorter than expected", 74),
        .init(.noLedger(path: "l.cap"),
              "no ledger at l.cap (append or import events to create one, or name another with --ledger or $CAPACITY_LEDGER)", 74),
        .init(.locked(path: "l.cap", holder: 1234, waited: 2), "l.cap is locked by another writer (pid 1234); gave up after 2.0 s (--wait SECONDS waits longer)", 75),
        .init(.locked(path: "l.cap", holder: nil, waited: 30), "l.cap is locked by another writer; gave up after 30 s (--wait SECONDS waits longer)", 75),
        .init(.signingFailed(key: "ops", reason: "bad key"), "signing with key ops failed: bad key", 74),
        .init(.checkpointOfPart, "a checkpoint is written from the whole log", 74),
        .init(.keyFileExists(path: "k"), "cannot write the key file k: it exists already (a key file is never overwritten)", 74),
        .init(.keyFileReadable(path: "k", mode: 0o100644), "the signing key k may be read by others (mode 644): chmod 600 k", 64),
        .init(.notAKeyFile(path: "k"), "k: not a capacity signing key (expected one line \"capacity-signing-key/1 NAME KEY\", as capacity keys new writes it)", 64),
        .init(.keyFileNameNotID(path: "k", name: "Ops"), "k: the key name Ops is not an id", 64),
        .init(.keyFileBadPrivateKey(path: "k"), "k: the private key is not 64 hexadecimal digits", 64),
        .init(.badKeyName("Ops"), "a key name must be \(idRule); got Ops", 64),
        .init(.refusingToOverwrite(path: "out", protected: "l.cap", ledger: nil), "refusing to write out: it is the ledger l.cap; name another file", 65),
        .init(.refusingToOverwrite(path: "out", protected: "l.cap.ckpt", ledger: "l.cap"),
              "refusing to write out: it is a file the ledger l.cap uses: l.cap.ckpt; name another file", 65),
    ]

    static let console: [RenderedError] = [
        .init(.takesNoOptions("begin"), "begin takes no options", 65),
        .init(.badArgument(command: ".pager", accepts: .onOff), ".pager takes on or off", 65),
        .init(.badArgument(command: ".mode", accepts: .mode), ".mode takes one of: table, json, csv", 65),
        .init(.badArgument(command: ".expanded", accepts: .expanded), ".expanded takes on, off or auto (\\x the same)", 65),
        .init(.badArgument(command: ".once", accepts: .fileName), ".once takes a file name", 65),
        .init(.badArgument(command: ".output", accepts: .fileNameOrStdout), ".output takes a file name, or stdout", 65),
        .init(.unknownMetaCommand(".qiut", known: [".quit", ".help"]), "unknown meta-command .qiut (one of: .quit, .help)", 65),
        .init(.unknownBackslashCommand("\\d", known: ["\\q", "\\x"]), "unknown command \\d (backslash commands: \\q, \\x)", 65),
        .init(.noHelp(topic: "flet"), "no help for \"flet\" (commands: \(commands))", 65),
        .init(.alreadyReading(path: "a.sql"), ".read a.sql: the file is already being read", 65),
        .init(.transactionOpen(events: 2), "a transaction is already open (2 events so far): commit or rollback first", 65),
        .init(.noTransaction(command: "commit"), "commit: no transaction is open (begin starts one)", 65),
        .init(.needsStoredLedger(command: "verify"), "verify checks the stored ledger; end the transaction first (commit or rollback)", 64),
        .init(.needsStoredLedger(command: "export"), "export reads the stored ledger; end the transaction first (commit or rollback)", 64),
        .init(.lineNotUTF8, "the line is not valid UTF-8; it was not run", 65),
        .init(.other(.data, "a one-off refusal"), "a one-off refusal", 65),
    ]

    static let missingSite = LedgerError(.badField(type: .siteOpened, field: "name", .missing)).atLine(3)
    static let damage = LedgerError(.damagedLog(offset: 77, seq: 4, .badRecord("bad text")))

    static let contexts: [RenderedError] = [
        .init(missingSite.within(.fileLine(path: "cmds.sql", line: 2)), "cmds.sql line 2: line 3: site.opened: field \"name\" is missing", 65),
        .init(missingSite.within(.with(path: "plan.jsonl")), "--with plan.jsonl: line 3: site.opened: field \"name\" is missing", 65),
        .init(missingSite.within(.read(path: "a.sql")), ".read a.sql: line 3: site.opened: field \"name\" is missing", 65),
        .init(LedgerError.io(.open, "d.txt", errno: ENOENT).within(.digestOption),
              "--digest takes a digest line (capacity-digest/1 …) or a file of them: cannot open d.txt: No such file or directory", 64),
        .init(LedgerError.io(.write, "out.csv", errno: ENOSPC).within(.outputAbandoned),
              "cannot write out.csv: No space left on device; results go to standard output again", 74),
        .init(damage.within(.recoverAdvice),
              "log damaged at byte offset 77 (seq 4): bad text; run capacity recover to save the events before the damage", 1),
        .init(LedgerError(.keyRevokedAlready(name: "ops", at: 9)).within(.storedSeq(12)), "seq 12 breaks a rule: key.revoked ops: the key was revoked already at #9", 1),
        .init(LedgerError(.ruleBroken("power.released s1: too much")).within(.commit(index: 2, event: "power.released s1", since: "; 1 event was appended by others since begin (#5)")),
              "commit refused: event 2 of the transaction (power.released s1) no longer holds: power.released s1: too much; 1 event was appended by others since begin (#5). Nothing was appended; the transaction is still open (rollback drops it)", 65),
        .init(LedgerError.io(.sync, "l.cap", errno: EIO).within(.cutFailed(path: "l.cap", errno: EROFS)),
              "cannot sync l.cap: Input/output error; cutting the batch off again failed too (cannot truncate l.cap: Read-only file system), so its commit record stays in the file and readers may see the batch: check with capacity export before appending it again", 74),
    ]
}
