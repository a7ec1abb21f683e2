// Copyright 2026 The Candor Authors.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <thread>

#include "candor/image.h"
#include "common/file_util.h"
#include "common/test_env.h"
#include "image/test_images.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using namespace testing_images;  // NOLINT

std::vector<uint8_t> FileBytes(const fs::path& p) {
  auto b = ReadFile(p);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : std::vector<uint8_t>{};
}

void ExpectBgr(const StatusOr<cv::Mat>& m, int w, int h) {
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->type(), CV_8UC3);
  EXPECT_EQ(m->cols, w);
  EXPECT_EQ(m->rows, h);
}

TEST(DecodeTest, EveryWildPhotoDecodesByContent) {
  CANDOR_REQUIRE_DATA(data);
  int n = 0;
  for (const auto& e : fs::directory_iterator(data / "faces/wild")) {
    if (e.path().extension() == ".csv") continue;
    auto bytes = FileBytes(e.path());
    auto img = DecodeImage(bytes);
    ASSERT_TRUE(img.ok()) << e.path() << ": " << img.status().ToString();
    EXPECT_EQ(img->type(), CV_8UC3);
    EXPECT_GT(img->cols, 0);
    ++n;
  }
  EXPECT_GE(n, 60);
  auto webp = FileBytes(data / "faces/wild/img47.jpg");
  EXPECT_EQ(DetectFormat(webp), ImageFormat::kWebp);
  auto info = ProbeImage(webp);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format, ImageFormat::kWebp);
  auto img = ReadImage(data / "faces/wild/img47.jpg");
  ExpectBgr(img, info->width, info->height);
}

// The fuzzers' image seeds (made from SeedImages at run time) are all valid
// inputs: each decodes to an upright 12x16 (or, EXIF 6/8, 16x12) BGR image.
TEST(DecodeTest, EverySeedImageDecodes) {
  const auto seeds = testing_images::SeedImages();
  ASSERT_EQ(seeds.size(), 21u);
  for (const auto& [name, bytes] : seeds) {
    ASSERT_FALSE(bytes.empty()) << name;
    auto img = DecodeImage(bytes);
    ASSERT_TRUE(img.ok()) << name << ": " << img.status().ToString();
    EXPECT_EQ(img->type(), CV_8UC3) << name;
    const bool turned = name.find("exif") != std::string::npos;
    EXPECT_EQ(img->rows, turned ? 16 : 12) << name;
    EXPECT_EQ(img->cols, turned ? 12 : 16) << name;
  }
}

TEST(DecodeTest, LosslessFormatsRoundTripExactly) {
  CANDOR_REQUIRE_DATA(data);
  cv::Mat face = MarkedFace();
  ASSERT_FALSE(face.empty());
  for (const char* ext : {".png", ".bmp", ".ppm", ".tiff", ".webp"}) {
    std::vector<int> params;
    if (std::string(ext) == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};  // > 100 = lossless
    auto bytes = Encode(face, ext, params);
    auto img = DecodeImage(bytes);
    ExpectBgr(img, face.cols, face.rows);
    EXPECT_EQ(MeanAbsDiff(*img, face), 0.0) << ext;
  }
  auto jpg = DecodeImage(Encode(face, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}));
  ExpectBgr(jpg, face.cols, face.rows);
  EXPECT_LT(MeanAbsDiff(*jpg, face), 3.0);
}

