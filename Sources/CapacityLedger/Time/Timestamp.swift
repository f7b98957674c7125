/// A point in time: microseconds since 1970-01-01T00:00:00Z, always UTC.
///
/// Effective times have whole-second resolution; recorded (transaction) times keep microseconds.
/// Parsing and formatting are done by hand so that no locale, time zone or calendar object is
/// involved: `2025-10-29` means 00:00:00Z of that day.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }
    public init(seconds: Int64) { self.micros = seconds * 1_000_000 }

    public static let microsPerSecond: Int64 = 1_000_000
    public static let microsPerDay: Int64 = 86_400 * 1_000_000

    public var seconds: Int64 { micros.floorDiv(Self.microsPerSecond) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.micros < b.micros }

    /// True when the time is 00:00:00Z of its day.
    public var isMidnight: Bool { micros.floorMod(Self.microsPerDay) == 0 }

    /// The start (00:00:00Z) of the day holding this time.
    public var startOfDay: Timestamp { Timestamp(micros: micros - micros.floorMod(Self.microsPerDay)) }

    /// `2025-10-29T14:00:00Z`, with `.123456` added only when there are sub-second digits.
    public var description: String { iso8601 }

    public var iso8601: String {
        let (y, m, d) = civil
        let secOfDay = micros.floorMod(Self.microsPerDay) / Self.microsPerSecond
        let frac = micros.floorMod(Self.microsPerSecond)
        var s = "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))T"
        s += "\(Self.pad(secOfDay / 3600, 2)):\(Self.pad(secOfDay / 60 % 60, 2)):\(Self.pad(secOfDay % 60, 2))"
        if frac != 0 { s += "." + Self.pad(frac, 6) }
        return s + "Z"
    }

    /// `2025-10-29`.
    public var dateString: String {
        let (y, m, d) = civil
        return "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))"
    }

    /// The date alone when the time is midnight, the full form otherwise.
    public var shortString: String { isMidnight ? dateString : iso8601 }

    /// Year, month (1–12) and day (1–31) in the proleptic Gregorian calendar.
    public var civil: (year: Int64, month: Int64, day: Int64) {
        Self.civil(fromDays: micros.floorDiv(Self.microsPerDay))
    }

    public init(year: Int64, month: Int64, day: Int64, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, micros: Int64 = 0) {
        let days = Self.days(year: year, month: month, day: day)
        self.micros = ((days * 86_400 + hour * 3600 + minute * 60 + second) * Self.microsPerSecond) + micros
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`. Returns nil for anything else,
    /// including impossible dates such as `2025-02-30`, the year 0000, and a space in place of
    /// the `T`.
    public static func parse(_ text: some StringProtocol) -> Timestamp? {
        let u = Array(text.utf8)
        return u.withUnsafeBufferPointer { parse(utf8: $0) }
    }

    /// `parse` over UTF-8 bytes.
    static func parse(utf8 u: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= u.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + len) {
                let c = u[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = num(0, 4), let m = num(5, 2), let d = num(8, 2), y >= 1,
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m)
        else { return nil }
        if u.count == 10 { return Timestamp(year: y, month: m, day: d) }
        guard u.count >= 20, u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let hh = num(11, 2), let mm = num(14, 2), let ss = num(17, 2), hh < 24, mm < 60, ss < 60
        else { return nil }
        var i = 19
        var frac: Int64 = 0
        if u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                guard digits < 6 else { return nil }
                frac = frac * 10 + Int64(u[i] - 48)
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 { frac *= 10 }
        }
        guard i == u.count - 1, u[i] == UInt8(ascii: "Z") else { return nil }
        return Timestamp(year: y, month: m, day: d, hour: hh, minute: mm, second: ss, micros: frac)
    }

    /// Calendar arithmetic for timelines.
    public func adding(months: Int64) -> Timestamp {
        let (y, m, d) = civil
        let total = y * 12 + (m - 1) + months
        let ny = total.floorDiv(12), nm = total.floorMod(12) + 1
        let nd = min(d, Self.daysInMonth(year: ny, month: nm))
        let timeOfDay = micros.floorMod(Self.microsPerDay)
        return Timestamp(micros: Self.days(year: ny, month: nm, day: nd) * Self.microsPerDay + timeOfDay)
    }

    public func adding(days: Int64) -> Timestamp { Timestamp(micros: micros + days * Self.microsPerDay) }
}

extension Int64 {
    @inline(__always) func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
    @inline(__always) func floorMod(_ d: Int64) -> Int64 { self - floorDiv(d) * d }
}
