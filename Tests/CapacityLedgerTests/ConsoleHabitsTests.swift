@testable import CapacityConsole
@testable import CapacityLedger
@testable import LedgerStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The habits of psql and sqlite3 in the console: backslash commands, expanded display,
/// headers off, a result to a file once, the settings shown.
struct ConsoleHabitsTests {
    func session() throws -> (Session, BufferOutput) {
        let store = try makeStore(cap: "power_cap_mw=100")
        try store.append([
            try d("power.allocated site=s1 mw=10 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-02-01"),
        ])
        let out = BufferOutput()
        return (Session(engine: QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!)), out: out, err: out), out)
    }

    @Test func expandedDisplayShowsEachRowAsARecord() throws {
        let (s, out) = try session()
        try s.run("\\x")
        try s.run("power")
        #expect(out.text == """
            expanded display is on
            -[ RECORD 1 ]----
            site           | s1
            cap (MW)       | 100.000
            allocated (MW) | 10.000
            drawn (MW)     | 0.000
            headroom (MW)  | 10.000
            -[ TOTAL ]-------
            allocated (MW) | 10.000
            drawn (MW)     | 0.000
            headroom (MW)  | 10.000

            """)
        try s.run("\\x")
        #expect(out.text.hasSuffix("expanded display is off\n"))
    }

    @Test func autoExpandsOnlyWhatIsWiderThanTheTerminal() throws {
        let (s, out) = try session()
        try s.run(".expanded auto")
        s.terminalWidth = { 200 }
        try s.run("fleet")
        #expect(!out.text.contains("RECORD"))
        s.terminalWidth = { 40 }
        try s.run("fleet")
        #expect(out.text.contains("-[ RECORD 1 ]"))
        // Not on a terminal: never expanded.
        s.terminalWidth = { nil }
        let before = out.text.count
        try s.run("fleet")
        #expect(!out.text.dropFirst(before).contains("RECORD"))
    }

    @Test func headersOffLeavesTheRows() throws {
        let (s, out) = try session()
        try s.run(".headers off")
        try s.run(".mode csv")
        try s.run("fleet")
        #expect(out.text == "s1,m1,128,0,0,0,0,128\n")
        try s.run(".mode table")
        try s.run("models")
        #expect(out.text.hasSuffix("\nm1     V                100           200\n") || out.text.contains("m1  "))
        #expect(!out.text.contains("model"))
    }

    @Test func backslashCommandsAreTheDotCommands() throws {
        #expect(try Session.dotCommand(forBackslash: "\\q") == ".quit")
        #expect(try Session.dotCommand(forBackslash: "\\?") == ".help")
        #expect(try Session.dotCommand(forBackslash: "\\o /tmp/x") == ".output /tmp/x")
        #expect(try Session.dotCommand(forBackslash: "\\o") == ".output stdout")
        #expect(try Session.dotCommand(forBackslash: "\\x auto") == ".expanded auto")
        #expect(throws: LedgerError.data(#"unknown command \dt (backslash commands: \q, \?, \x, \timing, \o)"#)) {
            _ = try Session.dotCommand(forBackslash: "\\dt")
        }
        let (s, _) = try session()
        try s.run("\\timing")
        #expect(s.timing)
        try s.run("\\q")
        #expect(s.quitRequested)
    }

    @Test func onceSendsTheNextResultOnlyToAFile() throws {
        let (s, out) = try session()
        let dir = temporaryDirectory("capacity-once")
        try s.run(".once \(dir)/one.csv")
        try s.run(".mode csv")
        try s.run("sites")
        try s.run("models")
        #expect(String(decoding: fileBytes(dir + "/one.csv"), as: UTF8.self).hasPrefix("site,name,region,cap_mw,pue,acres,opened\ns1,"))
        #expect(out.text.hasPrefix("model,vendor"))
        try s.run(".show")
        #expect(out.text.hasSuffix("mode csv\nheaders on\nexpanded off\npager on\ntiming off\ntotals off\noutput stdout\nat now\nknown now\ntransaction none\nsigning off\n"))
        try s.run("begin")
        try s.run("append power.allocated site=s1 mw=1 effective=2025-03-01")
        try s.run(".show")
        #expect(out.text.hasSuffix("known now\ntransaction open, 1 event\nsigning off\n"))
    }
}
