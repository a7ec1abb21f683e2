// Copyright 2026 The Candor Authors.
//
// search_bench: exact 1:N identify latency of candor's Flat,int8 index against
// this machine's memory read bandwidth and against FAISS (IndexFlatIP, and
// IndexScalarQuantizer SQ8) on the same data in the same run.
//
//   search_bench [--sizes 1000000,10000000] [--dims 128,192] [--threads 1,2]
//                [--queries 50] [--k 10] [--no-faiss] [--mate-cosine 0.7]
//                [--sq8-max 1000000] [--batch 32] [--no-study]
//                [--templates FILE.f32 --labels FILE.txt --dim D]
//                [--embeddings CACHE_FILE]
//
// First it compares int8 scale choices (global clip 1.0 as Flat,int8 uses,
// 6/sqrt(d), 8/sqrt(d), global data max, per-dimension data max) by score error and rank-1 on
// synthetic data (--no-study skips this).
//
// Data: synthetic face-like templates. Each gallery row is a random unit vector
// (an identity's enrolled sample); each probe is normalise(row + noise) of a
// random enrolled row with the noise set for a mate cosine of --mate-cosine, so
// every probe has one true mate and the bench also reports rank-1 hits.
//
// Real templates (the LFW hook): --embeddings reads the pipeline's embedding
// cache (src/calibrate/embedding_set.h, written by candor calibrate / eval);
// --templates/--labels read raw little-endian float32 templates, D per row, and
// one identity label per line. The first template of each identity is enrolled,
// every other one probes; prints rank-1 for Flat,fp32 and Flat,int8 and the
// int8 scale study on that data.
//
// For FAISS run with OMP_PROC_BIND=true OMP_PLACES=cores (unpinned OpenMP
// regions stall here; see ../shared/docs/search-facts.md). Debian's libfaiss-dev
// 1.7.3 is a generic (SSE) build linked to netlib BLAS; an AVX-512 build of FAISS
// would be faster than the numbers this prints for it.

// GCC 12 intrinsic headers trip a false -Wuninitialized in _mm512_reduce_add_*.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "candor/index.h"
#include "process_rss.h"
#include "search/cpu_features.h"
#include "search/flat_index.h"
#include "search/kernels.h"
#include "search/synthetic_data.h"

#ifdef CANDOR_HAVE_EMBEDDING_SET
#include "calibrate/embedding_set.h"
#endif
#ifdef CANDOR_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <omp.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
using candor::search::FlatIndex;
using candor::search::Fp32Codec;
using candor::search::Int8Codec;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::vector<long> ParseList(const char* s) {
  std::vector<long> out;
  for (const char* p = s; *p;) {
    char* end;
    out.push_back(std::strtol(p, &end, 10));
    p = (*end == ',') ? end + 1 : end;
    if (end == p && *p) break;
  }
  return out;
}

// CPU seconds used by this process (all threads). On a shared machine the wall
// clock also counts time other processes held the cores; CPU time does not.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

using bench::RssGiB;

// --- memory read bandwidth -------------------------------------------------

__attribute__((target("avx512f"))) uint64_t ReadAvx512(const uint8_t* p, size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 256 <= n; i += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + i + 192));
  }
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3))));
}

uint64_t ReadScalar(const uint8_t* p, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    s += v;
  }
  return s;
}

struct Bandwidth {
  double wall = 0;  // GB/s by wall clock
  double cpu = 0;   // GB/s per CPU-second of each thread (bytes / (CPU s / threads))
};

