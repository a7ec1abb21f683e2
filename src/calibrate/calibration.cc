// Copyright 2026 The Candor Authors.

#include "candor/calibration.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <tuple>
#include <nlohmann/json.hpp>

#include "calibrate/stats.h"
#include "common/file_util.h"

namespace candor {
namespace {

constexpr const char* kFormat = "candor-calibration";
constexpr int kVersion = 1;
constexpr std::size_t kMaxGrid = 200001;
constexpr uint64_t kMinImpostors = 100;

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::vector<double> Usable(const std::vector<double>& v, uint64_t* failed) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double s : v) {
    if (std::isfinite(s)) {
      out.push_back(s);
    } else {
      ++*failed;
    }
  }
  std::sort(out.begin(), out.end(), std::greater<double>());
  return out;
}

// Counts of `desc` (sorted descending) at or above each grid point.
std::vector<uint64_t> CountsAtOrAbove(const std::vector<double>& desc, double grid_min,
                                      double step, std::size_t points) {
  std::vector<uint64_t> out(points, 0);
  std::size_t j = 0;
  for (std::size_t i = points; i-- > 0;) {
    const double t = grid_min + step * static_cast<double>(i);
    while (j < desc.size() && desc[j] >= t) ++j;
    out[i] = j;
  }
  return out;
}

RateEstimate Counted(uint64_t k, uint64_t n) {
  RateEstimate r;
  r.value = n ? static_cast<double>(k) / static_cast<double>(n) : std::nan("");
  const stats::Interval ci = stats::Wilson(k, n);
  r.lower = ci.lower;
  r.upper = ci.upper;
  return r;
}

}  // namespace

