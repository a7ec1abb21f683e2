// Copyright 2026 The Candor Authors.
//
// libFuzzer target: arbitrary bytes -> candor::DecodeImage, then
// candor::AssessQuality on whatever decodes (landmarks at fixed fractions of
// the image, so odd sizes such as 1xN reach the quality code). See
// docs/FUZZING.md.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "candor/quality.h"
#include "decode_entry.h"

namespace {

void CheckQuality(const cv::Mat& img) {
  const float w = static_cast<float>(img.cols), h = static_cast<float>(img.rows);
  candor::Face f;
  f.box = cv::Rect2f(0.2f * w, 0.2f * h, 0.6f * w, 0.7f * h);
  f.landmarks = {cv::Point2f(0.35f * w, 0.4f * h), cv::Point2f(0.65f * w, 0.4f * h),
                 cv::Point2f(0.5f * w, 0.55f * h), cv::Point2f(0.38f * w, 0.7f * h),
                 cv::Point2f(0.62f * w, 0.7f * h)};
  auto q = candor::AssessQuality(img, f, cv::Mat());
  if (!q.ok()) {
    if (q.status().code() != candor::Code::kInvalidArgument) std::abort();
    return;
  }
  bool finite = std::isfinite(q->sharpness) && std::isfinite(q->yaw_deg) &&
                std::isfinite(q->pitch_deg) && std::isfinite(q->brightness) &&
                std::isfinite(q->contrast) && std::isfinite(q->clipped);
  if (!finite || q->score < 0 || q->score > 100 || q->sharpness < 0 || q->sharpness > 1) {
    std::fprintf(stderr, "quality out of range: score %d sharpness %f\n", q->score, q->sharpness);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return candor::fuzz::RunDecodeEntry(data, size, CheckQuality);
}
