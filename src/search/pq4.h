// Copyright 2026 The Candor Authors.
//
// Pq4: a product quantiser with 16 centroids (4 bits) per sub-space, for the
// residuals (template - coarse centroid) of the compressed index. A vector of
// dimension dim is cut into m sub-vectors (m even, 2..256; the first dim % m
// sub-spaces get one extra dimension), each replaced by the index of its
// nearest sub-centroid.
//
// Scores are inner products: <q, c + r> ~ <q, c> + sum_s <q_s, centroid_s[code_s]>,
// so one set of m lookup tables per query serves every list. The tables are
// quantised to bytes for the fast-scan kernels: table s holds
// round((<q_s, centroid_s[j]> - bias_s) / delta), one delta for all tables, so
// approx = <q, c> + sum_s bias_s + delta * raw, with |approx - float PQ score|
// <= m * delta / 2.
//
// Thread safety: immutable after Train/Load; const methods are safe concurrently.

#ifndef CANDOR_SEARCH_PQ4_H_
#define CANDOR_SEARCH_PQ4_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "search/kernels.h"

namespace candor::search {

struct Pq4Tables {
  std::vector<uint8_t> luts;  // m * 16
  float bias = 0;             // sum of the per-table biases
  float delta = 1;            // value of one raw unit
};

class Pq4 {
 public:
  Pq4() = default;
  // An untrained quantiser (m even, 2 <= m <= 256, m <= dim).
  Pq4(int dim, int m);

  int dim() const { return dim_; }
  int m() const { return m_; }
  // Dimensions of sub-space s and its first dimension.
  int sub_dim(int s) const { return offsets_[s + 1] - offsets_[s]; }

  // Trains on n residual vectors (n >= 16).
  void Train(const float* x, size_t n, uint64_t seed, const Kernels& kernels);
  // The sub-centroids: for each s, 16 * sub_dim(s) floats, concatenated (dim * 16 floats).
  const std::vector<float>& centroids() const { return centroids_; }
  void set_centroids(std::vector<float> c) { centroids_ = std::move(c); }

  // m codes (0..15) of one residual.
  void Encode(const float* residual, uint8_t* code) const;
  // The float value of a code (dim floats).
  void Decode(const uint8_t* code, float* out) const;
  // Quantised lookup tables for a query (dim floats).
  Pq4Tables Tables(const float* q) const;

 private:
  int dim_ = 0;
  int m_ = 0;
  std::vector<int> offsets_;     // m + 1
  std::vector<float> centroids_;  // per sub-space: 16 x sub_dim, concatenated
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_PQ4_H_
