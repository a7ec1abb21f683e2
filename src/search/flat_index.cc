// Copyright 2026 The Candor Authors.

#include "search/flat_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <new>
#include <thread>
#include <type_traits>

#include "search/cpu_features.h"
#include "search/thread_pool.h"
#include "search/top_k.h"

namespace candor::search {
namespace {

constexpr int64_t kMaxRows = int64_t{1} << 40;

FlatIndexOptions Sanitise(FlatIndexOptions o) {
  if (o.block_rows == 0) o.block_rows = 1024;
  if (o.min_rows_per_task == 0) o.min_rows_per_task = 1;
  return o;
}

int HardwareThreads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

}  // namespace

Status CheckUnitVector(std::span<const float> v, std::string_view what) {
  double sq = 0;
  for (float x : v) {
    if (!std::isfinite(x))
      return InvalidArgumentError(std::string(what) + " has a non-finite value");
    sq += static_cast<double>(x) * x;
  }
  const double norm = std::sqrt(sq);
  if (std::fabs(norm - 1.0) > 1e-3) {
    return InvalidArgumentError(std::string(what) + " is not L2-normalised (norm " +
                                std::to_string(norm) + ")");
  }
  return OkStatus();
}

Status CheckAddArgs(std::span<const float> vectors, size_t n, size_t dim) {
  if (vectors.size() != n * dim) {
    return InvalidArgumentError("Add: " + std::to_string(vectors.size()) + " floats for " +
                                std::to_string(n) + " ids of dimension " + std::to_string(dim));
  }
  for (size_t i = 0; i < n; ++i) {
    CANDOR_RETURN_IF_ERROR(
        CheckUnitVector(vectors.subspan(i * dim, dim), "Add: vector " + std::to_string(i)));
  }
  return OkStatus();
}

Status CheckSearchArgs(std::span<const float> queries, size_t dim, const SearchParams& p) {
  if (queries.size() % dim != 0) {
    return InvalidArgumentError("SearchBatch: " + std::to_string(queries.size()) +
                                " values is not a multiple of dimension " + std::to_string(dim));
  }
  if (p.k < 1) return InvalidArgumentError("Search: k must be >= 1, got " + std::to_string(p.k));
  if (p.threads < 0) return InvalidArgumentError("Search: threads must be >= 0");
  if (std::isnan(p.threshold)) return InvalidArgumentError("Search: threshold is NaN");
  const size_t nq = queries.size() / dim;
  for (size_t j = 0; j < nq; ++j) {
    CANDOR_RETURN_IF_ERROR(
        CheckUnitVector(queries.subspan(j * dim, dim), "Search: query " + std::to_string(j)));
  }
  return OkStatus();
}

template <typename Codec>
FlatIndex<Codec>::FlatIndex(Codec codec, FlatIndexOptions options)
    : codec_(std::move(codec)), options_(Sanitise(options)) {}

template <typename Codec>
std::shared_lock<std::shared_mutex> FlatIndex<Codec>::ReadLock() const {
  { std::lock_guard<std::mutex> pass(turnstile_); }
  return std::shared_lock<std::shared_mutex>(mu_);
}

template <typename Codec>
std::unique_lock<std::shared_mutex> FlatIndex<Codec>::WriteLock() {
  std::lock_guard<std::mutex> hold(turnstile_);
  return std::unique_lock<std::shared_mutex>(mu_);
}

template <typename Codec>
int64_t FlatIndex<Codec>::size() const {
  auto lock = ReadLock();
  return static_cast<int64_t>(row_of_.size());
}

template <typename Codec>
int64_t FlatIndex<Codec>::stored_rows() const {
  auto lock = ReadLock();
  return static_cast<int64_t>(ids_.size());
}

template <typename Codec>
int64_t FlatIndex<Codec>::clipped_components() const {
  auto lock = ReadLock();
  return clipped_;
}

template <typename Codec>
Status FlatIndex<Codec>::Add(std::span<const float> vectors, std::span<const int64_t> ids) {
  const size_t dim = static_cast<size_t>(codec_.dim());
  const size_t n = ids.size();
  CANDOR_RETURN_IF_ERROR(CheckAddArgs(vectors, n, dim));
  try {
    auto lock = WriteLock();
    const size_t rows = ids_.size();
    if (static_cast<int64_t>(rows + n) > kMaxRows) {
      return ResourceExhaustedError("Add: index capacity of 2^40 templates exceeded");
    }
    // Grow geometrically ourselves so a failed allocation leaves the old state.
    auto grow = [](auto& vec, size_t need) {
      if (need > vec.capacity()) vec.reserve(std::max(need, vec.capacity() + vec.capacity() / 2));
    };
    const size_t cs = codec_.code_size();
    grow(codes_, (rows + n) * cs);
    grow(ids_, rows + n);
    grow(dead_, (rows + n + 63) / 64);
    row_of_.Reserve(row_of_.size() + n);
    // Nothing below allocates: every container has its room.
    codes_.resize((rows + n) * cs);
    int64_t clipped = 0;
    for (size_t i = 0; i < n; ++i) {
      clipped += codec_.Encode(vectors.data() + i * dim, codes_.data() + (rows + i) * cs);
    }
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    dead_.resize((rows + n + 63) / 64, 0);
    for (size_t i = 0; i < n; ++i) {
      const int64_t found = row_of_.Find(ids[i]);
      if (found >= 0) {  // duplicate: undo this call entirely
        for (size_t r = 0; r < i; ++r) row_of_.Erase(ids[r]);
        codes_.resize(rows * cs);
        ids_.resize(rows);
        dead_.resize((rows + 63) / 64);
        const std::string id = std::to_string(ids[i]);
        if (found >= static_cast<int64_t>(rows)) {
          return InvalidArgumentError("Add: id " + id + " repeats in the batch");
        }
        return AlreadyExistsError("Add: id " + id + " is already in the index");
      }
      row_of_.Insert(static_cast<int64_t>(rows + i));
    }
    clipped_ += clipped;
    return OkStatus();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("Add: out of memory");
  }
}

template <typename Codec>
Status FlatIndex<Codec>::Remove(std::span<const int64_t> ids) {
  try {
    std::vector<int64_t> removed;  // rows, for undo
    removed.reserve(ids.size());
    auto lock = WriteLock();
    for (int64_t id : ids) {
      if (row_of_.Find(id) < 0) {
        return NotFoundError("Remove: id " + std::to_string(id) + " is not in the index");
      }
    }
    for (int64_t id : ids) {
      const int64_t row = row_of_.Find(id);
      if (row < 0) {  // present before this call, so repeated in it: undo
        for (int64_t r : removed) {
          const auto u = static_cast<size_t>(r);
          dead_[u >> 6] &= ~(uint64_t{1} << (u & 63));
          row_of_.Insert(r);  // the map only shrank: no allocation
        }
        dead_rows_ -= static_cast<int64_t>(removed.size());
        return InvalidArgumentError("Remove: id " + std::to_string(id) + " repeats in the call");
      }
      const auto u = static_cast<size_t>(row);
      dead_[u >> 6] |= uint64_t{1} << (u & 63);
      row_of_.Erase(id);
      removed.push_back(row);
      ++dead_rows_;
    }
    if (dead_rows_ > 0 && dead_rows_ * 4 >= static_cast<int64_t>(ids_.size())) CompactLocked();
    return OkStatus();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("Remove: out of memory");
  }
}

template <typename Codec>
void FlatIndex<Codec>::Compact() {
  auto lock = WriteLock();
  CompactLocked();
}

template <typename Codec>
void FlatIndex<Codec>::CompactLocked() {
  if (dead_rows_ == 0) return;
  const size_t cs = codec_.code_size();
  size_t w = 0;
  for (size_t r = 0; r < ids_.size(); ++r) {
    if (IsDead(r)) continue;
    if (w != r) {
      std::copy_n(codes_.begin() + static_cast<std::ptrdiff_t>(r * cs), cs,
                  codes_.begin() + static_cast<std::ptrdiff_t>(w * cs));
      ids_[w] = ids_[r];
    }
    ++w;
  }
  codes_.resize(w * cs);
  ids_.resize(w);
  dead_.assign((w + 63) / 64, 0);
  dead_rows_ = 0;
  row_of_.Clear();  // rows moved: re-point every entry (capacity is kept)
  for (size_t r = 0; r < w; ++r) row_of_.Insert(static_cast<int64_t>(r));
}

template <typename Codec>
std::vector<std::vector<Candidate>> FlatIndex<Codec>::ScanLocked(const float* queries, size_t nq,
                                                                 const SearchParams& p) const {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t rows = ids_.size();
  const size_t k = static_cast<size_t>(p.k);
  std::vector<typename Codec::Query> prepared;
  prepared.reserve(nq);
  for (size_t j = 0; j < nq; ++j) prepared.push_back(codec_.Prepare(queries + j * dim));

  // More tasks than 4x the cores only adds merge work and per-task buffers.
  const int want = p.threads > 0 ? std::min(p.threads, 4 * HardwareThreads()) : HardwareThreads();
  const size_t by_size = std::max<size_t>(1, rows / options_.min_rows_per_task);
  const int tasks = static_cast<int>(std::min<size_t>(static_cast<size_t>(want), by_size));

  // parts[t][j]: task t's candidates for query j. Allocated before threads run.
  std::vector<std::vector<std::vector<Candidate>>> parts(static_cast<size_t>(tasks),
                                                         std::vector<std::vector<Candidate>>(nq));
  const size_t block = std::min(options_.block_rows, std::max<size_t>(rows, 1));
  std::vector<std::vector<float>> scores(static_cast<size_t>(tasks), std::vector<float>(block));
  std::vector<std::vector<int32_t>> scratch(static_cast<size_t>(tasks),
                                            std::vector<int32_t>(block));
  std::vector<std::vector<uint32_t>> selected(static_cast<size_t>(tasks),
                                              std::vector<uint32_t>(block));
  std::vector<std::vector<TopK>> heaps(static_cast<size_t>(tasks));
  for (int t = 0; t < tasks; ++t) {
    const size_t begin = rows * static_cast<size_t>(t) / static_cast<size_t>(tasks);
    const size_t end = rows * static_cast<size_t>(t + 1) / static_cast<size_t>(tasks);
    heaps[t].reserve(nq);
    for (size_t j = 0; j < nq; ++j) heaps[t].emplace_back(k, p.threshold, end - begin);
  }

  const size_t cs = codec_.code_size();
  auto scan = [&](int t) {
    const size_t begin = rows * static_cast<size_t>(t) / static_cast<size_t>(tasks);
    const size_t end = rows * static_cast<size_t>(t + 1) / static_cast<size_t>(tasks);
    float* sc = scores[t].data();
    int32_t* scr = scratch[t].data();
    uint32_t* sel = selected[t].data();
    for (size_t b = begin; b < end; b += block) {
      const size_t len = std::min(block, end - b);
      const auto* codes = codes_.data() + b * cs;
      for (size_t j = 0; j < nq; ++j) {
        TopK& heap = heaps[t][j];
        if constexpr (std::is_same_v<Codec, Int8Codec>) {
          // Filter on the raw integer scores with a SIMD select, so the float
          // score and the heap test run only for rows that can enter: at 128
          // bytes per row a per-row float pass costs ~8 % of the scan.
          const auto& q = prepared[j];
          codec_.kernels().dot_u8s8(codes, len, dim, q.codes.data(), scr);
          const size_t m =
              codec_.kernels().select_at_least(scr, len, Int8Codec::RawCut(heap.accept(), q), sel);
          for (size_t c = 0; c < m; ++c) {
            const size_t i = sel[c];
            const float score = Int8Codec::ScoreOf(scr[i], q);
            if (score < heap.accept()) continue;
            if (dead_rows_ > 0 && IsDead(b + i)) continue;
            heap.Offer(ids_[b + i], score);
          }
        } else {
          codec_.Score(codes, len, prepared[j], sc, scr);
          float accept = heap.accept();
          for (size_t i = 0; i < len; ++i) {
            if (sc[i] < accept) continue;
            if (dead_rows_ > 0 && IsDead(b + i)) continue;
            heap.Offer(ids_[b + i], sc[i]);
            accept = heap.accept();
          }
        }
      }
    }
  };
  ThreadPool::Shared().ParallelFor(tasks, scan);

  std::vector<std::vector<Candidate>> out(nq);
  for (size_t j = 0; j < nq; ++j) {
    std::vector<std::vector<Candidate>> per_task(static_cast<size_t>(tasks));
    for (int t = 0; t < tasks; ++t) per_task[t] = heaps[t][j].Take();
    out[j] = MergeTopK(per_task, k);
  }
  return out;
}

template <typename Codec>
StatusOr<std::vector<Candidate>> FlatIndex<Codec>::Search(std::span<const float> query,
                                                          const SearchParams& p) const {
  if (query.size() != static_cast<size_t>(dim())) {
    return InvalidArgumentError("Search: query has " + std::to_string(query.size()) +
                                " values, index dimension is " + std::to_string(dim()));
  }
  CANDOR_ASSIGN_OR_RETURN(auto batch, SearchBatch(query, p));
  return std::move(batch[0]);
}

template <typename Codec>
StatusOr<std::vector<std::vector<Candidate>>> FlatIndex<Codec>::SearchBatch(
    std::span<const float> queries, const SearchParams& p) const {
  const size_t dim = static_cast<size_t>(this->dim());
  CANDOR_RETURN_IF_ERROR(CheckSearchArgs(queries, dim, p));
  const size_t nq = queries.size() / dim;
  try {
    auto lock = ReadLock();
    return ScanLocked(queries.data(), nq, p);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("Search: out of memory");
  }
}

template <typename Codec>
double FlatIndex<Codec>::BytesPerTemplate() const {
  auto lock = ReadLock();
  if (row_of_.size() == 0) return 0;
  const double map_bytes = static_cast<double>(row_of_.bytes());
  const double bytes = static_cast<double>(codes_.capacity() * sizeof(typename Codec::Code) +
                                           ids_.capacity() * 8 + dead_.capacity() * 8) +
                       map_bytes;
  return bytes / static_cast<double>(row_of_.size());
}

template <typename Codec>
std::string FlatIndex<Codec>::Describe() const {
  return "Flat," + codec_.name() + " dim=" + std::to_string(dim()) +
         " isa=" + std::string(IsaName(codec_.kernels().isa));
}

template class FlatIndex<Int8Codec>;
template class FlatIndex<Fp32Codec>;

}  // namespace candor::search