// Best of 5 reads of a 2 GiB buffer (far beyond the 260 MiB L3), split over
// `threads` threads. GB = 1e9 bytes.
Bandwidth MeasureBandwidth(int threads) {
  const size_t bytes = size_t{2} << 30;
  // On huge pages, as the index's code array is (search/huge_page_allocator.h):
  // the floor is the best this machine can read, not a TLB-bound figure.
  auto* buf = static_cast<uint8_t*>(std::aligned_alloc(size_t{2} << 20, bytes));
  if (getenv("CANDOR_BENCH_SMALL_PAGES") == nullptr) (void)madvise(buf, bytes, MADV_HUGEPAGE);
  for (size_t i = 0; i < bytes; i += 4096) std::memset(buf + i, static_cast<int>(i >> 12), 4096);
  const bool avx512 = __builtin_cpu_supports("avx512f");
  Bandwidth best;
  std::vector<uint64_t> sink(static_cast<size_t>(threads));
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = Clock::now();
    const double c0 = CpuSeconds();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        const size_t b = bytes / static_cast<size_t>(threads) * static_cast<size_t>(t);
        const size_t len = bytes / static_cast<size_t>(threads);
        sink[static_cast<size_t>(t)] = avx512 ? ReadAvx512(buf + b, len) : ReadScalar(buf + b, len);
      });
    }
    for (auto& t : ts) t.join();
    best.wall = std::max(best.wall, static_cast<double>(bytes) / Seconds(t0, Clock::now()) / 1e9);
    best.cpu = std::max(best.cpu, static_cast<double>(bytes) * threads / (CpuSeconds() - c0) / 1e9);
  }
  uint64_t s = 0;
  for (auto v : sink) s += v;
  std::free(buf);
  if (s == 42) std::printf(" ");  // keep the reads
  return best;
}

// --- synthetic data ----------------------------------------------------------

// Fast deterministic approximately-Gaussian unit vectors: chunk c of a gallery
// is the same whichever index it is built for.
struct SplitMix {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Irwin-Hall(4) centred: mean 0, variance 1/3; normalised away anyway.
  float Gauss() {
    const uint64_t r = Next();
    return static_cast<float>((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) +
                              (r >> 48)) /
               65536.0f -
           2.0f;
  }
};

std::vector<float> GalleryChunk(int64_t first, int64_t n, int dim) {
  std::vector<float> v(static_cast<size_t>(n) * static_cast<size_t>(dim));
  const int parts = 2;
  std::vector<std::thread> ts;
  for (int t = 0; t < parts; ++t) {
    ts.emplace_back([&, t] {
      for (int64_t r = n * t / parts; r < n * (t + 1) / parts; ++r) {
        SplitMix rng{static_cast<uint64_t>(first + r) * 7919 + static_cast<uint64_t>(dim)};
        float* row = v.data() + static_cast<size_t>(r) * static_cast<size_t>(dim);
        double sq = 0;
        for (int d = 0; d < dim; ++d) {
          row[d] = rng.Gauss();
          sq += static_cast<double>(row[d]) * row[d];
        }
        const float inv = static_cast<float>(1.0 / std::sqrt(sq));
        for (int d = 0; d < dim; ++d) row[d] *= inv;
      }
    });
  }
  for (auto& t : ts) t.join();
  return v;
}

struct Probes {
  std::vector<float> vectors;
  std::vector<int64_t> mates;
};

Probes MakeProbes(int64_t n_gallery, int dim, int count, float mate_cosine) {
  Probes p;
  SplitMix pick{12345};
  // Probe = enrolled row + noise of norm s: cosine to the row ~ 1/sqrt(1+s^2),
  // which NoiseForMateCosine(c^2) solves for.
  const float noise = candor::search::NoiseForMateCosine(mate_cosine * mate_cosine) /
                      std::sqrt(static_cast<float>(dim));
  for (int i = 0; i < count; ++i) {
    const int64_t mate = static_cast<int64_t>(pick.Next() % static_cast<uint64_t>(n_gallery));
    auto row = GalleryChunk(mate, 1, dim);
    SplitMix rng{static_cast<uint64_t>(i) + 999};
    for (float& x : row) x += noise * rng.Gauss() * std::sqrt(3.0f);
    candor::search::NormaliseRows(row, dim);
    p.vectors.insert(p.vectors.end(), row.begin(), row.end());
    p.mates.push_back(mate);
  }
  return p;
}

