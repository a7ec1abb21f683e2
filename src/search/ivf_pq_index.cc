// Copyright 2026 The Candor Authors.

#include "search/ivf_pq_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>
#include <condition_variable>
#include <thread>
#include <unordered_set>

#include "common/file_util.h"
#include "common/hash.h"
#include "search/cpu_features.h"
#include "search/flat_index.h"
#include "search/kernels.h"
#include "search/ivf_tuning.h"
#include "search/kmeans.h"
#include "search/mate_probes.h"
#include "search/pq4_layout.h"
#include "search/synthetic_data.h"
#include "search/thread_pool.h"
#include "search/top_k.h"

namespace candor::search {
namespace {

// The deepest re-rank Tune considers (a fixed Rerank<r> may go to kMaxRerank).
constexpr int kTuneMaxRerank = 1024;

int HardwareThreads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

double Wilson95Lower(double hits, double n) {
  if (n <= 0) return 0;
  const double z = 1.96, p = hits / n;
  const double den = 1 + z * z / n;
  const double c = p + z * z / (2 * n);
  const double r = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
  return std::max(0.0, (c - r) / den);
}

uint32_t RowCrc(const uint8_t* p, size_t n) { return Crc32c(std::span<const uint8_t>(p, n)); }

}  // namespace

IvfPqIndex::IvfPqIndex(const IvfPqSpec& spec, int dim, std::string spec_text)
    : spec_(spec),
      spec_text_(std::move(spec_text)),
      codec_(dim, GetKernels(BestIsa()), Int8Codec::DefaultClip(dim)),
      pq_(dim, spec.m) {}

StatusOr<std::unique_ptr<IvfPqIndex>> IvfPqIndex::Create(std::string_view spec, int dim,
                                                         const IndexFiles* files) {
  if (dim < 1 || dim > 4096) {
    return InvalidArgumentError("MakeIndex: dimension " + std::to_string(dim) + " outside [1, 4096]");
  }
  CANDOR_ASSIGN_OR_RETURN(IvfPqSpec s, ParseIvfPqSpec(spec, dim));
  std::unique_ptr<IvfPqIndex> index(new IvfPqIndex(s, dim, std::string(spec)));
  if (files != nullptr) {
    IvfManifest m;
    m.dim = dim;
    m.m = s.m;
    m.spec = std::string(spec);
    CANDOR_ASSIGN_OR_RETURN(index->files_, IvfFiles::Create(*files, m));
  }
  return index;
}

StatusOr<std::unique_ptr<IvfPqIndex>> IvfPqIndex::Open(const IndexFiles& files) {
  CANDOR_ASSIGN_OR_RETURN(auto f, IvfFiles::Open(files));
  const IvfManifest& m = f->manifest();
  auto s = ParseIvfPqSpec(m.spec, m.dim);
  if (!s.ok() || s->m != m.m) {
    return DataLossError("index manifest in " + files.dir + " has an invalid spec '" + m.spec + "'");
  }
  std::unique_ptr<IvfPqIndex> index(new IvfPqIndex(*s, m.dim, m.spec));
  index->files_ = std::move(f);
  CANDOR_RETURN_IF_ERROR(index->LoadFromFiles());
  return index;
}

std::shared_lock<std::shared_mutex> IvfPqIndex::ReadLock() const {
  { std::lock_guard<std::mutex> pass(turnstile_); }
  return std::shared_lock<std::shared_mutex>(mu_);
}

std::unique_lock<std::shared_mutex> IvfPqIndex::WriteLock() {
  std::lock_guard<std::mutex> hold(turnstile_);
  return std::unique_lock<std::shared_mutex>(mu_);
}

int64_t IvfPqIndex::size() const {
  auto lock = ReadLock();
  return static_cast<int64_t>(row_of_.size());
}

bool IvfPqIndex::trained() const {
  auto lock = ReadLock();
  return trained_;
}

StatusOr<const uint8_t*> IvfPqIndex::RowCodes(uint32_t row, uint8_t* buf) const {
  const size_t dim = static_cast<size_t>(this->dim());
  if (!mem_rows_.empty()) return mem_rows_.data() + static_cast<size_t>(row) * dim;
  const IvfFiles* src = files_ ? files_.get() : row_source_;
  src->ReadRow(row, buf);
  if (RowCrc(buf, dim) != vec_crc_[row]) {
    // A reader beside a live writer (or a retrain's shadow beside its index):
    // the row was removed after this view was taken and overwritten with
    // zeros (Shred). It is gone, not corrupt.
    if ((src->read_only() || row_source_ != nullptr) && src->RowShredded(row)) {
      return static_cast<const uint8_t*>(nullptr);
    }
    return DataLossError("checksum mismatch (corrupt template) in " + src->dir() +
                         "/vectors.i8 at offset " + std::to_string(static_cast<uint64_t>(row) * dim));
  }
  return static_cast<const uint8_t*>(buf);
}

// Partition and 4-bit codes (packed nibbles, m/2 bytes) of n int8 rows. The
// partition is chosen with the VNNI int8 kernel against int8 copies of the
// centroids (the +128 offset of the centroid codes adds the same amount to
// every centroid's score, so the argmax is unaffected): 4-8x cheaper than a
// float scan of all centroids, which dominated bulk adds at 10^7.
// n <= kPlaceBatch rows at once: the centroids are visited in
// tiles that stay in L2 (2 MiB per core here) while every row of the batch is
// scored against them. One row at a time streamed all int8 centroids from L3
// for every row: 16,384 x 192 B = 3 MiB per row at 10^8 scale.
void IvfPqIndex::PlaceBatch(const uint8_t* int8_rows, size_t n, uint8_t* packed,
                            uint32_t* lists) const {
  const size_t d = static_cast<size_t>(dim());
  const size_t nl = static_cast<size_t>(nlist_);
  const size_t tile = std::max<size_t>(64, (size_t{512} << 10) / d);
  thread_local std::vector<int8_t> q;
  thread_local std::vector<int32_t> s, best;
  thread_local std::vector<float> x, r;
  thread_local std::vector<uint8_t> code;
  q.resize(n * d);
  s.resize(tile);
  best.assign(n, std::numeric_limits<int32_t>::min());
  x.resize(d);
  r.resize(d);
  code.resize(static_cast<size_t>(pq_.m()));
  for (size_t i = 0; i < n * d; ++i) {
    q[i] = static_cast<int8_t>(std::max(-127, static_cast<int>(int8_rows[i]) - 128));
  }
  for (size_t c0 = 0; c0 < nl; c0 += tile) {
    const size_t len = std::min(tile, nl - c0);
    for (size_t i = 0; i < n; ++i) {
      codec_.kernels().dot_u8s8(coarse8_.data() + c0 * d, len, d, q.data() + i * d, s.data());
      for (size_t c = 0; c < len; ++c) {
        if (s[c] > best[i]) {
          best[i] = s[c];
          lists[i] = static_cast<uint32_t>(c0 + c);
        }
      }
    }
  }
  const size_t half = static_cast<size_t>(pq_.m()) / 2;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t b = lists[i];
    for (size_t e = 0; e < d; ++e) r[e] = codec_.Decode(int8_rows[i * d + e]) - coarse_[b * d + e];
    pq_.Encode(r.data(), code.data());
    for (size_t p = 0; p < half; ++p) {
      packed[i * half + p] = static_cast<uint8_t>(code[2 * p] | code[2 * p + 1] << 4);
    }
  }
}

