// Copyright 2026 The Candor Authors.

#include "search/top_k.h"

#include <gtest/gtest.h>

#include <vector>

namespace candor::search {
namespace {

std::vector<int64_t> Ids(const std::vector<Candidate>& c) {
  std::vector<int64_t> out;
  for (const auto& x : c) out.push_back(x.id);
  return out;
}

TEST(TopKTest, KeepsBestAndBreaksTiesBySmallerId) {
  TopK top(3, -1.0f, 100);
  // Offered in an order that would keep the wrong tie if ties were first-come.
  top.Offer(9, 0.5f);
  top.Offer(7, 0.5f);
  top.Offer(8, 0.9f);
  top.Offer(3, 0.5f);
  top.Offer(1, 0.1f);
  std::vector<std::vector<Candidate>> parts{top.Take()};
  EXPECT_EQ(Ids(MergeTopK(parts, 3)), (std::vector<int64_t>{8, 3, 7}));
}

TEST(TopKTest, ThresholdIsInclusiveAndFilters) {
  TopK top(10, 0.5f, 100);
  top.Offer(1, 0.49f);
  top.Offer(2, 0.5f);
  top.Offer(3, 0.7f);
  std::vector<std::vector<Candidate>> parts{top.Take()};
  EXPECT_EQ(Ids(MergeTopK(parts, 10)), (std::vector<int64_t>{3, 2}));
}

TEST(TopKTest, MergeAcrossPartsIsOrderIndependent) {
  std::vector<std::vector<Candidate>> a{{{5, 0.3f}, {2, 0.3f}}, {{4, 0.8f}, {1, 0.3f}}};
  std::vector<std::vector<Candidate>> b{{{4, 0.8f}, {1, 0.3f}}, {{2, 0.3f}, {5, 0.3f}}};
  EXPECT_EQ(Ids(MergeTopK(a, 3)), (std::vector<int64_t>{4, 1, 2}));
  EXPECT_EQ(Ids(MergeTopK(b, 3)), (std::vector<int64_t>{4, 1, 2}));
  EXPECT_EQ(MergeTopK(a, 100).size(), 4u);
}

}  // namespace
}  // namespace candor::search
