// Copyright 2026 The Candor Authors.
//
// ivf_bench's data side, shared by every engine: the rows (streamed in chunks
// from a bench::Source, face_data.h), the probe sets drawn from them, their
// exact (int8) truth built chunk by chunk, and the probes' file beside a kept
// index (bench-private format, host byte order).
//
// Thread safety: none needed (one thread drives the bench).

#ifndef CANDOR_BENCH_IVF_BENCH_PROBES_H_
#define CANDOR_BENCH_IVF_BENCH_PROBES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "face_data.h"

namespace bench::ivf {

// One probe set: vectors, the row of each probe's mate, exact truth (-1:
// not known yet) and the score of the best row seen so far.
struct Probes {
  std::string name;
  std::vector<float> v;
  std::vector<int64_t> mate, truth;
  std::vector<float> best;
  int size() const { return static_cast<int>(mate.size()); }
};

// The probe sets the build run draws for n rows: synthetic mates (rows and
// draws from seed 77) and, with LfwFitted, up to nq real LFW mates; truth unknown.
std::vector<Probes> DrawProbes(const Source& gen, long n, int nq);

// Rows [b, e) of the generator and their ids (the row numbers).
std::pair<std::vector<float>, std::vector<int64_t>> Chunk(const Source& gen, long b, long e);

// Exact (int8) top-1 of every probe over one chunk of rows, merged into each
// set's truth/best: run over all chunks, the exact truth over all rows.
void UpdateTruth(const std::vector<float>& v, const std::vector<int64_t>& ids, int dim,
                 std::vector<Probes>* sets);

// Probes whose exact best is their own mate.
int ExactMates(const Probes& p);

// Probes that `a` and `b` hold alike: the same mate rows and bit-identical
// vectors (the generator reproduces what a kept run drew).
int SameProbes(const Probes& a, const Probes& b, int dim);

// The probe sets with their exact truth, saved beside a kept index (DIR =
// --dir) so that a later --measure-only run can time searches on a quiet host
// without the hours of building and exact scanning.
std::string ProbesPath(const std::string& dir, long n);
bool SaveProbes(const std::string& path, const std::vector<Probes>& sets);  // temp + rename
bool LoadProbes(const std::string& path, std::vector<Probes>* sets);

}  // namespace bench::ivf

#endif  // CANDOR_BENCH_IVF_BENCH_PROBES_H_
