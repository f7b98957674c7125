/// Turns raw input fields (a JSON line or `key=value` words) into a checked `EventDraft`.
///
/// Every field is checked here, before any rule of the ledger: unknown fields, wrong types,
/// non-finite or negative numbers, empty strings and malformed ids are rejected with the field
/// named. The messages start with the event type: `rack.installed: field "kw" must be …`.
public enum EventDraftDecoder {
    public static let maxNoteBytes = 1024
    public static let maxIDBytes = 64
    /// Every text field but `note` (1 KiB) is at most 4 KiB, so a record always fits a frame.
    public static let maxTextBytes = 4096
    /// `bf16_tflops` and `fp8_tflops` are at most 10^9 TFLOPS per chip (a zettaFLOPS), so that
    /// PFLOPS summed over any number of chips a ledger can hold (below 2^63), per MW and in
    /// `train`, stays a finite 64-bit float.
    public static let maxTFLOPS = 1e9
    /// `pue` (power usage effectiveness: facility power over IT power) is from 1 (no overhead)
    /// to 100. Real sites run from about 1.1 to 2; the bound keeps facility power (drawn × PUE)
    /// finite for any power a ledger can hold.
    public static let minPUE = 1.0
    public static let maxPUE = 100.0

    public static func decode(_ fields: RawFields, line: Int? = nil) throws -> EventDraft {
        do {
            return try decodeUnlined(fields, line: line)
        } catch let error as LedgerError {
            throw error.atLine(line)
        }
    }

    static func decodeUnlined(_ fields: RawFields, line: Int?) throws -> EventDraft {
        guard let typeValue = fields["type"] else {
            throw LedgerError(.missingType)
        }
        let typeName: String
        switch typeValue {
        case .string(let s), .word(let s): typeName = s
        default: throw LedgerError(.typeNotText(got: typeValue.typeName))
        }
        guard let type = EventType(rawValue: typeName) else {
            throw LedgerError(.unknownEventType(typeName))
        }
        let allowed = Self.allowedFields[Int(type.code) - 1]
        for (key, _) in fields.pairs where !allowed.contains(key) {
            throw LedgerError(.unknownField(type: type, field: key))
        }
        let r = FieldReader(type: type, fields: fields)
        let body: EventBody
        switch type {
        case .siteOpened:
            body = .siteOpened(site: try r.id("site"), name: try r.text("name"), region: try r.optText("region"),
                               powerCap: try r.optPower("power_cap_mw", scale: 1_000_000, places: 6),
                               acres: try r.optDecimal("acres", positive: false), pue: try r.optPUE("pue"))
        case .chipModelDefined:
            body = .chipModelDefined(model: try r.id("model"), vendor: try r.text("vendor"),
                                     bf16TFLOPS: try r.decimal("bf16_tflops", positive: true, atMost: (maxTFLOPS, "TFLOPS per chip")),
                                     fp8TFLOPS: try r.decimal("fp8_tflops", positive: true, atMost: (maxTFLOPS, "TFLOPS per chip")),
                                     hbmGB: try r.optDecimal("hbm_gb", positive: false),
                                     watts: try r.optDecimal("watts", positive: false))
        case .chipsDelivered:
            body = .chipsDelivered(site: try r.id("site"), model: try r.id("model"), quantity: try r.count("quantity"))
        case .rackInstalled:
            body = .rackInstalled(site: try r.id("site"), rack: try r.id("rack"), model: try r.id("model"),
                                  chips: try r.count("chips"), power: try r.power("kw", scale: 1_000, places: 3))
        case .rackRetired:
            body = .rackRetired(site: try r.id("site"), rack: try r.id("rack"))
        case .powerAllocated:
            body = .powerAllocated(site: try r.id("site"), power: try r.power("mw", scale: 1_000_000, places: 6))
        case .powerReleased:
            body = .powerReleased(site: try r.id("site"), power: try r.power("mw", scale: 1_000_000, places: 6))
        case .investmentCommitted:
            body = .investmentCommitted(investor: try r.id("investor"), recipient: try r.id("recipient"),
                                        usd: try r.count("usd"), instrument: try r.optText("instrument"))
        case .eventVoided:
            body = .eventVoided(target: Int(try r.seq("target")), reason: try r.text("reason"))
        case .keyAdded:
            body = .keyAdded(key: try r.id("key"), publicKey: try r.publicKey("public_key"))
        case .keyRevoked:
            body = .keyRevoked(key: try r.id("key"))
        case .siteUpdated:
            let site = try r.id("site")
            let changes = type.fields.dropFirst().map(\.name)
            guard changes.contains(where: { fields[$0] != nil }) else { throw LedgerError(.nothingGiven(type: type, fields: changes)) }
            body = .siteUpdated(site: site, name: try r.optText("name"), region: try r.optText("region"),
                                powerCap: try r.optPower("power_cap_mw", scale: 1_000_000, places: 6), pue: try r.optPUE("pue"))
        case .siteClosed:
            body = .siteClosed(site: try r.id("site"))
        }
        var draft = EventDraft(body: body, line: line)
        draft.effective = try r.optTime("effective", wholeSeconds: true)
        draft.note = try r.optText("note")
        if let note = draft.note, note.utf8.count > maxNoteBytes {
            throw LedgerError(.badField(type: type, field: "note", .tooLong(bytes: note.utf8.count, limit: maxNoteBytes)))
        }
        draft.source = try r.optText("source")
        if fields["seq"] != nil { draft.seq = Int(try r.seq("seq")) }
        draft.recorded = try r.optTime("recorded", wholeSeconds: false)
        draft.hash = try r.optText("hash")
        if let signature = try r.optText("signature") {
            guard draft.hash != nil else { throw r.err("signature", .signatureWithoutHash) }
            guard BatchSignature.carried(signature, last: Int.max) != nil else {
                throw r.err("signature", .badSignatures(got: RawValue.string(signature).display))
            }
            draft.signature = signature
        }
        return draft
    }

