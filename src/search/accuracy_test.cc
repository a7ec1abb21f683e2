// Copyright 2026 The Candor Authors.
//
// Rank-1 identification with int8 codes against fp32, on synthetic face-like
// data: one enrolled sample per identity, a second sample of each probed
// identity as the probe. The bound: int8 may lose at most 0.1 % of the
// rank-1 hits fp32 gets. Two noise levels: the realistic one (same-identity
// cosine ~0.7) and a hard one (~0.45) where fp32 itself misses, so that
// quantisation noise has room to show. (Real LFW templates: bench/search_bench
// --templates, see docs/BENCHMARKS.md.)

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "search/flat_index.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

struct Rank1 {
  int fp32_hits = 0;
  int int8_hits = 0;
  int agree = 0;  // same top-1 id
  int probes = 0;
};

Rank1 Measure(int dim, float mate_cosine, int identities, int probes, uint64_t seed) {
  const auto kernels = GetKernels(BestIsa());
  FlatIndex<Fp32Codec> fp32(Fp32Codec(dim, kernels));
  FlatIndex<Int8Codec> int8(Int8Codec(dim, kernels, Int8Codec::DefaultClip(dim)));
  const auto centres = RandomUnitVectors(identities, dim, seed);
  std::vector<int64_t> ids(static_cast<size_t>(identities));
  for (int i = 0; i < identities; ++i) ids[static_cast<size_t>(i)] = i;
  const float noise = NoiseForMateCosine(mate_cosine);
  const auto gallery = SampleIdentities(centres, dim, ids, noise, seed + 1);
  EXPECT_TRUE(fp32.Add(gallery, ids).ok());
  EXPECT_TRUE(int8.Add(gallery, ids).ok());
  std::vector<int64_t> probe_ids(ids.begin(), ids.begin() + probes);
  const auto queries = SampleIdentities(centres, dim, probe_ids, noise, seed + 2);
  const SearchParams p{.k = 1};
  auto a = *fp32.SearchBatch(queries, p);
  auto b = *int8.SearchBatch(queries, p);
  Rank1 r;
  r.probes = probes;
  double mate = 0;
  for (int j = 0; j < probes; ++j) {
    const int64_t want = probe_ids[static_cast<size_t>(j)];
    r.fp32_hits += a[j][0].id == want;
    r.int8_hits += b[j][0].id == want;
    r.agree += a[j][0].id == b[j][0].id;
    double dot = 0;
    for (int d = 0; d < dim; ++d) {
      dot += static_cast<double>(queries[static_cast<size_t>(j * dim + d)]) *
             gallery[static_cast<size_t>(want * dim + d)];
    }
    mate += dot;
  }
  std::printf(
      "dim=%d mate cosine %.3f (asked %.2f): fp32 rank-1 %d/%d, int8 %d/%d, top-1 agree %d\n", dim,
      mate / probes, mate_cosine, r.fp32_hits, probes, r.int8_hits, probes, r.agree);
  EXPECT_NEAR(mate / probes, mate_cosine, 0.05);  // the data is what it claims to be
  return r;
}

void ExpectLossWithinBound(const Rank1& r) {
  // Loss of int8 against fp32, as a fraction of probes: <= 0.1 %.
  EXPECT_LE(r.fp32_hits - r.int8_hits, r.probes / 1000);
}

TEST(SearchAccuracyTest, Int8Rank1LossRealisticFaceLike) {
  for (int dim : {128, 192}) {
    const Rank1 r = Measure(dim, 0.7f, 10000, 2000, 100 + dim);
    ExpectLossWithinBound(r);
    EXPECT_GE(r.fp32_hits, r.probes * 99 / 100);
  }
}

TEST(SearchAccuracyTest, Int8Rank1LossHardNoise) {
  const Rank1 r = Measure(128, 0.45f, 10000, 2000, 7);
  ExpectLossWithinBound(r);
  // Hard enough that fp32 misses some: the comparison is not vacuous.
  EXPECT_LT(r.fp32_hits, r.probes);
  EXPECT_GE(r.agree, r.probes * 97 / 100);
}

}  // namespace
}  // namespace candor::search
