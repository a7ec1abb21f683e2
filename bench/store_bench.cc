// Copyright 2026 The Candor Authors.
//
// store_bench: how long the gallery store takes to start (open, verify the
// key, check every record's CRC, decrypt every template and load it into the
// search index) at a given size, plus the cost of building it through the
// normal enrollment path (group commits) and its size on disk.
//
//   store_bench --n 1000000 [--dim 128] [--batch 10000] [--dir /tmp/x] [--keep]
//
// Synthetic templates (random unit vectors; content does not affect load
// time), one template per subject, index "Flat,int8". Prints one JSON object.
// The page cache is warm for the open (the files were just written); a cold
// open adds the time to read the bytes on disk reported as store_bytes.

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "candor/gallery.h"
#include "common/hash.h"

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long RssMiB() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::atol(line + 6);
  }
  std::fclose(f);
  return kb / 1024;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace candor;
  int64_t n = 1000000;
  int dim = 128;
  int batch = 10000;
  std::string dir = "/tmp/candor-store-bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--n") n = std::stoll(next());
    else if (a == "--dim") dim = std::stoi(next());
    else if (a == "--batch") batch = std::stoi(next());
    else if (a == "--dir") dir = next();
    else if (a == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: store_bench [--n N] [--dim D] [--batch B] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  StoreOptions o;
  for (size_t i = 0; i < o.master_key.size(); ++i) o.master_key[i] = static_cast<uint8_t>(i * 7 + 3);
  o.create_if_missing = true;
  o.index_spec = "Flat,int8";

  const double t_build0 = Now();
  {
    auto store = Store::Open(dir, o);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    GalleryInfo g;
    g.name = "bench";
    g.description = "synthetic templates";
    g.legal_basis = "benchmark";
    g.retention_class = "P1D";
    g.allowed_search_bases = {"benchmark"};
    if (Status s = (*store)->CreateGallery(g); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    std::mt19937_64 rng(42);
    std::normal_distribution<float> nd;
    const Sha256Bytes model = Sha256(std::string_view("bench-model"));
    std::vector<EnrollRequest> reqs;
    for (int64_t done = 0; done < n;) {
      const int64_t m = std::min<int64_t>(batch, n - done);
      reqs.resize(static_cast<size_t>(m));
      for (int64_t i = 0; i < m; ++i) {
        EnrollRequest& r = reqs[static_cast<size_t>(i)];
        r.subject_id = "s" + std::to_string(done + i);
        r.templates.resize(1);
        TemplateInput& t = r.templates[0];
        t.tmpl.model_id = "bench-model";
        t.tmpl.model_sha256 = model;
        t.tmpl.values.resize(static_cast<size_t>(dim));
        for (float& v : t.tmpl.values) v = nd(rng);
        t.image_sha256 = Sha256(r.subject_id);
      }
      if (Status s = (*store)->Enroll("bench", reqs); !s.ok()) {
        std::fprintf(stderr, "enroll: %s\n", s.ToString().c_str());
        return 1;
      }
      done += m;
      if (done % (batch * 20) == 0) std::fprintf(stderr, "\rbuilt %lld", static_cast<long long>(done));
    }
    std::fprintf(stderr, "\n");
  }
  const double build_s = Now() - t_build0;
  const uint64_t bytes = DirBytes(dir);

  const long rss0 = RssMiB();
  const double t0 = Now();
  auto store = Store::Open(dir, o);
  const double open_s = Now() - t0;
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const long rss1 = RssMiB();
  // One identify to show the loaded index answers.
  Template probe;
  probe.model_id = "bench-model";
  probe.model_sha256 = Sha256(std::string_view("bench-model"));
  probe.values.assign(static_cast<size_t>(dim), 1.0f);
  IdentifyParams ip;
  ip.k = 10;
  ip.threshold = -1.0f;
  const double ti = Now();
  auto r = (*store)->Identify("bench", probe, ip);
  const double identify_ms = (Now() - ti) * 1e3;
  std::printf(
      "{\"templates\": %lld, \"dim\": %d, \"build_seconds\": %.1f, \"enroll_per_second\": %.0f, "
      "\"store_bytes\": %llu, \"bytes_per_template_on_disk\": %.0f, \"open_seconds\": %.2f, "
      "\"templates_loaded\": %lld, \"rss_delta_mib\": %ld, \"first_identify_ms\": %.1f, "
      "\"identify_ok\": %s}\n",
      static_cast<long long>(n), dim, build_s, n / build_s, static_cast<unsigned long long>(bytes),
      static_cast<double>(bytes) / n, open_s,
      static_cast<long long>((*store)->open_stats().templates_loaded), rss1 - rss0, identify_ms,
      r.ok() ? "true" : "false");
  store->reset();
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