StatusOr<Calibration> Calibration::Build(const CalibrationInput& in) {
  if (in.model_id.empty()) return InvalidArgumentError("calibration needs a model id");
  if (!IsHex64(in.model_sha256)) {
    return InvalidArgumentError("model_sha256 must be 64 hex characters, got '" +
                                in.model_sha256 + "'");
  }
  if (!(in.score_step > 0) || !(in.tail_fraction > 0 && in.tail_fraction < 1)) {
    return InvalidArgumentError("score_step must be > 0 and tail_fraction in (0, 1)");
  }
  Calibration c;
  c.model_id_ = in.model_id;
  c.model_sha256_ = in.model_sha256;
  std::transform(c.model_sha256_.begin(), c.model_sha256_.end(), c.model_sha256_.begin(),
                 [](char ch) { return static_cast<char>(std::tolower(ch)); });
  c.provenance_ = in.provenance;
  c.step_ = in.score_step;
  std::vector<double> imp = Usable(in.impostor_scores, &c.failed_scores_);
  std::vector<double> gen = Usable(in.genuine_scores, &c.failed_scores_);
  if (imp.size() < kMinImpostors) {
    return InvalidArgumentError("calibration needs at least " + std::to_string(kMinImpostors) +
                                " usable impostor scores, got " + std::to_string(imp.size()));
  }
  if (in.nonmated_top_self.size() != in.nonmated_top_best.size() ||
      (!in.nonmated_top_self.empty() &&
       in.nonmated_top_self.size() != in.nonmated_top_scores.size())) {
    return InvalidArgumentError("one searcher and one best-candidate id per non-mated top score, got " +
                                std::to_string(in.nonmated_top_self.size()) + " / " +
                                std::to_string(in.nonmated_top_best.size()) + " for " +
                                std::to_string(in.nonmated_top_scores.size()));
  }
  if (!in.nonmated_top_scores.empty() &&
      (!in.nonmated_searches.empty() || in.nonmated_top_gallery_size == 0)) {
    return InvalidArgumentError(
        "non-mated top scores need a gallery size and exclude full non-mated rows");
  }
  std::size_t m = 0;
  for (const auto& row : in.nonmated_searches) {
    if (m == 0) m = row.size();
    if (row.size() != m || m == 0) {
      return InvalidArgumentError("non-mated search rows must all have the same, non-zero length");
    }
  }
  double lo = imp.back(), hi = imp.front();
  if (!gen.empty()) {
    lo = std::min(lo, gen.back());
    hi = std::max(hi, gen.front());
  }
  for (const auto& row : in.nonmated_searches) {
    for (double s : row) {
      if (std::isfinite(s)) {
        lo = std::min(lo, s);
        hi = std::max(hi, s);
      }
    }
  }
  for (double s : in.nonmated_top_scores) {
    if (std::isfinite(s)) {
      lo = std::min(lo, s);
      hi = std::max(hi, s);
    }
  }
  c.grid_min_ = std::floor(lo / c.step_) * c.step_;
  const double span = std::ceil(hi / c.step_) * c.step_ - c.grid_min_;
  const double points = std::round(span / c.step_) + 2;  // one past the top: count 0
  if (points > kMaxGrid) {
    return InvalidArgumentError("score range / score_step gives more than 200000 grid points");
  }
  const std::size_t g = static_cast<std::size_t>(points);
  c.impostor_count_ = imp.size();
  c.genuine_count_ = gen.size();
  c.impostor_max_ = imp.front();
  c.impostor_ge_ = CountsAtOrAbove(imp, c.grid_min_, c.step_, g);
  if (!gen.empty()) c.genuine_ge_ = CountsAtOrAbove(gen, c.grid_min_, c.step_, g);

  const stats::GpdFit fit = stats::FitGpdTail(imp, in.tail_fraction);
  c.tail_valid_ = fit.valid;
  c.tail_u_ = fit.u;
  c.tail_sigma_ = fit.sigma;
  c.tail_xi_ = fit.xi;
  c.tail_exceedances_ = fit.exceedances;

  if (!in.nonmated_searches.empty()) {
    c.fpir_probes_ = in.nonmated_searches.size();
    c.fpir_gallery_ = m;
    for (uint64_t n = 1; n < m; n *= 10) c.fpir_n_.push_back(n);
    c.fpir_n_.push_back(m);
    c.fpir_.assign(c.fpir_n_.size(), std::vector<double>(g, 0.0));
    for (const auto& row : in.nonmated_searches) {
      uint64_t failed = 0;
      std::vector<double> desc = Usable(row, &failed);  // NaN: never a false positive
      std::vector<uint64_t> k = CountsAtOrAbove(desc, c.grid_min_, c.step_, g);
      for (std::size_t j = 0; j < c.fpir_n_.size(); ++j) {
        for (std::size_t i = 0; i < g; ++i) {
          c.fpir_[j][i] += 1.0 - stats::ProbAvoidAll(m, k[i], c.fpir_n_[j]);
        }
      }
    }
    for (auto& table : c.fpir_) {
      for (double& v : table) v /= static_cast<double>(c.fpir_probes_);
    }
  } else if (!in.nonmated_top_scores.empty()) {
    uint64_t failed = 0;
    const std::vector<double> top = Usable(in.nonmated_top_scores, &failed);
    c.fpir_probes_ = in.nonmated_top_scores.size();
    c.fpir_gallery_ = in.nonmated_top_gallery_size;
    c.fpir_n_ = {c.fpir_gallery_};
    const std::vector<uint64_t> k = CountsAtOrAbove(top, c.grid_min_, c.step_, g);
    c.fpir_.assign(1, std::vector<double>(g, 0.0));
    for (std::size_t i = 0; i < g; ++i) {
      c.fpir_[0][i] = static_cast<double>(k[i]) / static_cast<double>(c.fpir_probes_);
    }
    if (!in.nonmated_top_self.empty())
      c.fpir_deff_ = stats::LinkedDesignEffects(in.nonmated_top_scores, in.nonmated_top_self,
                                                in.nonmated_top_best, c.grid_min_, c.step_, g);
  }
  c.method_ =
      "empirical counts on a score grid (accept iff score >= t, conservative grid rounding), "
      "95% Wilson intervals, rule-of-three support limit; GPD tail by probability-weighted "
      "moments for extrapolation; FPIR(t,N) empirical by exact subset averaging over non-mated "
      "searches for N <= calibration gallery size, else 1-(1-FMR)^N (independence, "
      "extrapolated)";
  if (!in.nonmated_top_scores.empty()) {
    c.method_ +=
        "; here FPIR(t,N) counts the best score of each non-mated search made at N = "
        "calibration gallery size, used as is for every N <= that size (conservative)";
    if (!c.fpir_deff_.empty()) {
      c.method_ +=
          "; FPIR intervals: Wilson at the Kish effective sample size, the design effect from "
          "the cluster-robust variance over clusters of searches linked to their best candidates "
          "while at or above the threshold";
    }
  }
  return c;
}

double Calibration::MinSupportedFmr() const {
  return impostor_count_ ? 3.0 / static_cast<double>(impostor_count_) : 1.0;
}

double Calibration::MinSupportedFpir() const {
  return fpir_probes_ ? std::min(1.0, 3.0 / static_cast<double>(fpir_probes_)) : 1.0;
}

long Calibration::GridIndexAtOrBelow(double t) const {
  if (std::isnan(t)) return static_cast<long>(impostor_ge_.size()) - 1;
  const double pos = std::floor((t - grid_min_) / step_ + 1e-9);
  if (pos < 0) return -1;
  return static_cast<long>(std::min(pos, static_cast<double>(impostor_ge_.size() - 1)));
}

