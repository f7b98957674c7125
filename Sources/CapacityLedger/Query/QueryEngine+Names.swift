extension QueryEngine {
    /// Refuses a query that names a site, chip model, investor or recipient the ledger has never
    /// recorded (at any effective time, known now): a typo would otherwise print an empty table
    /// and a total of 0, a wrong figure that looks like a right one. The error names the value
    /// and the nearest known names. A name the ledger knows is left to the command, which may
    /// find nothing at its point in time (see `emptyNote`).
    func checkNames(_ q: Query) throws {
        guard !q.names.isEmpty else { return }
        // Every event recorded so far, whenever it takes effect.
        let all = try figures(PointInTime(at: .time(Timestamp(micros: .max))))
        for name in q.names {
            let (kind, value) = (name.kind, name.value)
            let known: [String]
            switch kind {
            case .site: known = Array(all.sites.keys)
            case .model: known = Array(all.catalog.keys)
            case .investor: known = all.investments(investor: nil, recipient: nil).map(\.investor)
            case .recipient: known = all.investments(investor: nil, recipient: nil).map(\.recipient)
            }
            guard !known.contains(value) else { continue }
            let names = Set(known).sorted()
            throw LedgerError(.unknownName(command: q.name, kind: kind, name: value, known: names,
                                           suggestions: NameSuggestions.nearest(value, in: names)))
        }
    }

    /// The note for a snapshot with no rows although every name it filters on is known: the
    /// names exist, but nothing of them counts at that point in time. (The history commands
    /// show a range of events, which an empty window explains.)
    func emptyNote(_ q: Query, _ out: QueryOutput) -> String? {
        switch q.command {
        case .fleet, .power, .capacity, .investments: break
        default: return nil
        }
        guard out.rows.isEmpty, out.point != nil else { return nil }
        let named = q.names.map { "\($0.kind.noun) \($0.value)" }
        guard !named.isEmpty, let p = out.point else { return nil }
        return "nothing counts for \(named.joined(separator: " and ")) at \(p.atText) (known \(p.knownText))"
    }
}

/// The known names nearest to a name that is not known, for "did you mean" hints.
public enum NameSuggestions {
    /// Names equal to `value` but for case first; else names it begins (three letters or
    /// more); else the nearest of those within a few edits (at most a third of the name's
    /// length, and at least 2); at most three.
    public static func nearest(_ value: String, in names: [String]) -> [String] {
        let lower = value.lowercased()
        let sameButCase = names.filter { $0.lowercased() == lower }
        if !sameButCase.isEmpty { return Array(sameButCase.prefix(3)) }
        // A name cut short (`rainier` for `rainier-in`).
        let longer = names.filter { value.count >= 3 && $0.lowercased().hasPrefix(lower) }.sorted()
        if !longer.isEmpty { return Array(longer.prefix(3)) }
        let limit = max(2, value.count / 3)
        let scored = names.compactMap { n -> (Int, String)? in
            let d = distance(lower, n.lowercased(), limit: limit)
            return d <= limit ? (d, n) : nil
        }
        guard let best = scored.map(\.0).min() else { return [] }
        return scored.filter { $0.0 == best }.map(\.1).sorted().prefix(3).map { $0 }
    }

    /// Levenshtein distance between `a` and `b`, or `limit + 1` once it must exceed `limit`.
    static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            current[0] = i
            var best = current[0]
            for j in 1...max(y.count, 1) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                best = min(best, current[j])
            }
            if best > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
