// Copyright 2026 The Candor Authors.
//
// FlatIndex behaviour: validation, exactness against a brute-force reference,
// thread-count independence, threshold, ties, removal and compaction,
// concurrent readers and writers, and the int8 score error bound.

#include "search/flat_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include "candor/index.h"
#include "search/cpu_features.h"
#include "search/synthetic_data.h"
#include "search/top_k.h"

namespace candor::search {
namespace {

constexpr int kDim = 128;

std::vector<int64_t> Ids(const std::vector<Candidate>& c) {
  std::vector<int64_t> out;
  for (const auto& x : c) out.push_back(x.id);
  return out;
}

std::vector<int64_t> Range(int64_t first, int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = first + i;
  return v;
}

// Small blocks and tiny per-task minimum, so block edges and multi-thread
// merges are exercised on small data.
FlatIndexOptions Stress() { return {.min_rows_per_task = 5, .block_rows = 7}; }

// Reference answer: score every stored row with the scalar codec, sort.
template <typename Codec>
std::vector<Candidate> BruteForce(const Codec& codec, const std::vector<float>& data,
                                  const std::vector<int64_t>& ids, const float* q, int k,
                                  float threshold) {
  const int dim = codec.dim();
  std::vector<typename Codec::Code> codes(static_cast<size_t>(dim));
  const auto query = codec.Prepare(q);
  std::vector<Candidate> all;
  for (size_t i = 0; i < ids.size(); ++i) {
    codec.Encode(data.data() + i * static_cast<size_t>(dim), codes.data());
    float s;
    int32_t scratch;
    codec.Score(codes.data(), 1, query, &s, &scratch);
    if (s >= threshold) all.push_back({ids[i], s});
  }
  std::sort(all.begin(), all.end(), Better);
  if (all.size() > static_cast<size_t>(k)) all.resize(static_cast<size_t>(k));
  return all;
}

TEST(MakeIndexTest, SpecsAndErrors) {
  for (const char* spec : {"", "Flat", "Flat,int8", "Flat,fp32"}) {
    auto idx = MakeIndex(spec, kDim);
    ASSERT_TRUE(idx.ok()) << spec << ": " << idx.status().ToString();
    EXPECT_EQ((*idx)->dim(), kDim);
    EXPECT_EQ((*idx)->size(), 0);
  }
  EXPECT_NE((*MakeIndex("Flat,int8", kDim))->Describe().find("int8"), std::string::npos);
  EXPECT_EQ(MakeIndex("HNSW32", kDim).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MakeIndex("Flat,int8", 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MakeIndex("Flat,int8", 5000).status().code(), Code::kInvalidArgument);
}

TEST(FlatIndexTest, RejectsBadInputAndStaysUnchanged) {
  auto idx = *MakeIndex("Flat,int8", kDim);
  auto v = RandomUnitVectors(3, kDim, 1);
  ASSERT_TRUE(idx->Add(v, Range(0, 3)).ok());
  auto w = RandomUnitVectors(2, kDim, 2);
  EXPECT_EQ(idx->Add(w, Range(10, 3)).code(), Code::kInvalidArgument);  // size mismatch
  EXPECT_EQ(idx->Add(w, std::vector<int64_t>{5, 5}).code(),
            Code::kInvalidArgument);                                                // dup in batch
  EXPECT_EQ(idx->Add(w, std::vector<int64_t>{7, 2}).code(), Code::kAlreadyExists);  // dup live
  auto bad = w;
  bad[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(idx->Add(bad, Range(10, 2)).code(), Code::kInvalidArgument);
  bad = w;
  bad[0] += 0.5f;  // not unit norm
  EXPECT_EQ(idx->Add(bad, Range(10, 2)).code(), Code::kInvalidArgument);
  EXPECT_EQ(idx->size(), 3);  // all-or-nothing: nothing from the failed calls

  SearchParams p;
  std::vector<float> q(v.begin(), v.begin() + kDim);
  EXPECT_EQ(idx->Search(std::span<const float>(q).first(kDim - 1), p).status().code(),
            Code::kInvalidArgument);
  p.k = 0;
  EXPECT_EQ(idx->Search(q, p).status().code(), Code::kInvalidArgument);
  p = {};
  p.threads = -1;
  EXPECT_EQ(idx->Search(q, p).status().code(), Code::kInvalidArgument);
  p = {};
  std::vector<float> zero(kDim, 0.0f);
  EXPECT_EQ(idx->Search(zero, p).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(idx->SearchBatch(std::span<const float>(v).first(kDim + 1), p).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(idx->Remove(std::vector<int64_t>{0, 99}).code(), Code::kNotFound);
  EXPECT_EQ(idx->Remove(std::vector<int64_t>{1, 1}).code(), Code::kInvalidArgument);
  EXPECT_EQ(idx->Remove(std::vector<int64_t>{2, 0, 2}).code(), Code::kInvalidArgument);
  EXPECT_EQ(idx->Add(w, std::vector<int64_t>{8, 8}).code(), Code::kInvalidArgument);
  EXPECT_EQ(idx->size(), 3);
  // After the failed calls every original id is still found, none of the new.
  for (int64_t id = 0; id < 3; ++id) {
    auto r = idx->Search(std::span<const float>(v).subspan(id * kDim, kDim), {.k = 1});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0].id, id);
  }
  auto all = idx->Search(q, {.k = 10});
  EXPECT_EQ(all->size(), 3u);
  ASSERT_TRUE(idx->Add(w, std::vector<int64_t>{7, 8}).ok());  // the rejected ids are free
  EXPECT_EQ(idx->size(), 5);
}

TEST(FlatIndexTest, EmptyOneAndKBeyondSize) {
  auto idx = *MakeIndex("Flat,int8", kDim);
  auto v = RandomUnitVectors(2, kDim, 3);
  std::span<const float> q(v.data(), kDim);
  auto r = idx->Search(q, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  ASSERT_TRUE(idx->Add(q, std::vector<int64_t>{42}).ok());
  r = idx->Search(q, {.k = 5});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, 42);
  EXPECT_NEAR((*r)[0].score, 1.0f, 0.02f);
  ASSERT_TRUE(idx->Add(std::span<const float>(v).subspan(kDim), std::vector<int64_t>{-7}).ok());
  r = idx->Search(q, {.k = 1000});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(*r), (std::vector<int64_t>{42, -7}));
}

template <typename Codec>
void CheckMatchesBruteForce(Codec codec) {
  const int n = 1003;  // not a multiple of the block, the task count or 4
  const int dim = codec.dim();
  FlatIndex<Codec> idx(codec, Stress());
  auto data = RandomUnitVectors(n, dim, 17);
  std::vector<int64_t> ids(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = (i * 7919) % 100003 - 500;
  ASSERT_TRUE(idx.Add(data, ids).ok());
  auto queries = RandomUnitVectors(5, dim, 99);
  // Make query 0 a stored row, so one score is near 1.
  std::copy_n(data.begin() + 10 * dim, dim, queries.begin());
  for (float threshold : {-1.0f, 0.05f}) {
    SearchParams p{.k = 25, .threshold = threshold, .threads = 1};
    auto batch1 = idx.SearchBatch(queries, p);
    ASSERT_TRUE(batch1.ok());
    for (int threads : {2, 3, 8}) {
      p.threads = threads;
      auto batch = idx.SearchBatch(queries, p);
      ASSERT_TRUE(batch.ok());
      for (size_t j = 0; j < 5; ++j) {
        EXPECT_EQ(Ids((*batch)[j]), Ids((*batch1)[j])) << "threads=" << threads;
      }
    }
    for (size_t j = 0; j < 5; ++j) {
      const auto want = BruteForce(codec, data, ids, queries.data() + j * dim, 25, threshold);
      const auto& got = (*batch1)[j];
      ASSERT_EQ(got.size(), want.size()) << "query " << j;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id, want[i].id) << "query " << j << " rank " << i;
        EXPECT_NEAR(got[i].score, want[i].score, 1e-5);
        if (i > 0) {
          EXPECT_TRUE(Better(got[i - 1], got[i]));
        }
        EXPECT_GE(got[i].score, threshold);
      }
      auto single = idx.Search(std::span<const float>(queries).subspan(j * dim, dim), p);
      ASSERT_TRUE(single.ok());
      EXPECT_EQ(Ids(*single), Ids(got));
    }
    EXPECT_EQ((*batch1)[0][0].id, ids[10]);
  }
}

TEST(FlatIndexTest, Int8MatchesBruteForceOnEveryIsa) {
  for (Isa isa : SupportedIsas()) {
    SCOPED_TRACE(IsaName(isa));
    for (int dim : {kDim, 100}) {
      CheckMatchesBruteForce(Int8Codec(dim, GetKernels(isa), Int8Codec::DefaultClip(dim)));
    }
  }
}

TEST(FlatIndexTest, Fp32MatchesBruteForceOnEveryIsa) {
  for (Isa isa : SupportedIsas()) {
    SCOPED_TRACE(IsaName(isa));
    CheckMatchesBruteForce(Fp32Codec(kDim, GetKernels(isa)));
  }
}

TEST(FlatIndexTest, TiesAreOrderedByIdWhateverTheThreads) {
  FlatIndex<Int8Codec> idx(Int8Codec(kDim, GetKernels(BestIsa()), Int8Codec::DefaultClip(kDim)),
                           Stress());
  auto v = RandomUnitVectors(1, kDim, 5);
  std::vector<float> data;
  const std::vector<int64_t> ids{50, 3, 41, 9, 27, 1, 33, 8, 12, 6, 90, 2};
  for (size_t i = 0; i < ids.size(); ++i) data.insert(data.end(), v.begin(), v.end());
  ASSERT_TRUE(idx.Add(data, ids).ok());
  for (int threads : {1, 2, 4}) {
    auto r = idx.Search(v, {.k = 4, .threads = threads});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Ids(*r), (std::vector<int64_t>{1, 2, 3, 6})) << threads;
  }
}

TEST(FlatIndexTest, ThresholdAboveEverythingGivesExplicitEmptyResult) {
  auto idx = *MakeIndex("Flat,int8", kDim);
  auto v = RandomUnitVectors(200, kDim, 8);
  ASSERT_TRUE(idx->Add(v, Range(0, 200)).ok());
  auto q = RandomUnitVectors(1, kDim, 9);
  auto r = idx->Search(q, {.k = 10, .threshold = 0.9f});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = idx->Search(std::span<const float>(v).first(kDim), {.k = 10, .threshold = 0.9f});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(*r), (std::vector<int64_t>{0}));
}

