// Copyright 2026 The Candor Authors.

#include "ivf_bench_hnsw.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

#include "ivf_bench_measure.h"

namespace bench::ivf {
namespace {

// Adds the generator's rows [0, n) in chunks, each chunk split over 2 threads.
void AddRows(hnswlib::HierarchicalNSW<float>& h, const Source& gen, long n, long chunk) {
  const int dim = gen.dim();
  for (long b = 0; b < n; b += chunk) {
    const long e = std::min(n, b + chunk);
    const auto v = gen.Rows(b, e);
    std::vector<std::thread> th;
    for (int k = 0; k < 2; ++k) {
      th.emplace_back([&, k] {
        for (long i = b + (e - b) * k / 2; i < b + (e - b) * (k + 1) / 2; ++i) {
          h.addPoint(v.data() + static_cast<size_t>(i - b) * dim, static_cast<size_t>(i));
        }
      });
    }
    for (auto& x : th) x.join();
  }
}

void MeasureEfs(hnswlib::HierarchicalNSW<float>& h, const std::vector<Probes>& sets, long n, int dim, int nq) {
  for (int ef : {64, 256}) {
    h.setEf(static_cast<size_t>(ef));
    Measure(sets, n, dim, "hnswlib HNSW (fp32)", 1, "ef " + std::to_string(ef), [&](const float* q) -> int64_t {
      auto res = h.searchKnn(q, 10);
      size_t best = 0;
      while (!res.empty()) {
        best = res.top().second;
        res.pop();
      }
      return static_cast<int64_t>(best);
    }, nq);
  }
}

}  // namespace

void RunHnswlib(const Opts& o, const Source& gen, const std::vector<Probes>& sets, long n) {
  const int dim = gen.dim();
  if (o.hnsw && n <= o.hnsw_max) {
    const auto t0 = Clock::now();
    hnswlib::InnerProductSpace space(static_cast<size_t>(dim));
    hnswlib::HierarchicalNSW<float> h(&space, static_cast<size_t>(n), 16, 100);
    AddRows(h, gen, n, o.chunk);
    std::printf("\nhnswlib build %.1f s (M 16, efConstruction 100, 2 threads), RSS %.2f GiB; %s\n", Since(t0),
                RssGiB(), Load().c_str());
    MeasureEfs(h, sets, n, dim, o.queries);
  } else if (o.hnsw) {
    // fp32 vectors + level-0 links (2 M = 32 ids of 4 bytes + a count) + labels.
    const double bytes = n * (4.0 * dim + 4 * 33 + 8 + 8);
    std::printf("\nhnswlib not run at %ld (> --hnsw-max %ld): M 16 needs about %.1f GB of RAM (fp32 vectors + "
                "links), %s the 24 GB of this node\n", n, o.hnsw_max, bytes / 1e9,
                bytes > 16e9 ? "more than the 16 GB this run may use of" : "within");
  }
}

}  // namespace bench::ivf
