// Copyright 2026 The Candor Authors.
//
// ReviewedOutcomes (include/candor/reviewed_outcomes.h): FPIR above the
// threshold in force from the candidates reviewers rejected.

#include "candor/reviewed_outcomes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "calibrate/stats.h"
#include "common/iso_time.h"

namespace candor {
namespace {

constexpr const char* kFormat = "candor-reviewed-outcomes";
constexpr std::size_t kMaxGrid = 200001;

constexpr const char* kMethod =
    "FPIR(t) for t >= the highest threshold any counted search ran at: the fraction of "
    "completed 1:N searches (every listed candidate decided by a qualified reviewer, or none "
    "listed) with a candidate rejected at a score >= t; 95% Wilson intervals at the Kish "
    "effective sample size, the design effect from clusters of searches that rejected the same "
    "subject; conservative grid rounding; measured at gallery sizes min..max, read as FPIR at "
    "min (conservative for larger galleries)";

// What the document says it cannot estimate (also in the header and docs).
const std::vector<std::string>& CannotEstimate() {
  static const std::vector<std::string> v = {
      "FPIR below the score floor: candidates under the threshold in force were never shown",
      "FNIR: mates under the threshold were never shown; confirmed candidates only bound the "
      "cost of a stricter threshold from below",
      "FMR (no pairs scored) and per-group rates (probes carry no attributes)",
      "searches with an incomplete review, purged, or of another model or scoring rule "
      "(left out, counted)",
  };
  return v;
}

}  // namespace

StatusOr<ReviewedOutcomes> ReviewedOutcomes::Build(std::span<const ReviewedSearch> searches,
                                                   const ReviewedSearchesSkipped& skipped,
                                                   const std::string& source,
                                                   const ReviewedOutcomesOptions& o) {
  if (!(o.score_step > 0 && o.score_step <= 0.1) || o.min_searches < 1) {
    return InvalidArgumentError("reviewed outcomes: score step in (0, 0.1], at least 1 search");
  }
  if (searches.size() < o.min_searches) {
    return FailedPreconditionError(
        "reviewed outcomes: " + std::to_string(searches.size()) +
        " completed 1:N searches of this gallery (every candidate decided by a reviewer), fewer "
        "than the " +
        std::to_string(o.min_searches) +
        " needed for an estimate; no probe-side estimate from reviewed outcomes (left out: " +
        std::to_string(skipped.review_incomplete) + " with a review still open, " +
        std::to_string(skipped.other_scoring) + " of another model or scoring rule, " +
        std::to_string(skipped.unrecorded_scoring) +
        " from before searches recorded their scoring, " + std::to_string(skipped.purged) +
        " purged)");
  }
  ReviewedOutcomes r;
  r.source_ = source;
  r.skipped_ = skipped;
  r.step_ = o.score_step;
  r.searches_ = searches.size();
  r.floor_ = -std::numeric_limits<double>::infinity();
  double hi = 1.0;
  int64_t first = std::numeric_limits<int64_t>::max(), last = std::numeric_limits<int64_t>::min();
  r.min_n_ = std::numeric_limits<int64_t>::max();
  for (const ReviewedSearch& s : searches) {
    if (!std::isfinite(s.threshold) || s.gallery_subjects < 1) {
      return InvalidArgumentError("reviewed outcomes: a search without threshold or gallery size");
    }
    r.floor_ = std::max(r.floor_, s.threshold);
    first = std::min(first, s.created_ms);
    last = std::max(last, s.created_ms);
    r.min_n_ = std::min(r.min_n_, s.gallery_subjects);
    r.max_n_ = std::max(r.max_n_, s.gallery_subjects);
    r.with_candidates_ += (!s.rejected.empty() || !s.confirmed.empty()) ? 1 : 0;
    r.rejected_ += s.rejected.size();
    r.confirmed_ += s.confirmed.size();
    for (const auto& [id, score] : s.rejected) hi = std::max(hi, score);
    for (double c : s.confirmed) hi = std::max(hi, c);
  }
  // A grid point on the floor itself (rounded down to the step: conservative).
  r.floor_ = std::floor(r.floor_ / r.step_ + 1e-9) * r.step_;
  r.first_ = IsoTime(first);
  r.last_ = IsoTime(last);
  const std::size_t points =
      static_cast<std::size_t>(std::ceil((hi - r.floor_) / r.step_ + 1e-9)) + 2;
  if (points > kMaxGrid) return InvalidArgumentError("reviewed outcomes: score range too wide");

  // Each search's best rejected score, linked to the subject rejected there.
  std::vector<double> top(searches.size(), std::nan(""));
  std::vector<uint64_t> self(searches.size()), best(searches.size());
  std::map<std::string, uint64_t> subject;
  std::vector<double> confirmed;
  for (std::size_t i = 0; i < searches.size(); ++i) {
    self[i] = i;
    best[i] = i;
    for (const auto& [id, score] : searches[i].rejected) {
      if (std::isnan(top[i]) || score > top[i]) {
        top[i] = score;
        best[i] = searches.size() + subject.emplace(id, subject.size()).first->second;
      }
    }
    confirmed.insert(confirmed.end(), searches[i].confirmed.begin(), searches[i].confirmed.end());
  }
  r.rejected_ge_.assign(points, 0);
  r.confirmed_ge_.assign(points, 0);
  for (std::size_t i = 0; i < points; ++i) {
    const double t = r.floor_ + r.step_ * static_cast<double>(i);
    for (double s : top) r.rejected_ge_[i] += (s >= t) ? 1 : 0;
    for (double s : confirmed) r.confirmed_ge_[i] += (s >= t) ? 1 : 0;
  }
  r.deff_ = stats::LinkedDesignEffects(top, self, best, r.floor_, r.step_, points);
  return r;
}

double ReviewedOutcomes::MinSupportedFpir() const {
  return searches_ ? std::min(1.0, 3.0 / static_cast<double>(searches_)) : 1.0;
}

long ReviewedOutcomes::GridIndexAtOrBelow(double t) const {
  const long i = static_cast<long>(std::floor((t - floor_) / step_ + 1e-9));
  return std::min<long>(i, static_cast<long>(rejected_ge_.size()) - 1);
}

StatusOr<RateEstimate> ReviewedOutcomes::FpirAt(double t) const {
  const long i = GridIndexAtOrBelow(t);
  if (i < 0) {
    return OutOfRangeError("reviewed outcomes say nothing below score " + std::to_string(floor_) +
                           " (the highest threshold their searches ran at: lower-scoring "
                           "candidates were never shown)");
  }
  const double n = static_cast<double>(searches_);
  const double k = static_cast<double>(rejected_ge_[i]);
  const double deff = deff_[i];
  RateEstimate r;
  r.value = k / n;
  const auto ci = stats::WilsonEffective(k / deff, n / deff);
  r.lower = ci.lower;
  r.upper = ci.upper;
  if (r.value < MinSupportedFpir()) {
    r.below_support = true;
    r.value = MinSupportedFpir();
    r.lower = 0;
  }
  return r;
}

StatusOr<ThresholdChoice> ReviewedOutcomes::ThresholdForFpir(double target) const {
  if (!(target > 0 && target < 1)) return InvalidArgumentError("target FPIR must be in (0, 1)");
  if (target < MinSupportedFpir()) {
    return OutOfRangeError(
        "target FPIR " + std::to_string(target) + " is below what " + std::to_string(searches_) +
        " reviewed searches can support (3/n = " + std::to_string(MinSupportedFpir()) + ")");
  }
  const double n = static_cast<double>(searches_);
  for (std::size_t i = 0; i < rejected_ge_.size(); ++i) {
    if (static_cast<double>(rejected_ge_[i]) <= target * n) {
      const double t = floor_ + step_ * static_cast<double>(i);
      CANDOR_ASSIGN_OR_RETURN(RateEstimate rate, FpirAt(t));
      return ThresholdChoice{t, rate};
    }
  }
  return InternalError("reviewed-outcome grid does not reach FPIR 0");
}

uint64_t ReviewedOutcomes::ConfirmedBelow(double t) const {
  const long i = GridIndexAtOrBelow(t);
  if (i < 0) return 0;
  // Conservative for "lost": the next grid point up when t is between points.
  std::size_t j = static_cast<std::size_t>(i);
  if (floor_ + step_ * static_cast<double>(j) < t - 1e-12 && j + 1 < confirmed_ge_.size()) ++j;
  return confirmed_ - confirmed_ge_[j];
}

std::string ReviewedOutcomes::Describe() const {
  char floor[32];
  std::snprintf(floor, sizeof floor, "%.4g", floor_);
  return std::to_string(searches_) + " reviewed searches of " + first_ + " .. " + last_ + " (" +
         std::to_string(rejected_) + " rejected candidates), FPIR from score " + floor + " up";
}

std::string ReviewedOutcomes::ToJson() const {
  nlohmann::json j = {{"format", kFormat},
                      {"method", kMethod},
                      {"source", source_},
                      {"searches", searches_},
                      {"searches_with_candidates", with_candidates_},
                      {"rejected_candidates", rejected_},
                      {"confirmed_candidates", confirmed_},
                      {"first_search", first_},
                      {"last_search", last_},
                      {"gallery_subjects", {{"min", min_n_}, {"max", max_n_}}},
                      {"left_out",
                       {{"review_incomplete", skipped_.review_incomplete},
                        {"other_scoring", skipped_.other_scoring},
                        {"unrecorded_scoring", skipped_.unrecorded_scoring},
                        {"purged", skipped_.purged}}},
                      {"score_floor", floor_},
                      {"score_step", step_},
                      {"searches_with_rejected_at_or_above", rejected_ge_},
                      {"design_effect", deff_},
                      {"confirmed_at_or_above", confirmed_ge_},
                      {"cannot_estimate", CannotEstimate()}};
  return j.dump();
}

StatusOr<ReviewedOutcomes> ReviewedOutcomes::FromJson(const std::string& text) {
  auto bad = [](const std::string& why) {
    return DataLossError("reviewed-outcomes document: " + why);
  };
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat) return bad("wrong format");
    ReviewedOutcomes r;
    r.source_ = j.at("source").get<std::string>();
    r.searches_ = j.at("searches").get<uint64_t>();
    r.with_candidates_ = j.at("searches_with_candidates").get<uint64_t>();
    r.rejected_ = j.at("rejected_candidates").get<uint64_t>();
    r.confirmed_ = j.at("confirmed_candidates").get<uint64_t>();
    r.first_ = j.at("first_search").get<std::string>();
    r.last_ = j.at("last_search").get<std::string>();
    r.min_n_ = j.at("gallery_subjects").at("min").get<int64_t>();
    r.max_n_ = j.at("gallery_subjects").at("max").get<int64_t>();
    const auto& lo = j.at("left_out");
    r.skipped_.review_incomplete = lo.at("review_incomplete").get<uint64_t>();
    r.skipped_.other_scoring = lo.at("other_scoring").get<uint64_t>();
    r.skipped_.unrecorded_scoring = lo.at("unrecorded_scoring").get<uint64_t>();
    r.skipped_.purged = lo.at("purged").get<uint64_t>();
    r.floor_ = j.at("score_floor").get<double>();
    r.step_ = j.at("score_step").get<double>();
    r.rejected_ge_ = j.at("searches_with_rejected_at_or_above").get<std::vector<uint64_t>>();
    r.deff_ = j.at("design_effect").get<std::vector<double>>();
    r.confirmed_ge_ = j.at("confirmed_at_or_above").get<std::vector<uint64_t>>();
    const std::size_t g = r.rejected_ge_.size();
    if (r.searches_ == 0 || !(r.step_ > 0 && r.step_ <= 0.1) || !std::isfinite(r.floor_) || g < 2 ||
        g > kMaxGrid || r.deff_.size() != g || r.confirmed_ge_.size() != g || r.min_n_ < 1 ||
        r.max_n_ < r.min_n_ || r.with_candidates_ > r.searches_) {
      return bad("inconsistent sizes");
    }
    for (std::size_t i = 0; i < g; ++i) {
      if (r.rejected_ge_[i] > r.searches_ || r.confirmed_ge_[i] > r.confirmed_ ||
          !(r.deff_[i] >= 1.0) || !std::isfinite(r.deff_[i]) ||
          (i > 0 && (r.rejected_ge_[i] > r.rejected_ge_[i - 1] ||
                     r.confirmed_ge_[i] > r.confirmed_ge_[i - 1]))) {
        return bad("counts not monotone or out of range");
      }
    }
    return r;
  } catch (const std::exception& e) {
    return bad(e.what());
  }
}

}  // namespace candor
