// Copyright 2026 The Candor Authors.

#include "ivf_bench_faiss.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQFastScan.h>
#include <faiss/IndexRefine.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/index_io.h>
#include <faiss/invlists/BlockInvertedLists.h>
#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "ivf_bench_measure.h"

namespace bench::ivf {
namespace {

namespace fs = std::filesystem;

// --spec's list count and PQ width as FAISS reads them ("IVF<nlist>,PQ<m>x4fs...").
int SpecNlist(const Opts& o) { return std::atoi(o.spec.c_str() + 3); }
int SpecM(const Opts& o) { return std::atoi(o.spec.c_str() + o.spec.find(",PQ") + 3); }

}  // namespace

// ---------------------------------------------------------------------------
// FaissInPass

struct FaissInPass::Impl {
  Impl(const Opts& opts, int d, int lists, int pq_m, bool runs)
      : o(opts), dim(d), nlist(lists), m(pq_m), faiss_m(m > 0 && dim % m == 0), use(runs && faiss_m),
        quantizer(dim),
        ivf(&quantizer, dim, static_cast<size_t>(nlist), static_cast<size_t>(faiss_m ? m : 1), 4,
            faiss::METRIC_INNER_PRODUCT),
        sq(dim, faiss::ScalarQuantizer::QT_8bit, faiss::METRIC_INNER_PRODUCT),
        refine(&ivf, &sq) {}
  ~Impl() { refine.own_fields = false; }  // ivf and sq are members, not the refine's to delete

  const Opts& o;
  const int dim, nlist, m;
  // FAISS's PQ needs dim % m == 0 (it throws otherwise; Auto's m = dim / 3 at
  // 320-D is 106): then FAISS is not run and its unused index gets m = 1.
  const bool faiss_m;
  const bool use;
  faiss::IndexFlatIP quantizer;
  faiss::IndexIVFPQFastScan ivf;
  faiss::IndexScalarQuantizer sq;
  faiss::IndexRefine refine;
  double seconds = 0;  // training + adds
};

FaissInPass::FaissInPass(const Opts& o, const Source& gen, long n)
    : impl_(std::make_unique<Impl>(o, gen.dim(), SpecNlist(o), SpecM(o), o.faiss && n <= o.faiss_max)) {
  if (!impl_->use) return;
  const auto t = Clock::now();
  const long ns = std::min<long>(n, 131072);  // as candor's k-means sample
  const auto v = gen.Rows(0, ns);
  impl_->refine.train(ns, v.data());
  impl_->seconds += Since(t);
  std::printf("FAISS trained on %ld rows in %.1f s (%s)\n", ns, impl_->seconds, Load().c_str());
}

FaissInPass::~FaissInPass() = default;

void FaissInPass::Add(const std::vector<float>& v, long rows) {
  if (!impl_->use) return;
  const auto t = Clock::now();
  impl_->refine.add(rows, v.data());
  impl_->seconds += Since(t);
}

double FaissInPass::AddRate(long rows) const { return impl_->use ? rows / std::max(impl_->seconds, 1e-9) : 0.0; }

void FaissInPass::Report(const std::vector<Probes>& sets, long n, const candor::RecallReport& rr) {
  Impl& f = *impl_;
  if (f.use) {
    std::printf("\nFAISS build %.1f s (train + add), RSS %.2f GiB (Debian libfaiss 1.7.3: generic SSE build, no "
                "AVX2/AVX-512 fast-scan)\n", f.seconds, RssGiB());
    f.ivf.nprobe = static_cast<size_t>(std::max(1, rr.nprobe));
    f.refine.k_factor = static_cast<float>(std::max(10, rr.rerank)) / 10.0f;  // k_base >= k
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      std::vector<float> dist(10);
      std::vector<faiss::Index::idx_t> lab(10);
      char extra[160];
      std::snprintf(extra, sizeof(extra), "same nprobe %d, k_factor %.1f (SQ8 refine); generic SSE build",
                    rr.nprobe, f.refine.k_factor);
      Measure(sets, n, f.dim, "FAISS IVF-PQ fast-scan + SQ8 refine", threads, extra, [&](const float* q) -> int64_t {
        f.refine.search(1, q, 10, dist.data(), lab.data());
        return lab[0];
      }, f.o.faiss_queries);
    }
  } else if (f.o.faiss && !f.faiss_m) {
    std::printf("\nFAISS not run: its PQ needs the dimension %d to be a multiple of m = %d\n", f.dim, f.m);
  } else if (f.o.faiss) {
    std::printf("\nFAISS not run at %ld (> --faiss-max %ld): its IVF-PQ fast-scan codes + ids + SQ8 refine "
                "would need %.1f GB of RAM\n", n, f.o.faiss_max, n * (f.m / 2.0 + 8 + f.dim) / 1e9);
  }
}

