// Copyright 2026 The Candor Authors.

#include "calibrate/score_variants.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <opencv2/core.hpp>
#include <random>
#include <set>

#include "calibrate/labelled_set.h"
#include "candor/cohort.h"
#include "candor/open_set.h"
#include "common/hash.h"

namespace candor::eval {
namespace {

using Json = nlohmann::json;

struct Protocol {
  std::vector<std::vector<std::size_t>> subjects;  // template images per subject
  std::size_t base = 0;                            // [0, base): enrolled identities; the rest: distractors
  std::vector<std::size_t> mated;
  std::vector<int> mate;                           // subject of each mated probe
  std::vector<std::size_t> nonmated;
};

using ById = std::map<std::string, std::vector<std::size_t>>;

// Subjects enrolled with `templates` images each; mated probes are images
// `first_probe`.. of their identity.
Protocol MakeProtocol(const EmbeddingSet& set, const ById& by_id, const std::set<std::string>& ids,
                      int templates, int first_probe, std::size_t max_nonmated) {
  Protocol p;
  std::vector<std::pair<std::string, std::size_t>> singles;
  for (const auto& id : ids) {
    std::vector<std::size_t> ok;
    for (std::size_t i : by_id.at(id)) {
      if (set.images[i].ok) ok.push_back(i);
    }
    if (by_id.at(id).size() >= 2) {
      if (static_cast<int>(ok.size()) < templates) continue;
      const int s = static_cast<int>(p.subjects.size());
      p.subjects.emplace_back(ok.begin(), ok.begin() + templates);
      for (std::size_t k = static_cast<std::size_t>(first_probe); k < ok.size(); ++k) {
        p.mated.push_back(ok[k]);
        p.mate.push_back(s);
      }
    } else if (!ok.empty()) {
      singles.emplace_back(HexDigest(Sha256("nonmated\n" + id)), ok[0]);
    }
  }
  std::sort(singles.begin(), singles.end());
  p.base = p.subjects.size();
  for (std::size_t k = 0; k < singles.size(); ++k) {
    if (k < max_nonmated) {
      p.nonmated.push_back(singles[k].second);
    } else {
      p.subjects.push_back({singles[k].second});
    }
  }
  return p;
}

cv::Mat Rows(const EmbeddingSet& set, const std::vector<std::size_t>& idx, int dim) {
  cv::Mat m(static_cast<int>(idx.size()), dim, CV_32F);
  for (std::size_t r = 0; r < idx.size(); ++r) {
    std::copy(set.images[idx[r]].v.begin(), set.images[idx[r]].v.end(), m.ptr<float>(static_cast<int>(r)));
  }
  return m;
}

cv::Mat Gemm(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat s;
  cv::gemm(a, b, 1.0, cv::noArray(), 0.0, s, cv::GEMM_2_T);
  return s;
}

enum class Combine { kMax, kMean, kCentroid };
enum class Norm { kRaw, kTnorm, kSnorm, kQnorm };

struct Variant {
  std::string name;
  Norm norm = Norm::kRaw;
  int k = 0;
  Combine combine = Combine::kMax;
};

// Quality-aware scores: impostor mean and sd per cell of the pair's two
// quality bins (unordered), measured on calibration impostor pairs.
struct QualityModel {
  std::vector<int> edges;  // bin b holds q < edges[b] (last bin: the rest)
  std::vector<double> mean, sd;  // per cell a * Bins() + b, a <= b
  std::vector<int64_t> pairs;
  int Bin(int q) const {
    int b = 0;
    while (b < static_cast<int>(edges.size()) && q >= edges[b]) ++b;
    return b;
  }
  int Bins() const { return static_cast<int>(edges.size()) + 1; }
  int Cell(int qa, int qb) const {
    const int a = Bin(std::min(qa, qb)), b = Bin(std::max(qa, qb));
    return a * Bins() + b;
  }
};

// Per-row statistics of a score matrix (all columns, or the top k).
std::vector<CohortStats> RowStats(const cv::Mat& s, int k) {
  std::vector<CohortStats> out(static_cast<std::size_t>(s.rows));
  std::vector<float> row;
  for (int r = 0; r < s.rows; ++r) {
    row.assign(s.ptr<float>(r), s.ptr<float>(r) + s.cols);
    std::size_t m = row.size();
    if (k > 0 && static_cast<std::size_t>(k) < m) {
      m = static_cast<std::size_t>(k);
      std::nth_element(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(m - 1), row.end(), std::greater<float>());
    }
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < m; ++i) mean += row[i];
    mean /= static_cast<double>(m);
    for (std::size_t i = 0; i < m; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(std::max<std::size_t>(1, m - 1));
    out[static_cast<std::size_t>(r)] = {static_cast<float>(mean), std::max(0.01f, static_cast<float>(std::sqrt(var)))};
  }
  return out;
}

struct Outcome {
  double fnir_base = 0, fnir_full = 0, thr_base = 0, thr_full = 0, fpir_base = 0, fpir_full = 0;
  double rank1_full = 0;
};

// Subject-by-probe scores after combining templates and normalising.
StatusOr<Outcome> Evaluate(const EmbeddingSet& set, int dim, const Protocol& p, const cv::Mat& cohort,
                           const Variant& v, const QualityModel* qm, double target) {
  const std::size_t ns = p.subjects.size();
  // Templates (or centroids) and their owners.
  std::vector<std::size_t> owner;
  cv::Mat T;
  if (v.combine == Combine::kCentroid) {
    T = cv::Mat::zeros(static_cast<int>(ns), dim, CV_32F);
    for (std::size_t s = 0; s < ns; ++s) {
      float* row = T.ptr<float>(static_cast<int>(s));
      for (std::size_t i : p.subjects[s]) {
        for (int k = 0; k < dim; ++k) row[k] += set.images[i].v[k];
      }
      double n = 0;
      for (int k = 0; k < dim; ++k) n += double(row[k]) * row[k];
      n = std::sqrt(std::max(n, 1e-12));
      for (int k = 0; k < dim; ++k) row[k] = static_cast<float>(row[k] / n);
      owner.push_back(s);
    }
  } else {
    std::vector<std::size_t> idx;
    for (std::size_t s = 0; s < ns; ++s) {
      for (std::size_t i : p.subjects[s]) idx.push_back(i), owner.push_back(s);
    }
    T = Rows(set, idx, dim);
  }
  std::vector<std::size_t> probes = p.mated;
  probes.insert(probes.end(), p.nonmated.begin(), p.nonmated.end());
  const cv::Mat P = Rows(set, probes, dim);
  // Combine templates -> one score per subject.
  auto combine = [&](const cv::Mat& raw) {
    cv::Mat out(raw.rows, static_cast<int>(ns), CV_32F);
    std::vector<int> count(ns, 0);
    for (std::size_t t = 0; t < owner.size(); ++t) ++count[owner[t]];
    for (int r = 0; r < raw.rows; ++r) {
      float* o = out.ptr<float>(r);
      std::fill(o, o + ns, v.combine == Combine::kMax ? -std::numeric_limits<float>::infinity() : 0.f);
      const float* in = raw.ptr<float>(r);
      for (std::size_t t = 0; t < owner.size(); ++t) {
        if (v.combine == Combine::kMax) {
          o[owner[t]] = std::max(o[owner[t]], in[t]);
        } else {
          o[owner[t]] += in[t] / static_cast<float>(count[owner[t]]);
        }
      }
    }
    return out;
  };
  cv::Mat S = combine(Gemm(P, T));  // probes x subjects
  if (v.norm == Norm::kTnorm || v.norm == Norm::kSnorm) {
    // The probe side through the search path's normaliser (candor/cohort.h).
    CohortOptions co;
    co.top_k = v.k;
    CANDOR_ASSIGN_OR_RETURN(
        CohortNormalizer norm,
        CohortNormalizer::Create(std::span<const float>(cohort.ptr<float>(), cohort.total()), dim, co));
    std::vector<CohortStats> ps(static_cast<std::size_t>(P.rows));
    for (int r = 0; r < P.rows; ++r) {
      CANDOR_ASSIGN_OR_RETURN(ps[static_cast<std::size_t>(r)],
                              norm.Stats(std::span<const float>(P.ptr<float>(r), static_cast<std::size_t>(dim))));
    }
    std::vector<CohortStats> gs;
    if (v.norm == Norm::kSnorm) {
      // A subject's cohort scores, combined over its templates as its probe scores are.
      const cv::Mat sc = combine(Gemm(cohort, T));  // cohort x subjects
      gs = RowStats(sc.t(), v.k);
    }
    for (int r = 0; r < S.rows; ++r) {
      float* o = S.ptr<float>(r);
      for (std::size_t s = 0; s < ns; ++s) {
        const float zt = CohortNormalizer::Normalize(o[s], ps[static_cast<std::size_t>(r)]);
        o[s] = v.norm == Norm::kSnorm ? 0.5f * (zt + CohortNormalizer::Normalize(o[s], gs[s])) : zt;
      }
    }
  } else if (v.norm == Norm::kQnorm) {
    if (qm == nullptr) return InvalidArgumentError("no quality model");
    for (int r = 0; r < S.rows; ++r) {
      float* o = S.ptr<float>(r);
      const int qp = set.images[probes[static_cast<std::size_t>(r)]].quality;
      for (std::size_t s = 0; s < ns; ++s) {
        int qs = 100;
        for (std::size_t i : p.subjects[s]) qs = std::min(qs, set.images[i].quality);
        const int c = qm->Cell(qp, qs);
        o[s] = static_cast<float>((o[s] - qm->mean[c]) / qm->sd[c]);
      }
    }
  }
  // Outcomes with the base gallery and with the distractors.
  Outcome out;
  for (int full = 0; full < 2; ++full) {
    const std::size_t cols = full ? ns : p.base;
    std::vector<metrics::MatedSearch> mated(p.mated.size());
    std::size_t hits = 0;
    for (std::size_t r = 0; r < p.mated.size(); ++r) {
      const float* row = S.ptr<float>(static_cast<int>(r));
      const float ms = row[p.mate[r]];
      int rank = 1;
      for (std::size_t j = 0; j < cols; ++j) rank += (static_cast<int>(j) != p.mate[r] && row[j] >= ms) ? 1 : 0;
      mated[r] = {rank, ms};
      hits += rank == 1 ? 1 : 0;
    }
    std::vector<double> top(p.nonmated.size());
    for (std::size_t r = 0; r < p.nonmated.size(); ++r) {
      const float* row = S.ptr<float>(static_cast<int>(p.mated.size() + r));
      top[r] = *std::max_element(row, row + cols);
    }
    CANDOR_ASSIGN_OR_RETURN(auto det, metrics::DetCurve(mated, top, 1));
    CANDOR_ASSIGN_OR_RETURN(auto pt, metrics::FnirAtFpir(det, target));
    (full ? out.fnir_full : out.fnir_base) = pt.fnir;
    (full ? out.thr_full : out.thr_base) = pt.threshold;
    (full ? out.fpir_full : out.fpir_base) = pt.fpir;
    if (full) out.rank1_full = static_cast<double>(hits) / static_cast<double>(p.mated.size());
  }
  return out;
}

Json Row(const std::string& protocol, const Variant& v, const Outcome& o, const Protocol& p) {
  return {{"protocol", protocol},
          {"variant", v.name},
          {"subjects", p.base},
          {"distractors", p.subjects.size() - p.base},
          {"mated", p.mated.size()},
          {"nonmated", p.nonmated.size()},
          {"fnir_base", o.fnir_base},
          {"fpir_base", o.fpir_base},
          {"threshold_base", o.thr_base},
          {"fnir_distractors", o.fnir_full},
          {"fpir_distractors", o.fpir_full},
          {"threshold_distractors", o.thr_full},
          {"rank1_distractors", o.rank1_full}};
}

}  // namespace

StatusOr<Json> RunScoreVariants(const EmbeddingSet& set, const ScoreVariantOptions& opt) {
  int dim = 0;
  ById by_id;
  bool have_quality = true;
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const auto& e = set.images[i];
    by_id[e.identity].push_back(i);
    if (!e.ok) continue;
    if (dim == 0) dim = static_cast<int>(e.v.size());
    if (static_cast<int>(e.v.size()) != dim) return InvalidArgumentError("embeddings differ in dimension");
    have_quality = have_quality && e.quality >= 0;
  }
  if (dim == 0) return InvalidArgumentError("no usable embeddings");
  std::set<std::string> ids;
  for (const auto& [id, v] : by_id) ids.insert(id);
  const IdentitySplit split = SplitByIdentity(ids, opt.calibration_fraction, opt.split_seed);
  std::mt19937_64 rng(opt.seed);
  auto sample_images = [&](const std::set<std::string>& from, std::size_t n) {
    std::vector<std::size_t> v;
    for (const auto& id : from) {
      for (std::size_t i : by_id[id]) {
        if (set.images[i].ok) v.push_back(i);
      }
    }
    std::shuffle(v.begin(), v.end(), rng);
    if (v.size() > n) v.resize(n);
    return v;
  };
  Json report;
  report["notes"] = Json::array();