void IvfPqIndex::SetCoarse(std::vector<float> coarse, int nlist) {
  coarse_ = std::move(coarse);
  nlist_ = nlist;
  float mx = 0;
  for (float v : coarse_) mx = std::max(mx, std::fabs(v));
  const float inv = mx > 0 ? 127.0f / mx : 1.0f;
  coarse8_.resize(coarse_.size());
  for (size_t i = 0; i < coarse_.size(); ++i) {
    coarse8_[i] = static_cast<uint8_t>(static_cast<int>(std::lround(coarse_[i] * inv)) + 128);
  }
}

void IvfPqIndex::Append(uint32_t row, uint32_t list, const uint8_t* packed) {
  List& l = lists_[list];
  const size_t m = static_cast<size_t>(pq_.m());
  const size_t i = l.rows.size();
  if (i % kPq4Block == 0) l.codes.resize(l.codes.size() + Pq4BlockBytes(m), 0);
  // A packed record byte (code 2p | code 2p+1 << 4) is exactly the layout's
  // byte for pair p (pq4_layout.h): scatter, no unpacking.
  uint8_t* dst = l.codes.data() + (i / kPq4Block) * Pq4BlockBytes(m) + (i % kPq4Block);
  for (size_t p = 0; p < m / 2; ++p) dst[p * kPq4Block] = packed[p];
  l.rows.push_back(row);
  max_list_ = std::max(max_list_, l.rows.size());
}

Status IvfPqIndex::Add(std::span<const float> vectors, std::span<const int64_t> ids) {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t n = ids.size();
  CANDOR_RETURN_IF_ERROR(CheckAddArgs(vectors, n, dim));
  CANDOR_RETURN_IF_ERROR(Writable("Add"));
  if (n == 0) return OkStatus();
  try {
    {
      std::unordered_set<int64_t> seen;
      seen.reserve(n);
      for (int64_t id : ids) {
        if (!seen.insert(id).second) {
          return InvalidArgumentError("Add: id " + std::to_string(id) + " repeats in the batch");
        }
      }
    }
    auto lock = WriteLock();
    for (int64_t id : ids) {
      if (row_of_.Find(id) >= 0) {
        return AlreadyExistsError("Add: id " + std::to_string(id) + " is already in the index");
      }
    }
    const size_t row0 = ids_.size();
    if (row0 + n >= std::numeric_limits<uint32_t>::max()) {
      return ResourceExhaustedError("Add: index capacity of 2^32 - 1 templates exceeded");
    }
    const size_t half = static_cast<size_t>(pq_.m()) / 2;
    std::vector<uint8_t> codes8(n * dim), packed(trained_ ? n * half : 0);
    std::vector<uint32_t> lists(n, kNoList), crcs(n);
    const int tasks = std::min<int>(HardwareThreads(), static_cast<int>(n / 256) + 1);
    ThreadPool::Shared().ParallelFor(tasks, [&](int t) {
      const size_t end = n * (t + 1) / tasks;
      for (size_t b = n * t / tasks; b < end; b += kPlaceBatch) {
        const size_t len = std::min(kPlaceBatch, end - b);
        for (size_t i = b; i < b + len; ++i) {
          (void)codec_.Encode(vectors.data() + i * dim, codes8.data() + i * dim);
          crcs[i] = RowCrc(codes8.data() + i * dim, dim);
        }
        if (trained_) PlaceBatch(codes8.data() + b * dim, len, packed.data() + b * half, &lists[b]);
      }
    });
    if (files_) {
      const size_t rb = RecordBytes(pq_.m());
      std::vector<uint8_t> recs(n * rb);
      for (size_t i = 0; i < n; ++i) {
        RowRecord r;
        r.id = ids[i];
        r.list = lists[i];
        r.vec_crc = crcs[i];
        r.codes = trained_ ? packed.data() + i * half : nullptr;
        files_->PackRecord(r, recs.data() + i * rb);
      }
      CANDOR_RETURN_IF_ERROR(files_->Append(codes8.data(), recs.data(), n));
    }
    // Committed (durably, for a persistent index): publish in memory.
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    dead_.resize((ids_.size() + 63) / 64, 0);
    row_of_.Reserve(row_of_.size() + n);
    for (size_t i = 0; i < n; ++i) row_of_.Insert(static_cast<int64_t>(row0 + i));
    if (files_) vec_crc_.insert(vec_crc_.end(), crcs.begin(), crcs.end());
    if (!files_ || !trained_) mem_rows_.insert(mem_rows_.end(), codes8.begin(), codes8.end());
    if (trained_) {
      for (size_t i = 0; i < n; ++i) {
        Append(static_cast<uint32_t>(row0 + i), lists[i], packed.data() + i * half);
      }
    }
    if (!trained_ && static_cast<int64_t>(row_of_.size()) >= spec_.train_at) {
      // The rows are committed whatever training does; a failed training is
      // retried by the next Add (the index keeps scanning exactly meanwhile).
      (void)TrainLocked();
    } else if (trained_ && DriftedLocked()) {
      (void)StartRetrainLocked();  // in the background; at most one at a time
    }
    return OkStatus();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("Add: out of memory");
  }
}

Status IvfPqIndex::Remove(std::span<const int64_t> ids) {
  CANDOR_RETURN_IF_ERROR(Writable("Remove"));
  try {
    auto lock = WriteLock();
    std::unordered_set<int64_t> seen;
    std::vector<std::pair<uint64_t, int64_t>> removed;
    for (int64_t id : ids) {
      const int64_t row = row_of_.Find(id);
      if (row < 0) return NotFoundError("Remove: id " + std::to_string(id) + " is not in the index");
      if (!seen.insert(id).second) {
        return InvalidArgumentError("Remove: id " + std::to_string(id) + " repeats in the call");
      }
      removed.emplace_back(static_cast<uint64_t>(row), id);
    }
    if (files_) CANDOR_RETURN_IF_ERROR(files_->AppendTombstones(removed));
    const size_t dim = static_cast<size_t>(this->dim());
    std::vector<uint64_t> rows;
    for (const auto& [row, id] : removed) {
      dead_[row >> 6] |= uint64_t{1} << (row & 63);
      row_of_.Erase(id);
      ++dead_rows_;
      rows.push_back(row);
      if (!mem_rows_.empty()) std::fill_n(mem_rows_.begin() + static_cast<std::ptrdiff_t>(row * dim), dim, 128);
    }
    if (files_) {
      for (uint64_t row : rows) vec_crc_[row] = 0;
      Status st = files_->Shred(rows);
      if (st.ok() && snap_) {
        // The snapshot's copy of their codes too; if that fails, no snapshot.
        if (!snap_->Shred(Locate(rows)).ok()) {
          snap_.reset();
          st = IvfSnapshot::Delete(files_->dir());
        }
      }
      if (!st.ok()) {
        return UnavailableError("Remove: the templates are removed (durably), but overwriting them failed: " +
                                st.message());
      }
    }
    return OkStatus();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("Remove: out of memory");
  }
}

