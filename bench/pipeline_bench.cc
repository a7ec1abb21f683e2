// Copyright 2026 The Candor Authors.
//
// Pipeline speed (Google Benchmark), per the issue: decode + detect (with
// facemesh landmarks) per image at 250x250 (LFW) and ~3000x4000, align + embed
// per face per model at batch 1 and 16, on 1 and 2 threads. Needs the
// converted models and ../shared/data (CANDOR_DATA); skips otherwise.
//
//   build/bench/pipeline_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>

#include <map>
#include <mutex>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/pipeline.h"
#include "common/file_util.h"
#include "common/paths.h"

namespace candor {
namespace {

const Pipeline* Get(const std::string& embedder) {
  static std::map<std::string, std::unique_ptr<Pipeline>> cache;
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto& p = cache[embedder];
  if (!p) {
    PipelineOptions o;
    o.embedder = embedder;
    o.threads = 2;
    auto r = Pipeline::Open(o);
    if (!r.ok()) return nullptr;
    p = std::move(*r);
  }
  return p.get();
}

std::vector<uint8_t> LfwBytes() {
  auto d = DataDir();
  if (!d) return {};
  auto b = ReadFile(*d / "faces/lfw/George_W_Bush/George_W_Bush_0001.jpg");
  return b.ok() ? *b : std::vector<uint8_t>{};
}

// couple.jpg scaled to 4000x3000 and re-encoded (JPEG quality 90).
std::vector<uint8_t> LargeBytes() {
  static std::vector<uint8_t> bytes = [] {
    std::vector<uint8_t> out;
    auto d = DataDir();
    if (!d) return out;
    cv::Mat img = cv::imread((*d / "faces/wild/couple.jpg").string());
    if (img.empty()) return out;
    cv::resize(img, img, cv::Size(4000, 3000), 0, 0, cv::INTER_CUBIC);
    cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, 90});
    return out;
  }();
  return bytes;
}

void DecodeDetect(benchmark::State& state, const std::vector<uint8_t>& bytes) {
  const Pipeline* p = Get(kMobileFaceNet);
  if (!p || bytes.empty()) {
    state.SkipWithError("models or data missing");
    return;
  }
  size_t faces = 0;
  for (auto _ : state) {
    auto img = p->Decode(bytes);
    auto f = p->Detect(*img);
    faces = f.ok() ? f->size() : 0;
    benchmark::DoNotOptimize(faces);
  }
  state.counters["faces"] = faces;
}

void BM_DecodeDetect_250(benchmark::State& state) { DecodeDetect(state, LfwBytes()); }
void BM_DecodeDetect_4000x3000(benchmark::State& state) { DecodeDetect(state, LargeBytes()); }
BENCHMARK(BM_DecodeDetect_250)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK(BM_DecodeDetect_4000x3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);

// Align + embed, per face: state.range(0) = batch size; flip-averaging as configured by default.
void AlignEmbed(benchmark::State& state, const std::string& model) {
  const Pipeline* p = Get(model);
  auto bytes = LfwBytes();
  if (!p || bytes.empty()) {
    state.SkipWithError("models or data missing");
    return;
  }
  cv::Mat img = *p->Decode(bytes);
  auto faces = p->Detect(img);
  if (!faces.ok() || faces->empty()) {
    state.SkipWithError("no face");
    return;
  }
  std::vector<Face> batch(state.range(0), (*faces)[0]);
  for (auto _ : state) {
    auto t = p->Embed(img, batch);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
  state.counters["s_per_face"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch.size()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_AlignEmbed_MobileFaceNet(benchmark::State& s) { AlignEmbed(s, kMobileFaceNet); }
void BM_AlignEmbed_FaceApiResNet(benchmark::State& s) { AlignEmbed(s, kFaceApiResNet); }
BENCHMARK(BM_AlignEmbed_MobileFaceNet)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK(BM_AlignEmbed_FaceApiResNet)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);

}  // namespace
}  // namespace candor

BENCHMARK_MAIN();
