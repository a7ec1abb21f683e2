// Copyright 2026 The Candor Authors.
//
// Background retraining of the compressed index (ivf_pq_index.h: StartRetrain,
// Retrain<x>): when the index has drifted, the thread, and the steps. The
// order of the steps is what keeps searches going and a crash harmless:
//
//   1. copy the view (shared lock)        ids, CRCs, tombstones of rows [0, r0)
//   2. train, encode, tune the copy       no lock
//   3. write records.<g+1>, train.<g+1>   no lock; the live index still uses <g>
//   4. place rows [r0, r1) added so far   shared lock for their ids, then none
//   5. exclusive section                  place rows [r1, rows), zero the new
//                                         records of rows removed since step 1,
//                                         sync, rename the manifest, swap in RAM
//
// Until the rename in 5 the manifest names generation g: a crash leaves the
// old index, and the next open deletes the half-written g+1 (ivf_files.h).
// After it, g+1 holds every committed row and no record of a removed one.

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/hash.h"
#include "search/ivf_pq_index.h"
#include "search/pq4_layout.h"
#include "search/thread_pool.h"

namespace candor::search {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

uint32_t RowCrc(const uint8_t* p, size_t n) { return Crc32c(std::span<const uint8_t>(p, n)); }

// Records written per call outside the lock (3.4 MB at m = 64).
constexpr size_t kRecordChunk = 65536;

}  // namespace

IvfPqIndex::~IvfPqIndex() {
  closing_ = true;  // checked between a retrain's steps: it stops, uncommitted
  std::thread t;
  {
    std::lock_guard<std::mutex> l(retrain_mu_);
    t = std::move(retrain_thread_);
  }
  if (t.joinable()) t.join();
}

bool IvfPqIndex::DriftedLocked() const {
  const double growth = spec_.retrain_growth.value_or(0);
  if (growth <= 0 || nlist_ < 1) return false;
  const double live = static_cast<double>(row_of_.size());
  const double at = static_cast<double>(std::max<int64_t>(recall_.measured_at, 1));
  // Grown by the factor since the last measurement, or one list holding more
  // than kImbalance times its share.
  constexpr double kImbalance = 8;
  return live >= growth * at ||
         (live >= 64.0 * nlist_ && static_cast<double>(max_list_) > kImbalance * live / nlist_);
}

Status IvfPqIndex::StartRetrain() {
  CANDOR_RETURN_IF_ERROR(Writable("Retrain"));
  auto lock = WriteLock();
  return StartRetrainLocked();
}

Status IvfPqIndex::StartRetrainLocked() {
  if (!trained_) return FailedPreconditionError("Retrain: the index is not trained yet");
  std::lock_guard<std::mutex> l(retrain_mu_);
  if (retraining_) return FailedPreconditionError("Retrain: a retraining is already running");
  if (retrain_thread_.joinable()) retrain_thread_.join();  // finished: it only sets its status
  retraining_ = true;
  retrain_thread_ = std::thread([this] {
    Status st;
    try {
      st = RetrainOnce();
    } catch (const std::bad_alloc&) {
      st = ResourceExhaustedError("Retrain: out of memory");
    }
    std::lock_guard<std::mutex> done(retrain_mu_);
    retrain_status_ = st;
    ++retrains_;
    retraining_ = false;
    retrain_cv_.notify_all();
  });
  return OkStatus();
}

Status IvfPqIndex::WaitRetrain() {
  std::unique_lock<std::mutex> l(retrain_mu_);
  retrain_cv_.wait(l, [&] { return !retraining_; });
  return retrain_status_;
}

int IvfPqIndex::retrains() const {
  std::lock_guard<std::mutex> l(retrain_mu_);
  return retrains_;
}

IvfPqIndex::RetrainStats IvfPqIndex::last_retrain() const {
  std::lock_guard<std::mutex> l(retrain_mu_);
  return retrain_stats_;
}

void IvfPqIndex::SetRetrainHook(std::function<void(RetrainPhase)> hook) {
  std::lock_guard<std::mutex> l(retrain_mu_);
  retrain_hook_ = std::move(hook);
}

