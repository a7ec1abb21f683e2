// Copyright 2026 The Candor Authors.

#include <limits>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "candor/image.h"
#include "common/file_util.h"
#include "common/hash.h"
#include "image/header.h"
#include "image/jpeg_decoder.h"
#include "image/orientation.h"

namespace candor {
namespace {

using image_internal::HeaderInfo;

void QuietOpenCvOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("OPENCV_LOG_LEVEL") == nullptr) {
      cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    }
  });
}

std::string Dims(uint64_t w, uint64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

Status CheckLimits(const HeaderInfo& h, const DecodeLimits& limits) {
  uint64_t pixels = uint64_t{h.width} * h.height;
  if (pixels > limits.max_pixels) {
    return ResourceExhaustedError("image " + Dims(h.width, h.height) + " = " +
                                  std::to_string(pixels) + " pixels exceeds the limit of " +
                                  std::to_string(limits.max_pixels) +
                                  " pixels (decompression-bomb guard)");
  }
  if (h.width > static_cast<uint64_t>(limits.max_side) ||
      h.height > static_cast<uint64_t>(limits.max_side)) {
    return ResourceExhaustedError("image " + Dims(h.width, h.height) +
                                  " exceeds the largest allowed side of " +
                                  std::to_string(limits.max_side) + " pixels");
  }
  return OkStatus();
}

// Brings any decoded Mat to CV_8UC3 BGR.
StatusOr<cv::Mat> ToBgr8(cv::Mat m, const HeaderInfo& h) {
  cv::Mat out;
  switch (m.depth()) {
    case CV_8U:
      break;
    case CV_16U:
      m.convertTo(m, CV_8U, 1.0 / 257.0);
      break;
    case CV_32F:
      m.convertTo(m, CV_8U, 255.0);
      break;  // float TIFF in [0,1]
    default:
      return InvalidArgumentError("unsupported sample type in " +
                                  std::string(ImageFormatName(h.format)) + " image");
  }
  switch (m.channels()) {
    case 1:
      cv::cvtColor(m, out, cv::COLOR_GRAY2BGR);
      break;
    case 2: {  // grey + alpha
      cv::Mat grey;
      cv::extractChannel(m, grey, 0);
      cv::cvtColor(grey, out, cv::COLOR_GRAY2BGR);
      break;
    }
    case 3:
      out = m;
      break;
    case 4:
      cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
      break;
    default:
      return InvalidArgumentError("unsupported channel count " + std::to_string(m.channels()));
  }
  return out;
}

}  // namespace

StatusOr<ImageInfo> ProbeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return ResourceExhaustedError("image is " + std::to_string(bytes.size()) +
                                  " bytes, over the limit of " + std::to_string(limits.max_bytes));
  }
  CANDOR_ASSIGN_OR_RETURN(HeaderInfo h, image_internal::ReadHeader(bytes));
  CANDOR_RETURN_IF_ERROR(CheckLimits(h, limits));
  ImageInfo info;
  info.format = h.format;
  info.width = static_cast<int>(h.width);
  info.height = static_cast<int>(h.height);
  info.exif_orientation = h.exif_orientation;
  return info;
}

StatusOr<cv::Mat> DecodeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  QuietOpenCvOnce();
  if (bytes.size() > limits.max_bytes) {
    return ResourceExhaustedError("image is " + std::to_string(bytes.size()) +
                                  " bytes, over the limit of " + std::to_string(limits.max_bytes));
  }
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return ResourceExhaustedError("image of " + std::to_string(bytes.size()) +
                                  " bytes is larger than the decoder accepts (2 GiB)");
  }
  CANDOR_ASSIGN_OR_RETURN(HeaderInfo h, image_internal::ReadHeader(bytes));
  CANDOR_RETURN_IF_ERROR(CheckLimits(h, limits));
  const std::string fmt(ImageFormatName(h.format));
  cv::Mat decoded;
  try {
    cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, const_cast<uint8_t*>(bytes.data()));
    if (h.format == ImageFormat::kJpeg) {
      // Straight libjpeg: silent on corrupt data, exact CMYK/YCCK conversion.
      CANDOR_ASSIGN_OR_RETURN(decoded, image_internal::DecodeJpeg(bytes));
    } else {
      // IMREAD_UNCHANGED keeps 16-bit depth and alpha and never applies EXIF
      // orientation (we apply it ourselves, for every format, below).
      decoded = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
    }
  } catch (const cv::Exception& e) {
    return InvalidArgumentError("cannot decode " + fmt + " image: " + e.what());
  } catch (const std::exception& e) {
    return InvalidArgumentError("cannot decode " + fmt + " image: " + e.what());
  }
  if (decoded.empty())
    return InvalidArgumentError("cannot decode " + fmt + " image: the data is corrupt");
  if (static_cast<uint32_t>(decoded.cols) != h.width ||
      static_cast<uint32_t>(decoded.rows) != h.height) {
    return InvalidArgumentError("decoded " + fmt + " image is " + Dims(decoded.cols, decoded.rows) +
                                " but its header says " + Dims(h.width, h.height));
  }
  cv::Mat bgr;
  try {
    // OpenCV 4.6 returns PGM/PPM samples unscaled when maxval is not 255 or
    // 65535 (binary files; ASCII files above 255): scale them to full range.
    const bool binary = h.pnm_kind == 5 || h.pnm_kind == 6,
               ascii = h.pnm_kind == 2 || h.pnm_kind == 3;
    if (h.format == ImageFormat::kPnm && h.pnm_maxval != 255 && h.pnm_maxval != 65535 &&
        (binary || (ascii && h.pnm_maxval > 255))) {
      const double full = decoded.depth() == CV_16U ? 65535.0 : 255.0;
      decoded.convertTo(decoded, decoded.depth(), full / h.pnm_maxval);
    }
    CANDOR_ASSIGN_OR_RETURN(bgr, ToBgr8(std::move(decoded), h));
    if (limits.apply_exif_orientation)
      bgr = image_internal::ApplyOrientation(bgr, h.exif_orientation);
  } catch (const cv::Exception& e) {
    return InternalError(std::string("image conversion failed: ") + e.what());
  }
  if (!bgr.isContinuous()) bgr = bgr.clone();
  return bgr;
}

StatusOr<cv::Mat> ReadImage(const std::filesystem::path& path, const DecodeLimits& limits) {
  auto bytes = ReadFile(path, limits.max_bytes);
  if (!bytes.ok()) return bytes.status();
  auto img = DecodeImage(*bytes, limits);
  if (!img.ok()) return img.status().WithContext(path.string());
  return img;
}

std::array<uint8_t, 32> ImageSha256(std::span<const uint8_t> bytes) { return Sha256(bytes); }
std::string ImageSha256Hex(std::span<const uint8_t> bytes) { return HexDigest(Sha256(bytes)); }

}  // namespace candor
