// Copyright 2026 The Candor Authors.
//
// The core of `candor-template-fusion` (calibrate/template_fusion.h) on
// synthetic identities whose photos are a person's direction plus per-photo
// noise: the protocol's counts (subjects, mated searches = images 3.., the
// non-mated searches and the distractors from the single-image identities of
// the evaluation side), the oracle threshold meeting its FPIR, identical
// photos found at rank 1 by every rule, the centroid beating the best
// template when photos are noisy (it averages the noise away), and bad input
// refused.

#include "calibrate/template_fusion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "calibrate/labelled_set.h"

namespace candor::eval {
namespace {

constexpr int kDim = 64;

std::vector<float> Unit(std::vector<float> v) {
  double s = 0;
  for (float x : v) s += double{x} * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

// `multi` identities with 4 photos and `singles` with one; each photo is the
// identity's direction plus Gaussian noise of `sigma` per unit direction.
EmbeddingSet Synthetic(int multi, int singles, double sigma, const std::string& model = "m") {
  std::mt19937_64 rng(42);
  std::normal_distribution<float> n(0.0f, 1.0f);
  EmbeddingSet set;
  set.model_id = model;
  set.model_sha256 = std::string(64, 'a');
  auto direction = [&] {
    std::vector<float> v(kDim);
    for (float& x : v) x = n(rng);
    return Unit(v);
  };
  for (int i = 0; i < multi + singles; ++i) {
    const std::string id = (i < multi ? "multi_" : "single_") + std::to_string(i);
    const std::vector<float> b = direction();
    for (int k = 0; k < (i < multi ? 4 : 1); ++k) {
      std::vector<float> v = b;
      for (float& x : v) x += static_cast<float>(sigma / std::sqrt(double(kDim))) * n(rng);
      set.images.push_back({id + "/" + std::to_string(k) + ".jpg", id, true, Unit(v), -1});
    }
  }
  return set;
}

TemplateFusionOptions Options() {
  TemplateFusionOptions o;
  o.max_nonmated = 60;
  o.target_fpir = 0.05;
  o.bootstrap = 50;
  return o;
}

const nlohmann::json& Row(const nlohmann::json& report, const std::string& rule_prefix,
                          bool distractors) {
  for (const auto& r : report["lfw"]["rows"]) {
    if (r["rule"].get<std::string>().rfind(rule_prefix, 0) == 0 &&
        r["with_distractors"].get<bool>() == distractors) {
      return r;
    }
  }
  static const nlohmann::json none;
  ADD_FAILURE() << "no row " << rule_prefix;
  return none;
}

TEST(TemplateFusionTest, CountsFollowTheProtocolAndTheOracleThresholdMeetsItsFpir) {
  const EmbeddingSet set = Synthetic(160, 240, 1.3);
  auto report = RunTemplateFusion(set, nullptr, Options());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // The evaluation side, as the protocol draws it.
  std::set<std::string> ids;
  for (const auto& e : set.images) ids.insert(e.identity);
  const IdentitySplit split = SplitByIdentity(ids, 0.5, Options().split_seed);
  int multi = 0, singles = 0;
  for (const auto& id : split.evaluation) (id.rfind("multi_", 0) == 0 ? multi : singles) += 1;
  ASSERT_GT(singles, 60);
  EXPECT_EQ((*report)["lfw"]["rows"].size(), 8u);  // 4 rules x with / without distractors
  for (const char* rule : {"one template", "two templates, max", "two templates, centroid"}) {
    for (bool full : {false, true}) {
      const auto& r = Row(*report, rule, full);
      EXPECT_EQ(r["subjects"], multi) << rule;
      EXPECT_EQ(r["mated"], 2 * multi) << rule << ": images 3 and 4 of each";
      EXPECT_EQ(r["mated_identities"], multi);
      EXPECT_EQ(r["nonmated"], 60);
      EXPECT_EQ(r["distractors"], full ? singles - 60 : 0);
      EXPECT_LE(r["fpir"].get<double>(), 0.05) << rule;
      EXPECT_LE(r["fnir_ci"][0].get<double>(), r["fnir_ci"][1].get<double>());
      EXPECT_GE(r["fpir_at_calibrated"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ((*report)["wild"], nullptr);
  // Noisy photos: the centroid of two averages the noise away and finds more
  // mates than the best single template at the same FPIR.
  const auto& mx = Row(*report, "two templates, max", false);
  const auto& ce = Row(*report, "two templates, centroid", false);
  EXPECT_LT(ce["fnir"].get<double>(), mx["fnir"].get<double>()) << ce.dump() << mx.dump();
  EXPECT_NEAR(ce["fnir_minus_max"].get<double>(),
              ce["fnir"].get<double>() - mx["fnir"].get<double>(), 1e-12);
  EXPECT_DOUBLE_EQ(mx["fnir_minus_max"].get<double>(), 0.0);
}

// With the calibration side's single-image identities as further non-mated
// searches: the evaluation side searches every one of them (they are neither
// enrolled nor distractors there); the calibrated threshold is unchanged.
TEST(TemplateFusionTest, CalibrationSideSinglesAddNonMatedSearches) {
  const EmbeddingSet set = Synthetic(160, 240, 1.3);
  TemplateFusionOptions o = Options();
  auto base = RunTemplateFusion(set, nullptr, o);
  o.nonmated_from_calibration_side = true;
  auto more = RunTemplateFusion(set, nullptr, o);
  ASSERT_TRUE(base.ok() && more.ok());
  std::set<std::string> ids;
  for (const auto& e : set.images) ids.insert(e.identity);
  const IdentitySplit split = SplitByIdentity(ids, 0.5, o.split_seed);
  int cal_singles = 0;
  for (const auto& id : split.calibration) cal_singles += id.rfind("single_", 0) == 0 ? 1 : 0;
  for (bool full : {false, true}) {
    const auto& a = Row(*base, "two templates, centroid", full);
    const auto& b = Row(*more, "two templates, centroid", full);
    EXPECT_EQ(b["nonmated"], 60 + cal_singles);
    EXPECT_EQ(b["distractors"], a["distractors"]);
    EXPECT_EQ(b["mated"], a["mated"]);
    EXPECT_EQ(b["calibrated_threshold"], a["calibrated_threshold"]);
    EXPECT_LE(b["fpir"].get<double>(), 0.05);
  }
  EXPECT_EQ((*more)["notes"].size(), 1u);
}

TEST(TemplateFusionTest, IdenticalPhotosAreFoundAtRankOneByEveryRule) {
  auto report = RunTemplateFusion(Synthetic(160, 240, 0.0), nullptr, Options());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const auto& r : (*report)["lfw"]["rows"]) {
    EXPECT_DOUBLE_EQ(r["fnir"].get<double>(), 0.0) << r.dump();
    EXPECT_DOUBLE_EQ(r["rank1"].get<double>(), 1.0) << r.dump();
  }
}

TEST(TemplateFusionTest, BadInputIsRefused) {
  const EmbeddingSet set = Synthetic(160, 240, 0.5);
  const EmbeddingSet other = Synthetic(20, 0, 0.5, "another-model");
  EXPECT_EQ(RunTemplateFusion(set, &other, Options()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RunTemplateFusion(Synthetic(8, 10, 0.5), nullptr, Options()).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace candor::eval
