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

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <numeric>
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
#include "face_data.h"

#ifdef CANDOR_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQFastScan.h>
#include <faiss/IndexRefine.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/index_io.h>
#include <faiss/invlists/BlockInvertedLists.h>
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
  long faiss_max = 10000000;
  int faiss_queries = 100;  // per probe set (the generic SSE build is slow)
  long flat_max = 10000000;  // exact Flat,int8 latency rows up to this size (dim bytes per row in RAM)
  long chunk = 250000;
  bool faiss = true, hnsw = true;
  float probe_cosine = 0.7f;
  std::string lfw;  // embedding cache: data = LfwFitted with real LFW mates
  bool keep = false;  // keep the index files
  std::string reopen;   // --reopen DIR
  int reopen_times = 3;
  bool read_only = false;
  std::string ssd_file;  // --ssd-latency FILE
  int reads = 2000;
  bool lfw_mate_cosines = false;  // tune with the --lfw cache model's genuine cosines
  bool tuner_models = false;  // compare held-back probe models against the bench's probes
  bool measure_only = false;  // reopen a kept index and its saved probes; no build
  int reopens = 1;            // times the kept index is opened and timed
  std::vector<long> sweep;    // --sweep nprobe,...: agreement at fixed settings
  int sweep_rerank = 0;       // --sweep-rerank (0: the tuned re-rank depth)
  bool faiss_beside = false;  // --measure-only: then FAISS on the same rows and probes
  std::string faiss_dir;      // where --faiss-beside saves (and --faiss-load reads) FAISS's index
  std::string faiss_refine = "SQ4";  // none | SQ4 | SQ8
  long faiss_train = 131072;  // rows FAISS trains on (as candor's k-means sample)
  std::vector<long> faiss_nprobes;  // default: candor's tuned nprobe
  bool faiss_load = false;    // read the index --faiss-beside saved instead of building it
  bool faiss_base_row = true; // also time the fast-scan alone (no refine), 1 thread
  bool overlap = false;       // --faiss-beside: generate the next chunk while FAISS adds
  int verify = 100;           // probes per set whose exact truth is recomputed on the regenerated rows
};

void Row(const char* engine, long n, int threads, Lat l, int hit, int mate, int q, const std::string& extra) {
  std::printf("| %s | %ld | %d | %.2f | %.2f | %d/%d (%.1f %%) | %d/%d | %s |\n", engine, n, threads,
              l.p50, l.p99, hit, q, 100.0 * hit / q, mate, q, extra.c_str());
  std::fflush(stdout);
}

std::string Load() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) < 0) return "?";
  char b[64];
  std::snprintf(b, sizeof(b), "load %.1f", l[0]);
  return b;
}

// The key every index this bench builds is encrypted with.
std::vector<uint8_t> BenchKey() {
  std::vector<uint8_t> key(32);
  std::mt19937 kr(5);
  for (auto& b : key) b = static_cast<uint8_t>(kr());
  return key;
}

// Opens an index directory built by this bench `times` times in a row.
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
    const auto* ivf = dynamic_cast<const candor::search::IvfPqIndex*>(opened->get());
    std::string how = "?";
    if (ivf != nullptr) {
      const auto& info = ivf->open_info();
      how = info.from_snapshot ? "snapshot (+" + std::to_string(info.tail_rows) + " tail rows, " +
                                     std::to_string(info.removals_replayed) + " removals replayed)"
                               : "records (" + info.note + ")";
      if (info.snapshot_written) how += "; wrote a fresh snapshot";
    }
    std::printf("reopen %d: %.2f s, %lld templates, RSS %.2f -> %.2f GiB, %s -> %s; from %s\n", i + 1, s,
                static_cast<long long>((*opened)->size()), rss0, RssGiB(), load0.c_str(), Load().c_str(),
                how.c_str());
    std::fflush(stdout);
    opened->reset();
    malloc_trim(0);
  }
  return 0;
}

// One probe set: vectors, the row of each probe's mate, exact truth.
struct Probes {
  std::string name;
  std::vector<float> v;
  std::vector<int64_t> mate, truth;
  std::vector<float> best;
  int size() const { return static_cast<int>(mate.size()); }
};

// The probe sets with their exact truth, saved beside a kept index so that a
// later --measure-only run can time searches on a quiet host without the
// hours of building and exact scanning (bench-private format, host byte order).
std::string ProbesPath(const Opts& o, long n) { return o.dir + "/probes_" + std::to_string(n) + ".bin"; }

template <typename T>
void PutVec(std::ofstream& f, const std::vector<T>& v) {
  const uint64_t c = v.size();
  f.write(reinterpret_cast<const char*>(&c), sizeof(c));
  f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(c * sizeof(T)));
}
template <typename T>
bool GetVec(std::ifstream& f, std::vector<T>* v) {
  uint64_t c = 0;
  if (!f.read(reinterpret_cast<char*>(&c), sizeof(c)) || c > (uint64_t{1} << 32)) return false;
  v->resize(c);
  return static_cast<bool>(f.read(reinterpret_cast<char*>(v->data()), static_cast<std::streamsize>(c * sizeof(T))));
}

bool SaveProbes(const std::string& path, const std::vector<Probes>& sets) {
  std::ofstream f(path + ".tmp", std::ios::binary | std::ios::trunc);
  for (const auto& p : sets) {
    PutVec(f, std::vector<char>(p.name.begin(), p.name.end()));
    PutVec(f, p.v);
    PutVec(f, p.mate);
    PutVec(f, p.truth);
  }
  f.close();
  std::error_code ec;
  if (!f) return false;
  fs::rename(path + ".tmp", path, ec);
  return !ec;
}

