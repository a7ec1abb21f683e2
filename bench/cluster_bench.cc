// Copyright 2026 The Candor Authors.
//
// cluster_bench: identify and enroll through the NATS JetStream cluster
// (src/cluster) on loopback, with 1, 2, 3 shards, against the same search on
// one node without the bus. Starts its own 3-node JetStream (nats-server on
// 127.0.0.1, free ports, a scratch directory) per shard count; the shard
// stores are filled directly (Store::Enroll) before the replicas start, so
// the searched gallery is the same size in every configuration. Everything
// runs on this one host: shards share its cores and memory bandwidth.
//
//   cluster_bench [--templates N] [--queries Q] [--enrolls E] [--clients C]
//                 [--shards 1,2,3] [--index Flat,int8]
// Prints one Markdown table row per configuration, with the host's load
// average before and after it.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "candor/cluster.h"
#include "cluster/local_cluster.h"
#include "common/hash.h"

namespace {

using namespace candor;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kDim = 128;
constexpr char kGallery[] = "bench";

Template Random(std::mt19937_64& rng) {
  std::normal_distribution<float> n(0.0f, 1.0f);
  Template t;
  t.model_id = "benchnet";
  t.model_sha256 = Sha256(std::string_view("benchnet"));
  t.flags = kTemplateL2Normalized;
  t.values.resize(kDim);
  double s = 0;
  for (float& v : t.values) {
    v = n(rng);
    s += double{v} * v;
  }
  for (float& v : t.values) v = static_cast<float>(v / std::sqrt(s));
  return t;
}

EnrollRequest Subject(int64_t i, std::mt19937_64& rng) {
  EnrollRequest r;
  r.subject_id = "s" + std::to_string(i);
  TemplateInput in;
  in.tmpl = Random(rng);
  in.image_sha256 = Sha256("i" + std::to_string(i));
  r.templates.push_back(std::move(in));
  return r;
}

GalleryInfo Info() {
  GalleryInfo g;
  g.name = kGallery;
  g.description = "synthetic";
  g.legal_basis = "benchmark";
  g.retention_class = "P1Y";
  g.allowed_search_bases = {"warrant"};
  return g;
}

StoreKey Key() {
  StoreKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 13 + 5);
  return k;
}

// The host's 1-minute load average (/proc/loadavg), printed beside every row.
double LoadAverage() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

struct Stats {
  double p50 = 0, p99 = 0, per_s = 0;
};
Stats Summarise(std::vector<double> ms, double seconds) {
  Stats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.p50 = ms[ms.size() / 2];
  s.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  s.per_s = static_cast<double>(ms.size()) / seconds;
  return s;
}