Status IvfPqIndex::GatherTail(size_t from, size_t to, bool copy_rows, TailRows* t) const {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t n = to - from;
  t->row0 = from;
  t->ids.assign(ids_.begin() + static_cast<std::ptrdiff_t>(from),
                ids_.begin() + static_cast<std::ptrdiff_t>(to));
  t->crcs.assign(n, 0);
  if (!vec_crc_.empty())
    std::copy_n(vec_crc_.begin() + static_cast<std::ptrdiff_t>(from), n, t->crcs.begin());
  t->dead.resize(n);
  for (size_t i = 0; i < n; ++i) t->dead[i] = IsDead(from + i) ? 1 : 0;
  t->rows8.assign(n * dim, 128);
  if (!copy_rows) return OkStatus();
  std::vector<uint8_t> buf(dim);
  for (size_t i = 0; i < n; ++i) {
    if (t->dead[i]) continue;
    CANDOR_ASSIGN_OR_RETURN(const uint8_t* c,
                            RowCodes(static_cast<uint32_t>(from + i), buf.data()));
    std::memcpy(t->rows8.data() + i * dim, c, dim);
  }
  return OkStatus();
}

Status IvfPqIndex::ReadTail(TailRows* t) const {
  // No lock: vectors.i8 is read through the fixed mapping (ivf_files.h). A row
  // removed since GatherTail reads as zeros (Shred): dead here too.
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t n = t->ids.size();
  if (n == 0) return OkStatus();
  files_->ReadRows(t->row0, n, t->rows8.data());
  for (size_t i = 0; i < n; ++i) {
    if (t->dead[i] || RowCrc(t->rows8.data() + i * dim, dim) == t->crcs[i]) continue;
    if (!files_->RowShredded(t->row0 + i)) {
      return DataLossError("checksum mismatch (corrupt template) in " + files_->dir() +
                           "/vectors.i8 at offset " + std::to_string((t->row0 + i) * dim));
    }
    t->dead[i] = 1;
  }
  return OkStatus();
}

Status IvfPqIndex::PlaceTail(const TailRows& t, const IvfFiles* files,
                             IvfPendingGeneration* pending) {
  const size_t dim = static_cast<size_t>(this->dim());
  const size_t half = static_cast<size_t>(pq_.m()) / 2;
  const size_t n = t.ids.size();
  std::vector<uint32_t> live;
  for (size_t i = 0; i < n; ++i) {
    if (!t.dead[i]) live.push_back(static_cast<uint32_t>(i));
  }
  std::vector<uint8_t> rows8(live.size() * dim), packed(live.size() * half);
  std::vector<uint32_t> lists(live.size());
  for (size_t j = 0; j < live.size(); ++j) {
    std::memcpy(rows8.data() + j * dim, t.rows8.data() + live[j] * dim, dim);
  }
  const size_t batches = (live.size() + kPlaceBatch - 1) / kPlaceBatch;
  const int tasks =
      static_cast<int>(std::clamp<size_t>(batches, 1, std::thread::hardware_concurrency()));
  ThreadPool::Shared().ParallelFor(tasks, [&](int k) {
    for (size_t b = batches * k / tasks; b < batches * (k + 1) / tasks; ++b) {
      const size_t at = b * kPlaceBatch, len = std::min(kPlaceBatch, live.size() - at);
      PlaceBatch(rows8.data() + at * dim, len, packed.data() + at * half, lists.data() + at);
    }
  });
  for (size_t j = 0; j < live.size(); ++j) {
    Append(static_cast<uint32_t>(t.row0 + live[j]), lists[j], packed.data() + j * half);
  }
  if (pending == nullptr) return OkStatus();
  const size_t rb = RecordBytes(pq_.m());
  std::vector<uint8_t> recs(n * rb, 0);
  for (size_t j = 0; j < live.size(); ++j) {
    RowRecord rec;
    rec.id = t.ids[live[j]];
    rec.list = lists[j];
    rec.vec_crc = t.crcs[live[j]];
    rec.codes = packed.data() + j * half;
    files->PackRecord(rec, recs.data() + live[j] * rb);
  }
  return pending->WriteRecords(t.row0, recs.data(), n);
}

