// Copyright 2026 The Candor Authors.
//
// Helpers for image tests: build encoded images at test time (never stored in
// the repository). Test-only; not thread-safe where noted.

#ifndef CANDOR_IMAGE_TEST_IMAGES_H_
#define CANDOR_IMAGE_TEST_IMAGES_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <utility>
#include <vector>

namespace candor::testing_images {

// cv::imencode to `ext` (".png", ".jpg", ...); aborts the test on failure.
std::vector<uint8_t> Encode(const cv::Mat& img, const std::string& ext,
                            std::vector<int> params = {});

// JPEG bytes with an EXIF APP1 segment carrying `orientation` inserted after SOI.
std::vector<uint8_t> WithExifOrientation(const std::vector<uint8_t>& jpeg, int orientation,
                                         bool big_endian = false);

// A PNG with the given colour type (0 grey, 2 RGB, 4 grey+alpha, 6 RGBA), 8-bit,
// written with zlib; `pixels` is row-major interleaved samples.
std::vector<uint8_t> MakePng(int width, int height, int color_type,
                             const std::vector<uint8_t>& pixels);

// `png` with an eXIf chunk carrying `orientation` inserted after IHDR.
std::vector<uint8_t> WithPngExifOrientation(const std::vector<uint8_t>& png, int orientation);

// A simple (VP8/VP8L) WebP rewritten as an extended (VP8X) WebP with an EXIF
// chunk carrying `orientation`.
std::vector<uint8_t> WithWebpExifOrientation(const std::vector<uint8_t>& webp, int width,
                                             int height, int orientation);

// A syntactically valid PNG whose IHDR declares width x height but holds only a
// tiny IDAT (a decompression-bomb shaped header).
std::vector<uint8_t> BombPng(uint32_t width, uint32_t height);

// A CMYK JPEG written with libjpeg whose decoded colours should equal `bgr`:
// with `adobe`, an Adobe marker and inverted CMYK as Photoshop writes it;
// without, plain CMYK and no Adobe marker.
std::vector<uint8_t> CmykJpeg(const cv::Mat& bgr, bool adobe = true);

// Small synthetic images (12x16) in every format and variant the decoder
// supports: BMP, JPEG (baseline, progressive, grey, CMYK, EXIF orientation 6 and
// big-endian 8), PNG (8/16-bit, grey, grey+alpha, BGRA), PBM/PGM (binary and
// ASCII)/PPM, TIFF (8/16-bit), WebP (lossy, lossless): file name -> bytes. The
// fuzzers' image seed corpus (candor_image_seeds, fuzz/run_fuzzers.sh) is made
// from these at run time, so no image file is kept in git.
std::vector<std::pair<std::string, std::vector<uint8_t>>> SeedImages();

// Mean absolute difference over all channels; images must have equal size/type.
double MeanAbsDiff(const cv::Mat& a, const cv::Mat& b);

// A real LFW face (250x250 BGR) with a white square marking its top-left
// corner, so that every flip/rotation is distinguishable; empty without data.
cv::Mat MarkedFace();

}  // namespace candor::testing_images

#endif  // CANDOR_IMAGE_TEST_IMAGES_H_
