// Copyright 2026 The Candor Authors.
//
// libFuzzer target: arbitrary bytes -> the fingerprint record parsers
// (candor::finger::ImportIso19794_2, ParseFingerTemplate). See docs/FUZZING.md.
//
// Input: first byte = mode, rest = record bytes. Mode bit 0 set: the bytes are
// a sealed "CNDF" template whose trailing checksum is recomputed first, so the
// fuzzer reaches the ISO parser behind the CRC; clear: a bare ISO record.
// Every record that parses must export, re-import to the same views, reach a
// byte-exact fixed point on the second export, and compare without crashing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "candor/finger.h"
#include "common/hash.h"

namespace {

// Export(Import(x)) must import again to the same views and export to the
// same bytes (a fixed point: device fields, view numbers and extended data are
// normalised by the first export), and compare without crashing.
void CheckViews(const std::vector<candor::finger::FingerTemplate>& views) {
  auto once = candor::finger::ExportIso19794_2(views);
  if (!once.ok()) {
    std::fprintf(stderr, "parsed record does not export: %s\n", once.status().ToString().c_str());
    std::abort();
  }
  auto again = candor::finger::ImportIso19794_2(*once);
  if (!again.ok() || again->size() != views.size()) std::abort();
  for (size_t v = 0; v < views.size(); ++v) {
    if ((*again)[v].minutiae.size() != views[v].minutiae.size()) std::abort();
  }
  auto twice = candor::finger::ExportIso19794_2(*again);
  if (!twice.ok() || *twice != *once) {
    std::fprintf(stderr, "ISO record export is not a fixed point\n");
    std::abort();
  }
  const auto r = candor::finger::CompareFingers(views[0], views.back());
  if (!(r.score >= 0 && r.score <= 1)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes(data + 1, data + size);
  if (data[0] & 1) {
    if (bytes.size() >= 4) {
      const uint32_t crc = candor::Crc32cMask(
          candor::Crc32c(std::span<const uint8_t>(bytes.data(), bytes.size() - 4)));
      for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
    auto t = candor::finger::ParseFingerTemplate(bytes);
    if (!t.ok()) {
      if (t.status().message().empty()) std::abort();
      return 0;
    }
    auto sealed = candor::finger::SerializeFingerTemplate(*t);
    if (!sealed.ok() || !candor::finger::ParseFingerTemplate(*sealed).ok()) std::abort();
    CheckViews({*t});
    return 0;
  }
  auto views = candor::finger::ImportIso19794_2(bytes);
  if (!views.ok()) {
    if (views.status().message().empty()) std::abort();
    return 0;
  }
  CheckViews(*views);
  return 0;
}
