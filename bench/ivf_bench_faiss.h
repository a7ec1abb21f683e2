// Copyright 2026 The Candor Authors.
//
// ivf_bench's FAISS side (built only with FAISS, CANDOR_HAVE_FAISS): IVF-PQ
// fast-scan (4-bit, the same design as candor's index) with a scalar
// quantiser refine stage, on the same rows and probes as candor's index, in
// two ways:
//   FaissInPass   built in the build run's one pass over the data beside
//                 candor's index (SQ8 refine), measured at candor's tuned
//                 setting after candor;
//   FaissBeside   --measure-only --faiss-beside: after a kept candor index is
//                 measured and released, the same rows regenerated and checked,
//                 FAISS built (or read, --faiss-load) and saved, measured on
//                 the kept probes.
//
// For FAISS run with OMP_PROC_BIND=true OMP_PLACES=cores
// OPENBLAS_CORETYPE=Cooperlake (see ../shared/docs/search-facts.md). Debian's
// libfaiss-dev 1.7.3 is a generic SSE build: its fast-scan runs without AVX2 /
// AVX-512 and is far slower than an AVX-512 build would be.

#ifndef CANDOR_BENCH_IVF_BENCH_FAISS_H_
#define CANDOR_BENCH_IVF_BENCH_FAISS_H_

#include <memory>
#include <vector>

#include "candor/index.h"
#include "face_data.h"
#include "ivf_bench_options.h"
#include "ivf_bench_probes.h"

namespace bench::ivf {

// FAISS IVF-PQ fast-scan + SQ8 refine in the build run. It runs with --faiss,
// n <= --faiss-max and a dimension its PQ can split (dim % m == 0; --spec's
// IVF<nlist>,PQ<m>); otherwise Add does nothing and Report says why.
class FaissInPass {
 public:
  // Trains on the first 131,072 rows (as candor's k-means sample) when it runs.
  FaissInPass(const Opts& o, const Source& gen, long n);
  ~FaissInPass();
  FaissInPass(const FaissInPass&) = delete;
  FaissInPass& operator=(const FaissInPass&) = delete;

  // Adds one chunk of `rows` rows.
  void Add(const std::vector<float>& v, long rows);
  // Rows per second over the training and adds so far for `rows` rows (0 when it does not run).
  double AddRate(long rows) const;
  // Its build line and engine rows at candor's tuned setting `rr` (the same
  // nprobe, a refine as deep as candor's re-rank), or why it did not run.
  void Report(const std::vector<Probes>& sets, long n, const candor::RecallReport& rr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --faiss-beside for size n: regenerates the n rows, checks them against the
// kept probes `sets` and their exact truth (or computes it when there is no
// kept truth), builds (or loads) FAISS, saves it under --faiss-dir and
// measures it at `nprobe` (or --faiss-nprobes) with a refine of the best
// `rerank`: candor's tuned setting, the same lists scanned and re-rank depth.
void FaissBeside(const Opts& o, const Source& gen, std::vector<Probes> sets, long n, int nprobe, int rerank);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_FAISS_H_
