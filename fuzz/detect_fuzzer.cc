// Copyright 2026 The Candor Authors.
//
// libFuzzer target: the decode-and-detect entry. Arbitrary bytes ->
// candor::DecodeImage (small limits, fuzz/decode_entry.h) -> Pipeline::Detect
// (BlazeFace + facemesh landmarks + quality) on whatever decodes. Models are
// loaded once in LLVMFuzzerInitialize from ModelDir() ($CANDOR_MODELS or
// models/); the target exits with a message when they are missing.
//
// Contract checked on every input (violation = abort = finding):
//   - Detect returns OK or an error with a non-empty message;
//   - every face: finite box overlapping the image, detector score in 0..1,
//     finite landmarks, quality score 0..100;
//   - faces are ordered largest first.
// See docs/FUZZING.md.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "candor/pipeline.h"
#include "decode_entry.h"

namespace {

std::unique_ptr<candor::Pipeline> g_pipeline;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "detect contract violated: %s\n", what);
  std::abort();
}

void CheckDetect(const cv::Mat& img) {
  auto faces = g_pipeline->Detect(img);
  if (!faces.ok()) {
    if (faces.status().message().empty()) Fail("error without message");
    return;
  }
  float prev_area = INFINITY;
  for (const candor::Face& f : *faces) {
    const cv::Rect2f& b = f.box;
    if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.width) ||
        !std::isfinite(b.height) || b.width <= 0 || b.height <= 0)
      Fail("non-finite or empty box");
    if (b.x > img.cols || b.y > img.rows || b.x + b.width < 0 || b.y + b.height < 0)
      Fail("box outside the image");
    if (!(f.detector_score >= 0 && f.detector_score <= 1)) Fail("detector score not in 0..1");
    for (const cv::Point2f& p : f.landmarks)
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) Fail("non-finite landmark");
    if (f.quality.score < 0 || f.quality.score > 100) Fail("quality score not in 0..100");
    const float area = b.width * b.height;
    if (area > prev_area * 1.0001f) Fail("faces not largest first");
    prev_area = area;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  candor::PipelineOptions opts;
  opts.decode = candor::fuzz::FuzzDecodeLimits();
  auto p = candor::Pipeline::Open(opts);
  if (!p.ok()) {
    std::fprintf(stderr, "detect_fuzzer: cannot load models: %s\n",
                 p.status().ToString().c_str());
    std::exit(1);
  }
  g_pipeline = std::move(*p);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return candor::fuzz::RunDecodeEntry(data, size, CheckDetect);
}
