// Copyright 2026 The Candor Authors.

#include "ivf_bench_probes.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "candor/index.h"

namespace bench::ivf {
namespace {

namespace fs = std::filesystem;

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

Probes SyntheticMates(const Source& gen, long n, int nq) {
  const int dim = gen.dim();
  Probes p;
  p.name = "synthetic mates";
  std::mt19937_64 rng(77);
  p.v.resize(static_cast<size_t>(nq) * dim);
  for (int j = 0; j < nq; ++j) {
    p.mate.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(n)));
    gen.Probe(p.mate.back(), static_cast<uint64_t>(j), p.v.data() + static_cast<size_t>(j) * dim);
  }
  return p;
}

Probes RealMates(const Source& gen, long n, int nq) {
  Probes r;
  r.name = "real LFW mates";
  for (auto& [row, v] : gen.RealProbes(n)) {
    if (r.size() >= nq) break;
    r.mate.push_back(row);
    r.v.insert(r.v.end(), v.begin(), v.end());
  }
  return r;
}

}  // namespace

std::vector<Probes> DrawProbes(const Source& gen, long n, int nq) {
  std::vector<Probes> sets;
  sets.push_back(SyntheticMates(gen, n, nq));
  Probes real = RealMates(gen, n, nq);
  if (real.size() > 0) sets.push_back(std::move(real));
  for (auto& p : sets) {
    p.truth.assign(p.mate.size(), -1);
    p.best.assign(p.mate.size(), -2.0f);
  }
  return sets;
}

std::pair<std::vector<float>, std::vector<int64_t>> Chunk(const Source& gen, long b, long e) {
  std::vector<int64_t> ids(static_cast<size_t>(e - b));
  std::iota(ids.begin(), ids.end(), static_cast<int64_t>(b));
  return {gen.Rows(b, e), std::move(ids)};
}

void UpdateTruth(const std::vector<float>& v, const std::vector<int64_t>& ids, int dim,
                 std::vector<Probes>* sets) {
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

int ExactMates(const Probes& p) {
  int mates = 0;
  for (int j = 0; j < p.size(); ++j) mates += p.truth[j] == p.mate[j];
  return mates;
}

int SameProbes(const Probes& a, const Probes& b, int dim) {
  int same = 0;
  for (int j = 0; j < std::min(a.size(), b.size()); ++j) {
    same += a.mate[j] == b.mate[j] &&
            std::memcmp(a.v.data() + static_cast<size_t>(j) * dim, b.v.data() + static_cast<size_t>(j) * dim,
                        sizeof(float) * dim) == 0;
  }
  return same;
}

std::string ProbesPath(const std::string& dir, long n) { return dir + "/probes_" + std::to_string(n) + ".bin"; }

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

}  // namespace bench::ivf
