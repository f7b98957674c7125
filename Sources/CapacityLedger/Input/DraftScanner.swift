/// The import's fast path: one JSON line of the common shape straight to an `EventDraft`,
/// without the general parser's field list and without a `String` per key.
///
/// It takes the lines almost every import consists of: a flat object of plain ASCII strings and
/// numbers, of the rack, delivery and power types, with the common and ledger fields
/// (`effective`, `note`, `source`, `seq`, `recorded`, `hash`), every value valid. For anything
/// else (another type, an escape, a non-ASCII byte, an unknown, repeated or missing field, a
/// value the rules of `EventDraftDecoder` refuse) it returns nil and the line goes the general
/// way (`JSONLine` then `EventDraftDecoder`), which gives the same draft or the error naming the
/// field. The tests hold the two paths to the same drafts.
package struct DraftScanner {
    /// The fields the fast path knows, one bit each.
    enum Field: Int, CaseIterable {
        case type, effective, note, source, seq, recorded, hash
        case site, rack, model, chips, kw, quantity, mw

        var bit: UInt32 { 1 << UInt32(rawValue) }

        /// The field's JSON name, its case's name (a constant: no table to look up per key).
        var name: StaticString {
            switch self {
            case .type: "type"
            case .effective: "effective"
            case .note: "note"
            case .source: "source"
            case .seq: "seq"
            case .recorded: "recorded"
            case .hash: "hash"
            case .site: "site"
            case .rack: "rack"
            case .model: "model"
            case .chips: "chips"
            case .kw: "kw"
            case .quantity: "quantity"
            case .mw: "mw"
            }
        }

        /// The field whose JSON name (its case's name) is `name`.
        static func named(_ name: String) -> Field? { allCases.first { "\($0.name)" == name } }
    }

    /// Where a value is in the line: bytes `start..<end` (inside the quotes for a string).
    private struct Span {
        var start = 0
        var end = 0
        var isString = false
    }

    /// The fields any event may carry (`EventType.commonFields` and `ledgerFields`) that the
    /// fast path knows; a line with one it does not know goes the general way.
    let common: UInt32
    /// The fields of each type `draft` decodes, all required, as `EventType.fields` lists them;
    /// nil for a type with a field this scanner does not know, or an optional one, which takes
    /// the type off the fast path rather than letting it decode wrongly.
    let rackInstalled, chipsDelivered, rackRetired, powerAllocated, powerReleased: UInt32?

    /// The tables are worked out once, by the reader that keeps the scanner: kept as static
    /// arrays, every line paid for their lazy initialization check and for retaining them.
    package init() {
        common = (EventType.commonFields + EventType.ledgerFields).reduce(0) { $0 | (Field.named($1.name)?.bit ?? 0) }
        func mask(_ t: EventType) -> UInt32? {
            var mask: UInt32 = 0
            for f in t.fields {
                guard !f.optional, let known = Field.named(f.name) else { return nil }
                mask |= known.bit
            }
            return mask
        }
        rackInstalled = mask(.rackInstalled)
        chipsDelivered = mask(.chipsDelivered)
        rackRetired = mask(.rackRetired)
        powerAllocated = mask(.powerAllocated)
        powerReleased = mask(.powerReleased)
    }

    /// The type a `type` value names, with its fields, when it is one `draft` decodes.
    private func kind(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (type: EventType, fields: UInt32)? {
        let type: EventType
        let fields: UInt32?
        switch end - start {
        case 14 where Self.equal(b, start, end, "rack.installed"): (type, fields) = (.rackInstalled, rackInstalled)
        case 15 where Self.equal(b, start, end, "chips.delivered"): (type, fields) = (.chipsDelivered, chipsDelivered)
        case 12 where Self.equal(b, start, end, "rack.retired"): (type, fields) = (.rackRetired, rackRetired)
        case 15 where Self.equal(b, start, end, "power.allocated"): (type, fields) = (.powerAllocated, powerAllocated)
        case 14 where Self.equal(b, start, end, "power.released"): (type, fields) = (.powerReleased, powerReleased)
        default: return nil
        }
        return fields.map { (type, $0) }
    }

    /// The last date a time was read on: most lines of a large import carry a time on the
    /// same day as the line before, and that day's calendar arithmetic is done once.
    private final class LastDay {
        /// The date's ten bytes, as two little-endian words.
        var head: UInt64 = 0
        var tail: UInt16 = 0
        /// The day's first microsecond; nil before any date.
        var micros: Int64?
    }

    private let lastDay = LastDay()

    /// The site and model names read lately, by their bytes: a large import names a few sites
    /// and models over and over, and a name found here is neither checked nor made a `String`
    /// again. Eight entries, each name in the one its bytes pick; only checked slugs of at most
    /// 16 bytes go in.
    private final class RecentNames {
        var keys = [(UInt64, UInt64, Int)](repeating: (0, 0, 0), count: 8)
        var names = [String](repeating: "", count: 8)
    }

    private let recent = RecentNames()

    /// The slug at `s` as a `String`, from `recent` when it holds it; nil when it is no slug.
    private func recentID(_ b: UnsafeBufferPointer<UInt8>, _ s: Span) -> String? {
        let n = s.end - s.start
        // Two words read in place: only where 16 bytes lie inside the line.
        guard n > 0, n <= 16, s.start + 16 <= b.count else {
            guard EventDraftDecoder.isSlug(b, s.start, s.end) else { return nil }
            return Self.string(b, s)
        }
        let p = UnsafeRawPointer(b.baseAddress! + s.start)
        @inline(__always) func mask(_ k: Int) -> UInt64 { k >= 8 ? ~0 : (1 << UInt64(8 * k)) - 1 }
        let w0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) & mask(n)
        let w1 = n > 8 ? UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & mask(n - 8) : 0
        let slot = Int(truncatingIfNeeded: (w0 ^ (w0 >> 29) ^ w1 ^ UInt64(n)) & 7)
        let key = recent.keys[slot]
        if key.0 == w0, key.1 == w1, key.2 == n { return recent.names[slot] }
        guard EventDraftDecoder.isSlug(b, s.start, s.end) else { return nil }
        let name = Self.string(b, s)
        recent.keys[slot] = (w0, w1, n)
        recent.names[slot] = name
        return name
    }

    /// The draft of `line` by a scanner of its own (the tests'), or nil when the line is not of
    /// the common shape (see above).
    package static func draft(_ b: UnsafeBufferPointer<UInt8>, line: Int) -> EventDraft? {
        DraftScanner().draft(b, line: line)
    }

    /// The draft of `line`, or nil when the line is not of the common shape (see above).
    package func draft(_ b: UnsafeBufferPointer<UInt8>, line: Int) -> EventDraft? {
        // Where each field's value is, on the stack (an array kept between lines was checked
        // for uniqueness and bounds on every store).
        withUnsafeTemporaryAllocation(of: Span.self, capacity: Field.allCases.count) { spans in
            draft(b, line: line, spans: spans)
        }
    }

    private func draft(_ b: UnsafeBufferPointer<UInt8>, line: Int, spans: UnsafeMutableBufferPointer<Span>) -> EventDraft? {
        var seen: UInt32 = 0
        var i = 0
        let n = b.count
        @inline(__always) func ws() { while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }
        // A string from after its opening quote to the next quote (then skipped). Its bytes are
        // checked by what reads the value: a key, the type and a time must equal or parse as
        // ASCII that holds no backslash, quote or control character, an id must be a slug, and
        // a text field is checked to be plain ASCII without escapes (`text`). So a string with
        // an escape, whose quote does not end it, never decodes here: it goes the general way.
        // (`i` passed inout, not captured: a captured var is boxed and every access checked.)
        func plainString(_ i: inout Int) -> (start: Int, end: Int)? {
            let start = i
            while i < n, b[i] != UInt8(ascii: "\"") { i += 1 }
            guard i < n else { return nil }
            i += 1
            return (start, i - 1)
        }
        ws()
        guard i < n, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        while true {
            ws()
            guard i < n, b[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            guard let key = plainString(&i), let field = Self.field(b, key.start, key.end), seen & field.bit == 0 else { return nil }
            seen |= field.bit
            ws()
            guard i < n, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            ws()
            guard i < n else { return nil }
            let span: Span
            if b[i] == UInt8(ascii: "\"") {
                i += 1
                guard let value = plainString(&i) else { return nil }
                span = Span(start: value.start, end: value.end, isString: true)
            } else {
                guard let end = JSONLine.numberEnd(b, from: i) else { return nil }
                span = Span(start: i, end: end, isString: false)
                i = end
            }
            spans[field.rawValue] = span
            ws()
            guard i < n else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}") else { return nil }
            i += 1
            break
        }
        ws()
        guard i == n, seen & Field.type.bit != 0 else { return nil }
        let t = spans[Field.type.rawValue]
        guard t.isString, let kind = kind(b, t.start, t.end) else { return nil }
        // Every field known to this type and every field of the type given.
        guard seen & ~(common | kind.fields) == 0, seen & kind.fields == kind.fields else { return nil }

        // A site's or a model's name is likely to have been read a line or two before (`recent`);
        // a rack's, nearly always new, is read as it comes.
        func id(_ f: Field) -> String? {
            let s = spans[f.rawValue]
            guard s.isString else { return nil }
            if f != .rack { return recentID(b, s) }
            guard EventDraftDecoder.isSlug(b, s.start, s.end) else { return nil }
            return Self.string(b, s)
        }
        func count(_ f: Field) -> Int64? {
            let s = spans[f.rawValue]
            guard !s.isString, let v = Self.digits(b, s.start, s.end), v > 0 else { return nil }
            return v
        }
        func power(_ f: Field, scale: Int64) -> Power? {
            let s = spans[f.rawValue]
            guard !s.isString else { return nil }
            // Whole numbers (nearly all) scaled here; a fraction or an exponent the exact way.
            if let v = Self.digits(b, s.start, s.end) {
                let (w, overflow) = v.multipliedReportingOverflow(by: scale)
                guard !overflow, w > 0 else { return nil }
                return Power(watts: w)
            }
            guard let w = ExactDecimal.scaled(Self.string(b, s), scale: scale), w > 0 else { return nil }
            return Power(watts: w)
        }

        let body: EventBody
        switch kind.type {
        case .rackInstalled:
            guard let site = id(.site), let rack = id(.rack), let model = id(.model), let chips = count(.chips),
                  let kw = power(.kw, scale: 1_000) else { return nil }
            body = .rackInstalled(site: site, rack: rack, model: model, chips: chips, power: kw)
        case .chipsDelivered:
            guard let site = id(.site), let model = id(.model), let q = count(.quantity) else { return nil }
            body = .chipsDelivered(site: site, model: model, quantity: q)
        case .rackRetired:
            guard let site = id(.site), let rack = id(.rack) else { return nil }
            body = .rackRetired(site: site, rack: rack)
        case .powerAllocated:
            guard let site = id(.site), let mw = power(.mw, scale: 1_000_000) else { return nil }
            body = .powerAllocated(site: site, power: mw)
        case .powerReleased:
            guard let site = id(.site), let mw = power(.mw, scale: 1_000_000) else { return nil }
            body = .powerReleased(site: site, power: mw)
        default:
            return nil
        }

        var draft = EventDraft(body: body, line: line)
        if seen & Field.effective.bit != 0 {
            // Only the two forms without a fraction (a date, or a time to the second); the general
            // path refuses any fraction, `.000` too.
            let s = spans[Field.effective.rawValue]
            guard s.end - s.start == 10 || s.end - s.start == 20, let t = time(b, .effective, spans) else { return nil }
            draft.effective = t
        }
        if seen & Field.recorded.bit != 0 {
            guard let t = time(b, .recorded, spans) else { return nil }
            draft.recorded = t
        }
        if seen & Field.note.bit != 0 {
            guard let s = Self.text(b, .note, max: EventDraftDecoder.maxNoteBytes, spans) else { return nil }
            draft.note = s
        }
        if seen & Field.source.bit != 0 {
            guard let s = Self.text(b, .source, max: EventDraftDecoder.maxTextBytes, spans) else { return nil }
            draft.source = s
        }
        if seen & Field.hash.bit != 0 {
            guard let s = Self.text(b, .hash, max: EventDraftDecoder.maxTextBytes, spans) else { return nil }
            draft.hash = s
        }
        if seen & Field.seq.bit != 0 {
            let s = spans[Field.seq.rawValue]
            guard !s.isString, let v = Self.digits(b, s.start, s.end), v >= 1 else { return nil }
            draft.seq = Int(v)
        }
        return draft
    }

    /// The time a field gives, as `Timestamp.parse` reads it. A date alone (`YYYY-MM-DD`) or a
    /// whole-second UTC time (`YYYY-MM-DDTHH:MM:SSZ`) on the day of the time before takes that
    /// day from `lastDay` and reads only the time of day; any other form is parsed in full.
    private func time(_ b: UnsafeBufferPointer<UInt8>, _ f: Field, _ spans: UnsafeMutableBufferPointer<Span>) -> Timestamp? {
        let s = spans[f.rawValue]
        guard s.isString, s.end > s.start else { return nil }
        let n = s.end - s.start
        guard n == 10 || n == 20 && b[s.start + 10] == UInt8(ascii: "T") && b[s.start + 19] == UInt8(ascii: "Z") else {
            return Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: b[s.start..<s.end]))
        }
        let p = UnsafeRawPointer(b.baseAddress! + s.start)
        let head = p.loadUnaligned(as: UInt64.self), tail = p.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let day: Int64
        if let known = lastDay.micros, lastDay.head == head, lastDay.tail == tail {
            day = known
        } else {
            guard let date = Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: b[s.start..<(s.start + 10)])) else { return nil }
            (lastDay.head, lastDay.tail, lastDay.micros) = (head, tail, date.micros)
            day = date.micros
        }
        if n == 10 { return Timestamp(micros: day) }
        func twoDigits(_ k: Int) -> Int64? {
            let x = b[s.start + k] &- 0x30, y = b[s.start + k + 1] &- 0x30
            guard x < 10, y < 10 else { return nil }
            return Int64(x) * 10 + Int64(y)
        }
        guard b[s.start + 13] == UInt8(ascii: ":"), b[s.start + 16] == UInt8(ascii: ":"),
              let hh = twoDigits(11), let mm = twoDigits(14), let ss = twoDigits(17), hh < 24, mm < 60, ss < 60
        else { return nil }
        return Timestamp(micros: day + ((hh * 60 + mm) * 60 + ss) * Timestamp.microsPerSecond)
    }

    private static func text(_ b: UnsafeBufferPointer<UInt8>, _ f: Field, max: Int, _ spans: UnsafeMutableBufferPointer<Span>) -> String? {
        let s = spans[f.rawValue]
        guard s.isString, s.end > s.start, s.end - s.start <= max else { return nil }
        // Plain ASCII without escapes or control characters (DEL, 0x7F, included).
        for k in s.start..<s.end {
            let c = b[k]
            guard c >= 0x20, c < 0x7F, c != UInt8(ascii: "\\") else { return nil }
        }
        return Self.string(b, s)
    }

    @inline(__always)
    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ s: Span) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[s.start..<s.end]), as: UTF8.self)
    }

    /// The field a key names, or nil. A key is told by its length, then compared as one or two
    /// little-endian words with the names of that length (the constants spell them).
    static func field(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Field? {
        let p = UnsafeRawPointer(b.baseAddress! + start)
        @inline(__always) func u16() -> UInt16 { UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)) }
        @inline(__always) func u32() -> UInt32 { UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) }
        @inline(__always) func u64() -> UInt64 { UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) }
        @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }
        switch end - start {
        case 2:
            switch u16() {
            case 0x776B: return .kw  // "kw"
            case 0x776D: return .mw  // "mw"
            default: return nil
            }
        case 3:
            return equal(b, start, end, "seq") ? .seq : nil
        case 4:
            switch u32() {
            case 0x6570_7974: return .type  // "type"
            case 0x6574_6973: return .site  // "site"
            case 0x6B63_6172: return .rack  // "rack"
            case 0x6574_6F6E: return .note  // "note"
            case 0x6873_6168: return .hash  // "hash"
            default: return nil
            }
        case 5:
            switch (u32(), byte(4)) {
            case (0x6564_6F6D, UInt8(ascii: "l")): return .model  // "mode" "l"
            case (0x7069_6863, UInt8(ascii: "s")): return .chips  // "chip" "s"
            default: return nil
            }
        case 6:
            return equal(b, start, end, "source") ? .source : nil
        case 8:
            switch u64() {
            case 0x7974_6974_6E61_7571: return .quantity  // "quantity"
            case 0x6465_6472_6F63_6572: return .recorded  // "recorded"
            default: return nil
            }
        case 9:
            // "effectiv" "e"
            return u64() == 0x7669_7463_6566_6665 && byte(8) == UInt8(ascii: "e") ? .effective : nil
        default:
            return nil
        }
    }

    @inline(__always)
    private static func equal(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard end - start == n else { return false }
        let t = text.utf8Start
        for k in 0..<n where b[start + k] != t[k] { return false }
        return true
    }

    /// A whole number written as digits only, of at most 18 digits (no overflow); else nil.
    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard end > start, end - start <= 18 else { return nil }
        var v: Int64 = 0
        for k in start..<end {
            let c = b[k]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int64(c - 0x30)
        }
        return v
    }
}