TEST(FlatIndexTest, RemoveHidesAtOnceAndCompactionKeepsResults) {
  FlatIndex<Int8Codec> idx(Int8Codec(kDim, GetKernels(BestIsa()), Int8Codec::DefaultClip(kDim)),
                           Stress());
  const int n = 400;
  auto v = RandomUnitVectors(n, kDim, 21);
  ASSERT_TRUE(idx.Add(v, Range(1000, n)).ok());
  std::span<const float> q7(v.data() + 7 * kDim, kDim);
  ASSERT_EQ((*idx.Search(q7, {.k = 1}))[0].id, 1007);

  ASSERT_TRUE(idx.Remove(std::vector<int64_t>{1007, 1100}).ok());
  EXPECT_EQ(idx.size(), n - 2);
  EXPECT_EQ(idx.stored_rows(), n);  // tombstoned, not yet compacted
  auto r = *idx.Search(q7, {.k = n});
  EXPECT_EQ(r.size(), static_cast<size_t>(n - 2));
  for (const auto& c : r) EXPECT_TRUE(c.id != 1007 && c.id != 1100);
  EXPECT_EQ(idx.Remove(std::vector<int64_t>{1007}).code(), Code::kNotFound);

  // Remove a quarter: compaction runs and the answers stay the same.
  std::vector<int64_t> gone;
  for (int i = 0; i < n; i += 4) {
    if (i != 100) gone.push_back(1000 + i);
  }
  auto before = *idx.Search(q7, {.k = n});
  std::erase_if(before, [&](const Candidate& c) {
    return std::find(gone.begin(), gone.end(), c.id) != gone.end();
  });
  ASSERT_TRUE(idx.Remove(gone).ok());
  EXPECT_EQ(idx.stored_rows(), idx.size());  // compacted
  EXPECT_EQ(idx.size(), n - 2 - static_cast<int64_t>(gone.size()));
  auto after = *idx.Search(q7, {.k = n});
  EXPECT_EQ(Ids(after), Ids(before));

  // A removed id can be enrolled again, and is found.
  ASSERT_TRUE(idx.Add(q7, std::vector<int64_t>{1007}).ok());
  EXPECT_EQ((*idx.Search(q7, {.k = 1}))[0].id, 1007);
}

