// Copyright 2026 The Candor Authors.

#include "search/int8_codec.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace candor::search {

float Int8Codec::DefaultClip(int /*dim*/) { return 1.0f; }

Int8Codec::Int8Codec(int dim, Kernels kernels, float clip)
    : dim_(dim), kernels_(kernels), clip_(clip), step_(clip / 127.0f), inv_step_(127.0f / clip) {}

int Int8Codec::Encode(const float* x, Code* out) const {
  int clipped = 0;
  for (int d = 0; d < dim_; ++d) {
    float v = std::nearbyint(x[d] * inv_step_);
    if (v > 127.0f) {
      v = 127.0f;
      ++clipped;
    }
    if (v < -127.0f) {
      v = -127.0f;
      ++clipped;
    }
    out[d] = static_cast<Code>(static_cast<int>(v) + 128);
  }
  return clipped;
}

Int8Codec::Query Int8Codec::Prepare(const float* q) const {
  Query out;
  out.codes.resize(dim_);
  float maxabs = 0;
  for (int d = 0; d < dim_; ++d) maxabs = std::max(maxabs, std::fabs(q[d]));
  out.maxabs = maxabs;
  const float qstep = maxabs > 0 ? maxabs / 127.0f : 1.0f;
  int64_t sum = 0;
  for (int d = 0; d < dim_; ++d) {
    const int v = std::clamp(static_cast<int>(std::nearbyint(q[d] / qstep)), -127, 127);
    out.codes[d] = static_cast<int8_t>(v);
    sum += v;
  }
  out.offset = static_cast<int32_t>(-128 * sum);
  out.scale = qstep * step_;
  return out;
}

void Int8Codec::Score(const Code* rows, size_t n, const Query& q, float* scores,
                      int32_t* scratch) const {
  kernels_.dot_u8s8(rows, n, static_cast<size_t>(dim_), q.codes.data(), scratch);
  const int32_t off = q.offset;
  const float scale = q.scale;
  for (size_t i = 0; i < n; ++i) scores[i] = static_cast<float>(scratch[i] + off) * scale;
}

int32_t Int8Codec::RawCut(float accept, const Query& q) {
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (!(q.scale > 0) || std::isnan(accept) || accept == -std::numeric_limits<float>::infinity()) {
    return static_cast<int32_t>(kMin);
  }
  if (accept == std::numeric_limits<float>::infinity()) return static_cast<int32_t>(kMax);
  // ScoreOf is monotone non-decreasing in raw (exact integer add, then a
  // correctly rounded conversion and product by a positive scale), so once
  // score(cut - 1) < accept, every raw below the cut scores below accept.
  auto score = [&q](int64_t raw) { return static_cast<float>(raw + q.offset) * q.scale; };
  const double estimate = std::floor(static_cast<double>(accept) / q.scale) - q.offset;
  int64_t cut = static_cast<int64_t>(std::clamp(estimate, static_cast<double>(kMin),
                                                static_cast<double>(kMax)));
  while (cut > kMin && score(cut - 1) >= accept) --cut;
  return static_cast<int32_t>(cut);
}

double Int8ScoreErrorBound(int dim, float clip, float query_maxabs) {
  const double sd = std::sqrt(static_cast<double>(dim));
  const double step = clip / 127.0;
  const double qstep = query_maxabs / 127.0;
  return sd * (qstep / 2) * (1 + sd * step / 2) + sd * step / 2;
}

}  // namespace candor::search
