// Copyright 2026 The Candor Authors.

#include "ivf_bench_candor.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <span>

#include "ivf_bench_measure.h"
#include "search/ivf_pq_index.h"

namespace bench::ivf {
namespace {

namespace fs = std::filesystem;
using candor::search::IvfPqIndex;

// The key every index this bench builds is encrypted with.
std::vector<uint8_t> BenchKey() {
  std::vector<uint8_t> key(32);
  std::mt19937 kr(5);
  for (auto& b : key) b = static_cast<uint8_t>(kr());
  return key;
}

IvfPqIndex* Ivf(candor::Index& index) { return static_cast<IvfPqIndex*>(&index); }

// How OpenIndex loaded `index` (snapshot or records), for --reopen.
std::string HowLoaded(const candor::Index& index) {
  const auto* ivf = dynamic_cast<const IvfPqIndex*>(&index);
  if (ivf == nullptr) return "?";
  const auto& info = ivf->open_info();
  std::string how = info.from_snapshot ? "snapshot (+" + std::to_string(info.tail_rows) + " tail rows, " +
                                             std::to_string(info.removals_replayed) + " removals replayed)"
                                       : "records (" + info.note + ")";
  if (info.snapshot_written) how += "; wrote a fresh snapshot";
  return how;
}

// Probes of `p` whose best candidate in `index` is their exact best.
int Agreement(const candor::Index& index, const Probes& p) {
  const int dim = index.dim();
  int hit = 0;
  for (int j = 0; j < p.size(); ++j) {
    auto r = index.Search(std::span<const float>(p.v.data() + static_cast<size_t>(j) * dim, dim), {.k = 1});
    hit += r.ok() && !r->empty() && (*r)[0].id == p.truth[j];
  }
  return hit;
}

// The tuner and sweep tables' header: `head` (its `columns` cells), then one
// agreement column per probe set and the load.
void SetTableHeader(const char* head, int columns, const std::vector<Probes>& sets) {
  std::printf("\n%s", head);
  for (const auto& p : sets) std::printf(" rank-1 = exact, %s |", p.name.c_str());
  std::printf(" load |\n|");
  for (size_t i = 0; i < static_cast<size_t>(columns) + sets.size() + 1; ++i) std::printf("---|");
  std::printf("\n");
}

// The rest of a tuner or sweep row: each set's agreement at the index's current setting, the load.
void AgreementCells(const candor::Index& index, const std::vector<Probes>& sets) {
  for (const auto& p : sets) {
    const int hit = Agreement(index, p);
    std::printf(" %d/%d (%.1f %%) |", hit, p.size(), 100.0 * hit / p.size());
  }
  std::printf(" %s |\n", Load().c_str());
  std::fflush(stdout);
}

void TunerRow(const candor::Index& index, const std::vector<Probes>& sets, const char* model) {
  const candor::RecallReport t = index.Recall();
  std::printf("| %s | %d/%d | %d | %.2f %% [%.2f %%] | %.3f |", model, t.nprobe, t.nlist, t.rerank,
              100 * t.measured, 100 * t.lower95, t.mate_cosine);
  AgreementCells(index, sets);
}

// --sweep: rank-1 agreement with exact search at fixed settings (what the
// probe sets, real mates above all, need), then the tuned setting again.
void Sweep(const Opts& o, candor::Index& index, const std::vector<Probes>& sets) {
  const candor::RecallReport tuned = index.Recall();
  SetTableHeader("| setting (--sweep) | nprobe | rerank |", 3, sets);
  for (long np : o.sweep) {
    Ivf(index)->SetSetting(static_cast<int>(np), o.sweep_rerank > 0 ? o.sweep_rerank : tuned.rerank);
    const candor::RecallReport r = index.Recall();
    std::printf("| fixed | %d/%d | %d |", r.nprobe, r.nlist, r.rerank);
    AgreementCells(index, sets);
  }
  Ivf(index)->SetSetting(tuned.nprobe, tuned.rerank);
}

// --tuner-models: tuned again with the older held-back probe models, one row
// each, then back to the run's own model and setting.
void OlderTunerModels(const Opts& o, const Source& gen, candor::Index& index, const std::vector<Probes>& sets) {
  using candor::search::ProbeNoise;
  const struct {
    const char* name;
    ProbeNoise noise;
    float cosine;
  } models[] = {{"isotropic, cosine 0.65 (previous)", ProbeNoise::kIsotropic, 0.65f},
                {"isotropic, genuine cosines", ProbeNoise::kIsotropic, 0.0f}};
  for (const auto& m : models) {
    Ivf(index)->SetProbeModel(m.noise, m.cosine, {});
    if (auto st = Ivf(index)->Tune(0.995); !st.ok()) std::printf("Tune: %s\n", st.ToString().c_str());
    TunerRow(index, sets, m.name);
  }
  const auto* fitted = dynamic_cast<const LfwFitted*>(&gen);
  Ivf(index)->SetProbeModel(ProbeNoise::kGalleryShaped, 0.0f,
                            OwnMateCosines(o, gen) ? fitted->mate_cosines() : std::vector<float>{});
  (void)Ivf(index)->Tune(0.995);
}

// Opens the kept index --reopens times, printing each open; null if it cannot.
std::unique_ptr<candor::Index> OpenTimed(const Opts& o, const candor::IndexFiles& files) {
  std::unique_ptr<candor::Index> idx;
  for (int r = 0; r < std::max(1, o.reopens); ++r) {
    idx.reset();
    malloc_trim(0);
    const double rss_before = RssGiB();
    const auto tr = Clock::now();
    auto reopened = candor::OpenIndex(files);
    if (!reopened.ok()) {
      std::printf("OpenIndex: %s\n", reopened.status().ToString().c_str());
      return nullptr;
    }
    const double secs = Since(tr);
    const auto* ivf = dynamic_cast<const IvfPqIndex*>(reopened->get());
    const bool snap = ivf != nullptr && ivf->open_info().from_snapshot;
    std::printf("candor reopen %d: %.2f s (from the %s%s), RSS %.2f -> %.2f GiB; %s; %s\n", r + 1, secs,
                snap ? "snapshot" : "records", ivf && ivf->open_info().snapshot_written ? ", wrote a snapshot" : "",
                rss_before, RssGiB(), (*reopened)->Describe().c_str(), Load().c_str());
    std::fflush(stdout);
    idx = std::move(*reopened);
  }
  return idx;
}

}  // namespace

candor::IndexFiles BenchFiles(const Opts& o, long n) {
  return candor::IndexFiles{o.dir + "/candor_" + std::to_string(n), BenchKey()};
}

int Reopen(const std::string& dir, int times, bool read_only) {
  candor::IndexFiles files{dir, BenchKey()};
  files.read_only = read_only;
  for (int i = 0; i < times; ++i) {
    const double rss0 = RssGiB();
    const std::string load0 = Load();
    const auto t = Clock::now();
    auto opened = candor::OpenIndex(files);
    const double s = Since(t);
    if (!opened.ok()) {
      std::printf("OpenIndex(%s): %s\n", dir.c_str(), opened.status().ToString().c_str());
      return 1;
    }
    std::printf("reopen %d: %.2f s, %lld templates, RSS %.2f -> %.2f GiB, %s -> %s; from %s\n", i + 1, s,
                static_cast<long long>((*opened)->size()), rss0, RssGiB(), load0.c_str(), Load().c_str(),
                HowLoaded(**opened).c_str());
    std::fflush(stdout);
    opened->reset();
    malloc_trim(0);
  }
  return 0;
}

bool OwnMateCosines(const Opts& o, const Source& gen) {
  const auto* fitted = dynamic_cast<const LfwFitted*>(&gen);
  return o.lfw_mate_cosines && fitted != nullptr && !fitted->mate_cosines().empty();
}

std::unique_ptr<candor::Index> NewCandorIndex(const Opts& o, const Source& gen, long n,
                                              const candor::IndexFiles& files) {
  fs::remove_all(files.dir);
  const std::string spec = o.spec + ",TrainAt" + std::to_string(std::min(o.train_at, n));
  auto made = candor::CreateIndex(spec, gen.dim(), files);
  if (!made.ok()) {
    std::printf("CreateIndex: %s\n", made.status().ToString().c_str());
    return nullptr;
  }
  if (OwnMateCosines(o, gen)) {
    Ivf(**made)->SetProbeModel(candor::search::ProbeNoise::kGalleryShaped, 0.0f,
                               dynamic_cast<const LfwFitted*>(&gen)->mate_cosines());
  }
  return std::move(*made);
}

candor::RecallReport FinishCandorBuild(const Opts& o, candor::Index& index, const std::vector<Probes>& sets,
                                       long n, const PassTimes& t) {
  const auto tt = Clock::now();
  if (auto st = Ivf(index)->Tune(0.995); !st.ok()) std::printf("Tune: %s\n", st.ToString().c_str());
  const double tune_s = Since(tt);
  const candor::RecallReport rr = index.Recall();
  std::printf("\ncandor build %.1f s = add %.1f s + training at %ld rows %.1f s + final Tune at %ld %.1f s "
              "(data generation %.1f s and exact truth %.1f s not counted); disk %.2f GiB; RSS %.2f GiB; %s; %s\n",
              t.add + t.train + tune_s, t.add, std::min(o.train_at, n), t.train, n, tune_s, t.gen, t.truth,
              DirBytes(BenchFiles(o, n).dir) / 1073741824.0, RssGiB(), index.Describe().c_str(), Load().c_str());
  for (const auto& p : sets) {
    std::printf("exact (int8) search: true mate at rank 1 for %d/%d %s\n", ExactMates(p), p.size(), p.name.c_str());
  }
  const std::string kept = ProbesPath(o.dir, n);
  if (o.keep && !SaveProbes(kept, sets)) std::printf("could not save %s\n", kept.c_str());
  return rr;
}

void TunerTables(const Opts& o, const Source& gen, candor::Index& index, const std::vector<Probes>& sets) {
  SetTableHeader("| held-back probe model | nprobe | rerank | tuner's recall@1 [95 % lower] | mean mate cosine |",
                 5, sets);
  TunerRow(index, sets,
           OwnMateCosines(o, gen) ? "gallery-shaped, genuine cosines of the LFW cache's model (--lfw-mate-cosines)"
                                  : "gallery-shaped, genuine cosines (default)");
  if (!o.sweep.empty()) Sweep(o, index, sets);
  if (o.tuner_models) OlderTunerModels(o, gen, index, sets);
}

void MeasureFlat(const candor::Index& flat, const std::vector<Probes>& sets, long n, int dim) {
  for (int threads : {1, 2}) {
    Measure(sets, n, dim, "candor Flat,int8 (exact)", threads, "first 30 probes", [&](const float* q) -> int64_t {
      auto r = flat.Search(std::span<const float>(q, dim), {.k = 10, .threads = threads});
      return r.ok() && !r->empty() ? (*r)[0].id : -1;
    }, 30);
  }
}

bool MeasureReopened(const Opts& o, const candor::IndexFiles& files, const std::vector<Probes>& sets, long n,
                     int dim, candor::RecallReport* setting) {
  const std::unique_ptr<candor::Index> idx = OpenTimed(o, files);
  if (idx == nullptr) return false;
  const candor::RecallReport rr = idx->Recall();
  if (setting != nullptr) *setting = rr;
  for (int threads : {1, 2}) {
    char extra[200];
    std::snprintf(extra, sizeof(extra), "nprobe %d/%d, rerank %d; RSS %.2f GiB", rr.nprobe, rr.nlist, rr.rerank,
                  RssGiB());
    Measure(sets, n, dim, "candor IVF-PQ4fs + int8 re-rank (encrypted files)", threads, extra,
            [&](const float* q) -> int64_t {
              auto r = idx->Search(std::span<const float>(q, dim), {.k = 10, .threads = threads});
              return r.ok() && !r->empty() ? (*r)[0].id : -1;
            },
            o.queries);
  }
  std::printf("RSS after the searches %.2f GiB; %s\n", RssGiB(), Load().c_str());
  return true;
}

}  // namespace bench::ivf