TEST(FlatIndexTest, ConcurrentSearchesDuringAddsAndRemoves) {
  auto idx = *MakeIndex("Flat,int8", kDim);
  auto base = RandomUnitVectors(2000, kDim, 31);
  ASSERT_TRUE(idx->Add(base, Range(0, 2000)).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, searches{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::span<const float> q(base.data() + static_cast<size_t>(t) * kDim, kDim);
      while (!stop) {
        auto r = idx->Search(q, {.k = 3, .threads = 2});
        // Row t is never removed and always its own best match.
        if (!r.ok() || r->empty() || (*r)[0].id != t) ++bad;
        ++searches;
      }
    });
  }
  auto extra = RandomUnitVectors(50, kDim, 32);
  while (searches.load() < 3) std::this_thread::yield();
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(idx->Add(extra, Range(10000, 50)).ok());
    ASSERT_TRUE(idx->Remove(Range(10000, 50)).ok());
  }
  const int during = searches.load();
  while (searches.load() < during + 3) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(idx->size(), 2000);
}

TEST(Int8CodecTest, ScoreErrorWithinProvenBound) {
  const int dim = kDim;
  Int8Codec codec(dim, GetKernels(BestIsa()), Int8Codec::DefaultClip(dim));
  FlatIndex<Int8Codec> idx(codec);
  const int n = 3000;
  auto data = RandomUnitVectors(n, dim, 41);
  ASSERT_TRUE(idx.Add(data, Range(0, n)).ok());
  ASSERT_EQ(idx.clipped_components(), 0);
  auto queries = RandomUnitVectors(20, dim, 42);
  double max_err = 0, sum_err = 0;
  int count = 0;
  for (int j = 0; j < 20; ++j) {
    const float* q = queries.data() + j * dim;
    float maxabs = 0;
    for (int d = 0; d < dim; ++d) maxabs = std::max(maxabs, std::fabs(q[d]));
    const double bound = Int8ScoreErrorBound(dim, codec.clip(), maxabs);
    auto r = *idx.Search(std::span<const float>(q, dim), {.k = n});
    ASSERT_EQ(r.size(), static_cast<size_t>(n));
    for (const auto& c : r) {
      double exact = 0;
      for (int d = 0; d < dim; ++d) exact += static_cast<double>(q[d]) * data[c.id * dim + d];
      const double err = std::fabs(c.score - exact);
      EXPECT_LE(err, bound);
      max_err = std::max(max_err, err);
      sum_err += err;
      ++count;
    }
  }
  // The bound is a worst case; the typical error is far smaller (measured ~1e-3).
  EXPECT_LT(sum_err / count, 0.004);
  RecordProperty("int8_max_abs_score_error", std::to_string(max_err));
  RecordProperty("int8_mean_abs_score_error", std::to_string(sum_err / count));
}

}  // namespace
}  // namespace candor::search