  // ---- Tuning on the calibration identities: half A the cohort, half B the protocol.
  const IdentitySplit halves = SplitByIdentity(split.calibration, 0.5, opt.split_seed + "/cohort");
  const cv::Mat tune_cohort = Rows(set, sample_images(halves.calibration, opt.cohort_size), dim);
  const Protocol tune = MakeProtocol(set, by_id, halves.evaluation, 1, 1, opt.max_nonmated / 2);
  if (tune.base < 10 || tune.mated.size() < 10 || tune.nonmated.size() < 10 || tune_cohort.rows < 10) {
    return InvalidArgumentError("too few calibration identities to choose the cohort parameters");
  }
  Json tuning = Json::array();
  int best_k = 0;
  double best = 2;
  std::vector<int> ks = {0};
  for (int k : opt.top_k) {
    if (k >= 2 && k < tune_cohort.rows) ks.push_back(k);
  }
  for (int k : ks) {
    Variant v{k ? "adaptive T-norm k=" + std::to_string(k) : "T-norm", Norm::kTnorm, k, Combine::kMax};
    CANDOR_ASSIGN_OR_RETURN(Outcome o, Evaluate(set, dim, tune, tune_cohort, v, nullptr, opt.target_fpir));
    tuning.push_back(Row("calibration identities (tuning)", v, o, tune));
    if (o.fnir_full < best) best = o.fnir_full, best_k = k;
  }
  report["tuning"] = tuning;
  report["chosen_k"] = best_k;

