// Copyright 2026 The Candor Authors.
//
// Every SIMD kernel this CPU supports against the scalar reference, on random
// data, extreme values and edge sizes (dim not a multiple of 16/64, n = 0..9).

#include "search/kernels.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <random>
#include <vector>

#include "search/cpu_features.h"

namespace candor::search {
namespace {

const size_t kDims[] = {1,   3,   15,  16,  17,  31,  63,  64,  65, 100,
                        127, 128, 129, 191, 192, 193, 256, 320, 512, 515};

TEST(CpuFeaturesTest, BestIsaIsSupportedAndNamed) {
  EXPECT_TRUE(IsaSupported(Isa::kScalar));
  EXPECT_TRUE(IsaSupported(BestIsa()));
  EXPECT_EQ(ParseIsa(IsaName(BestIsa())), BestIsa());
  EXPECT_FALSE(ParseIsa("sse9").has_value());
}

TEST(KernelsTest, U8S8MatchesScalarExactly) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> u8(0, 255), s8(-127, 127);
  for (Isa isa : SupportedIsas()) {
    const Kernels k = GetKernels(isa);
    for (size_t dim : kDims) {
      for (size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 9, 37}) {
        std::vector<uint8_t> rows(n * dim);
        std::vector<int8_t> q(dim);
        for (auto& x : rows) x = static_cast<uint8_t>(u8(rng));
        for (auto& x : q) x = static_cast<int8_t>(s8(rng));
        std::vector<int32_t> want(n + 1, -1), got(n + 1, -1);
        DotU8S8Scalar(rows.data(), n, dim, q.data(), want.data());
        k.dot_u8s8(rows.data(), n, dim, q.data(), got.data());
        EXPECT_EQ(got, want) << IsaName(isa) << " dim=" << dim << " n=" << n;
        EXPECT_EQ(got[n], -1) << "wrote past the end";
      }
    }
  }
}

TEST(KernelsTest, U8S8ExtremesDoNotSaturate) {
  for (Isa isa : SupportedIsas()) {
    const Kernels k = GetKernels(isa);
    for (size_t dim : {64, 128, 129, 4096}) {
      std::vector<uint8_t> rows(2 * dim);
      std::vector<int8_t> q(dim, -127);
      for (size_t d = 0; d < dim; ++d) rows[d] = 255;      // row 0: max * min
      for (size_t d = 0; d < dim; ++d) rows[dim + d] = 0;  // row 1: zero
      int32_t out[2];
      k.dot_u8s8(rows.data(), 2, dim, q.data(), out);
      EXPECT_EQ(out[0], -255 * 127 * static_cast<int32_t>(dim)) << IsaName(isa) << " " << dim;
      EXPECT_EQ(out[1], 0) << IsaName(isa);
    }
  }
}

TEST(KernelsTest, SelectAtLeastMatchesScalarOnEveryIsa) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> any(INT_MIN, INT_MAX), small(-20, 20);
  for (Isa isa : SupportedIsas()) {
    const Kernels k = GetKernels(isa);
    for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1024, 1031}) {
      for (int trial = 0; trial < 4; ++trial) {
        std::vector<int32_t> v(n);
        for (auto& x : v) x = trial % 2 ? small(rng) : any(rng);
        for (int32_t cut : {INT_MIN, INT_MIN + 1, -5, 0, 3, INT_MAX, trial % 2 ? 7 : any(rng)}) {
          std::vector<uint32_t> want(n + 1, 0xDEADBEEF), got(n + 1, 0xDEADBEEF);
          const size_t mw = SelectAtLeastScalar(v.data(), n, cut, want.data());
          const size_t mg = k.select_at_least(v.data(), n, cut, got.data());
          ASSERT_EQ(mg, mw) << IsaName(isa) << " n=" << n << " cut=" << cut;
          for (size_t i = 0; i < mw; ++i) {
            ASSERT_EQ(got[i], want[i]) << IsaName(isa) << " n=" << n << " i=" << i;
            ASSERT_GE(v[got[i]], cut);
          }
          EXPECT_EQ(got[n], 0xDEADBEEF) << "wrote past the end";
          size_t expect = 0;
          for (int32_t x : v) expect += x >= cut;
          EXPECT_EQ(mw, expect);
        }
      }
    }
  }
}

TEST(KernelsTest, F32MatchesScalar) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0, 1);
  for (Isa isa : SupportedIsas()) {
    const Kernels k = GetKernels(isa);
    for (size_t dim : kDims) {
      for (size_t n : {0, 1, 3, 4, 5, 9, 21}) {
        std::vector<float> rows(n * dim), q(dim);
        for (auto& x : rows) x = g(rng);
        for (auto& x : q) x = g(rng);
        std::vector<float> want(n + 1, -1), got(n + 1, -1);
        DotF32Scalar(rows.data(), n, dim, q.data(), want.data());
        k.dot_f32(rows.data(), n, dim, q.data(), got.data());
        for (size_t i = 0; i < n; ++i) {
          EXPECT_NEAR(got[i], want[i], 1e-4 * std::sqrt(static_cast<double>(dim)))
              << IsaName(isa) << " dim=" << dim << " row " << i;
        }
        EXPECT_EQ(got[n], -1) << "wrote past the end";
      }
    }
  }
}

}  // namespace
}  // namespace candor::search