RateEstimate Calibration::FmrFromModel(double t) const {
  RateEstimate r;
  r.extrapolated = true;
  if (!tail_valid_) {
    r.value = std::nan("");
    return r;
  }
  stats::GpdFit fit{tail_u_, tail_sigma_, tail_xi_, tail_exceedances_, impostor_count_, true};
  r.value = stats::GpdSurvival(fit, t);
  r.lower = 0;
  r.upper = MinSupportedFmr();
  return r;
}

RateEstimate Calibration::FmrAt(double t) const {
  const long i = GridIndexAtOrBelow(t);
  const uint64_t k = i < 0 ? impostor_count_ : impostor_ge_[i];
  RateEstimate r = Counted(k, impostor_count_);
  if (r.value < MinSupportedFmr()) {
    r.below_support = true;
    r.value = MinSupportedFmr();
    r.lower = 0;
  }
  return r;
}

RateEstimate Calibration::FnmrAt(double t) const {
  if (genuine_ge_.empty()) {
    RateEstimate r;
    r.value = std::nan("");
    return r;
  }
  long i = GridIndexAtOrBelow(t);
  if (i < 0) i = 0;
  if (GridScore(i) < t && i + 1 < static_cast<long>(genuine_ge_.size())) ++i;  // conservative
  const uint64_t accepted = genuine_ge_[i];
  return Counted(genuine_count_ - accepted, genuine_count_);
}

RateEstimate Calibration::FpirFromModel(double t, uint64_t n) const {
  RateEstimate fmr = FmrAt(t);
  auto up = [n](double p) { return 1.0 - std::pow(1.0 - std::clamp(p, 0.0, 1.0), double(n)); };
  RateEstimate r;
  r.extrapolated = true;
  r.below_support = fmr.below_support;
  r.value = up(fmr.value);
  r.lower = up(fmr.lower);
  r.upper = up(fmr.upper);
  return r;
}

RateEstimate Calibration::FpirAt(double t, uint64_t n) const {
  if (n == 0) n = 1;
  if (!fpir_n_.empty() && n <= fpir_gallery_) {
    std::size_t j = 0;
    while (fpir_n_[j] < n) ++j;  // the smallest measured size >= n: conservative
    const long i = GridIndexAtOrBelow(t);
    const double v = i < 0 ? fpir_[j].front() : fpir_[j][i];
    RateEstimate r;
    r.value = v;
    const double deff = FpirDesignEffect(t);
    const double n_eff = static_cast<double>(fpir_probes_) / deff;
    const auto ci = stats::WilsonEffective(
        static_cast<double>(std::llround(v * static_cast<double>(fpir_probes_))) / deff, n_eff);
    r.lower = ci.lower;
    r.upper = ci.upper;
    if (v < MinSupportedFpir()) {
      r.below_support = true;
      r.value = MinSupportedFpir();
      r.lower = 0;
    }
    return r;
  }
  return FpirFromModel(t, n);
}

double Calibration::FpirDesignEffect(double t) const {
  if (fpir_deff_.empty()) return 1.0;
  const long i = GridIndexAtOrBelow(t);
  return fpir_deff_[static_cast<std::size_t>(std::max(0L, i))];
}

StatusOr<ThresholdChoice> Calibration::ThresholdForFmr(double target,
                                                       bool allow_extrapolation) const {
  if (!(target > 0 && target <= 1)) return InvalidArgumentError("target FMR must be in (0, 1]");
  if (target < MinSupportedFmr()) {
    if (!allow_extrapolation) {
      return OutOfRangeError("target FMR " + std::to_string(target) + " is below what " +
                             std::to_string(impostor_count_) +
                             " impostor comparisons can support (3/n = " +
                             std::to_string(MinSupportedFmr()) +
                             "); calibrate on more data or allow extrapolation");
    }
    if (!tail_valid_) return FailedPreconditionError("no valid tail fit to extrapolate from");
    stats::GpdFit fit{tail_u_, tail_sigma_, tail_xi_, tail_exceedances_, impostor_count_, true};
    ThresholdChoice c;
    c.threshold = stats::GpdQuantile(fit, target);
    c.rate = FmrFromModel(c.threshold);
    c.rate.below_support = true;
    return c;
  }
  for (std::size_t i = 0; i < impostor_ge_.size(); ++i) {
    if (static_cast<double>(impostor_ge_[i]) <= target * static_cast<double>(impostor_count_)) {
      return ThresholdChoice{GridScore(i), FmrAt(GridScore(i))};
    }
  }
  return InternalError("calibration grid does not reach FMR 0");
}