namespace candor::search {
namespace {

// Real templates can have a large component (LFW MobileFaceNet: up to 0.55);
// the default codec must never clip a unit vector, whatever its shape.
// RawCut never excludes a row that could reach `accept`, and is tight to a few
// raw units (so the pre-filter actually filters).
TEST(Int8CodecTest, RawCutIsSafeAndTight) {
  for (int dim : {1, 128, 192, 1024, 4096}) {
    Int8Codec codec(dim, GetKernels(BestIsa()), Int8Codec::DefaultClip(dim));
    auto queries = RandomUnitVectors(8, dim, 3 + dim);
    for (int j = 0; j < 8; ++j) {
      const auto q = codec.Prepare(queries.data() + j * dim);
      for (float accept : {-1.0f, -0.3f, 0.0f, 1e-7f, 0.2f, 0.41f, 0.7f, 0.999f, 1.0f}) {
        const int32_t cut = Int8Codec::RawCut(accept, q);
        ASSERT_GT(cut, std::numeric_limits<int32_t>::min()) << dim << " " << accept;
        for (int32_t d = 1; d <= 64; ++d) {
          ASSERT_LT(Int8Codec::ScoreOf(cut - d, q), accept) << dim << " " << accept << " " << d;
        }
        EXPECT_GE(Int8Codec::ScoreOf(cut + 1, q), accept) << "not tight: dim " << dim;
      }
    }
  }
  Int8Codec::Query q;
  q.scale = 1e-4f;
  EXPECT_EQ(Int8Codec::RawCut(-std::numeric_limits<float>::infinity(), q),
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Int8Codec::RawCut(std::numeric_limits<float>::quiet_NaN(), q),
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Int8Codec::RawCut(-1e30f, q), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Int8Codec::RawCut(std::numeric_limits<float>::infinity(), q),
            std::numeric_limits<int32_t>::max());
  EXPECT_LT(Int8Codec::ScoreOf(std::numeric_limits<int32_t>::max() - 1, q), 1e30f);
  EXPECT_EQ(Int8Codec::RawCut(1e30f, q), std::numeric_limits<int32_t>::max());
}

TEST(Int8CodecTest, DefaultNeverClipsAnyUnitVector) {
  const int dim = 192;
  Int8Codec codec(dim, GetKernels(BestIsa()), Int8Codec::DefaultClip(dim));
  FlatIndex<Int8Codec> idx(codec);
  std::vector<float> spiky(3 * dim, 0.0f);
  spiky[0] = 1.0f;         // one-hot
  spiky[dim + 5] = -0.9f;  // one large negative component
  for (int d = 0; d < dim; ++d) spiky[2 * dim + d] = (d == 7 ? 0.0f : 0.01f);
  for (int d = 0; d < dim; ++d) {
    if (d != 5) spiky[dim + d] = 0.01f * std::sqrt((1 - 0.81f) / (0.0001f * (dim - 1)));
  }
  spiky[2 * dim + 7] = 0.7f;
  NormaliseRows(spiky, dim);
  ASSERT_TRUE(idx.Add(spiky, Range(0, 3)).ok());
  EXPECT_EQ(idx.clipped_components(), 0);
  for (int j = 0; j < 3; ++j) {
    std::span<const float> q(spiky.data() + j * dim, dim);
    float maxabs = 0;
    for (float x : q) maxabs = std::max(maxabs, std::fabs(x));
    auto r = *idx.Search(q, {.k = 3});
    for (const auto& c : r) {
      double exact = 0;
      for (int d = 0; d < dim; ++d) exact += static_cast<double>(q[d]) * spiky[c.id * dim + d];
      EXPECT_LE(std::fabs(c.score - exact), Int8ScoreErrorBound(dim, codec.clip(), maxabs))
          << j << " vs " << c.id;
    }
    EXPECT_EQ(r[0].id, j);
  }
}

}  // namespace
}  // namespace candor::search