std::vector<Candidate> IvfPqIndex::ExactScan(const float* q, size_t k, float threshold) const {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t rows = ids_.size();
  const auto query = codec_.Prepare(q);
  const int tasks = static_cast<int>(std::clamp<size_t>(rows / 32768, 1, static_cast<size_t>(HardwareThreads())));
  std::vector<std::vector<Candidate>> parts(static_cast<size_t>(tasks));
  auto scan = [&](int t) {
    const size_t begin = rows * t / tasks, end = rows * (t + 1) / tasks;
    TopK heap(k, threshold, end - begin);
    constexpr size_t kBlock = 1024;
    std::vector<int32_t> raw(kBlock);
    std::vector<uint32_t> sel(kBlock);
    for (size_t b = begin; b < end; b += kBlock) {
      const size_t len = std::min(kBlock, end - b);
      codec_.kernels().dot_u8s8(mem_rows_.data() + b * dim, len, dim, query.codes.data(), raw.data());
      const size_t found = codec_.kernels().select_at_least(
          raw.data(), len, Int8Codec::RawCut(heap.accept(), query), sel.data());
      for (size_t c = 0; c < found; ++c) {
        const size_t i = sel[c];
        if (dead_rows_ > 0 && IsDead(b + i)) continue;
        heap.Offer(ids_[b + i], Int8Codec::ScoreOf(raw[i], query));
      }
    }
    parts[t] = heap.Take();
  };
  if (tasks == 1) {
    scan(0);
  } else {
    ThreadPool::Shared().ParallelFor(tasks, scan);
  }
  return MergeTopK(parts, k);
}

std::vector<IvfPqIndex::Scored> IvfPqIndex::Probe(const float* q, int nprobe, int depth,
                                                  int threads) const {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t m = static_cast<size_t>(pq_.m());
  nprobe = std::clamp(nprobe, 1, nlist_);
  std::vector<float> qc(static_cast<size_t>(nlist_));
  codec_.kernels().dot_f32(coarse_.data(), static_cast<size_t>(nlist_), dim, q, qc.data());
  std::vector<uint32_t> order(static_cast<size_t>(nlist_));
  std::iota(order.begin(), order.end(), 0u);
  std::partial_sort(order.begin(), order.begin() + nprobe, order.end(), [&](uint32_t a, uint32_t b) {
    return qc[a] > qc[b] || (qc[a] == qc[b] && a < b);
  });
  const Pq4Tables tables = pq_.Tables(q);
  size_t work = 0;
  for (int i = 0; i < nprobe; ++i) work += lists_[order[i]].rows.size();
  const int want = threads > 0 ? threads : HardwareThreads();
  const int tasks = work < 32768 ? 1 : std::min(want, nprobe);
  std::vector<std::vector<Candidate>> parts(static_cast<size_t>(tasks));
  const size_t buf_len = (max_list_ + kPq4Block - 1) / kPq4Block * kPq4Block;
  const float max_raw = static_cast<float>(m * 255);
  auto scan = [&](int t) {
    TopK heap(static_cast<size_t>(depth), -std::numeric_limits<float>::infinity(),
              static_cast<size_t>(depth));
    std::vector<uint16_t> raw(buf_len);
    std::vector<uint32_t> idx(buf_len);
    for (int i = t; i < nprobe; i += tasks) {
      const List& l = lists_[order[i]];
      const size_t n = l.rows.size();
      if (n == 0) continue;
      const float base = qc[order[i]] + tables.bias;
      uint16_t cut = 0;
      const float accept = heap.accept();
      if (accept > -std::numeric_limits<float>::infinity()) {
        const float x = (accept - base) / tables.delta;
        if (x > max_raw) continue;  // nothing in this list can enter
        if (x > 0) cut = static_cast<uint16_t>(std::floor(x));
      }
      const size_t found = codec_.kernels().pq4_scan(l.codes.data(), (n + kPq4Block - 1) / kPq4Block,
                                                     m, tables.luts.data(), cut, raw.data(), idx.data());
      for (size_t c = 0; c < found; ++c) {
        const size_t v = idx[c];
        if (v >= n) break;  // padding of the last block
        const uint32_t row = l.rows[v];
        if (dead_rows_ > 0 && IsDead(row)) continue;
        heap.Offer(row, base + tables.delta * static_cast<float>(raw[v]));
      }
    }
    parts[t] = heap.Take();
  };
  if (tasks == 1) {
    scan(0);
  } else {
    ThreadPool::Shared().ParallelFor(tasks, scan);
  }
  std::vector<Candidate> merged = MergeTopK(parts, static_cast<size_t>(depth));
  std::vector<Scored> out(merged.size());
  for (size_t i = 0; i < merged.size(); ++i) {
    out[i] = {static_cast<uint32_t>(merged[i].id), merged[i].score};
  }
  return out;
}

StatusOr<std::vector<Candidate>> IvfPqIndex::SearchOne(const float* q, const SearchParams& p,
                                                       int nprobe, int rerank) const {
  const size_t k = static_cast<size_t>(p.k);
  if (!trained_) return ExactScan(q, k, p.threshold);
  const size_t dim = static_cast<size_t>(this->dim());
  const std::vector<Scored> cand = Probe(q, nprobe, std::max(rerank, p.k), p.threads);
  const auto query = codec_.Prepare(q);
  TopK heap(k, p.threshold, k);
  std::vector<uint8_t> buf(dim);
  const IvfFiles* src = files_ ? files_.get() : row_source_;
  if (src != nullptr && mem_rows_.empty()) {
    // Start every re-rank read at once: on a cold page cache (just after a
    // reopen, or vectors.i8 larger than the cache) the reads then overlap
    // instead of faulting in one by one (BENCHMARKS.md, "cold page cache").
    std::vector<uint32_t> rows(cand.size());
    for (size_t i = 0; i < cand.size(); ++i) rows[i] = cand[i].row;
    src->WillNeed(rows.data(), rows.size());
  }
  for (const Scored& c : cand) {
    if (IsDead(c.row)) continue;  // checked again here, right before results leave
    CANDOR_ASSIGN_OR_RETURN(const uint8_t* codes, RowCodes(c.row, buf.data()));
    if (codes == nullptr) continue;  // removed by the writer since this reader opened
    int32_t raw = 0;
    codec_.kernels().dot_u8s8(codes, 1, dim, query.codes.data(), &raw);
    heap.Offer(ids_[c.row], Int8Codec::ScoreOf(raw, query));
  }
  std::vector<std::vector<Candidate>> parts(1);
  parts[0] = heap.Take();
  return MergeTopK(parts, k);
}

StatusOr<std::vector<Candidate>> IvfPqIndex::Search(std::span<const float> query,
                                                    const SearchParams& p) const {
  if (query.size() != static_cast<size_t>(dim())) {
    return InvalidArgumentError("Search: query has " + std::to_string(query.size()) +
                                " values, index dimension is " + std::to_string(dim()));
  }
  CANDOR_ASSIGN_OR_RETURN(auto batch, SearchBatch(query, p));
  return std::move(batch[0]);
}

StatusOr<std::vector<std::vector<Candidate>>> IvfPqIndex::SearchBatch(
    std::span<const float> queries, const SearchParams& p) const {
  const size_t dim = static_cast<size_t>(this->dim());
  CANDOR_RETURN_IF_ERROR(CheckSearchArgs(queries, dim, p));
  const size_t nq = queries.size() / dim;
  try {
    auto lock = ReadLock();
    std::vector<std::vector<Candidate>> out(nq);
    for (size_t j = 0; j < nq; ++j) {
      CANDOR_ASSIGN_OR_RETURN(out[j], SearchOne(queries.data() + j * dim, p, nprobe_, rerank_));
    }
    return out;
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("Search: out of memory");
  }
}

