// Copyright 2026 The Candor Authors.
//
// Applies an EXIF orientation (1..8) to an image so it appears upright, with
// the same transforms as a conforming viewer (and OpenCV's imread). Values
// outside 1..8 leave the image unchanged. Returns a new Mat; thread-safe.

#ifndef CANDOR_IMAGE_ORIENTATION_H_
#define CANDOR_IMAGE_ORIENTATION_H_

#include <opencv2/core/mat.hpp>

namespace candor::image_internal {

cv::Mat ApplyOrientation(const cv::Mat& image, int exif_orientation);

}  // namespace candor::image_internal

#endif  // CANDOR_IMAGE_ORIENTATION_H_
