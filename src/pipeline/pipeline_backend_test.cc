// Copyright 2026 The Candor Authors.
//
// The pipeline on the oneDNN back end against OpenCV's (issue 14): the same
// templates within the int8 quantisation step the search stores them with
// (Int8Codec, step 1/127: every component's code differs by at most 1), the
// same faces, landmarks within 0.1 % of the face's size, on real photos
// (LFW and a two-face wild photo); oneDNN is deterministic across threads;
// the two back ends have different cache keys.
// Skips with a message when data or models are absent, or without oneDNN.

#include <cmath>
#include <thread>

#include <gtest/gtest.h>

#include "candor/pipeline.h"
#include "common/test_env.h"

namespace candor {
namespace {

#define REQUIRE_ONEDNN_AND_MODELS()                                                \
  if (!DnnlAvailable()) GTEST_SKIP() << "this build has no oneDNN back end";      \
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");                                      \
  CANDOR_REQUIRE_MODEL("facemesh-468.onnx");                                       \
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");                                      \
  CANDOR_REQUIRE_DATA(data)

const Pipeline& With(InferenceBackend backend) {
  static std::unique_ptr<Pipeline> p[2];
  auto& slot = p[backend == InferenceBackend::kOneDnn];
  if (!slot) {
    PipelineOptions o;
    o.inference = backend;
    o.threads = 2;
    auto opened = Pipeline::Open(o);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    slot = std::move(*opened);
  }
  return *slot;
}

const char* kImages[] = {
    "lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg", "lfw/Abdullah_Gul/Abdullah_Gul_0001.jpg",
    "lfw/Adam_Sandler/Adam_Sandler_0001.jpg",   "lfw/Ai_Sugiyama/Ai_Sugiyama_0001.jpg",
    "lfw/Alan_Greenspan/Alan_Greenspan_0001.jpg", "lfw/Alvaro_Uribe/Alvaro_Uribe_0001.jpg",
    "lfw/George_W_Bush/George_W_Bush_0001.jpg", "lfw/Serena_Williams/Serena_Williams_0001.jpg",
    "wild/couple.jpg"};

TEST(PipelineBackend, OneDnnTemplatesEqualOpenCvsWithinTheInt8Step) {
  REQUIRE_ONEDNN_AND_MODELS();
  const Pipeline& ref = With(InferenceBackend::kOpenCv);
  const Pipeline& dnnl = With(InferenceBackend::kOneDnn);
  // Same model identity in the templates: same ONNX file, same hash.
  EXPECT_EQ(ref.embedder_model().onnx_sha256, dnnl.embedder_model().onnx_sha256);
  double worst_cos = 1, int8_cos = 1, worst_px = 0;  // worst_px: relative to the face's size
  int worst_code = 0, faces = 0;
  for (const char* name : kImages) {
    auto img = ref.ReadFile(data / "faces" / name);
    ASSERT_TRUE(img.ok()) << name;
    auto a = ref.Process(*img);
    auto b = dnnl.Process(*img);
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    ASSERT_EQ(a->size(), b->size()) << name;
    for (size_t i = 0; i < a->size(); ++i, ++faces) {
      const ProcessedFace& x = (*a)[i];
      const ProcessedFace& y = (*b)[i];
      EXPECT_EQ(x.tmpl.model_sha256, y.tmpl.model_sha256);
      // Landmarks: in units of the face's size (the facemesh crop scales with it).
      const double size = std::max(x.face.box.width, x.face.box.height);
      for (size_t k = 0; k < x.face.landmarks.size(); ++k) {
        worst_px = std::max(worst_px, cv::norm(x.face.landmarks[k] - y.face.landmarks[k]) / size);
      }
      EXPECT_LT(cv::norm(x.face.box.tl() - y.face.box.tl()) / size, 1e-4) << name;
      double dot = 0, qdot = 0, qq = 0;
      for (size_t d = 0; d < x.tmpl.values.size(); ++d) {
        dot += double(x.tmpl.values[d]) * y.tmpl.values[d];
        const double q = std::lround(x.tmpl.values[d] * 127) / 127.0;  // what the int8 store keeps
        qdot += x.tmpl.values[d] * q, qq += q * q;
        const int cx = static_cast<int>(std::lround(x.tmpl.values[d] * 127));
        const int cy = static_cast<int>(std::lround(y.tmpl.values[d] * 127));
        worst_code = std::max(worst_code, std::abs(cx - cy));
      }
      worst_cos = std::min(worst_cos, dot);
      int8_cos = std::min(int8_cos, qdot / std::sqrt(qq));
    }
  }
  EXPECT_GE(faces, 10);
  EXPECT_LE(worst_px, 1e-3) << "landmarks moved by more than 0.1 % of the face's size";
  // The back ends differ by far less than storing a template as int8 does.
  EXPECT_GE(worst_cos, 0.9999);
  EXPECT_LT(1 - worst_cos, 0.25 * (1 - int8_cos));
  EXPECT_LE(worst_code, 1) << "an int8 code moved by more than one step";
  std::printf("oneDNN vs OpenCV over %d faces: landmarks within %.5f of the face size, cosine >= %.7f (int8 storage itself: %.7f), int8 codes within %d\n",
              faces, worst_px, worst_cos, int8_cos, worst_code);
}

TEST(PipelineBackend, OneDnnIsDeterministicAcrossThreads) {
  REQUIRE_ONEDNN_AND_MODELS();
  const Pipeline& p = With(InferenceBackend::kOneDnn);
  auto img = p.ReadFile(data / "faces/wild/couple.jpg");
  ASSERT_TRUE(img.ok());
  auto ref = p.Process(*img);
  ASSERT_TRUE(ref.ok());
  std::vector<std::vector<ProcessedFace>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto r = p.Process(*img);
      if (r.ok()) out[t] = std::move(*r);
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(out[t].size(), ref->size());
    for (size_t i = 0; i < ref->size(); ++i) EXPECT_EQ(out[t][i].tmpl.values, (*ref)[i].tmpl.values);
  }
}

TEST(PipelineBackend, CacheKeysDifferByBackEnd) {
  REQUIRE_ONEDNN_AND_MODELS();
  EXPECT_NE(With(InferenceBackend::kOpenCv).SettingsKey(), With(InferenceBackend::kOneDnn).SettingsKey());
}

}  // namespace
}  // namespace candor
