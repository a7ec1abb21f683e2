// Copyright 2026 The Candor Authors.
//
// The compressed index in memory: spec parsing, exact behaviour before
// training, the recall target met on structured data (measured by the index
// and checked independently against Flat,int8 on fresh probes), exact re-rank
// scores, adds searchable at once, removals never returned, validation.

#include "search/ivf_pq_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "candor/index.h"
#include "search/ivf_test_util.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

using testing::Ids;
using testing::Noisy;
using testing::Row;

constexpr int kDim = 64;
constexpr int kRows = 24000;

std::vector<float> Data() { return StructuredVectors(kRows, kDim, 48, 0.9f, 42); }

std::unique_ptr<Index> Make(std::string_view spec) {
  auto index = MakeIndex(spec, kDim);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::move(*index);
}

// A trained IVF64,PQ32x4fs index over Data() and a Flat,int8 twin.
struct Pair {
  std::unique_ptr<Index> ivf = Make("IVF64,PQ32x4fs,TrainAt20000");
  std::unique_ptr<Index> flat = Make("Flat,int8");
  std::vector<float> data = Data();
  Pair() {
    const auto ids = Ids(1, kRows);
    EXPECT_TRUE(ivf->Add(data, ids).ok());
    EXPECT_TRUE(flat->Add(data, ids).ok());
  }
};

Pair& Shared() {
  static Pair* p = new Pair();
  return *p;
}

TEST(IvfPqSpecTest, ParsesGoodSpecsAndNamesTheBadPart) {
  auto s = ParseIvfPqSpec("IVF1024,PQ64x4fs,Rerank200,Probe16,Recall99.9,TrainAt50000", 192);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->nlist, 1024);
  EXPECT_EQ(s->m, 64);
  EXPECT_EQ(s->rerank, 200);
  EXPECT_EQ(s->nprobe, 16);
  EXPECT_NEAR(s->target_recall, 0.999, 1e-9);
  EXPECT_EQ(s->train_at, 50000);
  auto a = ParseIvfPqSpec("Auto", 192);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->m, 64);
  EXPECT_EQ(a->train_at, 2000000);
  for (const char* bad : {"IVF", "IVF0,PQ8x4fs", "IVF16", "IVF16,PQ7x4fs", "IVF16,PQ8x8",
                          "IVF16,PQ8x4fs,Rerank0", "IVF16,PQ8x4fs,Probe17", "IVF16,PQ8x4fs,Recall101",
                          "IVF16,PQ8x4fs,Bogus", "IVF16,PQ256x4fs"}) {
    auto r = ParseIvfPqSpec(bad, 192 - (std::string(bad) == "IVF16,PQ256x4fs" ? 100 : 0));
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(MakeIndex("IVF16,PQ8x4fs,Nope", 64).status().code(), Code::kInvalidArgument);
}

TEST(IvfPqIndexTest, BeforeTrainingItIsExactlyFlatInt8) {
  auto ivf = Make("IVF16,PQ16x4fs,TrainAt5000");
  auto flat = Make("Flat,int8");
  const auto data = StructuredVectors(3000, kDim, 10, 0.9f, 3);
  ASSERT_TRUE(ivf->Add(data, Ids(100, 3000)).ok());
  ASSERT_TRUE(flat->Add(data, Ids(100, 3000)).ok());
  EXPECT_TRUE(ivf->Recall().exact);
  EXPECT_NE(ivf->Describe().find("untrained"), std::string::npos);
  for (int j = 0; j < 20; ++j) {
    const auto q = Noisy(Row(data, kDim, j * 37), kDim, 0.7f, j);
    auto a = ivf->Search(q, {.k = 7});
    auto b = flat->Search(q, {.k = 7});
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].id, (*b)[i].id);
      EXPECT_EQ((*a)[i].score, (*b)[i].score);
    }
  }
}

