@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The import's fast path gives exactly the general path's draft, or leaves the line to it.
struct DraftScannerTests {
    /// (fast draft, general draft or error) of one line.
    func both(_ line: String, number: Int = 7) -> (fast: EventDraft?, general: Result<EventDraft, LedgerError>) {
        var copy = line
        let fast = copy.withUTF8 { DraftScanner.draft($0, line: number) }
        let general: Result<EventDraft, LedgerError>
        do {
            general = .success(try EventDraftDecoder.decode(try JSONLine.parse(line), line: number))
        } catch let e as LedgerError {
            general = .failure(e)
        } catch {
            Issue.record("unexpected \(error)")
            general = .failure(LedgerError.data("\(error)"))
        }
        return (fast, general)
    }

    /// Lines of a generated history and of an export of it (with seq, recorded and hash).
    func corpus() throws -> [String] {
        var lines: [String] = []
        HistoryGenerator(count: 3_000, seed: 11).generate { lines.append($0) }
        let store = InMemoryEventStore(name: "t", clock: ManualClock(Timestamp.parse("2027-01-01")!))
        var drafts: [EventDraft] = []
        for (i, l) in lines.enumerated() { drafts.append(try EventDraftDecoder.decode(try JSONLine.parse(l), line: i + 1)) }
        let events = try store.append(drafts)
        let hashes = try store.eventsWithHashes()
        for (e, h) in zip(events, hashes) { lines.append(EventJSON.line(e, hash: h.1.hex)) }
        lines.append(#"{"type":"rack.installed","site":"s1","rack":"r-1","model":"m1","chips":64,"kw":45.5,"note":"moved from hall B","source":"ops"}"#)
        lines.append(#" { "type" : "power.released" , "site":"s1", "mw": 1.25 , "effective":"2025-10-29T14:00:00Z" } "#)
        lines.append(#"{"effective":"2025-10-29","mw":0.000001,"site":"s1","type":"power.allocated"}"#)
        return lines
    }

    @Test func takesTheCommonLinesAndGivesTheSameDrafts() throws {
        var taken = 0, rackAndPower = 0
        for line in try corpus() {
            let (fast, general) = both(line)
            let expected = try general.get()
            if let fast {
                #expect(fast == expected, "\(line)")
                taken += 1
            }
            switch expected.body.type {
            case .rackInstalled, .rackRetired, .chipsDelivered, .powerAllocated, .powerReleased:
                rackAndPower += 1
                #expect(fast != nil, "not taken: \(line)")
            default:
                #expect(fast == nil, "\(line)")
            }
        }
        #expect(taken == rackAndPower)
        #expect(taken > 5_000)
    }

    /// Lines changed a byte or a value at a time: the fast path never gives a draft the general
    /// path would not give (it may leave a valid line to it).
    @Test func neverTakesWhatTheGeneralPathRefuses() throws {
        var rng = SplitMix64(seed: 2025)
        let base = try corpus().filter { !$0.contains("site.opened") && !$0.contains("chip.model") }
        let bytes: [String] = ["\\", "é", " ", "\"", "1", "-", ".", "e", "0", "{", "}", ",", ":", "\t", "\u{1}", "x", "A", "#"]
        let values = ["0", "-1", "1.5", "1e3", "00064", "9999999999999999999", "64.0", "\"64\"", "\"\"", "\"UPPER\"",
                      "\"a b\"", "\"r\\u002d1\"", "null", "true", "[1]", "{}", "\"2025-02-30\"", "\"2025-10-29T14:00:00.5Z\"",
                      "\"2025-10-29 14:00:00Z\"", "45.0001", "0.0005", "9999999999999", "9223372036854", "\"" + String(repeating: "n", count: 1025) + "\""]
        var checked = 0, refused = 0, agreed = 0
        for _ in 0..<4_000 {
            var line = Array(base[Int(rng.next() % UInt64(base.count))])
            switch rng.next() % 4 {
            case 0:  // replace a character
                line[Int(rng.next() % UInt64(line.count))] = Array(bytes[Int(rng.next() % UInt64(bytes.count))])[0]
            case 1:  // delete one
                line.remove(at: Int(rng.next() % UInt64(line.count)))
            case 2:  // insert one
                line.insert(contentsOf: bytes[Int(rng.next() % UInt64(bytes.count))], at: Int(rng.next() % UInt64(line.count)))
            default:  // replace a value
                let text = String(line)
                let colons = text.indices.filter { text[$0] == ":" }
                let c = colons[Int(rng.next() % UInt64(colons.count))]
                let after = text[text.index(after: c)...]
                let end = after.firstIndex { $0 == "," || $0 == "}" } ?? after.endIndex
                line = Array(text[...c] + values[Int(rng.next() % UInt64(values.count))] + text[end...])
            }
            let (fast, general) = both(String(line))
            checked += 1
            switch general {
            case .success(let d):
                if let fast { #expect(fast == d, "\(String(line))"); agreed += 1 }
            case .failure(let e):
                #expect(fast == nil, "fast path took a line the general path refuses (\(e.message)): \(String(line))")
                refused += 1
            }
        }
        // Both kinds came up.
        #expect(refused > 500)
        #expect(agreed > 500)
        #expect(checked == 4_000)
    }

    /// `01` is not JSON: neither path reads it as 1. A lone `0` and `0.5` are.
    @Test func numbersWithLeadingZerosAreRefusedEitherWay() throws {
        for value in ["01", "00064", "-01", "00.5", "01e3"] {
            let line = #"{"type":"power.allocated","site":"s1","mw":\#(value),"effective":"2025-10-29"}"#
            let (fast, general) = both(line, number: 3)
            #expect(fast == nil, "\(line)")
            #expect(errorMessage { try general.get() } == #"invalid JSON at column 44: bad number for "mw" (JSON numbers have no leading zeros)"#)
        }
        for value in ["0.5", "10", "0e0"] {
            let line = #"{"type":"power.allocated","site":"s1","mw":\#(value),"effective":"2025-10-29"}"#
            let (fast, general) = both(line)
            if value == "0e0" {
                #expect(fast == nil)
                #expect(errorMessage { try general.get() } == #"line 7: power.allocated: field "mw" must be greater than 0, got 0e0"#)
            } else {
                let expected = try general.get()
                #expect(fast == expected, "\(line)")
            }
        }
    }

    /// Exponents far outside what a power can hold are refused either way, at once: neither
    /// path traps on overflow when it scales them, nor counts through the exponent digit by digit.
    @Test func hugeExponentsAreRefusedEitherWay() throws {
        let cases = [
            ("1e9223372036854775807", #"must be finite, got 1e9223372036854775807"#),
            ("1e-9223372036854775808", #"has more than 6 decimal places or is too large, got 1e-9223372036854775808"#),
            ("7e18", #"has more than 6 decimal places or is too large, got 7e18"#),
            ("0e999999999999999999", #"must be greater than 0, got 0e999999999999999999"#),
            ("0e-9223372036854775807", #"must be greater than 0, got 0e-9223372036854775807"#),
            ("0.000000e9223372036854775807", #"must be greater than 0, got 0.000000e9223372036854775807"#),
        ]
        for (value, reason) in cases {
            let line = #"{"type":"power.allocated","site":"s1","mw":\#(value),"effective":"2025-10-29"}"#
            let (fast, general) = both(line, number: 3)
            #expect(fast == nil, "\(line)")
            #expect(errorMessage { try general.get() } == #"line 3: power.allocated: field "mw" "# + reason)
        }
        #expect(ExactDecimal.scaled("1e12", scale: 1_000_000) == 1_000_000_000_000_000_000)
        #expect(ExactDecimal.scaled("1e13", scale: 1_000_000) == nil)
        #expect(ExactDecimal.scaled("1500e-3", scale: 1_000) == 1_500)
        #expect(ExactDecimal.scaled("0e99", scale: 1_000) == 0)
    }

    /// A control character in a text field is refused either way: DEL (0x7F) is ASCII, but not
    /// plain text.
    @Test func aControlCharacterInATextFieldIsRefusedEitherWay() throws {
        for (field, value) in [("note", "a\u{7F}b"), ("source", "a\u{7F}"), ("note", #"a\u0000b"#), ("source", #"x\u001b[2J"#)] {
            let line = #"{"type":"rack.retired","site":"s1","rack":"r-1","\#(field)":"\#(value)"}"#
            let (fast, general) = both(line)
            #expect(fast == nil, "\(line)")
            let message = errorMessage { try general.get() }
            #expect(message?.hasPrefix(#"line 7: rack.retired: field "\#(field)" must not contain control characters"#) == true, "\(line): \(message ?? "accepted")")
        }
    }

    /// The fast path ends a string at its next quote and leaves the checking of its bytes to
    /// what reads the value: a string with an escape anywhere (a key, the type, an id, a time,
    /// a text field) goes the general way, which decodes it, also where reading the escaped
    /// quote as the end would have made a line of valid shape.
    @Test func aStringWithAnEscapeGoesTheGeneralWay() throws {
        let lines = [
            #"{"type":"rack.retired","si\u0074e":"s1","rack":"r-1"}"#,
            #"{"type":"rack\u002eretired","site":"s1","rack":"r-1"}"#,
            #"{"type":"rack.retired","site":"s1","rack":"r\u002d1"}"#,
            #"{"type":"rack.retired","site":"s1","rack":"r-1","effective":"2025-10-29T14:00:00\u005a"}"#,
            #"{"type":"rack.retired","site":"s1","rack":"r-1","note":"say \"hi\""}"#,
            #"{"type":"rack.retired","site":"s1","rack":"r-1","note":"a\\b"}"#,
            #"{"type":"rack.retired","site":"s1","rack":"r-1","note":"a\",\"source\":\"b"}"#,
            #"{"type":"rack.retired","site":"s1","rack":"r-1","source":"a\",\"note\":\"b"}"#,
        ]
        for line in lines {
            let (fast, general) = both(line)
            #expect(fast == nil, "\(line)")
            #expect((try? general.get()) != nil, "\(line)")
        }
        let (_, general) = both(lines[6])
        #expect(try general.get().note == #"a","source":"b"#)
        #expect(try general.get().source == nil)
        #expect(try both(lines[0]).general.get().body == .rackRetired(site: "s1", rack: "r-1"))
    }

    /// One scanner reads many lines, as the reader does, and takes a time's day from the time
    /// before when the date is the same: each line still gives the general path's draft, or is
    /// left to it when the general path refuses it, whatever came before.
    @Test func aTimeOnTheDayBeforeReadsAsParsingReadsIt() throws {
        let scanner = DraftScanner()
        let times = ["2025-10-29T14:00:00Z", "2025-10-29T14:00:01Z", "2025-10-29", "2025-10-29T23:59:59Z",
                     "2025-10-29T24:00:00Z", "2025-10-29T12:60:00Z", "2025-10-29T12:00:60Z", "2025-10-29T1a:00:00Z",
                     "2025-10-29T14-00:00Z", "2025-10-29T14:00:00z", "2025-10-29 12:00:00Z", "2025-10-29T12:00:00.5Z",
                     "2025-10-30T00:00:00Z", "2025-02-28T10:00:00Z", "2025-02-29T10:00:00Z", "2024-02-29T10:00:00Z",
                     "2024-02-29", "1969-12-31T23:59:59Z", "2025-13-01", "2025-1O-29T14:00:00Z", "0000-01-01T00:00:00Z"]
        var rng = SplitMix64(seed: 5)
        var taken = 0
        for k in 0..<3_000 {
            let t = k < times.count ? times[k] : times[Int(rng.next() % UInt64(times.count))]
            let line = #"{"type":"rack.retired","site":"s1","rack":"r-1","effective":"\#(t)"}"#
            var copy = line
            let fast = copy.withUTF8 { scanner.draft($0, line: 7) }
            switch both(line).general {
            case .success(let d):
                if let fast { #expect(fast == d, "\(t)"); taken += 1 }
                // A whole second in UTC, or a date alone, is the fast path's to take.
                #expect(fast != nil || t.contains(".") || t.contains(" "), "\(t)")
            case .failure:
                #expect(fast == nil, "\(t)")
            }
        }
        #expect(taken > 1_000)
    }

    /// One scanner remembers the site and model names it read: a name read again gives the same
    /// string, and a name that differs in any byte (past the eighth, in case, at the end of the
    /// line, longer than 16 bytes) is read and checked anew.
    @Test func aNameReadBeforeGivesWhatReadingItAnewGives() throws {
        let scanner = DraftScanner()
        let names = ["site-a", "site-b", "site-A", "s", "abcdefghijklmnop", "abcdefghijklmnoq", "abcdefghijklmno",
                     "abcdefghijklmnopq", "abcdefghijklmnopr", "trainium2", "trainium3", "tpu-v7", "tpu_v7", "b200",
                     "b2OO", "-b200", "site-a.", "site a"]
        var rng = SplitMix64(seed: 9)
        var taken = 0
        for _ in 0..<3_000 {
            let site = names[Int(rng.next() % UInt64(names.count))]
            let model = names[Int(rng.next() % UInt64(names.count))]
            let line = switch rng.next() % 3 {
            case 0: #"{"type":"chips.delivered","quantity":64,"site":"\#(site)","model":"\#(model)"}"#
            case 1: #"{"type":"rack.installed","site":"\#(site)","rack":"r-1","model":"\#(model)","chips":64,"kw":45}"#
            default: #"{"type":"rack.retired","rack":"r-1","site":"\#(site)"}"#
            }
            var copy = line
            let fast = copy.withUTF8 { scanner.draft($0, line: 7) }
            switch both(line).general {
            case .success(let d):
                #expect(fast == d, "\(line)")
                if fast != nil { taken += 1 }
            case .failure:
                #expect(fast == nil, "\(line)")
            }
        }
        #expect(taken > 1_000)
    }

    /// Each field's name, which keys are compared with, is its case's name.
    @Test func theFieldNamesAreTheCaseNames() {
        for f in DraftScanner.Field.allCases { #expect("\(f.name)" == "\(f)") }
        #expect(DraftScanner.Field.named("quantity") == .quantity)
        #expect(DraftScanner.Field.named("qty") == nil)
    }

    /// A key is its field's name exactly: each name gives its field, and the name with any one
    /// byte changed, cut short or made longer gives none.
    @Test func eachKeyNamesItsFieldExactly() {
        func field(_ key: [UInt8]) -> DraftScanner.Field? {
            // The key inside a line, as the scanner sees it.
            let line = Array("{\"".utf8) + key + Array("\":1}".utf8)
            return line.withUnsafeBufferPointer { DraftScanner.field($0, 2, 2 + key.count) }
        }
        for f in DraftScanner.Field.allCases {
            let name = Array("\(f.name)".utf8)
            #expect(field(name) == f, "\(f)")
            for k in name.indices {
                for c in [UInt8(ascii: "X"), name[k] ^ 0x20, name[k] &+ 1] {
                    var changed = name
                    changed[k] = c
                    #expect(field(changed) == nil, "\(String(decoding: changed, as: UTF8.self))")
                }
            }
            #expect(field(Array(name.dropLast())) == nil, "\(f)")
            #expect(field(name + [UInt8(ascii: "s")]) == nil, "\(f)")
        }
    }

    @Test func theReaderGivesTheSameDraftsEitherWay() throws {
        let lines = try corpus()
        let path = "/tmp/capacity-scanner-\(lines.count).jsonl"
        let text = Array((lines.joined(separator: "\n") + "\n").utf8)
        let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0o600)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(path) }
        let fast = try LineReader(path: path), plain = try LineReader(path: path)
        plain.fast = false
        var n = 0
        while let a = try fast.nextDraft() {
            #expect(a == (try plain.nextDraft()))
            n += 1
        }
        #expect(try plain.nextDraft() == nil)
        #expect(n == lines.count)
    }
}
