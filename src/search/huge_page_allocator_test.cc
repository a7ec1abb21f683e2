// Copyright 2026 The Candor Authors.

#include "search/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace candor::search {
namespace {

using HugeVector = std::vector<uint8_t, HugePageAllocator<uint8_t>>;

// Values survive growth across the small/huge boundary and back down.
TEST(HugePageAllocatorTest, KeepsContentsAcrossGrowthOverTheThreshold) {
  HugeVector v;
  const size_t small = kHugeThreshold / 2;
  for (size_t i = 0; i < small; ++i) v.push_back(static_cast<uint8_t>(i * 7));
  v.resize(3 * kHugeThreshold + 12345, 0xAB);  // reallocates into a mapped block
  for (size_t i = 0; i < small; ++i) ASSERT_EQ(v[i], static_cast<uint8_t>(i * 7)) << i;
  EXPECT_EQ(v.back(), 0xAB);
  EXPECT_EQ(v[small], 0xAB);
  HugeVector copy = v;  // a second mapped block, independent of the first
  copy[0] = 1;
  EXPECT_EQ(v[0], 0);
  v.resize(100);
  v.shrink_to_fit();  // back to an ordinary heap block
  for (size_t i = 0; i < 100; ++i) ASSERT_EQ(v[i], static_cast<uint8_t>(i * 7)) << i;
}

TEST(HugePageAllocatorTest, ExactThresholdAndTypesWiderThanAByte) {
  std::vector<int64_t, HugePageAllocator<int64_t>> v(kHugeThreshold / sizeof(int64_t));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i) - 5;
  int64_t sum = 0;
  for (int64_t x : v) sum += x;
  const int64_t n = static_cast<int64_t>(v.size());
  EXPECT_EQ(sum, n * (n - 1) / 2 - 5 * n);
}

}  // namespace
}  // namespace candor::search
