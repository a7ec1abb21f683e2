// Copyright 2026 The Candor Authors.
//
// ivf_bench: candor's compressed index (IVF + 4-bit fast-scan PQ + exact int8
// re-rank, persistent and encrypted) against exact search (candor Flat,int8),
// FAISS IVF-PQ fast-scan with an SQ8 refine stage (the same design), and
// hnswlib, on the same face-like synthetic data in the same run.
//
//   ivf_bench [--sizes 1000000,10000000] [--dim 192] [--queries 500]
//             [--spec IVF4096,PQ64x4fs] [--train-at 1000000] [--dir DIR]
//             [--hnsw-max 1000000] [--no-faiss] [--no-hnsw] [--probe-cosine 0.7]
//   ivf_bench --kernels     (fast-scan kernel speed per ISA only)
//
// Data: row i = normalise(centre[g(i)] + noise), g(i) one of 1000 population
// centres, noise norm 2 (same-group cosine ~0.2, across groups ~0); each row
// is generated from its own seed, so the data is streamed in chunks and any
// row can be regenerated. Probes: normalise(row + noise) of random rows, noise
// set for a probe-mate cosine of --probe-cosine (LFW mated pairs of the default
// model average 0.74). Not fitted to real templates (stated in BENCHMARKS.md).
//
// Exactness is measured against candor Flat,int8 (exact over int8 codes):
// "rank-1 = exact" counts probes whose best candidate is the exact best.
//
// For FAISS run with OMP_PROC_BIND=true OMP_PLACES=cores
// OPENBLAS_CORETYPE=Cooperlake (see ../shared/docs/search-facts.md). Debian's
// libfaiss-dev 1.7.3 is a generic SSE build: its fast-scan runs without AVX2 /
// AVX-512 and is far slower than an AVX-512 build would be.

#include <malloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "candor/index.h"
#include "search/cpu_features.h"
#include "search/ivf_pq_index.h"
#include "search/kernels.h"
#include "search/pq4_layout.h"
#include "search/synthetic_data.h"

#ifdef CANDOR_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQFastScan.h>
#include <faiss/IndexRefine.h>
#include <faiss/IndexScalarQuantizer.h>
#include <omp.h>
#endif
#ifdef CANDOR_HAVE_HNSWLIB
#include <hnswlib/hnswlib.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double RssGiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / (1024.0 * 1024.0);
  }
  return 0;
}

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

