// Copyright 2026 The Candor Authors.
//
// ivf_bench's hnswlib side (built only with hnswlib, CANDOR_HAVE_HNSWLIB):
// HNSW over fp32 rows (M 16, efConstruction 100, built on 2 threads),
// measured at ef 64 and 256 on the build run's probes.

#ifndef CANDOR_BENCH_IVF_BENCH_HNSW_H_
#define CANDOR_BENCH_IVF_BENCH_HNSW_H_

#include <vector>

#include "face_data.h"
#include "ivf_bench_options.h"
#include "ivf_bench_probes.h"

namespace bench::ivf {

// With --hnsw and n <= --hnsw-max: builds HNSW on the generator's n rows and
// prints its build line and engine rows (the first --queries probes per set);
// above --hnsw-max, the RAM it would need instead.
void RunHnswlib(const Opts& o, const Source& gen, const std::vector<Probes>& sets, long n);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_HNSW_H_
