// Copyright 2026 The Candor Authors.
//
// JPEG decoding straight through libjpeg(-turbo), used by DecodeImage instead
// of cv::imdecode so that libjpeg's warnings on corrupt data ("Corrupt JPEG
// data: ...") are counted instead of printed to stderr, and so CMYK/YCCK
// JPEGs are converted with the exact Adobe convention.
//
// Returns the stored (un-rotated) image as CV_8UC1 (grey) or CV_8UC3 (BGR), or
// INVALID_ARGUMENT with libjpeg's message when it gives up. `warnings` (may be
// null) receives the number of corrupt-data warnings libjpeg reported.
// Callers must have checked the header and pixel limits first.
// Thread-safe: no shared state.

#ifndef CANDOR_IMAGE_JPEG_DECODER_H_
#define CANDOR_IMAGE_JPEG_DECODER_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <span>

#include "candor/status.h"

namespace candor::image_internal {

StatusOr<cv::Mat> DecodeJpeg(std::span<const uint8_t> bytes, int* warnings = nullptr);

}  // namespace candor::image_internal

#endif  // CANDOR_IMAGE_JPEG_DECODER_H_
