// Copyright 2026 The Candor Authors.
//
// Reads an encoded image's header and structure without decoding pixels:
// format, declared width/height, EXIF orientation, and whether the data is
// complete. One parser per format, all bounds-checked over untrusted bytes.
//
// Errors: INVALID_ARGUMENT for malformed, unsupported or "truncated" data.
// Limits are not applied here (see ProbeImage). Thread-safe, pure.

#ifndef CANDOR_IMAGE_HEADER_H_
#define CANDOR_IMAGE_HEADER_H_

#include <cstdint>
#include <span>

#include "candor/image.h"
#include "candor/status.h"

namespace candor::image_internal {

struct HeaderInfo {
  ImageFormat format = ImageFormat::kUnknown;
  uint32_t width = 0;
  uint32_t height = 0;
  int exif_orientation = 1;
  int jpeg_components = 0;       // JPEG: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK
  bool jpeg_adobe = false;       // JPEG: Adobe APP14 marker present
  int jpeg_adobe_transform = 0;  // its transform byte (0 none/CMYK, 1 YCbCr, 2 YCCK)
  int pnm_kind = 0;              // PNM: 1..6 for P1..P6
  uint32_t pnm_maxval = 0;       // PNM: maximum sample value (1 for PBM)
};

StatusOr<HeaderInfo> ReadHeader(std::span<const uint8_t> bytes);

}  // namespace candor::image_internal

#endif  // CANDOR_IMAGE_HEADER_H_