StatusOr<std::vector<int64_t>> IvfPqIndex::CodeCandidates(std::span<const float> query, int nprobe,
                                                          int depth) const {
  if (query.size() != static_cast<size_t>(dim()) || depth < 1 || nprobe < 1) {
    return InvalidArgumentError("CodeCandidates: bad query size, depth or nprobe");
  }
  auto lock = ReadLock();
  if (!trained_) return FailedPreconditionError("CodeCandidates: index is not trained");
  std::vector<int64_t> out;
  for (const Scored& s : Probe(query.data(), nprobe, depth, 1)) out.push_back(ids_[s.row]);
  return out;
}

Status IvfPqIndex::Train() {
  CANDOR_RETURN_IF_ERROR(Writable("Train"));
  auto lock = WriteLock();
  {
    // A retraining is writing the next generation's files: one at a time.
    std::lock_guard<std::mutex> l(retrain_mu_);
    if (retraining_) return FailedPreconditionError("Train: a retraining is running (WaitRetrain first)");
  }
  return TrainLocked();
}

Status IvfPqIndex::Tune(double target) {
  if (!(target > 0 && target <= 1)) return InvalidArgumentError("Tune: target must be in (0, 1]");
  CANDOR_RETURN_IF_ERROR(Writable("Tune"));
  auto lock = WriteLock();
  spec_.target_recall = target;
  return TuneLocked(target);
}

void IvfPqIndex::SetProbeModel(ProbeNoise noise, float fixed_cosine, std::vector<float> cosines) {
  auto lock = WriteLock();
  spec_.noise = noise;
  spec_.mate_cosine = fixed_cosine;
  std::sort(cosines.begin(), cosines.end());
  spec_.mate_cosines = std::move(cosines);
}

void IvfPqIndex::SetAvailableMemoryForTuning(uint64_t bytes) {
  auto lock = WriteLock();
  available_override_ = bytes;
}

double IvfPqIndex::TuneRerankCost() const {
  auto lock = ReadLock();
  return rerank_cost_;
}

void IvfPqIndex::SetSetting(int nprobe, int rerank) {
  auto lock = WriteLock();
  if (nprobe > 0) nprobe_ = std::min(nprobe, std::max(nlist_, 1));
  if (rerank > 0) rerank_ = std::min(rerank, kMaxRerank);
  recall_.nprobe = nprobe_;
  recall_.rerank = rerank_;
}

void IvfPqIndex::SetRetrainGrowth(double growth) {
  auto lock = WriteLock();
  spec_.retrain_growth = growth;
}

double IvfPqIndex::retrain_growth() const {
  auto lock = ReadLock();
  return spec_.retrain_growth.value_or(0);
}

std::vector<uint8_t> IvfPqIndex::SerializeTrain() const {
  const uint32_t head[3] = {static_cast<uint32_t>(nlist_), static_cast<uint32_t>(pq_.m()),
                            static_cast<uint32_t>(dim())};
  std::vector<uint8_t> b(sizeof(head) + (coarse_.size() + pq_.centroids().size()) * sizeof(float));
  std::memcpy(b.data(), head, sizeof(head));
  std::memcpy(b.data() + sizeof(head), coarse_.data(), coarse_.size() * sizeof(float));
  std::memcpy(b.data() + sizeof(head) + coarse_.size() * sizeof(float), pq_.centroids().data(),
              pq_.centroids().size() * sizeof(float));
  return b;
}

Status IvfPqIndex::DeserializeTrain(const std::vector<uint8_t>& b) {
  uint32_t head[3];
  if (b.size() < sizeof(head)) return DataLossError("index training data is truncated");
  std::memcpy(head, b.data(), sizeof(head));
  const size_t d = static_cast<size_t>(dim());
  if (head[1] != static_cast<uint32_t>(pq_.m()) || head[2] != d || head[0] < 1 || head[0] > 65536 ||
      b.size() != sizeof(head) + (head[0] * d + 16 * d) * sizeof(float)) {
    return DataLossError("index training data does not match the index (" + files_->dir() + ")");
  }
  std::vector<float> coarse(head[0] * d);
  std::memcpy(coarse.data(), b.data() + sizeof(head), coarse.size() * sizeof(float));
  SetCoarse(std::move(coarse), static_cast<int>(head[0]));
  std::vector<float> pc(16 * d);
  std::memcpy(pc.data(), b.data() + sizeof(head) + coarse_.size() * sizeof(float), pc.size() * sizeof(float));
  pq_.set_centroids(std::move(pc));
  lists_.assign(static_cast<size_t>(nlist_), List{});
  return OkStatus();
}

