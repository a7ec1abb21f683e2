// Copyright 2026 The Candor Authors.
//
// Decode and quality benchmarks (docs/BENCHMARKS.md, "Image decoding and quality").
// Run: build/bench/image_bench   (needs ../shared/data or CANDOR_DATA)

#include <benchmark/benchmark.h>

#include <cstdio>
#include <opencv2/imgcodecs.hpp>

#include "candor/image.h"
#include "candor/quality.h"
#include "common/file_util.h"
#include "common/paths.h"

namespace {

std::vector<uint8_t> Load(const char* rel) {
  auto dir = candor::DataDir();
  if (!dir) return {};
  auto b = candor::ReadFile(*dir / rel);
  return b.ok() ? *b : std::vector<uint8_t>{};
}

void DecodeBytes(benchmark::State& state, const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) {
    state.SkipWithError("data not found: set CANDOR_DATA");
    return;
  }
  for (auto _ : state) {
    auto img = candor::DecodeImage(bytes);
    if (!img.ok()) state.SkipWithError(img.status().ToString().c_str());
    benchmark::DoNotOptimize(img);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_DecodeJpeg250(benchmark::State& s) {
  DecodeBytes(s, Load("faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg"));
}
void BM_DecodeJpeg3061x4600(benchmark::State& s) { DecodeBytes(s, Load("faces/wild/img40.jpg")); }
void BM_DecodeWebp1350x1800(benchmark::State& s) { DecodeBytes(s, Load("faces/wild/img47.jpg")); }

// OpenCV's imdecode alone on the same large JPEG: the cost of our header walk
// and conversion is the difference.
void BM_OpenCvImdecode3061x4600(benchmark::State& state) {
  auto bytes = Load("faces/wild/img40.jpg");
  if (bytes.empty()) return state.SkipWithError("data not found");
  for (auto _ : state) benchmark::DoNotOptimize(cv::imdecode(bytes, cv::IMREAD_COLOR));
}

void BM_ProbeJpeg3061x4600(benchmark::State& state) {
  auto bytes = Load("faces/wild/img40.jpg");
  if (bytes.empty()) return state.SkipWithError("data not found");
  for (auto _ : state) benchmark::DoNotOptimize(candor::ProbeImage(bytes));
}

void BM_AssessQualityLfw(benchmark::State& state) {
  auto bytes = Load("faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
  if (bytes.empty()) return state.SkipWithError("data not found");
  cv::Mat img = *candor::DecodeImage(bytes);
  candor::Face f;
  f.landmarks = {cv::Point2f(104, 115), cv::Point2f(146, 115), cv::Point2f(125, 142),
                 cv::Point2f(108, 165), cv::Point2f(142, 165)};
  f.box = cv::Rect2f(72, 75, 106, 120);
  for (auto _ : state) benchmark::DoNotOptimize(candor::AssessQuality(img, f, cv::Mat()));
}

BENCHMARK(BM_DecodeJpeg250)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeJpeg3061x4600)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenCvImdecode3061x4600)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProbeJpeg3061x4600)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeWebp1350x1800)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AssessQualityLfw)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
