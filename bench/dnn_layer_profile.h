// Copyright 2026 The Candor Authors.
//
// Per-layer profile of one converted model in OpenCV 4.6 DNN, for the model
// benches' `--profile MODEL.onnx SIZE [BATCH]` mode: one thread, random input
// in [-1, 1], one warm-up run, then `iterations` runs; prints the total, the
// time per layer type, and (with `per_layer`) every layer after OpenCV's own
// fusions with its name and type, in execution order. What it shows is what
// the converter can improve: layers that OpenCV did not fuse into a
// convolution (separate Pad / Scale / eltwise / Permute layers), their count
// and their share of the time.
//
// Header-only; used by bench/tfjs_models_bench.cc and
// bench/converted_descriptors_bench.cc only. Prints to stdout; returns 1 when
// the model cannot be loaded or run.

#ifndef CANDOR_BENCH_DNN_LAYER_PROFILE_H_
#define CANDOR_BENCH_DNN_LAYER_PROFILE_H_

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

namespace candor::bench {

inline double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

inline int ProfileModel(const std::string& path, int size, int batch, int iterations, bool per_layer) {
  cv::setNumThreads(1);
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    cv::Mat blob({batch, 3, size, size}, CV_32F);
    cv::RNG(42).fill(blob, cv::RNG::UNIFORM, -1.0, 1.0);
    const std::vector<cv::String> outs = net.getUnconnectedOutLayersNames();
    std::vector<cv::Mat> result;
    net.setInput(blob);
    net.forward(result, outs);  // warm-up
    std::vector<double> acc;
    double total_ticks = 0;
    const double cpu0 = ProcessCpuMs();
    const int64 wall0 = cv::getTickCount();
    for (int i = 0; i < iterations; ++i) {
      net.setInput(blob);
      net.forward(result, outs);
      std::vector<double> t;
      total_ticks += static_cast<double>(net.getPerfProfile(t));
      if (acc.empty()) acc.assign(t.size(), 1e300);
      // The minimum over runs per layer: robust to preemption on a shared
      // machine (a context switch inside a layer inflates that run only).
      for (size_t k = 0; k < t.size() && k < acc.size(); ++k) acc[k] = std::min(acc[k], t[k]);
    }
    const double wall_ms = (cv::getTickCount() - wall0) * 1e3 / cv::getTickFrequency() / iterations;
    const double cpu_ms = (ProcessCpuMs() - cpu0) / iterations;
    const double f = 1e3 / cv::getTickFrequency();
    double sum_min = 0;
    for (double a : acc) sum_min += a * f;
    const std::vector<cv::String> names = net.getLayerNames();
    std::map<std::string, std::pair<int, double>> by_type;
    for (size_t k = 0; k < acc.size() && k < names.size(); ++k) {
      const auto layer = net.getLayer(net.getLayerId(names[k]));
      by_type[layer->type].first++;
      by_type[layer->type].second += acc[k] * f;
    }
    std::printf("%s batch %d: sum of per-layer minima %.3f ms; mean per run: profile %.3f ms, wall %.3f ms, "
                "process CPU %.3f ms; %zu layers after fusion\n",
                path.c_str(), batch, sum_min, total_ticks * f / iterations, wall_ms, cpu_ms, names.size());
    for (const auto& [type, v] : by_type)
      std::printf("  %-18s %4d layers %8.3f ms  %5.1f %%\n", type.c_str(), v.first, v.second,
                  100.0 * v.second / sum_min);
    if (per_layer) {
      for (size_t k = 0; k < acc.size() && k < names.size(); ++k) {
        const auto layer = net.getLayer(net.getLayerId(names[k]));
        std::string w;  // weight shape, e.g. [64,1,3,3] for a depthwise 3x3
        if (!layer->blobs.empty()) {
          const cv::Mat& b = layer->blobs[0];
          for (int d = 0; d < b.dims; ++d) {
            w += d ? "," : "[";
            w += std::to_string(b.size[d]);
          }
          w += "]";
        }
        std::printf("  %4zu %-16s %-48s %-16s %7.3f\n", k, layer->type.c_str(), names[k].c_str(), w.c_str(),
                    acc[k] * f);
      }
    }
  } catch (const cv::Exception& e) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), e.what());
    return 1;
  }
  return 0;
}

// Handles `--profile MODEL.onnx SIZE [BATCH] [--layers]` before Google
// Benchmark sees the arguments. Returns -1 when the flag is absent, else the
// exit code.
inline int MaybeProfile(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[1], "--profile") != 0) return -1;
  const int size = std::atoi(argv[3]);
  int batch = 1;
  bool layers = false;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--layers") == 0) layers = true;
    else batch = std::max(1, std::atoi(argv[i]));
  }
  const char* iters = std::getenv("CANDOR_PROFILE_ITERS");
  return ProfileModel(argv[2], size, batch, iters ? std::max(1, std::atoi(iters)) : 50, layers);
}

}  // namespace candor::bench

#endif  // CANDOR_BENCH_DNN_LAYER_PROFILE_H_
