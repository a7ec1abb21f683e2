// Copyright 2026 The Candor Authors.
//
// ivf_bench's two data modes, each driving every engine on the same rows and
// probes:
//   RunSize      the build run: one pass over the generated rows builds
//                candor's index, the exact truth (chunk by chunk: 10^8 rows
//                never have to fit in RAM), the Flat baseline (up to
//                --flat-max) and FAISS (up to --faiss-max), printing the build
//                rates as it goes; then candor's tables and every engine's rows,
//                hnswlib last (up to --hnsw-max).
//   MeasureOnly  --measure-only: no build; the index and probes a --keep run
//                kept, reopened and measured, then FAISS beside it (--faiss-beside).

#ifndef CANDOR_BENCH_IVF_BENCH_RUN_H_
#define CANDOR_BENCH_IVF_BENCH_RUN_H_

#include "face_data.h"
#include "ivf_bench_options.h"

namespace bench::ivf {

void RunSize(const Opts& o, const Source& gen, long n);

// `gen` (may be null) is needed for --faiss-beside only. Without kept probes
// and with --faiss-beside, FAISS alone (probes drawn, truth computed in its pass).
void MeasureOnly(const Opts& o, long n, const Source* gen);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_RUN_H_