Status IvfPqIndex::TrainLocked() {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t rows = ids_.size();
  const size_t live = row_of_.size();
  if (live < 1000) return InvalidArgumentError("Train: needs at least 1000 templates, has " + std::to_string(live));
  std::vector<uint32_t> live_rows;
  live_rows.reserve(live);
  for (size_t r = 0; r < rows; ++r) {
    if (!IsDead(r)) live_rows.push_back(static_cast<uint32_t>(r));
  }
  const int nlist = std::clamp(spec_.nlist, 1, static_cast<int>(live / 16));
  // Decoded rows of a random sample for k-means.
  std::mt19937_64 rng(0x1f2e3d4c + live);
  std::vector<uint32_t> sample = live_rows;
  // 32 rows per list (FAISS warns below 39), so 16,384 lists at 10^8 train on
  // 524,288 rows instead of the 8 per list a fixed cap of 131,072 gave.
  const size_t want = std::min<size_t>(live, std::max<size_t>(static_cast<size_t>(nlist) * 32, 131072));
  const size_t ns = std::min<size_t>(want, size_t{1} << 20);
  for (size_t i = 0; i < ns; ++i) {
    std::uniform_int_distribution<size_t> u(i, sample.size() - 1);
    std::swap(sample[i], sample[u(rng)]);
  }
  sample.resize(ns);
  std::vector<float> x(ns * dim);
  std::vector<uint8_t> buf(dim);
  const std::vector<uint8_t> zero_row(dim, 128);  // a row removed meanwhile (retrain)
  for (size_t i = 0; i < ns; ++i) {
    CANDOR_ASSIGN_OR_RETURN(const uint8_t* c, RowCodes(sample[i], buf.data()));
    if (c == nullptr) c = zero_row.data();
    for (size_t e = 0; e < dim; ++e) x[i * dim + e] = codec_.Decode(c[e]);
  }
  KMeansOptions ko;
  ko.spherical = true;
  ko.iterations = 8;
  ko.seed = 7;
  std::vector<float> coarse = KMeans(x.data(), ns, static_cast<int>(dim), nlist, ko, codec_.kernels());
  if (cancel_ != nullptr && *cancel_) return Status{Code::kCancelled, "Retrain: the index is closing"};
  // Product quantiser on the residuals of (up to) 32768 sample rows.
  const size_t nr = std::min<size_t>(ns, 32768);
  std::vector<uint32_t> assign(nr);
  AssignByInnerProduct(x.data(), nr, static_cast<int>(dim), coarse.data(), nlist, codec_.kernels(),
                       assign.data());
  for (size_t i = 0; i < nr; ++i) {
    for (size_t e = 0; e < dim; ++e) x[i * dim + e] -= coarse[assign[i] * dim + e];
  }
  Pq4 pq(static_cast<int>(dim), pq_.m());
  pq.Train(x.data(), nr, 11, codec_.kernels());
  x.clear();
  x.shrink_to_fit();

  // Encode every live row (all cores), then build the lists.
  const auto saved_coarse = std::move(coarse_);
  const Pq4 saved_pq = pq_;
  const int saved_nlist = nlist_;
  SetCoarse(std::move(coarse), nlist);
  pq_ = pq;
  const size_t half = static_cast<size_t>(pq_.m()) / 2;
  std::vector<uint32_t> list_of(rows, kNoList);
  std::vector<uint8_t> packed(rows * half, 0);
  std::vector<Status> errors(static_cast<size_t>(HardwareThreads()));
  const int tasks = HardwareThreads();
  ThreadPool::Shared().ParallelFor(tasks, [&](int t) {
    std::vector<uint8_t> b(dim), rows8(kPlaceBatch * dim), codes(kPlaceBatch * half);
    std::vector<uint32_t> lists(kPlaceBatch);
    const size_t end = live * (t + 1) / tasks;
    for (size_t i0 = live * t / tasks; i0 < end; i0 += kPlaceBatch) {
      const size_t len = std::min(kPlaceBatch, end - i0);
      if (cancel_ != nullptr && *cancel_) {
        errors[t] = Status{Code::kCancelled, "Retrain: the index is closing"};
        return;
      }
      for (size_t i = i0; i < i0 + len; ++i) {
        auto c = RowCodes(live_rows[i], b.data());
        if (!c.ok()) {
          errors[t] = c.status();
          return;
        }
        std::memcpy(rows8.data() + (i - i0) * dim, *c != nullptr ? *c : zero_row.data(), dim);
      }
      PlaceBatch(rows8.data(), len, codes.data(), lists.data());
      for (size_t i = i0; i < i0 + len; ++i) {
        const uint32_t r = live_rows[i];
        list_of[r] = lists[i - i0];
        std::memcpy(packed.data() + static_cast<size_t>(r) * half, codes.data() + (i - i0) * half, half);
      }
    }
  });
  for (const Status& e : errors) {
    if (!e.ok()) {
      SetCoarse(saved_coarse, saved_nlist);
      pq_ = saved_pq;
      return e;
    }
  }
  if (files_) {
    const size_t rb = RecordBytes(pq_.m());
    std::vector<uint8_t> recs(rows * rb, 0);
    for (size_t r = 0; r < rows; ++r) {
      if (IsDead(r)) continue;  // stays zero, as Shred left it
      RowRecord rec;
      rec.id = ids_[r];
      rec.list = list_of[r];
      rec.vec_crc = vec_crc_[r];
      rec.codes = packed.data() + r * half;
      files_->PackRecord(rec, recs.data() + r * rb);
    }
    Status st = files_->Rewrite(SerializeTrain(), recs);
    if (!st.ok()) {
      SetCoarse(saved_coarse, saved_nlist);
      pq_ = saved_pq;
      return st;
    }
    // The snapshot of the old generation is stale: removed, so it keeps no
    // copy of codes (the next open writes a fresh one).
    snap_.reset();
    (void)IvfSnapshot::Delete(files_->dir());
  }
  lists_.assign(static_cast<size_t>(nlist_), List{});
  max_list_ = 0;
  for (uint32_t r : live_rows) Append(r, list_of[r], packed.data() + static_cast<size_t>(r) * half);
  trained_ = true;
  ++model_gen_;
  if (files_) {
    mem_rows_.clear();
    mem_rows_.shrink_to_fit();
  }
  if (cancel_ != nullptr && *cancel_) return Status{Code::kCancelled, "Retrain: the index is closing"};
  return TuneLocked(spec_.target_recall);
}