StatusOr<ThresholdChoice> Calibration::ThresholdForFpir(double target, uint64_t n,
                                                        bool allow_extrapolation) const {
  if (!(target > 0 && target < 1)) return InvalidArgumentError("target FPIR must be in (0, 1)");
  if (n == 0) return InvalidArgumentError("gallery size must be >= 1");
  if (!fpir_n_.empty() && n <= fpir_gallery_ && target >= MinSupportedFpir()) {
    std::size_t j = 0;
    while (fpir_n_[j] < n) ++j;
    for (std::size_t i = 0; i < fpir_[j].size(); ++i) {
      if (fpir_[j][i] <= target) return ThresholdChoice{GridScore(i), FpirAt(GridScore(i), n)};
    }
  }
  // Independence model: FPIR = 1 - (1 - FMR)^N  =>  FMR = 1 - (1 - FPIR)^(1/N).
  const double fmr = -std::expm1(std::log1p(-target) / static_cast<double>(n));
  auto t = ThresholdForFmr(fmr, allow_extrapolation);
  if (!t.ok()) {
    if (t.status().code() == Code::kOutOfRange) {
      const double floor_fpir = -std::expm1(static_cast<double>(n) * std::log1p(-MinSupportedFmr()));
      return OutOfRangeError("target FPIR " + std::to_string(target) + " at N = " +
                             std::to_string(n) + " needs FMR " + std::to_string(fmr) +
                             ", below what the calibration supports; the lowest supported FPIR "
                             "at this N is " + std::to_string(floor_fpir));
    }
    return t.status();
  }
  ThresholdChoice c = *t;
  if (c.rate.extrapolated) {
    auto up = [n](double p) { return -std::expm1(static_cast<double>(n) * std::log1p(-p)); };
    c.rate.value = up(c.rate.value);
    c.rate.lower = up(c.rate.lower);
    c.rate.upper = up(c.rate.upper);
  } else {
    c.rate = FpirAt(c.threshold, n);
  }
  c.rate.extrapolated = true;
  return c;
}

Status Calibration::CheckModel(const std::string& model_id,
                               const std::string& model_sha256) const {
  std::string lower = model_sha256;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char ch) { return static_cast<char>(std::tolower(ch)); });
  if (model_id != model_id_ || lower != model_sha256_) {
    return FailedPreconditionError("calibration is for model " + model_id_ + " (sha256 " +
                                   model_sha256_ + "), not " + model_id + " (sha256 " +
                                   model_sha256 + "): calibrate this model first");
  }
  return OkStatus();
}

std::string Calibration::ToJson() const {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["model"] = {{"id", model_id_}, {"sha256", model_sha256_}};
  j["method"] = method_;
  j["provenance"] = provenance_;
  j["counts"] = {{"impostor", impostor_count_},
                 {"genuine", genuine_count_},
                 {"failed_scores", failed_scores_},
                 {"nonmated_searches", fpir_probes_},
                 {"calibration_gallery_size", fpir_gallery_}};
  j["support"] = {{"min_fmr", MinSupportedFmr()}, {"min_fpir", MinSupportedFpir()},
                  {"impostor_max", impostor_max_}};
  j["grid"] = {{"min", grid_min_},
               {"step", step_},
               {"impostor_at_or_above", impostor_ge_},
               {"genuine_at_or_above", genuine_ge_}};
  j["tail"] = {{"valid", tail_valid_},        {"method", "GPD, probability-weighted moments"},
               {"u", tail_u_},                {"sigma", tail_sigma_},
               {"xi", tail_xi_},              {"exceedances", tail_exceedances_}};
  j["fpir"] = {{"gallery_sizes", fpir_n_}, {"table", fpir_}};
  if (!fpir_deff_.empty()) j["fpir"]["design_effect"] = fpir_deff_;
  return j.dump(1);
}

