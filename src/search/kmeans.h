// Copyright 2026 The Candor Authors.
//
// k-means for the compressed index: the coarse partition (spherical: unit
// centroids, points assigned by inner product, as searches are) and the 16
// centroids of each 4-bit product-quantisation sub-space (Euclidean).
//
// Deterministic for a given seed and thread count. Empty clusters are re-seeded
// by splitting the largest one. Thread safety: pure functions (they use the
// shared ThreadPool for the assignment step).

#ifndef CANDOR_SEARCH_KMEANS_H_
#define CANDOR_SEARCH_KMEANS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "search/kernels.h"

namespace candor::search {

struct KMeansOptions {
  int iterations = 12;
  bool spherical = false;  // unit centroids, assignment by inner product
  uint64_t seed = 1;
};

// k centroids (k * dim floats) of the n points in x (n * dim floats, n >= k >= 1).
std::vector<float> KMeans(const float* x, size_t n, int dim, int k, const KMeansOptions& o,
                          const Kernels& kernels);

// For each of the n points, the index of the centroid with the highest inner
// product (spherical) written to out[i]. Uses all cores.
void AssignByInnerProduct(const float* x, size_t n, int dim, const float* centroids, int k,
                          const Kernels& kernels, uint32_t* out);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_KMEANS_H_