  // ---- Quality model from the calibration identities.
  QualityModel qm;
  if (have_quality && opt.quality_bins >= 2) {
    const std::vector<std::size_t> cal = sample_images(split.calibration, 2000);
    std::vector<int> qs;
    for (std::size_t i : cal) qs.push_back(set.images[i].quality);
    std::sort(qs.begin(), qs.end());
    for (int b = 1; b < opt.quality_bins; ++b) qm.edges.push_back(qs[qs.size() * b / opt.quality_bins]);
    const int nb = qm.Bins() * qm.Bins();
    std::vector<double> sum(nb, 0), sum2(nb, 0), n(nb, 0);
    const cv::Mat C = Rows(set, cal, dim), S = Gemm(C, C);
    for (int a = 0; a < S.rows; ++a) {
      for (int b = a + 1; b < S.cols; ++b) {
        const auto& x = set.images[cal[a]];
        const auto& y = set.images[cal[b]];
        if (x.identity == y.identity) continue;
        const int bin = qm.Cell(x.quality, y.quality);
        const double s = S.at<float>(a, b);
        sum[bin] += s, sum2[bin] += s * s, n[bin] += 1;
      }
    }
    for (int b = 0; b < nb; ++b) {
      const double m = n[b] > 0 ? sum[b] / n[b] : 0;
      qm.mean.push_back(m);
      qm.sd.push_back(n[b] > 1 ? std::max(0.01, std::sqrt(std::max(0.0, sum2[b] / n[b] - m * m))) : 1.0);
      qm.pairs.push_back(static_cast<int64_t>(n[b]));
    }
    report["quality_model"] = {{"edges", qm.edges}, {"cells", "lower bin * bins + higher bin"},
                               {"impostor_mean", qm.mean}, {"impostor_sd", qm.sd}, {"pairs", qm.pairs}};
  } else {
    report["notes"].push_back("no quality scores in the embedding set: quality-aware rows skipped");
  }

