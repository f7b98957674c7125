extension RuleState {
    /// `site.opened`: a site is opened once.
    func checkSiteOpened(_ site: UInt32, _ key: TimeKey) throws {
        if let s = sites[UInt64(site)], let closed = s.closed {
            throw RuleViolation { names in
                let name = names.name(site)
                return "site.opened \(name): site \(name) was opened \(s.opened.time.shortString) (#\(s.opened.seq)) and closed \(closed.time.shortString) (#\(closed.seq)); a site id is opened once"
            }
        }
        if let s = sites[UInt64(site)] {
            throw RuleViolation { names in
                let name = names.name(site)
                return "site.opened \(name): site \(name) is already open (opened \(s.opened.time.shortString), #\(s.opened.seq))"
            }
        }
    }
}