Status IvfPqIndex::TuneLocked(double target) {
  recall_ = RecallReport{};
  recall_.target = target;
  if (!trained_) {
    recall_.exact = true;
    return OkStatus();
  }
  recall_.exact = false;
  recall_.nlist = nlist_;
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t rows = ids_.size();
  const size_t live = row_of_.size();
  const size_t h = std::min<size_t>(static_cast<size_t>(spec_.tune_probes), live);
  if (h == 0) {
    nprobe_ = nlist_;
    rerank_ = kMaxRerank;
    return OkStatus();
  }
  // Held-back probes: stored templates turned into probes of real mated-pair
  // strength (mate_probes.h): a cosine drawn from the genuine-pair
  // distribution, in a direction shaped like the gallery's own spread.
  std::mt19937_64 rng(0x5eed + live);
  std::uniform_int_distribution<size_t> any_row(0, rows - 1);
  auto random_live = [&]() {
    for (;;) {
      const uint32_t r = static_cast<uint32_t>(any_row(rng));
      if (!IsDead(r)) return r;
    }
  };
  std::vector<uint32_t> mates;
  {
    std::unordered_set<uint32_t> used;
    while (mates.size() < h) {
      const uint32_t r = random_live();
      if (used.insert(r).second) mates.push_back(r);
    }
  }
  std::vector<float> probes(h * dim);
  std::vector<uint8_t> buf(dim);
  // False if the row is gone: removed since a retrain's shadow took its view
  // (it is then dead here too and another row is drawn).
  auto decoded = [&](uint32_t row, std::vector<float>* out) -> StatusOr<bool> {
    CANDOR_ASSIGN_OR_RETURN(const uint8_t* c, RowCodes(row, buf.data()));
    if (c == nullptr) {
      if (row_source_ == nullptr) return UnavailableError("Tune: a held-back template was removed meanwhile");
      dead_[row >> 6] |= uint64_t{1} << (row & 63);
      return false;
    }
    out->resize(dim);
    for (size_t e = 0; e < dim; ++e) (*out)[e] = codec_.Decode(c[e]);
    NormaliseRows(*out, static_cast<int>(dim));
    return true;
  };
  const std::span<const float> cosines =
      spec_.mate_cosines.empty() ? DefaultMateCosines() : std::span<const float>(spec_.mate_cosines);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  double cos_sum = 0;
  std::vector<float> mate, a, b, dir(dim);
  constexpr int kShapeTerms = 4;  // differences summed per direction
  for (size_t j = 0; j < h; ++j) {
    for (;;) {
      CANDOR_ASSIGN_OR_RETURN(const bool there, decoded(mates[j], &mate));
      if (there) break;
      mates[j] = random_live();
    }
    if (spec_.noise == ProbeNoise::kGalleryShaped) {
      std::fill(dir.begin(), dir.end(), 0.0f);
      for (int t = 0; t < kShapeTerms; ++t) {
        for (std::vector<float>* v : {&a, &b}) {
          for (;;) {
            CANDOR_ASSIGN_OR_RETURN(const bool there, decoded(random_live(), v));
            if (there) break;
          }
        }
        for (size_t e = 0; e < dim; ++e) dir[e] += a[e] - b[e];
      }
    } else {
      for (size_t e = 0; e < dim; ++e) dir[e] = g(rng);
    }
    const float c = spec_.mate_cosine > 0 ? spec_.mate_cosine : MateCosineAt(cosines, u01(rng));
    cos_sum += MakeMateProbe(mate.data(), dir.data(), c, static_cast<int>(dim), probes.data() + j * dim);
  }
  // Exact rank-1 of each probe: every live row scored with the int8 codes
  // (the scores the re-rank gives), ties by smaller id.
  std::vector<Int8Codec::Query> prepared;
  for (size_t j = 0; j < h; ++j) prepared.push_back(codec_.Prepare(probes.data() + j * dim));
  const int tasks = HardwareThreads();
  std::vector<uint32_t> truth(h);
  for (int pass = 0;; ++pass) {
    std::vector<std::vector<std::pair<int32_t, uint32_t>>> best(
        static_cast<size_t>(tasks),
        std::vector<std::pair<int32_t, uint32_t>>(h, {std::numeric_limits<int32_t>::min(), 0}));
    ThreadPool::Shared().ParallelFor(tasks, [&](int t) {
      constexpr size_t kChunk = 4096;
      std::vector<uint8_t> chunk(kChunk * dim);
      std::vector<int32_t> raw(kChunk);
      std::vector<uint8_t> gone(kChunk, 0);
      const size_t begin = rows * t / tasks, end = rows * (t + 1) / tasks;
      for (size_t b = begin; b < end; b += kChunk) {
        const size_t len = std::min(kChunk, end - b);
        const uint8_t* codes;
        if (!mem_rows_.empty()) {
          codes = mem_rows_.data() + b * dim;
        } else {
          (files_ ? files_.get() : row_source_)->ReadRows(b, len, chunk.data());
          codes = chunk.data();
        }
        // A retrain's shadow: rows removed since its view was taken read as
        // the keystream over zeros (Shred), a huge-norm row that would win
        // every probe's exact scan; skipped (a live row's first bytes are
        // almost never all zero, so the check costs ~nothing).
        for (size_t i = 0; row_source_ != nullptr && i < len; ++i) {
          gone[i] = !IsDead(b + i) && row_source_->RowShredded(b + i);
        }
        for (size_t j = 0; j < h; ++j) {
          codec_.kernels().dot_u8s8(codes, len, dim, prepared[j].codes.data(), raw.data());
          auto& bj = best[t][j];
          for (size_t i = 0; i < len; ++i) {
            if (raw[i] < bj.first) continue;
            const uint32_t r = static_cast<uint32_t>(b + i);
            if (IsDead(r) || gone[i]) continue;
            if (raw[i] > bj.first || ids_[r] < ids_[bj.second]) bj = {raw[i], r};
          }
        }
      }
    });
    for (size_t j = 0; j < h; ++j) {
      auto b = best[0][j];
      for (int t = 1; t < tasks; ++t) {
        const auto& o = best[t][j];
        if (o.first > b.first || (o.first == b.first && ids_[o.second] < ids_[b.second])) b = o;
      }
      truth[j] = b.second;
    }
    // A retrain's shadow reads the live files: a row removed meanwhile reads as
    // garbage. If one won, it is dead here too and the scan is repeated.
    bool again = false;
    for (size_t j = 0; row_source_ != nullptr && j < h; ++j) {
      if (row_source_->RowShredded(truth[j])) {
        dead_[truth[j] >> 6] |= uint64_t{1} << (truth[j] & 63);
        again = true;
      }
    }
    if (!again || pass >= 8) break;
  }
  // Position of the exact rank-1 among the code candidates, per nprobe.
  const int rmax = spec_.rerank > 0 ? spec_.rerank : static_cast<int>(std::min<size_t>(kTuneMaxRerank, live));
  std::vector<int> ladder_p, ladder_r;
  if (spec_.nprobe > 0) {
    ladder_p = {spec_.nprobe};
  } else {
    // Steps of 2x and 1.5x (1, 2, 3, 4, 6, 8, 12, ...): a plain doubling
    // ladder could spend up to twice the scan the target needs.
    for (int p = 1; p < nlist_; p *= 2) {
      ladder_p.push_back(p);
      if (p >= 2 && p + p / 2 < nlist_) ladder_p.push_back(p + p / 2);
    }
    ladder_p.push_back(nlist_);
  }
  if (spec_.rerank > 0) {
    ladder_r = {spec_.rerank};
  } else {
    for (int r = 8; r < rmax; r *= 2) ladder_r.push_back(r);
    ladder_r.push_back(rmax);
  }
  const double per_list = static_cast<double>(live) / nlist_;
  // A re-rank reads the template from RAM, the page cache, or (vectors.i8
  // larger than the memory available for it) partly from the SSD: priced so
  // (ivf_tuning.h).
  // (A retrain's shadow reads its index's files: priced as they are.)
  const bool on_disk = files_ != nullptr || row_source_ != nullptr;
  tune_vectors_bytes_ = on_disk ? static_cast<uint64_t>(rows) * dim : 0;
  tune_available_bytes_ = !on_disk                 ? 0
                          : available_override_ > 0 ? available_override_
                                                    : AvailableMemoryBytes();
  rerank_cost_ = on_disk ? RerankCost(tune_vectors_bytes_, tune_available_bytes_) : kRerankCachedCost;
  const TunePick pick = PickSetting(ladder_p, ladder_r, per_list, rerank_cost_, target, h, [&](int np) {
    std::vector<int> pos(h, std::numeric_limits<int>::max());
    ThreadPool::Shared().ParallelFor(tasks, [&](int t) {
      for (size_t j = h * t / tasks; j < h * (t + 1) / tasks; ++j) {
        const auto cand = Probe(probes.data() + j * dim, np, rmax, 1);
        for (size_t i = 0; i < cand.size(); ++i) {
          if (cand[i].row == truth[j]) {
            pos[j] = static_cast<int>(i);
            break;
          }
        }
      }
    });
    return pos;
  });
  const int best_p = pick.nprobe, best_r = pick.rerank;
  const size_t best_hits = pick.hits;
  nprobe_ = best_p;
  rerank_ = best_r;
  recall_.nprobe = best_p;
  recall_.rerank = best_r;
  recall_.probes = static_cast<int>(h);
  recall_.measured = h > 0 ? static_cast<double>(best_hits) / static_cast<double>(h) : 1.0;
  recall_.lower95 = Wilson95Lower(static_cast<double>(best_hits), static_cast<double>(h));
  recall_.mate_cosine = h > 0 ? static_cast<float>(cos_sum / static_cast<double>(h)) : 0.0f;
  recall_.measured_at = static_cast<int64_t>(live);
  if (files_ && !files_->read_only()) CANDOR_RETURN_IF_ERROR(files_->SaveRecall(recall_));
  return OkStatus();
}

Status IvfPqIndex::LoadFromFiles() {
  const IvfManifest& man = files_->manifest();
  CANDOR_ASSIGN_OR_RETURN(auto tombs, files_->ReadTombstones());
  if (man.trained) {
    CANDOR_ASSIGN_OR_RETURN(auto train, files_->ReadTrain());
    CANDOR_RETURN_IF_ERROR(DeserializeTrain(train));
    trained_ = true;
  }
  if (!files_->read_only()) {
    // A snapshot write that crashed left its temporary file (encrypted codes): remove it.
    std::error_code ec;
    if (std::filesystem::remove(files_->dir() + "/snapshot.tmp", ec)) (void)SyncDir(files_->dir());
  }
  bool from_snapshot = false, rewrite = false;
  if (trained_) {
    // The snapshot when it is there and valid; otherwise the records (which
    // are the truth: a stale or damaged snapshot never loses a row).
    const Status st = LoadSnapshot(tombs, &rewrite);
    from_snapshot = st.ok();
    if (!from_snapshot) {
      open_info_ = OpenInfo{};
      open_info_.note = st.message();
      snap_.reset();
    }
  }
  if (!from_snapshot) CANDOR_RETURN_IF_ERROR(LoadRecords(tombs));
  if (trained_ && !files_->read_only() && (!from_snapshot || rewrite)) {
    CompactLists();
    const Status st = WriteSnapshot();
    if (!st.ok()) {
      // The open succeeds without it; no stale copy is left behind (it would
      // hold codes of rows removed from now on).
      open_info_.note += "; snapshot not written: " + st.message();
      snap_.reset();
      (void)IvfSnapshot::Delete(files_->dir());
    }
  }
  recall_ = man.recall;
  recall_.exact = !trained_;
  nprobe_ = spec_.nprobe > 0 ? spec_.nprobe : recall_.nprobe;
  rerank_ = spec_.rerank > 0 ? spec_.rerank : recall_.rerank;
  if (trained_ && (nprobe_ < 1 || rerank_ < 1)) {
    // Trained but the setting was never saved (a crash between training and tuning).
    return TuneLocked(spec_.target_recall);
  }
  return OkStatus();
}