  // ---- Evaluation identities.
  const cv::Mat cohort = Rows(set, sample_images(split.calibration, opt.cohort_size), dim);
  Json rows = Json::array();
  const Protocol one = MakeProtocol(set, by_id, split.evaluation, 1, 1, opt.max_nonmated);
  if (one.base < 10 || one.mated.size() < 10 || one.nonmated.size() < 10) {
    return InvalidArgumentError("too few evaluation identities for open-set evaluation");
  }
  const std::string k_name = best_k ? "adaptive T-norm k=" + std::to_string(best_k) : "T-norm";
  std::vector<Variant> single = {{"cosine (baseline)", Norm::kRaw, 0, Combine::kMax},
                                 {"T-norm (whole cohort)", Norm::kTnorm, 0, Combine::kMax},
                                 {"S-norm" + (best_k ? " k=" + std::to_string(best_k) : std::string()), Norm::kSnorm,
                                  best_k, Combine::kMax}};
  if (best_k) single.insert(single.begin() + 2, Variant{k_name, Norm::kTnorm, best_k, Combine::kMax});
  if (!qm.mean.empty()) single.push_back({"quality-aware (impostor z-score per pair of quality bins)", Norm::kQnorm, 0, Combine::kMax});
  for (const auto& v : single) {
    CANDOR_ASSIGN_OR_RETURN(Outcome o, Evaluate(set, dim, one, cohort, v, qm.mean.empty() ? nullptr : &qm,
                                                opt.target_fpir));
    rows.push_back(Row("one template per subject", v, o, one));
  }
  // Several templates: the same searches (images 3..) against one or two templates.
  const Protocol p1 = MakeProtocol(set, by_id, split.evaluation, 1, 2, opt.max_nonmated);
  const Protocol p2 = MakeProtocol(set, by_id, split.evaluation, 2, 2, opt.max_nonmated);
  if (p2.mated.size() >= 10) {
    const std::vector<std::pair<const Protocol*, Variant>> multi = {
        {&p1, {"one template", Norm::kRaw, 0, Combine::kMax}},
        {&p2, {"two templates, max", Norm::kRaw, 0, Combine::kMax}},
        {&p2, {"two templates, mean of scores", Norm::kRaw, 0, Combine::kMean}},
        {&p2, {"two templates, centroid", Norm::kRaw, 0, Combine::kCentroid}},
        {&p1, {"one template, " + k_name, Norm::kTnorm, best_k, Combine::kMax}},
        {&p2, {"two templates, max, " + k_name, Norm::kTnorm, best_k, Combine::kMax}},
        {&p2, {"two templates, centroid, " + k_name, Norm::kTnorm, best_k, Combine::kCentroid}}};
    for (const auto& [p, v] : multi) {
      CANDOR_ASSIGN_OR_RETURN(Outcome o, Evaluate(set, dim, *p, cohort, v, nullptr, opt.target_fpir));
      rows.push_back(Row("searches = images 3.. of identities with >= 3", v, o, *p));
    }
  }
  report["rows"] = rows;
  report["counts"] = {{"images", set.images.size()},
                      {"calibration_identities", split.calibration.size()},
                      {"evaluation_identities", split.evaluation.size()},
                      {"cohort", cohort.rows},
                      {"target_fpir", opt.target_fpir}};
  report["model"] = {{"id", set.model_id}, {"sha256", set.model_sha256}, {"settings", set.settings}};
  return report;
}

}  // namespace candor::eval
