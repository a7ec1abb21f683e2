// Copyright 2026 The Candor Authors.
//
// ivf_bench's hardware probes, apart from any index: the fast-scan kernel's
// speed per instruction set (--kernels) and the latency of page-cache-missing
// reads of a file (--ssd-latency), what a re-rank that misses the page cache
// costs (search/ivf_tuning.h).

#ifndef CANDOR_BENCH_IVF_BENCH_HARDWARE_H_
#define CANDOR_BENCH_IVF_BENCH_HARDWARE_H_

#include <string>

namespace bench::ivf {

// --kernels: 2^20 codes of m = 64, 32 bytes each (32 MiB, beyond L2), best of
// 20 scans per ISA this CPU supports, cut 65535 (nothing selected).
void KernelSpeed();

// --ssd-latency FILE: `reads` random 4 KiB O_DIRECT reads of `path` (p50,
// p90, p99, mean). 2 if it cannot open or read it.
int SsdLatency(const std::string& path, int reads);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_HARDWARE_H_
