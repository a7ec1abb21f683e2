// Copyright 2026 The Candor Authors.
//
// The rescoring experiments on synthetic embeddings with a known structure:
// identities are random directions, images noisy copies; some images are
// "wolves" (a shared component makes them resemble everyone, as small or
// blurred faces do) and have a low quality score. Checks the bookkeeping and
// that each variant responds to the structure it is meant for.

#include "calibrate/score_variants.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace candor::eval {
namespace {

EmbeddingSet Synthetic(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n01(0, 1);
  std::uniform_real_distribution<float> u01(0, 1);
  const int dim = 32;
  std::vector<float> hub(dim, 1.f / std::sqrt(float(dim)));
  EmbeddingSet set;
  set.model_id = "synthetic";
  set.model_sha256 = std::string(64, 'c');
  auto unit = [&](std::vector<float> v) {
    double s = 0;
    for (float x : v) s += x * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
    return v;
  };
  for (int i = 0; i < 1600; ++i) {
    std::vector<float> c(dim);
    for (float& x : c) x = n01(rng);
    c = unit(c);
    const std::string id = "id" + std::to_string(i);
    const int images = i % 2 == 0 ? 4 : 1;
    for (int k = 0; k < images; ++k) {
      const bool wolf = u01(rng) < 0.3f;
      std::vector<float> v = c;
      for (int d = 0; d < dim; ++d) v[d] += 0.12f * n01(rng) + (wolf ? 0.9f * hub[d] : 0.f);
      EmbeddedImage e{id + "/" + std::to_string(k) + ".jpg", id, true, unit(v)};
      e.quality = wolf ? 20 + static_cast<int>(10 * u01(rng)) : 60 + static_cast<int>(30 * u01(rng));
      set.images.push_back(std::move(e));
    }
  }
  return set;
}

const nlohmann::json* Find(const nlohmann::json& rows, const std::string& variant) {
  for (const auto& r : rows) {
    if (r["variant"].get<std::string>().rfind(variant, 0) == 0) return &r;
  }
  return nullptr;
}

TEST(ScoreVariantsTest, BookkeepingAndEachVariantHelpsWhereItShould) {
  const EmbeddingSet set = Synthetic(1);
  ScoreVariantOptions o;
  o.max_nonmated = 300;
  o.cohort_size = 400;
  o.top_k = {20, 50};
  auto r = RunScoreVariants(set, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& rows = (*r)["rows"];
  const auto* base = Find(rows, "cosine");
  const auto* tnorm = Find(rows, "T-norm (whole");
  const auto* quality = Find(rows, "quality-aware");
  ASSERT_TRUE(base && tnorm && quality);
  // About half the identities are evaluation-side; each has 4 images -> 3 mated searches.
  EXPECT_EQ((*base)["mated"].get<std::size_t>(), 3 * (*base)["subjects"].get<std::size_t>());
  EXPECT_EQ((*base)["nonmated"].get<std::size_t>(), 300u);
  EXPECT_GT((*base)["distractors"].get<std::size_t>(), 50u);
  // Wolves dominate the raw false positives; normalising by the probe's
  // cohort (or by quality, which marks them here) lowers FNIR at FPIR 1 %.
  const double b = (*base)["fnir_distractors"].get<double>();
  EXPECT_GT(b, 0.02) << "the synthetic wolves must cost something";
  EXPECT_LT((*tnorm)["fnir_distractors"].get<double>(), 0.8 * b);
  EXPECT_LT((*quality)["fnir_distractors"].get<double>(), 0.8 * b);
  const int k = (*r)["chosen_k"].get<int>();
  EXPECT_TRUE(k == 0 || k == 20 || k == 50);
  // Two templates per subject: the same searches, fewer misses than one.
  const auto* one = Find(rows, "one template");
  const auto* two = Find(rows, "two templates, max");
  ASSERT_TRUE(one && two);
  EXPECT_EQ((*one)["mated"], (*two)["mated"]);
  EXPECT_EQ((*one)["mated"].get<std::size_t>(), 2 * (*one)["subjects"].get<std::size_t>());
  EXPECT_LT((*two)["fnir_distractors"].get<double>(), (*one)["fnir_distractors"].get<double>());
}

TEST(ScoreVariantsTest, WithoutQualitiesTheQualityRowIsSkippedWithANote) {
  EmbeddingSet set = Synthetic(2);
  for (auto& e : set.images) e.quality = -1;
  ScoreVariantOptions o;
  o.max_nonmated = 300;
  o.cohort_size = 400;
  o.top_k = {20};
  auto r = RunScoreVariants(set, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Find((*r)["rows"], "quality-aware"), nullptr);
  EXPECT_FALSE((*r)["notes"].empty());
}

TEST(ScoreVariantsTest, RefusesTooSmallSets) {
  EmbeddingSet set = Synthetic(3);
  set.images.resize(30);
  EXPECT_EQ(RunScoreVariants(set, {}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace candor::eval
