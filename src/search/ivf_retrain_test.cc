// Copyright 2026 The Candor Authors.
//
// Background retraining of the compressed index (IvfPqIndex::StartRetrain,
// Retrain<x>): searches, adds and removals go on while it trains; the adds
// made meanwhile are found afterwards, the removals stay removed, the new
// setting is measured at the new size, and all of it survives a reopen.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "candor/index.h"
#include "search/ivf_pq_index.h"
#include "search/ivf_test_util.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

using Clock = std::chrono::steady_clock;
using testing::Ids;
using testing::Noisy;
using testing::Row;
using testing::TempDir;
using testing::TestKey;

constexpr int kDim = 32;
constexpr int kRows = 20000;
constexpr int kExtra = 4000;  // rows the adder may add during the retrain

IvfPqIndex* Ivf(const std::unique_ptr<Index>& i) { return static_cast<IvfPqIndex*>(i.get()); }

TEST(IvfRetrainTest, SearchesAddsAndRemovalsGoOnDuringABackgroundRetrain) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = StructuredVectors(kRows + kExtra, kDim, 24, 0.9f, 21);
  auto made = CreateIndex("IVF16,PQ16x4fs,TrainAt2000", kDim, files);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto index = std::move(*made);
  for (int64_t at = 0; at < kRows; at += 2000) {
    ASSERT_TRUE(
        index
            ->Add(std::span<const float>(data).subspan(static_cast<size_t>(at) * kDim, 2000 * kDim),
                  Ids(at + 1, 2000))
            .ok());
  }
  const RecallReport before = index->Recall();
  ASSERT_FALSE(before.exact);
  EXPECT_LE(before.measured_at, 2000);  // measured when it trained

  std::atomic<bool> done{false};
  std::mutex mu;
  std::vector<int64_t> added, removed;
  std::vector<double> search_ms;
  std::atomic<int> search_errors{0};
  std::thread searcher([&] {
    uint64_t j = 0;
    while (!done) {
      const size_t row = (j * 7919) % 10000;  // ids 1..10000 are never removed
      const auto q = Noisy(Row(data, kDim, row), kDim, 0.8f, j++);
      const auto t = Clock::now();
      auto r = index->Search(q, {.k = 5});
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
      if (!r.ok()) ++search_errors;
      std::lock_guard<std::mutex> l(mu);
      search_ms.push_back(ms);
    }
  });
  std::thread adder([&] {
    for (int64_t at = kRows; at < kRows + kExtra && !done; at += 50) {
      const auto ids = Ids(at + 1, 50);
      if (!index
               ->Add(
                   std::span<const float>(data).subspan(static_cast<size_t>(at) * kDim, 50 * kDim),
                   ids)
               .ok()) {
        ++search_errors;
        return;
      }
      std::lock_guard<std::mutex> l(mu);
      added.insert(added.end(), ids.begin(), ids.end());
    }
  });
  std::thread remover([&] {
    for (int64_t id = 10001; id <= kRows && !done; id += 37) {
      if (!index->Remove(std::vector<int64_t>{id}).ok()) {
        ++search_errors;
        return;
      }
      std::lock_guard<std::mutex> l(mu);
      removed.push_back(id);
    }
  });
  const auto t0 = Clock::now();
  ASSERT_TRUE(Ivf(index)->StartRetrain().ok());
  EXPECT_EQ(Ivf(index)->StartRetrain().code(), Code::kFailedPrecondition);  // one at a time
  const Status st = Ivf(index)->WaitRetrain();
  const double retrain_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  done = true;
  searcher.join();
  adder.join();
  remover.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Ivf(index)->retrains(), 1);
  EXPECT_EQ(search_errors.load(), 0);
  // Searches went on: many ran during the retrain, none waited for a large part of it.
  ASSERT_GE(search_ms.size(), 20u) << "retrain took " << retrain_ms << " ms";
  const double worst = *std::max_element(search_ms.begin(), search_ms.end());
  EXPECT_LT(worst, retrain_ms / 3)
      << "a search waited " << worst << " ms of a " << retrain_ms << " ms retrain";
  std::printf("retrain %.0f ms; %zu searches, worst %.1f ms; %zu added, %zu removed meanwhile\n",
              retrain_ms, search_ms.size(), worst, added.size(), removed.size());
  EXPECT_FALSE(added.empty());
  EXPECT_FALSE(removed.empty());
  // Measured again at the size it retrained at.
  const RecallReport after = index->Recall();
  EXPECT_GE(after.measured_at, 15000);
  EXPECT_EQ(after.nlist, 16);

  const auto check = [&](Index& ix, const std::string& when) {
    EXPECT_EQ(ix.size(),
              kRows + static_cast<int64_t>(added.size()) - static_cast<int64_t>(removed.size()))
        << when;
    for (int64_t id : added) {
      auto r = ix.Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 1});
      ASSERT_TRUE(r.ok() && r->size() == 1) << when;
      EXPECT_EQ((*r)[0].id, id) << when << ": added id not found at rank 1";
    }
    for (int64_t id : removed) {
      EXPECT_EQ(ix.Remove(std::vector<int64_t>{id}).code(), Code::kNotFound) << when << ": " << id;
      auto r = ix.Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 5});
      ASSERT_TRUE(r.ok()) << when;
      for (const Candidate& c : *r) EXPECT_NE(c.id, id) << when;
    }
  };
  check(*index, "after the retrain");
  index.reset();
  auto reopened = OpenIndex(files);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Recall().measured_at, after.measured_at);
  EXPECT_EQ((*reopened)->Recall().nprobe, after.nprobe);
  check(**reopened, "after reopen");
}

TEST(IvfRetrainTest, AGrownInMemoryIndexRetrainsByItself) {
  const auto data = StructuredVectors(6000, kDim, 12, 0.9f, 5);
  auto made = MakeIndex("IVF16,PQ16x4fs,TrainAt2000,Retrain2", kDim);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto& index = *made;
  ASSERT_TRUE(
      index->Add(std::span<const float>(data).first(2000 * kDim), Ids(1, 2000)).ok());  // trains
  EXPECT_EQ(index->Recall().measured_at, 2000);
  ASSERT_TRUE(
      index->Add(std::span<const float>(data).subspan(2000 * kDim, 1000 * kDim), Ids(2001, 1000))
          .ok());
  EXPECT_EQ(Ivf(index)->retrains(), 0);  // 3,000 < 2 x 2,000
  ASSERT_TRUE(index->Add(std::span<const float>(data).subspan(3000 * kDim), Ids(3001, 3000)).ok());
  ASSERT_TRUE(Ivf(index)->WaitRetrain().ok());
  EXPECT_EQ(Ivf(index)->retrains(), 1);
  EXPECT_EQ(index->Recall().measured_at, 6000);
  for (int64_t id : {int64_t{1}, int64_t{2999}, int64_t{6000}}) {
    auto r = index->Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 1});
    ASSERT_TRUE(r.ok() && r->size() == 1);
    EXPECT_EQ((*r)[0].id, id);
  }
  EXPECT_EQ(MakeIndex("IVF16,PQ16x4fs,Retrain1", kDim).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace candor::search
