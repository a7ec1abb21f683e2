// Copyright 2026 The Candor Authors.
//
// AVX-512 kernels. Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni;
// only reached through GetKernels(Isa::kAvx512Vnni) after a cpuid check. Plain
// loops and intrinsics only (internal linkage), so no AVX-512 code can be merged
// into portable paths.
//
// u8 x s8 uses vpdpbusd (unsigned bytes of the stored row times signed bytes of
// the query, four products summed into each int32 lane, no saturation). Four
// rows are scanned together and reduced with one transpose-add; a dimension that
// is not a multiple of 64 is finished with a masked load (masked-off bytes read
// as zero, so they add nothing).

// GCC 12's _mm512_reduce_add_* use _mm*_undefined_*() and trip a false
// -Wmaybe-uninitialized inside the intrinsic headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "search/kernels.h"
#include "search/pq4_layout.h"

namespace candor::search {
namespace {

// The four horizontal sums of a, b, c, d.
inline __m128i Reduce4(__m512i a, __m512i b, __m512i c, __m512i d) {
  __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
  __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
  __m512i abcd = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
  __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(abcd), _mm512_extracti64x4_epi64(abcd, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

inline __m128 Reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
  __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
  __m512 abcd = _mm512_add_ps(
      _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd))),
      _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd))));
  __m256 h = _mm256_add_ps(_mm512_castps512_ps256(abcd),
                           _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(abcd), 1)));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// kChunks > 0: dim == 64 * kChunks, query held in registers. kChunks == 0: any dim.
template <int kChunks>
void DotU8S8Impl(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out) {
  const size_t full = kChunks > 0 ? kChunks : dim / 64;
  const size_t tail = kChunks > 0 ? 0 : dim % 64;
  const __mmask64 tmask = tail ? (~0ULL >> (64 - tail)) : 0;
  __m512i qv[kChunks > 0 ? kChunks : 1];
  if constexpr (kChunks > 0) {
    for (int c = 0; c < kChunks; ++c) qv[c] = _mm512_loadu_si512(q + 64 * c);
  }
  const __m512i qtail = _mm512_maskz_loadu_epi8(tmask, q + 64 * full);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint8_t* r = rows + i * dim;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t c = 0; c < full; ++c) {
      const __m512i y = kChunks > 0 ? qv[kChunks > 0 ? c : 0] : _mm512_loadu_si512(q + 64 * c);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(r + 64 * c), y);
      a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(r + dim + 64 * c), y);
      a2 = _mm512_dpbusd_epi32(a2, _mm512_loadu_si512(r + 2 * dim + 64 * c), y);
      a3 = _mm512_dpbusd_epi32(a3, _mm512_loadu_si512(r + 3 * dim + 64 * c), y);
    }
    if (tail) {
      const size_t o = 64 * full;
      a0 = _mm512_dpbusd_epi32(a0, _mm512_maskz_loadu_epi8(tmask, r + o), qtail);
      a1 = _mm512_dpbusd_epi32(a1, _mm512_maskz_loadu_epi8(tmask, r + dim + o), qtail);
      a2 = _mm512_dpbusd_epi32(a2, _mm512_maskz_loadu_epi8(tmask, r + 2 * dim + o), qtail);
      a3 = _mm512_dpbusd_epi32(a3, _mm512_maskz_loadu_epi8(tmask, r + 3 * dim + o), qtail);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), Reduce4(a0, a1, a2, a3));
  }
  for (; i < n; ++i) {
    const uint8_t* r = rows + i * dim;
    __m512i a = _mm512_setzero_si512();
    for (size_t c = 0; c < full; ++c) {
      a = _mm512_dpbusd_epi32(a, _mm512_loadu_si512(r + 64 * c), _mm512_loadu_si512(q + 64 * c));
    }
    if (tail) a = _mm512_dpbusd_epi32(a, _mm512_maskz_loadu_epi8(tmask, r + 64 * full), qtail);
    out[i] = _mm512_reduce_add_epi32(a);
  }
}

void DotF32Generic(const float* rows, size_t n, size_t dim, const float* q, float* out) {
  const size_t full = dim / 16;
  const size_t tail = dim % 16;
  const __mmask16 tmask = static_cast<__mmask16>(tail ? (0xFFFFu >> (16 - tail)) : 0);
  const __m512 qtail = _mm512_maskz_loadu_ps(tmask, q + 16 * full);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float* r = rows + i * dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t c = 0; c < full; ++c) {
      const __m512 y = _mm512_loadu_ps(q + 16 * c);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 16 * c), y, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r + dim + 16 * c), y, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 2 * dim + 16 * c), y, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r + 3 * dim + 16 * c), y, a3);
    }
    if (tail) {
      const size_t o = 16 * full;
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tmask, r + o), qtail, a0);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tmask, r + dim + o), qtail, a1);
      a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tmask, r + 2 * dim + o), qtail, a2);
      a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tmask, r + 3 * dim + o), qtail, a3);
    }
    _mm_storeu_ps(out + i, Reduce4(a0, a1, a2, a3));
  }
  for (; i < n; ++i) {
    const float* r = rows + i * dim;
    __m512 a = _mm512_setzero_ps();
    for (size_t c = 0; c < full; ++c) {
      a = _mm512_fmadd_ps(_mm512_loadu_ps(r + 16 * c), _mm512_loadu_ps(q + 16 * c), a);
    }
    if (tail) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tmask, r + 16 * full), qtail, a);
    out[i] = _mm512_reduce_add_ps(a);
  }
}

}  // namespace

