// Copyright 2026 The Candor Authors.
//
// How the compressed index (ivf_pq_index.h) prices its settings when it tunes
// itself: the cost of a query with nprobe lists and a re-rank depth r is
//
//     nprobe * (templates per list)  +  r * RerankCost(...)
//
// in units of one 4-bit code scanned (≈ 1 ns per code per thread here:
// docs/BENCHMARKS.md, fast-scan kernel). Among the settings whose measured
// rank-1 agreement meets the target, the cheapest wins.
//
// A re-ranked candidate costs one read of its dim-byte int8 template from the
// memory-mapped vectors.i8, a decryption and an int8 dot product. Where that
// read lands depends on memory, so the price does too:
//   * vectors.i8 fits in the memory available for it (MemAvailable of
//     /proc/meminfo at tune time, which counts the page cache the file already
//     occupies): a page-cache read, kRerankCachedCost (400 codes ≈ 0.4 µs);
//   * it does not: a random read misses the cache with probability
//     1 - available / file size, and a miss is an SSD read (4 KiB random
//     O_DIRECT reads on this host: p50 101 µs, mean 100 µs, `ivf_bench
//     --ssd-latency`, docs/BENCHMARKS.md "Re-rank cost"), priced
//     kRerankMissCost (100,000 codes ≈ 100 µs) on top.
// An in-memory index (no files) always re-ranks from RAM.
//
// Thread safety: pure functions, except AvailableMemoryBytes (reads /proc).

#ifndef CANDOR_SEARCH_IVF_TUNING_H_
#define CANDOR_SEARCH_IVF_TUNING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace candor::search {

inline constexpr double kRerankCachedCost = 400;
inline constexpr double kRerankMissCost = 100000;

// The price of one re-ranked candidate (in codes scanned) when the int8
// templates take `vectors_bytes` and `available_bytes` of memory can hold
// them: kRerankCachedCost if they fit, else kRerankCachedCost plus the miss
// probability times kRerankMissCost.
double RerankCost(uint64_t vectors_bytes, uint64_t available_bytes);

// Memory available to the page cache now: MemAvailable from /proc/meminfo, or
// sysconf(_SC_AVPHYS_PAGES) pages if it cannot be read.
uint64_t AvailableMemoryBytes();

struct TunePick {
  int nprobe = 0;
  int rerank = 0;
  size_t hits = 0;   // held-back probes whose exact rank-1 the setting finds
  bool met = false;  // hits >= target * probes
};

// Picks the cheapest (nprobe, rerank) from the ladders (ascending) that meets
// `target` on `probes` held-back probes; if none does, the largest setting
// (met = false). pos_of(np) gives, per probe, the position of its exact rank-1
// among the code candidates at nprobe np (INT_MAX: not found); it is called
// in ladder order and not for an nprobe whose scan alone already costs more
// than the best setting found.
TunePick PickSetting(std::span<const int> ladder_p, std::span<const int> ladder_r, double per_list,
                     double rerank_cost, double target, size_t probes,
                     const std::function<std::vector<int>(int)>& pos_of);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_IVF_TUNING_H_