struct Latency {
  double p50_ms, p99_ms;
  double p50_cpu_ms;  // median CPU time per query / threads
  int rank1;
};

template <typename SearchFn>
Latency TimeQueries(const Probes& probes, int dim, int threads, SearchFn&& search) {
  std::vector<double> ms, cpu;
  int rank1 = 0;
  const size_t n = probes.mates.size();
  for (size_t i = 0; i < n; ++i) {
    const float* q = probes.vectors.data() + i * static_cast<size_t>(dim);
    const auto t0 = Clock::now();
    const double c0 = CpuSeconds();
    const int64_t top = search(q);
    ms.push_back(Seconds(t0, Clock::now()) * 1e3);
    cpu.push_back((CpuSeconds() - c0) * 1e3 / threads);
    rank1 += top == probes.mates[i];
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  return {pct(ms, 0.5), pct(ms, 0.99), pct(cpu, 0.5), rank1};
}

double LoadAverage() {
  double l[1] = {0};
  return getloadavg(l, 1) == 1 ? l[0] : -1;
}

// --- int8 scale study and real-template hook ----------------------------------

// Scores every probe against every gallery row with a simulated int8 codec
// (per-dimension steps `step`, query quantised per query as Int8Codec does) and
// reports the score error against fp32 and the rank-1 hits of both.
void StudyScales(const std::vector<float>& gallery, const std::vector<float>& probes,
                 const std::vector<int64_t>& mates, int dim, const char* data_name) {
  const size_t d = static_cast<size_t>(dim);
  const size_t ng = gallery.size() / d, np = probes.size() / d;
  float gmax = 0;
  std::vector<float> dmax(d, 0);
  for (size_t i = 0; i < gallery.size(); ++i) {
    gmax = std::max(gmax, std::fabs(gallery[i]));
    dmax[i % d] = std::max(dmax[i % d], std::fabs(gallery[i]));
  }
  struct Variant {
    std::string name;
    std::vector<float> step;
  };
  std::vector<Variant> variants;
  const float def = Int8Codec::DefaultClip(dim);
  variants.push_back({"global clip " + std::to_string(def).substr(0, 5) + " (Flat,int8 default)",
                      std::vector<float>(d, def / 127)});
  for (float c :
       {6.0f / std::sqrt(static_cast<float>(dim)), 8.0f / std::sqrt(static_cast<float>(dim))}) {
    variants.push_back(
        {"global clip " + std::to_string(c).substr(0, 5), std::vector<float>(d, c / 127)});
  }
  variants.push_back({"global clip = max|x| = " + std::to_string(gmax).substr(0, 5),
                      std::vector<float>(d, gmax / 127)});
  std::vector<float> pd(d);
  for (size_t k = 0; k < d; ++k) pd[k] = std::max(dmax[k], 1e-6f) / 127;
  variants.push_back({"per-dimension clip = max|x_d|", pd});
  std::vector<double> exact(ng * np);
  int fp32_hits = 0;
  for (size_t j = 0; j < np; ++j) {
    size_t best = 0;
    for (size_t i = 0; i < ng; ++i) {
      double s = 0;
      for (size_t k = 0; k < d; ++k)
        s += static_cast<double>(probes[j * d + k]) * gallery[i * d + k];
      exact[j * ng + i] = s;
      if (s > exact[j * ng + best]) best = i;
    }
    fp32_hits += static_cast<int64_t>(best) == mates[j];
  }
  for (const auto& v : variants) {
    std::vector<float> codes(gallery.size());
    for (size_t i = 0; i < gallery.size(); ++i) {
      codes[i] = std::clamp(std::nearbyint(gallery[i] / v.step[i % d]), -127.0f, 127.0f);
    }
    double sum_err = 0, max_err = 0;
    int hits = 0;
    std::vector<float> qq(d);
    for (size_t j = 0; j < np; ++j) {
      float qmax = 0;
      for (size_t k = 0; k < d; ++k)
        qmax = std::max(qmax, std::fabs(probes[j * d + k] * v.step[k]));
      const float qstep = qmax / 127;
      for (size_t k = 0; k < d; ++k) qq[k] = std::nearbyint(probes[j * d + k] * v.step[k] / qstep);
      size_t best = 0;
      double best_s = -1e9;
      for (size_t i = 0; i < ng; ++i) {
        double s = 0;
        for (size_t k = 0; k < d; ++k) s += static_cast<double>(qq[k]) * codes[i * d + k];
        s *= qstep;
        const double e = std::fabs(s - exact[j * ng + i]);
        sum_err += e;
        max_err = std::max(max_err, e);
        if (s > best_s) {
          best_s = s;
          best = i;
        }
      }
      hits += static_cast<int64_t>(best) == mates[j];
    }
    std::printf("| %s | %d | %s | %.5f | %.4f | %d/%zu | %d/%zu |\n", data_name, dim,
                v.name.c_str(), sum_err / static_cast<double>(ng * np), max_err, fp32_hits, np,
                hits, np);
  }
}

void StudyHeader() {
  std::printf(
      "\n| data | dim | int8 scale | mean abs score error | max abs score error | "
      "fp32 rank-1 | int8 rank-1 |\n|---|---|---|---|---|---|---|\n");
}

// Rank-1 of Flat,fp32 and Flat,int8 on labelled real templates: the first
// template of each identity is enrolled, every other one probes.
int EvaluateLabelled(std::vector<float> all, const std::vector<std::string>& labels, int dim,
                     const char* data_name) {
  const size_t n = all.size() / static_cast<size_t>(dim);
  if (n == 0 || labels.size() != n) {
    std::fprintf(stderr, "templates: %zu rows but %zu labels\n", n, labels.size());
    return 2;
  }
  candor::search::NormaliseRows(all, dim);
  std::map<std::string, int64_t> first;
  std::vector<float> gallery, probes;
  std::vector<int64_t> gallery_ids, probe_mates;
  for (size_t i = 0; i < n; ++i) {
    const float* row = all.data() + i * static_cast<size_t>(dim);
    if (first.emplace(labels[i], static_cast<int64_t>(gallery_ids.size())).second) {
      gallery.insert(gallery.end(), row, row + dim);
      gallery_ids.push_back(static_cast<int64_t>(gallery_ids.size()));
    } else {
      probes.insert(probes.end(), row, row + dim);
      probe_mates.push_back(first[labels[i]]);
    }
  }
  if (probe_mates.empty()) {
    std::fprintf(stderr, "templates: no identity has two templates\n");
    return 2;
  }
  for (const char* spec : {"Flat,fp32", "Flat,int8"}) {
    auto idx = std::move(*candor::MakeIndex(spec, dim));
    if (auto s = idx->Add(gallery, gallery_ids); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    auto res = *idx->SearchBatch(probes, {.k = 1});
    int hits = 0;
    for (size_t j = 0; j < res.size(); ++j)
      hits += !res[j].empty() && res[j][0].id == probe_mates[j];
    std::printf("%s %s: %zu enrolled, %zu probes, rank-1 %d (%.3f %%)\n", data_name, spec,
                gallery_ids.size(), probe_mates.size(), hits,
                100.0 * hits / static_cast<double>(probe_mates.size()));
  }
  StudyHeader();
  StudyScales(gallery, probes, probe_mates, dim, data_name);
  return 0;
}

int RunTemplates(const char* path, const char* labels_path, int dim) {
  std::ifstream fb(path, std::ios::binary | std::ios::ate);
  if (!fb) {
    std::fprintf(stderr, "cannot open %s\n", path);
    return 2;
  }
  const auto bytes = static_cast<size_t>(fb.tellg());
  fb.seekg(0);
  std::vector<float> all(bytes / 4, 0.0f);
  fb.read(reinterpret_cast<char*>(all.data()), static_cast<std::streamsize>(bytes));
  std::ifstream fl(labels_path);
  std::vector<std::string> labels;
  for (std::string x; std::getline(fl, x);) {
    if (!x.empty()) labels.push_back(x);
  }
  return EvaluateLabelled(std::move(all), labels, dim, "templates");
}

#ifdef CANDOR_HAVE_EMBEDDING_SET
// The pipeline's cached embeddings (candor calibrate / eval: LFW), see
// src/calibrate/embedding_set.h.
int RunEmbeddingSet(const char* path) {
  auto set = candor::eval::LoadEmbeddingSet(path);
  if (!set.ok()) {
    std::fprintf(stderr, "%s\n", set.status().ToString().c_str());
    return 1;
  }
  std::vector<float> all;
  std::vector<std::string> labels;
  int dim = 0;
  for (const auto& im : set->images) {
    if (!im.ok) continue;
    dim = static_cast<int>(im.v.size());
    all.insert(all.end(), im.v.begin(), im.v.end());
    labels.push_back(im.identity);
  }
  std::printf("embeddings of model %s (%s)\n", set->model_id.c_str(), path);
  return EvaluateLabelled(std::move(all), labels, dim, "LFW embeddings");
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes{1000000, 10000000}, dims{128, 192}, threads{1, 2};
  int queries = 50, k = 10;
  bool faiss = true;
  float mate_cosine = 0.7f;
  const char* templates = nullptr;
  const char* labels = nullptr;
  int tdim = 0;
  const char* embeddings = nullptr;
  long sq8_max = 1000000;  // the generic FAISS SQ8 is slow: skip it above this N
  int batch = 32;
  bool study = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--sizes")
      sizes = ParseList(next());
    else if (a == "--dims")
      dims = ParseList(next());
    else if (a == "--threads")
      threads = ParseList(next());
    else if (a == "--queries")
      queries = std::atoi(next());
    else if (a == "--k")
      k = std::atoi(next());
    else if (a == "--no-faiss")
      faiss = false;
    else if (a == "--mate-cosine")
      mate_cosine = static_cast<float>(std::atof(next()));
    else if (a == "--templates")
      templates = next();
    else if (a == "--labels")
      labels = next();
    else if (a == "--dim")
      tdim = std::atoi(next());
    else if (a == "--embeddings")
      embeddings = next();
    else if (a == "--sq8-max")
      sq8_max = std::atol(next());
    else if (a == "--batch")
      batch = std::atoi(next());
    else if (a == "--no-study")
      study = false;
    else {
      std::fprintf(stderr, "unknown argument %s (see the header of bench/search_bench.cc)\n",
                   a.c_str());
      return 2;
    }
  }
  if (templates) {
    if (!labels || tdim <= 0) {
      std::fprintf(stderr, "--templates needs --labels and --dim\n");
      return 2;
    }
    return RunTemplates(templates, labels, tdim);
  }
  if (embeddings) {
#ifdef CANDOR_HAVE_EMBEDDING_SET
    return RunEmbeddingSet(embeddings);
#else
    std::fprintf(stderr, "--embeddings needs the calibrate module (candor_calibrate)\n");
    return 2;
#endif
  }
#ifndef CANDOR_HAVE_FAISS
  faiss = false;
#else
  if (faiss && (!std::getenv("OMP_PROC_BIND") || !std::getenv("OMP_PLACES"))) {
    std::printf(
        "warning: OMP_PROC_BIND/OMP_PLACES unset; FAISS timings may include OpenMP stalls\n");
  }
#endif

  std::printf("isa %s, %u hardware threads, load average %.2f\n",
              std::string(candor::search::IsaName(candor::search::BestIsa())).c_str(),
              std::thread::hardware_concurrency(), LoadAverage());
  std::map<long, Bandwidth> bw;
  for (long t : threads) {
    bw[t] = MeasureBandwidth(static_cast<int>(t));
    std::printf(
        "memory read bandwidth, %ld thread(s): %.1f GB/s wall, %.1f GB/s per CPU time "
        "(2 GiB buffer, best of 5)\n",
        t, bw[t].wall, bw[t].cpu);
  }
  if (study) {
    StudyHeader();
    for (long dim_l : dims) {
      const int dim = static_cast<int>(dim_l);
      for (float cosine : {0.7f, 0.45f}) {
        const int ng = 5000, np = 1000;
        const auto centres = candor::search::RandomUnitVectors(ng, dim, 77);
        std::vector<int64_t> all_ids(ng), probe_ids(np);
        for (int i = 0; i < ng; ++i) all_ids[static_cast<size_t>(i)] = i;
        for (int i = 0; i < np; ++i) probe_ids[static_cast<size_t>(i)] = i * 5;
        const float noise = candor::search::NoiseForMateCosine(cosine);
        const auto g = candor::search::SampleIdentities(centres, dim, all_ids, noise, 78);
        const auto q = candor::search::SampleIdentities(centres, dim, probe_ids, noise, 79);
        const std::string name = "synthetic, mate cosine " + std::to_string(cosine).substr(0, 4);
        StudyScales(g, q, probe_ids, dim, name.c_str());
      }
    }
  }
  std::printf(
      "\n| engine | N | dim | threads | p50 ms | p99 ms | GB/s | %% of read bandwidth (GB/s) | "
      "p50 CPU ms per thread | GB/s by CPU time | %% of CPU-time bandwidth (GB/s) | "
      "bytes/template | rank-1 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (long dim_l : dims) {
    const int dim = static_cast<int>(dim_l);
    for (long n : sizes) {
      const Probes probes = MakeProbes(n, dim, queries, mate_cosine);
      const int64_t chunk = 1000000;
      // --- candor Flat,int8 ---
      {
        const double rss0 = RssGiB();
        auto idx = std::move(*candor::MakeIndex("Flat,int8", dim));
        const auto t0 = Clock::now();
        for (int64_t first = 0; first < n; first += chunk) {
          const int64_t m = std::min(chunk, n - first);
          auto v = GalleryChunk(first, m, dim);
          std::vector<int64_t> ids(static_cast<size_t>(m));
          for (int64_t i = 0; i < m; ++i) ids[static_cast<size_t>(i)] = first + i;
          if (auto s = idx->Add(v, ids); !s.ok()) {
            std::fprintf(stderr, "%s\n", s.ToString().c_str());
            return 1;
          }
        }
        const double build_s = Seconds(t0, Clock::now());
        const double rss = RssGiB() - rss0;
        for (long t : threads) {
          const candor::SearchParams p{.k = k, .threads = static_cast<int>(t)};
          // Re-measured next to each timing: other load on the machine moves it.
          bw[t] = MeasureBandwidth(static_cast<int>(t));
          (void)idx->Search(std::span<const float>(probes.vectors.data(), dim), p);  // warm
          const Latency l =
              TimeQueries(probes, dim, static_cast<int>(t), [&](const float* q) -> int64_t {
                auto r = idx->Search(std::span<const float>(q, dim), p);
                return r.ok() && !r->empty() ? (*r)[0].id : -1;
              });
          const double gbs = static_cast<double>(n) * dim / (l.p50_ms * 1e-3) / 1e9;
          const double cgbs = static_cast<double>(n) * dim / (l.p50_cpu_ms * 1e-3) / 1e9;
          std::printf(
              "| candor Flat,int8 | %ld | %d | %ld | %.2f | %.2f | %.1f | %.0f %% (%.1f) | "
              "%.2f | %.1f | %.0f %% (%.1f) | %.1f | %d/%d |\n",
              n, dim, t, l.p50_ms, l.p99_ms, gbs, 100 * gbs / bw[t].wall, bw[t].wall, l.p50_cpu_ms,
              cgbs, 100 * cgbs / bw[t].cpu, bw[t].cpu, idx->BytesPerTemplate(), l.rank1, queries);
        }
        if (batch > 0) {
          std::vector<float> qs;
          for (int i = 0; i < batch; ++i) {
            const size_t j = static_cast<size_t>(i) % probes.mates.size();
            qs.insert(qs.end(), probes.vectors.begin() + static_cast<std::ptrdiff_t>(j * dim),
                      probes.vectors.begin() + static_cast<std::ptrdiff_t>((j + 1) * dim));
          }
          const long t = threads.back();
          const candor::SearchParams p{.k = k, .threads = static_cast<int>(t)};
          const auto t0 = Clock::now();
          auto r = idx->SearchBatch(qs, p);
          const double ms = Seconds(t0, Clock::now()) * 1e3;
          std::printf(
              "| candor Flat,int8, batch of %d | %ld | %d | %ld | %.2f per query (%.1f per batch) "
              "| | | | | %s |\n",
              batch, n, dim, t, ms / batch, ms, r.ok() ? "ok" : "error");
        }
        std::printf("  (candor: built in %.1f s, RSS +%.2f GiB = %.1f bytes/template)\n", build_s,
                    rss, rss * 1024 * 1024 * 1024 / static_cast<double>(n));
      }
#ifdef CANDOR_HAVE_FAISS
      if (faiss) {
        for (int kind = 0; kind < (n <= sq8_max ? 2 : 1); ++kind) {
          const double rss0 = RssGiB();
          std::unique_ptr<faiss::Index> fi;
          if (kind == 0) {
            fi = std::make_unique<faiss::IndexFlatIP>(dim);
          } else {
            fi = std::make_unique<faiss::IndexScalarQuantizer>(dim, faiss::ScalarQuantizer::QT_8bit,
                                                               faiss::METRIC_INNER_PRODUCT);
            auto train = GalleryChunk(0, std::min<int64_t>(n, 100000), dim);
            fi->train(std::min<int64_t>(n, 100000), train.data());
          }
          for (int64_t first = 0; first < n; first += chunk) {
            const int64_t m = std::min(chunk, n - first);
            auto v = GalleryChunk(first, m, dim);
            fi->add(m, v.data());
          }
          const double rss = RssGiB() - rss0;
          const char* name = kind == 0 ? "FAISS IndexFlatIP" : "FAISS SQ8 (IndexScalarQuantizer)";
          const double bytes_per = kind == 0 ? 4.0 * dim : 1.0 * dim;
          for (long t : threads) {
            omp_set_num_threads(static_cast<int>(t));
            std::vector<float> dist(static_cast<size_t>(k));
            std::vector<faiss::Index::idx_t> lab(static_cast<size_t>(k));
            fi->search(1, probes.vectors.data(), k, dist.data(), lab.data());  // warm
            const Latency l =
                TimeQueries(probes, dim, static_cast<int>(t), [&](const float* q) -> int64_t {
                  fi->search(1, q, k, dist.data(), lab.data());
                  return lab[0];
                });
            const double gbs = static_cast<double>(n) * bytes_per / (l.p50_ms * 1e-3) / 1e9;
            const double cgbs = static_cast<double>(n) * bytes_per / (l.p50_cpu_ms * 1e-3) / 1e9;
            std::printf(
                "| %s | %ld | %d | %ld | %.2f | %.2f | %.1f | %.0f %% (%.1f) | %.2f | %.1f | "
                "%.0f %% (%.1f) | %.0f | %d/%d |\n",
                name, n, dim, t, l.p50_ms, l.p99_ms, gbs, 100 * gbs / bw[t].wall, bw[t].wall,
                l.p50_cpu_ms, cgbs, 100 * cgbs / bw[t].cpu, bw[t].cpu, bytes_per, l.rank1, queries);
          }
          std::printf("  (%s: RSS +%.2f GiB)\n", name, rss);
        }
      }
#endif
      std::fflush(stdout);
    }
  }
  std::printf("load average at end %.2f\n", LoadAverage());
  return 0;
}
