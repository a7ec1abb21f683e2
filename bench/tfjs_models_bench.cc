// Copyright 2026 The Candor Authors.
//
// Inference speed of the models converted from TF.js graph models (blazeface
// 256 and 128, facemesh, repaired mobilefacenet) in OpenCV 4.6 DNN, one
// thread, batch 1 and 8. Reported per image (items/s -> ms per image).
//
//   build/bench/tfjs_models_bench --benchmark_min_time=2
//
// Needs the converted models in ModelDir() (scripts/setup.sh); a missing
// model is reported as skipped.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <string>

#include "common/paths.h"
#include "dnn_layer_profile.h"

namespace {

void BM_Model(benchmark::State& state, const std::string& file, int size) {
  cv::setNumThreads(1);
  const auto path = candor::ModelDir() / file;
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("missing " + path.string() + ": run scripts/setup.sh").c_str());
    return;
  }
  cv::dnn::Net net = cv::dnn::readNetFromONNX(path.string());
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  const int batch = static_cast<int>(state.range(0));
  cv::Mat blob({batch, 3, size, size}, CV_32F);
  cv::RNG(42).fill(blob, cv::RNG::UNIFORM, -1.0, 1.0);
  std::vector<cv::String> outs = net.getUnconnectedOutLayersNames();
  std::vector<cv::Mat> result;
  net.setInput(blob);
  net.forward(result, outs);  // warm-up (allocations, weight packing)
  for (auto _ : state) {
    net.setInput(blob);
    net.forward(result, outs);
    benchmark::DoNotOptimize(result.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

BENCHMARK_CAPTURE(BM_Model, blazeface_256, std::string("blazeface-256.onnx"), 256)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, blazeface_front_128, std::string("blazeface-front-128.onnx"), 128)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, facemesh_468, std::string("facemesh-468.onnx"), 192)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, mobilefacenet_human_repaired, std::string("mobilefacenet-human-repaired.onnx"), 112)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (int rc = candor::bench::MaybeProfile(argc, argv); rc >= 0) return rc;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
