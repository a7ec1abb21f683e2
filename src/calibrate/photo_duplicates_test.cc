// Copyright 2026 The Candor Authors.

#include "calibrate/photo_duplicates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/paths.h"

namespace candor::eval {
namespace {

namespace fs = std::filesystem;

class PhotoDuplicatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("candor_photo_dup_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    for (const char* id : {"A", "B", "C"}) fs::create_directories(root_ / id);
  }
  void TearDown() override { fs::remove_all(root_); }

  // A photo-like picture: smooth random texture from `seed`.
  static cv::Mat Picture(int seed) {
    cv::RNG rng(seed);
    cv::Mat m(250, 250, CV_8UC3);
    rng.fill(m, cv::RNG::UNIFORM, 0, 255);
    cv::GaussianBlur(m, m, cv::Size(0, 0), 12);
    cv::normalize(m, m, 0, 255, cv::NORM_MINMAX);
    return m;
  }
  void Write(const std::string& rel, const cv::Mat& m, int jpeg_quality = 95) {
    ASSERT_TRUE(cv::imwrite((root_ / rel).string(), m, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality}));
  }
  fs::path root_;
};

TEST_F(PhotoDuplicatesTest, OnePhotographReencodedAndResizedIsFoundAndOthersAreNot) {
  const cv::Mat photo = Picture(1);
  Write("A/A_0001.jpg", photo);
  cv::Mat smaller;
  cv::resize(photo, smaller, cv::Size(200, 200), 0, 0, cv::INTER_AREA);
  Write("B/B_0001.jpg", smaller, 60);  // the same photo, smaller, harder compressed
  Write("B/B_0002.png", Picture(2));
  Write("C/C_0001.jpg", Picture(3));
  std::ofstream(root_ / "C/C_0002.jpg") << "not an image";
  const std::vector<LabelledImage> images = {{"A", "A/A_0001.jpg"},
                                             {"B", "B/B_0001.jpg"},
                                             {"B", "B/B_0002.png"},
                                             {"C", "C/C_0001.jpg"},
                                             {"C", "C/C_0002.jpg"}};
  auto found = FindPhotoDuplicates(root_, images);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->images, 4u);
  EXPECT_EQ(found->unreadable, 1u);
  ASSERT_EQ(found->pairs.size(), 1u);
  EXPECT_EQ(found->pairs[0].a.path, "A/A_0001.jpg");
  EXPECT_EQ(found->pairs[0].b.path, "B/B_0001.jpg");
  EXPECT_GE(found->pairs[0].correlation, 0.97);
}

TEST_F(PhotoDuplicatesTest, ACroppedOrShiftedPhotoIsNotTheSamePhotograph) {
  const cv::Mat photo = Picture(4);
  Write("A/A_0001.jpg", photo);
  Write("B/B_0001.jpg", photo(cv::Rect(40, 40, 170, 170)).clone());  // a closer cut: another image
  auto found = FindPhotoDuplicates(root_, {{"A", "A/A_0001.jpg"}, {"B", "B/B_0001.jpg"}});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->pairs.empty()) << found->pairs[0].correlation;
}

TEST_F(PhotoDuplicatesTest, BadOptionsAreRefused) {
  PhotoDuplicateOptions o;
  o.thumbnail_side = 2;
  EXPECT_EQ(FindPhotoDuplicates(root_, {}, o).status().code(), Code::kInvalidArgument);
  o = {};
  o.min_correlation = 1.5;
  EXPECT_EQ(FindPhotoDuplicates(root_, {}, o).status().code(), Code::kInvalidArgument);
}

// The data README names two LFW photos filed under two names each; the
// detector finds them among other photos of the same people and no pair of
// different photos.
TEST(PhotoDuplicatesData, FindsLfwsKnownCrossNameDuplicates) {
  auto data = DataDir();
  const fs::path lfw = data ? *data / "faces/lfw" : fs::path();
  if (!data || !fs::is_directory(lfw)) GTEST_SKIP() << "LFW not found (set CANDOR_DATA)";
  std::vector<LabelledImage> images;
  for (const char* id :
       {"Bart_Hendricks", "Ricky_Ray", "Carlos_Beltran", "Raul_Ibanez", "Ari_Fleischer"}) {
    for (const auto& f : fs::directory_iterator(lfw / id)) {
      images.push_back({id, std::string(id) + "/" + f.path().filename().string()});
    }
  }
  std::sort(images.begin(), images.end(),
            [](const auto& x, const auto& y) { return x.path < y.path; });
  auto found = FindPhotoDuplicates(lfw, images);
  ASSERT_TRUE(found.ok());
  std::set<std::string> pairs;
  for (const auto& p : found->pairs) pairs.insert(p.a.path + " " + p.b.path);
  EXPECT_EQ(pairs, (std::set<std::string>{
                       "Ari_Fleischer/Ari_Fleischer_0006.jpg Ari_Fleischer/Ari_Fleischer_0011.jpg",
                       "Bart_Hendricks/Bart_Hendricks_0001.jpg Ricky_Ray/Ricky_Ray_0001.jpg",
                       "Carlos_Beltran/Carlos_Beltran_0001.jpg Raul_Ibanez/Raul_Ibanez_0001.jpg"}));
}

}  // namespace
}  // namespace candor::eval