uint64_t Mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Standard normals from a counter-based generator (Box-Muller).
struct Normals {
  uint64_t state;
  double spare = 0;
  bool has = false;
  explicit Normals(uint64_t seed) : state(Mix(seed)) {}
  double Uniform() {
    state = Mix(state);
    return (static_cast<double>(state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  float Next() {
    if (has) {
      has = false;
      return static_cast<float>(spare);
    }
    const double r = std::sqrt(-2 * std::log(Uniform())), t = 2 * M_PI * Uniform();
    spare = r * std::sin(t);
    has = true;
    return static_cast<float>(r * std::cos(t));
  }
};

class FaceLike {
 public:
  FaceLike(int dim, int groups, float spread, uint64_t seed)
      : dim_(dim), groups_(groups), spread_(spread), seed_(seed),
        centres_(candor::search::RandomUnitVectors(groups, dim, seed)) {}
  void Row(int64_t i, float* out) const {
    Normals g(seed_ * 1000003 + static_cast<uint64_t>(i));
    const size_t c = Mix(static_cast<uint64_t>(i) ^ seed_) % static_cast<uint64_t>(groups_);
    const float sigma = spread_ / std::sqrt(static_cast<float>(dim_));
    double sq = 0;
    for (int d = 0; d < dim_; ++d) {
      out[d] = centres_[c * dim_ + d] + sigma * g.Next();
      sq += static_cast<double>(out[d]) * out[d];
    }
    const float inv = static_cast<float>(1 / std::sqrt(sq));
    for (int d = 0; d < dim_; ++d) out[d] *= inv;
  }
  std::vector<float> Rows(int64_t begin, int64_t end) const {
    std::vector<float> v(static_cast<size_t>(end - begin) * dim_);
    const int t = 2;
    std::vector<std::thread> th;
    for (int k = 0; k < t; ++k) {
      th.emplace_back([&, k] {
        for (int64_t i = begin + (end - begin) * k / t; i < begin + (end - begin) * (k + 1) / t; ++i) {
          Row(i, v.data() + static_cast<size_t>(i - begin) * dim_);
        }
      });
    }
    for (auto& x : th) x.join();
    return v;
  }

 private:
  int dim_, groups_;
  float spread_;
  uint64_t seed_;
  std::vector<float> centres_;
};

struct Lat {
  double p50 = 0, p99 = 0;
};
Lat Percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) return {};
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st;
    if (::stat(e.path().c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

struct Opts {
  std::vector<long> sizes{1000000};
  int dim = 192;
  int queries = 500;
  std::string spec = "IVF4096,PQ64x4fs";
  long train_at = 1000000;
  std::string dir = "ivf_bench_data";
  long hnsw_max = 1000000;
  bool faiss = true, hnsw = true;
  float probe_cosine = 0.7f;
};

void Row(const char* engine, long n, int threads, Lat l, int hit, int mate, int q, const std::string& extra) {
  std::printf("| %s | %ld | %d | %.2f | %.2f | %d/%d (%.1f %%) | %d/%d | %s |\n", engine, n, threads,
              l.p50, l.p99, hit, q, 100.0 * hit / q, mate, q, extra.c_str());
  std::fflush(stdout);
}

void RunSize(const Opts& o, long n) {
  const int dim = o.dim, nq = o.queries;
  const FaceLike gen(dim, 1000, 2.0f, 20261205);
  const long chunk = 250000;
  std::printf("\n## N = %ld, dim %d, %d probes (probe-mate cosine %.2f)\n\n", n, dim, nq, o.probe_cosine);
  // Probes and their mates.
  std::vector<int64_t> mate(static_cast<size_t>(nq));
  std::vector<float> probes(static_cast<size_t>(nq) * dim);
  {
    std::mt19937_64 rng(77);
    const float sigma = candor::search::NoiseForProbeCosine(o.probe_cosine) / std::sqrt(static_cast<float>(dim));
    std::normal_distribution<float> g(0, sigma);
    for (int j = 0; j < nq; ++j) {
      mate[j] = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
      gen.Row(mate[j], probes.data() + static_cast<size_t>(j) * dim);
      for (int d = 0; d < dim; ++d) probes[static_cast<size_t>(j) * dim + d] += g(rng);
    }
    candor::search::NormaliseRows(probes, dim);
  }
  auto probe = [&](int j) { return std::span<const float>(probes).subspan(static_cast<size_t>(j) * dim, dim); };

  // 1. Exact truth and the exact baseline (candor Flat,int8).
  std::vector<int64_t> truth(static_cast<size_t>(nq));
  {
    auto flat = std::move(*candor::MakeIndex("Flat,int8", dim));
    for (long b = 0; b < n; b += chunk) {
      const long e = std::min(n, b + chunk);
      const auto v = gen.Rows(b, e);
      std::vector<int64_t> ids(static_cast<size_t>(e - b));
      for (long i = b; i < e; ++i) ids[static_cast<size_t>(i - b)] = i;
      if (!flat->Add(v, ids).ok()) std::abort();
    }
    auto all = flat->SearchBatch(probes, {.k = 1});
    int mates = 0;
    for (int j = 0; j < nq; ++j) {
      truth[j] = (*all)[j].empty() ? -1 : (*all)[j][0].id;
      mates += truth[j] == mate[j];
    }
    std::printf("exact (Flat,int8): true mate at rank 1 for %d/%d probes; RSS %.2f GiB\n\n", mates, nq, RssGiB());
    std::printf("| engine | N | threads | p50 ms | p99 ms | rank-1 = exact | true mate rank-1 | notes |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (int threads : {1, 2}) {
      std::vector<double> ms;
      for (int j = 0; j < std::min(nq, 30); ++j) {
        const auto t = Clock::now();
        auto r = flat->Search(probe(j), {.k = 10, .threads = threads});
        ms.push_back(Since(t) * 1e3);
      }
      int mates30 = 0;
      for (int j = 0; j < std::min(nq, 30); ++j) mates30 += truth[j] == mate[j];
      Row("candor Flat,int8 (exact)", n, threads, Percentiles(ms), std::min(nq, 30), mates30, std::min(nq, 30),
          "first 30 probes");
    }
  }
  malloc_trim(0);

  // 2. candor IVF-PQ, persistent, encrypted.
  int tuned_nprobe = 0, tuned_rerank = 0;
  {
    const std::string dir = o.dir + "/candor_" + std::to_string(n);
    fs::remove_all(dir);
    std::vector<uint8_t> key(32);
    std::mt19937 kr(5);
    for (auto& b : key) b = static_cast<uint8_t>(kr());
    const candor::IndexFiles files{dir, key};
    const std::string spec = o.spec + ",TrainAt" + std::to_string(std::min(o.train_at, n));
    const auto t0 = Clock::now();
    double train_s = 0;
    {
      auto made = candor::CreateIndex(spec, dim, files);
      if (!made.ok()) {
        std::printf("CreateIndex: %s\n", made.status().ToString().c_str());
        return;
      }
      auto index = std::move(*made);
      for (long b = 0; b < n; b += chunk) {
        const long e = std::min(n, b + chunk);
        const auto v = gen.Rows(b, e);
        std::vector<int64_t> ids(static_cast<size_t>(e - b));
        for (long i = b; i < e; ++i) ids[static_cast<size_t>(i - b)] = i;
        const auto ta = Clock::now();
        const bool was = !index->Recall().exact;
        if (auto st = index->Add(v, ids); !st.ok()) {
          std::printf("Add: %s\n", st.ToString().c_str());
          return;
        }
        if (!was && !index->Recall().exact) train_s = Since(ta);
      }
      auto* ivf = static_cast<candor::search::IvfPqIndex*>(index.get());
      const auto tt = Clock::now();
      if (auto st = ivf->Tune(0.995); !st.ok()) std::printf("Tune: %s\n", st.ToString().c_str());
      const double tune_s = Since(tt);
      const double build_s = Since(t0);
      const candor::RecallReport rr = index->Recall();
      tuned_nprobe = rr.nprobe;
      tuned_rerank = rr.rerank;
      std::printf("\ncandor build %.1f s (training at %ld rows inside it: %.1f s; final Tune at %ld: %.1f s); "
                  "disk %.2f GiB; RSS after build %.2f GiB; %s\n",
                  build_s, std::min(o.train_at, n), train_s, n, tune_s, DirBytes(dir) / 1073741824.0, RssGiB(),
                  index->Describe().c_str());
    }
    malloc_trim(0);
    const double rss_before = RssGiB();
    const auto tr = Clock::now();
    auto reopened = candor::OpenIndex(files);
    if (!reopened.ok()) {
      std::printf("OpenIndex: %s\n", reopened.status().ToString().c_str());
      return;
    }
    const double reopen_s = Since(tr);
    auto& index = *reopened;
    std::printf("reopen %.2f s (page cache warm: the files were just written), RSS %.2f -> %.2f GiB\n\n", reopen_s,
                rss_before, RssGiB());
    for (int threads : {1, 2}) {
      std::vector<double> ms;
      int hit = 0, mates = 0;
      for (int j = 0; j < nq; ++j) {
        const auto t = Clock::now();
        auto r = index->Search(probe(j), {.k = 10, .threads = threads});
        ms.push_back(Since(t) * 1e3);
        if (r.ok() && !r->empty()) {
          hit += (*r)[0].id == truth[j];
          mates += (*r)[0].id == mate[j];
        }
      }
      char extra[200];
      std::snprintf(extra, sizeof(extra), "nprobe %d, rerank %d; RSS %.2f GiB", tuned_nprobe, tuned_rerank, RssGiB());
      Row("candor IVF-PQ4fs + int8 re-rank (encrypted files)", n, threads, Percentiles(ms), hit, mates, nq, extra);
    }
  }
  malloc_trim(0);

#ifdef CANDOR_HAVE_FAISS
  if (o.faiss) {
    const auto t0 = Clock::now();
    const int nlist = std::atoi(o.spec.c_str() + 3);
    const int m = std::atoi(o.spec.c_str() + o.spec.find(",PQ") + 3);
    faiss::IndexFlatIP quantizer(dim);
    faiss::IndexIVFPQFastScan ivf(&quantizer, dim, static_cast<size_t>(nlist), static_cast<size_t>(m), 4,
                                  faiss::METRIC_INNER_PRODUCT);
    faiss::IndexScalarQuantizer sq(dim, faiss::ScalarQuantizer::QT_8bit, faiss::METRIC_INNER_PRODUCT);
    faiss::IndexRefine refine(&ivf, &sq);
    {
      const long ns = std::min<long>(n, 131072);  // as candor's k-means sample
      const auto v = gen.Rows(0, ns);
      refine.train(ns, v.data());
    }
    for (long b = 0; b < n; b += chunk) {
      const long e = std::min(n, b + chunk);
      const auto v = gen.Rows(b, e);
      refine.add(e - b, v.data());
    }
    const double build_s = Since(t0);
    std::fflush(stdout);
    std::printf("\nFAISS build %.1f s, RSS %.2f GiB (Debian libfaiss 1.7.3: generic SSE build, no AVX2/AVX-512 "
                "fast-scan)\n\n", build_s, RssGiB());
    ivf.nprobe = static_cast<size_t>(std::max(1, tuned_nprobe));
    refine.k_factor = static_cast<float>(std::max(10, tuned_rerank)) / 10.0f;  // k_base >= k
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      std::vector<double> ms;
      int hit = 0, mates = 0;
      std::vector<float> dist(10);
      std::vector<faiss::Index::idx_t> lab(10);
      for (int j = 0; j < nq; ++j) {
        const auto t = Clock::now();
        refine.search(1, probe(j).data(), 10, dist.data(), lab.data());
        ms.push_back(Since(t) * 1e3);
        hit += lab[0] == truth[j];
        mates += lab[0] == mate[j];
      }
      char extra[160];
      std::snprintf(extra, sizeof(extra), "same nprobe %d, k_factor %.1f (SQ8 refine); generic SSE build",
                    tuned_nprobe, refine.k_factor);
      Row("FAISS IVF-PQ fast-scan + SQ8 refine", n, threads, Percentiles(ms), hit, mates, nq, extra);
    }
    refine.own_fields = false;
  }
#endif
  malloc_trim(0);

#ifdef CANDOR_HAVE_HNSWLIB
  if (o.hnsw && n <= o.hnsw_max) {
    const auto t0 = Clock::now();
    hnswlib::InnerProductSpace space(static_cast<size_t>(dim));
    hnswlib::HierarchicalNSW<float> h(&space, static_cast<size_t>(n), 16, 100);
    for (long b = 0; b < n; b += chunk) {
      const long e = std::min(n, b + chunk);
      const auto v = gen.Rows(b, e);
      std::vector<std::thread> th;
      for (int k = 0; k < 2; ++k) {
        th.emplace_back([&, k] {
          for (long i = b + (e - b) * k / 2; i < b + (e - b) * (k + 1) / 2; ++i) {
            h.addPoint(v.data() + static_cast<size_t>(i - b) * dim, static_cast<size_t>(i));
          }
        });
      }
      for (auto& x : th) x.join();
    }
    const double build_s = Since(t0);
    std::printf("\nhnswlib build %.1f s (M 16, efConstruction 100, 2 threads), RSS %.2f GiB\n\n", build_s, RssGiB());
    for (int ef : {64, 256}) {
      h.setEf(static_cast<size_t>(ef));
      std::vector<double> ms;
      int hit = 0, mates = 0;
      for (int j = 0; j < nq; ++j) {
        const auto t = Clock::now();
        auto res = h.searchKnn(probe(j).data(), 10);
        ms.push_back(Since(t) * 1e3);
        size_t best = 0;
        while (!res.empty()) {
          best = res.top().second;
          res.pop();
        }
        hit += static_cast<int64_t>(best) == truth[j];
        mates += static_cast<int64_t>(best) == mate[j];
      }
      Row("hnswlib HNSW (fp32)", n, 1, Percentiles(ms), hit, mates, nq, "ef " + std::to_string(ef));
    }
  }
#endif
}

// Fast-scan kernel speed per ISA (--kernels): 2^20 codes of m = 64, 32 bytes
// each (32 MiB, beyond L2), best of 20 scans, cut 65535 (nothing selected).
void KernelSpeed() {
  const size_t m = 64, n = size_t{1} << 20, blocks = n / candor::search::kPq4Block;
  std::vector<uint8_t> codes(blocks * candor::search::Pq4BlockBytes(m));
  std::mt19937 rng(1);
  for (auto& c : codes) c = static_cast<uint8_t>(rng());
  std::vector<uint8_t> luts(m * 16);
  for (auto& l : luts) l = static_cast<uint8_t>(rng());
  std::vector<uint16_t> raw(n);
  std::vector<uint32_t> idx(n);
  std::printf("\n| fast-scan kernel (m = 64, 2^20 codes) | ns per code | GB/s of codes |\n|---|---|---|\n");
  for (auto isa : candor::search::SupportedIsas()) {
    const auto k = candor::search::GetKernels(isa);
    double best = 1e9;
    for (int r = 0; r < 20; ++r) {
      const auto t = Clock::now();
      k.pq4_scan(codes.data(), blocks, m, luts.data(), 65535, raw.data(), idx.data());
      best = std::min(best, Since(t));
    }
    std::printf("| %s | %.3f | %.1f |\n", std::string(candor::search::IsaName(isa)).c_str(), best * 1e9 / n,
                codes.size() / best / 1e9);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--sizes") o.sizes = ParseList(next());
    else if (a == "--dim") o.dim = std::atoi(next().c_str());
    else if (a == "--queries") o.queries = std::atoi(next().c_str());
    else if (a == "--spec") o.spec = next();
    else if (a == "--train-at") o.train_at = std::atol(next().c_str());
    else if (a == "--dir") o.dir = next();
    else if (a == "--hnsw-max") o.hnsw_max = std::atol(next().c_str());
    else if (a == "--no-faiss") o.faiss = false;
    else if (a == "--no-hnsw") o.hnsw = false;
    else if (a == "--kernels") {
      KernelSpeed();
      return 0;
    }
    else if (a == "--probe-cosine") o.probe_cosine = std::strtof(next().c_str(), nullptr);
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  fs::create_directories(o.dir);
  std::printf("ivf_bench: %u hardware threads\n", std::thread::hardware_concurrency());
  for (long n : o.sizes) RunSize(o, n);
  return 0;
}
