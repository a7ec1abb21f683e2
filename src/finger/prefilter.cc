// Copyright 2026 The Candor Authors.
//
// The 1:N pre-filter: pooled MCC bit cylinders compared by popcount.

#include <algorithm>
#include <array>
#include <cmath>

#include "candor/finger.h"

namespace candor::finger {
namespace {

constexpr int kNs = 16, kNd = 6, kPool = 2, kSide = kNs / kPool;  // 8 x 8 x 6 = 384 bits
constexpr int kBest = 6;  // per-cylinder similarities averaged
constexpr int kBits = kPrefilterWords * 64;
static_assert(kSide * kSide * kNd <= kBits);

// sqrt(0..kBits): popcounts are small integers, so the square roots are a table.
const float* SqrtTable() {
  static const auto table = [] {
    std::array<float, kBits + 1> t{};
    for (int i = 0; i <= kBits; ++i) t[i] = std::sqrt(static_cast<float>(i));
    return t;
  }();
  return table.data();
}

}  // namespace

PrefilterCode MakePrefilterCode(const MccTemplate& t) {
  PrefilterCode code;
  if (t.params.ns != kNs || t.params.nd != kNd) return code;
  for (const MccTemplate::Cylinder& cyl : t.cylinders) {
    if (code.count >= kPrefilterCylinders) break;
    uint64_t* out = code.bits[code.count];
    for (int w = 0; w < static_cast<int>(cyl.bits.size()); ++w) {
      uint64_t word = cyl.bits[w];
      while (word) {
        const int idx = w * 64 + __builtin_ctzll(word);
        word &= word - 1;
        const int k = idx / (kNs * kNs), i = (idx / kNs) % kNs, j = idx % kNs;
        const int b = (k * kSide + i / kPool) * kSide + j / kPool;
        out[b / 64] |= uint64_t{1} << (b % 64);
      }
    }
    int ones = 0;
    for (int w = 0; w < kPrefilterWords; ++w) ones += __builtin_popcountll(out[w]);
    code.ones[code.count++] = static_cast<uint16_t>(ones);
  }
  return code;
}

double ComparePrefilter(const PrefilterCode& a, const PrefilterCode& b) {
  if (a.count == 0 || b.count == 0) return 0;
  const float* sq = SqrtTable();
  float sqrt_b[kPrefilterCylinders];
  for (int j = 0; j < b.count; ++j) sqrt_b[j] = sq[b.ones[j]];
  float best[kPrefilterCylinders];
  for (int i = 0; i < a.count; ++i) {
    const uint64_t* x = a.bits[i];
    const float sa = sq[a.ones[i]];
    float top = 0;
    for (int j = 0; j < b.count; ++j) {
      const uint64_t* y = b.bits[j];
      int d = 0;
      for (int w = 0; w < kPrefilterWords; ++w) d += __builtin_popcountll(x[w] ^ y[w]);
      const float den = sa + sqrt_b[j];
      if (den > 0) top = std::max(top, 1 - sq[d] / den);
    }
    best[i] = top;
  }
  const int n = std::min<int>(kBest, a.count);
  std::partial_sort(best, best + n, best + a.count, [](float p, float q) { return p > q; });
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += best[i];
  return sum / kBest;
}

}  // namespace candor::finger
