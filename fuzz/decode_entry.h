// Copyright 2026 The Candor Authors.
//
// The decode stage shared by Candor's libFuzzer targets. RunDecodeEntry feeds
// untrusted bytes to DecodeImage with small limits (so the fuzzer explores
// parsers, not big allocations) and checks DecodeImage's contract on every
// result: either an error with a non-empty message and an expected code, or an
// upright CV_8UC3 image within the limits. Any violation aborts (a finding).
//
// Later stages extend the fuzzed entry by passing `next` (e.g. detection on
// the decoded image): see fuzz/CMakeLists.txt's candor_fuzzer() to add a
// target such as decode_detect_fuzzer.cc that calls
//   RunDecodeEntry(data, size, [&](const cv::Mat& img) { detector.Detect(img); });
//
// Not thread-safe (libFuzzer runs targets on one thread).

#ifndef CANDOR_FUZZ_DECODE_ENTRY_H_
#define CANDOR_FUZZ_DECODE_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <opencv2/core/mat.hpp>

#include "candor/image.h"

namespace candor::fuzz {

// 512 x 512 pixels, 1 MiB: small enough for thousands of executions a second.
DecodeLimits FuzzDecodeLimits();

// Decodes; calls `next` on a successfully decoded image. Returns 0 (libFuzzer's
// convention) or aborts on a contract violation.
int RunDecodeEntry(const uint8_t* data, size_t size,
                   const std::function<void(const cv::Mat&)>& next = {});

}  // namespace candor::fuzz

#endif  // CANDOR_FUZZ_DECODE_ENTRY_H_
