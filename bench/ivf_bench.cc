// Copyright 2026 The Candor Authors.
//
// ivf_bench: candor's compressed index (IVF + 4-bit fast-scan PQ + exact int8
// re-rank, persistent and encrypted) against exact search (candor Flat,int8),
// FAISS IVF-PQ fast-scan with an SQ8 refine stage (the same design), and
// hnswlib, on the same face-like synthetic data in the same run.
//
//   ivf_bench [--sizes 1000000,10000000] [--dim 192] [--queries 500]
//             [--spec IVF4096,PQ64x4fs] [--train-at 1000000] [--dir DIR]
//             [--lfw EMBEDDING_CACHE] [--chunk 250000] [--keep]
//             [--flat-max 10^7] [--faiss-max 10^7] [--faiss-queries 100]
//             [--hnsw-max 1000000] [--no-faiss] [--no-hnsw] [--probe-cosine 0.7]
//             [--tuner-models]   (also tune with the older held-back probe models)
//             [--lfw-mate-cosines] (tune with the --lfw cache model's genuine
//             cosines, e.g. the fusion's, not the default model's table)
//             [--sweep 64,128,256 [--sweep-rerank 64]] (rank-1 agreement with
//             exact search per probe set at those nprobe values, after tuning)
//   ivf_bench --measure-only --sizes N --dir DIR [--queries 500] [--reopens 2]
//             (reopen an index kept by --keep, with the probes and exact truth
//             that run saved, and time it: a quiet-host re-measurement)
//             [--read-only] [--faiss-beside --lfw CACHE [--faiss-dir DIR/faiss]
//              [--faiss-refine none|SQ4|SQ8] [--faiss-train 131072]
//              [--faiss-nprobes 1024,256] [--faiss-queries 100] [--verify 100]
//              [--faiss-load] [--no-faiss-base-row] [--overlap]]
//             (then, in the same run, after the candor index is released:
//             regenerate the same rows, check them against the kept probes and
//             the exact truth of the first --verify probes per set, build FAISS
//             IVF-PQ fast-scan (+ SQ refine) on them, save it under --faiss-dir
//             and measure it on the same probes; --faiss-load reads the saved
//             index instead of building; without a kept index, FAISS alone)
//   ivf_bench --kernels     (fast-scan kernel speed per ISA only)
//   ivf_bench --ssd-latency FILE [--reads 2000]
//             (4 KiB random O_DIRECT reads of FILE, e.g. a vectors.i8: what a
//             re-rank that misses the page cache costs; ivf_tuning.h)
//   ivf_bench --reopen DIR [--reopen-times 3] [--read-only]
//             (reopens an index directory this bench built, e.g. DIR =
//             ivf_bench_data/candor_10000000, and prints each open's time, RSS
//             and whether it loaded the snapshot or the records; the first
//             open of a directory without a snapshot writes one; a
//             --read-only open never does)
//
// Data (bench/face_data.h): FaceLike (random population centres + noise, close
// to the uniform worst case) or, with --lfw, a Gaussian mixture fitted to real
// LFW embeddings of the default model with real LFW mates inserted. Every row
// is generated from its own seed and streamed in chunks: one pass builds
// candor's index, the exact truth (chunk by chunk: 10^8 rows never have to fit
// in RAM), the Flat baseline (up to --flat-max) and FAISS (up to --faiss-max),
// and prints the build rates as it goes (to project 10^8 from 10^7).
//
// Exactness is measured against candor Flat,int8 (exact over int8 codes):
// "rank-1 = exact" counts probes whose best candidate is the exact best.
//
// For FAISS run with OMP_PROC_BIND=true OMP_PLACES=cores
// OPENBLAS_CORETYPE=Cooperlake (see ../shared/docs/search-facts.md). Debian's
// libfaiss-dev 1.7.3 is a generic SSE build: its fast-scan runs without AVX2 /
// AVX-512 and is far slower than an AVX-512 build would be.
//
// One concept per file: this file is the flags and the choice of mode;
// ivf_bench_run (the build run and --measure-only, driving every engine),
// ivf_bench_candor, ivf_bench_faiss (with FAISS), ivf_bench_hnsw (with
// hnswlib), ivf_bench_hardware (--kernels, --ssd-latency), and the shared
// ivf_bench_probes (rows, probe sets, exact truth) and ivf_bench_measure
// (time, RSS, load, the engine table).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "face_data.h"
#include "ivf_bench_candor.h"
#include "ivf_bench_hardware.h"
#include "ivf_bench_options.h"
#include "ivf_bench_run.h"

