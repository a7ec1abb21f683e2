// Copyright 2026 The Candor Authors.

#include "calibrate/identify_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <opencv2/core.hpp>
#include <optional>
#include <random>
#include <set>

#include "candor/demographics.h"
#include "candor/metrics.h"
#include "candor/open_set.h"
#include "common/hash.h"

namespace candor::eval {
namespace {

using Json = nlohmann::json;
const double kNan = std::numeric_limits<double>::quiet_NaN();

// Rows of `idx` images as a CV_32F matrix.
cv::Mat Stack(const EmbeddingSet& set, const std::vector<std::size_t>& idx, int dim) {
  cv::Mat m(static_cast<int>(idx.size()), dim, CV_32F);
  for (std::size_t r = 0; r < idx.size(); ++r) {
    std::copy(set.images[idx[r]].v.begin(), set.images[idx[r]].v.end(), m.ptr<float>(r));
  }
  return m;
}

cv::Mat Scores(const cv::Mat& probes, const cv::Mat& gallery) {
  cv::Mat s;
  if (probes.empty() || gallery.empty()) return cv::Mat(probes.rows, gallery.rows, CV_32F);
  cv::gemm(probes, gallery, 1.0, cv::noArray(), 0.0, s, cv::GEMM_2_T);
  return s;
}

Json NumberOrNull(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

// Down-samples a curve to at most `n` points (keeping the ends) for the report.
template <typename T, typename F>
Json Thin(const std::vector<T>& pts, std::size_t n, F to_json) {
  Json out = Json::array();
  if (pts.empty()) return out;
  const std::size_t step = std::max<std::size_t>(1, pts.size() / n);
  for (std::size_t i = 0; i < pts.size(); i += step) out.push_back(to_json(pts[i]));
  if ((pts.size() - 1) % step) out.push_back(to_json(pts.back()));
  return out;
}

Json Histogram(const std::vector<double>& v, double lo, double hi, int bins) {
  std::vector<uint64_t> c(bins, 0);
  for (double s : v) {
    if (!std::isfinite(s)) continue;
    const int b = std::clamp(static_cast<int>((s - lo) / (hi - lo) * bins), 0, bins - 1);
    ++c[b];
  }
  return {{"lo", lo}, {"hi", hi}, {"counts", c}};
}

std::string ListDigest(const std::set<std::string>& ids) {
  std::string all;
  for (const auto& id : ids) all += id + "\n";
  return HexDigest(Sha256(all));
}

struct Det {
  std::vector<metrics::DetPoint> points;
  Json fnir_at;
};

StatusOr<Det> MakeDet(const std::vector<metrics::MatedSearch>& mated,
                      const std::vector<double>& nonmated) {
  Det d;
  CANDOR_ASSIGN_OR_RETURN(d.points, metrics::DetCurve(mated, nonmated, 1));
  d.fnir_at = Json::array();
  for (double target : {0.003, 0.01, 0.1}) {
    CANDOR_ASSIGN_OR_RETURN(auto p, metrics::FnirAtFpir(d.points, target));
    const bool supported = target >= 3.0 / static_cast<double>(nonmated.size());
    d.fnir_at.push_back({{"fpir", target},
                         {"fnir", p.fnir},
                         {"threshold", p.threshold},
                         {"achieved_fpir", p.fpir},
                         {"supported", supported}});
  }
  return d;
}

Json DetJson(const std::vector<metrics::DetPoint>& pts) {
  return Thin(pts, 300, [](const metrics::DetPoint& p) {
    return Json::array({p.fpir, p.fnir, p.threshold});
  });
}

double Dot(const EmbeddedImage& x, const EmbeddedImage& y, int dim) {
  double s = 0;
  for (int k = 0; k < dim; ++k) s += x.v[k] * y.v[k];
  return s;
}

// The set indexed by identity.
struct SetIndex {
  int dim = 0;
  std::map<std::string, std::vector<std::size_t>> by_id;  // identity -> image indices
  std::set<std::string> ids;
  std::size_t failed = 0;  // images that failed to acquire
};

StatusOr<SetIndex> IndexSet(const EmbeddingSet& set) {
  SetIndex idx;
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const auto& e = set.images[i];
    idx.by_id[e.identity].push_back(i);
    if (e.ok) {
      if (idx.dim == 0) idx.dim = static_cast<int>(e.v.size());
      if (static_cast<int>(e.v.size()) != idx.dim) {
        return InvalidArgumentError("embeddings differ in dimension");
      }
    } else {
      ++idx.failed;
    }
  }
  if (idx.dim == 0) return InvalidArgumentError("no usable embeddings");
  for (const auto& [id, v] : idx.by_id) idx.ids.insert(id);
  return idx;
}

// The usable images of `identities`, in identity then image order.
std::vector<std::size_t> UsableImages(const EmbeddingSet& set, const SetIndex& idx,
                                      const std::set<std::string>& identities) {
  std::vector<std::size_t> out;
  for (const auto& id : identities) {
    for (std::size_t i : idx.by_id.at(id)) {
      if (set.images[i].ok) out.push_back(i);
    }
  }
  return out;
}

Json HeaderJson(const EmbeddingSet& set, const IdentifyOptions& opt, const IdentitySplit& split) {
  Json report;
  report["model"] = {
      {"id", set.model_id}, {"sha256", set.model_sha256}, {"settings", set.settings}};
  report["dataset"] = opt.dataset;
  report["split"] = {{"method", "by identity: SHA-256(seed + name) < fraction -> calibration"},
                     {"seed", opt.split_seed},
                     {"calibration_fraction", opt.calibration_fraction},
                     {"calibration_identities", split.calibration.size()},
                     {"evaluation_identities", split.evaluation.size()},
                     {"calibration_identity_list_sha256", ListDigest(split.calibration)},
                     {"evaluation_identity_list_sha256", ListDigest(split.evaluation)}};
  return report;
}

// ---- Calibration side: genuine pairs, impostor pairs among a sample of images,
// non-mated searches of singletons against one image per multi-image identity.
// Fills `cal`; returns the sampled calibration images (also the synthetic
// distractors' source).
std::vector<std::size_t> BuildCalibrationInput(const EmbeddingSet& set, const SetIndex& idx,
                                               const IdentitySplit& split,
                                               const IdentifyOptions& opt, std::mt19937_64& rng,
                                               CalibrationInput& cal) {
  const int dim = idx.dim;
  cal.model_id = set.model_id;
  cal.model_sha256 = set.model_sha256;
  std::vector<std::size_t> cal_images, cal_gallery, cal_single;
  for (const auto& id : split.calibration) {
    const auto& v = idx.by_id.at(id);
    for (std::size_t i : v) {
      if (set.images[i].ok) cal_images.push_back(i);
    }
    for (std::size_t a = 0; a < v.size(); ++a) {  // genuine: all same-identity pairs
      for (std::size_t b = a + 1; b < v.size(); ++b) {
        const auto& x = set.images[v[a]];
        const auto& y = set.images[v[b]];
        if (x.ok && y.ok) cal.genuine_scores.push_back(Dot(x, y, dim));
      }
    }
    if (v.size() >= 2 && set.images[v[0]].ok) cal_gallery.push_back(v[0]);
    if (v.size() == 1 && set.images[v[0]].ok) cal_single.push_back(v[0]);
  }
  std::shuffle(cal_images.begin(), cal_images.end(), rng);
  if (cal_images.size() > opt.max_calibration_images) cal_images.resize(opt.max_calibration_images);
  {
    cv::Mat m = Stack(set, cal_images, dim);
    cv::Mat s = Scores(m, m);
    for (int a = 0; a < s.rows; ++a) {
      for (int b = a + 1; b < s.cols; ++b) {
        if (set.images[cal_images[a]].identity != set.images[cal_images[b]].identity) {
          cal.impostor_scores.push_back(s.at<float>(a, b));
        }
      }
    }
  }
  std::shuffle(cal_single.begin(), cal_single.end(), rng);
  if (cal_single.size() > opt.max_nonmated) cal_single.resize(opt.max_nonmated);
  if (!cal_gallery.empty() && !cal_single.empty()) {
    cv::Mat s = Scores(Stack(set, cal_single, dim), Stack(set, cal_gallery, dim));
    for (int r = 0; r < s.rows; ++r) {
      cal.nonmated_searches.emplace_back(s.ptr<float>(r), s.ptr<float>(r) + s.cols);
    }
  }
  cal.provenance = {
      {"dataset", opt.dataset},
      {"split_seed", opt.split_seed},
      {"calibration_fraction", std::to_string(opt.calibration_fraction)},
      {"calibration_identities", std::to_string(split.calibration.size())},
      {"calibration_identity_list_sha256", ListDigest(split.calibration)},
      {"impostor_pairs", "all cross-identity pairs among " + std::to_string(cal_images.size()) +
                             " randomly chosen calibration images"},
      {"nonmated_searches", std::to_string(cal_single.size()) +
                                " singleton identities against a gallery of " +
                                std::to_string(cal_gallery.size())},
      {"model_settings", set.settings}};
  return cal_images;
}

// ---- Evaluation side: who is enrolled, who searches, and what the searches found.
struct EvaluationSide {
  std::vector<std::size_t> gallery, mated_idx, nonmated_idx, distractors;
  std::vector<int> mated_gallery_col;  // -1: identity not enrolled (FTE)
  cv::Mat PM, PN;                      // mated / non-mated probe rows (zeros: failed)
  std::vector<metrics::MatedSearch> mated;
  std::vector<double> nonmated_top;  // NaN: failed to acquire
  std::size_t fte = 0, fta_mated = 0, fta_nonmated = 0;
};

// Gallery = first image of every identity with >= 2 images; mated probes =
// their other images; non-mated probes = a sample of singletons; the other
// singletons are distractors.
StatusOr<EvaluationSide> SelectEvaluationSide(const EmbeddingSet& set, const SetIndex& idx,
                                              const IdentitySplit& split,
                                              const IdentifyOptions& opt, std::mt19937_64& rng) {
  EvaluationSide ev;
  std::vector<std::size_t> singles;
  std::map<std::string, int> col_of;
  for (const auto& id : split.evaluation) {
    const auto& v = idx.by_id.at(id);
    if (v.size() >= 2) {
      if (set.images[v[0]].ok) {
        col_of[id] = static_cast<int>(ev.gallery.size());
        ev.gallery.push_back(v[0]);
      }
    } else {
      singles.push_back(v[0]);
    }
  }
  for (const auto& id : split.evaluation) {
    const auto& v = idx.by_id.at(id);
    if (v.size() < 2) continue;
    for (std::size_t k = 1; k < v.size(); ++k) {
      ev.mated_idx.push_back(v[k]);
      auto it = col_of.find(id);
      ev.mated_gallery_col.push_back(it == col_of.end() ? -1 : it->second);
    }
  }
  std::shuffle(singles.begin(), singles.end(), rng);
  ev.nonmated_idx.assign(singles.begin(),
                         singles.begin() + std::min(singles.size(), opt.max_nonmated));
  for (std::size_t k = ev.nonmated_idx.size(); k < singles.size(); ++k) {
    if (set.images[singles[k]].ok) ev.distractors.push_back(singles[k]);
  }
  if (ev.gallery.size() < 10 || ev.mated_idx.size() < 10 || ev.nonmated_idx.size() < 10) {
    return InvalidArgumentError(
        "too few identities for open-set evaluation: " + std::to_string(ev.gallery.size()) +
        " enrolled, " + std::to_string(ev.mated_idx.size()) + " mated probes, " +
        std::to_string(ev.nonmated_idx.size()) + " non-mated probes");
  }
  return ev;
}

// Probes that failed to acquire are kept as rows of zeros.
cv::Mat ProbeMatrix(const EmbeddingSet& set, const std::vector<std::size_t>& idx, int dim) {
  cv::Mat m = cv::Mat::zeros(static_cast<int>(idx.size()), dim, CV_32F);
  for (std::size_t r = 0; r < idx.size(); ++r) {
    if (set.images[idx[r]].ok) {
      std::copy(set.images[idx[r]].v.begin(), set.images[idx[r]].v.end(), m.ptr<float>(r));
    }
  }
  return m;
}

// Searches every probe against the gallery: the mate's rank and score (ties
// pessimistic), the non-mated probes' top scores.
void SearchEvaluationSide(const EmbeddingSet& set, int dim, EvaluationSide& ev) {
  const cv::Mat G = Stack(set, ev.gallery, dim);
  ev.PM = ProbeMatrix(set, ev.mated_idx, dim);
  ev.PN = ProbeMatrix(set, ev.nonmated_idx, dim);
  const cv::Mat SM = Scores(ev.PM, G), SN = Scores(ev.PN, G);
  ev.mated.assign(ev.mated_idx.size(), {});
  for (std::size_t r = 0; r < ev.mated_idx.size(); ++r) {
    const int col = ev.mated_gallery_col[r];
    if (col < 0) ++ev.fte;
    if (!set.images[ev.mated_idx[r]].ok) ++ev.fta_mated;
    if (col < 0 || !set.images[ev.mated_idx[r]].ok) continue;  // miss
    const float* row = SM.ptr<float>(static_cast<int>(r));
    const float ms = row[col];
    int rank = 1;
    for (int j = 0; j < SM.cols; ++j) rank += (j != col && row[j] >= ms) ? 1 : 0;
    ev.mated[r] = {rank, ms};
  }
  ev.nonmated_top.assign(ev.nonmated_idx.size(), kNan);
  for (std::size_t r = 0; r < ev.nonmated_idx.size(); ++r) {
    if (!set.images[ev.nonmated_idx[r]].ok) {
      ++ev.fta_nonmated;
      continue;
    }
    const float* row = SN.ptr<float>(static_cast<int>(r));
    ev.nonmated_top[r] = *std::max_element(row, row + SN.cols);
  }
}

Json CountsJson(const EmbeddingSet& set, const SetIndex& idx, const EvaluationSide& ev) {
  return {{"images", set.images.size()},
          {"failed_to_acquire", idx.failed},
          {"enrolled", ev.gallery.size()},
          {"failed_to_enrol_identities_probes", ev.fte},
          {"mated_probes", ev.mated_idx.size()},
          {"mated_probes_failed", ev.fta_mated},
          {"nonmated_probes", ev.nonmated_idx.size()},
          {"nonmated_probes_failed", ev.fta_nonmated},
          {"real_distractors", ev.distractors.size()}};
}

// ---- Gallery growth: FPIR and FNIR at threshold `t_op` as distractors `D`
// join the gallery, one row per total size in `sizes` (running maxima over
// distractor prefixes).
void AddGrowthRows(const std::string& kind, const cv::Mat& D, const std::vector<uint64_t>& sizes,
                   const EvaluationSide& ev, double t_op, Json& growth) {
  std::vector<float> max_n(ev.PN.rows, -std::numeric_limits<float>::infinity());
  std::vector<float> max_m(ev.PM.rows, -std::numeric_limits<float>::infinity());
  std::size_t done = 0;
  for (uint64_t total : sizes) {
    if (total < ev.gallery.size()) continue;
    const std::size_t want = std::min<std::size_t>(total - ev.gallery.size(), D.rows);
    const std::size_t block = 8192;
    while (done < want) {
      const std::size_t n = std::min(block, want - done);
      const cv::Mat Dn = D.rowRange(static_cast<int>(done), static_cast<int>(done + n));
      const cv::Mat a = Scores(ev.PN, Dn), b = Scores(ev.PM, Dn);
      for (int r = 0; r < a.rows; ++r) {
        max_n[r] = std::max(max_n[r], *std::max_element(a.ptr<float>(r), a.ptr<float>(r) + a.cols));
      }
      for (int r = 0; r < b.rows; ++r) {
        max_m[r] = std::max(max_m[r], *std::max_element(b.ptr<float>(r), b.ptr<float>(r) + b.cols));
      }
      done += n;
    }
    std::size_t fp = 0, miss = 0;
    for (std::size_t r = 0; r < ev.nonmated_top.size(); ++r) {
      if (!std::isnan(ev.nonmated_top[r]) &&
          std::max<double>(ev.nonmated_top[r], max_n[r]) >= t_op) {
        ++fp;
      }
    }
    for (std::size_t r = 0; r < ev.mated.size(); ++r) {
      const bool hit = ev.mated[r].mate_rank == 1 && ev.mated[r].mate_score >= t_op &&
                       ev.mated[r].mate_score > max_m[r];
      miss += hit ? 0 : 1;
    }
    growth.push_back({{"kind", kind},
                      {"gallery_size", ev.gallery.size() + done},
                      {"threshold", t_op},
                      {"fpir", static_cast<double>(fp) / ev.nonmated_top.size()},
                      {"fnir", static_cast<double>(miss) / ev.mated.size()}});
    if (want == static_cast<std::size_t>(D.rows)) break;  // distractors exhausted
  }
}

// `n` face-like synthetic distractors: N(mean, cov) of the rows of `C`, normalised.
cv::Mat SyntheticDistractors(const cv::Mat& C, int n, uint64_t seed) {
  const int dim = C.cols;
  cv::Mat cov, mean;
  cv::calcCovarMatrix(C, cov, mean, cv::COVAR_NORMAL | cv::COVAR_ROWS | cv::COVAR_SCALE, CV_64F);
  cv::Mat evals, evecs;
  cv::eigen(cov, evals, evecs);
  cv::Mat L(dim, dim, CV_64F);
  for (int i = 0; i < dim; ++i) {
    const double s = std::sqrt(std::max(0.0, evals.at<double>(i)));
    for (int j = 0; j < dim; ++j) L.at<double>(j, i) = evecs.at<double>(i, j) * s;
  }
  cv::Mat Z(n, dim, CV_64F);
  cv::RNG cvrng(seed);
  cvrng.fill(Z, cv::RNG::NORMAL, 0.0, 1.0);
  cv::Mat X = Z * L.t();
  cv::Mat D(n, dim, CV_32F);
  for (int r = 0; r < n; ++r) {
    double norm = 0;
    for (int k = 0; k < dim; ++k) {
      const double x = X.at<double>(r, k) + mean.at<double>(0, k);
      X.at<double>(r, k) = x;
      norm += x * x;
    }
    norm = std::sqrt(norm);
    for (int k = 0; k < dim; ++k) D.at<float>(r, k) = static_cast<float>(X.at<double>(r, k) / norm);
  }
  return D;
}

// Growth with the real distractors (25 / 50 / 100 % of them), then with
// synthetic ones up to the requested sizes.
Json GalleryGrowth(const EmbeddingSet& set, int dim, const EvaluationSide& ev,
                   const std::vector<std::size_t>& cal_images, const IdentifyOptions& opt,
                   double t_op) {
  Json growth = Json::array();
  {
    const cv::Mat DR = Stack(set, ev.distractors, dim);
    std::vector<uint64_t> sizes = {ev.gallery.size()};
    for (double f : {0.25, 0.5, 1.0}) sizes.push_back(ev.gallery.size() + uint64_t(f * DR.rows));
    AddGrowthRows("real", DR, sizes, ev, t_op, growth);
  }
  if (!opt.synthetic_gallery_sizes.empty() && cal_images.size() > static_cast<std::size_t>(dim)) {
    const uint64_t most =
        *std::max_element(opt.synthetic_gallery_sizes.begin(), opt.synthetic_gallery_sizes.end());
    const int n = static_cast<int>(most > ev.gallery.size() ? most - ev.gallery.size() : 0);
    const cv::Mat D = SyntheticDistractors(Stack(set, cal_images, dim), n, opt.seed);
    AddGrowthRows("synthetic", D, opt.synthetic_gallery_sizes, ev, t_op, growth);
  }
  return growth;
}

// ---- 1:1 verification on the evaluation side: all genuine pairs, impostor
// pairs among a sample of images. Nothing if the ROC cannot be computed.
std::optional<Json> VerificationJson(const EmbeddingSet& set, const SetIndex& idx,
                                     const IdentitySplit& split, const IdentifyOptions& opt,
                                     const Calibration& calibration, std::mt19937_64& rng) {
  const int dim = idx.dim;
  std::vector<std::size_t> sample = UsableImages(set, idx, split.evaluation);
  std::shuffle(sample.begin(), sample.end(), rng);
  if (sample.size() > opt.max_calibration_images) sample.resize(opt.max_calibration_images);
  cv::Mat m = Stack(set, sample, dim), s = Scores(m, m);
  std::vector<double> gen, imp;
  for (int a = 0; a < s.rows; ++a) {
    for (int b = a + 1; b < s.cols; ++b) {
      if (set.images[sample[a]].identity != set.images[sample[b]].identity) {
        imp.push_back(s.at<float>(a, b));
      }
    }
  }
  for (const auto& id : split.evaluation) {  // all genuine pairs (the sample has few)
    const auto& v = idx.by_id.at(id);
    for (std::size_t a = 0; a < v.size(); ++a) {
      for (std::size_t b = a + 1; b < v.size(); ++b) {
        const auto& x = set.images[v[a]];
        const auto& y = set.images[v[b]];
        gen.push_back(x.ok && y.ok ? Dot(x, y, dim) : kNan);
      }
    }
  }
  auto roc = metrics::ComputeRoc(gen, imp);
  if (!roc.ok()) return std::nullopt;
  const auto cal_t = calibration.ThresholdForFmr(opt.operating_fmr);
  Json v = {{"genuine_pairs", gen.size()},
            {"impostor_pairs", imp.size()},
            {"auc", metrics::Auc(*roc)},
            {"eer", metrics::Eer(*roc)},
            {"tar_at_far_1e-2", metrics::TarAtFar(*roc, 1e-2)},
            {"tar_at_far_1e-3", metrics::TarAtFar(*roc, 1e-3)}};
  if (cal_t.ok()) {
    v["calibrated_threshold"] = cal_t->threshold;
    v["fmr_at_calibrated_threshold"] = metrics::FractionAtOrAbove(imp, cal_t->threshold);
    v["tmr_at_calibrated_threshold"] = metrics::FractionAtOrAbove(gen, cal_t->threshold);
  }
  return v;
}

// ---- Demographic differentials.
using PairsByGroup = std::map<std::string, std::vector<metrics::LabelledPair>>;

struct GroupContext {
  const EmbeddingSet& set;
  const SetIndex& idx;
  const IdentifyOptions& opt;
  std::map<std::string, int64_t> id_num;  // identity -> number (for the bootstrap)
  std::mt19937_64& rng;
};

// Uniform cross-identity pairs of evaluation images (matched impostors' "random" row).
std::vector<metrics::LabelledPair> RandomImpostorPairs(GroupContext& c,
                                                       const IdentitySplit& split) {
  std::vector<metrics::LabelledPair> rp;
  const std::vector<std::size_t> ev = UsableImages(c.set, c.idx, split.evaluation);
  std::uniform_int_distribution<std::size_t> pick(0, ev.size() - 1);
  for (std::size_t k = 0; k < c.opt.max_group_impostor_pairs && ev.size() > 1; ++k) {
    const auto& x = c.set.images[ev[pick(c.rng)]];
    const auto& y = c.set.images[ev[pick(c.rng)]];
    if (x.identity == y.identity) continue;
    rp.push_back({Dot(x, y, c.idx.dim), false, c.id_num[x.identity], c.id_num[y.identity]});
  }
  return rp;
}

// One group's genuine pairs (all) and within-group impostor pairs (all, or a
// uniform sample of the cap), appended to `p`; their score histograms.
Json GroupPairs(GroupContext& c, const std::vector<std::string>& members_of,
                std::vector<metrics::LabelledPair>& p) {
  const int dim = c.idx.dim;
  std::vector<double> gs, is;
  std::vector<std::size_t> imgs;
  for (const auto& id : members_of) {
    const auto& v = c.idx.by_id.at(id);
    for (std::size_t a = 0; a < v.size(); ++a) {
      if (c.set.images[v[a]].ok) imgs.push_back(v[a]);
      for (std::size_t b = a + 1; b < v.size(); ++b) {
        const auto& x = c.set.images[v[a]];
        const auto& y = c.set.images[v[b]];
        const double sc = x.ok && y.ok ? Dot(x, y, dim) : kNan;
        p.push_back({sc, true, c.id_num[id], c.id_num[id]});
        gs.push_back(sc);
      }
    }
  }
  const std::size_t n = imgs.size();
  const double all = 0.5 * static_cast<double>(n) * (n - 1);
  auto add = [&](std::size_t a, std::size_t b) {
    const auto& x = c.set.images[imgs[a]];
    const auto& y = c.set.images[imgs[b]];
    if (x.identity == y.identity) return;
    const double sc = Dot(x, y, dim);
    p.push_back({sc, false, c.id_num[x.identity], c.id_num[y.identity]});
    is.push_back(sc);
  };
  if (all <= static_cast<double>(c.opt.max_group_impostor_pairs)) {
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = a + 1; b < n; ++b) add(a, b);
  } else {
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    for (std::size_t k = 0; k < c.opt.max_group_impostor_pairs; ++k) {
      std::size_t a = pick(c.rng), b = pick(c.rng);
      if (a != b) add(std::min(a, b), std::max(a, b));
    }
  }
  return {{"genuine", Histogram(gs, -0.4, 1.0, 56)}, {"impostor", Histogram(is, -0.4, 1.0, 56)}};
}

Json GroupRatesJson(const std::vector<metrics::GroupRates>& groups) {
  Json out = Json::array();
  for (const auto& g : groups) {
    out.push_back({{"group", g.group},
                   {"identities", g.identities},
                   {"fmr", NumberOrNull(g.fmr.value)},
                   {"fmr_ci", {NumberOrNull(g.fmr.lower), NumberOrNull(g.fmr.upper)}},
                   {"false_matches", g.fmr.errors},
                   {"impostor_pairs", g.fmr.trials},
                   {"fnmr", NumberOrNull(g.fnmr.value)},
                   {"fnmr_ci", {NumberOrNull(g.fnmr.lower), NumberOrNull(g.fnmr.upper)}},
                   {"false_non_matches", g.fnmr.errors},
                   {"genuine_pairs", g.fnmr.trials},
                   {"too_small", g.too_small},
                   {"note", g.note}});
  }
  return out;
}

Json RatioJson(const metrics::Ratio& r) {
  auto num = [](double v) { return std::isinf(v) ? Json("inf") : NumberOrNull(v); };
  return Json{{"value", num(r.value)},
              {"ci", {num(r.lower), num(r.upper)}},
              {"max_group", r.max_group},
              {"min_group", r.min_group},
              {"note", r.note}};
}

// Per-group 1:N DET (the group's mated and non-mated probes).
Json DetByGroup(const EmbeddingSet& set, const EvaluationSide& ev,
                const std::map<std::string, std::vector<std::string>>& members) {
  Json out = Json::object();
  for (const auto& [group, members_of] : members) {
    std::set<std::string> in(members_of.begin(), members_of.end());
    std::vector<metrics::MatedSearch> gm;
    std::vector<double> gn;
    for (std::size_t r = 0; r < ev.mated_idx.size(); ++r) {
      if (in.count(set.images[ev.mated_idx[r]].identity)) gm.push_back(ev.mated[r]);
    }
    for (std::size_t r = 0; r < ev.nonmated_idx.size(); ++r) {
      if (in.count(set.images[ev.nonmated_idx[r]].identity)) gn.push_back(ev.nonmated_top[r]);
    }
    auto gd = MakeDet(gm, gn);
    if (!gd.ok()) continue;
    out[group] = {{"mated", gm.size()},
                  {"nonmated", gn.size()},
                  {"fnir_at_fpir", gd->fnir_at},
                  {"det", DetJson(gd->points)}};
  }
  return out;
}

// One attribute's differentials at `threshold`; nothing if they cannot be
// computed. Same-group impostor pairs are added to `matched` when asked.
std::optional<Json> AttributeJson(GroupContext& c, const IdentitySplit& split,
                                  const EvaluationSide& ev, const std::string& attribute,
                                  const std::map<std::string, std::string>& labels,
                                  double threshold, PairsByGroup& matched) {
  std::map<std::string, std::vector<std::string>> members;  // group -> eval identities
  for (const auto& id : split.evaluation) {
    auto it = labels.find(id);
    if (it != labels.end()) members[it->second].push_back(id);
  }
  PairsByGroup pairs;
  Json hist = Json::object();
  for (const auto& [group, members_of] : members) {
    hist[group] = GroupPairs(c, members_of, pairs[group]);
  }
  if (c.opt.matched_impostors) {
    auto& pool = matched["same-" + attribute];
    for (const auto& [group, p] : pairs) {
      for (const auto& x : p) {
        if (!x.genuine) pool.push_back(x);
      }
    }
  }
  metrics::DifferentialOptions dopt;
  dopt.bootstrap_replicates = c.opt.bootstrap_replicates;
  dopt.seed = c.opt.seed;
  auto diff = metrics::ComputeDifferentials(pairs, threshold, dopt);
  if (!diff.ok()) return std::nullopt;
  return Json{{"threshold", threshold},
              {"bootstrap_replicates", diff->bootstrap_replicates},
              {"groups", GroupRatesJson(diff->groups)},
              {"fmr_ratio", RatioJson(diff->fmr_ratio)},
              {"fnmr_ratio", RatioJson(diff->fnmr_ratio)},
              {"score_histograms", hist},
              {"det_by_group", DetByGroup(c.set, ev, members)}};
}

// Every attribute of `groups` (an empty object without labels); the matched
// impostor pools ("random", "same-<attribute>") when asked.
Json DemographicsJson(GroupContext& c, const IdentitySplit& split, const EvaluationSide& ev,
                      const GroupLabels* groups, double threshold, PairsByGroup& matched) {
  Json demo = Json::object();
  if (groups == nullptr) return demo;
  for (const auto& id : c.idx.ids) c.id_num.emplace(id, static_cast<int64_t>(c.id_num.size()));
  if (c.opt.matched_impostors) matched["random"] = RandomImpostorPairs(c, split);
  for (const auto& [attribute, labels] : groups->by_attribute) {
    auto a = AttributeJson(c, split, ev, attribute, labels, threshold, matched);
    if (a) demo[attribute] = std::move(*a);
  }
  demo["notes"] = groups->notes;
  return demo;
}

// FMR of random against same-group impostor pairs at `threshold`.
StatusOr<Json> MatchedImpostorsJson(const PairsByGroup& matched, double threshold,
                                    const IdentifyOptions& opt) {
  metrics::DifferentialOptions dopt;
  dopt.bootstrap_replicates = opt.bootstrap_replicates;
  dopt.seed = opt.seed;
  dopt.min_identities = 1;
  auto diff = metrics::ComputeDifferentials(matched, threshold, dopt);
  if (!diff.ok()) return diff.status().WithContext("matched impostors");
  Json rows = Json::array();
  for (const auto& g : diff->groups) {
    rows.push_back({{"pairs", g.group},
                    {"identities", g.identities},
                    {"fmr", NumberOrNull(g.fmr.value)},
                    {"fmr_ci", {NumberOrNull(g.fmr.lower), NumberOrNull(g.fmr.upper)}},
                    {"false_matches", g.fmr.errors},
                    {"impostor_pairs", g.fmr.trials}});
  }
  return Json{{"threshold", threshold},
              {"target_fmr", opt.operating_fmr},
              {"method",
               "evaluation identities only; random = uniform cross-identity image pairs, "
               "same-<attribute> = all within-group impostor pairs of that attribute's "
               "groups pooled (each group capped as in the demographics); identity "
               "bootstrap 95 % intervals"},
              {"rows", rows}};
}

}  // namespace

