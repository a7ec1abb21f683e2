// Copyright 2026 The Candor Authors.

#include "image/orientation.h"

#include <opencv2/core.hpp>

namespace candor::image_internal {

cv::Mat ApplyOrientation(const cv::Mat& image, int o) {
  cv::Mat out;
  switch (o) {
    case 2:
      cv::flip(image, out, 1);
      break;  // mirrored horizontally
    case 3:
      cv::flip(image, out, -1);
      break;  // rotated 180
    case 4:
      cv::flip(image, out, 0);
      break;  // mirrored vertically
    case 5:
      cv::transpose(image, out);
      break;  // mirrored along the main diagonal
    case 6:   // stored rotated 90 CCW: rotate 90 CW
      cv::transpose(image, out);
      cv::flip(out, out, 1);
      break;
    case 7:  // transverse
      cv::transpose(image, out);
      cv::flip(out, out, -1);
      break;
    case 8:  // stored rotated 90 CW: rotate 90 CCW
      cv::transpose(image, out);
      cv::flip(out, out, 0);
      break;
    default:
      out = image;
      break;
  }
  return out;
}

}  // namespace candor::image_internal