    /// For each type (by code − 1), every field name an input line may carry.
    static let allowedFields: [Set<String>] = EventType.allCases.map { t in
        Set((t.fields + EventType.commonFields + EventType.ledgerFields).map(\.name))
    }

    /// The first control character (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) in `s`,
    /// or nil when it has none. With `note`, tab and line feed are allowed.
    static func control(in s: String, note: Bool) -> Unicode.Scalar? {
        guard Format.mayHoldControl(s) else { return nil }
        return s.unicodeScalars.first { u in Format.isControl(u) && !(note && (u.value == 0x09 || u.value == 0x0A)) }
    }

    /// Checks that `s` is a slug: `[a-z0-9][a-z0-9._-]*`, at most 64 bytes.
    public static func isSlug(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { isSlug($0, 0, $0.count) }
    }

    /// `isSlug` over the bytes `start..<end`.
    static func isSlug(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end > start, end - start <= maxIDBytes else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
        guard alnum(b[start]) else { return false }
        for k in (start + 1)..<end {
            let c = b[k]
            guard alnum(c) || c == 0x2E || c == 0x5F || c == 0x2D else { return false }
        }
        return true
    }
}

/// Reads typed fields out of `RawFields`, naming the field in every error.
struct FieldReader {
    let type: EventType
    let fields: RawFields

    func err(_ name: String, _ fault: LedgerError.FieldFault) -> LedgerError {
        LedgerError(.badField(type: type, field: name, fault))
    }

    func required(_ name: String) throws -> RawValue {
        guard let v = fields[name] else { throw err(name, .missing) }
        return v
    }

    func stringValue(_ name: String, _ v: RawValue) throws -> String {
        switch v {
        case .string(let s), .word(let s):
            guard !s.isEmpty else { throw err(name, .empty) }
            if name != "note", s.utf8.count > EventDraftDecoder.maxTextBytes {
                throw err(name, .tooLong(bytes: s.utf8.count, limit: EventDraftDecoder.maxTextBytes))
            }
            return s
        default: throw err(name, .wrongType(expected: "a string", got: v.typeName))
        }
    }

    func text(_ name: String) throws -> String { try withoutControls(name, try stringValue(name, try required(name))) }

    func optText(_ name: String) throws -> String? {
        guard let v = fields[name] else { return nil }
        return try withoutControls(name, try stringValue(name, v))
    }

    /// Text fields hold no control characters; `note` may hold tabs and line feeds.
    func withoutControls(_ name: String, _ s: String) throws -> String {
        let note = name == "note"
        guard let c = EventDraftDecoder.control(in: s, note: note) else { return s }
        let code = "U+" + Format.paddedHex(c.value, uppercase: true)
        throw err(name, .controlCharacter(code: code, note: note))
    }

