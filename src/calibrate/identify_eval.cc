// Copyright 2026 The Candor Authors.

#include "calibrate/identify_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <opencv2/core.hpp>
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

}  // namespace

StatusOr<IdentifyOutput> RunIdentifyEvaluation(const EmbeddingSet& set, const GroupLabels* groups,
                                               const IdentifyOptions& opt) {
  // ---- Index the set.
  int dim = 0;
  std::map<std::string, std::vector<std::size_t>> by_id;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const auto& e = set.images[i];
    by_id[e.identity].push_back(i);
    if (e.ok) {
      if (dim == 0) dim = static_cast<int>(e.v.size());
      if (static_cast<int>(e.v.size()) != dim) {
        return InvalidArgumentError("embeddings differ in dimension");
      }
    } else {
      ++failed;
    }
  }
  if (dim == 0) return InvalidArgumentError("no usable embeddings");
  std::set<std::string> ids;
  for (const auto& [id, v] : by_id) ids.insert(id);
  const IdentitySplit split = SplitByIdentity(ids, opt.calibration_fraction, opt.split_seed);
  std::mt19937_64 rng(opt.seed);

  Json report;
  report["model"] = {{"id", set.model_id}, {"sha256", set.model_sha256}, {"settings", set.settings}};
  report["dataset"] = opt.dataset;
  report["split"] = {
      {"method", "by identity: SHA-256(seed + name) < fraction -> calibration"},
      {"seed", opt.split_seed},
      {"calibration_fraction", opt.calibration_fraction},
      {"calibration_identities", split.calibration.size()},
      {"evaluation_identities", split.evaluation.size()},
      {"calibration_identity_list_sha256", ListDigest(split.calibration)},
      {"evaluation_identity_list_sha256", ListDigest(split.evaluation)}};

  // ---- Calibration side.
  IdentifyOutput out;
  CalibrationInput& cal = out.calibration_input;
  cal.model_id = set.model_id;
  cal.model_sha256 = set.model_sha256;
  std::vector<std::size_t> cal_images, cal_gallery, cal_single;
  for (const auto& id : split.calibration) {
    const auto& v = by_id[id];
    for (std::size_t i : v) {
      if (set.images[i].ok) cal_images.push_back(i);
    }
    // Genuine pairs: all same-identity pairs.
    for (std::size_t a = 0; a < v.size(); ++a) {
      for (std::size_t b = a + 1; b < v.size(); ++b) {
        const auto& x = set.images[v[a]];
        const auto& y = set.images[v[b]];
        if (!x.ok || !y.ok) continue;
        double s = 0;
        for (int k = 0; k < dim; ++k) s += x.v[k] * y.v[k];
        cal.genuine_scores.push_back(s);
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
  cal.provenance = {{"dataset", opt.dataset},
                    {"split_seed", opt.split_seed},
                    {"calibration_fraction", std::to_string(opt.calibration_fraction)},
                    {"calibration_identities", std::to_string(split.calibration.size())},
                    {"calibration_identity_list_sha256", ListDigest(split.calibration)},
                    {"impostor_pairs", "all cross-identity pairs among " +
                                           std::to_string(cal_images.size()) +
                                           " randomly chosen calibration images"},
                    {"nonmated_searches", std::to_string(cal_single.size()) +
                                              " singleton identities against a gallery of " +
                                              std::to_string(cal_gallery.size())},
                    {"model_settings", set.settings}};
  auto calibration = Calibration::Build(cal);
  if (!calibration.ok()) return calibration.status().WithContext("calibration side");

  // ---- Evaluation side: gallery, mated and non-mated probes, distractors.
  std::vector<std::size_t> gallery, mated_idx, singles;
  std::vector<int> mated_gallery_col;  // -1: identity not enrolled (FTE)
  std::map<std::string, int> col_of;
  for (const auto& id : split.evaluation) {
    const auto& v = by_id[id];
    if (v.size() >= 2) {
      if (set.images[v[0]].ok) {
        col_of[id] = static_cast<int>(gallery.size());
        gallery.push_back(v[0]);
      }
    } else {
      singles.push_back(v[0]);
    }
  }
  for (const auto& id : split.evaluation) {
    const auto& v = by_id[id];
    if (v.size() < 2) continue;
    for (std::size_t k = 1; k < v.size(); ++k) {
      mated_idx.push_back(v[k]);
      auto it = col_of.find(id);
      mated_gallery_col.push_back(it == col_of.end() ? -1 : it->second);
    }
  }
  std::shuffle(singles.begin(), singles.end(), rng);
  std::vector<std::size_t> nonmated_idx(singles.begin(),
                                        singles.begin() + std::min(singles.size(), opt.max_nonmated));
  std::vector<std::size_t> distractors;
  for (std::size_t k = nonmated_idx.size(); k < singles.size(); ++k) {
    if (set.images[singles[k]].ok) distractors.push_back(singles[k]);
  }
  if (gallery.size() < 10 || mated_idx.size() < 10 || nonmated_idx.size() < 10) {
    return InvalidArgumentError("too few identities for open-set evaluation: " +
                                std::to_string(gallery.size()) + " enrolled, " +
                                std::to_string(mated_idx.size()) + " mated probes, " +
                                std::to_string(nonmated_idx.size()) + " non-mated probes");
  }
  const cv::Mat G = Stack(set, gallery, dim);
  // Probes that failed to acquire are kept as rows of zeros and handled below.
  auto probe_matrix = [&](const std::vector<std::size_t>& idx) {
    cv::Mat m = cv::Mat::zeros(static_cast<int>(idx.size()), dim, CV_32F);
    for (std::size_t r = 0; r < idx.size(); ++r) {
      if (set.images[idx[r]].ok) {
        std::copy(set.images[idx[r]].v.begin(), set.images[idx[r]].v.end(), m.ptr<float>(r));
      }
    }
    return m;
  };
  const cv::Mat PM = probe_matrix(mated_idx), PN = probe_matrix(nonmated_idx);
  const cv::Mat SM = Scores(PM, G), SN = Scores(PN, G);
  std::vector<metrics::MatedSearch> mated(mated_idx.size());
  std::size_t fta_mated = 0, fte = 0;
  for (std::size_t r = 0; r < mated_idx.size(); ++r) {
    const int col = mated_gallery_col[r];
    if (col < 0) ++fte;
    if (!set.images[mated_idx[r]].ok) ++fta_mated;
    if (col < 0 || !set.images[mated_idx[r]].ok) continue;  // miss
    const float* row = SM.ptr<float>(static_cast<int>(r));
    const float ms = row[col];
    int rank = 1;
    for (int j = 0; j < SM.cols; ++j) rank += (j != col && row[j] >= ms) ? 1 : 0;  // ties: pessimistic
    mated[r] = {rank, ms};
  }
  std::vector<double> nonmated_top(nonmated_idx.size(), kNan);
  std::size_t fta_nonmated = 0;
  for (std::size_t r = 0; r < nonmated_idx.size(); ++r) {
    if (!set.images[nonmated_idx[r]].ok) {
      ++fta_nonmated;
      continue;
    }
    const float* row = SN.ptr<float>(static_cast<int>(r));
    nonmated_top[r] = *std::max_element(row, row + SN.cols);
  }
  report["counts"] = {{"images", set.images.size()},
                      {"failed_to_acquire", failed},
                      {"enrolled", gallery.size()},
                      {"failed_to_enrol_identities_probes", fte},
                      {"mated_probes", mated_idx.size()},
                      {"mated_probes_failed", fta_mated},
                      {"nonmated_probes", nonmated_idx.size()},
                      {"nonmated_probes_failed", fta_nonmated},
                      {"real_distractors", distractors.size()}};

  CANDOR_ASSIGN_OR_RETURN(Det det, MakeDet(mated, nonmated_top));
  report["fnir_at_fpir"] = det.fnir_at;
  report["det"] = DetJson(det.points);
  std::vector<int> ranks(50);
  std::iota(ranks.begin(), ranks.end(), 1);
  CANDOR_ASSIGN_OR_RETURN(auto cmc, metrics::Cmc(mated, ranks));
  report["cmc"] = {{"ranks", ranks}, {"hit_rate", cmc}};

  // ---- Gallery growth at the FPIR-1 % threshold of the base gallery.
  const double t_op = det.fnir_at[1]["threshold"].get<double>();
  Json growth = Json::array();
  auto grow = [&](const std::string& kind, const cv::Mat& D, std::vector<uint64_t> sizes) {
    // sizes are total gallery sizes; running maxima over distractor prefixes.
    std::vector<float> max_n(PN.rows, -std::numeric_limits<float>::infinity());
    std::vector<float> max_m(PM.rows, -std::numeric_limits<float>::infinity());
    std::size_t done = 0;
    for (uint64_t total : sizes) {
      if (total < gallery.size()) continue;
      const std::size_t want = std::min<std::size_t>(total - gallery.size(), D.rows);
      const std::size_t block = 8192;
      while (done < want) {
        const std::size_t n = std::min(block, want - done);
        const cv::Mat Dn = D.rowRange(static_cast<int>(done), static_cast<int>(done + n));
        const cv::Mat a = Scores(PN, Dn), b = Scores(PM, Dn);
        for (int r = 0; r < a.rows; ++r) {
          max_n[r] = std::max(max_n[r], *std::max_element(a.ptr<float>(r), a.ptr<float>(r) + a.cols));
        }
        for (int r = 0; r < b.rows; ++r) {
          max_m[r] = std::max(max_m[r], *std::max_element(b.ptr<float>(r), b.ptr<float>(r) + b.cols));
        }
        done += n;
      }
      std::size_t fp = 0, miss = 0;
      for (std::size_t r = 0; r < nonmated_top.size(); ++r) {
        if (!std::isnan(nonmated_top[r]) && std::max<double>(nonmated_top[r], max_n[r]) >= t_op) ++fp;
      }
      for (std::size_t r = 0; r < mated.size(); ++r) {
        const bool hit = mated[r].mate_rank == 1 && mated[r].mate_score >= t_op &&
                         mated[r].mate_score > max_m[r];
        miss += hit ? 0 : 1;
      }
      growth.push_back({{"kind", kind},
                        {"gallery_size", gallery.size() + done},
                        {"threshold", t_op},
                        {"fpir", static_cast<double>(fp) / nonmated_top.size()},
                        {"fnir", static_cast<double>(miss) / mated.size()}});
      if (want == static_cast<std::size_t>(D.rows)) break;  // distractors exhausted
    }
  };
  {
    const cv::Mat DR = Stack(set, distractors, dim);
    std::vector<uint64_t> sizes = {gallery.size()};
    for (double f : {0.25, 0.5, 1.0}) sizes.push_back(gallery.size() + uint64_t(f * DR.rows));
    grow("real", DR, sizes);
  }
  if (!opt.synthetic_gallery_sizes.empty() && cal_images.size() > static_cast<std::size_t>(dim)) {
    // Face-like synthetic distractors: N(mean, cov) of the calibration side, normalised.
    cv::Mat C = Stack(set, cal_images, dim), cov, mean;
    cv::calcCovarMatrix(C, cov, mean, cv::COVAR_NORMAL | cv::COVAR_ROWS | cv::COVAR_SCALE, CV_64F);
    cv::Mat evals, evecs;
    cv::eigen(cov, evals, evecs);
    cv::Mat L(dim, dim, CV_64F);
    for (int i = 0; i < dim; ++i) {
      const double s = std::sqrt(std::max(0.0, evals.at<double>(i)));
      for (int j = 0; j < dim; ++j) L.at<double>(j, i) = evecs.at<double>(i, j) * s;
    }
    const uint64_t most = *std::max_element(opt.synthetic_gallery_sizes.begin(),
                                            opt.synthetic_gallery_sizes.end());
    const int n = static_cast<int>(most > gallery.size() ? most - gallery.size() : 0);
    cv::Mat Z(n, dim, CV_64F);
    cv::RNG cvrng(opt.seed);
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
    grow("synthetic", D, opt.synthetic_gallery_sizes);
  }
  report["gallery_growth"] = growth;

  // ---- 1:1 verification on the evaluation side (all pairs among sampled images).
  {
    std::vector<std::size_t> ev;
    for (const auto& id : split.evaluation) {
      for (std::size_t i : by_id[id]) {
        if (set.images[i].ok) ev.push_back(i);
      }
    }
    std::shuffle(ev.begin(), ev.end(), rng);
    if (ev.size() > opt.max_calibration_images) ev.resize(opt.max_calibration_images);
    cv::Mat m = Stack(set, ev, dim), s = Scores(m, m);
    std::vector<double> gen, imp;
    for (int a = 0; a < s.rows; ++a) {
      for (int b = a + 1; b < s.cols; ++b) {
        (set.images[ev[a]].identity == set.images[ev[b]].identity ? gen : imp)
            .push_back(s.at<float>(a, b));
      }
    }
    // All genuine pairs of the evaluation side (the sample has few).
    gen.clear();
    for (const auto& id : split.evaluation) {
      const auto& v = by_id[id];
      for (std::size_t a = 0; a < v.size(); ++a) {
        for (std::size_t b = a + 1; b < v.size(); ++b) {
          const auto& x = set.images[v[a]];
          const auto& y = set.images[v[b]];
          double sc = kNan;
          if (x.ok && y.ok) {
            sc = 0;
            for (int k = 0; k < dim; ++k) sc += x.v[k] * y.v[k];
          }
          gen.push_back(sc);
        }
      }
    }
    auto roc = metrics::ComputeRoc(gen, imp);
    if (roc.ok()) {
      const auto cal_t = calibration->ThresholdForFmr(opt.operating_fmr);
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
      report["verification"] = v;
    }
  }

  // ---- Demographic differentials.
  auto op = calibration->ThresholdForFmr(opt.operating_fmr);
  if (!op.ok()) return op.status().WithContext("operating threshold");
  report["operating_point"] = {{"target_fmr", opt.operating_fmr},
                               {"threshold", op->threshold},
                               {"calibrated_fmr", op->rate.value},
                               {"calibrated_fmr_upper", op->rate.upper}};
  Json demo = Json::object();
  // Matched impostors: "random" pairs and the same-group pairs of every
  // attribute pooled ("same-gender", "same-race").
  std::map<std::string, std::vector<metrics::LabelledPair>> matched;
  if (groups != nullptr) {
    std::map<std::string, int64_t> id_num;
    for (const auto& id : ids) id_num.emplace(id, static_cast<int64_t>(id_num.size()));
    if (opt.matched_impostors) {
      std::vector<std::size_t> ev;
      for (const auto& id : split.evaluation) {
        for (std::size_t i : by_id[id]) {
          if (set.images[i].ok) ev.push_back(i);
        }
      }
      auto& rp = matched["random"];
      std::uniform_int_distribution<std::size_t> pick(0, ev.size() - 1);
      for (std::size_t k = 0; k < opt.max_group_impostor_pairs && ev.size() > 1; ++k) {
        const auto& x = set.images[ev[pick(rng)]];
        const auto& y = set.images[ev[pick(rng)]];
        if (x.identity == y.identity) continue;
        double sc = 0;
        for (int d = 0; d < dim; ++d) sc += x.v[d] * y.v[d];
        rp.push_back({sc, false, id_num[x.identity], id_num[y.identity]});
      }
    }
    for (const auto& [attribute, labels] : groups->by_attribute) {
      std::map<std::string, std::vector<std::string>> members;  // group -> eval identities
      for (const auto& id : split.evaluation) {
        auto it = labels.find(id);
        if (it != labels.end()) members[it->second].push_back(id);
      }
      std::map<std::string, std::vector<metrics::LabelledPair>> pairs;
      Json hist = Json::object();
      for (const auto& [group, members_of] : members) {
        auto& p = pairs[group];
        std::vector<double> gs, is;
        std::vector<std::size_t> imgs;
        for (const auto& id : members_of) {
          const auto& v = by_id[id];
          for (std::size_t a = 0; a < v.size(); ++a) {
            if (set.images[v[a]].ok) imgs.push_back(v[a]);
            for (std::size_t b = a + 1; b < v.size(); ++b) {
              const auto& x = set.images[v[a]];
              const auto& y = set.images[v[b]];
              double sc = kNan;
              if (x.ok && y.ok) {
                sc = 0;
                for (int k = 0; k < dim; ++k) sc += x.v[k] * y.v[k];
              }
              p.push_back({sc, true, id_num[id], id_num[id]});
              gs.push_back(sc);
            }
          }
        }
        // Within-group impostor pairs: all, or a uniform sample of the cap.
        const std::size_t n = imgs.size();
        const double all = 0.5 * static_cast<double>(n) * (n - 1);
        auto add = [&](std::size_t a, std::size_t b) {
          const auto& x = set.images[imgs[a]];
          const auto& y = set.images[imgs[b]];
          if (x.identity == y.identity) return;
          double sc = 0;
          for (int k = 0; k < dim; ++k) sc += x.v[k] * y.v[k];
          p.push_back({sc, false, id_num[x.identity], id_num[y.identity]});
          is.push_back(sc);
        };
        if (all <= static_cast<double>(opt.max_group_impostor_pairs)) {
          for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = a + 1; b < n; ++b) add(a, b);
        } else {
          std::uniform_int_distribution<std::size_t> pick(0, n - 1);
          for (std::size_t k = 0; k < opt.max_group_impostor_pairs; ++k) {
            std::size_t a = pick(rng), b = pick(rng);
            if (a != b) add(std::min(a, b), std::max(a, b));
          }
        }
        hist[group] = {{"genuine", Histogram(gs, -0.4, 1.0, 56)},
                       {"impostor", Histogram(is, -0.4, 1.0, 56)}};
      }
      if (opt.matched_impostors) {
        auto& pool = matched["same-" + attribute];
        for (const auto& [group, p] : pairs) {
          for (const auto& x : p) {
            if (!x.genuine) pool.push_back(x);
          }
        }
      }
      metrics::DifferentialOptions dopt;
      dopt.bootstrap_replicates = opt.bootstrap_replicates;
      dopt.seed = opt.seed;
      auto diff = metrics::ComputeDifferentials(pairs, op->threshold, dopt);
      if (!diff.ok()) continue;
      Json groups_json = Json::array();
      for (const auto& g : diff->groups) {
        groups_json.push_back(
            {{"group", g.group},
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
      auto ratio = [](const metrics::Ratio& r) {
        auto num = [](double v) { return std::isinf(v) ? Json("inf") : NumberOrNull(v); };
        return Json{{"value", num(r.value)},
                    {"ci", {num(r.lower), num(r.upper)}},
                    {"max_group", r.max_group},
                    {"min_group", r.min_group},
                    {"note", r.note}};
      };
      // Per-group 1:N DET (mated probes and non-mated probes of the group).
      Json det_by_group = Json::object();
      for (const auto& [group, members_of] : members) {
        std::set<std::string> in(members_of.begin(), members_of.end());
        std::vector<metrics::MatedSearch> gm;
        std::vector<double> gn;
        for (std::size_t r = 0; r < mated_idx.size(); ++r) {
          if (in.count(set.images[mated_idx[r]].identity)) gm.push_back(mated[r]);
        }
        for (std::size_t r = 0; r < nonmated_idx.size(); ++r) {
          if (in.count(set.images[nonmated_idx[r]].identity)) gn.push_back(nonmated_top[r]);
        }
        auto gd = MakeDet(gm, gn);
        if (!gd.ok()) continue;
        det_by_group[group] = {{"mated", gm.size()},
                               {"nonmated", gn.size()},
                               {"fnir_at_fpir", gd->fnir_at},
                               {"det", DetJson(gd->points)}};
      }
      demo[attribute] = {{"threshold", op->threshold},
                         {"bootstrap_replicates", diff->bootstrap_replicates},
                         {"groups", groups_json},
                         {"fmr_ratio", ratio(diff->fmr_ratio)},
                         {"fnmr_ratio", ratio(diff->fnmr_ratio)},
                         {"score_histograms", hist},
                         {"det_by_group", det_by_group}};
    }
    demo["notes"] = groups->notes;
  }
  report["demographics"] = demo;
  if (!matched.empty()) {
    metrics::DifferentialOptions dopt;
    dopt.bootstrap_replicates = opt.bootstrap_replicates;
    dopt.seed = opt.seed;
    dopt.min_identities = 1;
    auto diff = metrics::ComputeDifferentials(matched, op->threshold, dopt);
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
    report["matched_impostors"] = {
        {"threshold", op->threshold},
        {"target_fmr", opt.operating_fmr},
        {"method", "evaluation identities only; random = uniform cross-identity image pairs, "
                   "same-<attribute> = all within-group impostor pairs of that attribute's "
                   "groups pooled (each group capped as in the demographics); identity "
                   "bootstrap 95 % intervals"},
        {"rows", rows}};
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
