// Copyright 2026 The Candor Authors.

#include "ivf_bench_run.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "candor/index.h"
#include "ivf_bench_candor.h"
#include "ivf_bench_faiss.h"
#include "ivf_bench_hnsw.h"
#include "ivf_bench_measure.h"
#include "ivf_bench_probes.h"

namespace bench::ivf {
namespace {

namespace fs = std::filesystem;

// FAISS's part of the pass's progress line, in a build with FAISS.
std::string FaissProgress([[maybe_unused]] const FaissInPass* faiss, [[maybe_unused]] long e) {
#ifdef CANDOR_HAVE_FAISS
  char b[64];
  std::snprintf(b, sizeof(b), ", FAISS add %.0f/s", faiss->AddRate(e));
  return b;
#else
  return "";
#endif
}

void PrintProgress(const Opts& o, long e, long n, double elapsed, const PassTimes& t, const std::string& faiss) {
  std::printf("  %ld rows, %.0f s: generate %.0f/s, candor add %.0f/s (+ training %.1f s), exact truth %.0f/s"
              "%s; RSS %.2f GiB; %s\n",
              e, elapsed, e / t.gen,
              (e - std::min(o.train_at, n)) > 0 ? (e - std::min<long>(o.train_at, e)) / std::max(t.add, 1e-9) : 0.0,
              t.train, e / t.truth, faiss.c_str(), RssGiB(), Load().c_str());
  std::fflush(stdout);
}

// The build run's one pass over the data: per chunk, candor's index (the
// chunk that trains it timed apart), the exact truth, Flat (if any) and
// FAISS (in a build with it); progress every 20 chunks. False after printing
// why candor's index refused a chunk.
bool OnePass(const Opts& o, const Source& gen, long n, candor::Index& index, candor::Index* flat,
             [[maybe_unused]] FaissInPass* faiss, std::vector<Probes>* sets, PassTimes* t) {
  const auto t_all = Clock::now();
  for (long b = 0; b < n; b += o.chunk) {
    const long e = std::min(n, b + o.chunk);
    auto at = Clock::now();
    const auto [v, ids] = Chunk(gen, b, e);
    t->gen += Since(at);
    at = Clock::now();
    const bool was = !index.Recall().exact;
    if (auto st = index.Add(v, ids); !st.ok()) {
      std::printf("Add: %s\n", st.ToString().c_str());
      return false;
    }
    if (!was && !index.Recall().exact) {
      t->train = Since(at);
    } else {
      t->add += Since(at);
    }
    at = Clock::now();
    UpdateTruth(v, ids, gen.dim(), sets);
    if (flat && !flat->Add(v, ids).ok()) std::abort();
    t->truth += Since(at);
#ifdef CANDOR_HAVE_FAISS
    faiss->Add(v, e - b);
#endif
    if ((b / o.chunk) % 20 == 19 || e == n) PrintProgress(o, e, n, Since(t_all), *t, FaissProgress(faiss, e));
  }
  return true;
}

}  // namespace

void RunSize(const Opts& o, const Source& gen, long n) {
  const int dim = gen.dim();
  std::printf("\n## N = %ld, dim %d (%s)\n\n", n, dim, gen.Describe().c_str());
  std::vector<Probes> sets = DrawProbes(gen, n, o.queries);
  const candor::IndexFiles files = BenchFiles(o, n);
  std::unique_ptr<candor::Index> index = NewCandorIndex(o, gen, n, files);
  if (index == nullptr) return;
  std::unique_ptr<candor::Index> flat;
  if (n <= o.flat_max) flat = std::move(*candor::MakeIndex("Flat,int8", dim));
#ifdef CANDOR_HAVE_FAISS
  FaissInPass faiss_pass(o, gen, n);
  FaissInPass* faiss = &faiss_pass;
#else
  FaissInPass* faiss = nullptr;
#endif
  PassTimes t;
  if (!OnePass(o, gen, n, *index, flat.get(), faiss, &sets, &t)) return;
  [[maybe_unused]] const candor::RecallReport rr = FinishCandorBuild(o, *index, sets, n, t);
  TunerTables(o, gen, *index, sets);
  index.reset();
  malloc_trim(0);

  EngineTableHeader();
  if (flat) {
    MeasureFlat(*flat, sets, n, dim);
    flat.reset();
    malloc_trim(0);
  }
  if (!MeasureReopened(o, files, sets, n, dim)) return;
  if (!o.keep) fs::remove_all(files.dir);
  malloc_trim(0);
#ifdef CANDOR_HAVE_FAISS
  faiss->Report(sets, n, rr);
#endif
  malloc_trim(0);
#ifdef CANDOR_HAVE_HNSWLIB
  RunHnswlib(o, gen, sets, n);
#endif
}

void MeasureOnly(const Opts& o, long n, const Source* gen) {
  std::printf("\n## N = %ld, kept index, measure only\n\n", n);
  std::vector<Probes> sets;
  candor::RecallReport setting;
  setting.nprobe = 0;
  if (LoadProbes(ProbesPath(o.dir, n), &sets)) {
    const int dim = static_cast<int>(sets[0].v.size() / std::max<size_t>(1, sets[0].mate.size()));
    candor::IndexFiles files = BenchFiles(o, n);
    files.read_only = o.read_only;
    std::printf("disk %.2f GiB; %s%s\n", DirBytes(files.dir) / 1073741824.0, Load().c_str(),
                o.read_only ? "; opened read-only" : "");
    EngineTableHeader();
    if (!MeasureReopened(o, files, sets, n, dim, &setting)) setting.nprobe = 0;
    malloc_trim(0);
    std::printf("candor index released: RSS %.2f GiB; %s\n", RssGiB(), Load().c_str());
  } else if (!(o.faiss_beside && gen != nullptr)) {
    std::printf("cannot read %s (run once with --keep first)\n", ProbesPath(o.dir, n).c_str());
    return;
  } else {
    std::printf("no kept probes at %s: FAISS alone, probes drawn as a build run draws them\n",
                ProbesPath(o.dir, n).c_str());
    sets = DrawProbes(*gen, n, o.queries);
  }
#ifdef CANDOR_HAVE_FAISS
  if (o.faiss_beside && gen != nullptr) {
    const int nlist = std::atoi(o.spec.c_str() + 3);
    FaissBeside(o, *gen, std::move(sets), n, setting.nprobe > 0 ? setting.nprobe : nlist / 4,
                setting.nprobe > 0 ? setting.rerank : 1024);
  }
#else
  if (o.faiss_beside) std::printf("built without FAISS: --faiss-beside ignored\n");
#endif
}

}  // namespace bench::ivf
