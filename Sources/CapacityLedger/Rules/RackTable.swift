/// A value per (site, rack): the rule state's marks of every rack (`RackMarks`), and the racks
/// that retirements name, for the in-memory index build (`Ledger.retiredRacks`).
///
/// Sites are few and numbered on first sight; racks are many and found through a `SlotIndex`
/// by their name's hash and the site's number. Entries are never removed. `prefetch` lets a
/// pass that knows which rack comes a few events later start loading its slot now.
struct RackTable<Value: Sendable>: Sendable {
    private var siteNames: [String] = []
    private var siteIndex = SlotIndex()
    private var index = SlotIndex()
    private var racks: [String] = []
    private var sites: [UInt32] = []
    /// The value of each entry, by entry number.
    private(set) var values: [Value] = []

    init() {}

    /// How many (site, rack) entries there are.
    var count: Int { values.count }

    /// Makes room for `n` entries; the hash index too unless `index` is false.
    mutating func reserveCapacity(_ n: Int, index reservingIndex: Bool = true) {
        if reservingIndex { index.reserveCapacity(n) }
        racks.reserveCapacity(n)
        sites.reserveCapacity(n)
        values.reserveCapacity(n)
        // Read at random places (the entry a lookup's hash finds), so huge pages.
        racks.adviseHugePages()
        sites.adviseHugePages()
        values.adviseHugePages()
    }

    /// The entry of (site, rack), if there is one.
    func entry(site: String, rack: String) -> Int? {
        guard let s = siteNumber(site) else { return nil }
        return find(s, rack, NameHash.of(rack)).map(Int.init)
    }

    /// The entry of (site, rack), added with `value()` when there is none.
    mutating func entry(site: String, rack: String, adding value: @autoclosure () -> Value) -> Int {
        let s = siteNumber(site) ?? addSite(site)
        let h = NameHash.of(rack)
        if let e = find(s, rack, h) { return Int(e) }
        let e = UInt32(values.count)
        racks.append(rack)
        sites.append(s)
        values.append(value())
        index.insert(Self.hash(s, h), e)
        return Int(e)
    }

    subscript(entry e: Int) -> Value {
        get { values[e] }
        set { values[e] = newValue }
    }

    /// The value of (site, rack); setting one adds the entry or replaces its value.
    subscript(site: String, rack: String) -> Value? {
        get { entry(site: site, rack: rack).map { values[$0] } }
        set {
            guard let newValue else { preconditionFailure("rack table entries are never removed") }
            values[entry(site: site, rack: rack, adding: newValue)] = newValue
        }
    }

    /// Starts loading the slot a lookup of (site, rack) begins at (see `SlotIndex.prefetch`).
    func prefetch(site: String, rack: String) {
        prefetch(site: site, rackHash: NameHash.of(rack))
    }

    /// `prefetch(site:rack:)` for a rack name whose `NameHash` is `rackHash`.
    func prefetch(site: String, rackHash: UInt64) {
        guard let s = siteNumber(site) else { return }
        index.prefetch(Self.hash(s, rackHash))
    }

    // MARK: finding

    @inline(__always)
    private static func hash(_ site: UInt32, _ rackHash: UInt64) -> UInt64 {
        rackHash ^ (UInt64(site) &* 0x9E37_79B9_7F4A_7C15)
    }

    private func siteNumber(_ site: String) -> UInt32? {
        siteIndex.find(NameHash.of(site)) { NameHash.same(siteNames[Int($0)], site) }
    }

    private mutating func addSite(_ site: String) -> UInt32 {
        let s = UInt32(siteNames.count)
        siteNames.append(site)
        siteIndex.insert(NameHash.of(site), s)
        return s
    }

    private func find(_ site: UInt32, _ rack: String, _ rackHash: UInt64) -> UInt32? {
        index.find(Self.hash(site, rackHash)) { sites[Int($0)] == site && NameHash.same(racks[Int($0)], rack) }
    }
}

extension Event {
    /// Starts loading `table`'s slot for this event's rack, if it installs or retires one.
    @inline(__always)
    func prefetchRack<V>(in table: RackTable<V>) {
        switch body {
        case .rackInstalled(let site, let rack, _, _, _), .rackRetired(let site, let rack):
            table.prefetch(site: site, rack: rack)
        default:
            break
        }
    }
}
