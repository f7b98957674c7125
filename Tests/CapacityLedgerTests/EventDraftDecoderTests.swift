import CapacityLedger
import LedgerStorage
import Testing

struct EventDraftDecoderTests {
    @Test func acceptsEveryTypeFromJSON() throws {
        let lines = [
            #"{"type":"site.opened","site":"rainier-in","name":"Rainier","region":"Indiana","power_cap_mw":2200,"acres":1200}"#,
            #"{"type":"chip.model.defined","model":"trainium2","vendor":"AWS","bf16_tflops":667,"fp8_tflops":1299,"hbm_gb":96,"watts":500}"#,
            #"{"type":"chips.delivered","site":"rainier-in","model":"trainium2","quantity":64,"effective":"2025-10-01"}"#,
            #"{"type":"rack.installed","site":"rainier-in","rack":"r-0001","model":"trainium2","chips":64,"kw":45.5}"#,
            #"{"type":"rack.retired","site":"rainier-in","rack":"r-0001","effective":"2025-10-29T14:00:00Z"}"#,
            #"{"type":"power.allocated","site":"rainier-in","mw":73.000001}"#,
            #"{"type":"power.released","site":"rainier-in","mw":0.5}"#,
            #"{"type":"investment.committed","investor":"amazon","recipient":"anthropic","usd":8000000000,"instrument":"equity"}"#,
            #"{"type":"event.voided","target":3,"reason":"keyed twice","note":"é ☃","source":"https://example.com/x"}"#,
            #"{"type":"key.added","key":"alice","public_key":"C842CE2CA77CA049830473C0C0A8D397A8C1411F2640C4803C7D41B2AFF7E36A"}"#,
            #"{"type":"key.revoked","key":"alice","note":"rotated"}"#,
            #"{"type":"site.updated","site":"rainier-in","power_cap_mw":2500,"pue":1.15}"#,
            #"{"type":"site.closed","site":"rainier-in","effective":"2030-01-01"}"#,
        ]
        let drafts = try lines.map { try EventDraftDecoder.decode(try JSONLine.parse($0)) }
        #expect(drafts.map(\.body.type) == EventType.allCases)
        #expect(drafts[9].body == .keyAdded(key: "alice", publicKey: "c842ce2ca77ca049830473c0c0a8d397a8c1411f2640c4803c7d41b2aff7e36a"))
        #expect(drafts[3].body == .rackInstalled(site: "rainier-in", rack: "r-0001", model: "trainium2", chips: 64, power: Power(watts: 45_500)))
        #expect(drafts[5].body == .powerAllocated(site: "rainier-in", power: Power(watts: 73_000_001)))
        #expect(drafts[4].effective == Timestamp(year: 2025, month: 10, day: 29, hour: 14))
        #expect(drafts[8].note == "é ☃")
        #expect(drafts[11].body == .siteUpdated(site: "rainier-in", name: nil, region: nil, powerCap: Power(watts: 2_500_000_000), pue: 1.15))
        #expect(drafts[12].body == .siteClosed(site: "rainier-in"))
    }

