import CapacityLedger
import Testing

struct BatchTests {
    @Test func aBadLineAppendsNothing() throws {
        let store = try makeStore()
        let headBefore = store.ledger.head
        let bytesBefore = store.byteCount
        var lines: [String] = [#"{"type":"chips.delivered","site":"s1","model":"m1","quantity":64000,"effective":"2025-10-01"}"#]
        for i in 2...1000 {
            let chips = i == 500 ? 640_000 : 64
            lines.append(#"{"type":"rack.installed","site":"s1","rack":"r-\#(i)","model":"m1","chips":\#(chips),"kw":1,"effective":"2025-10-02"}"#)
        }
        let drafts = try EventBatch.parse(lines.joined(separator: "\n"))
        #expect(errorMessage { try store.append(drafts) }?.hasPrefix("line 500: rack.installed r-500: site s1 has 32,128 undeployed m1 chips") == true)
        #expect(store.ledger.count == 2)
        #expect(store.ledger.head == headBefore)
        #expect(store.byteCount == bytesBefore)
        // The ledger is still fully usable and the rules state was restored exactly.
        var good = drafts
        good[499] = try d("rack.installed site=s1 rack=r-500 model=m1 chips=64 kw=1 effective=2025-10-02", line: 500)
        try store.append(good)
        #expect(store.ledger.count == 1002)
        #expect(try store.verify().events == 1002)
    }

    @Test func aVoidUndoneWithItsBatchRestoresItsTarget() throws {
        let store = try makeStore()
        try store.append([try d("chips.delivered site=s1 model=m1 quantity=64 effective=2025-10-01")])
        let bad = [try d("event.voided target=3 reason=x", line: 1),
                   try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02", line: 2)]
        #expect(errorMessage { try store.append(bad) }?.hasPrefix("line 2: rack.installed r-1: site s1 has 0 undeployed") == true)
        #expect(store.ledger.voidedBy.isEmpty)
        try store.append([try d("rack.installed site=s1 rack=r-1 model=m1 chips=64 kw=1 effective=2025-10-02")])
    }

    @Test func parseErrorsNameTheLine() {
        let text = "\n" + #"{"type":"investment.committed","investor":"a","recipient":"b","usd":1}"# + "\n{oops\n"
        #expect(errorMessage { _ = try EventBatch.parse(text) } == "line 3: invalid JSON at column 2: expected a field name in quotes")
    }
}