Status IvfPqIndex::LoadRecords(const Tombstones& tombs) {
  const IvfManifest& man = files_->manifest();
  const size_t rows = static_cast<size_t>(man.rows);
  const size_t dim = static_cast<size_t>(this->dim());
  ids_.assign(rows, 0);
  dead_.assign((rows + 63) / 64, 0);
  vec_crc_.assign(rows, 0);
  dead_rows_ = 0;
  max_list_ = 0;
  row_of_.Clear();
  for (const auto& [row, id] : tombs) {
    if (!IsDead(row)) ++dead_rows_;
    dead_[row >> 6] |= uint64_t{1} << (row & 63);
    ids_[row] = id;
  }
  // Two parallel passes over the records (reopen reads no template): the
  // first takes ids, checksums and partitions and counts each task's rows per
  // partition; the lists are then allocated at their final size, and the
  // second pass writes every row's codes straight into its slot (rows of a
  // list stay in row order, as Append leaves them).
  const int tasks = static_cast<int>(std::clamp<size_t>(rows / 65536, 1, static_cast<size_t>(HardwareThreads())));
  const size_t nl = trained_ ? static_cast<size_t>(nlist_) : 0;
  std::vector<uint32_t> list_of(trained_ ? rows : 0, kNoList);
  std::vector<std::vector<uint32_t>> count(static_cast<size_t>(tasks), std::vector<uint32_t>(nl, 0));
  std::vector<Status> bad(static_cast<size_t>(tasks));
  const auto dead = [&](uint64_t row) { return IsDead(static_cast<size_t>(row)); };
  CANDOR_RETURN_IF_ERROR(files_->ForEachRecord(
      tasks,
      [&](int t, uint64_t row, const RowRecord& r) {
        ids_[row] = r.id;
        vec_crc_[row] = r.vec_crc;
        if (!trained_) return;
        if (r.list >= static_cast<uint32_t>(nlist_)) {
          if (bad[t].ok()) bad[t] = DataLossError("index record of row " + std::to_string(row) + " names partition " +
                                                  std::to_string(r.list) + " of " + std::to_string(nlist_));
          return;
        }
        list_of[row] = r.list;
        ++count[t][r.list];
      },
      dead));
  for (const Status& b : bad) CANDOR_RETURN_IF_ERROR(b);
  if (trained_) {
    const size_t m = static_cast<size_t>(pq_.m());
    lists_.assign(nl, List{});
    max_list_ = 0;
    std::vector<std::vector<uint32_t>> next(static_cast<size_t>(tasks), std::vector<uint32_t>(nl, 0));
    std::vector<CodeBuffer*> code_bufs(nl);
    std::vector<size_t> code_bytes(nl);
    for (size_t l = 0; l < nl; ++l) {
      uint32_t total = 0;
      for (int t = 0; t < tasks; ++t) {
        next[t][l] = total;
        total += count[t][l];
      }
      lists_[l].rows.resize(total);
      code_bufs[l] = &lists_[l].codes;
      code_bytes[l] = (total + kPq4Block - 1) / kPq4Block * Pq4BlockBytes(m);
      max_list_ = std::max<size_t>(max_list_, total);
    }
    AllocateListCodes(code_bufs, code_bytes);  // zeroed, from one mapping (code_buffer.h)
    count.clear();
    CANDOR_RETURN_IF_ERROR(files_->ForEachRecord(
        tasks,
        [&](int t, uint64_t row, const RowRecord& r) {
          List& l = lists_[list_of[row]];
          const size_t i = next[t][list_of[row]]++;
          l.rows[i] = static_cast<uint32_t>(row);
          uint8_t* dst = l.codes.data() + (i / kPq4Block) * Pq4BlockBytes(m) + (i % kPq4Block);
          for (size_t p = 0; p < m / 2; ++p) dst[p * kPq4Block] = r.codes[p];
        },
        dead));
  }
  row_of_.Reserve(rows - static_cast<size_t>(dead_rows_));
  for (size_t r = 0; r < rows; ++r) {
    if (IsDead(r)) continue;
    if (row_of_.Find(ids_[r]) >= 0) {
      return DataLossError("index " + files_->dir() + " holds id " + std::to_string(ids_[r]) + " twice");
    }
    row_of_.Insert(static_cast<int64_t>(r));
  }
  if (!trained_) {
    mem_rows_.resize(rows * dim);
    if (rows > 0) files_->ReadRows(0, rows, mem_rows_.data());
    for (size_t r = 0; r < rows; ++r) {
      if (IsDead(r)) continue;
      if (RowCrc(mem_rows_.data() + r * dim, dim) != vec_crc_[r]) {
        return DataLossError("checksum mismatch (corrupt template) in " + files_->dir() +
                             "/vectors.i8 at offset " + std::to_string(r * dim));
      }
    }
  }
  return OkStatus();
}

// Rows removed after the snapshot was written whose copy in it Remove
// normally overwrote; up to this many are checked (and overwritten if a crash
// came first) at open, beyond it the snapshot is rewritten.
constexpr size_t kShredAtOpen = 4096;

