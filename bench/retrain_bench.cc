// Copyright 2026 The Candor Authors.
//
// retrain_bench: how long searches stall while the persistent compressed index
// retrains in the background (IvfPqIndex::StartRetrain). Builds a FaceLike
// gallery (bench/face_data.h) of --rows templates in --dir (encrypted, as the
// store keeps it; trained at --train-at, so the retrain sees a grown gallery),
// then retrains it while one thread searches without pause (k = 10, one
// thread per search), one adds --adds-per-s templates and one removes
// --removes-per-s. Prints the search latencies before and during the retrain,
// the longest gap between two finished searches during it, and the
// retrain's phases (RetrainStats: only `locked` is an exclusive section).
//
//   retrain_bench --rows 1000000 --dim 192 --dir /tmp/candor_retrain_bench

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "candor/index.h"
#include "face_data.h"
#include "search/ivf_pq_index.h"

namespace {

using Clock = std::chrono::steady_clock;
using candor::search::IvfPqIndex;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Sample {
  Clock::time_point end;
  double ms;
};

void Print(const char* what, const std::vector<Sample>& s, Clock::time_point from,
           Clock::time_point to) {
  std::vector<double> ms;
  double gap = 0;
  Clock::time_point prev = from;
  for (const Sample& x : s) {
    if (x.end < from || x.end > to) continue;
    ms.push_back(x.ms);
    gap = std::max(gap, Ms(x.end - prev));
    prev = x.end;
  }
  gap = std::max(gap, Ms(to - prev));
  std::printf(
      "%-16s %7zu searches  p50 %7.2f ms  p99 %7.2f ms  max %8.2f ms  longest gap %8.2f ms\n", what,
      ms.size(), Pct(ms, 0.5), Pct(ms, 0.99),
      ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()), gap);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000, train_at = 200000;
  int dim = 192;
  double adds_per_s = 20, removes_per_s = 5;
  std::string dir = "/tmp/candor_retrain_bench", spec;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--rows") {
      rows = std::stoll(next());
    } else if (a == "--dim") {
      dim = std::stoi(next());
    } else if (a == "--train-at") {
      train_at = std::stoll(next());
    } else if (a == "--spec") {
      spec = next();
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--adds-per-s") {
      adds_per_s = std::stod(next());
    } else if (a == "--removes-per-s") {
      removes_per_s = std::stod(next());
    } else {
      std::fprintf(stderr,
                   "usage: retrain_bench [--rows N] [--dim D] [--train-at N] [--spec S] [--dir DIR]"
                   " [--adds-per-s A] [--removes-per-s R]\n");
      return 2;
    }
  }
  if (spec.empty())
    spec =
        "IVF1024,PQ" + std::to_string((dim / 3) & ~1) + "x4fs,TrainAt" + std::to_string(train_at);
  std::filesystem::remove_all(dir);
  std::vector<uint8_t> key(32);
  std::mt19937_64 kr(std::random_device{}());
  for (auto& b : key) b = static_cast<uint8_t>(kr());
  const candor::IndexFiles files{dir, key};
  auto made = candor::CreateIndex(spec, dim, files);
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
    return 1;
  }
  auto& index = *made;
  auto* ivf = static_cast<IvfPqIndex*>(index.get());
  const bench::FaceLike data(dim, 0.7f);
  const auto t_build = Clock::now();
  constexpr int64_t kBatch = 20000;
  for (int64_t at = 0; at < rows; at += kBatch) {
    const int64_t n = std::min(kBatch, rows - at);
    std::vector<int64_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = at + i;
    const candor::Status st = index->Add(data.Rows(at, at + n), ids);
    if (!st.ok()) {
      std::fprintf(stderr, "add: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  std::printf("built %lld x %d (%s) in %.1f s: %s\n", static_cast<long long>(rows), dim,
              spec.c_str(), Ms(Clock::now() - t_build) / 1000, index->Describe().c_str());

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<Sample> samples;
  std::atomic<int64_t> errors{0}, added{0}, removed{0};
  std::thread searcher([&] {
    std::vector<float> q(static_cast<size_t>(dim));
    for (uint64_t j = 0; !stop; ++j) {
      data.Probe(static_cast<int64_t>((j * 7919) % static_cast<uint64_t>(rows)), j, q.data());
      const auto t = Clock::now();
      auto r = index->Search(q, {.k = 10, .threads = 1});
      const auto e = Clock::now();
      if (!r.ok()) ++errors;
      std::lock_guard<std::mutex> l(mu);
      samples.push_back({e, Ms(e - t)});
    }
  });
  std::thread adder([&] {
    if (adds_per_s <= 0) return;
    std::vector<float> v(static_cast<size_t>(dim));
    for (int64_t id = rows; !stop; ++id) {
      data.Row(id, v.data());
      if (!index->Add(v, std::vector<int64_t>{id}).ok()) ++errors;
      ++added;
      std::this_thread::sleep_for(std::chrono::duration<double>(1 / adds_per_s));
    }
  });
  std::thread remover([&] {
    if (removes_per_s <= 0) return;
    for (int64_t id = 1; !stop; id += 97) {
      if (!index->Remove(std::vector<int64_t>{id}).ok()) ++errors;
      ++removed;
      std::this_thread::sleep_for(std::chrono::duration<double>(1 / removes_per_s));
    }
  });
  const auto t_base = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  const auto t0 = Clock::now();
  const auto before = index->Recall();
  candor::Status st = ivf->StartRetrain();
  if (st.ok()) st = ivf->WaitRetrain();
  const auto t1 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  stop = true;
  searcher.join();
  adder.join();
  remover.join();
  if (!st.ok()) {
    std::fprintf(stderr, "retrain: %s\n", st.ToString().c_str());
    return 1;
  }
  const auto after = index->Recall();
  const auto rs = ivf->last_retrain();
  std::printf(
      "retrain %.1f s: train+tune %.1f s, write new records %.2f s, catch-up %.2f s (%lld rows), "
      "locked %.2f ms (%lld rows placed, %lld records zeroed)\n",
      Ms(t1 - t0) / 1000, rs.train_seconds, rs.write_seconds, rs.catch_up_seconds,
      static_cast<long long>(rs.rows_caught_up), rs.locked_ms,
      static_cast<long long>(rs.rows_placed_locked), static_cast<long long>(rs.rows_zeroed_locked));
  std::lock_guard<std::mutex> l(mu);
  Print("before retrain", samples, t_base, t0);
  Print("during retrain", samples, t0, t1);
  Print("after retrain", samples, t1, Clock::now());
  std::printf(
      "setting before: nprobe %d rerank %d recall %.2f%% at %lld; after: nprobe %d rerank %d "
      "recall %.2f%% "
      "at %lld; %lld added, %lld removed meanwhile, %lld errors\n",
      before.nprobe, before.rerank, 100 * before.measured,
      static_cast<long long>(before.measured_at), after.nprobe, after.rerank, 100 * after.measured,
      static_cast<long long>(after.measured_at), static_cast<long long>(added.load()),
      static_cast<long long>(removed.load()), static_cast<long long>(errors.load()));
  index.reset();
  std::filesystem::remove_all(dir);
  return errors.load() == 0 ? 0 : 1;
}
