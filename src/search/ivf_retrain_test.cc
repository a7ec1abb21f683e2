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
#include <future>
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
using testing::DiskManifest;
using testing::GenerationFiles;
using testing::Ids;
using testing::RecordIds;
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
  // The target is met at the new size: rows removed during the retrain (their
  // bytes on disk zeroed, reading as noise through the cipher) did not become
  // the exact answers of its held-back probes.
  EXPECT_GE(after.measured, after.target) << "nprobe " << after.nprobe << ", rerank " << after.rerank;

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

// The new records generation is written without the index's lock: with the
// retraining thread held in the middle of that write (the hook), a search, an
// add and a removal from another thread complete, against the old generation
// still named by the manifest. The add is placed in the new one, the removal's
// record there is zeroed at the swap, and both hold after a reopen.
TEST(IvfRetrainTest, SearchesAddsAndRemovalsCompleteWhileTheNewRecordsAreWritten) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  constexpr int kN = 6000;
  const auto data = StructuredVectors(kN + 1, kDim, 12, 0.9f, 33);
  auto made = CreateIndex("IVF16,PQ16x4fs,TrainAt2000", kDim, files);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto index = std::move(*made);
  ASSERT_TRUE(index->Add(std::span<const float>(data).first(kN * kDim), Ids(1, kN)).ok());
  ASSERT_FALSE(index->Recall().exact);
  const uint64_t gen0 = DiskManifest(files).generation;
  const int64_t added = kN + 1, removed = 17;
  bool hooked = false, answered = false, old_generation_named = false, new_file_there = false;
  std::thread worker;
  Ivf(index)->SetRetrainHook([&](IvfPqIndex::RetrainPhase phase) {
    if (phase != IvfPqIndex::RetrainPhase::kWritingRecords) return;
    hooked = true;
    std::promise<bool> result;
    auto done = result.get_future();
    worker = std::thread([&, result = std::move(result)]() mutable {
      auto r = index->Search(Row(data, kDim, 100), {.k = 1});
      bool ok = r.ok() && r->size() == 1 && (*r)[0].id == 101;
      ok = ok && index->Add(Row(data, kDim, kN), std::vector<int64_t>{added}).ok();
      ok = ok && index->Remove(std::vector<int64_t>{removed}).ok();
      auto r2 = index->Search(Row(data, kDim, kN), {.k = 1});
      ok = ok && r2.ok() && r2->size() == 1 && (*r2)[0].id == added;
      result.set_value(ok);
    });
    // Were the write under the index's lock, these calls would wait for it:
    // this wait would time out and the test fail.
    answered = done.wait_for(std::chrono::seconds(60)) == std::future_status::ready && done.get();
    old_generation_named = DiskManifest(files).generation == gen0;
    new_file_there = GenerationFiles(dir.path()).count("records." + std::to_string(gen0 + 1)) == 1;
  });
  ASSERT_TRUE(Ivf(index)->StartRetrain().ok());
  const Status st = Ivf(index)->WaitRetrain();
  if (worker.joinable()) worker.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE(hooked);
  EXPECT_TRUE(answered) << "a search, add or removal did not complete while the new records were written";
  EXPECT_TRUE(old_generation_named) << "the manifest changed before the new generation was complete";
  EXPECT_TRUE(new_file_there);
  const auto stats = Ivf(index)->last_retrain();
  EXPECT_EQ(stats.rows_caught_up, 1);       // the add, placed after training without the lock
  EXPECT_EQ(stats.rows_placed_locked, 0);
  EXPECT_EQ(stats.rows_zeroed_locked, 1);  // the removal, whose new record was already written
  // Retrained and re-measured at the size it saw, meeting the target.
  const RecallReport after = index->Recall();
  EXPECT_EQ(after.measured_at, kN);
  EXPECT_GE(after.measured, after.target);
  EXPECT_EQ(DiskManifest(files).generation, gen0 + 1);
  EXPECT_EQ(GenerationFiles(dir.path()),
            (std::set<std::string>{"records." + std::to_string(gen0 + 1), "train." + std::to_string(gen0 + 1)}));
  const auto on_disk = RecordIds(files);
  EXPECT_EQ(on_disk.count(removed), 0u) << "the removed template's record survived in the new generation";
  EXPECT_EQ(on_disk.count(added), 1u);
  EXPECT_EQ(on_disk.size(), static_cast<size_t>(kN));
  const auto check = [&](Index& ix, const std::string& when) {
    EXPECT_EQ(ix.size(), kN) << when;
    auto r = ix.Search(Row(data, kDim, kN), {.k = 1});
    ASSERT_TRUE(r.ok() && r->size() == 1) << when;
    EXPECT_EQ((*r)[0].id, added) << when;
    EXPECT_EQ(ix.Remove(std::vector<int64_t>{removed}).code(), Code::kNotFound) << when;
    auto g = ix.Search(Row(data, kDim, removed - 1), {.k = 5});
    ASSERT_TRUE(g.ok()) << when;
    for (const Candidate& c : *g) EXPECT_NE(c.id, removed) << when;
  };
  check(*index, "after the retrain");
  index.reset();
  auto reopened = OpenIndex(files);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Recall().measured_at, kN);
  check(**reopened, "after reopen");
}

