// Copyright 2026 The Candor Authors.
//
// Image decoding for untrusted bytes: decode by content (never by file name),
// refuse decompression bombs before decoding, detect truncation, and return
// every image as an upright 8-bit 3-channel BGR cv::Mat.
//
// What DecodeImage guarantees for an OK result:
//   - type CV_8UC3 (BGR), width and height >= 1, width*height <= max_pixels;
//   - EXIF orientation (JPEG APP1, tags 1..8) applied, so the picture is
//     upright as a viewer shows it (disable with apply_exif_orientation);
//   - 16-bit samples scaled to 8-bit (v/257), grey expanded to BGR, alpha
//     dropped (BGRA, grey+alpha), CMYK JPEG (incl. Adobe inverted CMYK)
//     converted to BGR.
// Errors (all carry a message a person can act on):
//   INVALID_ARGUMENT   zero bytes, unknown/unsupported format, a header or
//                      body that is malformed, "truncated" data;
//   RESOURCE_EXHAUSTED more than max_bytes, or a header that declares more
//                      than max_pixels / max_side (checked from the header
//                      before any pixel is decoded; the message gives the
//                      numbers).
//   ReadImage adds ReadFile's errors (NOT_FOUND, PERMISSION_DENIED, ...).
//
// Thread safety: all functions are reentrant and may be called concurrently.
// OpenCV's own log output for bad input is silenced once per process (its log
// level is set to ERROR... unless the caller set CANDOR_OPENCV_LOG).
// No exception escapes.

#ifndef CANDOR_IMAGE_H_
#define CANDOR_IMAGE_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <opencv2/core/mat.hpp>
#include <span>
#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor {

enum class ImageFormat : int {
  kUnknown = 0,
  kJpeg,
  kPng,
  kBmp,
  kPnm,   // PBM/PGM/PPM, ASCII (P1-P3) or binary (P4-P6)
  kTiff,  // little- or big-endian
  kWebp,
};

// "jpeg", "png", "bmp", "pnm", "tiff", "webp", "unknown".
std::string_view ImageFormatName(ImageFormat format);

// The format from the first bytes (magic numbers); kUnknown when none match.
ImageFormat DetectFormat(std::span<const uint8_t> bytes);

struct DecodeLimits {
  uint64_t max_bytes = 64ull << 20;  // encoded size
  uint64_t max_pixels = 50'000'000;  // width * height as declared by the header
  int max_side = 65535;              // largest width or height
  bool apply_exif_orientation = true;
};

// What the header says, read without decoding pixels.
struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  int width = 0;  // as stored, before EXIF rotation
  int height = 0;
  int exif_orientation = 1;  // 1..8 (1 = as stored); 1 when absent or invalid
};

// Reads format, declared size and EXIF orientation, enforcing `limits`
// (RESOURCE_EXHAUSTED) and rejecting headers it cannot parse (INVALID_ARGUMENT).
StatusOr<ImageInfo> ProbeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

// Decodes `bytes` into an upright CV_8UC3 BGR image (see the contract above).
StatusOr<cv::Mat> DecodeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

// ReadFile(path, limits.max_bytes) then DecodeImage; errors name the path.
StatusOr<cv::Mat> ReadImage(const std::filesystem::path& path, const DecodeLimits& limits = {});

// SHA-256 of the encoded bytes (identifies a probe or enrolment photo in
// audit records without keeping the photo). Lower-case hex for the string form.
std::array<uint8_t, 32> ImageSha256(std::span<const uint8_t> bytes);
std::string ImageSha256Hex(std::span<const uint8_t> bytes);

}  // namespace candor

#endif  // CANDOR_IMAGE_H_
