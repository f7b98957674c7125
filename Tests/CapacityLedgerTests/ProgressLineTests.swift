@testable import CapacityLedger
@testable import LedgerStorage
import Testing

struct ProgressLineTests {
    @Test func aKnownSizeShowsABarFilledAsFarAsTheBytesRead() {
        let line = ProgressLine.render(events: 5_242_880, bytesRead: 520, size: 1000, seconds: 8.6, width: 120)
        #expect(line == "importing [###############...............]  52%  5,242,880 events  609,637/s  ~8 s left")
        #expect(ProgressLine.render(events: 10, bytesRead: 0, size: 1000, seconds: 0.5, width: 80)
            == "importing [..............................]   0%  10 events  20/s")
    }

    @Test func standardInputOfUnknownSizeShowsTheCountAndRateOnly() {
        #expect(ProgressLine.render(events: 65_536, bytesRead: 8_000_000, size: nil, seconds: 2, width: 80)
            == "importing 65,536 events  32,768/s")
        #expect(ProgressLine.render(events: 1, bytesRead: 10, size: 0, seconds: 0, width: 80) == "importing 1 event")
    }

    @Test func aNarrowTerminalDropsTheRateThenTheTimeLeftThenTheBarAndNeverWraps() {
        let args = (events: 1_000_000, bytesRead: 250, size: 1000, seconds: 4.0)
        func at(_ width: Int) -> String {
            ProgressLine.render(events: args.events, bytesRead: args.bytesRead, size: args.size, seconds: args.seconds, width: width)
        }
        #expect(at(80) == "importing [#####................]  25%  1,000,000 events  250,000/s  ~12 s left")
        #expect(at(60) == "importing [###.........]  25%  1,000,000 events  ~12 s left")
        #expect(at(48) == "importing [###.........]  25%  1,000,000 events")
        #expect(at(45) == "importing  25%  1,000,000 events  ~12 s left")
        #expect(at(40) == "importing  25%  1,000,000 events")
        #expect(at(20) == "importing  25%  1,0")
        for width in 1...140 { #expect(at(width).count < width, "width \(width)") }
    }

    @Test func timeLeftIsRoundedUpToSecondsMinutesAndHours() {
        #expect(ProgressLine.duration(0.2) == "1 s")
        #expect(ProgressLine.duration(59) == "59 s")
        #expect(ProgressLine.duration(61) == "2 min")
        #expect(ProgressLine.duration(3600) == "1 h")
        #expect(ProgressLine.duration(7_450) == "2 h 5 min")
    }
}