    func id(_ name: String) throws -> String {
        let s = try stringValue(name, try required(name))
        guard EventDraftDecoder.isSlug(s) else {
            throw err(name, .notAnID(got: RawValue.string(s).display))
        }
        return s
    }

    /// An Ed25519 public key: 64 hexadecimal digits, either case; kept in lower case.
    func publicKey(_ name: String) throws -> String {
        let s = try stringValue(name, try required(name))
        let lower = s.lowercased()
        guard SigningKeys.isPublicKeyText(lower) else {
            throw err(name, .notAPublicKey(got: RawValue.string(s).display))
        }
        return lower
    }

    func numberText(_ name: String, _ v: RawValue) throws -> String {
        switch v {
        case .number(let s): return s
        case .word(let s):
            // A word is read as JSON reads a number: Swift's own parsing also takes 0x10 and
            // 0x1p4, which would store 16. Other words it cannot read (5MW, #abc), and inf and
            // nan, go on to the field's own message; a seq may be written #16.
            let body = s.hasPrefix("#") ? String(s.dropFirst()) : s
            let bare = body.drop { $0 == "+" || $0 == "-" }.lowercased()
            if Double(body) != nil, !Self.isDecimal(body), !["inf", "infinity", "nan"].contains(bare) {
                throw err(name, .wrongType(expected: "a number", got: v.display))
            }
            return s
        default: throw err(name, .wrongType(expected: "a number", got: v.typeName))
        }
    }