Status IvfPqIndex::WriteShadowRecords(size_t rows, const IvfFiles& files,
                                      IvfPendingGeneration* pending,
                                      const std::function<void()>& after_first) const {
  const size_t m = static_cast<size_t>(pq_.m()), half = m / 2, bb = Pq4BlockBytes(m);
  const size_t rb = RecordBytes(pq_.m());
  // Each list holds its rows in ascending order (TrainLocked appends them so):
  // walking the rows in order, a row's position is its list's next slot.
  std::vector<uint32_t> list_of(rows, kNoList);
  for (size_t l = 0; l < lists_.size(); ++l) {
    for (uint32_t r : lists_[l].rows) list_of[r] = static_cast<uint32_t>(l);
  }
  std::vector<size_t> next(lists_.size(), 0);
  std::vector<uint8_t> recs, code(half);
  for (size_t c0 = 0; c0 < rows; c0 += kRecordChunk) {
    const size_t len = std::min(kRecordChunk, rows - c0);
    recs.assign(len * rb, 0);
    for (size_t r = c0; r < c0 + len; ++r) {
      const uint32_t l = list_of[r];
      if (l == kNoList) continue;
      const size_t i = next[l]++;
      if (IsDead(r)) continue;  // a zero record, as Shred leaves it
      const uint8_t* c = lists_[l].codes.data() + i / kPq4Block * bb + i % kPq4Block;
      for (size_t p = 0; p < half; ++p) code[p] = c[p * kPq4Block];
      RowRecord rec;
      rec.id = ids_[r];
      rec.list = l;
      rec.vec_crc = vec_crc_[r];
      rec.codes = code.data();
      files.PackRecord(rec, recs.data() + (r - c0) * rb);
    }
    CANDOR_RETURN_IF_ERROR(pending->WriteRecords(c0, recs.data(), len));
    if (c0 == 0 && after_first) after_first();
  }
  return pending->Sync();
}

