// Copyright 2026 The Candor Authors.
//
// Calibration on synthetic scores with closed-form answers: Gaussian impostors
// (FMR = Q(t / sd)), i.i.d. non-mated searches (FPIR = 1 - (1 - FMR)^N), the
// rule-of-three support limit, and the file format's validation.

#include "candor/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "calibrate/stats.h"

namespace candor {
namespace {

const std::string kHash(64, 'a');
constexpr double kSd = 0.1;

double Q(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }  // P(Z > x)

std::vector<double> Normal(std::size_t n, double mean, double sd, std::mt19937_64& rng) {
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

CalibrationInput GaussianInput(bool with_searches) {
  std::mt19937_64 rng(42);
  CalibrationInput in;
  in.model_id = "synthetic";
  in.model_sha256 = kHash;
  in.impostor_scores = Normal(100000, 0, kSd, rng);
  in.genuine_scores = Normal(5000, 0.6, kSd, rng);
  if (with_searches) {
    for (int p = 0; p < 2000; ++p) in.nonmated_searches.push_back(Normal(1000, 0, kSd, rng));
  }
  in.provenance["dataset"] = "synthetic gaussian";
  return in;
}

class CalibrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = Calibration::Build(GaussianInput(true));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cal_ = new Calibration(*c);
  }
  static void TearDownTestSuite() { delete cal_; }
  static Calibration* cal_;
};
Calibration* CalibrationTest::cal_ = nullptr;

TEST_F(CalibrationTest, FmrMatchesTheGaussianTailWithinItsInterval) {
  for (double t : {0.1, 0.2, 0.25, 0.3}) {
    RateEstimate r = cal_->FmrAt(t);
    EXPECT_FALSE(r.extrapolated);
    EXPECT_LE(r.lower, Q(t / kSd) * 1.02) << t;  // grid rounding is conservative (up)
    EXPECT_GE(r.upper, Q(t / kSd)) << t;
    EXPECT_NEAR(r.value, Q(t / kSd), 4 * std::sqrt(Q(t / kSd) / 1e5) + 2e-4) << t;
  }
}

TEST_F(CalibrationTest, FnmrMatchesTheGenuineGaussian) {
  RateEstimate r = cal_->FnmrAt(0.45);
  EXPECT_NEAR(r.value, 1 - Q((0.45 - 0.6) / kSd), 0.015);
}

TEST_F(CalibrationTest, ClampsBelowTheRuleOfThree) {
  EXPECT_DOUBLE_EQ(cal_->MinSupportedFmr(), 3e-5);
  RateEstimate r = cal_->FmrAt(0.6);  // Q(6) ~ 1e-9: never observed in 1e5
  EXPECT_TRUE(r.below_support);
  EXPECT_DOUBLE_EQ(r.value, 3e-5);
}

TEST_F(CalibrationTest, ThresholdForTargetFmr) {
  auto t = cal_->ThresholdForFmr(1e-3);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_NEAR(t->threshold, kSd * 3.0902, 0.01);
  EXPECT_LE(t->rate.value, 1e-3);
  EXPECT_FALSE(t->rate.extrapolated);
}

TEST_F(CalibrationTest, RefusesUnsupportedTargetsUnlessExtrapolationIsAsked) {
  auto refused = cal_->ThresholdForFmr(1e-6);
  EXPECT_EQ(refused.status().code(), Code::kOutOfRange);
  auto extrapolated = cal_->ThresholdForFmr(1e-6, /*allow_extrapolation=*/true);
  ASSERT_TRUE(extrapolated.ok()) << extrapolated.status().ToString();
  EXPECT_TRUE(extrapolated->rate.extrapolated);
  // The Gaussian quantile is 4.753 sd; a GPD tail fitted on the top 1 % gets close.
  EXPECT_NEAR(extrapolated->threshold, kSd * 4.753, 0.04);
}

TEST_F(CalibrationTest, EmpiricalFpirMatchesTheClosedFormForIidImpostors) {
  for (uint64_t n : {1ull, 10ull, 100ull, 1000ull}) {
    for (double t : {0.25, 0.3, 0.35}) {
      const double expect = 1 - std::pow(1 - Q(t / kSd), static_cast<double>(n));
      if (expect < 3.0 / 2000) continue;  // below what 2000 searches support
      RateEstimate r = cal_->FpirAt(t, n);
      EXPECT_FALSE(r.extrapolated);
      EXPECT_NEAR(r.value, expect, 0.2 * expect + 0.005) << "N=" << n << " t=" << t;
    }
  }
}

TEST_F(CalibrationTest, FpirBeyondTheMeasuredGalleryIsFlaggedExtrapolated) {
  RateEstimate r = cal_->FpirAt(0.35, 100000);
  EXPECT_TRUE(r.extrapolated);
  const double expect = 1 - std::pow(1 - Q(3.5), 1e5);
  EXPECT_NEAR(r.value, expect, 0.15);
  // FPIR grows with N at a fixed threshold.
  EXPECT_LT(cal_->FpirAt(0.3, 10).value, cal_->FpirAt(0.3, 1000).value);
}

TEST_F(CalibrationTest, ThresholdForTargetFpirRisesWithGallerySize) {
  auto small = cal_->ThresholdForFpir(0.01, 10);
  auto large = cal_->ThresholdForFpir(0.01, 1000);
  ASSERT_TRUE(small.ok() && large.ok());
  EXPECT_LT(small->threshold, large->threshold);
  // Closed form at N = 1000: FMR = 1 - 0.99^(1/1000) ~ 1.005e-5 -> 4.265 sd.
  EXPECT_NEAR(large->threshold, kSd * 4.265, 0.02);
  // N far beyond the data: FMR needed ~1e-9, refused without extrapolation.
  EXPECT_EQ(cal_->ThresholdForFpir(0.01, 10000000).status().code(), Code::kOutOfRange);
}

TEST_F(CalibrationTest, JsonRoundTripKeepsEveryAnswer) {
  auto back = Calibration::FromJson(cal_->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (double t : {-0.1, 0.0, 0.2, 0.33, 0.7}) {
    EXPECT_DOUBLE_EQ(back->FmrAt(t).value, cal_->FmrAt(t).value);
    EXPECT_DOUBLE_EQ(back->FpirAt(t, 100).value, cal_->FpirAt(t, 100).value);
  }
  EXPECT_EQ(back->provenance().at("dataset"), "synthetic gaussian");
}

TEST_F(CalibrationTest, SaveAndLoadThroughAFile) {
  const auto path = std::filesystem::temp_directory_path() / "candor_calibration_test.json";
  ASSERT_TRUE(cal_->Save(path).ok());
  auto back = Calibration::Load(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->impostor_count(), 100000u);
  std::filesystem::remove(path);
  EXPECT_EQ(Calibration::Load(path).status().code(), Code::kNotFound);
}

TEST_F(CalibrationTest, RefusesTheWrongModel) {
  EXPECT_TRUE(cal_->CheckModel("synthetic", std::string(64, 'A')).ok());
  EXPECT_EQ(cal_->CheckModel("synthetic", std::string(64, 'b')).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(cal_->CheckModel("other", kHash).code(), Code::kFailedPrecondition);
}

TEST_F(CalibrationTest, CorruptFilesAreDataLoss) {
  const std::string good = cal_->ToJson();
  EXPECT_EQ(Calibration::FromJson(good.substr(0, good.size() / 2)).status().code(),
            Code::kDataLoss);
  EXPECT_EQ(Calibration::FromJson("{}").status().code(), Code::kDataLoss);
  EXPECT_EQ(Calibration::FromJson("[1,2]").status().code(), Code::kDataLoss);
  // A table that is not monotone is caught.
  std::string broken = good;
  const auto pos = broken.find("\"impostor_at_or_above\"");
  ASSERT_NE(pos, std::string::npos);
  const auto num = broken.find_first_of("0123456789", pos);
  broken.insert(num, "9");
  EXPECT_EQ(Calibration::FromJson(broken).status().code(), Code::kDataLoss);
  std::string bad_hash = good;
  bad_hash.replace(bad_hash.find(kHash), 64, "zz");
  EXPECT_EQ(Calibration::FromJson(bad_hash).status().code(), Code::kDataLoss);
}

TEST(CalibrationBuildTest, RejectsBadInputs) {
  CalibrationInput in;
  in.model_id = "m";
  in.model_sha256 = kHash;
  in.impostor_scores.assign(50, 0.1);
  EXPECT_EQ(Calibration::Build(in).status().code(), Code::kInvalidArgument);  // too few
  in.impostor_scores.assign(500, 0.1);
  in.model_sha256 = "abc";
  EXPECT_EQ(Calibration::Build(in).status().code(), Code::kInvalidArgument);
  in.model_sha256 = kHash;
  in.nonmated_searches = {{0.1, 0.2}, {0.1}};
  EXPECT_EQ(Calibration::Build(in).status().code(), Code::kInvalidArgument);
  in.nonmated_searches.clear();
  in.model_id.clear();
  EXPECT_EQ(Calibration::Build(in).status().code(), Code::kInvalidArgument);
}

TEST(CalibrationBuildTest, AllTiedScoresStillGiveAConsistentTable) {
  CalibrationInput in;
  in.model_id = "m";
  in.model_sha256 = kHash;
  in.impostor_scores.assign(1000, 0.25);
  in.impostor_scores.push_back(std::nan(""));
  auto c = Calibration::Build(in);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_DOUBLE_EQ(c->FmrAt(0.25).value, 1.0);
  EXPECT_TRUE(c->FmrAt(0.2515).below_support);  // next grid point above the tie
  auto t = c->ThresholdForFmr(0.01);
  ASSERT_TRUE(t.ok());
  EXPECT_GT(t->threshold, 0.25);
  EXPECT_TRUE(Calibration::FromJson(c->ToJson()).ok());
}

// In-gallery top scores where every search has a twin (two subjects that are
// each other's best candidate, with the same score): the FPIR is the same,
// but there are half as many independent pieces of evidence, so the interval
// is the Wilson interval of half the sample (design effect 2).
CalibrationInput TopScores(bool twinned, bool with_links) {
  std::mt19937_64 rng(9);
  CalibrationInput in;
  in.model_id = "synthetic";
  in.model_sha256 = kHash;
  in.impostor_scores = Normal(20000, 0, kSd, rng);
  const std::vector<double> top = Normal(twinned ? 1000 : 2000, 0.3, kSd, rng);
  for (std::size_t i = 0; i < top.size(); ++i) {
    for (int copy = 0; copy < (twinned ? 2 : 1); ++copy) {
      in.nonmated_top_scores.push_back(top[i]);
      if (!with_links) continue;
      // Subjects 2i and 2i+1 are each other's best; untwinned searches each
      // have their own best candidate (a subject never searched).
      in.nonmated_top_self.push_back(2 * i + copy);
      in.nonmated_top_best.push_back(twinned ? 2 * i + 1 - copy : 2 * i + 1);
    }
  }
  in.nonmated_top_gallery_size = 500;
  return in;
}

TEST(CalibrationClusters, TwinnedSearchesHaveDesignEffectTwoAndAWiderInterval) {
  auto clustered = Calibration::Build(TopScores(true, true));
  auto naive = Calibration::Build(TopScores(true, false));
  auto independent = Calibration::Build(TopScores(false, true));
  ASSERT_TRUE(clustered.ok() && naive.ok() && independent.ok()) << clustered.status().ToString();
  for (double t : {0.35, 0.4, 0.45, 0.5}) {
    const RateEstimate c = clustered->FpirAt(t, 500), w = naive->FpirAt(t, 500);
    ASSERT_GT(c.value, 0.0) << t;
    EXPECT_DOUBLE_EQ(c.value, w.value);
    // Twins at or above t form clusters of two positives; searches below t
    // are not linked, so the design effect is 2 - p (2 at small FPIRs).
    const double deff = clustered->FpirDesignEffect(t);
    EXPECT_NEAR(deff, 2.0 - c.value, 0.01) << t;
    EXPECT_DOUBLE_EQ(naive->FpirDesignEffect(t), 1.0);
    const auto eff = stats::WilsonEffective(std::round(c.value * 2000) / deff, 2000 / deff);
    EXPECT_NEAR(c.lower, eff.lower, 1e-9) << t;
    EXPECT_NEAR(c.upper, eff.upper, 1e-9) << t;
    EXPECT_NEAR((c.upper - c.lower) / (w.upper - w.lower), std::sqrt(deff), 0.05) << t;
    EXPECT_GT((c.upper - c.lower) / (w.upper - w.lower), 1.25) << t;
    // Independent searches: the plain Wilson interval (design effect 1 up to C / (C - 1)).
    EXPECT_LT(independent->FpirDesignEffect(t), 1.01) << t;
  }
  // The design effect is kept by the file.
  auto back = Calibration::FromJson(clustered->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_DOUBLE_EQ(back->FpirDesignEffect(0.4), clustered->FpirDesignEffect(0.4));
  EXPECT_DOUBLE_EQ(back->FpirAt(0.4, 500).upper, clustered->FpirAt(0.4, 500).upper);
  // A design effect below 1 or a table of the wrong length is corrupt.
  auto j = nlohmann::json::parse(clustered->ToJson());
  j["fpir"]["design_effect"][3] = 0.5;
  EXPECT_EQ(Calibration::FromJson(j.dump()).status().code(), Code::kDataLoss);
  j["fpir"]["design_effect"] = std::vector<double>{1.0, 1.0};
  EXPECT_EQ(Calibration::FromJson(j.dump()).status().code(), Code::kDataLoss);
  // Below the twins' scores nothing is linked yet: every search its own cluster.
  const std::vector<double> scores = TopScores(true, true).nonmated_top_scores;
  const double highest = *std::max_element(scores.begin(), scores.end());
  EXPECT_DOUBLE_EQ(clustered->FpirDesignEffect(highest + 0.01), 1.0);
  // One searcher and one best candidate per search, or none.
  CalibrationInput bad = TopScores(true, true);
  bad.nonmated_top_best.pop_back();
  EXPECT_EQ(Calibration::Build(bad).status().code(), Code::kInvalidArgument);
}

TEST(StatsTest, ProbAvoidAllIsTheHypergeometricZeroTerm) {
  EXPECT_DOUBLE_EQ(stats::ProbAvoidAll(10, 0, 5), 1.0);
  EXPECT_NEAR(stats::ProbAvoidAll(10, 1, 5), 0.5, 1e-12);         // C(9,5)/C(10,5)
  EXPECT_NEAR(stats::ProbAvoidAll(10, 2, 3), 56.0 / 120, 1e-12);  // C(8,3)/C(10,3)
  EXPECT_DOUBLE_EQ(stats::ProbAvoidAll(10, 6, 5), 0.0);
}

TEST(StatsTest, WilsonIntervalBracketsAndMatchesKnownValues) {
  auto ci = stats::Wilson(0, 1000);
  EXPECT_DOUBLE_EQ(ci.lower, 0.0);
  EXPECT_NEAR(ci.upper, 3.83e-3, 1e-4);
  ci = stats::Wilson(50, 100);
  EXPECT_NEAR(ci.lower, 0.4038, 1e-3);
  EXPECT_NEAR(ci.upper, 0.5962, 1e-3);
  EXPECT_NEAR(stats::NormalQuantile(0.975), 1.959964, 1e-6);
}

TEST(StatsTest, GpdFitRecoversKnownParameters) {
  // Exceedances over u = 0 drawn from GPD(sigma = 1, xi = -0.2) by inversion.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u01(0, 1);
  std::vector<double> scores;
  for (int i = 0; i < 200000; ++i) scores.push_back(-1.0 - u01(rng));  // body below 0
  for (int i = 0; i < 20000; ++i) {
    const double p = u01(rng);
    scores.push_back((1 - std::pow(1 - p, 0.2)) / 0.2);  // sigma/xi ((1-p)^-xi - 1), xi=-0.2
  }
  auto fit = stats::FitGpdTail(scores, 20000.0 / 220000 - 1e-6);
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.xi, -0.2, 0.03);
  EXPECT_NEAR(fit.sigma, 1.0, 0.05);
  EXPECT_NEAR(stats::GpdSurvival(fit, 1.0), (20000.0 / 220000) * std::pow(1 - 0.2, 5.0), 0.004);
}

}  // namespace
}  // namespace candor
