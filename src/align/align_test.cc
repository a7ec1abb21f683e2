// Copyright 2026 The Candor Authors.
//
// Alignment geometry: the similarity estimate recovers a known transform, and
// a face's landmarks land on the canonical template after alignment.

#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "candor/align.h"

namespace candor {
namespace {

TEST(EstimateSimilarity, RecoversKnownTransform) {
  const double angle = 0.3, scale = 1.7, tx = 12.5, ty = -4;
  std::vector<cv::Point2f> from = {{10, 20}, {50, 22}, {30, 45}, {15, 70}, {48, 68}}, to;
  for (const auto& p : from) {
    to.emplace_back(scale * (std::cos(angle) * p.x - std::sin(angle) * p.y) + tx,
                    scale * (std::sin(angle) * p.x + std::cos(angle) * p.y) + ty);
  }
  cv::Mat m = EstimateSimilarity(from, to);
  ASSERT_FALSE(m.empty());
  EXPECT_NEAR(m.at<double>(0, 0), scale * std::cos(angle), 1e-6);
  EXPECT_NEAR(m.at<double>(1, 0), scale * std::sin(angle), 1e-6);
  EXPECT_NEAR(m.at<double>(0, 2), tx, 1e-4);
  EXPECT_NEAR(m.at<double>(1, 2), ty, 1e-4);
}

TEST(EstimateSimilarity, DegeneratePointsGiveEmpty) {
  EXPECT_TRUE(EstimateSimilarity({{5, 5}, {5, 5}}, {{1, 1}, {2, 2}}).empty());
  EXPECT_TRUE(EstimateSimilarity({{5, 5}}, {{1, 1}}).empty());
}

Face FaceAt(cv::Point2f le, cv::Point2f re, cv::Point2f nose, cv::Point2f ml, cv::Point2f mr) {
  Face f;
  f.landmarks = {le, re, nose, ml, mr};
  return f;
}

TEST(AlignFace, ArcFaceLandmarksLandOnTemplate) {
  // A rotated, scaled copy of the ArcFace template in a 400x300 image.
  const cv::Point2f tpl[5] = {{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f},
                              {41.5493f, 92.3655f}, {70.7299f, 92.2041f}};
  const float a = -0.4f, s = 2.2f;
  std::array<cv::Point2f, 5> img;
  for (int i = 0; i < 5; ++i) {
    img[i] = cv::Point2f(s * (std::cos(a) * tpl[i].x - std::sin(a) * tpl[i].y) + 150,
                         s * (std::sin(a) * tpl[i].x + std::cos(a) * tpl[i].y) + 80);
  }
  Face f = FaceAt(img[0], img[1], img[2], img[3], img[4]);
  cv::Mat m = AlignmentTransform(f, CanonicalCrop::kArcFace112);
  ASSERT_FALSE(m.empty());
  for (int i = 0; i < 5; ++i) {
    const double x = m.at<double>(0, 0) * img[i].x + m.at<double>(0, 1) * img[i].y + m.at<double>(0, 2);
    const double y = m.at<double>(1, 0) * img[i].x + m.at<double>(1, 1) * img[i].y + m.at<double>(1, 2);
    EXPECT_NEAR(x, tpl[i].x, 1e-3);
    EXPECT_NEAR(y, tpl[i].y, 1e-3);
  }
  // A bright dot drawn at the image-left eye ends up at the template's eye in the crop.
  cv::Mat image(300, 400, CV_8UC3, cv::Scalar::all(0));
  cv::circle(image, img[0], 3, cv::Scalar::all(255), cv::FILLED);
  cv::Mat crop = AlignFace(image, f, CanonicalCrop::kArcFace112, AlignBorder::kZero);
  ASSERT_EQ(crop.size(), cv::Size(112, 112));
  cv::Mat grey;
  cv::cvtColor(crop, grey, cv::COLOR_BGR2GRAY);
  cv::Moments mo = cv::moments(grey, false);
  ASSERT_GT(mo.m00, 0);
  EXPECT_NEAR(mo.m10 / mo.m00, tpl[0].x, 0.7);
  EXPECT_NEAR(mo.m01 / mo.m00, tpl[0].y, 0.7);
}

TEST(AlignFace, DlibChipWithoutMeshMapsEyesLevel) {
  Face f = FaceAt({100, 120}, {160, 100}, {130, 140}, {110, 170}, {150, 165});
  cv::Mat m = AlignmentTransform(f, CanonicalCrop::kDlibChip150);
  ASSERT_FALSE(m.empty());
  auto map = [&](cv::Point2f p) {
    return cv::Point2d(m.at<double>(0, 0) * p.x + m.at<double>(0, 1) * p.y + m.at<double>(0, 2),
                       m.at<double>(1, 0) * p.x + m.at<double>(1, 1) * p.y + m.at<double>(1, 2));
  };
  const cv::Point2d le = map(f.landmarks[kImageLeftEye]), re = map(f.landmarks[kImageRightEye]);
  EXPECT_NEAR(le.y, re.y, 0.05);  // the eye line is (nearly) horizontal in the chip, as in dlib
  EXPECT_LT(le.x, re.x);
  EXPECT_NEAR((le.x + re.x) / 2, 74.0, 0.1);  // dlib mean shape: eye midpoint at x = 0.49
  EXPECT_EQ(CropSize(CanonicalCrop::kDlibChip150), 150);
}

cv::Point2d Apply(const cv::Mat& m, cv::Point2f p) {
  return {m.at<double>(0, 0) * p.x + m.at<double>(0, 1) * p.y + m.at<double>(0, 2),
          m.at<double>(1, 0) * p.x + m.at<double>(1, 1) * p.y + m.at<double>(1, 2)};
}

TEST(EstimateSimilarity, WeightsPullTheFitTowardsHeavyPoints) {
  // Two points fit exactly by any similarity; a third, inconsistent one pulls
  // the unweighted fit away, but not a fit that weights it ~0.
  std::vector<cv::Point2f> from = {{0, 0}, {10, 0}, {5, 5}}, to = {{0, 0}, {20, 0}, {10, 30}};
  cv::Mat even = EstimateSimilarity(from, to);
  cv::Mat heavy = EstimateSimilarity(from, to, {1000.f, 1000.f, 1e-3f});
  ASSERT_FALSE(even.empty());
  ASSERT_FALSE(heavy.empty());
  EXPECT_GT(cv::norm(Apply(even, from[1]) - cv::Point2d(to[1])), 1.0);
  EXPECT_NEAR(cv::norm(Apply(heavy, from[0]) - cv::Point2d(to[0])), 0, 0.05);
  EXPECT_NEAR(cv::norm(Apply(heavy, from[1]) - cv::Point2d(to[1])), 0, 0.05);
  // Bad weights: wrong count, or all zero.
  EXPECT_TRUE(EstimateSimilarity(from, to, {1.f, 1.f}).empty());
  EXPECT_TRUE(EstimateSimilarity(from, to, {0.f, 0.f, 0.f}).empty());
}

TEST(AlignOptions, ZoomAndShiftActAboutTheCropCentre) {
  Face f = FaceAt({100, 120}, {160, 120}, {130, 150}, {110, 175}, {150, 175});
  AlignOptions zoom;
  zoom.zoom = 1.1f;
  cv::Mat m0 = AlignmentTransform(f, CanonicalCrop::kArcFace112);
  cv::Mat mz = AlignmentTransform(f, CanonicalCrop::kArcFace112, zoom);
  const cv::Point2d c(56, 56);
  for (const auto& p : f.landmarks) {
    EXPECT_NEAR(cv::norm((Apply(mz, p) - c) - 1.1 * (Apply(m0, p) - c)), 0, 1e-6);
  }
  AlignOptions shift;
  shift.shift_x = 2, shift.shift_y = -3;
  cv::Mat ms = AlignmentTransform(f, CanonicalCrop::kArcFace112, shift);
  EXPECT_NEAR(cv::norm(Apply(ms, f.landmarks[0]) - Apply(m0, f.landmarks[0]) - cv::Point2d(2, -3)), 0, 1e-6);
}

TEST(AlignOptions, MeshVariantsChooseTheNamedPoints) {
  Face f = FaceAt({100, 120}, {160, 120}, {130, 150}, {110, 175}, {150, 175});
  f.mesh.assign(468, cv::Point3f(0, 0, 0));
  auto set = [&](int i, float x, float y) { f.mesh[i] = cv::Point3f(x, y, 0); };
  set(33, 90, 122), set(133, 112, 124), set(362, 148, 124), set(263, 170, 122);  // eye corners
  set(159, 101, 114), set(145, 101, 128), set(386, 159, 114), set(374, 159, 128);  // lid centres
  set(4, 130, 140), set(78, 115, 176), set(308, 145, 176);
  std::vector<cv::Point2f> img, tpl;
  CanonicalPoints(f, CanonicalCrop::kArcFace112, AlignOptions(), &img, &tpl);
  ASSERT_EQ(img.size(), 5u);
  EXPECT_EQ(img[0], f.landmarks[0]);  // default: the landmarks as given
  AlignOptions o;
  o.eyes = ArcFaceEyes::kEyeCorners;
  CanonicalPoints(f, CanonicalCrop::kArcFace112, o, &img, &tpl);
  EXPECT_EQ(img[0], cv::Point2f(101, 123));
  EXPECT_EQ(img[1], cv::Point2f(159, 123));
  o.eyes = ArcFaceEyes::kEyeLids;
  o.nose_index = 4;
  o.inner_mouth = true;
  CanonicalPoints(f, CanonicalCrop::kArcFace112, o, &img, &tpl);
  EXPECT_EQ(img[0], cv::Point2f(101, 121));
  EXPECT_EQ(img[2], cv::Point2f(130, 140));
  EXPECT_EQ(img[3], cv::Point2f(115, 176));
  EXPECT_EQ(img[4], cv::Point2f(145, 176));
  // Without a mesh the variants fall back to the landmarks.
  f.mesh.clear();
  CanonicalPoints(f, CanonicalCrop::kArcFace112, o, &img, &tpl);
  EXPECT_EQ(img[0], f.landmarks[0]);
  EXPECT_EQ(img[2], f.landmarks[2]);
}

TEST(AlignmentId, NamesTheDefaultPointChoice) {
  const std::string id = AlignmentId();
  EXPECT_NE(id.find("arcface5:"), std::string::npos);
  EXPECT_NE(id.find("dlib5:"), std::string::npos);
}

}  // namespace
}  // namespace candor