// Runs `op` from `clients` threads until `count` calls are done; latencies in ms.
template <typename Op>
Stats Drive(int clients, int count, Op op) {
  std::atomic<int> next{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  const auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c) {
    ts.emplace_back([&, c] {
      for (int i = next++; i < count; i = next++) {
        const auto a = Clock::now();
        op(i);
        lat[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - a).count());
      }
    });
  }
  for (auto& t : ts) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return Summarise(std::move(all), secs);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t templates = 300'000;
  int queries = 300, enrolls = 1000, clients = 2;
  std::string shard_list = "1,2,3", index = "Flat,int8";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--templates") templates = std::atoll(argv[i + 1]);
    else if (a == "--queries") queries = std::atoi(argv[i + 1]);
    else if (a == "--enrolls") enrolls = std::atoi(argv[i + 1]);
    else if (a == "--clients") clients = std::atoi(argv[i + 1]);
    else if (a == "--shards") shard_list = argv[i + 1];
    else if (a == "--index") index = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::vector<int> shard_counts;
  for (size_t b = 0; b < shard_list.size();) {
    size_t e = shard_list.find(',', b);
    if (e == std::string::npos) e = shard_list.size();
    shard_counts.push_back(std::atoi(shard_list.substr(b, e - b).c_str()));
    b = e + 1;
  }
  std::printf("templates %lld, dim %d, %s, %d queries, %d enrolls, %d clients, %u hardware threads\n\n",
              static_cast<long long>(templates), kDim, index.c_str(), queries, enrolls, clients,
              std::thread::hardware_concurrency());
  std::printf("| shards | identify p50 ms | identify p99 ms | identify/s (%d clients) | "
              "one node, no bus: p50 ms (paired bus overhead, median) | "
              "governed search p50 ms: gallery read + search / one request per shard | "
              "enroll p50 ms | enroll p99 ms | enroll/s | "
              "load average (1 min) before / after |\n",
              clients);
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");

  for (int shards : shard_counts) {
    char tmpl[] = "/tmp/candor-cluster-bench-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    {
      cluster::testing::LocalCluster::Spec spec;
      spec.nats_nodes = 3;
      spec.shards = shards;
      spec.replicas = 1;
      spec.stream_replicas = 3;
      spec.request_timeout_ms = 10'000;
      spec.index_spec = index;
      spec.start_replicas = false;  // their stores are filled first
      auto lc = cluster::testing::LocalCluster::Start(spec, dir, Key());
      if (!lc.ok()) {
        std::fprintf(stderr, "%s\n", lc.status().ToString().c_str());
        return 1;
      }
      // Fill each shard's store directly.
      std::mt19937_64 rng(42);
      std::vector<std::vector<EnrollRequest>> parts(static_cast<size_t>(shards));
      for (int64_t i = 0; i < templates; ++i) {
        EnrollRequest r = Subject(i, rng);
        parts[static_cast<size_t>(ShardOf(kGallery, r.subject_id, shards))].push_back(std::move(r));
      }
      for (int s = 0; s < shards; ++s) {
        StoreOptions so;
        so.master_key = Key();
        so.create_if_missing = true;
        so.index_spec = index;
        auto st = Store::Open((*lc)->ReplicaDir(s, 0), so);
        if (!st.ok() || !(*st)->CreateGallery(Info()).ok()) return 1;
        auto& p = parts[static_cast<size_t>(s)];
        for (size_t b = 0; b < p.size(); b += 20000) {
          const size_t n = std::min<size_t>(20000, p.size() - b);
          if (!(*st)->Enroll(kGallery, std::span(p.data() + b, n)).ok()) return 1;
        }
        p.clear();
        p.shrink_to_fit();
      }
      for (int s = 0; s < shards; ++s) {
        Status st = (*lc)->StartReplica(s, 0);
        if (!st.ok()) {
          std::fprintf(stderr, "%s\n", st.ToString().c_str());
          return 1;
        }
      }
      const double load_before = LoadAverage();
      Store* front = &(*lc)->front();
      std::vector<Template> probes;
      std::mt19937_64 prng(7);
      for (int q = 0; q < queries; ++q) probes.push_back(Random(prng));
      IdentifyParams ip;
      ip.k = 10;
      ip.threshold = -1.0f;
      (void)front->Identify(kGallery, probes[0], ip);  // warm up
      std::atomic<int> errors{0};
      const Stats one = Drive(1, queries, [&](int i) {
        if (!front->Identify(kGallery, probes[static_cast<size_t>(i)], ip).ok()) ++errors;
      });
      const Stats many = Drive(clients, queries, [&](int i) {
        if (!front->Identify(kGallery, probes[static_cast<size_t>(i)], ip).ok()) ++errors;
      });
      // The bus's overhead, paired: each probe searched on the one shard's
      // store directly and through the bus, alternately, so the host's load
      // swings hit both alike.
      Stats local;
      double overhead_p50 = 0;
      if (shards == 1) {
        std::vector<double> direct, diff;
        for (int i = 0; i < queries; ++i) {
          const auto a = Clock::now();
          (void)(*lc)->replica(0, 0)->store().Identify(kGallery, probes[static_cast<size_t>(i)], ip);
          const auto b = Clock::now();
          if (!front->Identify(kGallery, probes[static_cast<size_t>(i)], ip).ok()) ++errors;
          const auto c = Clock::now();
          const double d = std::chrono::duration<double, std::milli>(b - a).count();
          direct.push_back(d);
          diff.push_back(std::chrono::duration<double, std::milli>(c - b).count() - d);
        }
        local = Summarise(direct, 1.0);
        std::sort(diff.begin(), diff.end());
        overhead_p50 = diff[diff.size() / 2];
      }
      // A governed search's threshold depends on the gallery: before, a
      // gallery read (a request to every shard) and then the search; now one
      // request per shard (Store::IdentifyWithGallery). Paired, alternately.
      auto threshold_of = [](const GalleryInfo& g) -> StatusOr<float> {
        return 0.2f + 1e-9f * static_cast<float>(g.subjects);
      };
      std::vector<double> two_ms, one_ms;
      for (int i = 0; i < queries; ++i) {
        const Template& probe = probes[static_cast<size_t>(i)];
        const auto a = Clock::now();
        auto g = front->GetGallery(kGallery);
        IdentifyParams tp = ip;
        if (g.ok()) tp.threshold = *threshold_of(*g);
        if (!g.ok() || !front->Identify(kGallery, probe, tp).ok()) ++errors;
        const auto b = Clock::now();
        if (!front->IdentifyWithGallery(kGallery, probe, ip, threshold_of).ok()) ++errors;
        const auto c = Clock::now();
        two_ms.push_back(std::chrono::duration<double, std::milli>(b - a).count());
        one_ms.push_back(std::chrono::duration<double, std::milli>(c - b).count());
      }
      const Stats two = Summarise(two_ms, 1.0), folded = Summarise(one_ms, 1.0);
      std::mt19937_64 erng(99);
      std::vector<EnrollRequest> fresh;
      for (int i = 0; i < enrolls; ++i) fresh.push_back(Subject(templates + i, erng));
      const Stats en1 = Drive(1, enrolls / 2, [&](int i) {
        if (!front->Enroll(kGallery, std::span(&fresh[static_cast<size_t>(i)], 1)).ok()) ++errors;
      });
      const Stats enc = Drive(clients * 2, enrolls - enrolls / 2, [&](int i) {
        const size_t j = static_cast<size_t>(enrolls / 2 + i);
        if (!front->Enroll(kGallery, std::span(&fresh[j], 1)).ok()) ++errors;
      });
      char local_text[32] = "-";
      if (shards == 1) {
        std::snprintf(local_text, sizeof(local_text), "%.2f (bus adds %.2f)", local.p50,
                      overhead_p50);
      }
      std::printf("| %d | %.2f | %.2f | %.1f | %s | %.2f / %.2f | %.2f | %.2f | %.0f (%d clients) | "
                  "%.1f / %.1f |\n",
                  shards, one.p50, one.p99, many.per_s, local_text, two.p50, folded.p50, en1.p50,
                  en1.p99, enc.per_s, clients * 2, load_before, LoadAverage());
      if (errors.load()) std::printf("  (%d errors)\n", errors.load());
      std::fflush(stdout);
      lc->reset();
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return 0;
}
