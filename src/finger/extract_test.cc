// Copyright 2026 The Candor Authors.
//
// Extraction on bad inputs, synthetic ridge images with planted minutiae, and
// real FVC2002 prints (skipped without CANDOR_DATA).

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/finger.h"
#include "common/file_util.h"
#include "common/test_env.h"
#include "finger/synthetic.h"
#include "image/test_images.h"

namespace candor::finger {
namespace {

std::filesystem::path FvcDir(const std::filesystem::path& data) { return data / "fingerprints" / "fvc2002-db1-b"; }

TEST(FingerExtractTest, EmptyBytesAreInvalid) {
  auto r = ExtractFinger({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(FingerExtractTest, TinyImageIsInvalidWithSize) {
  const auto png = testing_images::Encode(cv::Mat(40, 30, CV_8UC3, cv::Scalar::all(128)), ".png");
  auto r = ExtractFinger(png);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("30x40"), std::string::npos) << r.status().ToString();
}

TEST(FingerExtractTest, AllWhiteHasNoFingerprint) {
  const auto png = testing_images::Encode(cv::Mat(374, 388, CV_8UC3, cv::Scalar::all(255)), ".png");
  auto r = ExtractFinger(png);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("no fingerprint"), std::string::npos);
}

TEST(FingerExtractTest, NoiseHasNoFingerprint) {
  cv::Mat noise(374, 388, CV_8U);
  cv::RNG rng(5);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  auto r = ExtractFingerImage(noise);
  ASSERT_FALSE(r.ok()) << "minutiae: " << r->tmpl.minutiae.size();
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
}

TEST(FingerExtractTest, TruncatedTiffIsInvalid) {
  const cv::Mat img = SyntheticPrintImage({300, 300}, 9, 0.5, {});
  auto tiff = testing_images::Encode(img, ".tiff");
  tiff.resize(tiff.size() / 2);
  auto r = ExtractFinger(tiff);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
}

TEST(FingerExtractTest, ResolutionOutsideRangeIsInvalid) {
  const cv::Mat img = SyntheticPrintImage({300, 300}, 9, 0.5, {});
  ExtractOptions o;
  o.dpi = 100;
  auto r = ExtractFingerImage(img, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  o.dpi = 500;
  o.finger_position = 11;
  EXPECT_EQ(ExtractFingerImage(img, o).status().code(), Code::kInvalidArgument);
}

TEST(FingerExtractTest, SyntheticRidgesGivePeriodAndOrientation) {
  const double angle = 0.6;  // ridge direction, radians
  const cv::Mat img = SyntheticPrintImage({360, 360}, 9, angle, {});
  auto r = ExtractFingerImage(img);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->quality.mean_ridge_period_px, 9.0, 0.8);
  const float th = r->orientation.at<float>(180, 180);
  EXPECT_NEAR(std::abs(std::remainder(th - angle, CV_PI)), 0.0, 0.05);
  EXPECT_GT(r->quality.orientation_certainty, 0.8);
  EXPECT_LE(r->tmpl.minutiae.size(), 2u) << "parallel ridges have no minutiae";
}

TEST(FingerExtractTest, SyntheticSingularitiesAreFoundAsMinutiae) {
  const std::vector<cv::Point2f> planted = {{130, 140}, {230, 150}, {180, 240}};
  const cv::Mat img = SyntheticPrintImage({360, 380}, 9, 1.1, planted);
  auto r = ExtractFingerImage(img);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const cv::Point2f& p : planted) {
    double best = 1e9;
    for (const Minutia& m : r->tmpl.minutiae) best = std::min<double>(best, std::hypot(m.x - p.x, m.y - p.y));
    EXPECT_LT(best, 7.0) << "planted minutia at " << p << " not found";
  }
  EXPECT_LE(r->tmpl.minutiae.size(), planted.size() + 3);
}

TEST(FingerExtractTest, RealPrintsGiveMinutiaeAndQuality) {
  CANDOR_REQUIRE_DATA(data);
  for (int i = 1; i <= 8; ++i) {
    const auto path = FvcDir(data) / ("101_" + std::to_string(i) + ".tif");
    auto bytes = ReadFile(path);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto r = ExtractFinger(*bytes);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    EXPECT_GE(r->tmpl.minutiae.size(), 12u) << path;
    EXPECT_LE(r->tmpl.minutiae.size(), 100u) << path;
    EXPECT_EQ(r->tmpl.width, 388);
    EXPECT_EQ(r->tmpl.height, 374);
    EXPECT_GT(r->quality.usable_area, 0.2) << path;
    EXPECT_NEAR(r->quality.mean_ridge_period_px, 9.5, 2.5) << path;
    for (const Minutia& m : r->tmpl.minutiae) {
      EXPECT_EQ(r->mask.at<uint8_t>(static_cast<int>(m.y), static_cast<int>(m.x)), 255);
      EXPECT_GE(m.direction, 0.f);
      EXPECT_LT(m.direction, 2 * CV_PI);
    }
  }
}

TEST(FingerExtractTest, StatedResolutionRescales) {
  CANDOR_REQUIRE_DATA(data);
  auto img = ReadImage(FvcDir(data) / "102_1.tif");
  ASSERT_TRUE(img.ok());
  cv::Mat big;
  cv::resize(*img, big, cv::Size(), 2.0, 2.0, cv::INTER_CUBIC);
  ExtractOptions o;
  o.dpi = 1000;
  auto a = ExtractFingerImage(*img);
  auto b = ExtractFingerImage(big, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(b->tmpl.width, 388, 1);
  EXPECT_GT(CompareFingers(a->tmpl, b->tmpl).score, 0.5);
}

}  // namespace
}  // namespace candor::finger
