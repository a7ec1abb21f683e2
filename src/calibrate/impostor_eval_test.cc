// Copyright 2026 The Candor Authors.
//
// Same-group impostors on synthetic identities with a known structure: group
// "close" shares a common direction, so its impostor pairs score higher than
// group "apart"'s. A pooled threshold then lets "close" through far above the
// target; the worst-group threshold holds both near it.

#include "calibrate/impostor_eval.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace candor::eval {
namespace {

std::vector<float> Unit(std::vector<float> v) {
  double s = 0;
  for (float x : v) s += x * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

// 2 x `per_group` identities, one or two images each; labels "kin" and "sex".
std::pair<EmbeddingSet, GroupLabels> Set(int per_group) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> n01(0, 1);
  const int dim = 24;
  std::vector<float> common(dim);
  for (float& x : common) x = n01(rng);
  common = Unit(common);
  EmbeddingSet set;
  set.model_id = "synthetic";
  set.model_sha256 = std::string(64, 'a');
  GroupLabels labels;
  for (int i = 0; i < 2 * per_group; ++i) {
    const bool close = i >= per_group;
    std::vector<float> c(dim);
    for (float& x : c) x = n01(rng);
    c = Unit(c);
    if (close) {
      for (int k = 0; k < dim; ++k) c[k] = 0.6f * c[k] + 0.8f * common[k];
    }
    const std::string id = "p" + std::to_string(i);
    for (int k = 0; k < 1 + i % 2; ++k) {
      std::vector<float> v = c;
      for (float& x : v) x += 0.1f * n01(rng);
      set.images.push_back({id + "/" + std::to_string(k) + ".jpg", id, true, Unit(v)});
    }
    labels.by_attribute["kin"][id] = close ? "close" : "apart";
    labels.by_attribute["sex"][id] = i % 4 < 2 ? "f" : "m";
  }
  return {set, labels};
}

const nlohmann::json* Row(const nlohmann::json& attr, const std::string& kind) {
  for (const auto& r : attr["rows"]) {
    if (r["threshold_kind"] == kind) return &r;
  }
  return nullptr;
}

double FmrOf(const nlohmann::json& row, const std::string& group) {
  for (const auto& g : row["groups"]) {
    if (g["group"] == group) return g["fmr"].get<double>();
  }
  return NAN;
}

TEST(ImpostorEval, WorstGroupHoldsTheHigherScoringGroupNearTheTargetAndPooledDoesNot) {
  auto [set, labels] = Set(240);
  ImpostorEvalOptions o;
  o.target_fmr = 0.01;
  o.bootstrap = 50;
  o.model_threshold = 0.99;
  o.model_threshold_source = "a made-up model calibration";
  auto r = RunImpostorEvaluation(set, labels, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& kin = (*r)["attributes"]["kin"];
  const nlohmann::json* pooled = Row(kin, "pooled");
  const nlohmann::json* worst = Row(kin, "worst-group");
  const nlohmann::json* model = Row(kin, "model");
  ASSERT_TRUE(pooled && worst && model);
  ASSERT_FALSE((*pooled)["threshold"].is_null());
  ASSERT_FALSE((*worst)["threshold"].is_null());
  EXPECT_GT((*worst)["threshold"].get<double>(), (*pooled)["threshold"].get<double>());
  EXPECT_GT(FmrOf(*pooled, "close"), 2 * o.target_fmr);  // the pooled threshold fails "close"
  EXPECT_LT(FmrOf(*pooled, "apart"), o.target_fmr);
  EXPECT_LT(FmrOf(*worst, "close"), 3 * o.target_fmr);  // measured on the other half
  EXPECT_LE(FmrOf(*worst, "apart"), FmrOf(*worst, "close"));
  EXPECT_EQ((*model)["threshold"].get<double>(), 0.99);
  EXPECT_EQ((*model)["note"], "a made-up model calibration");
  // Two attributes: their joint groups too, and the pooled same-group row.
  EXPECT_TRUE((*r)["attributes"].contains("joint"));
  EXPECT_FALSE(std::isnan(FmrOf(*Row((*r)["attributes"]["joint"], "pooled"), "close|f")));
  EXPECT_FALSE(std::isnan(FmrOf(*pooled, "same kin (pooled)")));
  for (const auto& g : (*pooled)["groups"]) EXPECT_FALSE(g["too_small"].get<bool>()) << g.dump();
  EXPECT_EQ((*r)["counts"]["calibration_identities"].get<int>() +
                (*r)["counts"]["evaluation_identities"].get<int>(),
            480);
}

TEST(ImpostorEval, LabelsThatNameNoIdentityAndTinySetsAreRefused) {
  auto [set, labels] = Set(40);
  GroupLabels other;
  other.by_attribute["sex"]["nobody"] = "f";
  EXPECT_EQ(RunImpostorEvaluation(set, other, {}).status().code(), Code::kInvalidArgument);
  auto [tiny, tiny_labels] = Set(4);
  EXPECT_EQ(RunImpostorEvaluation(tiny, tiny_labels, {}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace candor::eval