TEST(DecodeTest, FormatsAreDetectedByMagicNotName) {
  cv::Mat m(8, 8, CV_8UC3, cv::Scalar(10, 20, 30));
  EXPECT_EQ(DetectFormat(Encode(m, ".jpg")), ImageFormat::kJpeg);
  EXPECT_EQ(DetectFormat(Encode(m, ".png")), ImageFormat::kPng);
  EXPECT_EQ(DetectFormat(Encode(m, ".bmp")), ImageFormat::kBmp);
  EXPECT_EQ(DetectFormat(Encode(m, ".ppm")), ImageFormat::kPnm);
  cv::Mat g(8, 8, CV_8UC1, cv::Scalar(7));
  EXPECT_EQ(DetectFormat(Encode(g, ".pgm")), ImageFormat::kPnm);
  EXPECT_EQ(DetectFormat(Encode(m, ".tiff")), ImageFormat::kTiff);
  EXPECT_EQ(DetectFormat(Encode(m, ".webp")), ImageFormat::kWebp);
  std::vector<uint8_t> mm = {'M', 'M', 0, '*', 0, 0, 0, 8};
  EXPECT_EQ(DetectFormat(mm), ImageFormat::kTiff);
  std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
  EXPECT_EQ(DetectFormat(gif), ImageFormat::kUnknown);
  EXPECT_EQ(ImageFormatName(ImageFormat::kWebp), "webp");
}

TEST(DecodeTest, SixteenBitIsScaledToEightBit) {
  cv::Mat m8(40, 60, CV_8UC3);
  cv::randu(m8, 0, 256);
  cv::Mat m16;
  m8.convertTo(m16, CV_16U, 257.0);
  for (const char* ext : {".png", ".tiff"}) {
    auto img = DecodeImage(Encode(m16, ext));
    ExpectBgr(img, 60, 40);
    EXPECT_EQ(MeanAbsDiff(*img, m8), 0.0) << ext;
  }
  cv::Mat g16(30, 20, CV_16UC1, cv::Scalar(65535));
  auto g = DecodeImage(Encode(g16, ".png"));
  ExpectBgr(g, 20, 30);
  double lo, hi;
  cv::minMaxLoc(g->reshape(1), &lo, &hi);
  EXPECT_EQ(lo, 255.0);
  EXPECT_EQ(hi, 255.0);
  // 16-bit binary PGM (maxval 65535).
  auto p = DecodeImage(Encode(g16, ".pgm"));
  ExpectBgr(p, 20, 30);
}

TEST(DecodeTest, GreyGreyAlphaAndBgraBecomeBgr) {
  cv::Mat grey(20, 30, CV_8UC1);
  cv::randu(grey, 0, 256);
  cv::Mat grey_bgr;
  cv::cvtColor(grey, grey_bgr, cv::COLOR_GRAY2BGR);
  for (const char* ext : {".png", ".pgm", ".bmp", ".tiff", ".jpg"}) {
    auto img = DecodeImage(Encode(grey, ext));
    ExpectBgr(img, 30, 20);
    EXPECT_LT(MeanAbsDiff(*img, grey_bgr), std::string(ext) == ".jpg" ? 3.0 : 0.001) << ext;
  }
  // Grey + alpha PNG (colour type 4), written directly with zlib.
  std::vector<uint8_t> ga;
  for (int i = 0; i < 20 * 30; ++i) {
    ga.push_back(grey.data[i]);
    ga.push_back(static_cast<uint8_t>(i));  // varying alpha must not leak into the picture
  }
  auto gai = DecodeImage(MakePng(30, 20, 4, ga));
  ExpectBgr(gai, 30, 20);
  EXPECT_EQ(MeanAbsDiff(*gai, grey_bgr), 0.0);
  // BGRA: alpha dropped, colours kept.
  cv::Mat bgra(20, 30, CV_8UC4);
  cv::randu(bgra, 0, 256);
  cv::Mat bgr;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
  for (const char* ext : {".png", ".tiff", ".bmp"}) {
    auto img = DecodeImage(Encode(bgra, ext));
    ExpectBgr(img, 30, 20);
    EXPECT_EQ(MeanAbsDiff(*img, bgr), 0.0) << ext;
  }
  // ASCII PNM (P2) and 1-bit PBM (P1/P4).
  std::string p2 = "P2\n# comment\n3 2\n255\n0 128 255\n255 128 0\n";
  auto a = DecodeImage(std::vector<uint8_t>(p2.begin(), p2.end()));
  ExpectBgr(a, 3, 2);
  EXPECT_EQ(a->at<cv::Vec3b>(0, 1)[0], 128);
  // Any maxval maps to the full 0..255 range, binary or ASCII, 8- or 16-bit.
  const std::vector<std::pair<std::string, int>> maxval_cases = {
      {std::string("P5\n2 1\n15\n\x00\x0f", 13), 255},
      {std::string("P5\n2 1\n1000\n\x00\x00\x03\xe8", 16), 255},
      {std::string("P5\n2 1\n1000\n\x00\x00\x01\xf4", 16), 128},
      {"P2\n2 1\n15\n0 15\n", 255},
      {"P2\n2 1\n1000\n0 1000\n", 255},
      {"P3\n2 1\n1000\n0 0 0 1000 1000 1000\n", 255},
      {std::string("P6\n2 1\n100\n\x00\x00\x00\x32\x32\x32", 18), 128}};
  for (const auto& [text, want] : maxval_cases) {
    auto m = DecodeImage(std::vector<uint8_t>(text.begin(), text.end()));
    ExpectBgr(m, 2, 1);
    EXPECT_NEAR(m->at<cv::Vec3b>(0, 1)[0], want, 1) << text;
    EXPECT_EQ(m->at<cv::Vec3b>(0, 0)[0], 0) << text;
  }
  std::string p1 = "P1\n4 1\n0101";
  auto b = DecodeImage(std::vector<uint8_t>(p1.begin(), p1.end()));
  ExpectBgr(b, 4, 1);
  EXPECT_GT(b->at<cv::Vec3b>(0, 0)[0], b->at<cv::Vec3b>(0, 1)[0]);  // 0 = white, 1 = black
}