// The steps of the protocol in identify_eval.h, in order. The random stream
// is consumed in this order too (calibration sample, non-mated sample,
// verification sample, matched and group impostor samples), so a seed gives
// the same report.
StatusOr<IdentifyOutput> RunIdentifyEvaluation(const EmbeddingSet& set, const GroupLabels* groups,
                                               const IdentifyOptions& opt) {
  CANDOR_ASSIGN_OR_RETURN(const SetIndex idx, IndexSet(set));
  const IdentitySplit split = SplitByIdentity(idx.ids, opt.calibration_fraction, opt.split_seed);
  std::mt19937_64 rng(opt.seed);
  Json report = HeaderJson(set, opt, split);

  IdentifyOutput out;
  const std::vector<std::size_t> cal_images =
      BuildCalibrationInput(set, idx, split, opt, rng, out.calibration_input);
  auto calibration = Calibration::Build(out.calibration_input);
  if (!calibration.ok()) return calibration.status().WithContext("calibration side");

  CANDOR_ASSIGN_OR_RETURN(EvaluationSide ev, SelectEvaluationSide(set, idx, split, opt, rng));
  SearchEvaluationSide(set, idx.dim, ev);
  report["counts"] = CountsJson(set, idx, ev);
  CANDOR_ASSIGN_OR_RETURN(Det det, MakeDet(ev.mated, ev.nonmated_top));
  report["fnir_at_fpir"] = det.fnir_at;
  report["det"] = DetJson(det.points);
  std::vector<int> ranks(50);
  std::iota(ranks.begin(), ranks.end(), 1);
  CANDOR_ASSIGN_OR_RETURN(auto cmc, metrics::Cmc(ev.mated, ranks));
  report["cmc"] = {{"ranks", ranks}, {"hit_rate", cmc}};
  // Growth at the FPIR-1 % threshold of the base gallery.
  const double t_op = det.fnir_at[1]["threshold"].get<double>();
  report["gallery_growth"] = GalleryGrowth(set, idx.dim, ev, cal_images, opt, t_op);

  if (auto v = VerificationJson(set, idx, split, opt, *calibration, rng))
    report["verification"] = *v;

  auto op = calibration->ThresholdForFmr(opt.operating_fmr);
  if (!op.ok()) return op.status().WithContext("operating threshold");
  report["operating_point"] = {{"target_fmr", opt.operating_fmr},
                               {"threshold", op->threshold},
                               {"calibrated_fmr", op->rate.value},
                               {"calibrated_fmr_upper", op->rate.upper}};
  GroupContext groups_ctx{set, idx, opt, {}, rng};
  PairsByGroup matched;
  report["demographics"] = DemographicsJson(groups_ctx, split, ev, groups, op->threshold, matched);
  if (!matched.empty()) {
    CANDOR_ASSIGN_OR_RETURN(report["matched_impostors"],
                            MatchedImpostorsJson(matched, op->threshold, opt));
  }
  report["calibration_summary"] = {
      {"impostor_comparisons", calibration->impostor_count()},
      {"min_supported_fmr", calibration->MinSupportedFmr()},
      {"nonmated_searches", calibration->nonmated_searches()},
      {"calibration_gallery_size", calibration->calibration_gallery_size()}};
  out.report = std::move(report);
  return out;
}

}  // namespace candor::eval
