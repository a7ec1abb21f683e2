// Copyright 2026 The Candor Authors.
//
// Quality measures on real LFW faces (deep-funnelled, 250x250, faces centred).
// Landmarks are fixed positions verified on the mean of 400 LFW images:
// eyes (104,115) and (146,115), nose tip (125,142), mouth corners (108,165),
// (142,165); transformations of the image transform them exactly.

#include "candor/quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "candor/image.h"
#include "common/test_env.h"
#include "quality/measures.h"

namespace candor {
namespace {

namespace fs = std::filesystem;

Face LfwFace() {
  Face f;
  f.landmarks = {cv::Point2f(104, 115), cv::Point2f(146, 115), cv::Point2f(125, 142),
                 cv::Point2f(108, 165), cv::Point2f(142, 165)};
  f.box = cv::Rect2f(72, 75, 106, 120);
  return f;
}

std::vector<cv::Mat> LfwImages(const fs::path& data, size_t n) {
  std::vector<fs::path> dirs;
  for (const auto& d : fs::directory_iterator(data / "faces/lfw")) dirs.push_back(d.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<cv::Mat> out;
  for (size_t i = 0; i < dirs.size() && out.size() < n; i += 97) {
    auto img = ReadImage(dirs[i] / (dirs[i].filename().string() + "_0001.jpg"));
    if (img.ok()) out.push_back(*img);
  }
  return out;
}

FaceQuality Assess(const cv::Mat& img, const Face& f) {
  auto q = AssessQuality(img, f, cv::Mat());
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? *q : FaceQuality{};
}

bool Has(const FaceQuality& q, const std::string& issue) {
  return std::find(q.issues.begin(), q.issues.end(), issue) != q.issues.end();
}

TEST(QualityTest, GoodLfwFacesScoreWellWithoutIssues) {
  CANDOR_REQUIRE_DATA(data);
  auto imgs = LfwImages(data, 20);
  ASSERT_EQ(imgs.size(), 20u);
  int good = 0;
  for (const auto& img : imgs) {
    FaceQuality q = Assess(img, LfwFace());
    EXPECT_NEAR(q.inter_eye_px, 42.f, 1e-3);
    EXPECT_NEAR(q.yaw_deg, 0.f, 1.f);
    EXPECT_NEAR(q.roll_deg, 0.f, 1e-3);
    EXPECT_GT(q.brightness, 20.f);
    EXPECT_GT(q.contrast, 5.f);
    if (q.score >= 50 && q.issues.empty()) ++good;
  }
  EXPECT_GE(good, 15) << "most unaltered LFW faces should be usable";
}

// Distribution over ~200 unaltered LFW faces (one per sampled identity); the
// printed percentiles are quoted in docs/QUALITY.md.
TEST(QualityTest, LfwDistribution) {
  CANDOR_REQUIRE_DATA(data);
  std::vector<fs::path> dirs;
  for (const auto& d : fs::directory_iterator(data / "faces/lfw")) dirs.push_back(d.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<float> sharp, score;
  int with_issues = 0;
  for (size_t i = 0; i < dirs.size(); i += 28) {
    auto img = ReadImage(dirs[i] / (dirs[i].filename().string() + "_0001.jpg"));
    ASSERT_TRUE(img.ok());
    FaceQuality q = Assess(*img, LfwFace());
    sharp.push_back(q.sharpness);
    score.push_back(static_cast<float>(q.score));
    if (!q.issues.empty()) ++with_issues;
  }
  std::sort(sharp.begin(), sharp.end());
  std::sort(score.begin(), score.end());
  auto pct = [](const std::vector<float>& v, double p) {
    return v[static_cast<size_t>(p * (v.size() - 1))];
  };
  std::printf(
      "LFW n=%zu sharpness p5 %.3f p50 %.3f p95 %.3f | score p5 %.0f p50 %.0f p95 %.0f | with "
      "issues %d\n",
      sharp.size(), pct(sharp, 0.05), pct(sharp, 0.5), pct(sharp, 0.95), pct(score, 0.05),
      pct(score, 0.5), pct(score, 0.95), with_issues);
  EXPECT_GE(sharp.size(), 190u);
  EXPECT_GE(pct(score, 0.5), 50.f);
  EXPECT_LT(with_issues, static_cast<int>(sharp.size() / 5));
}

TEST(QualityTest, BlurLowersSharpnessAndScoreMonotonically) {
  CANDOR_REQUIRE_DATA(data);
  for (const auto& img : LfwImages(data, 8)) {
    float prev_sharp = 2.f;
    int prev_score = 101;
    int first_score = -1;
    FaceQuality last;
    for (double sigma : {0.0, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0}) {
      cv::Mat b = img.clone();
      if (sigma > 0) cv::GaussianBlur(img, b, cv::Size(0, 0), sigma);
      FaceQuality q = Assess(b, LfwFace());
      EXPECT_LT(q.sharpness, prev_sharp) << "sigma " << sigma;
      EXPECT_LE(q.score, prev_score) << "sigma " << sigma;
      prev_sharp = q.sharpness;
      prev_score = q.score;
      if (first_score < 0) first_score = q.score;
      last = q;
    }
    EXPECT_LT(last.sharpness, 0.15f);
    EXPECT_TRUE(Has(last, "blurred"));
    EXPECT_LE(last.score, first_score / 4);
  }
}

TEST(QualityTest, SharpnessDoesNotDependOnGain) {
  CANDOR_REQUIRE_DATA(data);
  for (const auto& img : LfwImages(data, 5)) {
    cv::Mat dim;
    img.convertTo(dim, -1, 0.7, 0);
    EXPECT_NEAR(quality::Sharpness(dim), quality::Sharpness(img), 0.06);
  }
}

TEST(QualityTest, DarkeningAndBrighteningAreDetected) {
  CANDOR_REQUIRE_DATA(data);
  for (const auto& img : LfwImages(data, 6)) {
    FaceQuality base = Assess(img, LfwFace());
    float prev_b = base.brightness;
    int prev_score = 101;  // darkening an over-exposed face may first improve it
    for (double gain : {0.6, 0.35, 0.15}) {
      cv::Mat d;
      img.convertTo(d, -1, gain, 0);
      FaceQuality q = Assess(d, LfwFace());
      EXPECT_LT(q.brightness, prev_b);
      EXPECT_LE(q.score, prev_score) << "gain " << gain;
      prev_b = q.brightness;
      prev_score = q.score;
      if (gain == 0.15) {
        EXPECT_TRUE(Has(q, "too dark"));
        EXPECT_LT(q.score, base.score / 2 + 1);
      }
    }
    cv::Mat bright;
    img.convertTo(bright, -1, 1.6, 110);
    FaceQuality qb = Assess(bright, LfwFace());
    EXPECT_GT(qb.brightness, base.brightness);
    EXPECT_GT(qb.clipped, base.clipped);
    EXPECT_TRUE(Has(qb, "too bright"));
    EXPECT_LT(qb.score, base.score);
  }
}

TEST(QualityTest, DownscalingShrinksInterEyeDistance) {
  CANDOR_REQUIRE_DATA(data);
  for (const auto& img : LfwImages(data, 6)) {
    int prev_score = 101;
    for (double s : {1.0, 0.6, 0.4, 0.25}) {
      cv::Mat small;
      cv::resize(img, small, cv::Size(), s, s, cv::INTER_AREA);
      Face f = LfwFace();
      for (auto& p : f.landmarks) p *= static_cast<float>(s);
      f.box = cv::Rect2f(f.box.x * s, f.box.y * s, f.box.width * s, f.box.height * s);
      FaceQuality q = Assess(small, f);
      EXPECT_NEAR(q.inter_eye_px, 42.0 * s, 1e-3);
      EXPECT_LE(q.score, prev_score) << "scale " << s;
      prev_score = q.score;
      EXPECT_EQ(Has(q, "too small"), 42.0 * s < 24.0) << "scale " << s;
    }
    EXPECT_LT(prev_score, 40);
  }
}

TEST(QualityTest, RotationIsMeasuredAsRoll) {
  CANDOR_REQUIRE_DATA(data);
  cv::Mat img = LfwImages(data, 1).at(0);
  for (double angle : {-35.0, -15.0, 10.0, 25.0}) {
    // cv::getRotationMatrix2D turns counter-clockwise on screen for positive
    // angles, which is a negative roll in image coordinates (y down).
    cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(125, 125), angle, 1.0);
    cv::Mat rotated;
    cv::warpAffine(img, rotated, m, img.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    Face f = LfwFace();
    for (auto& p : f.landmarks) {
      cv::Point2f q(static_cast<float>(m.at<double>(0, 0) * p.x + m.at<double>(0, 1) * p.y +
                                       m.at<double>(0, 2)),
                    static_cast<float>(m.at<double>(1, 0) * p.x + m.at<double>(1, 1) * p.y +
                                       m.at<double>(1, 2)));
      p = q;
    }
    FaceQuality q = Assess(rotated, f);
    EXPECT_NEAR(q.roll_deg, -angle, 0.5);
    FaceQuality upright = Assess(img, LfwFace());
    EXPECT_NEAR(q.yaw_deg, upright.yaw_deg, 0.5);
    EXPECT_NEAR(q.pitch_deg, upright.pitch_deg, 0.5);
    // The eye-aligned crop undoes roll, so sharpness barely changes.
    EXPECT_NEAR(q.sharpness, upright.sharpness, 0.1);
    EXPECT_EQ(Has(q, "turned"), std::fabs(angle) > 30);
  }
}

TEST(QualityTest, PoseSignsFollowTheLandmarks) {
  auto ref = quality::kReference112;
  quality::Pose frontal = quality::PoseFrom5(ref);
  EXPECT_NEAR(frontal.yaw_deg, 0, 1);
  EXPECT_NEAR(frontal.pitch_deg, 0, 1);
  EXPECT_NEAR(frontal.roll_deg, 0, 1);
  auto right = ref;
  right[kNoseTip].x += 10;  // nose towards image-right: subject turned to image-right
  EXPECT_GT(quality::PoseFrom5(right).yaw_deg, 20);
  auto left = ref;
  left[kNoseTip].x -= 10;
  EXPECT_LT(quality::PoseFrom5(left).yaw_deg, -20);
  auto up = ref;
  up[kNoseTip].y -= 8;  // nose nearer the eyes: looking up
  EXPECT_GT(quality::PoseFrom5(up).pitch_deg, 15);
  auto down = ref;
  down[kNoseTip].y += 8;
  EXPECT_LT(quality::PoseFrom5(down).pitch_deg, -15);
}

TEST(QualityTest, TurnedFaceFromLandmarksIsReported) {
  CANDOR_REQUIRE_DATA(data);
  cv::Mat img = LfwImages(data, 1).at(0);
  Face f = LfwFace();
  FaceQuality base = Assess(img, f);
  f.landmarks[kNoseTip].x += 18;  // ~40 degrees of yaw
  FaceQuality q = Assess(img, f);
  EXPECT_GT(q.yaw_deg, 30);
  EXPECT_TRUE(Has(q, "turned"));
  EXPECT_LT(q.score, base.score);
}

TEST(QualityTest, CutByBorder) {
  CANDOR_REQUIRE_DATA(data);
  cv::Mat img = LfwImages(data, 1).at(0);
  // Crop the image so the face box leaves the frame on the left.
  cv::Mat cropped = img(cv::Rect(90, 0, 160, 250)).clone();
  Face f = LfwFace();
  for (auto& p : f.landmarks) p.x -= 90;
  f.box.x -= 90;
  FaceQuality q = Assess(cropped, f);
  EXPECT_TRUE(Has(q, "cut by border"));
  FaceQuality whole = Assess(img, LfwFace());
  EXPECT_FALSE(Has(whole, "cut by border"));
  Face flagged = LfwFace();
  flagged.cut_by_border = true;
  EXPECT_TRUE(Has(Assess(img, flagged), "cut by border"));
}

TEST(QualityTest, GivenCropEqualsOwnCrop) {
  CANDOR_REQUIRE_DATA(data);
  cv::Mat img = LfwImages(data, 1).at(0);
  Face f = LfwFace();
  cv::Mat crop = quality::EyeAlignedCrop(img, f.landmarks[0], f.landmarks[1]);
  auto a = AssessQuality(img, f, crop);
  auto b = AssessQuality(img, f, cv::Mat());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->score, b->score);
  EXPECT_FLOAT_EQ(a->sharpness, b->sharpness);
}

TEST(QualityTest, BadInputsAreErrors) {
  cv::Mat img(100, 100, CV_8UC3, cv::Scalar(100, 100, 100));
  Face f;
  f.landmarks = {cv::Point2f(40, 40), cv::Point2f(40, 40), cv::Point2f(50, 55), cv::Point2f(42, 70),
                 cv::Point2f(58, 70)};
  EXPECT_EQ(AssessQuality(img, f, cv::Mat()).status().code(), Code::kInvalidArgument);
  f.landmarks[1] = cv::Point2f(60, 40);
  EXPECT_TRUE(AssessQuality(img, f, cv::Mat()).ok());
  EXPECT_EQ(AssessQuality(cv::Mat(), f, cv::Mat()).status().code(), Code::kInvalidArgument);
  cv::Mat grey(100, 100, CV_8UC1, cv::Scalar(1));
  EXPECT_EQ(AssessQuality(grey, f, cv::Mat()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(AssessQuality(img, f, cv::Mat(10, 10, CV_8UC3)).status().code(),
            Code::kInvalidArgument);
  f.landmarks[2].x = NAN;
  EXPECT_EQ(AssessQuality(img, f, cv::Mat()).status().code(), Code::kInvalidArgument);
  // A flat grey image: no detail, no contrast -> low score, "blurred".
  f.landmarks[2].x = 50;
  auto flat = AssessQuality(img, f, cv::Mat());
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->score, 0);
  EXPECT_TRUE(Has(*flat, "blurred"));
}

}  // namespace
}  // namespace candor
