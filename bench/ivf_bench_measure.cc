// Copyright 2026 The Candor Authors.

#include "ivf_bench_measure.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bench::ivf {
namespace {

namespace fs = std::filesystem;

struct Lat {
  double p50 = 0, p99 = 0;
};

Lat Percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) return {};
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

void Row(const char* engine, long n, int threads, Lat l, int hit, int mate, int q, const std::string& extra) {
  std::printf("| %s | %ld | %d | %.2f | %.2f | %d/%d (%.1f %%) | %d/%d | %s |\n", engine, n, threads,
              l.p50, l.p99, hit, q, 100.0 * hit / q, mate, q, extra.c_str());
  std::fflush(stdout);
}

}  // namespace

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string Load() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) < 0) return "?";
  char b[64];
  std::snprintf(b, sizeof(b), "load %.1f", l[0]);
  return b;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st;
    if (::stat(e.path().c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

void EngineTableHeader() {
  std::printf("\n| engine | N | threads | p50 ms | p99 ms | rank-1 = exact | true mate rank-1 | notes |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
}

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

}  // namespace bench::ivf
