// Copyright 2026 The Candor Authors.
//
// The benchmarks' resident-set figure: this process's VmRSS from
// /proc/self/status, in GiB (0 where /proc is absent). Thread-safe.

#ifndef CANDOR_BENCH_PROCESS_RSS_H_
#define CANDOR_BENCH_PROCESS_RSS_H_

#include <cstdlib>
#include <fstream>
#include <string>

namespace bench {

inline double RssGiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / (1024.0 * 1024.0);
  }
  return 0;
}

}  // namespace bench

#endif  // CANDOR_BENCH_PROCESS_RSS_H_
