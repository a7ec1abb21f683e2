// Copyright 2026 The Candor Authors.
//
// Reviewed outcomes (candor/reviewed_outcomes.h): FPIR counted from rejected
// candidates only at and above the highest threshold searched, too few
// searches refused with the count, intervals widened when one subject is
// rejected in many searches, the document round-trips and refuses tampering,
// and as a side of a gallery calibration they raise the threshold only on
// evidence (never lower it, never silently).

#include "candor/reviewed_outcomes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "candor/gallery_calibration.h"

namespace candor {
namespace {

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr int64_t kStart = 1'800'000'000'000;

// `n` searches at threshold 0.50 (the first ten at 0.45) of a 1,000-subject
// gallery, one a day. Searches i < a reject a candidate at 0.60, i < b (b <= a)
// at 0.80 instead; rejected subjects are distinct unless `one_subject`.
// Every fifth search confirms a mate at 0.55 + (i % 40) / 100.
std::vector<ReviewedSearch> Searches(int n, int a, int b, bool one_subject = false) {
  std::vector<ReviewedSearch> v;
  for (int i = 0; i < n; ++i) {
    ReviewedSearch s;
    s.created_ms = kStart + i * kDay;
    s.gallery_subjects = 1000 + i;
    s.threshold = i < 10 ? 0.45 : 0.50;
    const std::string who = one_subject ? "look-alike" : "r" + std::to_string(i);
    if (i < b) {
      s.rejected.push_back({who, 0.80});
      s.rejected.push_back({who + "x", 0.52});
    } else if (i < a) {
      s.rejected.push_back({who, 0.60});
    }
    if (i % 5 == 0) s.confirmed.push_back(0.55 + (i % 40) / 100.0);
    v.push_back(std::move(s));
  }
  return v;
}

StatusOr<ReviewedOutcomes> Build(const std::vector<ReviewedSearch>& v, uint64_t min = 100) {
  ReviewedOutcomesOptions o;
  o.min_searches = min;
  return ReviewedOutcomes::Build(v, {}, "test", o);
}

TEST(ReviewedOutcomesTest, TooFewSearchesGiveAClearMessageNotANumber) {
  auto r = Build(Searches(40, 5, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("40 completed 1:N searches"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("100 needed"), std::string::npos);
}

TEST(ReviewedOutcomesTest, CountsRejectedCandidatesOnlyAboveTheThresholdSearched) {
  auto r = Build(Searches(200, 24, 4));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->searches(), 200u);
  EXPECT_EQ(r->rejected_candidates(), 28u);
  EXPECT_EQ(r->confirmed_candidates(), 40u);
  EXPECT_DOUBLE_EQ(r->score_floor(), 0.50);
  EXPECT_EQ(r->min_gallery_subjects(), 1000);
  EXPECT_EQ(r->max_gallery_subjects(), 1199);
  EXPECT_EQ(r->first_search().substr(0, 10), "2027-01-15");

  // Below the highest threshold searched nothing is known.
  EXPECT_EQ(r->FpirAt(0.47).status().code(), Code::kOutOfRange);
  // 24 searches had a rejected candidate at or above 0.55 (the best one counts
  // once per search: the 0.52 ones change nothing above 0.52), 4 at 0.7.
  auto at55 = r->FpirAt(0.55);
  ASSERT_TRUE(at55.ok());
  EXPECT_NEAR(at55->value, 24.0 / 200, 1e-12);
  EXPECT_LT(at55->lower, at55->value);
  EXPECT_GT(at55->upper, at55->value);
  EXPECT_NEAR(r->FpirAt(0.7)->value, 4.0 / 200, 1e-12);
  // Nothing above 0.8: clamped to the support limit 3/200 and flagged.
  auto top = r->FpirAt(0.9);
  ASSERT_TRUE(top.ok());
  EXPECT_TRUE(top->below_support);
  EXPECT_NEAR(top->value, 3.0 / 200, 1e-12);

  // FPIR 5 %: at most 10 of 200 searches, reached just above 0.60.
  auto t5 = r->ThresholdForFpir(0.05);
  ASSERT_TRUE(t5.ok()) << t5.status().ToString();
  EXPECT_NEAR(t5->threshold, 0.601, 1e-9);
  // FPIR 20 %: already met at the floor, which is all they can say.
  auto t20 = r->ThresholdForFpir(0.2);
  ASSERT_TRUE(t20.ok());
  EXPECT_NEAR(t20->threshold, 0.50, 1e-9);
  // FPIR 1 % is below 3/200: refused, not guessed.
  EXPECT_EQ(r->ThresholdForFpir(0.01).status().code(), Code::kOutOfRange);
  // Confirmed mates below 0.601: scores 0.55, 0.60 (i % 40 in {0, 5}) of the 40.
  EXPECT_EQ(r->ConfirmedBelow(0.601), 10u);
  EXPECT_EQ(r->ConfirmedBelow(0.50), 0u);
}

TEST(ReviewedOutcomesTest, OneSubjectRejectedInManySearchesWidensTheInterval) {
  auto distinct = Build(Searches(300, 30, 0));
  auto same = Build(Searches(300, 30, 0, /*one_subject=*/true));
  ASSERT_TRUE(distinct.ok() && same.ok());
  const RateEstimate a = *distinct->FpirAt(0.55), b = *same->FpirAt(0.55);
  EXPECT_DOUBLE_EQ(a.value, b.value);
  EXPECT_GT(b.upper - b.lower, 1.5 * (a.upper - a.lower))
      << "30 rejections of one look-alike are not 30 independent observations";
}

TEST(ReviewedOutcomesTest, DocumentRoundTripsAndRefusesTampering) {
  auto r = Build(Searches(200, 24, 4));
  ASSERT_TRUE(r.ok());
  auto back = ReviewedOutcomes::FromJson(r->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), r->ToJson());
  EXPECT_NEAR(back->ThresholdForFpir(0.05)->threshold, 0.601, 1e-9);
  EXPECT_EQ(r->ToJson().find("r17"), std::string::npos) << "no subject id is stored";

  auto j = nlohmann::json::parse(r->ToJson());
  j["searches_with_rejected_at_or_above"][5] = 150;  // no longer monotone
  EXPECT_EQ(ReviewedOutcomes::FromJson(j.dump()).status().code(), Code::kDataLoss);
  EXPECT_EQ(ReviewedOutcomes::FromJson("{}").status().code(), Code::kDataLoss);
}

// A gallery side that puts FPIR 5 % at about 0.45: the reviewed outcomes
// (field probes scoring higher) raise it to where they meet the target and
// say so; for a target they already meet at their floor they change nothing.
TEST(ReviewedOutcomesTest, AsAThirdSideTheyRaiseTheThresholdOnlyOnEvidence) {
  CalibrationInput in;
  in.model_id = "testnet";
  in.model_sha256 = std::string(64, 'a');
  std::mt19937_64 rng(3);
  std::normal_distribution<double> d(0.3, 0.08);
  for (int i = 0; i < 20000; ++i) in.impostor_scores.push_back(d(rng));
  for (int i = 0; i < 2000; ++i) in.nonmated_top_scores.push_back(d(rng) + 0.02);
  in.nonmated_top_gallery_size = 999;
  auto pooled = Calibration::Build(in);
  ASSERT_TRUE(pooled.ok()) << pooled.status().ToString();
  GalleryCalibration c;
  c.gallery = "g";
  c.model_id = "testnet";
  c.model_sha256 = in.model_sha256;
  c.gallery_subjects = 1000;
  c.created_at = "2027-01-01T00:00:00Z";
  c.pooled = *pooled;
  auto base = c.ThresholdForFpir(0.05, 1000);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  ASSERT_LT(base->threshold, 0.50);

  auto r = Build(Searches(200, 24, 4));
  ASSERT_TRUE(r.ok());
  c.reviewed = *r;
  auto raised = c.ThresholdForFpir(0.05, 1000);
  ASSERT_TRUE(raised.ok());
  EXPECT_NEAR(raised->threshold, 0.601, 1e-9);
  EXPECT_EQ(raised->deciding_side, "reviewed-outcomes");
  EXPECT_EQ(raised->source.rfind("reviewed outcomes (200 reviewed searches", 0), 0u)
      << raised->source;
  ASSERT_TRUE(raised->gallery_side_threshold.has_value());
  EXPECT_DOUBLE_EQ(*raised->gallery_side_threshold, base->threshold);
  ASSERT_TRUE(raised->reviewed_fpir.has_value());
  EXPECT_LE(raised->reviewed_fpir->value, 0.05);
  ASSERT_TRUE(raised->reviewed_disagreement.has_value());
  bool said = false;
  for (const std::string& n : raised->notes)
    said |= n.find("is raised to 0.601") != std::string::npos;
  EXPECT_TRUE(said) << "the higher threshold is never used silently";

  // FPIR 20 %: met at their floor 0.50; the gallery side's lower threshold
  // stands and the note says they cannot speak below 0.50.
  auto kept = c.ThresholdForFpir(0.2, 1000);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->deciding_side, "gallery-side");
  EXPECT_LT(kept->threshold, 0.50);
  EXPECT_FALSE(kept->reviewed_fpir.has_value());
  said = false;
  for (const std::string& n : kept->notes)
    said |= n.find("cannot speak for the lower") != std::string::npos;
  EXPECT_TRUE(said);

  // The stored document keeps them.
  auto back = GalleryCalibration::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(back->reviewed.has_value());
  EXPECT_NEAR(back->ThresholdForFpir(0.05, 1000)->threshold, 0.601, 1e-9);
}

}  // namespace
}  // namespace candor
