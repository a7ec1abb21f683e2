// Copyright 2026 The Candor Authors.
//
// libFuzzer target: arbitrary bytes -> candor::ParseTemplate; a parsed template
// must serialize back to the identical bytes. See docs/FUZZING.md.
//
// Input: first byte = mode, rest = template bytes. Mode bit 0 set: the
// trailing checksum is recomputed first, so the fuzzer also reaches the field
// validation behind the CRC (a random mutation almost never has a valid CRC).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "candor/template.h"
#include "common/hash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool fix_crc = data[0] & 1;
  std::vector<uint8_t> bytes(data + 1, data + size);
  if (fix_crc && bytes.size() >= 4) {
    uint32_t crc = candor::Crc32cMask(
        candor::Crc32c(std::span<const uint8_t>(bytes.data(), bytes.size() - 4)));
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  auto t = candor::ParseTemplate(bytes);
  if (!t.ok()) {
    if (t.status().message().empty()) std::abort();
    return 0;
  }
  auto back = candor::SerializeTemplate(*t);
  if (!back.ok()) {
    std::fprintf(stderr, "parsed template does not serialize: %s\n",
                 back.status().ToString().c_str());
    std::abort();
  }
  // int8 re-derives its scale, and f16 may hold a value whose re-encoding
  // differs only by NaN payload (rejected) - so compare exactly for f32/f16.
  if (t->element_type != candor::TemplateElementType::kInt8 && *back != bytes) {
    std::fprintf(stderr, "template did not round-trip\n");
    std::abort();
  }
  auto again = candor::ParseTemplate(*back);
  if (!again.ok() || again->values.size() != t->values.size()) std::abort();
  (void)candor::CompareTemplates(*t, *again);
  return 0;
}