    /// `pue` is a decimal from 1 to 100, on `site.opened` and `site.updated`; an update gives
    /// at least one thing to change.
    @Test(arguments: [
        ("site.opened site=s1 name=S pue=0.9", #"site.opened: field "pue" must be from 1 to 100, got 0.9"#),
        ("site.updated site=s1 pue=0", #"site.updated: field "pue" must be from 1 to 100, got 0"#),
        ("site.updated site=s1 pue=101", #"site.updated: field "pue" must be from 1 to 100, got 101"#),
        ("site.updated site=s1 pue=inf", #"site.updated: field "pue" must be finite, got inf"#),
        ("site.updated site=s1 pue=1.2x", #"site.updated: field "pue" must be a number, got "1.2x""#),
        ("site.updated site=s1 effective=2025-01-01", "site.updated: give at least one of the fields name, region, power_cap_mw, pue (nothing would change)"),
        ("site.updated site=s1 power_cap_mw=0", #"site.updated: field "power_cap_mw" must be greater than 0, got 0"#),
        ("site.closed site=s1 name=S", #"site.closed: unknown field "name" (accepted: site, effective, note, source)"#),
    ])
    func pueAndSiteChangesAreChecked(_ words: String, _ message: String) {
        #expect(errorMessage { try d(words) } == message)
    }

    @Test func aPUEOfOneAndAnUpdateOfOneFieldAreAccepted() throws {
        #expect(try d("site.opened site=s1 name=S pue=1").body == .siteOpened(site: "s1", name: "S", region: nil, powerCap: nil, acres: nil, pue: 1))
        #expect(try d("site.updated site=s1 region=Ohio").body == .siteUpdated(site: "s1", name: nil, region: "Ohio", powerCap: nil, pue: nil))
    }

    @Test(arguments: [
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":64,"colour":"red"}"#,
         #"chips.delivered: unknown field "colour" (accepted: site, model, quantity, effective, note, source)"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":"64"}"#,
         #"chips.delivered: field "quantity" must be a number, got a string"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":-3}"#,
         #"chips.delivered: field "quantity" must not be negative, got -3"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":0}"#,
         #"chips.delivered: field "quantity" must be greater than 0, got 0"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":1.5}"#,
         #"chips.delivered: field "quantity" must be a whole number, got 1.5"#),
        (#"{"type":"chips.delivered","site":"","model":"m","quantity":1}"#,
         #"chips.delivered: field "site" must not be empty"#),
        (#"{"type":"chips.delivered","site":"Rainier","model":"m","quantity":1}"#,
         #"chips.delivered: field "site" must be an id of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 bytes; got "Rainier""#),
        (#"{"type":"rack.installed","site":"s","rack":"r","model":"m","chips":64,"kw":1e400}"#,
         #"rack.installed: field "kw" must be finite, got 1e400"#),
        (#"{"type":"rack.installed","site":"s","rack":"r","model":"m","chips":64,"kw":45.0001}"#,
         #"rack.installed: field "kw" has more than 3 decimal places or is too large, got 45.0001"#),
        (#"{"type":"chip.model.defined","model":"m","vendor":"V","bf16_tflops":0,"fp8_tflops":1}"#,
         #"chip.model.defined: field "bf16_tflops" must be greater than 0, got 0"#),
        (#"{"type":"chip.model.defined","model":"m","vendor":"V","bf16_tflops":1e300,"fp8_tflops":1}"#,
         #"chip.model.defined: field "bf16_tflops" is too large (at most 1,000,000,000 TFLOPS per chip), got 1e300"#),
        (#"{"type":"chip.model.defined","model":"m","vendor":"V","bf16_tflops":1,"fp8_tflops":1.7976931348623157e308}"#,
         #"chip.model.defined: field "fp8_tflops" is too large (at most 1,000,000,000 TFLOPS per chip), got 1.7976931348623157e308"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":1,"effective":"2025-02-30"}"#,
         #"chips.delivered: field "effective" must be a date (2025-10-29) or a UTC date-time (2025-10-29T14:00:00Z), got "2025-02-30""#),
        (#"{"type":"chips.delivered","site":"s","quantity":1}"#,
         #"chips.delivered: field "model" is missing"#),
        (#"{"type":"chips.moved","site":"s"}"#,
         #"unknown event type "chips.moved" (one of: site.opened, chip.model.defined, chips.delivered, rack.installed, rack.retired, power.allocated, power.released, investment.committed, event.voided, key.added, key.revoked, site.updated, site.closed)"#),
        (#"{"site":"s"}"#, #"field "type" is missing (one of: site.opened, chip.model.defined, chips.delivered, rack.installed, rack.retired, power.allocated, power.released, investment.committed, event.voided, key.added, key.revoked, site.updated, site.closed)"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":1,"quantity":2}"#,
         #"field "quantity" is given twice"#),
        (#"{"type":"chips.delivered","site":["s"],"model":"m","quantity":1}"#,
         #"chips.delivered: field "site" must be a string, got an array or object"#),
        (#"{"type":"site.opened","site":"s","name":"a\u0000b"}"#,
         #"site.opened: field "name" must not contain control characters, got U+0000"#),
        (#"{"type":"chip.model.defined","model":"m","vendor":"V\u009b","bf16_tflops":1,"fp8_tflops":1}"#,
         #"chip.model.defined: field "vendor" must not contain control characters, got U+009B"#),
        ("{\"type\":\"event.voided\",\"target\":1,\"reason\":\"typo\u{7F}\"}",
         #"event.voided: field "reason" must not contain control characters, got U+007F"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":1,"source":"a\tb"}"#,
         #"chips.delivered: field "source" must not contain control characters, got U+0009"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":1,"note":"a\r\nb"}"#,
         #"chips.delivered: field "note" must not contain control characters other than tab and line feed, got U+000D"#),
        (#"{"type":"chips.delivered","site":"s\u0001","model":"m","quantity":1}"#,
         #"chips.delivered: field "site" must be an id of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 bytes; got "s\u0001""#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":01}"#,
         #"invalid JSON at column 61: bad number for "quantity" (JSON numbers have no leading zeros)"#),
        (#"{"type":"power.allocated","site":"s","mw":-00.5}"#,
         #"invalid JSON at column 43: bad number for "mw" (JSON numbers have no leading zeros)"#),
        (#"{"type":"chips.delivered","site":"s","model":"m","quantity":1.}"#,
         #"invalid JSON at column 61: bad number for "quantity""#),
    ])
    func rejectsWithTheFieldNamed(line: String, message: String) {
        // Through the batch path, as `capacity append --file` reads it: the bad line is line 3.
        #expect(errorMessage { try EventBatch.parse("\n\n" + line) } == "line 3: " + message)
    }

    @Test func rejectsInvalidUTF8NamingTheField() {
        var bytes = Array(#"{"type":"site.opened","site":"s","name":"X"}"#.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "X"))!
        bytes[at] = 0xFF
        let message = errorMessage {
            _ = try bytes.withUnsafeBufferPointer { try EventDraftDecoder.decode(try JSONLine.parse($0)) }
        }
        #expect(message == #"field "name" is not valid UTF-8"#)
    }

    @Test func aNoteMayHoldTabsAndLineFeeds() throws {
        let draft = try EventDraftDecoder.decode(try JSONLine.parse(#"{"type":"investment.committed","investor":"a","recipient":"b","usd":1,"note":"one\ttwo\nthree"}"#))
        #expect(draft.note == "one\ttwo\nthree")
        #expect(errorMessage { _ = try d("site.opened site=s name=a\u{1}b") } == #"site.opened: field "name" must not contain control characters, got U+0001"#)
    }

    @Test func rejectsANoteOverOneKiB() {
        let note = String(repeating: "x", count: 1025)
        #expect(errorMessage { _ = try d("investment.committed investor=a recipient=b usd=1 note=\(note)") }
            == #"investment.committed: field "note" is 1025 bytes; at most 1024 are allowed"#)
        #expect(errorMessage { _ = try d("investment.committed investor=a recipient=b usd=1 note=\(note.dropLast())") } == nil)
    }

    @Test func idsAreSlugsOfAtMost64Bytes() {
        #expect(EventDraftDecoder.isSlug("rainier-in"))
        #expect(EventDraftDecoder.isSlug("r-0017.a_b"))
        #expect(EventDraftDecoder.isSlug(String(repeating: "a", count: 64)))
        #expect(!EventDraftDecoder.isSlug(String(repeating: "a", count: 65)))
        #expect(!EventDraftDecoder.isSlug("-r"))
        #expect(!EventDraftDecoder.isSlug("r 1"))
        #expect(!EventDraftDecoder.isSlug(""))
    }

    @Test func wordsFormAcceptsNumbersAsText() throws {
        let draft = try d("power.allocated site=s1 mw=73.5 effective=2025-10-29")
        #expect(draft.body == .powerAllocated(site: "s1", power: Power(watts: 73_500_000)))
        #expect(errorMessage { _ = try d("power.allocated site=s1 mw=nan") } == #"power.allocated: field "mw" must be finite, got nan"#)
    }
}