    /// `[+-]digits[.digits][e[+-]digits]` (or `.digits`): a decimal number as people write one.
    static func isDecimal(_ s: String) -> Bool {
        var u = Substring(s).utf8[...]
        if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
        func digits() -> Int {
            let n = u.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            u = u.dropFirst(n)
            return n
        }
        var mantissa = digits()
        if u.first == UInt8(ascii: ".") {
            u = u.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let e = u.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            u = u.dropFirst()
            if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return u.isEmpty
    }

    func count(_ name: String) throws -> Int64 {
        let v = try required(name)
        let t = try numberText(name, v)
        guard let n = Int64(t) else {
            if let d = Double(t) {
                if !d.isFinite || t.lowercased().contains("n") { throw err(name, .notFinite(got: Format.clipped(t))) }
                if d < 0 { throw err(name, .negative(got: Format.clipped(t))) }
                if d == d.rounded(), d >= 9.2e18 { throw err(name, .tooLarge(got: Format.clipped(t))) }
                if d == d.rounded() { throw err(name, .wholeWithFraction(got: Format.clipped(t))) }
                throw err(name, .notWhole(got: Format.clipped(t)))
            }
            throw err(name, .notCount(got: v.display))
        }
        guard n > 0 else { throw err(name, n < 0 ? .negative(got: Format.clipped(t)) : .notPositive(got: Format.clipped(t))) }
        return n
    }

    func seq(_ name: String) throws -> Int64 {
        let v = try required(name)
        var t = try numberText(name, v)
        if t.hasPrefix("#") { t.removeFirst() }
        guard let n = Int64(t), n >= 1 else { throw err(name, .notSeq(got: v.display)) }
        return n
    }

    func decimal(_ name: String, positive: Bool, atMost limit: (value: Double, unit: String)? = nil) throws -> Double {
        let v = try required(name)
        let t = try numberText(name, v)
        guard let d = Double(t) else { throw err(name, .wrongType(expected: "a number", got: v.display)) }
        guard d.isFinite, !t.lowercased().contains("n") else { throw err(name, .notFinite(got: Format.clipped(t))) }
        guard d >= 0 else { throw err(name, .negative(got: Format.clipped(t))) }
        if positive, d == 0 { throw err(name, .notPositive(got: Format.clipped(t))) }
        if let limit, d > limit.value {
            throw err(name, .tooLargeAtMost(limit: limit.value, unit: limit.unit, got: Format.clipped(t)))
        }
        return d
    }

    func optDecimal(_ name: String, positive: Bool) throws -> Double? {
        guard fields[name] != nil else { return nil }
        return try decimal(name, positive: positive)
    }

    /// A power usage effectiveness: a finite decimal from `minPUE` to `maxPUE`.
    func optPUE(_ name: String) throws -> Double? {
        guard let v = fields[name] else { return nil }
        let t = try numberText(name, v)
        guard let d = Double(t) else { throw err(name, .wrongType(expected: "a number", got: v.display)) }
        guard d.isFinite, !t.lowercased().contains("n") else { throw err(name, .notFinite(got: Format.clipped(t))) }
        guard d >= EventDraftDecoder.minPUE, d <= EventDraftDecoder.maxPUE else {
            throw err(name, .outOfRange(low: EventDraftDecoder.minPUE, high: EventDraftDecoder.maxPUE, got: Format.clipped(t)))
        }
        return d
    }

    /// A power value given in kW or MW, converted exactly to watts.
    func power(_ name: String, scale: Int64, places: Int) throws -> Power {
        let v = try required(name)
        let t = try numberText(name, v)
        guard let watts = ExactDecimal.scaled(t, scale: scale) else {
            if let d = Double(t) {
                if !d.isFinite { throw err(name, .notFinite(got: Format.clipped(t))) }
                if d < 0 { throw err(name, .negative(got: Format.clipped(t))) }
                // Zero only when every digit before the exponent is: 1e-400 is no zero, though it
                // rounds to one as a Double.
                let digits = t.prefix { $0 != "e" && $0 != "E" }
                if d == 0, digits.allSatisfy({ $0 == "0" || $0 == "." || $0 == "+" }) {
                    throw err(name, .notPositive(got: Format.clipped(t)))
                }
                throw err(name, .tooPrecise(places: places, got: Format.clipped(t)))
            }
            throw err(name, .wrongType(expected: "a number", got: v.display))
        }
        guard watts > 0 else { throw err(name, .notPositive(got: Format.clipped(t))) }
        return Power(watts: watts)
    }

    func optPower(_ name: String, scale: Int64, places: Int) throws -> Power? {
        guard fields[name] != nil else { return nil }
        return try power(name, scale: scale, places: places)
    }

    func optTime(_ name: String, wholeSeconds: Bool) throws -> Timestamp? {
        guard let v = fields[name] else { return nil }
        let s = try stringValue(name, v)
        guard let t = Timestamp.parse(s) else {
            throw err(name, .notATime(got: v.display))
        }
        // Whole seconds are given without a fraction: `.000` is refused as `.5` is.
        if wholeSeconds, t.micros % Timestamp.microsPerSecond != 0 || s.contains(".") {
            throw err(name, .notToTheSecond(got: v.display))
        }
        return t
    }
}

/// Exact decimal scaling: `"45.5"` × 1000 = 45500, without binary floating point.
enum ExactDecimal {
    /// Returns `text × scale` when it is a non-negative whole number after scaling, else nil.
    static func scaled(_ text: String, scale: Int64) -> Int64? {
        var u = Substring(text).utf8[...]
        if u.first == UInt8(ascii: "+") { u = u.dropFirst() }
        var mantissa: Int64 = 0
        var fracDigits = 0
        var seenDot = false
        var any = false
        var exponent = 0
        var idx = u.startIndex
        while idx != u.endIndex {
            let c = u[idx]
            if c >= 0x30, c <= 0x39 {
                let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(Int64(c - 0x30))
                guard !o1, !o2 else { return nil }
                mantissa = m2
                if seenDot { fracDigits += 1 }
                any = true
            } else if c == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                guard let e = Int(String(Substring(u[u.index(after: idx)...]))) else { return nil }
                exponent = e
                break
            } else {
                return nil
            }
            idx = u.index(after: idx)
        }
        guard any else { return nil }
        // Zero is zero at any exponent; any other mantissa (below 10^19) overflows Int64 when
        // shifted left by 19 digits or more and has a fraction when shifted right by 20 or more.
        // Both bounds also keep the loops below short whatever exponent the text gives.
        if mantissa == 0 { return 0 }
        var scaleDigits = 0
        var s = scale
        while s > 1 { s /= 10; scaleDigits += 1 }
        guard exponent > -64, exponent < 64 else { return nil }
        let shift = scaleDigits + exponent - fracDigits
        guard shift < 19, shift > -20 else { return nil }
        var v = mantissa
        if shift >= 0 {
            for _ in 0..<shift {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                guard !o else { return nil }
                v = m
            }
        } else {
            for _ in 0..<(-shift) {
                guard v % 10 == 0 else { return nil }
                v /= 10
            }
        }
        return v
    }
}
