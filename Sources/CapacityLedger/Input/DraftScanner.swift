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
struct DraftScanner {
    /// The fields the fast path knows, one bit each.
    enum Field: Int, CaseIterable {
        case type, effective, note, source, seq, recorded, hash
        case site, rack, model, chips, kw, quantity, mw

        var bit: UInt32 { 1 << UInt32(rawValue) }

        /// The field whose JSON name (its case's name) is `name`.
        static func named(_ name: String) -> Field? { allCases.first { "\($0)" == name } }
    }

    /// Where a value is in the line: bytes `start..<end` (inside the quotes for a string).
    private struct Span {
        var start = 0
        var end = 0
        var isString = false
    }

    /// Each field's JSON name: its case's name.
    private static let names: [[UInt8]] = Field.allCases.map { Array("\($0)".utf8) }
    /// The fields any event may carry (`EventType.commonFields` and `ledgerFields`) that the
    /// fast path knows; a line with one it does not know goes the general way.
    private static let common: UInt32 = (EventType.commonFields + EventType.ledgerFields)
        .reduce(0) { $0 | (Field.named($1.name)?.bit ?? 0) }

    /// The types `draft` decodes, with their `type` text and their fields, all required, as
    /// `EventType.fields` lists them. A field added there that this scanner does not know, or
    /// an optional one, takes the type off the fast path rather than letting it decode wrongly.
    private static let types: [(text: [UInt8], type: EventType, fields: UInt32)] =
        [EventType.rackInstalled, .chipsDelivered, .rackRetired, .powerAllocated, .powerReleased].compactMap { t in
            var mask: UInt32 = 0
            for f in t.fields {
                guard !f.optional, let known = Field.named(f.name) else { return nil }
                mask |= known.bit
            }
            return (Array(t.rawValue.utf8), t, mask)
        }

    /// The draft of `line`, or nil when the line is not of the common shape (see above).
    static func draft(_ b: UnsafeBufferPointer<UInt8>, line: Int) -> EventDraft? {
        // Where each field's value is, on the stack (an array kept between lines was checked
        // for uniqueness and bounds on every store).
        withUnsafeTemporaryAllocation(of: Span.self, capacity: Field.allCases.count) { spans in
            draft(b, line: line, spans: spans)
        }
    }

    private static func draft(_ b: UnsafeBufferPointer<UInt8>, line: Int, spans: UnsafeMutableBufferPointer<Span>) -> EventDraft? {
        var seen: UInt32 = 0
        var i = 0
        let n = b.count
        @inline(__always) func ws() { while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }
        // A string of plain ASCII without escapes or control characters (DEL, 0x7F, included),
        // from after its opening quote to its closing one (then skipped); nil for anything else.
        // (`i` passed inout, not captured: a captured var is boxed and every access checked.)
        func plainString(_ i: inout Int) -> (start: Int, end: Int)? {
            let start = i
            while i < n, b[i] != UInt8(ascii: "\"") {
                guard b[i] >= 0x20, b[i] < 0x7F, b[i] != UInt8(ascii: "\\") else { return nil }
                i += 1
            }
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
        guard t.isString, let kind = Self.types.first(where: { Self.equal(b, t.start, t.end, $0.text) }) else { return nil }
        // Every field known to this type and every field of the type given.
        guard seen & ~(Self.common | kind.fields) == 0, seen & kind.fields == kind.fields else { return nil }

        func id(_ f: Field) -> String? {
            let s = spans[f.rawValue]
            guard s.isString, EventDraftDecoder.isSlug(b, s.start, s.end) else { return nil }
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
            guard let t = time(b, .effective, spans), t.micros % Timestamp.microsPerSecond == 0 else { return nil }
            draft.effective = t
        }
        if seen & Field.recorded.bit != 0 {
            guard let t = time(b, .recorded, spans) else { return nil }
            draft.recorded = t
        }
        if seen & Field.note.bit != 0 {
            guard let s = text(b, .note, max: EventDraftDecoder.maxNoteBytes, spans) else { return nil }
            draft.note = s
        }
        if seen & Field.source.bit != 0 {
            guard let s = text(b, .source, max: EventDraftDecoder.maxTextBytes, spans) else { return nil }
            draft.source = s
        }
        if seen & Field.hash.bit != 0 {
            guard let s = text(b, .hash, max: EventDraftDecoder.maxTextBytes, spans) else { return nil }
            draft.hash = s
        }
        if seen & Field.seq.bit != 0 {
            let s = spans[Field.seq.rawValue]
            guard !s.isString, let v = Self.digits(b, s.start, s.end), v >= 1 else { return nil }
            draft.seq = Int(v)
        }
        return draft
    }

    private static func time(_ b: UnsafeBufferPointer<UInt8>, _ f: Field, _ spans: UnsafeMutableBufferPointer<Span>) -> Timestamp? {
        let s = spans[f.rawValue]
        guard s.isString, s.end > s.start else { return nil }
        return Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: b[s.start..<s.end]))
    }

    private static func text(_ b: UnsafeBufferPointer<UInt8>, _ f: Field, max: Int, _ spans: UnsafeMutableBufferPointer<Span>) -> String? {
        let s = spans[f.rawValue]
        guard s.isString, s.end > s.start, s.end - s.start <= max else { return nil }
        return Self.string(b, s)
    }

    @inline(__always)
    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ s: Span) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[s.start..<s.end]), as: UTF8.self)
    }

    private static func field(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Field? {
        // The name of the key's length and first letter, when one is; else each name in turn.
        let guess: Field
        switch (end - start, end > start ? b[start] : 0) {
        case (4, UInt8(ascii: "t")): guess = .type
        case (9, UInt8(ascii: "e")): guess = .effective
        case (4, UInt8(ascii: "s")): guess = .site
        case (4, UInt8(ascii: "r")): guess = .rack
        case (5, UInt8(ascii: "m")): guess = .model
        case (5, UInt8(ascii: "c")): guess = .chips
        case (2, UInt8(ascii: "k")): guess = .kw
        case (2, UInt8(ascii: "m")): guess = .mw
        case (8, UInt8(ascii: "q")): guess = .quantity
        default:
            for (k, name) in names.enumerated() where equal(b, start, end, name) { return Field(rawValue: k) }
            return nil
        }
        return equal(b, start, end, names[guess.rawValue]) ? guess : nil
    }

    @inline(__always)
    private static func equal(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ text: [UInt8]) -> Bool {
        guard end - start == text.count else { return false }
        for k in 0..<text.count where b[start + k] != text[k] { return false }
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