// ---------------------------------------------------------------------------
// FaissBeside

namespace {

// FAISS's index for FaissBeside: the fast-scan part, and the refine around it unless --faiss-refine none.
struct BesideIndex {
  std::unique_ptr<faiss::Index> owner;
  faiss::Index* top = nullptr;
  faiss::IndexIVFPQFastScan* ivf = nullptr;
  faiss::IndexScalarQuantizer* sq = nullptr;
  faiss::IndexRefine* refine = nullptr;
};

// What FaissBeside's pass took (seconds), since `start`.
struct BesideTimes {
  Clock::time_point start = Clock::now();
  double train = 0, add = 0, refine = 0, gen = 0, truth = 0;
};

std::string BesidePath(const Opts& o, long n) {
  return o.faiss_dir + "/faiss_" + o.spec + "_" + o.faiss_refine + "_" + std::to_string(n) + ".index";
}

// 1. The generator draws the same probes (mate rows and vectors, bit for bit).
void CheckRegeneratedProbes(const Opts& o, const Source& gen, const std::vector<Probes>& sets, long n) {
  const auto fresh = DrawProbes(gen, n, o.queries);
  for (const auto& p : sets) {
    for (const auto& f : fresh) {
      if (f.name == p.name) {
        std::printf("regenerated probes, %s: %d/%d identical to the kept ones (mate row and vector)\n",
                    p.name.c_str(), SameProbes(p, f, gen.dim()), p.size());
      }
    }
  }
}

// 2. The sets whose exact truth is recomputed over the regenerated rows: the
//    first --verify probes of each set against the kept truth, or all of them without it.
std::vector<Probes> TruthCheckSets(const Opts& o, const std::vector<Probes>& sets, bool kept_truth, int dim) {
  std::vector<Probes> check = sets;
  for (auto& p : check) {
    const int keep = kept_truth ? std::min(p.size(), o.verify) : p.size();
    p.v.resize(static_cast<size_t>(keep) * dim);
    p.mate.resize(keep);
    p.truth.assign(keep, -1);
    p.best.assign(keep, -2.0f);
  }
  return check;
}

// The index --faiss-load reads; false (after printing why) if it is not one of n rows.
bool ReadBeside(const std::string& path, long n, BesideIndex* f) {
  const auto t = Clock::now();
  f->owner.reset(faiss::read_index(path.c_str()));
  f->top = f->owner.get();
  f->refine = dynamic_cast<faiss::IndexRefine*>(f->top);
  f->ivf = dynamic_cast<faiss::IndexIVFPQFastScan*>(f->refine ? f->refine->base_index : f->top);
  f->sq = f->refine ? dynamic_cast<faiss::IndexScalarQuantizer*>(f->refine->refine_index) : nullptr;
  std::printf("FAISS index read from %s in %.1f s, %lld rows, RSS %.2f GiB; %s\n", path.c_str(), Since(t),
              static_cast<long long>(f->top->ntotal), RssGiB(), Load().c_str());
  if (f->ivf == nullptr || f->top->ntotal != n) {
    std::printf("%s is not an IVF-PQ fast-scan index of %ld rows\n", path.c_str(), n);
    return false;
  }
  return true;
}

void MakeBeside(const Opts& o, int dim, BesideIndex* f) {
  auto* quantizer = new faiss::IndexFlatIP(dim);
  f->ivf = new faiss::IndexIVFPQFastScan(quantizer, dim, static_cast<size_t>(SpecNlist(o)),
                                         static_cast<size_t>(SpecM(o)), 4, faiss::METRIC_INNER_PRODUCT);
  f->ivf->own_fields = true;
  f->top = f->ivf;
  if (o.faiss_refine != "none") {
    const auto qt = o.faiss_refine == "SQ8" ? faiss::ScalarQuantizer::QT_8bit : faiss::ScalarQuantizer::QT_4bit;
    f->sq = new faiss::IndexScalarQuantizer(dim, qt, faiss::METRIC_INNER_PRODUCT);
    f->refine = new faiss::IndexRefine(f->ivf, f->sq);
    f->refine->own_fields = true;
    f->top = f->refine;
  }
  f->owner.reset(f->top);
}

// The index read (--faiss-load) or made empty; false after printing why not.
bool OpenBeside(const Opts& o, int dim, long n, BesideIndex* f) {
  try {
    if (o.faiss_load) return ReadBeside(BesidePath(o, n), n, f);
    MakeBeside(o, dim, f);
  } catch (const std::exception& e) {
    std::printf("FAISS: %s\n", e.what());
    return false;
  }
  return true;
}

void TrainBeside(const Opts& o, const Source& gen, long n, BesideIndex& f, BesideTimes* t) {
  auto at = Clock::now();
  const long ns = std::min<long>(n, o.faiss_train);
  const auto v = gen.Rows(0, ns);
  t->gen += Since(at);
  at = Clock::now();
  f.top->train(ns, v.data());
  t->train = Since(at);
  std::printf("FAISS trained on the first %ld rows in %.1f s (%s)\n", ns, t->train, Load().c_str());
  if (f.sq != nullptr) f.sq->codes.reserve(static_cast<size_t>(n) * f.sq->code_size);  // no doubling at 10^8
}

void AddChunk(BesideIndex& f, const std::vector<float>& v, long rows, BesideTimes* t) {
  auto at = Clock::now();
  f.ivf->add(rows, v.data());
  t->add += Since(at);
  if (f.sq != nullptr) {
    at = Clock::now();
    f.sq->add(rows, v.data());
    f.refine->ntotal = f.sq->ntotal;  // as IndexRefine::add
    t->refine += Since(at);
  }
}

void PrintPassProgress(const Opts& o, long e, long n, const BesideIndex& f, const BesideTimes& t) {
  const double el = Since(t.start);
  char adds[160] = "";
  if (!o.faiss_load) {
    std::snprintf(adds, sizeof(adds), ", FAISS add %.0f/s (IVF-PQ), %s refine add %.0f/s",
                  e / std::max(t.add, 1e-9), o.faiss_refine.c_str(), f.sq ? e / std::max(t.refine, 1e-9) : 0.0);
  }
  std::printf("  %ld rows, %.0f s: generate %.0f/s, exact check %.0f/s%s; projected end in %.0f s; RSS %.2f GiB; "
              "%s\n", e, el, e / std::max(t.gen, 1e-9), e / std::max(t.truth, 1e-9), adds, el / e * (n - e),
              RssGiB(), Load().c_str());
  std::fflush(stdout);
}

// The pass over the regenerated rows: exact truth of `check`, FAISS's adds
// (unless loaded). With --overlap the next chunk is generated while FAISS
// adds this one (gen is then the wait for it, and the adds share the cores with it).
void BesidePass(const Opts& o, const Source& gen, long n, BesideIndex& f, std::vector<Probes>* check,
                BesideTimes* t) {
  std::future<std::pair<std::vector<float>, std::vector<int64_t>>> ahead;
  for (long b = 0; b < n; b += o.chunk) {
    const long e = std::min(n, b + o.chunk);
    auto at = Clock::now();
    const auto [v, ids] = ahead.valid() ? ahead.get() : Chunk(gen, b, e);
    if (o.overlap && e < n) {
      ahead = std::async(std::launch::async, [&gen, e, n, &o] { return Chunk(gen, e, std::min(n, e + o.chunk)); });
    }
    t->gen += Since(at);
    at = Clock::now();
    UpdateTruth(v, ids, gen.dim(), check);
    t->truth += Since(at);
    if (!o.faiss_load) AddChunk(f, v, e - b, t);
    if ((b / o.chunk) % 20 == 19 || e == n) PrintPassProgress(o, e, n, f, *t);
  }
}

// The regenerated rows' exact truth against the kept truth, or (without one) the sets' truth.
void ReportTruth(std::vector<Probes>& sets, const std::vector<Probes>& check, bool kept_truth, long n) {
  for (size_t s = 0; s < sets.size(); ++s) {
    if (kept_truth) {
      int same = 0;
      for (int j = 0; j < check[s].size(); ++j) same += check[s].truth[j] == sets[s].truth[j];
      std::printf("exact (int8) top-1 over the %ld regenerated rows equals the kept truth for %d/%d %s\n", n, same,
                  check[s].size(), sets[s].name.c_str());
    } else {
      sets[s].truth = check[s].truth;
      std::printf("exact (int8) search: true mate at rank 1 for %d/%d %s\n", ExactMates(sets[s]), sets[s].size(),
                  sets[s].name.c_str());
    }
  }
}

// The build line (unless loaded) and what FAISS holds in RAM.
void ReportBesideBuild(const Opts& o, BesideIndex& f, const BesideTimes& t) {
  auto* bil = dynamic_cast<faiss::BlockInvertedLists*>(f.ivf->invlists);
  double code_bytes = 0, id_bytes = 0;
  if (bil != nullptr) {
    for (size_t l = 0; l < bil->nlist; ++l) {
      bil->ids[l].shrink_to_fit();
      code_bytes += static_cast<double>(bil->codes[l].size());
      id_bytes += 8.0 * static_cast<double>(bil->ids[l].size());
    }
  }
  malloc_trim(0);
  const double sq_bytes = f.sq != nullptr ? static_cast<double>(f.sq->codes.size()) : 0.0;
  if (!o.faiss_load) {
    std::printf("\nFAISS build %.1f s = train %.1f s + IVF-PQ add %.1f s + %s refine add %.1f s (generation %.1f s "
                "and the exact check %.1f s not counted; %d OpenMP threads%s); ",
                t.train + t.add + t.refine, t.train, t.add, o.faiss_refine.c_str(), t.refine, t.gen, t.truth, 2,
                o.overlap ? "; the adds overlapped the generation of the next chunk" : "");
  }
  std::printf("in RAM: packed codes %.2f GB + ids %.2f GB + %s codes %.2f GB; RSS %.2f GiB; %s\n", code_bytes / 1e9,
              id_bytes / 1e9, o.faiss_refine.c_str(), sq_bytes / 1e9, RssGiB(), Load().c_str());
}

void WriteBeside(const Opts& o, const BesideIndex& f, const std::string& path) {
  const auto t = Clock::now();
  try {
    fs::create_directories(o.faiss_dir);
    faiss::write_index(f.top, (path + ".tmp").c_str());
    fs::rename(path + ".tmp", path);
    std::printf("FAISS index written to %s: %.2f GB in %.1f s; %s\n", path.c_str(), fs::file_size(path) / 1e9,
                Since(t), Load().c_str());
  } catch (const std::exception& e) {
    std::printf("write_index %s: %s\n", path.c_str(), e.what());
  }
}

// The engine rows per nprobe (--faiss-nprobes, default candor's): with the
// refine of the best `rerank` on 1 and 2 threads, and the fast-scan alone.
void MeasureBeside(const Opts& o, BesideIndex& f, const std::vector<Probes>& sets, long n, int dim, int nprobe,
                   int rerank) {
  EngineTableHeader();
  std::vector<long> nprobes = o.faiss_nprobes;
  if (nprobes.empty()) nprobes.push_back(nprobe);
  const float k_factor = static_cast<float>(std::max(10, rerank)) / 10.0f;  // k_base = rerank at k = 10
  std::vector<float> dist(10);
  std::vector<faiss::Index::idx_t> lab(10);
  const auto search = [&](faiss::Index* index) -> Top1 {
    return [&, index](const float* q) -> int64_t {
      index->search(1, q, 10, dist.data(), lab.data());
      return lab[0];
    };
  };
  for (long np : nprobes) {
    f.ivf->nprobe = static_cast<size_t>(np);
    if (f.refine != nullptr) f.refine->k_factor = k_factor;
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      char extra[220];
      if (f.refine != nullptr) {
        std::snprintf(extra, sizeof(extra), "nprobe %ld/%d, %s refine of the best %d (k_factor %.1f); RSS %.2f GiB",
                      np, SpecNlist(o), o.faiss_refine.c_str(), static_cast<int>(10 * k_factor), k_factor, RssGiB());
        const std::string engine = "FAISS IVF-PQ fast-scan + " + o.faiss_refine + " refine (generic SSE build)";
        Measure(sets, n, dim, engine.c_str(), threads, extra, search(f.refine), o.faiss_queries);
      }
      if (f.refine == nullptr || (threads == 1 && o.faiss_base_row)) {
        std::snprintf(extra, sizeof(extra), "nprobe %ld/%d, no refine; RSS %.2f GiB", np, SpecNlist(o), RssGiB());
        Measure(sets, n, dim, "FAISS IVF-PQ fast-scan, no refine (generic SSE build)", threads, extra,
                search(f.ivf), o.faiss_queries);
      }
    }
  }
}

}  // namespace