void DotU8S8Avx512Vnni(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out) {
  switch (dim) {
    case 64:
      return DotU8S8Impl<1>(rows, n, dim, q, out);
    case 128:
      return DotU8S8Impl<2>(rows, n, dim, q, out);
    case 192:
      return DotU8S8Impl<3>(rows, n, dim, q, out);
    case 256:
      return DotU8S8Impl<4>(rows, n, dim, q, out);
    case 320:  // the fusion embedder
      return DotU8S8Impl<5>(rows, n, dim, q, out);
    case 512:
      return DotU8S8Impl<8>(rows, n, dim, q, out);
    default:
      return DotU8S8Impl<0>(rows, n, dim, q, out);
  }
}

size_t SelectAtLeastAvx512(const int32_t* v, size_t n, int32_t cut, uint32_t* idx) {
  const __m512i c = _mm512_set1_epi32(cut);
  const __m512i step = _mm512_set1_epi32(16);
  __m512i pos = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  size_t m = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    const __mmask16 k = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(v + i), c);
    if (k) {
      _mm512_mask_compressstoreu_epi32(idx + m, k, pos);
      m += static_cast<size_t>(__builtin_popcount(k));
    }
    pos = _mm512_add_epi32(pos, step);
  }
  for (; i < n; ++i) {
    if (v[i] >= cut) idx[m++] = static_cast<uint32_t>(i);
  }
  return m;
}

void DotF32Avx512(const float* rows, size_t n, size_t dim, const float* q, float* out) {
  DotF32Generic(rows, n, dim, q, out);
}

// Fast-scan: per 64-byte row, the low and high nibbles index two 16-byte tables
// broadcast to all four 128-bit lanes (vpshufb). The byte results are summed in
// uint16 lanes: the even vectors from the low byte of each lane, the odd from
// the high byte, then interleaved back into vector order with vpermt2w.
size_t Pq4ScanAvx512(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                     uint16_t cut, uint16_t* raw, uint32_t* idx) {
  const size_t pairs = m / 2;
  const __m512i nib = _mm512_set1_epi8(0x0F);
  const __m512i low_byte = _mm512_set1_epi16(0x00FF);
  alignas(64) static constexpr uint16_t kInter0[32] = {
      0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
      8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
  alignas(64) static constexpr uint16_t kInter1[32] = {
      16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55,
      24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63};
  const __m512i inter0 = _mm512_load_si512(kInter0);
  const __m512i inter1 = _mm512_load_si512(kInter1);
  const __m512i vcut = _mm512_set1_epi16(static_cast<short>(cut));
  size_t found = 0;
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* block = codes + b * Pq4BlockBytes(m);
    __m512i even = _mm512_setzero_si512(), odd = even;
    for (size_t p = 0; p < pairs; ++p) {
      const __m512i x = _mm512_loadu_si512(block + p * kPq4Block);
      const __m512i lo = _mm512_and_si512(x, nib);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), nib);
      const __m512i t0 = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(luts + 32 * p)));
      const __m512i t1 = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(luts + 32 * p + 16)));
      const __m512i r0 = _mm512_shuffle_epi8(t0, lo);
      const __m512i r1 = _mm512_shuffle_epi8(t1, hi);
      even = _mm512_add_epi16(even, _mm512_add_epi16(_mm512_and_si512(r0, low_byte),
                                                     _mm512_and_si512(r1, low_byte)));
      odd = _mm512_add_epi16(odd, _mm512_add_epi16(_mm512_srli_epi16(r0, 8), _mm512_srli_epi16(r1, 8)));
    }
    const __m512i v0 = _mm512_permutex2var_epi16(even, inter0, odd);
    const __m512i v1 = _mm512_permutex2var_epi16(even, inter1, odd);
    uint16_t* out = raw + b * kPq4Block;
    _mm512_storeu_si512(out, v0);
    _mm512_storeu_si512(out + 32, v1);
    uint64_t mask = static_cast<uint64_t>(_mm512_cmpge_epu16_mask(v0, vcut)) |
                    static_cast<uint64_t>(_mm512_cmpge_epu16_mask(v1, vcut)) << 32;
    while (mask) {
      idx[found++] = static_cast<uint32_t>(b * kPq4Block + static_cast<size_t>(__builtin_ctzll(mask)));
      mask &= mask - 1;
    }
  }
  return found;
}

}  // namespace candor::search
