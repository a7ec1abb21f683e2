// Copyright 2026 The Candor Authors.
//
// libFuzzer target: arbitrary bytes -> candor::DecodeImage. See docs/FUZZING.md.

#include <cstddef>
#include <cstdint>

#include "decode_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return candor::fuzz::RunDecodeEntry(data, size);
}
