// Copyright 2026 The Candor Authors.
//
// The detection pyramid's plan (pure arithmetic: every face size from
// min_face_px up is covered by some level, tiles overlap enough, the tile
// count stays small) and, on real photos, that the detector finds what is
// there and nothing else.

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/detector.h"
#include "candor/image.h"
#include "common/test_env.h"

namespace candor {
namespace {

int TileCount(const std::vector<PyramidLevel>& levels) {
  int n = 0;
  for (const auto& l : levels) n += static_cast<int>(l.tiles.size());
  return n;
}

TEST(PlanPyramid, SmallImageIsOneRun) {
  DetectorOptions o;
  const auto levels = PlanPyramid(cv::Size(250, 250), 256, o);
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(TileCount(levels), 1);
  EXPECT_NEAR(levels[0].scale, 256.f / 250, 1e-6);
}

TEST(PlanPyramid, NoTilingWhenMinFaceIsZero) {
  DetectorOptions o;
  o.min_face_px = 0;
  EXPECT_EQ(TileCount(PlanPyramid(cv::Size(4000, 3000), 256, o)), 1);
}

// Every face size from min_face_px to the whole image is found by some level:
// level 0 for faces spanning >= MinFaceInNet network pixels, a finer level
// for faces spanning MinFaceInNet..max_face_in_net of its pixels.
TEST(PlanPyramid, EveryFaceSizeFromMinFaceUpIsCovered) {
  for (const cv::Size size : {cv::Size(4000, 3000), cv::Size(3061, 4600), cv::Size(1200, 800), cv::Size(640, 480)}) {
    for (int min_face : {24, 40, 64, 100}) {
      DetectorOptions o;
      o.min_face_px = min_face;
      const auto levels = PlanPyramid(size, 256, o);
      const float m = MinFaceInNet(256);
      for (float face = static_cast<float>(min_face); face < std::max(size.width, size.height); face *= 1.05f) {
        bool covered = false;
        for (const auto& l : levels) {
          const float in_net = face * l.scale;
          if (in_net >= m - 1e-3f && (l.max_face_in_net == 0 || in_net <= l.max_face_in_net)) covered = true;
        }
        EXPECT_TRUE(covered) << size << " min_face " << min_face << " face " << face;
      }
    }
  }
}

// Tiles cover each fine level completely and neighbours overlap by at least
// the largest face the level keeps, so such a face lies whole in some tile.
TEST(PlanPyramid, TilesCoverTheLevelAndOverlapByTheLargestKeptFace) {
  DetectorOptions o;
  const auto levels = PlanPyramid(cv::Size(4000, 3000), 256, o);
  ASSERT_GT(levels.size(), 1u);
  for (size_t i = 1; i < levels.size(); ++i) {
    const auto& l = levels[i];
    cv::Mat covered = cv::Mat::zeros(l.size, CV_8U);
    for (const auto& t : l.tiles) {
      EXPECT_EQ(t & cv::Rect(0, 0, l.size.width, l.size.height), t);
      EXPECT_LE(t.width, 256);
      EXPECT_LE(t.height, 256);
      covered(t).setTo(1);
    }
    EXPECT_EQ(cv::countNonZero(covered), l.size.area()) << "level " << i;
    // Any square of side max_face_in_net inside the level lies in one tile.
    const int f = static_cast<int>(l.max_face_in_net);
    for (int y = 0; y + f <= l.size.height; y += 7) {
      for (int x = 0; x + f <= l.size.width; x += 7) {
        bool whole = false;
        for (const auto& t : l.tiles) whole = whole || (t & cv::Rect(x, y, f, f)).area() == f * f;
        ASSERT_TRUE(whole) << "level " << i << " square at " << x << "," << y;
      }
    }
  }
}

// The 12-MP case of the benchmark: far fewer network runs than the first
// pyramid (104 at min_face 64), and max_tiles bounds them.
TEST(PlanPyramid, TwelveMegapixelsNeedFewRuns) {
  DetectorOptions o;
  const int tiles = TileCount(PlanPyramid(cv::Size(4000, 3000), 256, o));
  EXPECT_LE(tiles, 45);
  o.max_tiles = 10;
  EXPECT_LE(TileCount(PlanPyramid(cv::Size(4000, 3000), 256, o)), 10);
}

TEST(WeightedNms, MergesOverlappingCandidatesByScore) {
  FaceDetection a, b, c;
  a.box = cv::Rect2f(0, 0, 10, 10), a.score = 0.9f;
  b.box = cv::Rect2f(2, 0, 10, 10), b.score = 0.3f;
  c.box = cv::Rect2f(50, 50, 10, 10), c.score = 0.8f;
  const auto kept = WeightedNms({b, c, a}, 0.3f);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9f);
  EXPECT_NEAR(kept[0].box.x, (0 * 0.9f + 2 * 0.3f) / 1.2f, 1e-5);
  EXPECT_FLOAT_EQ(kept[1].box.x, 50);
}

class DetectorOnPhotos : public ::testing::Test {
 protected:
  static const FaceDetector& Detector() {
    static std::unique_ptr<FaceDetector> d = [] {
      auto r = FaceDetector::Open(ModelDir(), DetectorOptions{}, 1);
      return r.ok() ? std::move(*r) : nullptr;
    }();
    return *d;
  }
};

// couple.jpg scaled to 4000x3000 (the pipeline benchmark's large photo): the
// first pyramid returned a third, false face here.
TEST_F(DetectorOnPhotos, LargeCouplePhotoHasExactlyTwoFaces) {
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  CANDOR_REQUIRE_DATA(data);
  auto img = ReadImage(data / "faces/wild/couple.jpg");
  ASSERT_TRUE(img.ok());
  cv::Mat big;
  cv::resize(*img, big, cv::Size(4000, 3000), 0, 0, cv::INTER_CUBIC);
  auto faces = Detector().Detect(big);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), 2u);
  for (const auto& f : *faces) EXPECT_GT(f.box.width, 800);  // both adults' faces, ~1150 px
}

