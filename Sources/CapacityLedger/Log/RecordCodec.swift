import CCapacitySupport
/// The state a record's encoding depends on, in three parts by role: the log's string table
/// (`strings`: each string stored once, then referenced by number), the previous record's
/// times that the next record's are stored against (`times`), and the places decoding can
/// start from (`seekPoints`).
///
/// Encoding and decoding walk the log in order and keep this state identical on both sides, so
/// the bytes of a record depend only on the records before it: re-encoding the same events
/// gives the same bytes and therefore the same hash chain.
public struct CodecState: Sendable {
    /// The log's string table.
    package var strings = LogStrings()
    /// The previous record's times.
    package var times = RecordTimes()
    /// Where to start reading to reach any record.
    package var seekPoints = SeekPoints()

    public init() {}

    /// A state for reading only: skips the string → number dictionary until a writer needs it.
    package static func readOnly() -> CodecState {
        var s = CodecState()
        s.strings.ids = nil
        return s
    }

    /// The string numbered `n` (`LogStrings.name`).
    @inline(__always)
    package func name(_ n: UInt32) -> String { strings.name(n) }
}

/// The log's string table: every string a record holds (a site, a rack, a note …) is stored
/// once, the first time, and referred to by its number after. Names are compared as these
/// numbers across the fold, the rules and the index (`names:` parameters take this table).
public struct LogStrings: Sendable {
    /// The strings in memory, numbered from `baseCount`.
    package var texts: [String] = []
    /// String → number, by exact bytes (see `ExactText`), over `texts` and `baseTexts`; nil
    /// until a writer needs it.
    package var ids: SlotIndex? = SlotIndex()
    /// Strings among the first `baseCount` that a writer has looked up (and `ids` numbers).
    var baseTexts: [UInt32: String] = [:]
    /// Strings numbered below `baseCount` that live elsewhere (a checkpoint file) and are read
    /// on demand; `texts` then holds only the ones after them. Reading only.
    package var base: (@Sendable (Int) -> String?)?
    package var baseCount = 0
    /// For a writer over such a table: the number of a string among the first `baseCount`.
    package var baseLookup: (@Sendable (String) -> UInt32?)?

    package init() {}

    /// How many strings the table numbers.
    package var count: Int { baseCount + texts.count }

    mutating func ensureWritable() {
        guard ids == nil else { return }
        var index = SlotIndex(minimumCapacity: texts.count)
        for (i, s) in texts.enumerated() { index.insert(NameHash.of(s), UInt32(baseCount + i)) }
        ids = index
    }

    /// The string numbered `n`, when it is in memory.
    @inline(__always)
    func text(_ n: UInt32) -> String? {
        let i = Int(n) - baseCount
        return i >= 0 ? texts[i] : baseTexts[n]
    }

    /// The string numbered `n`, which the log has (in memory, or read from the checkpoint the
    /// table continues).
    @inline(__always)
    package func name(_ n: UInt32) -> String {
        let i = Int(n) - baseCount
        if i >= 0 { return texts[i] }
        if let s = baseTexts[n] ?? base?(Int(n)) { return s }
        preconditionFailure("string #\(n) is not in the log's string table")
    }

    /// The number of `s` among the strings `ids` holds or the checkpoint's table (for a writer
    /// over one), without adding it.
    func existingNumber(of s: String) -> UInt32? {
        if ids != nil, let n = number(of: s, hash: NameHash.of(s)) { return n }
        return baseLookup?(s)
    }

    /// The number of `s` (whose `NameHash` is `hash`) among the strings `ids` holds.
    @inline(__always)
    func number(of s: String, hash: UInt64) -> UInt32? {
        ids!.find(hash) { n in text(n).map { NameHash.same($0, s) } ?? false }
    }

    /// Starts loading what numbering `s` will read (see `SlotIndex.prefetch`).
    func prefetch(hash: UInt64) {
        ids?.prefetch(hash)
    }

    /// Drops the newest string (a batch or a torn tail taken back).
    mutating func removeLast() {
        let s = texts.removeLast()
        ids?.remove(NameHash.of(s), UInt32(baseCount + texts.count))
    }
}

/// The previous record's times: a record stores its recorded time (µs) and effective time
/// (seconds) as differences from these, and decoding adds them back.
package struct RecordTimes: Sendable, Equatable {
    package var recorded: Int64 = 0
    package var effectiveSeconds: Int64 = 0
    package init(recorded: Int64 = 0, effectiveSeconds: Int64 = 0) {
        self.recorded = recorded
        self.effectiveSeconds = effectiveSeconds
    }
}

