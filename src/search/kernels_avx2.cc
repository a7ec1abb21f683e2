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

}  // namespace candor::search
