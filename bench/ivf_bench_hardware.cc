// Copyright 2026 The Candor Authors.

#include "ivf_bench_hardware.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "ivf_bench_measure.h"
#include "search/cpu_features.h"
#include "search/kernels.h"
#include "search/pq4_layout.h"

namespace bench::ivf {

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

}  // namespace bench::ivf