// A 100-px face in a 12-MP frame (found only by a fine level) and nothing else.
TEST_F(DetectorOnPhotos, SmallFaceInLargeFrameIsFoundOnce) {
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  CANDOR_REQUIRE_DATA(data);
  auto face = ReadImage(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  ASSERT_TRUE(face.ok());
  cv::Mat big(3000, 4000, CV_8UC3, cv::Scalar(90, 110, 120));
  face->copyTo(big(cv::Rect(2900, 1700, 250, 250)));
  auto faces = Detector().Detect(big);
  ASSERT_TRUE(faces.ok());
  ASSERT_EQ(faces->size(), 1u);
  EXPECT_NEAR((*faces)[0].box.x + (*faces)[0].box.width / 2, 2900 + 123, 20);
  // Two network copies: the tiles run on two threads, the result is identical.
  auto two = FaceDetector::Open(ModelDir(), DetectorOptions{}, 2);
  ASSERT_TRUE(two.ok());
  auto again = (*two)->Detect(big);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), faces->size());
  EXPECT_EQ((*again)[0].box, (*faces)[0].box);
  EXPECT_EQ((*again)[0].score, (*faces)[0].score);
}

// LFW-sized images run the small network: same face, same place as the big
// one (the landmarker refines it either way).
TEST_F(DetectorOnPhotos, SmallImagesUseTheSmallNetworkWithTheSameResult) {
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  CANDOR_REQUIRE_MODEL("blazeface-front-128.onnx");
  CANDOR_REQUIRE_DATA(data);
  ASSERT_NE(Detector().small_model(), nullptr);
  EXPECT_GE(Detector().SmallImageMaxSide(), 250);
  DetectorOptions big_only;
  big_only.small_model_id.clear();
  auto big = FaceDetector::Open(ModelDir(), big_only, 1);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->small_model(), nullptr);
  for (const char* name : {"Aaron_Eckhart/Aaron_Eckhart_0001.jpg", "George_W_Bush/George_W_Bush_0001.jpg"}) {
    auto img = ReadImage(data / "faces/lfw" / name);
    ASSERT_TRUE(img.ok());
    auto a = Detector().Detect(*img);
    auto b = (*big)->Detect(*img);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_GE(a->size(), 1u) << name;
    ASSERT_GE(b->size(), 1u) << name;
    const cv::Rect2f ra = (*a)[0].box, rb = (*b)[0].box;
    const float iou = (ra & rb).area() / (ra | rb).area();
    EXPECT_GT(iou, 0.7f) << name;
  }
  // No face: the small network finds none, the big one runs too; still none.
  cv::Mat grey(240, 320, CV_8UC3, cv::Scalar(120, 120, 120));
  auto none = Detector().Detect(grey);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace candor
