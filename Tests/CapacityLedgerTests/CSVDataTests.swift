@testable import CapacityConsole
@testable import CapacityLedger
@testable import LedgerStorage
import Testing

/// CSV is data: numbers plain where tables shorten them, and no total row unless asked for.
struct CSVDataTests {
    func session() throws -> (Session, BufferOutput) {
        let store = try makeStore(cap: "power_cap_mw=100")
        try store.append([
            try d("power.allocated site=s1 mw=10 effective=2025-01-01"),
            try d("chips.delivered site=s1 model=m1 quantity=128 effective=2025-02-01"),
            try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=45 effective=2025-02-02"),
        ])
        let out = BufferOutput()
        let s = Session(engine: QueryEngine(store: store, clock: ManualClock(Timestamp.parse("2026-01-01")!)), out: out, err: out)
        s.format = .csv
        return (s, out)
    }

    @Test func trainWritesPlainNumbersInCSVAndShortFormsInTables() throws {
        let (s, out) = try session()
        try s.run("train params=70B tokens=15T")
        #expect(out.text.hasPrefix("quantity,value\nparams,70000000000\ntokens,15000000000000\nFLOPs (6·params·tokens),6.3e+24\n"))
        s.format = .table
        try s.run("train params=70B tokens=15T")
        #expect(out.text.contains("\nparams  ") && out.text.contains("  70B\n"))
        #expect(out.text.contains("6.3×10^24"))
    }

    @Test func theTotalRowIsLeftOutOfCSVUnlessAskedFor() throws {
        let (s, out) = try session()
        try s.run("fleet")
        #expect(out.text == "site,model,delivered,installed,energized,stranded,retired,undeployed\ns1,m1,128,64,64,0,0,64\n")
        try s.run(".totals on")
        try s.run("fleet")
        #expect(out.text.hasSuffix("s1,m1,128,64,64,0,0,64\ntotal,,128,64,64,0,0,64\n"))
        try s.run(".totals")
        #expect(out.text.hasSuffix("totals on\n"))
    }
}