TEST(IvfPqIndexTest, AutoIsExactBelowItsThreshold) {
  auto ivf = Make("Auto");
  auto flat = Make("Flat,int8");
  const auto data = StructuredVectors(2000, kDim, 10, 0.9f, 4);
  ASSERT_TRUE(ivf->Add(data, Ids(1, 2000)).ok());
  ASSERT_TRUE(flat->Add(data, Ids(1, 2000)).ok());
  EXPECT_TRUE(ivf->Recall().exact);
  EXPECT_NE(ivf->Describe().find("until 2000000"), std::string::npos) << ivf->Describe();
  const auto q = Noisy(Row(data, kDim, 3), kDim, 0.7f, 3);
  auto a = ivf->Search(q, {.k = 20});
  auto b = flat->Search(q, {.k = 20});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].id, (*b)[i].id);
}

TEST(IvfPqIndexTest, MeetsTheRecallTargetOnStructuredData) {
  Pair& p = Shared();
  const RecallReport r = p.ivf->Recall();
  ASSERT_FALSE(r.exact);
  EXPECT_EQ(r.target, 0.995);
  EXPECT_GE(r.measured, 0.995);
  EXPECT_EQ(r.probes, 2000);
  EXPECT_EQ(r.nlist, 64);
  EXPECT_GE(r.nprobe, 1);
  EXPECT_LE(r.nprobe, 64);
  EXPECT_GE(r.rerank, 8);
  EXPECT_NEAR(r.mate_cosine, 0.76, 0.02);  // DefaultMateCosines(): LFW genuine pairs
  EXPECT_EQ(r.measured_at, kRows);
  EXPECT_NE(p.ivf->Describe().find("met"), std::string::npos) << p.ivf->Describe();
  // Not only all-lists search: the chosen setting must leave work out.
  EXPECT_LT(static_cast<double>(r.nprobe) / r.nlist + static_cast<double>(r.rerank) / kRows, 1.0);

  // Independent check on fresh probes (other seeds, other mates): rank-1 agrees
  // with Flat,int8 about as often as measured (1000 probes; allow sampling error).
  int agree = 0;
  const int n = 1000;
  for (int j = 0; j < n; ++j) {
    const auto q = Noisy(Row(p.data, kDim, (j * 7919 + 13) % kRows), kDim, 0.65f, 1000 + j);
    auto a = p.ivf->Search(q, {.k = 1});
    auto b = p.flat->Search(q, {.k = 1});
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(b->size(), 1u);
    if (!a->empty() && (*a)[0].id == (*b)[0].id) ++agree;
  }
  EXPECT_GE(agree, 985) << "agreement with exact search on fresh probes: " << agree << "/" << n;
}

TEST(IvfPqIndexTest, ReturnedScoresAreTheExactInt8Scores) {
  Pair& p = Shared();
  for (int j = 0; j < 30; ++j) {
    const auto q = Noisy(Row(p.data, kDim, j * 101), kDim, 0.7f, 50 + j);
    auto a = p.ivf->Search(q, {.k = 10});
    auto b = p.flat->Search(q, {.k = kRows});
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), 10u);
    for (const Candidate& c : *a) {
      const auto it = std::find_if(b->begin(), b->end(), [&](const Candidate& x) { return x.id == c.id; });
      ASSERT_NE(it, b->end());
      EXPECT_EQ(it->score, c.score);  // bit-identical: the same int8 codes and kernel
    }
    for (size_t i = 1; i < a->size(); ++i) EXPECT_GE((*a)[i - 1].score, (*a)[i].score);
  }
}

