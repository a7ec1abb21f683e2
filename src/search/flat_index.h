// Copyright 2026 The Candor Authors.
//
// FlatIndex<Codec>: the exact-scan Index. Codes of all templates live in one
// contiguous array (code_size() codes per row, no per-template heap object),
// ids in a parallel array, removals are tombstones (one bit per row) reclaimed
// by compaction once a quarter of the rows are dead, and an id -> row map
// serves Remove and the duplicate check of Add.
//
// A search splits the rows into contiguous ranges, one per thread of the shared
// ThreadPool; each thread scores blocks of rows with the codec's SIMD kernel,
// keeps its own top-k per query and the results are merged (ties by id).
//
// Thread safety: as candor::Index (shared lock for searches, exclusive for
// Add/Remove/Compact).

#ifndef CANDOR_SEARCH_FLAT_INDEX_H_
#define CANDOR_SEARCH_FLAT_INDEX_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "candor/index.h"
#include "search/fp32_codec.h"
#include "search/huge_page_allocator.h"
#include "search/id_map.h"
#include "search/int8_codec.h"

namespace candor::search {

struct FlatIndexOptions {
  // A scan is split across threads only in ranges of at least this many rows
  // (smaller galleries are scanned on one thread: waking helpers costs more).
  size_t min_rows_per_task = 32768;
  // Rows scored per kernel call (per query); a block of codes should fit in L2.
  size_t block_rows = 1024;
};

template <typename Codec>
class FlatIndex final : public Index {
 public:
  FlatIndex(Codec codec, FlatIndexOptions options = {});

  int dim() const override { return codec_.dim(); }
  int64_t size() const override;
  Status Add(std::span<const float> vectors, std::span<const int64_t> ids) override;
  Status Remove(std::span<const int64_t> ids) override;
  StatusOr<std::vector<Candidate>> Search(std::span<const float> query,
                                          const SearchParams& p) const override;
  StatusOr<std::vector<std::vector<Candidate>>> SearchBatch(std::span<const float> queries,
                                                            const SearchParams& p) const override;
  double BytesPerTemplate() const override;
  std::string Describe() const override;

  // Rewrites the storage without tombstoned rows (also done automatically).
  void Compact();
  // Rows held including tombstones (for tests of compaction).
  int64_t stored_rows() const;
  // Components clipped by the codec since construction (0 for sane input).
  int64_t clipped_components() const;
  const Codec& codec() const { return codec_; }

 private:
  std::shared_lock<std::shared_mutex> ReadLock() const;
  std::unique_lock<std::shared_mutex> WriteLock();
  bool IsDead(size_t row) const { return (dead_[row >> 6] >> (row & 63)) & 1; }
  void CompactLocked();
  std::vector<std::vector<Candidate>> ScanLocked(const float* queries, size_t nq,
                                                 const SearchParams& p) const;

  const Codec codec_;
  const FlatIndexOptions options_;
  // Readers take mu_ shared; writers exclusive. glibc's rwlock prefers readers,
  // so under a steady stream of searches a writer could wait forever: writers
  // hold turnstile_ while they wait, and readers pass through it first.
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mu_;
  // rows * code_size(), on huge pages when large (scan speed, see the allocator).
  std::vector<typename Codec::Code, HugePageAllocator<typename Codec::Code>> codes_;
  std::vector<int64_t> ids_;                 // rows
  std::vector<uint64_t> dead_;               // tombstone bits, ceil(rows / 64)
  IdMap row_of_{&ids_};                      // live id -> row
  int64_t dead_rows_ = 0;
  int64_t clipped_ = 0;
};

extern template class FlatIndex<Int8Codec>;
extern template class FlatIndex<Fp32Codec>;

// Checks that `v` (dim floats) is finite and unit-norm within 1e-3.
Status CheckUnitVector(std::span<const float> v, std::string_view what);

// Checks the arguments of Add: n * dim floats, each row finite and unit-norm.
Status CheckAddArgs(std::span<const float> vectors, size_t n, size_t dim);

// Checks the arguments of SearchBatch: queries a multiple of dim, each finite
// and unit-norm; k >= 1, threads >= 0, threshold not NaN.
Status CheckSearchArgs(std::span<const float> queries, size_t dim, const SearchParams& p);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_FLAT_INDEX_H_
