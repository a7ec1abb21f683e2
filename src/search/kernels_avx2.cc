// Copyright 2026 The Candor Authors.
//
// AVX2 + FMA kernels. Compiled with -mavx2 -mfma; only reached through
// GetKernels(Isa::kAvx2) after a cpuid check. Plain loops and intrinsics only:
// no inline library templates that could be merged into portable code.
//
// u8 x s8: AVX2 has no VNNI and vpmaddubsw saturates at int16 (255*127*2 does
// not fit), so bytes are widened to int16 and multiplied with vpmaddwd, which is
// exact.

#include <immintrin.h>

#include <climits>

#include "search/kernels.h"
#include "search/pq4_layout.h"

namespace candor::search {
namespace {

inline int32_t HSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline float HSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

void DotU8S8Avx2(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out) {
  const size_t main = dim & ~static_cast<size_t>(15);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* r = rows + i * dim;
    __m256i acc = _mm256_setzero_si256();
    for (size_t d = 0; d < main; d += 16) {
      __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + d)));
      __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + d)));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
    }
    int32_t s = HSum(acc);
    for (size_t d = main; d < dim; ++d) s += static_cast<int32_t>(r[d]) * q[d];
    out[i] = s;
  }
}

size_t SelectAtLeastAvx2(const int32_t* v, size_t n, int32_t cut, uint32_t* idx) {
  // v >= cut  <=>  v > cut - 1 (cut == INT32_MIN: everything passes).
  if (cut == INT32_MIN) {
    for (size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
    return n;
  }
  const __m256i c = _mm256_set1_epi32(cut - 1);
  size_t m = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i));
    unsigned bits = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, c))));
    while (bits) {
      idx[m++] = static_cast<uint32_t>(i + static_cast<size_t>(__builtin_ctz(bits)));
      bits &= bits - 1;
    }
  }
  for (; i < n; ++i) {
    if (v[i] >= cut) idx[m++] = static_cast<uint32_t>(i);
  }
  return m;
}

void DotF32Avx2(const float* rows, size_t n, size_t dim, const float* q, float* out) {
  const size_t main = dim & ~static_cast<size_t>(7);
  for (size_t i = 0; i < n; ++i) {
    const float* r = rows + i * dim;
    __m256 acc = _mm256_setzero_ps();
    for (size_t d = 0; d < main; d += 8) {
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(r + d), _mm256_loadu_ps(q + d), acc);
    }
    float s = HSum(acc);
    for (size_t d = main; d < dim; ++d) s += r[d] * q[d];
    out[i] = s;
  }
}

// Fast-scan on 256-bit registers: each 64-byte row of a block is read as two
// 32-byte halves (vectors 0-31 and 32-63), tables broadcast to both lanes.
size_t Pq4ScanAvx2(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                   uint16_t cut, uint16_t* raw, uint32_t* idx) {
  const size_t pairs = m / 2;
  const __m256i nib = _mm256_set1_epi8(0x0F);
  const __m256i low_byte = _mm256_set1_epi16(0x00FF);
  const __m256i vcut = _mm256_set1_epi16(static_cast<short>(cut));
  size_t found = 0;
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* block = codes + b * Pq4BlockBytes(m);
    for (size_t h = 0; h < 2; ++h) {
      __m256i even = _mm256_setzero_si256(), odd = even;
      for (size_t p = 0; p < pairs; ++p) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + p * kPq4Block + 32 * h));
        const __m256i lo = _mm256_and_si256(x, nib);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
        const __m256i t0 = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(luts + 32 * p)));
        const __m256i t1 = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(luts + 32 * p + 16)));
        const __m256i r0 = _mm256_shuffle_epi8(t0, lo);
        const __m256i r1 = _mm256_shuffle_epi8(t1, hi);
        even = _mm256_add_epi16(even, _mm256_add_epi16(_mm256_and_si256(r0, low_byte),
                                                       _mm256_and_si256(r1, low_byte)));
        odd = _mm256_add_epi16(odd, _mm256_add_epi16(_mm256_srli_epi16(r0, 8), _mm256_srli_epi16(r1, 8)));
      }
      // unpack works per 128-bit lane: lo = vectors 0-7 | 16-23, hi = 8-15 | 24-31.
      const __m256i lo = _mm256_unpacklo_epi16(even, odd);
      const __m256i hi = _mm256_unpackhi_epi16(even, odd);
      const __m256i v0 = _mm256_permute2x128_si256(lo, hi, 0x20);
      const __m256i v1 = _mm256_permute2x128_si256(lo, hi, 0x31);
      const size_t base = b * kPq4Block + 32 * h;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(raw + base), v0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(raw + base + 16), v1);
      // Unsigned v >= cut  <=>  max(v, cut) == v; pack the two compares to bytes
      // (packs interleaves the 128-bit lanes, permute4x64 restores the order).
      const __m256i c0 = _mm256_cmpeq_epi16(_mm256_max_epu16(v0, vcut), v0);
      const __m256i c1 = _mm256_cmpeq_epi16(_mm256_max_epu16(v1, vcut), v1);
      const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi16(c0, c1), 0xD8);
      uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(packed));
      while (mask) {
        idx[found++] = static_cast<uint32_t>(base + static_cast<size_t>(__builtin_ctz(mask)));
        mask &= mask - 1;
      }
    }
  }
  return found;
}

}  // namespace candor::search