TEST(IvfPqIndexTest, ThresholdKAndThreadsBehaveAsFlat) {
  Pair& p = Shared();
  const auto q = Noisy(Row(p.data, kDim, 5), kDim, 0.7f, 9);
  auto one = p.ivf->Search(q, {.k = 20, .threshold = -1, .threads = 1});
  auto two = p.ivf->Search(q, {.k = 20, .threshold = -1, .threads = 2});
  ASSERT_TRUE(one.ok() && two.ok());
  ASSERT_EQ(one->size(), 20u);
  for (size_t i = 0; i < one->size(); ++i) EXPECT_EQ((*one)[i].id, (*two)[i].id);
  const float cut = (*one)[4].score;
  auto above = p.ivf->Search(q, {.k = 20, .threshold = cut});
  ASSERT_TRUE(above.ok());
  ASSERT_GE(above->size(), 5u);
  for (const Candidate& c : *above) EXPECT_GE(c.score, cut);
  EXPECT_EQ(p.ivf->Search(q, {.k = 0}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(p.ivf->Search(std::vector<float>(kDim, 0.0f), {.k = 1}).status().code(),
            Code::kInvalidArgument);
}

TEST(IvfPqIndexTest, AddsAreSearchableAtOnceAndRemovalsNeverReturned) {
  auto ivf = Make("IVF32,PQ16x4fs,TrainAt4000");
  const auto data = StructuredVectors(6000, kDim, 20, 0.9f, 77);
  ASSERT_TRUE(ivf->Add(std::span<const float>(data).first(4000 * kDim), Ids(1, 4000)).ok());
  ASSERT_FALSE(ivf->Recall().exact) << "the Add reaching TrainAt trains the index";
  // Added after training: found at once, by its own template.
  ASSERT_TRUE(ivf->Add(std::span<const float>(data).subspan(4000 * kDim), Ids(4001, 2000)).ok());
  EXPECT_EQ(ivf->size(), 6000);
  int found = 0;
  for (int i = 4000; i < 6000; i += 10) {
    auto r = ivf->Search(Row(data, kDim, i), {.k = 1});
    ASSERT_TRUE(r.ok());
    if (!r->empty() && (*r)[0].id == i + 1) ++found;
  }
  EXPECT_GE(found, 198) << "of 200 new templates searched by their own values";
  // Duplicates: nothing added.
  EXPECT_EQ(ivf->Add(Row(data, kDim, 0), Ids(1, 1)).code(), Code::kAlreadyExists);
  std::vector<float> two(data.begin(), data.begin() + 2 * kDim);
  EXPECT_EQ(ivf->Add(two, std::vector<int64_t>{9000, 9000}).code(), Code::kInvalidArgument);
  EXPECT_EQ(ivf->size(), 6000);
  // Removal: all-or-nothing, then never returned, even by its own values.
  EXPECT_EQ(ivf->Remove(std::vector<int64_t>{10, 99999}).code(), Code::kNotFound);
  EXPECT_EQ(ivf->Remove(std::vector<int64_t>{10, 10}).code(), Code::kInvalidArgument);
  EXPECT_EQ(ivf->size(), 6000);
  std::vector<int64_t> gone;
  for (int64_t id = 1; id <= 6000; id += 7) gone.push_back(id);
  ASSERT_TRUE(ivf->Remove(gone).ok());
  EXPECT_EQ(ivf->size(), 6000 - static_cast<int64_t>(gone.size()));
  const std::set<int64_t> gone_set(gone.begin(), gone.end());
  for (int64_t id : gone) {
    auto r = ivf->Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 50});
    ASSERT_TRUE(r.ok());
    for (const Candidate& c : *r) ASSERT_EQ(gone_set.count(c.id), 0u) << "removed id " << c.id << " returned";
  }
  EXPECT_EQ(ivf->Remove(std::vector<int64_t>{gone[0]}).code(), Code::kNotFound);
  // A removed id may be added again.
  EXPECT_TRUE(ivf->Add(Row(data, kDim, 0), Ids(1, 1)).ok());
}

TEST(IvfPqIndexTest, FixedSettingIsKeptAndItsRecallReported) {
  auto ivf = Make("IVF64,PQ16x4fs,Probe1,Rerank8,TrainAt20000");
  Pair& p = Shared();
  ASSERT_TRUE(ivf->Add(p.data, Ids(1, kRows)).ok());
  const RecallReport r = ivf->Recall();
  EXPECT_EQ(r.nprobe, 1);
  EXPECT_EQ(r.rerank, 8);
  EXPECT_GT(r.measured, 0.3);
  EXPECT_LE(r.lower95, r.measured);
  // One list and 8 candidates cannot match exact search everywhere here; the
  // report must say so instead of claiming the target.
  if (r.measured < r.target) {
    EXPECT_NE(ivf->Describe().find("NOT met"), std::string::npos);
  }
}

}  // namespace
}  // namespace candor::search
