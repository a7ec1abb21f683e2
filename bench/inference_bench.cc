// Copyright 2026 The Candor Authors.
//
// The inference back ends side by side (issue 14): every network the default
// pipeline runs, through candor::Network, OpenCV 4.6 DNN against oneDNN, one
// thread, batch 1 and 2 (2 = a face and its mirror), on a real LFW photo
// resized to the model's input. Per image = time per run / batch.
//
//   taskset -c 1 build/bench/inference_bench --benchmark_min_time=1
//
// Needs the converted models and CANDOR_DATA; skips otherwise.

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/inference.h"
#include "common/paths.h"

namespace candor {
namespace {

const Network* Get(const std::string& id, InferenceBackend backend) {
  static std::map<std::string, std::unique_ptr<Network>> cache;
  auto& n = cache[id + "/" + InferenceBackendName(backend)];
  if (!n) {
    auto info = LoadModelInfo(ModelDir(), id);
    if (!info.ok()) return nullptr;
    auto net = backend == InferenceBackend::kOneDnn ? OpenDnnlNetwork(*info, 1) : OpenOpenCvNetwork(*info, 1);
    if (!net.ok()) return nullptr;
    n = std::move(*net);
  }
  return n.get();
}

void BM_Network(benchmark::State& state, std::string id, int size, double mean, double scale,
                InferenceBackend backend) {
  cv::setNumThreads(1);
  const Network* net = Get(id, backend);
  auto data = DataDir();
  cv::Mat img;
  if (data) img = cv::imread((*data / "faces/lfw/George_W_Bush/George_W_Bush_0001.jpg").string());
  if (!net || img.empty()) {
    state.SkipWithError("model, back end or data missing");
    return;
  }
  cv::resize(img, img, cv::Size(size, size), 0, 0, cv::INTER_AREA);
  const int batch = static_cast<int>(state.range(0));
  const cv::Mat blob = MakeRgbBlob(std::vector<cv::Mat>(batch, img), cv::Scalar::all(mean), cv::Scalar::all(scale));
  auto warm = net->Run(blob);
  if (!warm.ok()) {
    state.SkipWithError(warm.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto out = net->Run(blob);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

#define CANDOR_NET_BENCH(name, id, size, mean, scale)                                                   \
  BENCHMARK_CAPTURE(BM_Network, name##_opencv, std::string(id), size, mean, scale, InferenceBackend::kOpenCv) \
      ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);                                                   \
  BENCHMARK_CAPTURE(BM_Network, name##_onednn, std::string(id), size, mean, scale, InferenceBackend::kOneDnn) \
      ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)

CANDOR_NET_BENCH(mobilefacenet, "mobilefacenet", 112, 127.5, 1 / 128.0);
CANDOR_NET_BENCH(facemesh_468, "facemesh-468", 192, 0.0, 1 / 255.0);
CANDOR_NET_BENCH(blazeface_front_128, "blazeface-front-128", 128, 127.5, 1 / 127.5);
CANDOR_NET_BENCH(blazeface_256, "blazeface-256", 256, 127.5, 1 / 127.5);
CANDOR_NET_BENCH(faceapi_resnet, "faceapi-resnet", 150, 122.0, 1 / 255.0);

}  // namespace
}  // namespace candor

BENCHMARK_MAIN();