StatusOr<Calibration> Calibration::FromJson(const std::string& text) {
  auto bad = [](const std::string& why) { return DataLossError("calibration file: " + why); };
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat) return bad("not a candor calibration");
    if (j.value("version", 0) != kVersion) return bad("unsupported version");
    Calibration c;
    c.model_id_ = j.at("model").at("id").get<std::string>();
    c.model_sha256_ = j.at("model").at("sha256").get<std::string>();
    if (c.model_id_.empty() || !IsHex64(c.model_sha256_)) return bad("bad model id or sha256");
    c.method_ = j.at("method").get<std::string>();
    c.provenance_ = j.at("provenance").get<std::map<std::string, std::string>>();
    const auto& counts = j.at("counts");
    c.impostor_count_ = counts.at("impostor").get<uint64_t>();
    c.genuine_count_ = counts.at("genuine").get<uint64_t>();
    c.failed_scores_ = counts.at("failed_scores").get<uint64_t>();
    c.fpir_probes_ = counts.at("nonmated_searches").get<uint64_t>();
    c.fpir_gallery_ = counts.at("calibration_gallery_size").get<uint64_t>();
    c.impostor_max_ = j.at("support").at("impostor_max").get<double>();
    const auto& grid = j.at("grid");
    c.grid_min_ = grid.at("min").get<double>();
    c.step_ = grid.at("step").get<double>();
    c.impostor_ge_ = grid.at("impostor_at_or_above").get<std::vector<uint64_t>>();
    c.genuine_ge_ = grid.at("genuine_at_or_above").get<std::vector<uint64_t>>();
    if (!std::isfinite(c.grid_min_) || !(c.step_ > 0) || !std::isfinite(c.step_)) {
      return bad("bad grid");
    }
    const std::size_t g = c.impostor_ge_.size();
    if (g < 2 || g > kMaxGrid) return bad("bad grid size");
    if (c.impostor_count_ < kMinImpostors) return bad("too few impostor comparisons");
    auto monotone = [](const std::vector<uint64_t>& v, uint64_t total) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] > total || (i && v[i] > v[i - 1])) return false;
      }
      return v.back() == 0;
    };
    if (!monotone(c.impostor_ge_, c.impostor_count_)) return bad("impostor table inconsistent");
    if (!c.genuine_ge_.empty() &&
        (c.genuine_ge_.size() != g || !monotone(c.genuine_ge_, c.genuine_count_))) {
      return bad("genuine table inconsistent");
    }
    const auto& tail = j.at("tail");
    c.tail_valid_ = tail.at("valid").get<bool>();
    c.tail_u_ = tail.at("u").get<double>();
    c.tail_sigma_ = tail.at("sigma").get<double>();
    c.tail_xi_ = tail.at("xi").get<double>();
    c.tail_exceedances_ = tail.at("exceedances").get<uint64_t>();
    if (c.tail_valid_ && (!(c.tail_sigma_ > 0) || !std::isfinite(c.tail_xi_) ||
                          !std::isfinite(c.tail_u_) || c.tail_exceedances_ > c.impostor_count_)) {
      return bad("tail fit inconsistent");
    }
    c.fpir_n_ = j.at("fpir").at("gallery_sizes").get<std::vector<uint64_t>>();
    c.fpir_ = j.at("fpir").at("table").get<std::vector<std::vector<double>>>();
    if (c.fpir_n_.size() != c.fpir_.size()) return bad("FPIR table inconsistent");
    if (!c.fpir_n_.empty() && (c.fpir_probes_ == 0 || c.fpir_n_.back() != c.fpir_gallery_)) {
      return bad("FPIR sizes inconsistent");
    }
    for (std::size_t k = 0; k < c.fpir_n_.size(); ++k) {
      if (c.fpir_n_[k] == 0 || (k && c.fpir_n_[k] <= c.fpir_n_[k - 1])) {
        return bad("FPIR gallery sizes not increasing");
      }
      if (c.fpir_[k].size() != g) return bad("FPIR table length");
      for (std::size_t i = 0; i < g; ++i) {
        const double v = c.fpir_[k][i];
        if (!(v >= 0 && v <= 1) || (i && v > c.fpir_[k][i - 1] + 1e-12)) {
          return bad("FPIR values out of range or not decreasing");
        }
      }
    }
    if (j.at("fpir").contains("design_effect")) {
      c.fpir_deff_ = j.at("fpir").at("design_effect").get<std::vector<double>>();
      if (c.fpir_n_.size() != 1 || c.fpir_deff_.size() != g) return bad("design effect table length");
      for (double d : c.fpir_deff_) {
        if (!(d >= 1) || !std::isfinite(d)) return bad("design effect below 1 or not finite");
      }
    }
    return c;
  } catch (const std::exception& e) {
    return bad(e.what());
  }
}

StatusOr<Calibration> Calibration::Load(const std::filesystem::path& path) {
  auto bytes = ReadFile(path, 64ull << 20);
  if (!bytes.ok()) return bytes.status().WithContext("calibration " + path.string());
  auto c = FromJson(std::string(bytes->begin(), bytes->end()));
  if (!c.ok()) return c.status().WithContext(path.string());
  return c;
}

Status Calibration::Save(const std::filesystem::path& path) const {
  return WriteFileAtomic(path, ToJson());
}

}  // namespace candor
