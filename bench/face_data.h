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
//                The dimension is the cache's (192 for the default model, 320
//                for the fusion). A template made of parts of fixed norm (the
//                fusion: [sqrt(w_m) e_m, sqrt(w_r) e_r]) is found in the data
//                (a split where every image's prefix norm is the same) and
//                each drawn part is normalised to its own norm, as the
//                embedder does, instead of the whole vector.
//
// Thread safety: const methods are safe to call concurrently.

#ifndef CANDOR_BENCH_FACE_DATA_H_
#define CANDOR_BENCH_FACE_DATA_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
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
  // From an embedding cache (candor-embeddings 1) of any model: the default
  // (192-D) or the fusion (320-D; the format holds one width per file). Null
  // with *error for an unreadable cache or one without embeddings.
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
    f->parts_ = FindParts(by_id, dim);
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
    f->MeasureFit(by_id);
    f->mate_cosines_ = GenuineQuantiles(by_id, dim);
    return f;
  }
  // 64 quantiles ((i + 0.5) / 64) of the cache's genuine-pair cosines, all
  // pairs of each identity's first 40 images, each identity weighted equally:
  // what scripts/mate_cosines.py computes for the default model's table
  // (search/mate_probes.h), here for whichever model made the cache. Sorted.
  const std::vector<float>& mate_cosines() const { return mate_cosines_; }
  // A part of the template: dimensions [begin, end) whose squared norm is
  // `norm2` in every image (one part of norm 1 for a plain model).
  struct Part {
    int begin, end;
    float norm2;
  };
  const std::vector<Part>& parts() const { return parts_; }
  // Mean cosine of mated pairs (real: each identity's first two images;
  // synthetic: Row(i) against Probe(i, 0) over 2,000 rows) and of non-mated
  // pairs (real: first images of consecutive identities; synthetic: Row(i)
  // against Row(i + 1)), measured at Fit: how close the generator's scores
  // come to LFW's.
  struct FitCheck {
    double real_mate = 0, synthetic_mate = 0, real_nonmate = 0, synthetic_nonmate = 0;
  };
  const FitCheck& fit_check() const { return check_; }
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
    char b[600];
    std::string parts;
    for (const auto& p : parts_) {
      if (!parts.empty()) parts += " + ";
      parts += std::to_string(p.end - p.begin) + "-D of norm^2 " + std::to_string(p.norm2).substr(0, 6);
    }
    std::snprintf(b, sizeof(b),
                  "LfwFitted: %d-component diagonal Gaussian mixture fitted to %lld LFW identity means (%lld "
                  "images, %d-D: %s), within-identity spread from LFW; %zu real LFW mates inserted; mean mate "
                  "cosine real %.3f / synthetic %.3f, non-mate real %.3f / synthetic %.3f",
                  k_, static_cast<long long>(identities_), static_cast<long long>(images_), dim_, parts.c_str(),
                  real_.size(), check_.real_mate, check_.synthetic_mate, check_.real_nonmate,
                  check_.synthetic_nonmate);
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
    for (const auto& p : parts_) {
      Normalise(out + p.begin, p.end - p.begin);
      const float s = std::sqrt(p.norm2);
      for (int d = p.begin; d < p.end; ++d) out[d] *= s;
    }
  }
  using ById = std::map<std::string, std::vector<const std::vector<float>*>>;
  // Splits where every image's prefix has the same squared norm (to 1e-4):
  // the boundaries of parts of fixed norm. One part [0, dim) when none.
  static std::vector<Part> FindParts(const ById& by_id, int dim) {
    std::vector<double> sum(static_cast<size_t>(dim), 0.0), sum2(static_cast<size_t>(dim), 0.0);
    double n = 0;
    for (const auto& [id, vs] : by_id) {
      for (const auto* v : vs) {
        double acc = 0;
        for (int d = 0; d < dim; ++d) {
          acc += static_cast<double>((*v)[d]) * (*v)[d];
          sum[d] += acc;
          sum2[d] += acc * acc;
        }
        n += 1;
      }
    }
    std::vector<Part> parts;
    int begin = 0;
    double before = 0;
    auto mean = [&](int d) { return sum[d] / n; };
    auto sd = [&](int d) { return std::sqrt(std::max(0.0, sum2[d] / n - mean(d) * mean(d))); };
    auto split = [&](int d) { return sd(d) < 1e-4 && mean(d) - before > 1e-3 && 1.0 - mean(d) > 1e-3; };
    for (int d = 0; d + 1 < dim && n >= 2; ++d) {
      if (!split(d)) continue;
      // Dimensions that are almost 0 in every image (MobileFaceNet has two at
      // the end of its 192) keep the prefix nearly constant for a few splits:
      // the boundary is the most constant one of that run.
      int best = d;
      for (; d + 2 < dim && split(d + 1); ++d) {
        if (sd(d + 1) < sd(best)) best = d + 1;
      }
      parts.push_back({begin, best + 1, static_cast<float>(mean(best) - before)});
      begin = best + 1;
      before = mean(best);
    }
    // The embeddings are L2-normalised: the last part has the rest of norm 1
    // (exactly 1 for a plain model, whose rows are then what they always were).
    parts.push_back({begin, dim, static_cast<float>(1.0 - before)});
    return parts;
  }
  static std::vector<float> GenuineQuantiles(const ById& by_id, int dim) {
    std::vector<std::pair<double, double>> pairs;  // cosine, weight
    for (const auto& [id, vs] : by_id) {
      const size_t k = std::min<size_t>(vs.size(), 40);
      if (k < 2) continue;
      const double w = 2.0 / static_cast<double>(k * (k - 1));
      for (size_t i = 0; i < k; ++i) {
        for (size_t j = i + 1; j < k; ++j) pairs.push_back({Dot(vs[i]->data(), vs[j]->data(), dim), w});
      }
    }
    std::vector<float> table;
    if (pairs.empty()) return table;
    std::sort(pairs.begin(), pairs.end());
    double total = 0, acc = 0;
    for (const auto& p : pairs) total += p.second;
    size_t i = 0;
    for (int q = 0; q < 64; ++q) {
      const double u = (q + 0.5) / 64 * total;
      while (i + 1 < pairs.size() && acc + pairs[i].second < u) acc += pairs[i++].second;
      table.push_back(static_cast<float>(pairs[i].first));
    }
    return table;
  }
  static double Dot(const float* a, const float* b, int dim) {
    double s = 0;
    for (int d = 0; d < dim; ++d) s += static_cast<double>(a[d]) * b[d];
    return s;
  }
  void MeasureFit(const ById& by_id) {
    for (const auto& [first, second] : real_) check_.real_mate += Dot(first.data(), second.data(), dim_);
    check_.real_mate /= std::max<size_t>(1, real_.size());
    const std::vector<float>* prev = nullptr;
    int pairs = 0;
    for (const auto& [id, vs] : by_id) {
      if (prev != nullptr) check_.real_nonmate += Dot(prev->data(), vs[0]->data(), dim_), ++pairs;
      prev = vs[0];
    }
    check_.real_nonmate /= std::max(1, pairs);
    std::vector<float> a(static_cast<size_t>(dim_)), b(a.size()), c(a.size());
    constexpr int kDraws = 2000;
    for (int64_t i = 0; i < kDraws; ++i) {
      Draw(i, 0, a.data());
      Draw(i, 1, b.data());
      Draw(i + 1, 0, c.data());
      check_.synthetic_mate += Dot(a.data(), b.data(), dim_) / kDraws;
      check_.synthetic_nonmate += Dot(a.data(), c.data(), dim_) / kDraws;
    }
  }
  int dim_ = 0, k_ = 0;
  int64_t identities_ = 0, images_ = 0, stride_ = 0;
  std::vector<float> mu_, sd_, within_;
  std::vector<double> cum_;
  std::vector<Part> parts_;
  FitCheck check_;
  std::vector<float> mate_cosines_;
  std::vector<std::pair<std::vector<float>, std::vector<float>>> real_;
};

}  // namespace bench

#endif  // CANDOR_BENCH_FACE_DATA_H_