TEST(DecodeTest, CmykJpegColoursAreRight) {
  cv::Mat patches(64, 64, CV_8UC3);
  const cv::Vec3b colours[4] = {{0, 0, 255}, {0, 255, 0}, {255, 0, 0}, {40, 160, 220}};
  for (int q = 0; q < 4; ++q) {
    patches(cv::Rect((q % 2) * 32, (q / 2) * 32, 32, 32))
        .setTo(cv::Scalar(colours[q][0], colours[q][1], colours[q][2]));
  }
  for (bool adobe : {true, false}) {
    auto bytes = CmykJpeg(patches, adobe);
    auto img = DecodeImage(bytes);
    ExpectBgr(img, 64, 64);
    for (int q = 0; q < 4; ++q) {
      cv::Vec3b got = img->at<cv::Vec3b>((q / 2) * 32 + 16, (q % 2) * 32 + 16);
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(got[c], colours[q][c], 6)
            << "adobe " << adobe << " patch " << q << " channel " << c;
      }
    }
  }
}

TEST(DecodeTest, JpegMatchesOpenCvOnRealPhotos) {
  CANDOR_REQUIRE_DATA(data);
  for (const char* name : {"couple.jpg", "img1.jpg", "img10.jpg", "selfie-many-people.jpg"}) {
    auto bytes = FileBytes(data / "faces/wild" / name);
    auto ours = DecodeImage(bytes);
    ASSERT_TRUE(ours.ok()) << name << ": " << ours.status().ToString();
    cv::Mat theirs = cv::imdecode(bytes, cv::IMREAD_COLOR);
    EXPECT_LT(MeanAbsDiff(*ours, theirs), 0.01) << name;
  }
}

TEST(DecodeTest, JpegWithPaddingBetweenSegmentsDecodes) {
  cv::Mat m(16, 16, CV_8UC3, cv::Scalar(10, 120, 230));
  auto jpeg = Encode(m, ".jpg");
  // Insert zero padding after the APP0 segment (libjpeg tolerates this).
  size_t app0_end = 4 + ((size_t{jpeg[4]} << 8) | jpeg[5]);
  jpeg.insert(jpeg.begin() + static_cast<long>(app0_end), 3, 0x00);
  auto img = DecodeImage(jpeg);
  ExpectBgr(img, 16, 16);
  EXPECT_LT(MeanAbsDiff(*img, m), 3.0);
}

