import CCapacitySupport

/// Number formatting shared by messages and tables. Locale-independent: `,` groups thousands.
public enum Format {
    /// Decimals of this magnitude or more are shown in scientific form in tables (`5.67×10^25`):
    /// grouped digits that long are unreadable, and most of them would be noise.
    public static let scientificFrom = 1e15

    /// `1,001,600`
    public static func grouped(_ v: Int64) -> String {
        let text = String(v)
        return v < 0 ? "-" + groupDigits(text.dropFirst()) : groupDigits(Substring(text))
    }

    public static func grouped(_ v: Int) -> String { grouped(Int64(v)) }

    /// A count and its noun, singular for one: `1 byte`, `54 bytes`, `22,174 events`.
    /// `seq 5`, or `seq 4–7` for a range of several.
    public static func seqs(_ first: Int, _ last: Int) -> String {
        first == last ? "seq \(first)" : "seq \(first)–\(last)"
    }

    public static func counted(_ n: Int, _ noun: String) -> String {
        "\(grouped(n)) \(noun)\(n == 1 ? "" : "s")"
    }

    /// A decimal with a fixed number of places and thousands separators: `333,521.3`.
    /// From `scientificFrom` on, the scientific form instead: `1.235×10^18`.
    public static func grouped(_ v: Double, places: Int) -> String {
        guard v.isFinite else { return String(v) }
        if abs(v) >= scientificFrom { return scientific(v) }
        var fixed = Substring(fixed(v, places: places))
        let sign = fixed.hasPrefix("-") ? "-" : ""
        if !sign.isEmpty { fixed = fixed.dropFirst() }
        let parts = fixed.split(separator: ".", maxSplits: 1)
        var s = sign + groupDigits(parts[0])
        if parts.count > 1 { s += "." + parts[1] }
        return s
    }

    /// `1234567` → `1,234,567`, for a string of digits only.
    static func groupDigits(_ digits: Substring) -> String {
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3)
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// `v` with exactly `places` decimals, no grouping: `0.40`. Any finite Double, however long.
    public static func fixed(_ v: Double, places: Int) -> String {
        guard v.isFinite else { return String(v) }
        return printf("%.\(places)f", v)
    }

    /// `s` with its control characters (Unicode category Cc: U+0000–U+001F and U+007F–U+009F)
    /// written as escapes: `\t`, `\n`, `\r`, else `\u001b`. Tables and messages show text
    /// through it, so that they never send a control character to the terminal. Text without
    /// any comes back as it is.
    /// Text a message quotes back, cut to its first 40 characters and `…`: a refused value of
    /// 100,000 characters is named, not repeated.
    public static func clipped(_ s: String) -> String {
        s.count > 40 ? String(s.prefix(40)) + "…" : s
    }

    public static func visible(_ s: String) -> String {
        guard mayHoldControl(s) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case _ where isControl(u): out += "\\u" + paddedHex(u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// At least four hexadecimal digits, zero-padded: `001b` (`001B` uppercase), for `\u001b`
    /// escapes and `U+001B` code points.
    static func paddedHex(_ value: UInt32, uppercase: Bool = false) -> String {
        let h = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// A control character: Unicode category Cc, U+0000–U+001F and U+007F–U+009F.
    static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }

    /// False when `s` surely holds no control character: none of its UTF-8 bytes is below 0x20,
    /// DEL, or 0xC2 (the lead byte of U+0080–U+00BF). A byte scan, for the common case.
    static func mayHoldControl(_ s: String) -> Bool {
        s.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }
    }

    /// At most 4 significant digits times a power of ten, trailing zeros dropped: `1.62×10^26`,
    /// `5.67×10^25`, `-2×10^300`. `0` for zero.
    public static func scientific(_ v: Double) -> String {
        guard v.isFinite else { return String(v) }
        guard v != 0 else { return "0" }
        // `%.3e` rounds the mantissa correctly and carries into the exponent (9.9996e25 → 1.000e+26).
        let text = printf("%.3e", v)
        let parts = text.split(separator: "e", maxSplits: 1)
        var mantissa = String(parts[0])
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        return mantissa + "×10^" + String(exponent)
    }

    /// The shortest text that reads back as the same Double: `667`, `0.4`, `1299.5`.
    public static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// One Double through C's `printf`, with a buffer as long as the text needs.
    static func printf(_ format: String, _ v: Double) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        var n = Int(ccap_format_double(&buf, buf.count, format, v))
        if n >= buf.count {
            buf = [CChar](repeating: 0, count: n + 1)
            n = Int(ccap_format_double(&buf, buf.count, format, v))
        }
        let bytes = buf.prefix(max(0, n)).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
