// SHA-256 (FIPS 180-4) for the log's hash chain: one message given as two pieces (the previous
// hash and a record's frame), hashed without any allocation. Blocks go through the CPU's SHA
// instructions when it has them (x86-64 SHA extensions), else through portable C; the tests hold
// both to the standard's test vectors and to each other.

#include "CCapacitySupport.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define CCAP_SHA_X86 1
#endif

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

const uint32_t *ccap_sha256_round_constants(void) { return K; }

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void blocks_portable(uint32_t s[8], const uint8_t *p, size_t count) {
    for (; count > 0; count--, p += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) {
            w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
        }
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
            uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        s[0] += a; s[1] += b; s[2] += c; s[3] += d;
        s[4] += e; s[5] += f; s[6] += g; s[7] += h;
    }
}

#ifdef CCAP_SHA_X86
// Four rounds at a time with the SHA extensions. The state lives in two registers as the
// instructions want it: (A, B, E, F) and (C, D, G, H), A and C in the highest lane.
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_x86(uint32_t s[8], const uint8_t *p, size_t count) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);  // big-endian words
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&s[0]), 0xB1);  // B A D C
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&s[4]), 0x1B);  // H G F E
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);                                       // F E B A
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);                                    // H G D C
    for (; count > 0; count--, p += 64) {
        const __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m[4];
        for (int i = 0; i < 16; i++) {
            __m128i w;  // message words 4i … 4i+3
            if (i < 4) {
                w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
            } else {
                // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]
                w = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
                w = _mm_add_epi32(w, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
                w = _mm_sha256msg2_epu32(w, m[(i + 3) & 3]);
            }
            m[i & 3] = w;
            __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&K[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);  // A B E F
    __m128i ghcd = _mm_shuffle_epi32(cdgh, 0xB1);  // G H C D
    _mm_storeu_si128((__m128i *)&s[0], _mm_blend_epi16(feba, ghcd, 0xF0));  // A B C D
    _mm_storeu_si128((__m128i *)&s[4], _mm_alignr_epi8(ghcd, feba, 8));     // E F G H
}

static int has_sha_instructions(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return sse41 && ssse3 && ((b >> 29) & 1);
}
#endif

typedef void (*blocks_fn)(uint32_t s[8], const uint8_t *p, size_t count);

static blocks_fn chosen(int portable) {
#ifdef CCAP_SHA_X86
    static int sha = -1;  // -1 until asked; threads that ask at once all store the same answer
    int known = __atomic_load_n(&sha, __ATOMIC_RELAXED);
    if (known < 0) {
        known = has_sha_instructions();
        __atomic_store_n(&sha, known, __ATOMIC_RELAXED);
    }
    if (known && !portable) return blocks_x86;
#endif
    (void)portable;
    return blocks_portable;
}

int ccap_sha256_uses_cpu_instructions(void) { return chosen(0) != blocks_portable; }

void ccap_sha256_two(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32], int portable) {
    blocks_fn blocks = chosen(portable);
    uint32_t s[8];
    memcpy(s, H0, sizeof s);
    uint8_t buf[128];
    size_t have = 0;  // bytes waiting in buf (always < 64 between pieces)
    const uint8_t *pieces[2] = {(const uint8_t *)a, (const uint8_t *)b};
    size_t lengths[2] = {alen, blen};
    for (int k = 0; k < 2; k++) {
        const uint8_t *p = pieces[k];
        size_t n = lengths[k];
        if (n == 0) continue;  // (an empty piece may come with a null pointer)
        if (have > 0) {
            size_t take = 64 - have < n ? 64 - have : n;
            memcpy(buf + have, p, take);
            have += take;
            p += take;
            n -= take;
            if (have < 64) continue;
            blocks(s, buf, 1);
            have = 0;
        }
        if (n >= 64) {
            blocks(s, p, n / 64);
            p += n / 64 * 64;
            n %= 64;
        }
        memcpy(buf, p, n);
        have = n;
    }
    // Padding: 0x80, zeros, then the length in bits as a big-endian 64-bit number.
    uint64_t bits = (uint64_t)(alen + blen) * 8;
    buf[have++] = 0x80;
    size_t end = have <= 56 ? 64 : 128;
    memset(buf + have, 0, end - 8 - have);
    for (int i = 0; i < 8; i++) buf[end - 1 - i] = (uint8_t)(bits >> (8 * i));
    blocks(s, buf, end / 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s[i] >> 8);
        out[4 * i + 3] = (uint8_t)s[i];
    }
}
