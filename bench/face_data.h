// Copyright 2026 The Candor Authors.
//
// Face-like data for ivf_bench, generated per row from its own seed (any row
// can be regenerated; 10^8 rows are streamed, never held):
//
//   FaceLike     normalise(one of 1000 random population centres + noise of
//                norm 2): close to the uniform worst case for partitioning.
//   LfwFitted    a Gaussian mixture fitted to real LFW embeddings of the
//                default model: identity centres ~ one of K diagonal Gaussian
//                components (k-means on the LFW identity means, each
//                component's mean, per-dimension spread and weight), each
//                template = normalise(centre + within-identity noise), the
//                within-identity spread per dimension estimated from LFW
//                identities with two or more images. A probe of row i is
//                another draw of the same identity (a real mated pair's shape).
//                Real LFW mates are inserted: for the first L identities with
//                two or more images, row j * stride IS the first image and the
//                probe is the second (recall reported on both probe sets).
//
// Thread safety: const methods are safe to call concurrently.

#ifndef CANDOR_BENCH_FACE_DATA_H_
#define CANDOR_BENCH_FACE_DATA_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "calibrate/embedding_set.h"
#include "search/kernels.h"
#include "search/kmeans.h"
#include "search/synthetic_data.h"

namespace bench {

inline uint64_t Mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Standard normals from a counter-based generator (Box-Muller).
struct Normals {
  uint64_t state;
  double spare = 0;
  bool has = false;
  explicit Normals(uint64_t seed) : state(Mix(seed)) {}
  double Uniform() {
    state = Mix(state);
    return (static_cast<double>(state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  float Next() {
    if (has) {
      has = false;
      return static_cast<float>(spare);
    }
    const double r = std::sqrt(-2 * std::log(Uniform())), t = 2 * M_PI * Uniform();
    spare = r * std::sin(t);
    has = true;
    return static_cast<float>(r * std::cos(t));
  }
};

inline void Normalise(float* v, int dim) {
  double sq = 0;
  for (int d = 0; d < dim; ++d) sq += static_cast<double>(v[d]) * v[d];
  const float inv = static_cast<float>(1 / std::sqrt(std::max(sq, 1e-30)));
  for (int d = 0; d < dim; ++d) v[d] *= inv;
}

class Source {
 public:
  virtual ~Source() = default;
  virtual int dim() const = 0;
  virtual void Row(int64_t i, float* out) const = 0;
  // A synthetic probe whose mate is row i (seeded by `draw`).
  virtual void Probe(int64_t i, uint64_t draw, float* out) const = 0;
  // Real mated probes (row of the mate, probe vector), for n rows.
  virtual std::vector<std::pair<int64_t, std::vector<float>>> RealProbes(int64_t /*n*/) const { return {}; }
  virtual std::string Describe() const = 0;
  std::vector<float> Rows(int64_t begin, int64_t end) const {
    std::vector<float> v(static_cast<size_t>(end - begin) * dim());
    std::thread other([&] { Range(begin, begin + (end - begin) / 2, begin, v.data()); });
    Range(begin + (end - begin) / 2, end, begin, v.data());
    other.join();
    return v;
  }

 private:
  void Range(int64_t b, int64_t e, int64_t base, float* v) const {
    for (int64_t i = b; i < e; ++i) Row(i, v + static_cast<size_t>(i - base) * dim());
  }
};

class FaceLike final : public Source {
 public:
  FaceLike(int dim, float probe_cosine)
      : dim_(dim), probe_cosine_(probe_cosine),
        centres_(candor::search::RandomUnitVectors(1000, dim, 20261205)) {}
  int dim() const override { return dim_; }
  void Row(int64_t i, float* out) const override {
    Normals g(seed_ * 1000003 + static_cast<uint64_t>(i));
    const size_t c = Mix(static_cast<uint64_t>(i) ^ seed_) % 1000;
    const float sigma = 2.0f / std::sqrt(static_cast<float>(dim_));
    for (int d = 0; d < dim_; ++d) out[d] = centres_[c * dim_ + d] + sigma * g.Next();
    Normalise(out, dim_);
  }
  void Probe(int64_t i, uint64_t draw, float* out) const override {
    Row(i, out);
    Normals g(Mix(draw) ^ 0xabcdef);
    const float sigma = candor::search::NoiseForProbeCosine(probe_cosine_) / std::sqrt(static_cast<float>(dim_));
    for (int d = 0; d < dim_; ++d) out[d] += sigma * g.Next();
    Normalise(out, dim_);
  }
  std::string Describe() const override {
    char b[160];
    std::snprintf(b, sizeof(b), "FaceLike: 1000 random centres + noise norm 2, probes = row + noise (cosine %.2f)",
                  probe_cosine_);
    return b;
  }

 private:
  int dim_;
  float probe_cosine_;
  uint64_t seed_ = 20261205;
  std::vector<float> centres_;
};

class LfwFitted final : public Source {
 public:
  // From an embedding cache (candor-embeddings 1) of the default model.
  static std::unique_ptr<LfwFitted> Fit(const std::string& cache, int components, std::string* error) {
    auto set = candor::eval::LoadEmbeddingSet(cache);
    if (!set.ok()) {
      *error = set.status().ToString();
      return nullptr;
    }
    std::unique_ptr<LfwFitted> f(new LfwFitted());
    std::map<std::string, std::vector<const std::vector<float>*>> by_id;
    for (const auto& e : set->images) {
      if (e.ok && !e.v.empty()) by_id[e.identity].push_back(&e.v);
    }
    if (by_id.empty()) {
      *error = "no embeddings in " + cache;
      return nullptr;
    }
    const int dim = static_cast<int>(by_id.begin()->second[0]->size());
    f->dim_ = dim;
    std::vector<float> means;
    std::vector<double> within(static_cast<size_t>(dim), 0.0);
    double within_n = 0;
    for (const auto& [id, vs] : by_id) {
      std::vector<float> m(static_cast<size_t>(dim), 0.0f);
      for (const auto* v : vs) {
        for (int d = 0; d < dim; ++d) m[d] += (*v)[d] / static_cast<float>(vs.size());
      }
      means.insert(means.end(), m.begin(), m.end());
      f->images_ += static_cast<int64_t>(vs.size());
      if (vs.size() >= 2) {
        const double k = static_cast<double>(vs.size()) / static_cast<double>(vs.size() - 1);
        for (const auto* v : vs) {
          for (int d = 0; d < dim; ++d) within[d] += k * std::pow((*v)[d] - m[d], 2);
        }
        within_n += static_cast<double>(vs.size());
        f->real_.push_back({*vs[0], *vs[1]});
      }
    }
    f->within_.resize(static_cast<size_t>(dim));
    for (int d = 0; d < dim; ++d) f->within_[d] = static_cast<float>(std::sqrt(within[d] / std::max(1.0, within_n)));
    const size_t ids = by_id.size();
    f->identities_ = static_cast<int64_t>(ids);
    const auto kern = candor::search::GetKernels(candor::search::BestIsa());
    candor::search::KMeansOptions ko;
    ko.spherical = true;
    ko.iterations = 20;
    components = std::min<int>(components, static_cast<int>(ids / 20));
    std::vector<float> unit = means;
    candor::search::NormaliseRows(unit, dim);
    const auto cent = candor::search::KMeans(unit.data(), ids, dim, components, ko, kern);
    std::vector<uint32_t> assign(ids);
    candor::search::AssignByInnerProduct(unit.data(), ids, dim, cent.data(), components, kern, assign.data());
    f->k_ = components;
    f->mu_.assign(static_cast<size_t>(components) * dim, 0.0f);
    f->sd_.assign(static_cast<size_t>(components) * dim, 0.0f);
    std::vector<double> count(static_cast<size_t>(components), 0.0);
    for (size_t i = 0; i < ids; ++i) {
      count[assign[i]] += 1;
      for (int d = 0; d < dim; ++d) f->mu_[assign[i] * dim + d] += means[i * dim + d];
    }
    for (int c = 0; c < components; ++c) {
      for (int d = 0; d < dim; ++d) f->mu_[c * dim + d] /= static_cast<float>(std::max(1.0, count[c]));
    }
    for (size_t i = 0; i < ids; ++i) {
      for (int d = 0; d < dim; ++d) {
        f->sd_[assign[i] * dim + d] += static_cast<float>(std::pow(means[i * dim + d] - f->mu_[assign[i] * dim + d], 2));
      }
    }
    double acc = 0;
    for (int c = 0; c < components; ++c) {
      for (int d = 0; d < dim; ++d) f->sd_[c * dim + d] = std::sqrt(f->sd_[c * dim + d] / static_cast<float>(std::max(1.0, count[c])));
      acc += count[c] / static_cast<double>(ids);
      f->cum_.push_back(acc);
    }
    f->cum_.back() = 1.0;
    return f;
  }
  int dim() const override { return dim_; }
  void Row(int64_t i, float* out) const override {
    if (stride_ > 0 && i % stride_ == 0 && i / stride_ < static_cast<int64_t>(real_.size())) {
      const auto& v = real_[static_cast<size_t>(i / stride_)].first;
      std::copy(v.begin(), v.end(), out);
      return;
    }
    Draw(i, 0, out);
  }
  void Probe(int64_t i, uint64_t draw, float* out) const override { Draw(i, 1 + draw, out); }
  // Sets where the real LFW gallery images go for a gallery of n rows.
  void Place(int64_t n) { stride_ = std::max<int64_t>(1, n / static_cast<int64_t>(real_.size() + 1)); }
  std::vector<std::pair<int64_t, std::vector<float>>> RealProbes(int64_t n) const override {
    std::vector<std::pair<int64_t, std::vector<float>>> out;
    for (size_t j = 0; j < real_.size() && static_cast<int64_t>(j) * stride_ < n; ++j) {
      out.push_back({static_cast<int64_t>(j) * stride_, real_[j].second});
    }
    return out;
  }
  std::string Describe() const override {
    char b[300];
    std::snprintf(b, sizeof(b),
                  "LfwFitted: %d-component diagonal Gaussian mixture fitted to %lld LFW identity means (%lld "
                  "images), within-identity spread from LFW; %zu real LFW mates inserted",
                  k_, static_cast<long long>(identities_), static_cast<long long>(images_), real_.size());
    return b;
  }

 private:
  LfwFitted() = default;
  void Draw(int64_t i, uint64_t draw, float* out) const {
    Normals g(Mix(static_cast<uint64_t>(i) * 0x9E37 + 77));
    const double u = (static_cast<double>(Mix(static_cast<uint64_t>(i) ^ 0x5151) >> 11) + 0.5) / 9007199254740992.0;
    const size_t c = static_cast<size_t>(std::lower_bound(cum_.begin(), cum_.end(), u) - cum_.begin());
    for (int d = 0; d < dim_; ++d) out[d] = mu_[c * dim_ + d] + sd_[c * dim_ + d] * g.Next();
    Normals w(Mix(static_cast<uint64_t>(i) * 0x51ED + draw * 0x1000193 + 3));
    for (int d = 0; d < dim_; ++d) out[d] += within_[d] * w.Next();
    Normalise(out, dim_);
  }
  int dim_ = 0, k_ = 0;
  int64_t identities_ = 0, images_ = 0, stride_ = 0;
  std::vector<float> mu_, sd_, within_;
  std::vector<double> cum_;
  std::vector<std::pair<std::vector<float>, std::vector<float>>> real_;
};

}  // namespace bench

#endif  // CANDOR_BENCH_FACE_DATA_H_
