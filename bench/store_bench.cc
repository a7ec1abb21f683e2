// Copyright 2026 The Candor Authors.
//
// store_bench: what the gallery store costs at a given size: the build rate
// through Store::Enroll in large group commits (the bulk path), the bytes on
// disk, and Store::Open (key check, quick_check, checkpoint, every row read
// and MAC-checked, every subject key unwrapped, every record CRC-checked and
// decrypted, every template added to the search index), with one and with
// all load threads, CPU time per stage, wall time, and RSS.
//
//   store_bench --n 1000000 [--dim 128] [--batch 50000] [--dir /tmp/x]
//               [--keep] [--reuse] [--open-threads 1,2]
//
// Synthetic templates (random unit vectors; content does not affect load
// time), one template per subject, index "Flat,int8". --reuse opens an
// existing store built by an earlier --keep run instead of building one.
// Prints one JSON object on stdout. The page cache is warm for the opens (the
// files were just written or read); a cold open adds the time to read
// store_bytes from disk.

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "candor/gallery.h"
#include "common/hash.h"

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Process CPU seconds (user + system) so far.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

long StatusKb(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, n) == 0) kb = std::atol(line + n);
  }
  std::fclose(f);
  return kb;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

std::string Json(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace candor;
  int64_t n = 1000000;
  int dim = 128;
  int batch = 50000;
  std::string dir = "/tmp/candor-store-bench";
  bool keep = false, reuse = false;
  std::vector<int> open_threads = {1, 2};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--n") n = std::stoll(next());
    else if (a == "--dim") dim = std::stoi(next());
    else if (a == "--batch") batch = std::stoi(next());
    else if (a == "--dir") dir = next();
    else if (a == "--keep") keep = true;
    else if (a == "--reuse") reuse = keep = true;
    else if (a == "--open-threads") {
      open_threads.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) open_threads.push_back(std::stoi(t));
    } else {
      std::fprintf(stderr,
                   "usage: store_bench [--n N] [--dim D] [--batch B] [--dir DIR] [--keep] "
                   "[--reuse] [--open-threads 1,2]\n");
      return 2;
    }
  }
  StoreOptions o;
  for (size_t i = 0; i < o.master_key.size(); ++i) o.master_key[i] = static_cast<uint8_t>(i * 7 + 3);
  o.create_if_missing = true;
  o.index_spec = "Flat,int8";

  std::string build_json = "null";
  if (!reuse) {
    std::filesystem::remove_all(dir);
    const double t_build0 = Now(), cpu0 = CpuSeconds();
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
    double gen_s = 0;
    for (int64_t done = 0; done < n;) {
      const double tg = Now();
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
        t.capture_date = "2026-11-22";
        t.quality = 0.9f;
      }
      gen_s += Now() - tg;
      if (Status s = (*store)->Enroll("bench", reqs); !s.ok()) {
        std::fprintf(stderr, "enroll: %s\n", s.ToString().c_str());
        return 1;
      }
      done += m;
      std::fprintf(stderr, "\rbuilt %lld (%.0f/s)", static_cast<long long>(done),
                   done / (Now() - t_build0));
    }
    std::fprintf(stderr, "\n");
    store->reset();
    const double build_s = Now() - t_build0, build_cpu = CpuSeconds() - cpu0;
    build_json = "{\"wall_seconds\": " + Json(build_s, 1) + ", \"cpu_seconds\": " +
                 Json(build_cpu, 1) + ", \"input_generation_seconds\": " + Json(gen_s, 1) +
                 ", \"batch\": " + std::to_string(batch) + ", \"enroll_per_second\": " +
                 Json(n / build_s, 0) + "}";
  }
  const uint64_t bytes = DirBytes(dir);

  std::string opens;
  for (int threads : open_threads) {
    StoreOptions oo = o;
    oo.create_if_missing = false;
    oo.open_threads = threads;
    const long rss0 = StatusKb("VmRSS:");
    const double t0 = Now(), c0 = CpuSeconds();
    auto store = Store::Open(dir, oo);
    const double open_s = Now() - t0, open_cpu = CpuSeconds() - c0;
    if (!store.ok()) {
      std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
      return 1;
    }
    const long rss1 = StatusKb("VmRSS:");
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
    const OpenStats& st = (*store)->open_stats();
    if (!opens.empty()) opens += ", ";
    opens += "{\"threads\": " + std::to_string(st.load_threads) +
             ", \"wall_seconds\": " + Json(open_s) + ", \"cpu_seconds\": " + Json(open_cpu) +
             ", \"templates_loaded\": " + std::to_string(st.templates_loaded) +
             ", \"rss_after_open_mib\": " + std::to_string(rss1 / 1024) +
             ", \"rss_delta_mib\": " + std::to_string((rss1 - rss0) / 1024) +
             ", \"stages\": {\"quick_check_wall\": " + Json(st.quick_check_seconds) +
             ", \"checkpoint_wall\": " + Json(st.checkpoint_seconds) +
             ", \"load_wall\": " + Json(st.load_seconds) +
             ", \"row_read_cpu\": " + Json(st.row_read_cpu) +
             ", \"row_mac_cpu\": " + Json(st.row_mac_cpu) +
             ", \"unwrap_cpu\": " + Json(st.unwrap_cpu) + ", \"crc_cpu\": " + Json(st.crc_cpu) +
             ", \"decrypt_cpu\": " + Json(st.decrypt_cpu) +
             ", \"index_add_cpu\": " + Json(st.index_add_cpu) + "}" +
             ", \"first_identify_ms\": " + Json(identify_ms, 1) +
             ", \"identify_ok\": " + (r.ok() ? "true" : "false") + "}";
  }
  std::printf(
      "{\"templates\": %lld, \"dim\": %d, \"build\": %s, \"store_bytes\": %llu, "
      "\"bytes_per_template_on_disk\": %.0f, \"peak_rss_mib\": %ld, \"opens\": [%s]}\n",
      static_cast<long long>(n), dim, build_json.c_str(), static_cast<unsigned long long>(bytes),
      static_cast<double>(bytes) / n, StatusKb("VmHWM:") / 1024, opens.c_str());
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
