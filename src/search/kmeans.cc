// Copyright 2026 The Candor Authors.

#include "search/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "search/thread_pool.h"

namespace candor::search {
namespace {

void Normalise(float* c, int dim) {
  double sq = 0;
  for (int d = 0; d < dim; ++d) sq += static_cast<double>(c[d]) * c[d];
  if (sq <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(sq));
  for (int d = 0; d < dim; ++d) c[d] *= inv;
}

// Nearest centroid by Euclidean distance: argmax <x, c> - |c|^2 / 2.
void AssignEuclidean(const float* x, size_t n, int dim, const float* c, int k,
                     const std::vector<float>& half_norm, const Kernels& kernels, uint32_t* out) {
  if (dim <= 8) {  // product-quantiser sub-spaces: a kernel call per point costs more than the work
    for (size_t i = 0; i < n; ++i) {
      const float* p = x + i * static_cast<size_t>(dim);
      uint32_t best = 0;
      float bs = -std::numeric_limits<float>::infinity();
      for (int j = 0; j < k; ++j) {
        float dot = 0;
        for (int e = 0; e < dim; ++e) dot += p[e] * c[j * dim + e];
        const float v = dot - half_norm[j];
        if (v > bs) bs = v, best = static_cast<uint32_t>(j);
      }
      out[i] = best;
    }
    return;
  }
  const int tasks = std::max(1, std::min<int>(ThreadPool::Shared().workers() + 1,
                                              static_cast<int>(n / 4096) + 1));
  ThreadPool::Shared().ParallelFor(tasks, [&](int t) {
    std::vector<float> s(static_cast<size_t>(k));
    const size_t begin = n * static_cast<size_t>(t) / static_cast<size_t>(tasks);
    const size_t end = n * static_cast<size_t>(t + 1) / static_cast<size_t>(tasks);
    for (size_t i = begin; i < end; ++i) {
      kernels.dot_f32(c, static_cast<size_t>(k), static_cast<size_t>(dim), x + i * dim, s.data());
      uint32_t best = 0;
      float bs = -std::numeric_limits<float>::infinity();
      for (int j = 0; j < k; ++j) {
        const float v = s[j] - half_norm[j];
        if (v > bs) bs = v, best = static_cast<uint32_t>(j);
      }
      out[i] = best;
    }
  });
}

}  // namespace

void AssignByInnerProduct(const float* x, size_t n, int dim, const float* centroids, int k,
                          const Kernels& kernels, uint32_t* out) {
  AssignEuclidean(x, n, dim, centroids, k, std::vector<float>(static_cast<size_t>(k), 0.0f),
                  kernels, out);
}

std::vector<float> KMeans(const float* x, size_t n, int dim, int k, const KMeansOptions& o,
                          const Kernels& kernels) {
  const size_t d = static_cast<size_t>(dim);
  const size_t kk = static_cast<size_t>(k);
  std::mt19937_64 rng(o.seed);
  // Initial centroids: k distinct points chosen at random.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = 0; i < kk && i < n; ++i) {
    std::uniform_int_distribution<size_t> u(i, n - 1);
    std::swap(order[i], order[u(rng)]);
  }
  std::vector<float> c(kk * d);
  for (size_t j = 0; j < kk; ++j) std::copy_n(x + order[j % n] * d, d, c.begin() + j * d);

  std::vector<uint32_t> assign(n);
  std::vector<float> half(kk, 0.0f);
  std::vector<double> sum(kk * d);
  std::vector<size_t> count(kk);
  for (int it = 0; it < o.iterations; ++it) {
    for (size_t j = 0; j < kk; ++j) {
      double sq = 0;
      for (size_t e = 0; e < d; ++e) sq += static_cast<double>(c[j * d + e]) * c[j * d + e];
      half[j] = o.spherical ? 0.0f : static_cast<float>(sq / 2);
    }
    AssignEuclidean(x, n, dim, c.data(), k, half, kernels, assign.data());
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      const size_t j = assign[i];
      ++count[j];
      for (size_t e = 0; e < d; ++e) sum[j * d + e] += x[i * d + e];
    }
    for (size_t j = 0; j < kk; ++j) {
      if (count[j] == 0) continue;
      for (size_t e = 0; e < d; ++e) c[j * d + e] = static_cast<float>(sum[j * d + e] / count[j]);
      if (o.spherical) Normalise(c.data() + j * d, dim);
    }
    // Empty clusters: split the largest cluster (copy its centroid, perturb both).
    for (size_t j = 0; j < kk; ++j) {
      if (count[j] != 0) continue;
      const size_t big = static_cast<size_t>(std::max_element(count.begin(), count.end()) - count.begin());
      if (count[big] < 2) break;
      std::normal_distribution<float> g(0.0f, 1e-3f);
      for (size_t e = 0; e < d; ++e) {
        const float delta = g(rng);
        c[j * d + e] = c[big * d + e] + delta;
        c[big * d + e] -= delta;
      }
      if (o.spherical) {
        Normalise(c.data() + j * d, dim);
        Normalise(c.data() + big * d, dim);
      }
      count[j] = count[big] / 2;
      count[big] -= count[j];
    }
  }
  return c;
}

}  // namespace candor::search