namespace bench::ivf {
namespace {

std::vector<long> ParseList(const std::string& s) {
  std::vector<long> out;
  size_t at = 0;
  while (at < s.size()) {
    size_t c = s.find(',', at);
    if (c == std::string::npos) c = s.size();
    out.push_back(std::atol(s.substr(at, c - at).c_str()));
    at = c + 1;
  }
  return out;
}

// A flag: its name, whether it takes a value (the next argument, "" if there
// is none), and what it sets.
struct Flag {
  const char* name;
  bool takes_value;
  std::function<void(Opts&, const std::string&)> set;
};

const std::vector<Flag>& Flags() {
  using S = const std::string&;
  static const std::vector<Flag> flags = {
      {"--sizes", true, [](Opts& o, S v) { o.sizes = ParseList(v); }},
      {"--dim", true, [](Opts& o, S v) { o.dim = std::atoi(v.c_str()); }},
      {"--queries", true, [](Opts& o, S v) { o.queries = std::atoi(v.c_str()); }},
      {"--spec", true, [](Opts& o, S v) { o.spec = v; }},
      {"--train-at", true, [](Opts& o, S v) { o.train_at = std::atol(v.c_str()); }},
      {"--dir", true, [](Opts& o, S v) { o.dir = v; }},
      {"--hnsw-max", true, [](Opts& o, S v) { o.hnsw_max = std::atol(v.c_str()); }},
      {"--no-faiss", false, [](Opts& o, S) { o.faiss = false; }},
      {"--faiss-max", true, [](Opts& o, S v) { o.faiss_max = std::atol(v.c_str()); }},
      {"--faiss-queries", true, [](Opts& o, S v) { o.faiss_queries = std::atoi(v.c_str()); }},
      {"--flat-max", true, [](Opts& o, S v) { o.flat_max = std::atol(v.c_str()); }},
      {"--chunk", true, [](Opts& o, S v) { o.chunk = std::atol(v.c_str()); }},
      {"--lfw", true, [](Opts& o, S v) { o.lfw = v; }},
      {"--keep", false, [](Opts& o, S) { o.keep = true; }},
      {"--no-hnsw", false, [](Opts& o, S) { o.hnsw = false; }},
      {"--tuner-models", false, [](Opts& o, S) { o.tuner_models = true; }},
      {"--lfw-mate-cosines", false, [](Opts& o, S) { o.lfw_mate_cosines = true; }},
      {"--sweep", true, [](Opts& o, S v) { o.sweep = ParseList(v); }},
      {"--sweep-rerank", true, [](Opts& o, S v) { o.sweep_rerank = std::atoi(v.c_str()); }},
      {"--measure-only", false, [](Opts& o, S) { o.measure_only = true; }},
      {"--reopens", true, [](Opts& o, S v) { o.reopens = std::atoi(v.c_str()); }},
      {"--faiss-beside", false, [](Opts& o, S) { o.faiss_beside = true; }},
      {"--faiss-dir", true, [](Opts& o, S v) { o.faiss_dir = v; }},
      {"--faiss-refine", true, [](Opts& o, S v) { o.faiss_refine = v; }},
      {"--faiss-train", true, [](Opts& o, S v) { o.faiss_train = std::atol(v.c_str()); }},
      {"--faiss-nprobes", true, [](Opts& o, S v) { o.faiss_nprobes = ParseList(v); }},
      {"--faiss-load", false, [](Opts& o, S) { o.faiss_load = true; }},
      {"--overlap", false, [](Opts& o, S) { o.overlap = true; }},
      {"--no-faiss-base-row", false, [](Opts& o, S) { o.faiss_base_row = false; }},
      {"--verify", true, [](Opts& o, S v) { o.verify = std::atoi(v.c_str()); }},
      {"--reopen", true, [](Opts& o, S v) { o.reopen = v; }},
      {"--reopen-times", true, [](Opts& o, S v) { o.reopen_times = std::atoi(v.c_str()); }},
      {"--read-only", false, [](Opts& o, S) { o.read_only = true; }},
      {"--ssd-latency", true, [](Opts& o, S v) { o.ssd_file = v; }},
      {"--reads", true, [](Opts& o, S v) { o.reads = std::atoi(v.c_str()); }},
      {"--probe-cosine", true, [](Opts& o, S v) { o.probe_cosine = std::strtof(v.c_str(), nullptr); }},
  };
  return flags;
}

enum class Parsed { kRun, kKernels, kBad };

// Reads the flags left to right into `o`. --kernels ends the parse (what
// follows it is ignored); an unknown flag is refused on stderr.
Parsed ParseFlags(int argc, char** argv, Opts* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--kernels") return Parsed::kKernels;
    const auto& flags = Flags();
    const auto f = std::find_if(flags.begin(), flags.end(), [&](const Flag& f) { return a == f.name; });
    if (f == flags.end()) {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return Parsed::kBad;
    }
    f->set(*o, f->takes_value && i + 1 < argc ? argv[++i] : "");
  }
  return Parsed::kRun;
}

// The rows' generator: LFW-fitted with --lfw, else FaceLike; null after printing why not.
std::unique_ptr<Source> MakeSource(const Opts& o) {
  if (o.lfw.empty()) return std::make_unique<FaceLike>(o.dim, o.probe_cosine);
  std::string err;
  auto f = LfwFitted::Fit(o.lfw, 32, &err);
  if (!f) std::fprintf(stderr, "--lfw %s: %s\n", o.lfw.c_str(), err.c_str());
  return f;
}

// The build run or --measure-only at each of --sizes. 2 on bad settings.
int RunSizes(Opts o) {
  std::filesystem::create_directories(o.dir);
  std::printf("ivf_bench: %u hardware threads\n", std::thread::hardware_concurrency());
  if (o.faiss_refine != "none" && o.faiss_refine != "SQ4" && o.faiss_refine != "SQ8") {
    std::fprintf(stderr, "--faiss-refine %s: one of none, SQ4, SQ8\n", o.faiss_refine.c_str());
    return 2;
  }
  if (o.faiss_dir.empty()) o.faiss_dir = o.dir + "/faiss";
  if (o.measure_only && !o.faiss_beside) {
    for (long n : o.sizes) MeasureOnly(o, n, nullptr);
    return 0;
  }
  const std::unique_ptr<Source> gen = MakeSource(o);
  if (gen == nullptr) return 2;
  for (long n : o.sizes) {
    if (auto* f = dynamic_cast<LfwFitted*>(gen.get())) f->Place(n);
    if (o.measure_only) {
      MeasureOnly(o, n, gen.get());
    } else {
      RunSize(o, *gen, n);
    }
  }
  return 0;
}

}  // namespace
}  // namespace bench::ivf

int main(int argc, char** argv) {
  using namespace bench::ivf;
  Opts o;
  switch (ParseFlags(argc, argv, &o)) {
    case Parsed::kKernels:
      KernelSpeed();
      return 0;
    case Parsed::kBad:
      return 2;
    case Parsed::kRun:
      break;
  }
  if (!o.reopen.empty()) return Reopen(o.reopen, o.reopen_times, o.read_only);
  if (!o.ssd_file.empty()) return SsdLatency(o.ssd_file, std::max(1, o.reads));
  return RunSizes(o);
}
