// Copyright 2026 The Candor Authors.
//
// Pipeline speed (Google Benchmark), per the issue: decode + detect (with
// facemesh landmarks and quality) per image at 250x250 (LFW) and 4000x3000,
// align + embed per face per model at batch 1 and 16, the whole per-image
// pipeline, on 1 and 2 threads (callers; OpenCV itself is kept to one thread
// per caller with cv::setNumThreads(1), so "2 threads" = 2 cores). Settings
// compared side by side in one run:
//   default        PipelineOptions{}: small-image detector, facemesh x2, flip-averaged embedding
//   big_detector   the 256-px detector on small images too (small_model_id = "")
//   fast           facemesh x1, no flip-averaging (one network pass per embedding)
// each on OpenCV 4.6 DNN and, as "<setting>_onednn", on the oneDNN back end
// (issue 14), side by side in the same run.
// Needs the converted models and ../shared/data (CANDOR_DATA); skips otherwise.
//
//   build/bench/pipeline_bench --benchmark_min_time=1
//
// Report CPU time beside wall time: the machine is shared.

#include <benchmark/benchmark.h>

#include <map>
#include <mutex>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/pipeline.h"
#include "common/file_util.h"
#include "common/paths.h"

namespace candor {
namespace {

PipelineOptions Settings(std::string name, const std::string& embedder) {
  PipelineOptions o;
  o.embedder = embedder;
  o.threads = 2;
  // "<setting>+onednn": the same setting on the oneDNN back end; otherwise OpenCV DNN.
  o.inference = InferenceBackend::kOpenCv;
  if (const auto plus = name.find("+onednn"); plus != std::string::npos) {
    o.inference = InferenceBackend::kOneDnn;
    name.resize(plus);
  }
  if (name == "big_detector") o.detector.small_model_id.clear();
  if (name == "fast") {
    o.mesh_passes = 1;
    o.flip_average = false;
  }
  return o;
}

const Pipeline* Get(const std::string& settings, const std::string& embedder = kMobileFaceNet) {
  static std::map<std::string, std::unique_ptr<Pipeline>> cache;
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::string key = settings;
  key += '/';
  key += embedder;
  auto& p = cache[key];
  if (!p) {
    auto r = Pipeline::Open(Settings(settings, embedder));
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

void DecodeDetect(benchmark::State& state, const std::vector<uint8_t>& bytes, const std::string& settings) {
  cv::setNumThreads(1);
  const Pipeline* p = Get(settings);
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
  state.counters["faces"] = static_cast<double>(faces);
}

// Decode + detect + facemesh + quality of one image.
void BM_DecodeDetect_250(benchmark::State& s, std::string settings) { DecodeDetect(s, LfwBytes(), settings); }
void BM_DecodeDetect_4000x3000(benchmark::State& s, std::string settings) {
  DecodeDetect(s, LargeBytes(), settings);
}
BENCHMARK_CAPTURE(BM_DecodeDetect_250, default, std::string("default"))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_DecodeDetect_250, big_detector, std::string("big_detector"))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_DecodeDetect_250, fast, std::string("fast"))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_DecodeDetect_250, default_onednn, std::string("default+onednn"))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_DecodeDetect_250, fast_onednn, std::string("fast+onednn"))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_DecodeDetect_4000x3000, default, std::string("default"))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);

// Align + embed, per face: state.range(0) = faces per call, embedded with the
// default EmbedderOptions::max_batch (network batch = 1 face, 2 crops with
// flip-averaging; raw batch-16 network speed is in converted_descriptors_bench).
void AlignEmbed(benchmark::State& state, const std::string& model, const std::string& settings) {
  cv::setNumThreads(1);
  const Pipeline* p = Get(settings, model);
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
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}

void BM_AlignEmbed_MobileFaceNet(benchmark::State& s, std::string settings) {
  AlignEmbed(s, kMobileFaceNet, settings);
}
void BM_AlignEmbed_FaceApiResNet(benchmark::State& s, std::string settings) {
  AlignEmbed(s, kFaceApiResNet, settings);
}
void BM_AlignEmbed_Fusion(benchmark::State& s, std::string settings) {
  AlignEmbed(s, kFusion, settings);
}
BENCHMARK_CAPTURE(BM_AlignEmbed_MobileFaceNet, flip, std::string("default"))
    ->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_AlignEmbed_MobileFaceNet, no_flip, std::string("fast"))
    ->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_AlignEmbed_MobileFaceNet, flip_onednn, std::string("default+onednn"))
    ->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_AlignEmbed_MobileFaceNet, no_flip_onednn, std::string("fast+onednn"))
    ->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_AlignEmbed_FaceApiResNet, flip, std::string("default"))
    ->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_AlignEmbed_FaceApiResNet, no_flip, std::string("fast"))
    ->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1);
BENCHMARK_CAPTURE(BM_AlignEmbed_Fusion, flip, std::string("default"))
    ->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1);

// The whole per-image pipeline on an LFW image (one face): decode, detect,
// facemesh, quality, align, embed, template. Compare with the issue's
// reference of ~30 ms per face (detector 16 + descriptor 13, no landmarks).
void BM_Process_250(benchmark::State& state, std::string settings, std::string embedder) {
  cv::setNumThreads(1);
  const Pipeline* p = Get(settings, embedder);
  auto bytes = LfwBytes();
  if (!p || bytes.empty()) {
    state.SkipWithError("models or data missing");
    return;
  }
  for (auto _ : state) {
    auto r = p->ProcessBytes(bytes);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK_CAPTURE(BM_Process_250, default, std::string("default"), std::string(kMobileFaceNet))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_Process_250, big_detector, std::string("big_detector"),
                  std::string(kMobileFaceNet))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1);
BENCHMARK_CAPTURE(BM_Process_250, fast, std::string("fast"), std::string(kMobileFaceNet))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_Process_250, default_onednn, std::string("default+onednn"), std::string(kMobileFaceNet))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_Process_250, fast_onednn, std::string("fast+onednn"), std::string(kMobileFaceNet))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK_CAPTURE(BM_Process_250, fusion, std::string("default"), std::string(kFusion))
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1);

}  // namespace
}  // namespace candor

BENCHMARK_MAIN();