bool LoadProbes(const std::string& path, std::vector<Probes>* sets) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  while (f.peek() != std::ifstream::traits_type::eof()) {
    Probes p;
    std::vector<char> name;
    if (!GetVec(f, &name) || !GetVec(f, &p.v) || !GetVec(f, &p.mate) || !GetVec(f, &p.truth)) return false;
    if (p.truth.size() != p.mate.size()) return false;
    p.name.assign(name.begin(), name.end());
    sets->push_back(std::move(p));
  }
  return !sets->empty();
}

using Top1 = std::function<int64_t(const float*)>;

// p50/p99 and agreement over the first `limit` probes of each set.
void Measure(const std::vector<Probes>& sets, long n, int dim, const char* engine, int threads,
             const std::string& extra, const Top1& top1, int limit) {
  for (const auto& p : sets) {
    std::vector<double> ms;
    int hit = 0, mates = 0, q = std::min(p.size(), limit);
    for (int j = 0; j < q; ++j) {
      const auto t = Clock::now();
      const int64_t id = top1(p.v.data() + static_cast<size_t>(j) * dim);
      ms.push_back(Since(t) * 1e3);
      hit += id == p.truth[j];
      mates += id == p.mate[j];
    }
    Row(engine, n, threads, Percentiles(ms), hit, mates, q, p.name + "; " + extra + "; " + Load());
  }
}

// Opens the kept index (timed, `reopens` times) and measures it on 1 and 2
// threads. False when it cannot be opened.
bool MeasureReopened(const Opts& o, const candor::IndexFiles& files, const std::vector<Probes>& sets, long n,
                     int dim, candor::RecallReport* setting = nullptr) {
  std::unique_ptr<candor::Index> idx;
  for (int r = 0; r < std::max(1, o.reopens); ++r) {
    idx.reset();
    malloc_trim(0);
    const double rss_before = RssGiB();
    const auto tr = Clock::now();
    auto reopened = candor::OpenIndex(files);
    if (!reopened.ok()) {
      std::printf("OpenIndex: %s\n", reopened.status().ToString().c_str());
      return false;
    }
    const double secs = Since(tr);
    const auto* ivf = dynamic_cast<const candor::search::IvfPqIndex*>(reopened->get());
    const bool snap = ivf != nullptr && ivf->open_info().from_snapshot;
    std::printf("candor reopen %d: %.2f s (from the %s%s), RSS %.2f -> %.2f GiB; %s; %s\n", r + 1, secs,
                snap ? "snapshot" : "records", ivf && ivf->open_info().snapshot_written ? ", wrote a snapshot" : "",
                rss_before, RssGiB(), (*reopened)->Describe().c_str(), Load().c_str());
    std::fflush(stdout);
    idx = std::move(*reopened);
  }
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

// The same key and directory RunSize uses for size n.
candor::IndexFiles BenchFiles(const Opts& o, long n) {
  return candor::IndexFiles{o.dir + "/candor_" + std::to_string(n), BenchKey()};
}

// Rows [b, e) of the generator and their ids (the row numbers).
std::pair<std::vector<float>, std::vector<int64_t>> Chunk(const bench::Source& gen, long b, long e) {
  std::vector<int64_t> ids(static_cast<size_t>(e - b));
  std::iota(ids.begin(), ids.end(), static_cast<int64_t>(b));
  return {gen.Rows(b, e), std::move(ids)};
}

// Exact (int8) top-1 of every probe over one chunk of rows, merged into each
// set's truth/best: run over all chunks, the exact truth over all rows.
void UpdateTruth(const std::vector<float>& v, const std::vector<int64_t>& ids, int dim, std::vector<Probes>* sets) {
  auto part = std::move(*candor::MakeIndex("Flat,int8", dim));
  if (!part->Add(v, ids).ok()) std::abort();
  for (auto& p : *sets) {
    if (p.size() == 0) continue;
    auto r = part->SearchBatch(p.v, {.k = 1});
    for (int j = 0; j < p.size(); ++j) {
      if (!(*r)[j].empty() && (*r)[j][0].score > p.best[j]) {
        p.best[j] = (*r)[j][0].score;
        p.truth[j] = (*r)[j][0].id;
      }
    }
  }
}

// The probe sets RunSize draws for n rows: synthetic mates (rows and draws
// from seed 77) and, with LfwFitted, up to nq real LFW mates; truth unknown.
std::vector<Probes> DrawProbes(const bench::Source& gen, long n, int nq) {
  const int dim = gen.dim();
  std::vector<Probes> sets;
  {
    Probes p;
    p.name = "synthetic mates";
    std::mt19937_64 rng(77);
    p.v.resize(static_cast<size_t>(nq) * dim);
    for (int j = 0; j < nq; ++j) {
      p.mate.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(n)));
      gen.Probe(p.mate.back(), static_cast<uint64_t>(j), p.v.data() + static_cast<size_t>(j) * dim);
    }
    sets.push_back(std::move(p));
    Probes r;
    r.name = "real LFW mates";
    for (auto& [row, v] : gen.RealProbes(n)) {
      if (r.size() >= nq) break;
      r.mate.push_back(row);
      r.v.insert(r.v.end(), v.begin(), v.end());
    }
    if (r.size() > 0) sets.push_back(std::move(r));
  }
  for (auto& p : sets) {
    p.truth.assign(p.mate.size(), -1);
    p.best.assign(p.mate.size(), -2.0f);
  }
  return sets;
}

