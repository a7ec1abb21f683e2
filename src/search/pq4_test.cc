// Copyright 2026 The Candor Authors.
//
// 4-bit fast-scan: every ISA's kernel against the scalar reference (raw sums
// and selected indexes, bit for bit), the block layout, and the product
// quantiser's encode / table arithmetic.

#include "search/pq4.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "search/cpu_features.h"
#include "search/kernels.h"
#include "search/pq4_layout.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

TEST(Pq4LayoutTest, PutGetRoundTrip) {
  for (size_t m : {2, 16, 64, 96}) {
    const size_t n = 150;
    std::vector<uint8_t> blocks((n + 63) / 64 * Pq4BlockBytes(m), 0);
    std::mt19937 rng(3);
    std::vector<std::vector<uint8_t>> codes(n, std::vector<uint8_t>(m));
    for (size_t i = 0; i < n; ++i) {
      for (auto& c : codes[i]) c = static_cast<uint8_t>(rng() % 16);
      Pq4Put(blocks.data(), m, i, codes[i].data());
    }
    std::vector<uint8_t> back(m);
    for (size_t i = 0; i < n; ++i) {
      Pq4Get(blocks.data(), m, i, back.data());
      EXPECT_EQ(back, codes[i]) << "m=" << m << " i=" << i;
    }
  }
}

TEST(Pq4ScanTest, EveryIsaMatchesScalarBitForBit) {
  std::mt19937 rng(11);
  for (size_t m : {2, 4, 16, 32, 64, 96, 128, 256}) {
    for (size_t nblocks : {0, 1, 2, 5}) {
      std::vector<uint8_t> codes(nblocks * Pq4BlockBytes(m));
      for (auto& c : codes) c = static_cast<uint8_t>(rng());
      std::vector<uint8_t> luts(m * 16);
      for (auto& l : luts) l = static_cast<uint8_t>(rng());
      if (m == 256) std::fill(luts.begin(), luts.end(), 255);  // the largest sum: 65280
      for (uint16_t cut : {uint16_t{0}, uint16_t{1}, static_cast<uint16_t>(m * 128), uint16_t{65535}}) {
        std::vector<uint16_t> want_raw(nblocks * 64 + 1);
        std::vector<uint32_t> want_idx(nblocks * 64 + 1);
        const size_t want_n = Pq4ScanScalar(codes.data(), nblocks, m, luts.data(), cut,
                                            want_raw.data(), want_idx.data());
        // The reference itself, from the definition.
        for (size_t i = 0; i < nblocks * 64; ++i) {
          std::vector<uint8_t> code(m);
          Pq4Get(codes.data(), m, i, code.data());
          uint32_t s = 0;
          for (size_t q = 0; q < m; ++q) s += luts[16 * q + code[q]];
          ASSERT_EQ(want_raw[i], s);
        }
        for (Isa isa : SupportedIsas()) {
          const Kernels k = GetKernels(isa);
          std::vector<uint16_t> raw(nblocks * 64 + 1);
          std::vector<uint32_t> idx(nblocks * 64 + 1);
          const size_t n = k.pq4_scan(codes.data(), nblocks, m, luts.data(), cut, raw.data(), idx.data());
          ASSERT_EQ(n, want_n) << IsaName(isa) << " m=" << m << " blocks=" << nblocks << " cut=" << cut;
          for (size_t i = 0; i < nblocks * 64; ++i) ASSERT_EQ(raw[i], want_raw[i]) << IsaName(isa) << " i=" << i;
          for (size_t i = 0; i < n; ++i) ASSERT_EQ(idx[i], want_idx[i]) << IsaName(isa);
        }
      }
    }
  }
}

TEST(Pq4Test, TablesReproduceTheFloatScoreWithinTheirBound) {
  const int dim = 64, m = 16;
  const auto kernels = GetKernels(BestIsa());
  const std::vector<float> x = StructuredVectors(4000, dim, 20, 0.8f, 5);
  Pq4 pq(dim, m);
  pq.Train(x.data(), 4000, 1, kernels);
  const std::vector<float> q = RandomUnitVectors(1, dim, 9);
  const Pq4Tables t = pq.Tables(q.data());
  std::vector<uint8_t> code(m);
  std::vector<float> dec(dim);
  double err = 0, recon = 0;
  for (int i = 0; i < 200; ++i) {
    pq.Encode(x.data() + i * dim, code.data());
    pq.Decode(code.data(), dec.data());
    float exact = 0;
    for (int d = 0; d < dim; ++d) exact += q[d] * dec[d];
    uint32_t raw = 0;
    for (int s = 0; s < m; ++s) raw += t.luts[16 * s + code[s]];
    const float approx = t.bias + t.delta * static_cast<float>(raw);
    EXPECT_LE(std::fabs(approx - exact), m * t.delta / 2 + 1e-5f);
    err = std::max(err, static_cast<double>(std::fabs(approx - exact)));
    for (int d = 0; d < dim; ++d) recon += (x[i * dim + d] - dec[d]) * (x[i * dim + d] - dec[d]);
  }
  // Trained codebooks reconstruct far better than nothing (|x|^2 = 1 each).
  EXPECT_LT(recon / 200, 0.5);
}

}  // namespace
}  // namespace candor::search
