// Copyright 2026 The Candor Authors.

#include "decode_entry.h"

#include <cstdio>
#include <cstdlib>
#include <span>

namespace candor::fuzz {

DecodeLimits FuzzDecodeLimits() {
  DecodeLimits l;
  l.max_bytes = 1 << 20;
  l.max_pixels = 512 * 512;
  l.max_side = 4096;
  return l;
}

int RunDecodeEntry(const uint8_t* data, size_t size,
                   const std::function<void(const cv::Mat&)>& next) {
  const DecodeLimits limits = FuzzDecodeLimits();
  std::span<const uint8_t> bytes(data, size);
  auto img = DecodeImage(bytes, limits);
  auto fail = [](const char* what) {
    std::fprintf(stderr, "contract violation: %s\n", what);
    std::abort();
  };
  if (!img.ok()) {
    Code c = img.status().code();
    if (img.status().message().empty()) fail("error without a message");
    if (c != Code::kInvalidArgument && c != Code::kResourceExhausted) {
      std::fprintf(stderr, "%s\n", img.status().ToString().c_str());
      fail("unexpected error code");
    }
    return 0;
  }
  const cv::Mat& m = *img;
  if (m.type() != CV_8UC3 || m.empty()) fail("not a CV_8UC3 image");
  if (static_cast<uint64_t>(m.cols) * m.rows > limits.max_pixels)
    fail("image above the pixel limit");
  // Probe must agree with decode about the size (modulo EXIF rotation).
  auto info = ProbeImage(bytes, limits);
  if (!info.ok()) fail("decoded but ProbeImage failed");
  bool swapped = info->exif_orientation >= 5;
  int w = swapped ? info->height : info->width, h = swapped ? info->width : info->height;
  if (w != m.cols || h != m.rows) fail("ProbeImage size differs from decoded size");
  // Touch every pixel so ASan sees any bad buffer.
  unsigned sum = 0;
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* row = m.ptr<uint8_t>(y);
    for (int x = 0; x < m.cols * 3; ++x) sum += row[x];
  }
  volatile unsigned sink = sum;
  (void)sink;
  if (next) next(m);
  return 0;
}

}  // namespace candor::fuzz
