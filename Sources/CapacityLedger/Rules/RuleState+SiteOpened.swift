extension RuleState {
    /// `site.opened`: a site is opened once.
    func checkSiteOpened(_ site: String, _ key: TimeKey) throws {
        if let s = sites[site] {
            throw LedgerError.data("site.opened \(site): site \(site) is already open (opened \(s.opened.time.shortString), #\(s.opened.seq))")
        }
    }
}
