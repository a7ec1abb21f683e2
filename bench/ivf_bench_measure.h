// Copyright 2026 The Candor Authors.
//
// ivf_bench's measurement side, shared by every engine: wall time, RSS, the
// host's load, and the engine table (one row per engine, thread count and
// probe set: p50/p99 latency, rank-1 agreement with exact search, true mates
// at rank 1).
//
// Thread safety: none needed (one thread drives the bench).

#ifndef CANDOR_BENCH_IVF_BENCH_MEASURE_H_
#define CANDOR_BENCH_IVF_BENCH_MEASURE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ivf_bench_probes.h"
#include "process_rss.h"  // RssGiB

namespace bench::ivf {

using Clock = std::chrono::steady_clock;

// Seconds since t.
double Since(Clock::time_point t);
// "load 1.2": the host's 1-minute load average ("?" if unknown).
std::string Load();
// Bytes the files directly in `dir` occupy on disk.
uint64_t DirBytes(const std::string& dir);

// Prints the engine table's header (a blank line first).
void EngineTableHeader();

// An engine's best candidate for one probe (-1: none).
using Top1 = std::function<int64_t(const float*)>;

// One engine table row per probe set: p50/p99 and agreement over the first
// `limit` probes of each set, searched one at a time with `top1`.
void Measure(const std::vector<Probes>& sets, long n, int dim, const char* engine, int threads,
             const std::string& extra, const Top1& top1, int limit);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_MEASURE_H_