TEST(DecodeTest, BadBmpHeadersAreRefusedQuietly) {
  cv::Mat m(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  auto bmp = Encode(m, ".bmp");
  auto palette = bmp;
  palette[46] = 0x00;
  palette[47] = 0x10;  // 4096 colours
  auto compression = bmp;
  compression[30] = 9;
  ::testing::internal::CaptureStderr();
  auto a = DecodeImage(palette);
  auto b = DecodeImage(compression);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(a.status().code(), Code::kInvalidArgument);
  EXPECT_NE(a.status().message().find("palette"), std::string::npos) << a.status().message();
  EXPECT_EQ(b.status().code(), Code::kInvalidArgument);
  EXPECT_NE(b.status().message().find("compression"), std::string::npos) << b.status().message();
}

TEST(DecodeTest, CorruptJpegIsQuietOnStderr) {
  CANDOR_REQUIRE_DATA(data);
  auto bytes = FileBytes(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  // Scribble over the middle of the entropy-coded data (structure intact).
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 200; ++i)
    bytes[i] = static_cast<uint8_t>(i * 37);
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 200; ++i) {
    if (bytes[i] == 0xFF) bytes[i] = 0xFE;
  }
  ::testing::internal::CaptureStderr();
  auto r = DecodeImage(bytes);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  if (r.ok()) EXPECT_EQ(r->type(), CV_8UC3);
}

// Stored images are the upright picture transformed by the inverse of what
// each EXIF orientation tells a viewer to do (ExifTool's wording in comments).
cv::Mat StoredFor(const cv::Mat& upright, int o) {
  cv::Mat s;
  switch (o) {
    case 1:
      s = upright.clone();
      break;
    case 2:
      cv::flip(upright, s, 1);
      break;  // mirror horizontal
    case 3:
      cv::rotate(upright, s, cv::ROTATE_180);
      break;  // rotate 180
    case 4:
      cv::flip(upright, s, 0);
      break;  // mirror vertical
    case 5:
      cv::rotate(upright, s, cv::ROTATE_90_CLOCKWISE);
      cv::flip(s, s, 1);
      break;  // mirror h + rotate 270 CW
    case 6:
      cv::rotate(upright, s, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;  // rotate 90 CW
    case 7:
      cv::rotate(upright, s, cv::ROTATE_90_COUNTERCLOCKWISE);
      cv::flip(s, s, 1);
      break;  // mirror h + rotate 90 CW
    case 8:
      cv::rotate(upright, s, cv::ROTATE_90_CLOCKWISE);
      break;  // rotate 270 CW
  }
  return s;
}

TEST(DecodeTest, ExifOrientationMakesPhotosUpright) {
  CANDOR_REQUIRE_DATA(data);
  cv::Mat upright = MarkedFace();
  ASSERT_FALSE(upright.empty());
  for (int o = 1; o <= 8; ++o) {
    for (bool be : {false, true}) {
      auto jpeg = WithExifOrientation(
          Encode(StoredFor(upright, o), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}), o, be);
      auto info = ProbeImage(jpeg);
      ASSERT_TRUE(info.ok()) << info.status().ToString();
      EXPECT_EQ(info->exif_orientation, o);
      auto img = DecodeImage(jpeg);
      ExpectBgr(img, upright.cols, upright.rows);
      EXPECT_LT(MeanAbsDiff(*img, upright), 4.0) << "orientation " << o;
      // The marker square is back in the top-left corner.
      EXPECT_GT(cv::mean((*img)(cv::Rect(10, 10, 30, 30)))[0], 230) << "orientation " << o;
      DecodeLimits raw;
      raw.apply_exif_orientation = false;
      auto stored = DecodeImage(jpeg, raw);
      ASSERT_TRUE(stored.ok());
      if (o != 1) {
        EXPECT_GT(MeanAbsDiff(*stored, upright), 10.0) << "orientation " << o;
      }
    }
  }
  // PNG carries EXIF in an eXIf chunk (OpenCV 4.6 ignores it; we apply it).
  for (int o : {3, 6, 8}) {
    auto png = WithPngExifOrientation(Encode(StoredFor(upright, o), ".png"), o);
    auto img = DecodeImage(png);
    ExpectBgr(img, upright.cols, upright.rows);
    EXPECT_EQ(MeanAbsDiff(*img, upright), 0.0) << "png orientation " << o;
  }
  // WebP carries EXIF in an EXIF chunk of the extended (VP8X) format.
  for (int o : {3, 6}) {
    cv::Mat stored = StoredFor(upright, o);
    auto webp = WithWebpExifOrientation(Encode(stored, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}),
                                        stored.cols, stored.rows, o);
    auto info = ProbeImage(webp);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->exif_orientation, o);
    auto img = DecodeImage(webp);
    ExpectBgr(img, upright.cols, upright.rows);
    EXPECT_EQ(MeanAbsDiff(*img, upright), 0.0) << "webp orientation " << o;
  }
  // Invalid orientation values are ignored.
  auto bad = WithExifOrientation(Encode(upright, ".jpg"), 9);
  ExpectBgr(DecodeImage(bad), upright.cols, upright.rows);
}

