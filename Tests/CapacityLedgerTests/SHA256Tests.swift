import CCapacitySupport
@testable import CapacityLedger
@testable import LedgerStorage
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The chain's SHA-256: the standard's test vectors, the round constants derived from their
/// definition, and the CPU-instruction blocks against the portable ones on every length around
/// the block and padding edges.
struct SHA256Tests {
    /// SHA-256 of `bytes` as the chain computes it; `portable` forces the C code that does not
    /// use the CPU's SHA instructions.
    static func sha256(_ bytes: [UInt8], portable: Bool = false) -> ChainHash {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { b in ccap_sha256_two(b.baseAddress, b.count, nil, 0, &out, portable ? 1 : 0) }
        return ChainHash(bytes: out)
    }

    @Test(arguments: [false, true])
    func standardTestVectors(portable: Bool) {
        func sha(_ s: String) -> String { Self.sha256(Array(s.utf8), portable: portable).hex }
        #expect(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000), portable: portable).hex
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func roundConstantsAreTheCubeRootsOfThePrimes() {
        var primes: [Int] = []
        var n = 2
        while primes.count < 64 {
            if !primes.contains(where: { n % $0 == 0 }) { primes.append(n) }
            n += 1
        }
        let k = ccap_sha256_round_constants()!
        for (i, p) in primes.enumerated() {
            let root = cbrtl(Float80(p))
            let fraction = UInt32((root - root.rounded(.down)) * 4_294_967_296)
            #expect(k[i] == fraction, "K[\(i)] for prime \(p)")
        }
    }

    @Test func bothWaysAndBothPiecesAgree() {
        var rng = SplitMix64(seed: 256)
        let data = (0..<400).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for length in 0...300 {
            let whole = Array(data[0..<length])
            let portable = Self.sha256(whole, portable: true)
            #expect(Self.sha256(whole) == portable, "length \(length)")
            // The chain's form: 32 bytes of previous hash, then the frame, as two pieces.
            guard length >= 32 else { continue }
            let prev = ChainHash(bytes: Array(whole[0..<32]))
            let chained = whole[32...].withUnsafeBytes { prev.chained(with: $0) }
            #expect(chained == portable, "chained, length \(length)")
        }
    }
}