/// The log's seek points: `anchors[i]` is where the frame of seq `i × 1,024 + 1` starts and the
/// times before it (`LogAnchor`), so a reader can start decoding there.
package struct SeekPoints: Sendable {
    package var anchors: [LogAnchor] = []
    package init() {}

    /// Records an anchor before the record numbered `seq` when one is due.
    @inline(__always)
    mutating func note(seq: Int, offset: Int, times: RecordTimes) {
        guard (seq - 1) & (LogAnchor.interval - 1) == 0, anchors.count == (seq - 1) / LogAnchor.interval else { return }
        anchors.append(LogAnchor(offset: offset, prevRecorded: times.recorded, prevEffectiveSeconds: times.effectiveSeconds))
    }

    /// Drops the anchors of records after `seq` (a batch rolled back).
    mutating func drop(after seq: Int) {
        let keep = (seq + LogAnchor.interval - 1) / LogAnchor.interval
        if anchors.count > keep { anchors.removeLast(anchors.count - keep) }
    }
}

/// A string compared and hashed by its exact UTF-8 bytes. Swift's `String` equality is Unicode
/// canonical equivalence ("é" precomposed equals "e" + combining accent); the log stores text
/// exactly as given, so two such spellings are two strings.
struct ExactText: Hashable, Sendable {
    let text: String
    init(_ text: String) { self.text = text }

    static func == (a: ExactText, b: ExactText) -> Bool {
        guard a.text.utf8.count == b.text.utf8.count else { return false }
        return a.text.withUTF8Bytes { p in b.text.withUTF8Bytes { q in ccap_same_bytes(p.baseAddress, q.baseAddress, p.count) != 0 } }
    }