TEST(DecodeTest, TruncatedRealFilesAreRefusedAsTruncated) {
  CANDOR_REQUIRE_DATA(data);
  auto lfw = FileBytes(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  auto wild = FileBytes(data / "faces/wild/couple.jpg");
  auto webp = FileBytes(data / "faces/wild/img47.jpg");
  cv::Mat face = cv::imdecode(lfw, cv::IMREAD_COLOR);
  std::vector<std::pair<std::string, std::vector<uint8_t>>> files = {
      {"lfw jpeg", lfw},
      {"wild jpeg", wild},
      {"wild webp", webp},
      {"png", Encode(face, ".png")},
      {"bmp", Encode(face, ".bmp")},
      {"ppm", Encode(face, ".ppm")},
      {"tiff", Encode(face, ".tiff")}};
  for (const auto& [name, bytes] : files) {
    for (double frac : {0.2, 0.5, 0.9, 0.999}) {
      size_t n = static_cast<size_t>(bytes.size() * frac);
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
      auto r = DecodeImage(cut);
      ASSERT_FALSE(r.ok()) << name << " cut to " << n << " of " << bytes.size();
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << name;
      if (name != "tiff") {  // a cut TIFF may lose its directory (at the end) instead
        EXPECT_NE(r.status().message().find("truncated"), std::string::npos)
            << name << " " << frac << ": " << r.status().message();
      }
    }
    std::vector<uint8_t> minus_one(bytes.begin(), bytes.end() - 1);
    if (name.find("jpeg") != std::string::npos) {
      EXPECT_FALSE(DecodeImage(minus_one).ok()) << name << " without its last byte";
    }
  }
}

TEST(DecodeTest, DecompressionBombIsRefusedFromTheHeader) {
  auto bomb = BombPng(100000, 100000);
  auto r = DecodeImage(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
  EXPECT_NE(r.status().message().find("100000x100000"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("50000000"), std::string::npos) << r.status().message();
  EXPECT_EQ(ProbeImage(bomb).status().code(), Code::kResourceExhausted);
  // A JPEG whose frame header claims 60000x60000.
  cv::Mat m(16, 16, CV_8UC3, cv::Scalar(1, 2, 3));
  auto jpg = Encode(m, ".jpg");
  for (size_t i = 2; i + 9 < jpg.size(); ++i) {
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) {
      jpg[i + 5] = 0xEA;  // height 60000
      jpg[i + 6] = 0x60;
      jpg[i + 7] = 0xEA;  // width 60000
      jpg[i + 8] = 0x60;
      break;
    }
  }
  auto j = DecodeImage(jpg);
  EXPECT_EQ(j.status().code(), Code::kResourceExhausted) << j.status().ToString();
  // The limit is configurable and applies to real images too.
  DecodeLimits small;
  small.max_pixels = 100;
  EXPECT_EQ(DecodeImage(Encode(m, ".png"), small).status().code(), Code::kResourceExhausted);
  small.max_pixels = 256;
  EXPECT_TRUE(DecodeImage(Encode(m, ".png"), small).ok());
  DecodeLimits side;
  side.max_side = 15;
  EXPECT_EQ(DecodeImage(Encode(m, ".png"), side).status().code(), Code::kResourceExhausted);
  DecodeLimits bytes_limit;
  bytes_limit.max_bytes = 10;
  EXPECT_EQ(DecodeImage(Encode(m, ".png"), bytes_limit).status().code(), Code::kResourceExhausted);
}

TEST(DecodeTest, GarbageGetsClearErrors) {
  auto empty = DecodeImage(std::vector<uint8_t>{});
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("zero bytes"), std::string::npos);
  std::mt19937 rng(7);
  for (int t = 0; t < 200; ++t) {
    std::vector<uint8_t> junk(1 + rng() % 5000);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    auto r = DecodeImage(junk);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  }
  std::string text = "this is not an image";
  auto u = DecodeImage(std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_NE(u.status().message().find("unsupported"), std::string::npos);
  std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(DecodeImage(gif).status().code(), Code::kInvalidArgument);
  // Valid header, random body: refused, never a crash.
  cv::Mat m(32, 32, CV_8UC3, cv::Scalar(9, 9, 9));
  for (const char* ext : {".jpg", ".png", ".webp", ".tiff", ".bmp"}) {
    auto bytes = Encode(m, ext);
    for (int t = 0; t < 20; ++t) {
      auto bad = bytes;
      for (size_t i = bad.size() / 3; i < bad.size(); ++i) {
        if (rng() % 4 == 0) bad[i] = static_cast<uint8_t>(rng());
      }
      auto r = DecodeImage(bad);
      if (r.ok()) {
        EXPECT_EQ(r->type(), CV_8UC3);
      } else {
        EXPECT_EQ(r.status().code(), Code::kInvalidArgument)
            << ext << ": " << r.status().ToString();
      }
    }
  }
}

TEST(DecodeTest, ConcurrentDecodesAgree) {
  CANDOR_REQUIRE_DATA(data);
  auto jpeg = FileBytes(data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  auto webp = FileBytes(data / "faces/wild/img47.jpg");
  auto want_jpeg = DecodeImage(jpeg);
  ASSERT_TRUE(want_jpeg.ok());
  std::vector<uint8_t> truncated(jpeg.begin(), jpeg.begin() + jpeg.size() / 2);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto a = DecodeImage(jpeg);
        if (!a.ok() || MeanAbsDiff(*a, *want_jpeg) != 0.0) ++mismatches;
        if (DecodeImage(truncated).ok()) ++mismatches;
        if (t % 2 == 0 && i < 2 && !DecodeImage(webp).ok()) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ReadImageTest, FileErrors) {
  auto dir = fs::temp_directory_path() / ("candor_read_image_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_EQ(ReadImage(dir / "missing.jpg").status().code(), Code::kNotFound);
  EXPECT_EQ(ReadImage(dir).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(WriteFileAtomic(dir / "empty.jpg", "").ok());
  auto e = ReadImage(dir / "empty.jpg");
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("empty.jpg"), std::string::npos);
  cv::Mat m(16, 16, CV_8UC3, cv::Scalar(1, 2, 3));
  auto png = Encode(m, ".png");
  ASSERT_TRUE(WriteFileAtomic(dir / "really_png.jpg", png).ok());
  ExpectBgr(ReadImage(dir / "really_png.jpg"), 16, 16);
  DecodeLimits tiny;
  tiny.max_bytes = 8;
  EXPECT_EQ(ReadImage(dir / "really_png.jpg", tiny).status().code(), Code::kResourceExhausted);
  fs::remove_all(dir);
}

TEST(ImageHashTest, Sha256OfBytes) {
  std::string abc = "abc";
  std::vector<uint8_t> b(abc.begin(), abc.end());
  EXPECT_EQ(ImageSha256Hex(b), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ImageSha256(b)[0], 0xba);
}

}  // namespace
}  // namespace candor
