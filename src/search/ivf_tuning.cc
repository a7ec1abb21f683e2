// Copyright 2026 The Candor Authors.

#include "search/ivf_tuning.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

namespace candor::search {

double RerankCost(uint64_t vectors_bytes, uint64_t available_bytes) {
  if (vectors_bytes <= available_bytes) return kRerankCachedCost;
  const double miss =
      1.0 - static_cast<double>(available_bytes) / static_cast<double>(vectors_bytes);
  return kRerankCachedCost + miss * kRerankMissCost;
}

uint64_t AvailableMemoryBytes() {
  if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    unsigned long long kb = 0;
    bool found = false;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
        found = true;
        break;
      }
    }
    std::fclose(f);
    if (found) return static_cast<uint64_t>(kb) * 1024;
  }
  const long pages = ::sysconf(_SC_AVPHYS_PAGES), size = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(size) : 0;
}

TunePick PickSetting(std::span<const int> ladder_p, std::span<const int> ladder_r, double per_list,
                     double rerank_cost, double target, size_t probes,
                     const std::function<std::vector<int>(int)>& pos_of) {
  TunePick best;
  if (ladder_p.empty() || ladder_r.empty()) return best;
  best.nprobe = ladder_p.back();
  best.rerank = ladder_r.back();
  double best_cost = std::numeric_limits<double>::infinity();
  for (int np : ladder_p) {
    if (np * per_list >= best_cost) break;
    const std::vector<int> pos = pos_of(np);
    for (int r : ladder_r) {
      const size_t hits =
          static_cast<size_t>(std::count_if(pos.begin(), pos.end(), [&](int x) { return x < r; }));
      const double cost = np * per_list + rerank_cost * r;
      const bool ok = static_cast<double>(hits) >= target * static_cast<double>(probes);
      if (ok && cost < best_cost) {
        best_cost = cost;
        best = {np, r, hits, true};
      } else if (!best.met && np == ladder_p.back() && r == ladder_r.back()) {
        best.hits = hits;  // nothing met the target: the largest setting, reported as such
      }
    }
  }
  return best;
}

}  // namespace candor::search
