/// Splits a command line into words: spaces separate, `"…"` or `'…'` quote (the quotes are
/// removed), and `\` escapes the next character inside or outside quotes.
public enum QueryWords {
    public static func split(_ line: String) -> [String] {
        (try? splitChecked(line)) ?? line.split(separator: " ").map(String.init)
    }

    /// The line without one `;` that ends it (the habit of psql and sqlite3), unless the `;` is
    /// escaped (`\;`); one inside quotes is never at the very end.
    public static func droppingTerminator(_ line: String) -> String {
        var s = Substring(line)
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        guard s.last == ";", s.dropLast().last != "\\" else { return line }
        return String(s.dropLast())
    }

    /// `value` as one word that `splitChecked` reads back as `value`: as it is when it holds
    /// nothing that splitting would read, else in double quotes with `"` and `\` escaped.
    public static func quoted(_ value: String) -> String {
        let special: Set<Character> = [" ", "\t", "\"", "'", "\\", ";", "#"]
        guard value.isEmpty || value.contains(where: { special.contains($0) || $0.isNewline }) else { return value }
        var out = "\""
        for c in value {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    public static func splitChecked(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escape = false
        for c in line {
            if escape { current.append(c); escape = false; inWord = true; continue }
            if c == "\\" { escape = true; inWord = true; continue }
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
                continue
            }
            if c == "\"" || c == "'" { quote = c; inWord = true; continue }
            if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            current.append(c)
            inWord = true
        }
        if quote != nil { throw LedgerError(.unterminatedQuote(line: line)) }
        if inWord { words.append(current) }
        return words
    }
}