    func hash(into hasher: inout Hasher) {
        text.withUTF8Bytes { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// A place to start decoding the log from: the byte offset of a record's frame and the codec
/// times before it (records store times as differences from the record before).
package struct LogAnchor: Sendable, Equatable {
    package static let interval = 1024
    package var offset: Int
    package var prevRecorded: Int64
    package var prevEffectiveSeconds: Int64

    package init(offset: Int, prevRecorded: Int64, prevEffectiveSeconds: Int64) {
        self.offset = offset
        self.prevRecorded = prevRecorded
        self.prevEffectiveSeconds = prevEffectiveSeconds
    }
}

/// Encodes events as record payloads and decodes them back. See `docs/log-format.md`.
package enum RecordCodec {
    // MARK: encoding

    /// Encodes `e` and returns it packed (`PackedEvent`), its names numbered as the record
    /// numbers them.
    @discardableResult
    static func encode(_ e: Event, state: inout CodecState, into w: inout ByteWriter) -> PackedEvent {
        encode(body: e.body, note: e.note, source: e.source, recorded: e.recorded, effective: e.effective, state: &state, into: &w)
    }

    /// Encodes an event given by its parts (see `encode(_:state:into:)`).
    /// `rackHash`, when given, is the `NameHash` of the body's rack.
    static func encode(body: EventBody, note: String?, source: String?, recorded: Timestamp, effective: Timestamp,
                       state: inout CodecState, into w: inout ByteWriter, rackHash: UInt64? = nil) -> PackedEvent {
        state.strings.ensureWritable()
        let code = body.type.code
        w.byte(code)
        w.zigzag(recorded.micros &- state.times.recorded)
        state.times.recorded = recorded.micros
        let eff = effective.seconds
        w.zigzag(eff &- state.times.effectiveSeconds)
        state.times.effectiveSeconds = eff
        var p = PackedEvent(code: code, effective: effective.micros)
        str(note, &state, &w)
        str(source, &state, &w)
        switch body {
        case .siteOpened(let site, let name, let region, let cap, let acres, let pue):
            p.a = str(site, &state, &w)!; str(name, &state, &w); str(region, &state, &w)
            w.varint(cap.map { UInt64($0.watts) + 1 } ?? 0)
            optDouble(acres, &w)
            // Format 3's one addition to this record, at its end and only when given: a
            // site.opened without it is byte for byte what formats 1 and 2 wrote.
            if let pue { w.u64(pue.bitPattern) }
        case .chipModelDefined(let model, let vendor, let bf16, let fp8, let hbm, let watts):
            p.a = str(model, &state, &w)!; str(vendor, &state, &w)
            w.u64(bf16.bitPattern); w.u64(fp8.bitPattern)
            optDouble(hbm, &w); optDouble(watts, &w)
        case .chipsDelivered(let site, let model, let q):
            p.a = str(site, &state, &w)!; p.b = str(model, &state, &w)!; w.varint(UInt64(q))
            p.amount = q
        case .rackInstalled(let site, let rack, let model, let chips, let power):
            p.a = str(site, &state, &w)!; p.b = str(rack, &state, &w, hash: rackHash)!; p.c = str(model, &state, &w)!
            w.varint(UInt64(chips)); w.varint(UInt64(power.watts))
            p.amount = chips; p.amount2 = power.watts
        case .rackRetired(let site, let rack):
            p.a = str(site, &state, &w)!; p.b = str(rack, &state, &w, hash: rackHash)!
        case .powerAllocated(let site, let power), .powerReleased(let site, let power):
            p.a = str(site, &state, &w)!; w.varint(UInt64(power.watts))
            p.amount = power.watts
        case .investmentCommitted(let investor, let recipient, let usd, let instrument):
            p.a = str(investor, &state, &w)!; p.b = str(recipient, &state, &w)!; w.varint(UInt64(usd))
            p.c = str(instrument, &state, &w).map { $0 + 1 } ?? 0
            p.amount = usd
        case .eventVoided(let target, let reason):
            w.varint(UInt64(target)); p.b = str(reason, &state, &w)!
            p.amount = Int64(target)
        case .keyAdded(let key, let publicKey):
            p.a = str(key, &state, &w)!; p.b = str(publicKey, &state, &w)!
        case .keyRevoked(let key):
            p.a = str(key, &state, &w)!
        case .siteUpdated(let site, let name, let region, let cap, let pue):
            p.a = str(site, &state, &w)!; str(name, &state, &w); str(region, &state, &w)
            w.varint(cap.map { UInt64($0.watts) + 1 } ?? 0)
            optDouble(pue, &w)
            p.amount = cap?.watts ?? 0
        case .siteClosed(let site):
            p.a = str(site, &state, &w)!
        }
        return p
    }

    /// 0: absent; 1: a new string follows (length, bytes); n ≥ 2: the string numbered n − 2.
    /// Returns the string's number.
    @inline(__always) @discardableResult
    static func str(_ s: String?, _ state: inout CodecState, _ w: inout ByteWriter, hash known: UInt64? = nil) -> UInt32? {
        guard let s else { w.byte(0); return nil }
        let hash = known ?? NameHash.of(s)
        if let id = state.strings.number(of: s, hash: hash) {
            w.varint(UInt64(id) + 2)
            return id
        }
        if let lookup = state.strings.baseLookup, let id = lookup(s) {
            state.strings.baseTexts[id] = s
            state.strings.ids!.insert(hash, id)
            w.varint(UInt64(id) + 2)
            return id
        }
        let id = UInt32(state.strings.count)
        state.strings.ids!.insert(hash, id)
        w.byte(1)
        s.withUTF8Bytes { u in
            w.varint(UInt64(u.count))
            w.append(u)
        }
        state.strings.texts.append(s)
        return id
    }

    static func optDouble(_ v: Double?, _ w: inout ByteWriter) {
        guard let v else { w.byte(0); return }
        w.byte(1)
        w.u64(v.bitPattern)
    }

    // MARK: decoding

    package struct Malformed: Error { var what: String }

    /// Decodes one record's payload as an event numbered `seq`.
    static func decode(_ r: inout ByteReader, seq: Int, state: inout CodecState) throws(Malformed) -> Event {
        let (p, extra) = try decodePacked(&r, state: &state)
        return EventStorage.event(p, extra: extra, seq: seq, recorded: state.times.recorded, names: state.strings)
    }

    /// Decodes one record's payload packed (its recorded time is `state.times.recorded` after),
    /// with what the packed record leaves out. Only a new string is made into a `String`.
    package static func decodePacked(_ r: inout ByteReader, state: inout CodecState) throws(Malformed) -> (PackedEvent, EventStorage.Extra?) {
        guard let code = r.byte(), let type = EventType(code: code) else { throw Malformed(what: "unknown record type") }
        guard let dRec = r.zigzag(), let dEff = r.zigzag() else { throw Malformed(what: "truncated times") }
        state.times.recorded &+= dRec
        state.times.effectiveSeconds &+= dEff
        var p = PackedEvent(code: code, effective: state.times.effectiveSeconds &* Timestamp.microsPerSecond)
        let note = try optNum(&r, &state), source = try optNum(&r, &state)
        var extra: EventStorage.Extra?
        if note != nil || source != nil {
            extra = EventStorage.Extra(note: note.map(state.name), source: source.map(state.name))
        }
        switch type {
        case .siteOpened:
            let site = try reqNum(&r, &state), name = try reqNum(&r, &state), region = try optNum(&r, &state)
            let cap = try powerCap(&r)
            let acres = try optDouble(&r)
            // The PUE, when the record goes on (format 3): exactly one f64.
            var pue: Double?
            if r.remaining > 0 {
                guard r.remaining == 8, let bits = r.u64() else { throw Malformed(what: "\(r.remaining) unexpected bytes at the end of the record") }
                pue = try checkedPUE(Double(bitPattern: bits))
            }
            p.a = site
            extra = EventStorage.Extra(note: extra?.note, source: extra?.source,
                                       body: .siteOpened(site: state.name(site), name: state.name(name), region: region.map(state.name),
                                                         powerCap: cap, acres: acres, pue: pue))
        case .siteUpdated:
            let site = try reqNum(&r, &state), name = try optNum(&r, &state), region = try optNum(&r, &state)
            let cap = try powerCap(&r)
            var pue: Double?
            if let v = try optDouble(&r) { pue = try checkedPUE(v) }
            // The input refuses an update that changes nothing.
            guard name != nil || region != nil || cap != nil || pue != nil else { throw Malformed(what: "a site.updated that changes nothing") }
            p.a = site
            p.amount = cap?.watts ?? 0
            extra = EventStorage.Extra(note: extra?.note, source: extra?.source,
                                       body: .siteUpdated(site: state.name(site), name: name.map(state.name), region: region.map(state.name),
                                                          powerCap: cap, pue: pue))
        case .siteClosed:
            p.a = try reqNum(&r, &state)
        case .chipModelDefined:
            let model = try reqNum(&r, &state), vendor = try reqNum(&r, &state)
            guard let bf = r.u64(), let fp = r.u64() else { throw Malformed(what: "truncated specs") }
            let hbm = try optDouble(&r), watts = try optDouble(&r)
            p.a = model
            extra = EventStorage.Extra(note: extra?.note, source: extra?.source,
                                       body: .chipModelDefined(model: state.name(model), vendor: state.name(vendor), bf16TFLOPS: Double(bitPattern: bf),
                                                               fp8TFLOPS: Double(bitPattern: fp), hbmGB: hbm, watts: watts))
        case .chipsDelivered:
            p.a = try reqNum(&r, &state); p.b = try reqNum(&r, &state)
            p.amount = try int(&r)
        case .rackInstalled:
            p.a = try reqNum(&r, &state); p.b = try reqNum(&r, &state); p.c = try reqNum(&r, &state)
            p.amount = try int(&r); p.amount2 = try int(&r)
        case .rackRetired:
            p.a = try reqNum(&r, &state); p.b = try reqNum(&r, &state)
        case .powerAllocated, .powerReleased:
            p.a = try reqNum(&r, &state)
            p.amount = try int(&r)
        case .investmentCommitted:
            p.a = try reqNum(&r, &state); p.b = try reqNum(&r, &state)
            p.amount = try int(&r)
            p.c = try optNum(&r, &state).map { $0 + 1 } ?? 0
        case .eventVoided:
            let target = try int(&r)
            guard target <= Int64(UInt32.max) else { throw Malformed(what: "bad void target") }
            p.amount = target
            p.b = try reqNum(&r, &state)
        case .keyAdded:
            p.a = try reqNum(&r, &state); p.b = try reqNum(&r, &state)
            guard SigningKeys.isPublicKeyText(state.name(p.b)) else { throw Malformed(what: "bad public key") }
        case .keyRevoked:
            p.a = try reqNum(&r, &state)
        }
        guard r.remaining == 0 else { throw Malformed(what: "\(r.remaining) unexpected bytes at the end of the record") }
        if extra != nil { p.flags |= PackedEvent.extraFlag }
        return (p, extra)
    }

    /// A power cap: a watt count stored plus one, 0 for none (at most Int64.max watts).
    static func powerCap(_ r: inout ByteReader) throws(Malformed) -> Power? {
        guard let cap = r.varint() else { throw Malformed(what: "truncated power cap") }
        guard cap <= UInt64(Int64.max) + 1 else { throw Malformed(what: "bad power cap") }
        return cap == 0 ? nil : Power(watts: Int64(cap - 1))
    }

    /// A stored PUE, which the input held to `EventDraftDecoder.minPUE`…`maxPUE`.
    static func checkedPUE(_ v: Double) throws(Malformed) -> Double {
        guard v >= EventDraftDecoder.minPUE, v <= EventDraftDecoder.maxPUE else { throw Malformed(what: "bad PUE") }
        return v
    }

    @inline(__always)
    static func int(_ r: inout ByteReader) throws(Malformed) -> Int64 {
        guard let v = r.varint(), v <= UInt64(Int64.max) else { throw Malformed(what: "bad number") }
        return Int64(v)
    }

    static func reqNum(_ r: inout ByteReader, _ state: inout CodecState) throws(Malformed) -> UInt32 {
        guard let n = try optNum(&r, &state) else { throw Malformed(what: "missing required text") }
        return n
    }

    /// A string's number: a new string is added to the table; a reference must name one in it.
    @inline(__always)
    static func optNum(_ r: inout ByteReader, _ state: inout CodecState) throws(Malformed) -> UInt32? {
        guard let tag = r.varint() else { throw Malformed(what: "truncated text") }
        switch tag {
        case 0: return nil
        case 1:
            guard let n = r.varint(), let raw = r.bytes(Int(clamping: n)) else { throw Malformed(what: "bad text") }
            let utf8 = raw.bindMemory(to: UInt8.self)
            // ASCII (almost every string) needs no further check.
            guard let s = JSONLine.isASCII(utf8) ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
            else { throw Malformed(what: "bad text") }
            // A string the checkpoint numbers was brought by a record it covers (one read again
            // from an anchor): it keeps the checkpoint's number, not the next one here.
            if let lookup = state.strings.baseLookup, let id = lookup(s) { return id }
            let id = state.strings.count
            guard id < Int(UInt32.max) else { throw Malformed(what: "too many strings") }
            state.strings.texts.append(s)
            state.strings.ids?.insert(NameHash.of(s), UInt32(id))
            return UInt32(id)
        default:
            guard tag - 2 < UInt64(state.strings.count) else { throw Malformed(what: "reference to unknown text #\(tag - 2)") }
            let id = Int(tag - 2)
            // A string the checkpoint holds must be readable there (a damaged table is found here).
            if id < state.strings.baseCount, state.strings.baseTexts[UInt32(id)] == nil, let base = state.strings.base, base(id) == nil {
                throw Malformed(what: "reference to unknown text #\(id)")
            }
            return UInt32(id)
        }
    }

    static func optDouble(_ r: inout ByteReader) throws(Malformed) -> Double? {
        guard let flag = r.byte() else { throw Malformed(what: "truncated number") }
        if flag == 0 { return nil }
        guard flag == 1, let bits = r.u64() else { throw Malformed(what: "bad number") }
        return Double(bitPattern: bits)
    }
}

/// Frames: `varint length ‖ CRC-32C(payload) as 4 bytes little-endian ‖ payload`.
package enum Frame {
    package static let commitKind: UInt8 = 0x40
    package static let markKind: UInt8 = 0x41
    /// A batch's signature (format version 2): see `BatchSignature`.
    package static let signatureKind: UInt8 = 0x42

    package static func crc(_ p: UnsafeRawBufferPointer) -> UInt32 {
        ccap_crc32c(0, p.baseAddress, p.count)
    }

    /// Appends a frame holding `payload` to `out`; returns the range of the frame in `out`.
    @discardableResult
    static func append(payload: [UInt8], to out: inout [UInt8]) -> Range<Int> {
        let start = out.count
        // The length and CRC straight into `out` (no buffer of their own per frame).
        var n = UInt64(payload.count)
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        payload.withUnsafeBufferPointer { p in
            let crc = Frame.crc(UnsafeRawBufferPointer(p)).littleEndian
            withUnsafeBytes(of: crc) { out.append(contentsOf: $0) }
            out.append(contentsOf: p)
        }
        return start..<out.count
    }

    /// Appends a frame whose payload `encode` writes straight into `out` (no payload of its own
    /// to copy from); returns the frame's range in `out` and what `encode` returned. The same
    /// bytes as `append(payload:to:)` with the payload `encode` would write.
    static func append<R>(to out: inout [UInt8], encoding encode: (inout ByteWriter) -> R) -> (frame: Range<Int>, result: R) {
        let start = out.count
        var w = ByteWriter()
        swap(&w.bytes, &out)
        // Room for a one-byte length (a payload under 128 bytes, nearly every record) and the CRC.
        for _ in 0..<5 { w.byte(0) }
        let result = encode(&w)
        swap(&w.bytes, &out)
        let length = out.count - start - 5
        var lengthBytes = 1
        while length >> (7 * lengthBytes) > 0 { lengthBytes += 1 }
        if lengthBytes > 1 { out.insert(contentsOf: repeatElement(0, count: lengthBytes - 1), at: start + 1) }
        out.withUnsafeMutableBufferPointer { b in
            var i = start
            var n = UInt64(length)
            while n >= 0x80 {
                b[i] = UInt8(truncatingIfNeeded: n) | 0x80
                n >>= 7
                i += 1
            }
            b[i] = UInt8(n)
            let payload = i + 5
            let crc = Frame.crc(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: b[payload..<payload + length])))
            withUnsafeBytes(of: crc.littleEndian) { for k in 0..<4 { b[i + 1 + k] = $0[k] } }
        }
        return (start..<out.count, result)
    }

    /// Reads the frame at `r`: its payload, and whether the payload is non-empty and matches its
    /// CRC; nil when the bytes end before the frame does.
    package static func read(_ r: inout ByteReader) -> (payload: UnsafeRawBufferPointer, intact: Bool)? {
        guard let len = r.varint(), len <= UInt64(LogScanner.maxPayload), let stored = r.u32(), let payload = r.bytes(Int(len)) else { return nil }
        return (payload, payload.count > 0 && stored == crc(payload))
    }

    /// The payload of a commit or mark frame: kind, last seq, head hash.
    package static func anchorPayload(kind: UInt8, seq: Int, head: ChainHash) -> [UInt8] {
        var w = ByteWriter()
        w.byte(kind)
        w.varint(UInt64(seq))
        w.append(head.bytes)
        return w.bytes
    }
}

/// A signature frame: an operator's Ed25519 signature of the records `first…last` and the chain's
/// head after them (`SigningKeys.message`). Written after the batch's last record, before its
/// commit; like commits and marks it is not part of the hash chain.
///
/// Payload: kind `0x42`, varint `first`, varint `last`, varint length and UTF-8 bytes of the key's
/// name, then the 64-byte signature.
public struct BatchSignature: Sendable, Equatable {
    public var first: Int
    public var last: Int
    public var key: String
    public var signature: [UInt8]