#ifdef CANDOR_HAVE_FAISS
// True when `a` and `b` hold the same probes: the same mate rows and
// bit-identical vectors (the generator reproduces what the kept run drew).
int SameProbes(const Probes& a, const Probes& b, int dim) {
  int same = 0;
  for (int j = 0; j < std::min(a.size(), b.size()); ++j) {
    same += a.mate[j] == b.mate[j] &&
            std::memcmp(a.v.data() + static_cast<size_t>(j) * dim, b.v.data() + static_cast<size_t>(j) * dim,
                        sizeof(float) * dim) == 0;
  }
  return same;
}

// FAISS beside a kept candor index (--faiss-beside): regenerates the same n
// rows, checks them against the kept probes and exact truth, builds (or loads,
// --faiss-load) FAISS IVF-PQ fast-scan with an optional SQ refine, saves it to
// --faiss-dir, and measures it on the kept probes. `nprobe` and `rerank` are
// candor's tuned setting (the same lists scanned, the same re-rank depth).
void FaissBeside(const Opts& o, const bench::Source& gen, std::vector<Probes> sets, long n, int nprobe,
                 int rerank) {
  const int dim = gen.dim();
  const int nlist = std::atoi(o.spec.c_str() + 3);
  const int m = std::atoi(o.spec.c_str() + o.spec.find(",PQ") + 3);
  std::printf("\n## FAISS beside it: the same %ld rows regenerated (%s)\n\n", n, gen.Describe().c_str());
  // 1. The generator draws the same probes (mate rows and vectors, bit for bit).
  const bool kept_truth = !sets.empty() && sets[0].truth[0] >= 0;
  const auto fresh = DrawProbes(gen, n, o.queries);
  for (const auto& p : sets) {
    for (const auto& f : fresh) {
      if (f.name == p.name) {
        std::printf("regenerated probes, %s: %d/%d identical to the kept ones (mate row and vector)\n",
                    p.name.c_str(), SameProbes(p, f, dim), p.size());
      }
    }
  }
  // 2. Exact truth recomputed over the regenerated rows: the first --verify
  //    probes of each set against the kept truth, or all of them without it.
  std::vector<Probes> check = sets;
  for (auto& p : check) {
    const int keep = kept_truth ? std::min(p.size(), o.verify) : p.size();
    p.v.resize(static_cast<size_t>(keep) * dim);
    p.mate.resize(keep);
    p.truth.assign(keep, -1);
    p.best.assign(keep, -2.0f);
  }
  faiss::Index* top = nullptr;
  std::unique_ptr<faiss::Index> owner;
  faiss::IndexIVFPQFastScan* ivf = nullptr;
  faiss::IndexScalarQuantizer* sq = nullptr;
  faiss::IndexRefine* refine = nullptr;
  const std::string name = "faiss_" + o.spec + "_" + o.faiss_refine + "_" + std::to_string(n) + ".index";
  const std::string path = o.faiss_dir + "/" + name;
  try {
    if (o.faiss_load) {
      const auto t = Clock::now();
      owner.reset(faiss::read_index(path.c_str()));
      top = owner.get();
      refine = dynamic_cast<faiss::IndexRefine*>(top);
      ivf = dynamic_cast<faiss::IndexIVFPQFastScan*>(refine ? refine->base_index : top);
      sq = refine ? dynamic_cast<faiss::IndexScalarQuantizer*>(refine->refine_index) : nullptr;
      std::printf("FAISS index read from %s in %.1f s, %lld rows, RSS %.2f GiB; %s\n", path.c_str(), Since(t),
                  static_cast<long long>(top->ntotal), RssGiB(), Load().c_str());
      if (ivf == nullptr || top->ntotal != n) {
        std::printf("%s is not an IVF-PQ fast-scan index of %ld rows\n", path.c_str(), n);
        return;
      }
    } else {
      auto* quantizer = new faiss::IndexFlatIP(dim);
      ivf = new faiss::IndexIVFPQFastScan(quantizer, dim, static_cast<size_t>(nlist), static_cast<size_t>(m), 4,
                                          faiss::METRIC_INNER_PRODUCT);
      ivf->own_fields = true;
      top = ivf;
      if (o.faiss_refine != "none") {
        const auto qt = o.faiss_refine == "SQ8" ? faiss::ScalarQuantizer::QT_8bit : faiss::ScalarQuantizer::QT_4bit;
        sq = new faiss::IndexScalarQuantizer(dim, qt, faiss::METRIC_INNER_PRODUCT);
        refine = new faiss::IndexRefine(ivf, sq);
        refine->own_fields = true;
        top = refine;
      }
      owner.reset(top);
    }
  } catch (const std::exception& e) {
    std::printf("FAISS: %s\n", e.what());
    return;
  }
  omp_set_num_threads(2);
  double train_s = 0, add_s = 0, refine_s = 0, gen_s = 0, truth_s = 0;
  const auto t_all = Clock::now();
  if (!o.faiss_load) {
    auto t = Clock::now();
    const long ns = std::min<long>(n, o.faiss_train);
    const auto v = gen.Rows(0, ns);
    gen_s += Since(t);
    t = Clock::now();
    top->train(ns, v.data());
    train_s = Since(t);
    std::printf("FAISS trained on the first %ld rows in %.1f s (%s)\n", ns, train_s, Load().c_str());
    if (sq != nullptr) sq->codes.reserve(static_cast<size_t>(n) * sq->code_size);  // no doubling at 10^8
  }
  // With --overlap the next chunk is generated while FAISS adds this one
  // (gen_s is then the wait for it, and the adds share the cores with it).
  std::future<std::pair<std::vector<float>, std::vector<int64_t>>> ahead;
  for (long b = 0; b < n; b += o.chunk) {
    const long e = std::min(n, b + o.chunk);
    auto t = Clock::now();
    const auto [v, ids] = ahead.valid() ? ahead.get() : Chunk(gen, b, e);
    if (o.overlap && e < n) {
      ahead = std::async(std::launch::async, [&gen, e, n, &o] { return Chunk(gen, e, std::min(n, e + o.chunk)); });
    }
    gen_s += Since(t);
    t = Clock::now();
    UpdateTruth(v, ids, dim, &check);
    truth_s += Since(t);
    if (!o.faiss_load) {
      t = Clock::now();
      ivf->add(e - b, v.data());
      add_s += Since(t);
      if (sq != nullptr) {
        t = Clock::now();
        sq->add(e - b, v.data());
        refine->ntotal = sq->ntotal;  // as IndexRefine::add
        refine_s += Since(t);
      }
    }
    if ((b / o.chunk) % 20 == 19 || e == n) {
      const double el = Since(t_all);
      char adds[160] = "";
      if (!o.faiss_load) {
        std::snprintf(adds, sizeof(adds), ", FAISS add %.0f/s (IVF-PQ), %s refine add %.0f/s",
                      e / std::max(add_s, 1e-9), o.faiss_refine.c_str(), sq ? e / std::max(refine_s, 1e-9) : 0.0);
      }
      std::printf("  %ld rows, %.0f s: generate %.0f/s, exact check %.0f/s%s; projected end in %.0f s; RSS %.2f GiB; "
                  "%s\n", e, el, e / std::max(gen_s, 1e-9), e / std::max(truth_s, 1e-9), adds, el / e * (n - e),
                  RssGiB(), Load().c_str());
      std::fflush(stdout);
    }
  }
  for (size_t s = 0; s < sets.size(); ++s) {
    if (kept_truth) {
      int same = 0;
      for (int j = 0; j < check[s].size(); ++j) same += check[s].truth[j] == sets[s].truth[j];
      std::printf("exact (int8) top-1 over the %ld regenerated rows equals the kept truth for %d/%d %s\n", n, same,
                  check[s].size(), sets[s].name.c_str());
    } else {
      sets[s].truth = check[s].truth;
      int mates = 0;
      for (int j = 0; j < sets[s].size(); ++j) mates += sets[s].truth[j] == sets[s].mate[j];
      std::printf("exact (int8) search: true mate at rank 1 for %d/%d %s\n", mates, sets[s].size(),
                  sets[s].name.c_str());
    }
  }
  auto* bil = dynamic_cast<faiss::BlockInvertedLists*>(ivf->invlists);
  double code_bytes = 0, id_bytes = 0;
  if (bil != nullptr) {
    for (size_t l = 0; l < bil->nlist; ++l) {
      bil->ids[l].shrink_to_fit();
      code_bytes += static_cast<double>(bil->codes[l].size());
      id_bytes += 8.0 * static_cast<double>(bil->ids[l].size());
    }
  }
  malloc_trim(0);
  const double sq_bytes = sq != nullptr ? static_cast<double>(sq->codes.size()) : 0.0;
  if (!o.faiss_load) {
    std::printf("\nFAISS build %.1f s = train %.1f s + IVF-PQ add %.1f s + %s refine add %.1f s (generation %.1f s "
                "and the exact check %.1f s not counted; %d OpenMP threads%s); ",
                train_s + add_s + refine_s, train_s, add_s, o.faiss_refine.c_str(), refine_s, gen_s, truth_s, 2,
                o.overlap ? "; the adds overlapped the generation of the next chunk" : "");
  }
  std::printf("in RAM: packed codes %.2f GB + ids %.2f GB + %s codes %.2f GB; RSS %.2f GiB; %s\n", code_bytes / 1e9,
              id_bytes / 1e9, o.faiss_refine.c_str(), sq_bytes / 1e9, RssGiB(), Load().c_str());
  if (!o.faiss_load) {
    const auto t = Clock::now();
    try {
      fs::create_directories(o.faiss_dir);
      faiss::write_index(top, (path + ".tmp").c_str());
      fs::rename(path + ".tmp", path);
      std::printf("FAISS index written to %s: %.2f GB in %.1f s; %s\n", path.c_str(), fs::file_size(path) / 1e9,
                  Since(t), Load().c_str());
    } catch (const std::exception& e) {
      std::printf("write_index %s: %s\n", path.c_str(), e.what());
    }
  }
  std::fflush(stdout);
  std::printf("\n| engine | N | threads | p50 ms | p99 ms | rank-1 = exact | true mate rank-1 | notes |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::vector<long> nprobes = o.faiss_nprobes;
  if (nprobes.empty()) nprobes.push_back(nprobe);
  const float k_factor = static_cast<float>(std::max(10, rerank)) / 10.0f;  // k_base = rerank at k = 10
  std::vector<float> dist(10);
  std::vector<faiss::Index::idx_t> lab(10);
  for (long np : nprobes) {
    ivf->nprobe = static_cast<size_t>(np);
    if (refine != nullptr) refine->k_factor = k_factor;
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      char extra[220];
      if (refine != nullptr) {
        std::snprintf(extra, sizeof(extra), "nprobe %ld/%d, %s refine of the best %d (k_factor %.1f); RSS %.2f GiB",
                      np, nlist, o.faiss_refine.c_str(), static_cast<int>(10 * k_factor), k_factor, RssGiB());
        const std::string engine = "FAISS IVF-PQ fast-scan + " + o.faiss_refine + " refine (generic SSE build)";
        Measure(sets, n, dim, engine.c_str(), threads, extra, [&](const float* q) -> int64_t {
          refine->search(1, q, 10, dist.data(), lab.data());
          return lab[0];
        }, o.faiss_queries);
      }
      if (refine == nullptr || (threads == 1 && o.faiss_base_row)) {
        std::snprintf(extra, sizeof(extra), "nprobe %ld/%d, no refine; RSS %.2f GiB", np, nlist, RssGiB());
        Measure(sets, n, dim, "FAISS IVF-PQ fast-scan, no refine (generic SSE build)", threads, extra,
                [&](const float* q) -> int64_t {
                  ivf->search(1, q, 10, dist.data(), lab.data());
                  return lab[0];
                }, o.faiss_queries);
      }
    }
  }
  std::printf("RSS after the FAISS searches %.2f GiB; wall %.0f s; %s\n", RssGiB(), Since(t_all), Load().c_str());
  std::fflush(stdout);
}
#endif

