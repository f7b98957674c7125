/// A small, strict parser for one flat JSON object per line (JSON Lines events).
///
/// Events are flat objects of strings, numbers and (never valid, but reported by name) other
/// values, so this parser reads exactly that, straight from UTF-8 bytes, without building a
/// general JSON tree. Nested values are skipped and reported as `.composite`.
/// - Complexity: O(n) in the length of the line.
public enum JSONLine {
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> RawFields {
        var p = Parser(b: bytes, i: 0)
        return try p.object()
    }

    public static func parse(_ text: String) throws -> RawFields {
        var copy = text
        return try copy.withUTF8 { (buf) throws -> RawFields in try parse(buf) }
    }

    /// Where the JSON number starting at `start` ends (`-`, digits without a leading zero, an
    /// optional fraction and exponent), or nil when there is no well-formed number there.
    static func numberEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        func digits() -> Bool {
            let s = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i > s
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        let whole = i
        guard digits(), b[whole] != 0x30 || i == whole + 1 else { return nil }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return nil }
        }
        return i
    }

    /// Whether every byte is below 0x80 (eight at a time).
    @inline(__always)
    static func isASCII(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        var any: UInt64 = 0
        if let base = raw.baseAddress {
            let p = UnsafeRawPointer(base)
            while i + 8 <= raw.count {
                any |= p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < raw.count {
                any |= UInt64(raw[i])
                i += 1
            }
        }
        return any & 0x8080_8080_8080_8080 == 0
    }

    struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i: Int

        mutating func ws() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }

        func fail(_ fault: LedgerError.JSONFault) -> LedgerError {
            LedgerError(.badJSON(column: i + 1, fault))
        }

        mutating func object() throws -> RawFields {
            ws()
            guard i < b.count, b[i] == UInt8(ascii: "{") else { throw fail(.expectedObject) }
            i += 1
            var out = RawFields()
            // Keys seen, to find one given twice in one step whatever the count (a hostile line
            // of a million keys would otherwise take a million searches of the ones before).
            var seen = Set<String>()
            ws()
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    ws()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail(.expectedFieldName) }
                    let key = try string(field: nil)
                    ws()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail(.expectedColon(after: key)) }
                    i += 1
                    ws()
                    let v = try value(field: key)
                    guard seen.insert(key).inserted else { throw LedgerError(.duplicateField(key)) }
                    out.pairs.append((key, v))
                    ws()
                    guard i < b.count else { throw fail(.unterminatedObject) }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; break }
                    throw fail(.expectedCommaOrBrace)
                }
            }
            ws()
            guard i == b.count else { throw fail(.textAfterObject) }
            return out
        }

        mutating func value(field: String) throws -> RawValue {
            guard i < b.count else { throw fail(.missingValue(field: field)) }
            switch b[i] {
            case UInt8(ascii: "\""): return .string(try string(field: field))
            case UInt8(ascii: "-"), 0x30...0x39: return .number(try number(field: field))
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "["), UInt8(ascii: "{"): try skipComposite(); return .composite
            default: throw fail(.unexpectedCharacter(field: field))
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= b.count else { throw fail(.unexpectedEnd) }
            for k in 0..<w.count where b[i + k] != w[k] { throw fail(.unknownLiteral) }
            i += w.count
        }

        mutating func number(field: String) throws -> String {
            let start = i
            guard let end = JSONLine.numberEnd(b, from: i) else {
                let k = b[i] == UInt8(ascii: "-") ? i + 1 : i
                if k + 1 < b.count, b[k] == 0x30, b[k + 1] >= 0x30, b[k + 1] <= 0x39 {
                    throw fail(.leadingZero(field: field))
                }
                throw fail(.badNumber(field: field))
            }
            i = end
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        }

        mutating func string(field: String?) throws -> String {
            i += 1  // opening quote
            let start = i
            var plain = true
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") { plain = false; i += 2; continue }
                if c < 0x20 { throw fail(.controlInString) }
                i += 1
            }
            guard i < b.count else { throw fail(.unterminatedString) }
            let raw = UnsafeBufferPointer(rebasing: b[start..<i])
            i += 1
            if plain {
                // ASCII (almost every field) needs no further check.
                if JSONLine.isASCII(raw) { return String(decoding: raw, as: UTF8.self) }
                guard let s = String(validating: raw, as: UTF8.self) else {
                    throw LedgerError(.notUTF8(.field(field, unpairedSurrogate: false)))
                }
                return s
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(raw.count)
            var k = 0
            while k < raw.count {
                let c = raw[k]
                if c != UInt8(ascii: "\\") { bytes.append(c); k += 1; continue }
                guard k + 1 < raw.count else { throw fail(.badEscape) }
                let e = raw[k + 1]
                k += 2
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    guard var cp = hex4(raw, k) else { throw fail(.badUnicodeEscape) }
                    k += 4
                    if (0xD800...0xDBFF).contains(cp) {
                        guard k + 6 <= raw.count, raw[k] == 0x5C, raw[k + 1] == UInt8(ascii: "u"),
                              let lo = hex4(raw, k + 2), (0xDC00...0xDFFF).contains(lo)
                        else { throw LedgerError(.notUTF8(.field(field, unpairedSurrogate: true))) }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        k += 6
                    } else if (0xDC00...0xDFFF).contains(cp) {
                        throw LedgerError(.notUTF8(.field(field, unpairedSurrogate: true)))
                    }
                    guard let scalar = Unicode.Scalar(cp) else { throw fail(.badUnicodeEscape) }
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail(.unknownEscape(Character(Unicode.Scalar(e))))
                }
            }
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw LedgerError(.notUTF8(.field(field, unpairedSurrogate: false)))
            }
            return s
        }

        func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = raw[k]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: return nil
                }
                v = v * 16 + d
            }
            return v
        }

        mutating func skipComposite() throws {
            var depth = 0
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") { _ = try string(field: "value"); continue }
                if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") { depth += 1 }
                if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                    depth -= 1
                    if depth == 0 { i += 1; return }
                }
                i += 1
            }
            throw fail(.unterminatedNesting)
        }
    }
}

/// Writes JSON text: strings escaped, keys in the order given.
public struct JSONWriter {
    public private(set) var text = "{"
    private var first = true
    public init() {}

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + Format.paddedHex(u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += Self.quote(k) + ":"
    }

    public mutating func string(_ k: String, _ v: String?) {
        guard let v else { return }
        key(k)
        text += Self.quote(v)
    }

    public mutating func raw(_ k: String, _ json: String) {
        key(k)
        text += json
    }

    public mutating func int(_ k: String, _ v: Int64?) {
        guard let v else { return }
        key(k)
        text += String(v)
    }

    public mutating func double(_ k: String, _ v: Double?) {
        guard let v else { return }
        key(k)
        text += Format.number(v)
    }

    public func finished() -> String { text + "}" }
}