Status IvfPqIndex::RetrainOnce() {
  std::function<void(RetrainPhase)> hook;
  {
    std::lock_guard<std::mutex> l(retrain_mu_);
    hook = retrain_hook_;
  }
  RetrainStats stats;
  auto t = Clock::now();
  // 1. A private copy of the index's view (a shadow index), taken under the
  //    shared lock: searches go on; writers wait for the copy only.
  std::unique_ptr<IvfPqIndex> shadow(new IvfPqIndex(spec_, dim(), spec_text_));
  shadow->cancel_ = &closing_;
  const auto stop = [&] { return closing_ ? Status{Code::kCancelled, "Retrain: the index is closing"} : OkStatus(); };
  size_t r0 = 0;
  uint64_t gen0 = 0, next_generation = 0;
  {
    auto lock = ReadLock();
    r0 = ids_.size();
    gen0 = model_gen_;
    shadow->spec_ = spec_;
    shadow->available_override_ = available_override_;
    shadow->ids_ = ids_;
    shadow->dead_ = dead_;
    shadow->dead_rows_ = dead_rows_;
    shadow->vec_crc_ = vec_crc_;
    if (files_) {
      shadow->row_source_ = files_.get();  // the mapped vectors.i8: safe beside Append
      next_generation = files_->manifest().generation + 1;
    } else {
      shadow->mem_rows_ = mem_rows_;
    }
  }
  shadow->row_of_.Reserve(r0);
  for (size_t r = 0; r < r0; ++r) {
    if (!shadow->IsDead(r)) shadow->row_of_.Insert(static_cast<int64_t>(r));
  }
  if (hook) hook(RetrainPhase::kViewTaken);
  // 2. Train, encode and tune the shadow: no lock of this index is held.
  CANDOR_RETURN_IF_ERROR(shadow->TrainLocked());
  stats.train_seconds = Since(t);
  CANDOR_RETURN_IF_ERROR(stop());
  // 3. Its generation's files, beside the live one's.
  t = Clock::now();
  std::unique_ptr<IvfPendingGeneration> pending;
  if (files_) {
    CANDOR_ASSIGN_OR_RETURN(pending,
                            files_->BeginGeneration(next_generation, shadow->SerializeTrain()));
    CANDOR_RETURN_IF_ERROR(shadow->WriteShadowRecords(r0, *files_, pending.get(), [&] {
      if (hook) hook(RetrainPhase::kWritingRecords);
    }));
  }
  stats.write_seconds = Since(t);
  // The rows whose records were written as zeros (dead in the shadow's view):
  // any other row removed since gets its new record zeroed under the lock.
  std::vector<uint64_t> written_dead = shadow->dead_;
  const auto mark_dead = [&](const TailRows& tail) {
    written_dead.resize((tail.row0 + tail.ids.size() + 63) / 64, 0);
    for (size_t i = 0; i < tail.ids.size(); ++i) {
      const size_t r = tail.row0 + i;
      if (tail.dead[i]) written_dead[r >> 6] |= uint64_t{1} << (r & 63);
    }
  };
  // 4. The rows added while it trained and wrote: their ids under the shared
  //    lock (their rows too, for an in-memory index), placed without it.
  CANDOR_RETURN_IF_ERROR(stop());
  t = Clock::now();
  TailRows tail;
  {
    auto lock = ReadLock();
    if (model_gen_ != gen0) return AbortedError("Retrain: the index was trained again meanwhile");
    CANDOR_RETURN_IF_ERROR(GatherTail(r0, ids_.size(), /*copy_rows=*/!files_, &tail));
  }
  if (files_) CANDOR_RETURN_IF_ERROR(ReadTail(&tail));
  CANDOR_RETURN_IF_ERROR(shadow->PlaceTail(tail, files_.get(), pending.get()));
  mark_dead(tail);
  if (pending) CANDOR_RETURN_IF_ERROR(pending->Sync());
  stats.rows_caught_up = static_cast<int64_t>(tail.ids.size());
  stats.catch_up_seconds = Since(t);
  if (hook) hook(RetrainPhase::kBeforeSwap);
  // 5. The exclusive section: the last rows, the removals, the commit, the swap.
  auto lock = WriteLock();
  t = Clock::now();
  CANDOR_RETURN_IF_ERROR(stop());
  if (model_gen_ != gen0) return AbortedError("Retrain: the index was trained again meanwhile");
  const size_t r1 = tail.row0 + tail.ids.size();
  TailRows last;
  CANDOR_RETURN_IF_ERROR(GatherTail(r1, ids_.size(), /*copy_rows=*/true, &last));
  CANDOR_RETURN_IF_ERROR(shadow->PlaceTail(last, files_.get(), pending.get()));
  mark_dead(last);
  stats.rows_placed_locked = static_cast<int64_t>(last.ids.size());
  std::vector<uint64_t> removed_since;
  for (size_t w = 0; w < written_dead.size(); ++w) {
    for (uint64_t bits = dead_[w] & ~written_dead[w]; bits != 0; bits &= bits - 1) {
      removed_since.push_back(w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits)));
    }
  }
  stats.rows_zeroed_locked = static_cast<int64_t>(removed_since.size());
  if (files_) {
    CANDOR_RETURN_IF_ERROR(pending->ZeroRecords(removed_since));
    CANDOR_RETURN_IF_ERROR(files_->CommitGeneration(*pending, shadow->recall_));
    // The snapshot is of the old generation: stale (the next open writes one).
    snap_.reset();
    (void)IvfSnapshot::Delete(files_->dir());
  }
  SetCoarse(std::move(shadow->coarse_), shadow->nlist_);
  pq_ = shadow->pq_;
  lists_ = std::move(shadow->lists_);
  max_list_ = shadow->max_list_;
  ++model_gen_;
  recall_ = shadow->recall_;
  nprobe_ = spec_.nprobe > 0 ? spec_.nprobe : recall_.nprobe;
  rerank_ = spec_.rerank > 0 ? spec_.rerank : recall_.rerank;
  tune_vectors_bytes_ = shadow->tune_vectors_bytes_;
  tune_available_bytes_ = shadow->tune_available_bytes_;
  rerank_cost_ = shadow->rerank_cost_;
  stats.locked_ms = 1000 * Since(t);
  std::lock_guard<std::mutex> l(retrain_mu_);
  retrain_stats_ = stats;
  return OkStatus();
}

}  // namespace candor::search
