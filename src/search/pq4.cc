// Copyright 2026 The Candor Authors.

#include "search/pq4.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "search/kmeans.h"

namespace candor::search {

Pq4::Pq4(int dim, int m) : dim_(dim), m_(m), offsets_(static_cast<size_t>(m) + 1) {
  offsets_[0] = 0;
  for (int s = 0; s < m; ++s) offsets_[s + 1] = offsets_[s] + dim / m + (s < dim % m ? 1 : 0);
  centroids_.assign(static_cast<size_t>(dim) * 16, 0.0f);
}

void Pq4::Train(const float* x, size_t n, uint64_t seed, const Kernels& kernels) {
  const size_t d = static_cast<size_t>(dim_);
  for (int s = 0; s < m_; ++s) {
    const size_t sd = static_cast<size_t>(sub_dim(s));
    std::vector<float> sub(n * sd);
    for (size_t i = 0; i < n; ++i) {
      std::copy_n(x + i * d + offsets_[s], sd, sub.begin() + static_cast<std::ptrdiff_t>(i * sd));
    }
    KMeansOptions o;
    o.iterations = 15;
    o.seed = seed + static_cast<uint64_t>(s);
    std::vector<float> c = KMeans(sub.data(), n, static_cast<int>(sd), 16, o, kernels);
    std::copy(c.begin(), c.end(), centroids_.begin() + static_cast<std::ptrdiff_t>(16 * offsets_[s]));
  }
}

void Pq4::Encode(const float* r, uint8_t* code) const {
  for (int s = 0; s < m_; ++s) {
    const int sd = sub_dim(s);
    const float* c = centroids_.data() + 16 * offsets_[s];
    const float* v = r + offsets_[s];
    float best = std::numeric_limits<float>::infinity();
    uint8_t arg = 0;
    for (int j = 0; j < 16; ++j) {
      float dist = 0;
      for (int e = 0; e < sd; ++e) {
        const float t = v[e] - c[j * sd + e];
        dist += t * t;
      }
      if (dist < best) best = dist, arg = static_cast<uint8_t>(j);
    }
    code[s] = arg;
  }
}

void Pq4::Decode(const uint8_t* code, float* out) const {
  for (int s = 0; s < m_; ++s) {
    const int sd = sub_dim(s);
    const float* c = centroids_.data() + 16 * offsets_[s] + code[s] * sd;
    std::copy_n(c, sd, out + offsets_[s]);
  }
}

Pq4Tables Pq4::Tables(const float* q) const {
  std::vector<float> f(static_cast<size_t>(m_) * 16);
  std::vector<float> lo(static_cast<size_t>(m_));
  float span = 0;
  for (int s = 0; s < m_; ++s) {
    const int sd = sub_dim(s);
    const float* c = centroids_.data() + 16 * offsets_[s];
    const float* v = q + offsets_[s];
    float mn = std::numeric_limits<float>::infinity(), mx = -mn;
    for (int j = 0; j < 16; ++j) {
      float dot = 0;
      for (int e = 0; e < sd; ++e) dot += v[e] * c[j * sd + e];
      f[s * 16 + j] = dot;
      mn = std::min(mn, dot);
      mx = std::max(mx, dot);
    }
    lo[s] = mn;
    span = std::max(span, mx - mn);
  }
  Pq4Tables t;
  t.luts.resize(f.size());
  t.delta = span > 0 ? span / 255.0f : 1.0f;
  const float inv = 1.0f / t.delta;
  double bias = 0;
  for (int s = 0; s < m_; ++s) {
    bias += lo[s];
    for (int j = 0; j < 16; ++j) {
      const float u = std::round((f[s * 16 + j] - lo[s]) * inv);
      t.luts[s * 16 + j] = static_cast<uint8_t>(std::clamp(u, 0.0f, 255.0f));
    }
  }
  t.bias = static_cast<float>(bias);
  return t;
}

}  // namespace candor::search