void FaissBeside(const Opts& o, const Source& gen, std::vector<Probes> sets, long n, int nprobe, int rerank) {
  const int dim = gen.dim();
  std::printf("\n## FAISS beside it: the same %ld rows regenerated (%s)\n\n", n, gen.Describe().c_str());
  const bool kept_truth = !sets.empty() && sets[0].truth[0] >= 0;
  CheckRegeneratedProbes(o, gen, sets, n);
  std::vector<Probes> check = TruthCheckSets(o, sets, kept_truth, dim);
  BesideIndex f;
  if (!OpenBeside(o, dim, n, &f)) return;
  omp_set_num_threads(2);
  BesideTimes t;
  if (!o.faiss_load) TrainBeside(o, gen, n, f, &t);
  BesidePass(o, gen, n, f, &check, &t);
  ReportTruth(sets, check, kept_truth, n);
  ReportBesideBuild(o, f, t);
  if (!o.faiss_load) WriteBeside(o, f, BesidePath(o, n));
  std::fflush(stdout);
  MeasureBeside(o, f, sets, n, dim, nprobe, rerank);
  std::printf("RSS after the FAISS searches %.2f GiB; wall %.0f s; %s\n", RssGiB(), Since(t.start), Load().c_str());
  std::fflush(stdout);
}

}  // namespace bench::ivf