// --measure-only: no generation, no build; the index RunSize kept (--keep)
// and the probes it saved. With --faiss-beside (and the generator), FAISS is
// then built on the same rows and measured on the same probes in this run;
// without kept probes, FAISS alone (probes drawn, truth computed in its pass).
void MeasureOnly(const Opts& o, long n, const bench::Source* gen) {
  std::printf("\n## N = %ld, kept index, measure only\n\n", n);
  std::vector<Probes> sets;
  candor::RecallReport setting;
  setting.nprobe = 0;
  if (LoadProbes(ProbesPath(o, n), &sets)) {
    const int dim = static_cast<int>(sets[0].v.size() / std::max<size_t>(1, sets[0].mate.size()));
    candor::IndexFiles files = BenchFiles(o, n);
    files.read_only = o.read_only;
    std::printf("disk %.2f GiB; %s%s\n", DirBytes(files.dir) / 1073741824.0, Load().c_str(),
                o.read_only ? "; opened read-only" : "");
    std::printf("\n| engine | N | threads | p50 ms | p99 ms | rank-1 = exact | true mate rank-1 | notes |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    if (!MeasureReopened(o, files, sets, n, dim, &setting)) setting.nprobe = 0;
    malloc_trim(0);
    std::printf("candor index released: RSS %.2f GiB; %s\n", RssGiB(), Load().c_str());
  } else if (!(o.faiss_beside && gen != nullptr)) {
    std::printf("cannot read %s (run once with --keep first)\n", ProbesPath(o, n).c_str());
    return;
  } else {
    std::printf("no kept probes at %s: FAISS alone, probes drawn as a build run draws them\n",
                ProbesPath(o, n).c_str());
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

void RunSize(const Opts& o, const bench::Source& gen, long n) {
  const int dim = gen.dim();
  const int nq = o.queries;
  std::printf("\n## N = %ld, dim %d (%s)\n\n", n, dim, gen.Describe().c_str());
  std::vector<Probes> sets = DrawProbes(gen, n, nq);
  // One pass over the data: candor's index, exact truth (chunk by chunk, so
  // 10^8 never has to fit), Flat kept for latency up to flat_max, FAISS.
  const candor::IndexFiles files = BenchFiles(o, n);
  const std::string dir = files.dir;
  fs::remove_all(dir);
  const std::string spec = o.spec + ",TrainAt" + std::to_string(std::min(o.train_at, n));
  auto made = candor::CreateIndex(spec, dim, files);
  if (!made.ok()) {
    std::printf("CreateIndex: %s\n", made.status().ToString().c_str());
    return;
  }
  auto index = std::move(*made);
  // --lfw-mate-cosines: the tuner's held-back probes take the cache model's own
  // genuine cosines (e.g. the fusion's) instead of the default model's.
  const auto* fitted = dynamic_cast<const bench::LfwFitted*>(&gen);
  const bool own_cosines = o.lfw_mate_cosines && fitted != nullptr && !fitted->mate_cosines().empty();
  if (own_cosines) {
    static_cast<candor::search::IvfPqIndex*>(index.get())
        ->SetProbeModel(candor::search::ProbeNoise::kGalleryShaped, 0.0f, fitted->mate_cosines());
  }
  std::unique_ptr<candor::Index> flat;
  if (n <= o.flat_max) flat = std::move(*candor::MakeIndex("Flat,int8", dim));
#ifdef CANDOR_HAVE_FAISS
  const int nlist = std::atoi(o.spec.c_str() + 3);
  const int m = std::atoi(o.spec.c_str() + o.spec.find(",PQ") + 3);
  // FAISS's PQ needs dim % m == 0 (it throws otherwise; Auto's m = dim / 3 at
  // 320-D is 106): then FAISS is not run and its unused index gets m = 1.
  const bool faiss_m = m > 0 && dim % m == 0;
  const bool use_faiss = o.faiss && n <= o.faiss_max && faiss_m;
  faiss::IndexFlatIP quantizer(dim);
  faiss::IndexIVFPQFastScan ivf(&quantizer, dim, static_cast<size_t>(nlist), static_cast<size_t>(faiss_m ? m : 1),
                                4, faiss::METRIC_INNER_PRODUCT);
  faiss::IndexScalarQuantizer sq(dim, faiss::ScalarQuantizer::QT_8bit, faiss::METRIC_INNER_PRODUCT);
  faiss::IndexRefine refine(&ivf, &sq);
  double faiss_s = 0;
  if (use_faiss) {
    const auto t = Clock::now();
    const long ns = std::min<long>(n, 131072);  // as candor's k-means sample
    const auto v = gen.Rows(0, ns);
    refine.train(ns, v.data());
    faiss_s += Since(t);
    std::printf("FAISS trained on %ld rows in %.1f s (%s)\n", ns, faiss_s, Load().c_str());
  }
#endif
  double gen_s = 0, add_s = 0, train_s = 0, truth_s = 0;
  const auto t_all = Clock::now();
  for (long b = 0; b < n; b += o.chunk) {
    const long e = std::min(n, b + o.chunk);
    auto t = Clock::now();
    const auto [v, ids] = Chunk(gen, b, e);
    gen_s += Since(t);
    t = Clock::now();
    const bool was = !index->Recall().exact;
    if (auto st = index->Add(v, ids); !st.ok()) {
      std::printf("Add: %s\n", st.ToString().c_str());
      return;
    }
    if (!was && !index->Recall().exact) {
      train_s = Since(t);
    } else {
      add_s += Since(t);
    }
    t = Clock::now();
    UpdateTruth(v, ids, dim, &sets);
    if (flat && !flat->Add(v, ids).ok()) std::abort();
    truth_s += Since(t);
#ifdef CANDOR_HAVE_FAISS
    if (use_faiss) {
      t = Clock::now();
      refine.add(e - b, v.data());
      faiss_s += Since(t);
    }
#endif
    if ((b / o.chunk) % 20 == 19 || e == n) {
      std::printf("  %ld rows, %.0f s: generate %.0f/s, candor add %.0f/s (+ training %.1f s), exact truth %.0f/s"
#ifdef CANDOR_HAVE_FAISS
                  ", FAISS add %.0f/s"
#endif
                  "; RSS %.2f GiB; %s\n",
                  e, Since(t_all), e / gen_s, (e - std::min(o.train_at, n)) > 0 ? (e - std::min<long>(o.train_at, e)) / std::max(add_s, 1e-9) : 0.0,
                  train_s, e / truth_s,
#ifdef CANDOR_HAVE_FAISS
                  use_faiss ? e / std::max(faiss_s, 1e-9) : 0.0,
#endif
                  RssGiB(), Load().c_str());
      std::fflush(stdout);
    }
  }
  auto* ivfc = static_cast<candor::search::IvfPqIndex*>(index.get());
  const auto tt = Clock::now();
  if (auto st = ivfc->Tune(0.995); !st.ok()) std::printf("Tune: %s\n", st.ToString().c_str());
  const double tune_s = Since(tt);
  const candor::RecallReport rr = index->Recall();
  std::printf("\ncandor build %.1f s = add %.1f s + training at %ld rows %.1f s + final Tune at %ld %.1f s "
              "(data generation %.1f s and exact truth %.1f s not counted); disk %.2f GiB; RSS %.2f GiB; %s; %s\n",
              add_s + train_s + tune_s, add_s, std::min(o.train_at, n), train_s, n, tune_s, gen_s, truth_s,
              DirBytes(dir) / 1073741824.0, RssGiB(), index->Describe().c_str(), Load().c_str());
  for (const auto& p : sets) {
    int mates = 0;
    for (int j = 0; j < p.size(); ++j) mates += p.truth[j] == p.mate[j];
    std::printf("exact (int8) search: true mate at rank 1 for %d/%d %s\n", mates, p.size(), p.name.c_str());
  }
  if (o.keep && !SaveProbes(ProbesPath(o, n), sets)) std::printf("could not save %s\n", ProbesPath(o, n).c_str());
  // The tuner's estimate against the same setting measured on the bench's
  // probes (real LFW mates above all): one row per held-back probe model.
  auto agreement = [&](const Probes& p) {
    int hit = 0;
    for (int j = 0; j < p.size(); ++j) {
      auto r = index->Search(std::span<const float>(p.v.data() + static_cast<size_t>(j) * dim, dim), {.k = 1});
      hit += r.ok() && !r->empty() && (*r)[0].id == p.truth[j];
    }
    return hit;
  };
  auto tuner_row = [&](const char* model) {
    const candor::RecallReport t = index->Recall();
    std::printf("| %s | %d/%d | %d | %.2f %% [%.2f %%] | %.3f |", model, t.nprobe, t.nlist, t.rerank,
                100 * t.measured, 100 * t.lower95, t.mate_cosine);
    for (const auto& p : sets) {
      const int hit = agreement(p);
      std::printf(" %d/%d (%.1f %%) |", hit, p.size(), 100.0 * hit / p.size());
    }
    std::printf(" %s |\n", Load().c_str());
    std::fflush(stdout);
  };
  std::printf("\n| held-back probe model | nprobe | rerank | tuner's recall@1 [95 %% lower] | mean mate cosine |");
  for (const auto& p : sets) std::printf(" rank-1 = exact, %s |", p.name.c_str());
  std::printf(" load |\n|---|---|---|---|---|");
  for (size_t i = 0; i < sets.size(); ++i) std::printf("---|");
  std::printf("---|\n");
  tuner_row(own_cosines ? "gallery-shaped, genuine cosines of the LFW cache's model (--lfw-mate-cosines)"
                        : "gallery-shaped, genuine cosines (default)");
  // --sweep: rank-1 agreement with exact search at fixed settings (what the
  // probe sets, real mates above all, need), then the tuned setting again.
  if (!o.sweep.empty()) {
    const candor::RecallReport tuned = index->Recall();
    std::printf("\n| setting (--sweep) | nprobe | rerank |");
    for (const auto& p : sets) std::printf(" rank-1 = exact, %s |", p.name.c_str());
    std::printf(" load |\n|---|---|---|");
    for (size_t i = 0; i < sets.size(); ++i) std::printf("---|");
    std::printf("---|\n");
    for (long np : o.sweep) {
      ivfc->SetSetting(static_cast<int>(np), o.sweep_rerank > 0 ? o.sweep_rerank : tuned.rerank);
      const candor::RecallReport r = index->Recall();
      std::printf("| fixed | %d/%d | %d |", r.nprobe, r.nlist, r.rerank);
      for (const auto& p : sets) {
        const int hit = agreement(p);
        std::printf(" %d/%d (%.1f %%) |", hit, p.size(), 100.0 * hit / p.size());
      }
      std::printf(" %s |\n", Load().c_str());
      std::fflush(stdout);
    }
    ivfc->SetSetting(tuned.nprobe, tuned.rerank);
  }
  if (o.tuner_models) {
    using candor::search::ProbeNoise;
    const struct {
      const char* name;
      ProbeNoise noise;
      float cosine;
    } models[] = {{"isotropic, cosine 0.65 (previous)", ProbeNoise::kIsotropic, 0.65f},
                  {"isotropic, genuine cosines", ProbeNoise::kIsotropic, 0.0f}};
    for (const auto& m : models) {
      ivfc->SetProbeModel(m.noise, m.cosine, {});
      if (auto st = ivfc->Tune(0.995); !st.ok()) std::printf("Tune: %s\n", st.ToString().c_str());
      tuner_row(m.name);
    }
    ivfc->SetProbeModel(ProbeNoise::kGalleryShaped, 0.0f,
                        own_cosines ? fitted->mate_cosines() : std::vector<float>{});
    (void)ivfc->Tune(0.995);
  }
  index.reset();
  malloc_trim(0);

  std::printf("\n| engine | N | threads | p50 ms | p99 ms | rank-1 = exact | true mate rank-1 | notes |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  auto measure = [&](const char* engine, int threads, const std::string& extra, const Top1& top1, int limit) {
    Measure(sets, n, dim, engine, threads, extra, top1, limit);
  };
  if (flat) {
    for (int threads : {1, 2}) {
      measure("candor Flat,int8 (exact)", threads, "first 30 probes", [&](const float* q) -> int64_t {
        auto r = flat->Search(std::span<const float>(q, dim), {.k = 10, .threads = threads});
        return r.ok() && !r->empty() ? (*r)[0].id : -1;
      }, 30);
    }
    flat.reset();
    malloc_trim(0);
  }
  if (!MeasureReopened(o, files, sets, n, dim)) return;
  if (!o.keep) fs::remove_all(dir);
  malloc_trim(0);
#ifdef CANDOR_HAVE_FAISS
  if (use_faiss) {
    std::printf("\nFAISS build %.1f s (train + add), RSS %.2f GiB (Debian libfaiss 1.7.3: generic SSE build, no "
                "AVX2/AVX-512 fast-scan)\n", faiss_s, RssGiB());
    ivf.nprobe = static_cast<size_t>(std::max(1, rr.nprobe));
    refine.k_factor = static_cast<float>(std::max(10, rr.rerank)) / 10.0f;  // k_base >= k
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      std::vector<float> dist(10);
      std::vector<faiss::Index::idx_t> lab(10);
      char extra[160];
      std::snprintf(extra, sizeof(extra), "same nprobe %d, k_factor %.1f (SQ8 refine); generic SSE build",
                    rr.nprobe, refine.k_factor);
      measure("FAISS IVF-PQ fast-scan + SQ8 refine", threads, extra, [&](const float* q) -> int64_t {
        refine.search(1, q, 10, dist.data(), lab.data());
        return lab[0];
      }, o.faiss_queries);
    }
  } else if (o.faiss && !faiss_m) {
    std::printf("\nFAISS not run: its PQ needs the dimension %d to be a multiple of m = %d\n", dim, m);
  } else if (o.faiss) {
    std::printf("\nFAISS not run at %ld (> --faiss-max %ld): its IVF-PQ fast-scan codes + ids + SQ8 refine "
                "would need %.1f GB of RAM\n", n, o.faiss_max, n * (m / 2.0 + 8 + dim) / 1e9);
  }
  refine.own_fields = false;
#endif
  malloc_trim(0);

#ifdef CANDOR_HAVE_HNSWLIB
  if (o.hnsw && n <= o.hnsw_max) {
    const auto t0 = Clock::now();
    hnswlib::InnerProductSpace space(static_cast<size_t>(dim));
    hnswlib::HierarchicalNSW<float> h(&space, static_cast<size_t>(n), 16, 100);
    for (long b = 0; b < n; b += o.chunk) {
      const long e = std::min(n, b + o.chunk);
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
    std::printf("\nhnswlib build %.1f s (M 16, efConstruction 100, 2 threads), RSS %.2f GiB; %s\n", Since(t0),
                RssGiB(), Load().c_str());
    for (int ef : {64, 256}) {
      h.setEf(static_cast<size_t>(ef));
      measure("hnswlib HNSW (fp32)", 1, "ef " + std::to_string(ef), [&](const float* q) -> int64_t {
        auto res = h.searchKnn(q, 10);
        size_t best = 0;
        while (!res.empty()) {
          best = res.top().second;
          res.pop();
        }
        return static_cast<int64_t>(best);
      }, nq);
    }
  } else if (o.hnsw) {
    // fp32 vectors + level-0 links (2 M = 32 ids of 4 bytes + a count) + labels.
    const double bytes = n * (4.0 * dim + 4 * 33 + 8 + 8);
    std::printf("\nhnswlib not run at %ld (> --hnsw-max %ld): M 16 needs about %.1f GB of RAM (fp32 vectors + "
                "links), %s the 24 GB of this node\n", n, o.hnsw_max, bytes / 1e9,
                bytes > 16e9 ? "more than the 16 GB this run may use of" : "within");
  }
#endif
}

// Fast-scan kernel speed per ISA (--kernels): 2^20 codes of m = 64, 32 bytes
// each (32 MiB, beyond L2), best of 20 scans, cut 65535 (nothing selected).
// Latency of 4 KiB random reads that bypass the page cache (O_DIRECT).
int SsdLatency(const std::string& path, int reads) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size < 4096) {
    std::fprintf(stderr, "--ssd-latency %s: cannot open for O_DIRECT reads (or smaller than 4 KiB)\n", path.c_str());
    return 2;
  }
  void* buf = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  std::mt19937_64 rng(1);
  const uint64_t pages = static_cast<uint64_t>(st.st_size) / 4096;
  std::vector<double> us;
  for (int i = 0; i < reads; ++i) {
    const auto t = Clock::now();
    if (::pread(fd, buf, 4096, static_cast<off_t>(rng() % pages * 4096)) != 4096) {
      std::fprintf(stderr, "read failed\n");
      return 2;
    }
    us.push_back(Since(t) * 1e6);
  }
  ::close(fd);
  double sum = 0;
  for (double u : us) sum += u;
  std::sort(us.begin(), us.end());
  std::printf("%d random 4 KiB O_DIRECT reads of %s (%.2f GB): p50 %.1f us, p90 %.1f us, p99 %.1f us, mean %.1f us; %s\n",
              reads, path.c_str(), static_cast<double>(st.st_size) / 1e9, us[us.size() / 2], us[us.size() * 9 / 10],
              us[us.size() * 99 / 100], sum / static_cast<double>(us.size()), Load().c_str());
  return 0;
}

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
    else if (a == "--faiss-max") o.faiss_max = std::atol(next().c_str());
    else if (a == "--faiss-queries") o.faiss_queries = std::atoi(next().c_str());
    else if (a == "--flat-max") o.flat_max = std::atol(next().c_str());
    else if (a == "--chunk") o.chunk = std::atol(next().c_str());
    else if (a == "--lfw") o.lfw = next();
    else if (a == "--keep") o.keep = true;
    else if (a == "--no-hnsw") o.hnsw = false;
    else if (a == "--tuner-models") o.tuner_models = true;
    else if (a == "--lfw-mate-cosines") o.lfw_mate_cosines = true;
    else if (a == "--sweep") o.sweep = ParseList(next());
    else if (a == "--sweep-rerank") o.sweep_rerank = std::atoi(next().c_str());
    else if (a == "--measure-only") o.measure_only = true;
    else if (a == "--reopens") o.reopens = std::atoi(next().c_str());
    else if (a == "--faiss-beside") o.faiss_beside = true;
    else if (a == "--faiss-dir") o.faiss_dir = next();
    else if (a == "--faiss-refine") o.faiss_refine = next();
    else if (a == "--faiss-train") o.faiss_train = std::atol(next().c_str());
    else if (a == "--faiss-nprobes") o.faiss_nprobes = ParseList(next());
    else if (a == "--faiss-load") o.faiss_load = true;
    else if (a == "--overlap") o.overlap = true;
    else if (a == "--no-faiss-base-row") o.faiss_base_row = false;
    else if (a == "--verify") o.verify = std::atoi(next().c_str());
    else if (a == "--reopen") o.reopen = next();
    else if (a == "--reopen-times") o.reopen_times = std::atoi(next().c_str());
    else if (a == "--read-only") o.read_only = true;
    else if (a == "--ssd-latency") o.ssd_file = next();
    else if (a == "--reads") o.reads = std::atoi(next().c_str());
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
  if (!o.reopen.empty()) return Reopen(o.reopen, o.reopen_times, o.read_only);
  if (!o.ssd_file.empty()) return SsdLatency(o.ssd_file, std::max(1, o.reads));
  fs::create_directories(o.dir);
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
  std::unique_ptr<bench::Source> gen;
  if (!o.lfw.empty()) {
    std::string err;
    auto f = bench::LfwFitted::Fit(o.lfw, 32, &err);
    if (!f) {
      std::fprintf(stderr, "--lfw %s: %s\n", o.lfw.c_str(), err.c_str());
      return 2;
    }
    gen = std::move(f);
  } else {
    gen = std::make_unique<bench::FaceLike>(o.dim, o.probe_cosine);
  }
  for (long n : o.sizes) {
    if (auto* f = dynamic_cast<bench::LfwFitted*>(gen.get())) f->Place(n);
    if (o.measure_only) {
      MeasureOnly(o, n, gen.get());
    } else {
      RunSize(o, *gen, n);
    }
  }
  return 0;
}