// Rows removed after the retrain copied its view are zeros on disk, which read
// through the cipher as a huge-norm row: they must not become the exact
// answers the retrain measures its recall against (they did in retrain_bench:
// at 60,000 x 192 FaceLike the measured recall fell to 82 % at the largest
// setting; this smaller gallery did not show it before the fix). With 10 % of
// the gallery removed right after the view was taken, the target is met, and
// no record of the new generation holds a removed template.
TEST(IvfRetrainTest, RemovalsRightAfterTheViewStayRemovedAndTheTargetIsMet) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  // More rows than the retrain's tuning draws (2,000 probes x 9 rows), so
  // most removed rows are met first by the exact scan, not by a draw.
  constexpr int kD = 64, kN = 12000;
  const auto data = StructuredVectors(kN, kD, 24, 0.9f, 41);
  auto made = CreateIndex("IVF32,PQ32x4fs,TrainAt2000", kD, files);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto index = std::move(*made);
  ASSERT_TRUE(index->Add(data, Ids(1, kN)).ok());
  std::vector<int64_t> removed;
  for (int64_t id = 5; id <= kN; id += 10) removed.push_back(id);
  Status removal;
  Ivf(index)->SetRetrainHook([&](IvfPqIndex::RetrainPhase phase) {
    if (phase == IvfPqIndex::RetrainPhase::kViewTaken) removal = index->Remove(removed);
  });
  ASSERT_TRUE(Ivf(index)->StartRetrain().ok());
  ASSERT_TRUE(Ivf(index)->WaitRetrain().ok());
  ASSERT_TRUE(removal.ok()) << removal.ToString();
  const RecallReport after = index->Recall();
  EXPECT_GE(after.measured, after.target) << "nprobe " << after.nprobe << ", rerank " << after.rerank;
  EXPECT_EQ(index->size(), kN - static_cast<int64_t>(removed.size()));
  const auto on_disk = RecordIds(files);
  for (int64_t id : removed) {
    EXPECT_EQ(on_disk.count(id), 0u) << id;
    auto r = index->Search(Row(data, kD, static_cast<size_t>(id - 1)), {.k = 3});
    ASSERT_TRUE(r.ok());
    for (const Candidate& c : *r) EXPECT_NE(c.id, id);
  }
}

// The retraining policy: Auto takes Retrain<x> (and Recall<pct>) but nothing
// that would fix its partition; Retrain0 means never; SetRetrainGrowth gives an
// index made without a policy one (the store does at every open), and the
// next Add past the growth starts a retrain that meets the target at the new size.
TEST(IvfRetrainTest, ARetrainPolicyCanBeGivenInTheSpecOrAfterOpen) {
  auto parsed = ParseIvfPqSpec("Auto,Retrain4", 192);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->auto_spec);
  EXPECT_EQ(parsed->retrain_growth, 4);
  EXPECT_EQ(parsed->nlist, 4096);
  EXPECT_EQ(parsed->train_at, 2000000);
  ASSERT_TRUE(ParseIvfPqSpec("Auto,Recall99,Retrain2", 192).ok());
  EXPECT_NEAR(ParseIvfPqSpec("Auto,Recall99,Retrain2", 192)->target_recall, 0.99, 1e-9);
  EXPECT_EQ(ParseIvfPqSpec("IVF16,PQ16x4fs,Retrain0", kDim)->retrain_growth, 0);
  for (const char* bad : {"Auto,IVF16", "Auto,TrainAt5000", "Auto,Retrain1", "Auto,", "Autox"}) {
    EXPECT_EQ(ParseIvfPqSpec(bad, 192).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(MakeIndex("Auto,Retrain2", kDim).ok());

  const auto data = StructuredVectors(4000, kDim, 12, 0.9f, 9);
  auto made = MakeIndex("IVF16,PQ16x4fs,TrainAt2000", kDim);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto& index = *made;
  ASSERT_TRUE(index->Add(std::span<const float>(data).first(2000 * kDim), Ids(1, 2000)).ok());
  EXPECT_EQ(Ivf(index)->retrain_growth(), 0);
  ASSERT_TRUE(index->Add(std::span<const float>(data).subspan(2000 * kDim, 1000 * kDim), Ids(2001, 1000)).ok());
  ASSERT_TRUE(Ivf(index)->WaitRetrain().ok());
  EXPECT_EQ(Ivf(index)->retrains(), 0);  // no policy: grown 1.5x, nothing
  Ivf(index)->SetRetrainGrowth(2);
  EXPECT_NE(index->Describe().find("retrains in the background at 2x"), std::string::npos) << index->Describe();
  ASSERT_TRUE(index->Add(std::span<const float>(data).subspan(3000 * kDim), Ids(3001, 1000)).ok());
  ASSERT_TRUE(Ivf(index)->WaitRetrain().ok());
  EXPECT_EQ(Ivf(index)->retrains(), 1);
  const RecallReport r = index->Recall();
  EXPECT_EQ(r.measured_at, 4000);
  EXPECT_GE(r.measured, r.target);
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
