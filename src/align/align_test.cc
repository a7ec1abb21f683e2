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

}  // namespace
}  // namespace candor
