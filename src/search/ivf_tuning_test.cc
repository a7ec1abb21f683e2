// Copyright 2026 The Candor Authors.
//
// The tuner's cost model (ivf_tuning.h): a re-rank is priced as a page-cache
// read while vectors.i8 fits the available memory and as a partial SSD read
// when it does not, and that price moves the chosen setting from a deep
// re-rank over few lists to a shallow re-rank over more lists.

#include "search/ivf_tuning.h"

#include <gtest/gtest.h>

#include <climits>
#include <vector>

#include "candor/index.h"
#include "search/ivf_pq_index.h"
#include "search/ivf_test_util.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

constexpr uint64_t kGB = uint64_t{1} << 30;

TEST(IvfTuningTest, RerankCostDependsOnWhetherTheTemplatesFitInMemory) {
  // 10^7 x 192 (1.8 GiB) on a host with 20 GiB available: page-cache reads.
  EXPECT_EQ(RerankCost(uint64_t{10000000} * 192, 20 * kGB), kRerankCachedCost);
  // Exactly fitting still fits.
  EXPECT_EQ(RerankCost(8 * kGB, 8 * kGB), kRerankCachedCost);
  // 10^8 x 192 (19.2 GB) with 6 GiB available: most reads miss.
  const double c = RerankCost(uint64_t{100000000} * 192, 6 * kGB);
  EXPECT_NEAR(c, kRerankCachedCost + (1.0 - 6.0 * kGB / 19.2e9) * kRerankMissCost, 1e-6);
  EXPECT_GT(c, 100 * kRerankCachedCost);
  // Half fits: half the reads miss; nothing available: every read misses.
  EXPECT_DOUBLE_EQ(RerankCost(16 * kGB, 8 * kGB), kRerankCachedCost + 0.5 * kRerankMissCost);
  EXPECT_DOUBLE_EQ(RerankCost(16 * kGB, 0), kRerankCachedCost + kRerankMissCost);
  // More memory never makes a re-rank dearer.
  double last = RerankCost(20 * kGB, 0);
  for (uint64_t avail = kGB; avail <= 24 * kGB; avail += kGB) {
    const double now = RerankCost(20 * kGB, avail);
    EXPECT_LE(now, last);
    last = now;
  }
}

TEST(IvfTuningTest, AvailableMemoryIsMeasured) {
  const uint64_t a = AvailableMemoryBytes();
  EXPECT_GT(a, uint64_t{64} << 20);  // some memory is free on any test host
  EXPECT_LT(a, uint64_t{1} << 50);   // and not absurd
}

// 1,000 probes. At nprobe 4 their exact rank-1 sits at code position 0..63
// (a re-rank of 64 finds all of them, of 8 only 1/8); at nprobe 32 at 0..7.
std::vector<int> Positions(int np) {
  std::vector<int> pos(1000);
  for (int j = 0; j < 1000; ++j)
    pos[j] = np >= 32 ? j % 8 : np >= 4 ? j % 64 : (j % 2 ? INT_MAX : j % 64);
  return pos;
}

TEST(IvfTuningTest, ASsdPricedRerankMovesTheChoiceToMoreListsAndAShallowerRerank) {
  const std::vector<int> ladder_p = {1, 2, 4, 8, 16, 32, 64}, ladder_r = {8, 16, 32, 64, 128};
  const double per_list = 10000;  // 10^7 templates in 1,000 lists
  std::vector<int> asked;
  auto pos_of = [&](int np) {
    asked.push_back(np);
    return Positions(np);
  };
  // vectors.i8 fits: 4 lists + re-rank 64 (40,000 + 25,600) beats 32 lists + 8 (320,000 + 3,200).
  const TunePick cached =
      PickSetting(ladder_p, ladder_r, per_list, RerankCost(2 * kGB, 20 * kGB), 0.995, 1000, pos_of);
  EXPECT_TRUE(cached.met);
  EXPECT_EQ(cached.nprobe, 4);
  EXPECT_EQ(cached.rerank, 64);
  EXPECT_EQ(cached.hits, 1000u);
  // The ladder stops once the scan alone costs more than the best found (8 lists: 80,000).
  EXPECT_EQ(asked, (std::vector<int>{1, 2, 4}));
  // vectors.i8 is 19.2 GB with 6 GiB available: 64 SSD-priced re-ranks cost
  // far more than scanning 28 more lists, so 32 lists + re-rank 8 win.
  asked.clear();
  const TunePick ssd = PickSetting(ladder_p, ladder_r, per_list,
                                   RerankCost(uint64_t{19200000000}, 6 * kGB), 0.995, 1000, pos_of);
  EXPECT_TRUE(ssd.met);
  EXPECT_EQ(ssd.nprobe, 32);
  EXPECT_EQ(ssd.rerank, 8);
  // A target nothing meets: the largest setting, reported as not met.
  const TunePick none = PickSetting(std::vector<int>{1, 2}, ladder_r, per_list, kRerankCachedCost,
                                    0.995, 1000, pos_of);
  EXPECT_FALSE(none.met);
  EXPECT_EQ(none.nprobe, 2);
  EXPECT_EQ(none.rerank, 128);
  EXPECT_EQ(none.hits, 500u);
}

TEST(IvfTuningTest, APersistentIndexPricesItsRerankFromMemoryAtTuneTime) {
  testing::TempDir dir;
  const IndexFiles files{dir.path(), testing::TestKey()};
  constexpr int kDim = 32;
  auto made = CreateIndex("IVF16,PQ16x4fs,TrainAt2000", kDim, files);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto* ivf = static_cast<IvfPqIndex*>(made->get());
  const auto data = StructuredVectors(3000, kDim, 12, 0.9f, 8);
  ASSERT_TRUE(ivf->Add(data, testing::Ids(1, 3000)).ok());  // trains and tunes
  // 3000 x 32 bytes fit in any host's memory.
  EXPECT_EQ(ivf->TuneRerankCost(), kRerankCachedCost);
  EXPECT_NE(ivf->Describe().find("page-cache reads"), std::string::npos) << ivf->Describe();
  const RecallReport cached = ivf->Recall();
  // As if 10 KB were available for its 96 KB of templates.
  ivf->SetAvailableMemoryForTuning(10000);
  ASSERT_TRUE(ivf->Tune(0.995).ok());
  EXPECT_DOUBLE_EQ(ivf->TuneRerankCost(), RerankCost(3000 * kDim, 10000));
  EXPECT_NE(ivf->Describe().find("partly SSD reads"), std::string::npos) << ivf->Describe();
  const RecallReport ssd = ivf->Recall();
  EXPECT_LE(ssd.rerank, cached.rerank);
  EXPECT_GE(ssd.nprobe, cached.nprobe);
  // An in-memory index re-ranks from RAM whatever the memory.
  auto mem = MakeIndex("IVF16,PQ16x4fs,TrainAt2000", kDim);
  ASSERT_TRUE(mem.ok());
  auto* m = static_cast<IvfPqIndex*>(mem->get());
  m->SetAvailableMemoryForTuning(1);
  ASSERT_TRUE(m->Add(data, testing::Ids(1, 3000)).ok());
  EXPECT_EQ(m->TuneRerankCost(), kRerankCachedCost);
}

}  // namespace
}  // namespace candor::search
