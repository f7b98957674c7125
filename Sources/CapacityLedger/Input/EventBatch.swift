/// Splits JSON Lines into drafts, numbering lines from 1. Blank lines are skipped; the first bad
/// line stops the batch with its line number, so nothing of a bad batch is appended.
public enum EventBatch {
    public static func parse(_ bytes: UnsafeRawBufferPointer, firstLine: Int = 1) throws -> [EventDraft] {
        var drafts: [EventDraft] = []
        try forEachLine(bytes, firstLine: firstLine) { line, number in
            let fields = try JSONLine.parse(line)
            drafts.append(try EventDraftDecoder.decode(fields, line: number))
        }
        return drafts
    }

    public static func parse(_ text: String) throws -> [EventDraft] {
        var copy = text
        return try copy.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with each non-blank line (without its newline or a trailing `\r`).
    public static func forEachLine(_ bytes: UnsafeRawBufferPointer, firstLine: Int = 1,
                                   _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        let b = bytes.bindMemory(to: UInt8.self)
        var start = 0
        var number = firstLine
        while start < b.count {
            var end = start
            while end < b.count, b[end] != 0x0A { end += 1 }
            var stop = end
            if stop > start, b[stop - 1] == 0x0D { stop -= 1 }
            var blank = true
            for k in start..<stop where b[k] != 0x20 && b[k] != 0x09 { blank = false; break }
            if !blank {
                do {
                    try body(UnsafeBufferPointer(rebasing: b[start..<stop]), number)
                } catch let e as LedgerError {
                    throw e.atLine(number)
                }
            }
            number += 1
            start = end + 1
        }
    }
}
