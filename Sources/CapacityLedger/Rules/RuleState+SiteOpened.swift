extension RuleState {
    /// `site.opened`: a site is opened once.
    func checkSiteOpened(_ site: UInt32, _ key: TimeKey, _ names: CodecState) throws {
        if let s = sites[UInt64(site)] {
            let name = names.name(site)
            throw LedgerError.data("site.opened \(name): site \(name) is already open (opened \(s.opened.time.shortString), #\(s.opened.seq))")
        }
    }
}
