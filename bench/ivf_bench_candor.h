// Copyright 2026 The Candor Authors.
//
// ivf_bench's candor side: the compressed index (persistent, encrypted under
// the bench's key) built in the build run, its final tuning and the tuner
// tables, the exact Flat,int8 baseline's rows, the timed reopens of a kept
// index, and --reopen.
//
// Thread safety: none needed (one thread drives the bench).

#ifndef CANDOR_BENCH_IVF_BENCH_CANDOR_H_
#define CANDOR_BENCH_IVF_BENCH_CANDOR_H_

#include <memory>
#include <string>
#include <vector>

#include "candor/index.h"
#include "face_data.h"
#include "ivf_bench_options.h"
#include "ivf_bench_probes.h"

namespace bench::ivf {

// The key and directory (--dir/candor_<n>) of the index for size n.
candor::IndexFiles BenchFiles(const Opts& o, long n);

// --reopen DIR: opens an index directory this bench built `times` times in a
// row and prints each open's time, RSS and how it loaded. 1 if it cannot.
int Reopen(const std::string& dir, int times, bool read_only);

// True when --lfw-mate-cosines applies: the tuner's held-back probes take the
// --lfw cache model's own genuine cosines (e.g. the fusion's).
bool OwnMateCosines(const Opts& o, const Source& gen);

// A fresh candor index for the build run at size n in `files` (--spec with
// TrainAt min(--train-at, n)), null after printing why it cannot be made.
std::unique_ptr<candor::Index> NewCandorIndex(const Opts& o, const Source& gen, long n,
                                              const candor::IndexFiles& files);

// What the build run's one pass over the data took (seconds).
struct PassTimes {
  double gen = 0, add = 0, train = 0, truth = 0;
};

// After the pass: the final Tune, the build line, each set's exact mates, the
// kept probes (--keep). Returns the tuned setting.
candor::RecallReport FinishCandorBuild(const Opts& o, candor::Index& index, const std::vector<Probes>& sets,
                                       long n, const PassTimes& t);

// The tuner's estimate against the same setting measured on the bench's
// probes, per held-back probe model (--tuner-models), and --sweep's fixed settings.
void TunerTables(const Opts& o, const Source& gen, candor::Index& index, const std::vector<Probes>& sets);

// The exact baseline's rows (first 30 probes, 1 and 2 threads).
void MeasureFlat(const candor::Index& flat, const std::vector<Probes>& sets, long n, int dim);

// Opens the kept index (timed, --reopens times) and measures it on 1 and 2
// threads. False when it cannot be opened; `setting` gets its setting.
bool MeasureReopened(const Opts& o, const candor::IndexFiles& files, const std::vector<Probes>& sets, long n,
                     int dim, candor::RecallReport* setting = nullptr);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_CANDOR_H_