Status IvfPqIndex::LoadSnapshot(const Tombstones& tombs, bool* rewrite) {
  const IvfManifest& man = files_->manifest();
  CANDOR_ASSIGN_OR_RETURN(snap_, IvfSnapshot::Load(*files_, nlist_, State()));
  const size_t srows = static_cast<size_t>(snap_->rows());
  const size_t rows = static_cast<size_t>(man.rows);
  dead_rows_ = static_cast<int64_t>(srows - row_of_.size());
  ids_.resize(rows, 0);
  vec_crc_.resize(rows, 0);
  dead_.resize((rows + 63) / 64, 0);
  // Removals logged after the snapshot was written.
  std::vector<uint64_t> fresh;
  for (const auto& [row, id] : tombs) {
    if (IsDead(row)) continue;
    if (row < srows) {
      if (ids_[row] != id || !row_of_.Erase(id)) {
        return DataLossError("index snapshot of " + files_->dir() + " disagrees with the tombstone of row " +
                             std::to_string(row));
      }
      vec_crc_[row] = 0;
      fresh.push_back(row);
    } else {
      ids_[row] = id;
    }
    dead_[row >> 6] |= uint64_t{1} << (row & 63);
    ++dead_rows_;
  }
  // Rows added after it: their records, appended to the lists in row order.
  max_list_ = 0;
  for (const List& l : lists_) max_list_ = std::max(max_list_, l.rows.size());
  Status bad;
  CANDOR_RETURN_IF_ERROR(files_->ForEachRecordFrom(
      srows, 1,
      [&](int, uint64_t row, const RowRecord& r) {
        if (!bad.ok()) return;
        if (r.list >= static_cast<uint32_t>(nlist_)) {
          bad = DataLossError("index record of row " + std::to_string(row) + " names partition " +
                              std::to_string(r.list) + " of " + std::to_string(nlist_));
          return;
        }
        ids_[row] = r.id;
        vec_crc_[row] = r.vec_crc;
        Append(static_cast<uint32_t>(row), r.list, r.codes);
      },
      [&](uint64_t row) { return IsDead(static_cast<size_t>(row)); }));
  CANDOR_RETURN_IF_ERROR(bad);
  row_of_.Reserve(rows - static_cast<size_t>(dead_rows_));
  for (size_t r = srows; r < rows; ++r) {
    if (IsDead(r)) continue;
    if (row_of_.Find(ids_[r]) >= 0) {
      return DataLossError("index " + files_->dir() + " holds id " + std::to_string(ids_[r]) + " twice");
    }
    row_of_.Insert(static_cast<int64_t>(r));
  }
  open_info_ = OpenInfo{};
  open_info_.from_snapshot = true;
  open_info_.tail_rows = static_cast<int64_t>(rows - srows);
  open_info_.removals_replayed = static_cast<int64_t>(fresh.size());
  *rewrite = (rows - srows) * 20 > rows || fresh.size() > kShredAtOpen;
  if (!files_->read_only() && !*rewrite && !fresh.empty()) {
    // Remove overwrote these rows' codes in the snapshot unless a crash came
    // first: finish it (rows whose codes are still there).
    const size_t half = static_cast<size_t>(pq_.m()) / 2;
    const size_t bb = Pq4BlockBytes(static_cast<size_t>(pq_.m()));
    std::vector<IvfSnapshot::Where> left;
    for (const auto& w : Locate(fresh)) {
      const uint8_t* c = lists_[w.list].codes.data() + w.pos / kPq4Block * bb + w.pos % kPq4Block;
      bool zero = true;
      for (size_t p = 0; p < half; ++p) zero &= c[p * kPq4Block] == 0;
      if (!zero) left.push_back(w);
    }
    if (!snap_->Shred(left).ok()) *rewrite = true;
  }
  return OkStatus();
}

void IvfPqIndex::CompactLists() {
  if (dead_rows_ == 0) return;
  const size_t m = static_cast<size_t>(pq_.m()), half = m / 2, bb = Pq4BlockBytes(m);
  max_list_ = 0;
  for (List& l : lists_) {
    size_t j = 0;
    for (size_t i = 0; i < l.rows.size(); ++i) {
      if (IsDead(l.rows[i])) continue;
      if (j != i) {
        const uint8_t* src = l.codes.data() + i / kPq4Block * bb + i % kPq4Block;
        uint8_t* dst = l.codes.data() + j / kPq4Block * bb + j % kPq4Block;
        for (size_t p = 0; p < half; ++p) dst[p * kPq4Block] = src[p * kPq4Block];
        l.rows[j] = l.rows[i];
      }
      ++j;
    }
    max_list_ = std::max(max_list_, j);
    if (j == l.rows.size()) continue;
    l.rows.resize(j);
    l.codes.resize((j + kPq4Block - 1) / kPq4Block * bb);
    if (j % kPq4Block != 0) {
      // The slots past the last live vector held removed or moved codes.
      uint8_t* blk = l.codes.data() + j / kPq4Block * bb;
      for (size_t p = 0; p < half; ++p) {
        std::fill(blk + p * kPq4Block + j % kPq4Block, blk + (p + 1) * kPq4Block, uint8_t{0});
      }
    }
  }
}

Status IvfPqIndex::WriteSnapshot() {
  CANDOR_ASSIGN_OR_RETURN(snap_, IvfSnapshot::Write(*files_, nlist_, State()));
  open_info_.snapshot_written = true;
  return OkStatus();
}

std::vector<IvfSnapshot::Where> IvfPqIndex::Locate(const std::vector<uint64_t>& rows) const {
  std::vector<IvfSnapshot::Where> out;
  if (!snap_) return out;
  for (uint64_t row : rows) {
    if (row >= snap_->rows()) continue;
    for (size_t l = 0; l < lists_.size(); ++l) {
      const auto& r = lists_[l].rows;
      const auto end = r.begin() + static_cast<std::ptrdiff_t>(std::min<uint64_t>(r.size(), snap_->list_size(l)));
      const auto it = std::lower_bound(r.begin(), end, static_cast<uint32_t>(row));
      if (it != end && *it == row) {
        out.push_back({row, static_cast<uint32_t>(l), static_cast<uint64_t>(it - r.begin())});
        break;
      }
    }
  }
  return out;
}

Status IvfPqIndex::Writable(std::string_view what) const {
  if (files_ && files_->read_only()) {
    return FailedPreconditionError(std::string(what) + ": index " + files_->dir() + " is open read-only");
  }
  return OkStatus();
}

std::vector<int64_t> IvfPqIndex::LiveIds() const {
  auto lock = ReadLock();
  std::vector<int64_t> out;
  out.reserve(row_of_.size());
  for (size_t r = 0; r < ids_.size(); ++r) {
    if (!IsDead(r)) out.push_back(ids_[r]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

RecallReport IvfPqIndex::Recall() const {
  auto lock = ReadLock();
  RecallReport r = recall_;
  r.exact = !trained_;
  return r;
}

double IvfPqIndex::BytesPerTemplate() const {
  auto lock = ReadLock();
  if (row_of_.size() == 0) return 0;
  double bytes = static_cast<double>(ids_.capacity() * 8 + dead_.capacity() * 8 + row_of_.bytes() +
                                     vec_crc_.capacity() * 4 + mem_rows_.capacity());
  for (const List& l : lists_) bytes += static_cast<double>(l.codes.capacity() + l.rows.capacity() * 4);
  return bytes / static_cast<double>(row_of_.size());
}

std::string IvfPqIndex::Describe() const {
  auto lock = ReadLock();
  std::string s = spec_text_ + " dim=" + std::to_string(dim()) +
                  " isa=" + std::string(IsaName(codec_.kernels().isa));
  if (files_) s += files_->encrypted() ? " files=encrypted" : " files=plaintext";
  if (!trained_) {
    return s + " untrained: exact int8 scan until " + std::to_string(spec_.train_at) + " templates";
  }
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                " nlist=%d nprobe=%d rerank=%d recall@1=%.2f%% (target %.2f%%%s; 95%% lower bound "
                "%.2f%%; %d held-back probes, mate cosine %.2f, at %lld templates)",
                nlist_, nprobe_, rerank_, 100 * recall_.measured, 100 * recall_.target,
                recall_.measured >= recall_.target ? " met" : " NOT met", 100 * recall_.lower95,
                recall_.probes, recall_.mate_cosine, static_cast<long long>(recall_.measured_at));
  s += buf;
  if (const double growth = spec_.retrain_growth.value_or(0); growth > 0) {
    std::snprintf(buf, sizeof(buf), "; retrains in the background at %gx the templates measured", growth);
    s += buf;
  }
  if (files_ && tune_vectors_bytes_ > 0) {
    std::snprintf(buf, sizeof(buf),
                  "; re-rank priced as %s (vectors.i8 %.2f GB, %.2f GB available when tuned)",
                  tune_vectors_bytes_ <= tune_available_bytes_ ? "page-cache reads" : "partly SSD reads",
                  static_cast<double>(tune_vectors_bytes_) / 1e9,
                  static_cast<double>(tune_available_bytes_) / 1e9);
    s += buf;
  }
  return s;
}

}  // namespace candor::search