    public init(first: Int, last: Int, key: String, signature: [UInt8]) {
        self.first = first
        self.last = last
        self.key = key
        self.signature = signature
    }

    var payload: [UInt8] {
        var w = ByteWriter()
        w.byte(Frame.signatureKind)
        w.varint(UInt64(first))
        w.varint(UInt64(last))
        let name = Array(key.utf8)
        w.varint(UInt64(name.count))
        w.append(name)
        w.append(signature)
        return w.bytes
    }

    /// The text form an exported line carries (`signature` field): `KEY:FIRST:HEX`.
    public var carriedText: String { "\(key):\(first):\(SigningKeys.hex(signature))" }

    /// The signatures an exported line carries, ending at seq `last`: `KEY:FIRST:HEX` records
    /// separated by spaces; nil when malformed (or a first seq after `last`).
    public static func carried(_ text: String, last: Int) -> [BatchSignature]? {
        var out: [BatchSignature] = []
        for record in text.split(separator: " ") {
            let parts = record.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, EventDraftDecoder.isSlug(parts[0]), let first = Int(parts[1]), first >= 1, first <= last,
                  let sig = SigningKeys.bytes(hex: parts[2]), sig.count == 64 else { return nil }
            out.append(BatchSignature(first: first, last: last, key: parts[0], signature: sig))
        }
        return out.isEmpty ? nil : out
    }

    /// Reads a signature payload (its kind byte included); nil when malformed.
    init?(payload: UnsafeRawBufferPointer) {
        var r = ByteReader(payload, from: 1, to: payload.count)
        guard payload.first == Frame.signatureKind, let first = r.varint(), let last = r.varint(), first >= 1, first <= last,
              last <= UInt64(Int.max), let n = r.varint(), n >= 1, n <= UInt64(EventDraftDecoder.maxIDBytes),
              let name = r.bytes(Int(n)), let sig = r.bytes(64), r.remaining == 0 else { return nil }
        let key = String(decoding: name, as: UTF8.self)
        guard EventDraftDecoder.isSlug(key) else { return nil }
        self.init(first: Int(first), last: Int(last), key: key, signature: Array(sig))
    }
}
