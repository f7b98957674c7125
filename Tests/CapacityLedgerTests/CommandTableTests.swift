@testable import CapacityConsole
@testable import CapacityLedger
@testable import LedgerStorage
import Foundation
import Testing

/// The table of commands (`CommandSpec.all`) is the one list of commands and options that the
/// parser, `.help`, tab completion and the command table of docs/queries.md follow.
struct CommandTableTests {
    static let names = CommandSpec.all.map(\.name)

    @Test(arguments: names)
    func helpShowsTheCommandAndEachOfItsOptions(_ name: String) throws {
        let spec = try #require(CommandSpec.named(name))
        let lines = [spec.usage, "  " + spec.summary] + spec.options.map { "  \($0.name)=  \($0.help)" }
        #expect(Session.help(name) == lines.joined(separator: "\n"))
        #expect(try #require(Session.help(nil)).contains("\n  \(name)  "))
    }

    @Test(arguments: names)
    func completionOffersEachOptionAndTheWordsOfAChoice(_ name: String) throws {
        let spec = try #require(CommandSpec.named(name))
        let completer = Completer(data: CompletionData())
        switch spec.operands {
        case .event:
            // The event's type, then its fields.
            #expect(completer.complete("\(name) ").candidates == EventType.names.sorted())
        case .points:
            #expect(completer.complete("\(name) ").candidates == (["now"] + spec.keys.map { $0 + "=" }).sorted())
        case .none:
            #expect(completer.complete("\(name) ").candidates == spec.keys.map { $0 + "=" }.sorted())
        }
        for o in spec.options {
            guard case .choice(let words) = o.kind else { continue }
            #expect(completer.complete("\(name) \(o.name)=").candidates == words.map { "\(o.name)=\($0)" }.sorted())
        }
    }

    /// docs/queries.md's table of commands: a row for each command of the table, in its order,
    /// naming its options (`at=` and `known=` are told once below the table) or its operands.
    @Test func theDocsListEachCommandWithItsOptions() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/queries.md"), encoding: .utf8)
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex(of: "| command | options |"))
        let rows = lines[(header + 2)...].prefix { $0.hasPrefix("|") }
        var documented: [(name: String, cell: [String])] = []
        for row in rows {
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // The words in backquotes (`site=`, `by=site\|model\|fleet`, `T1 T2`).
            func quoted(_ cell: String) -> [String] {
                cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            }
            documented.append((quoted(cells[1]).first ?? cells[1], quoted(cells.dropFirst(2).dropLast().joined(separator: "|"))))
        }
        #expect(documented.map(\.name) == Self.names)
        for (name, cell) in documented {
            guard let spec = CommandSpec.named(name) else { continue }
            switch spec.operands {
            case .none:
                let keys = cell.map { String($0.prefix { $0 != "=" }) }.filter { $0 != "at" && $0 != "known" }
                #expect(keys == spec.keys.filter { $0 != "at" && $0 != "known" }, "the row of \(name)")
            case .points, .event:
                #expect(cell == [String(spec.usage.dropFirst(name.count + 1))], "the row of \(name)")
            }
            #expect(page.contains("\n### \(name)\n"), "a section for \(name)")
        }
    }
}
