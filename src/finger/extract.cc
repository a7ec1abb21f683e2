// Copyright 2026 The Candor Authors.
//
// ExtractFinger: decode, rescale to 500 dpi, segment, orientation, period,
// Gabor enhancement, binarise, thin, minutiae, quality.

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <string>

#include "candor/finger.h"
#include "finger/finger_quality.h"
#include "finger/ridge_field.h"
#include "finger/skeleton.h"

namespace candor::finger {
namespace {

constexpr int kMinSide = 64, kMaxSide = 2048;
constexpr double kMinDpi = 250, kMaxDpi = 1200;
constexpr int kMinPrintPixels = 64 * 64;  // about 10 mm^2 at 500 dpi

// Removes ridge blobs and valley holes smaller than `min_area` pixels.
void CleanBinary(cv::Mat& ridges01, int min_area) {
  for (int pass = 0; pass < 2; ++pass) {
    cv::Mat target = pass == 0 ? ridges01 : (ridges01 == 0) / 255;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(target, labels, stats, centroids, 4, CV_32S);
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      uint8_t* r = ridges01.ptr<uint8_t>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (l[x] > 0 && l[x] < n && stats.at<int>(l[x], cv::CC_STAT_AREA) < min_area) r[x] = pass == 0 ? 0 : 1;
      }
    }
  }
}

// Local correlation between the normalised image and its enhancement: how
// well the print matches a clean ridge pattern (1 = perfectly).
cv::Mat LocalClarity(const cv::Mat& a, const cv::Mat& b, double sigma) {
  cv::Mat ma, mb, mab, maa, mbb;
  cv::GaussianBlur(a, ma, cv::Size(), sigma);
  cv::GaussianBlur(b, mb, cv::Size(), sigma);
  cv::GaussianBlur(a.mul(b), mab, cv::Size(), sigma);
  cv::GaussianBlur(a.mul(a), maa, cv::Size(), sigma);
  cv::GaussianBlur(b.mul(b), mbb, cv::Size(), sigma);
  cv::Mat cov = mab - ma.mul(mb), va = maa - ma.mul(ma), vb = mbb - mb.mul(mb);
  cv::Mat den;
  cv::max(va.mul(vb), 1e-6, den);
  cv::sqrt(den, den);
  cv::Mat r = cov / den;
  cv::max(r, 0.0, r);
  cv::min(r, 1.0, r);
  return r;
}

}  // namespace

StatusOr<FingerExtraction> ExtractFingerImage(const cv::Mat& image, const ExtractOptions& options) {
  if (image.empty()) return InvalidArgumentError("empty fingerprint image");
  if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3 && image.channels() != 4)) {
    return InvalidArgumentError("fingerprint image must be 8-bit grey, BGR or BGRA");
  }
  if (!(options.dpi >= kMinDpi && options.dpi <= kMaxDpi)) {
    return InvalidArgumentError("fingerprint resolution " + std::to_string(options.dpi) +
                                " dpi is outside [250, 1200]");
  }
  if (options.finger_position < 0 || options.finger_position > kMaxFingerPosition) {
    return InvalidArgumentError("finger position must be 0 (unknown) to 10");
  }
  cv::Mat grey8;
  if (image.channels() == 1) grey8 = image;
  else cv::cvtColor(image, grey8, image.channels() == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
  if (std::abs(options.dpi - 500) > 1e-6) {
    const double s = 500.0 / options.dpi;
    const cv::Size sz(std::max(1, static_cast<int>(std::lround(grey8.cols * s))),
                      std::max(1, static_cast<int>(std::lround(grey8.rows * s))));
    cv::Mat r;
    cv::resize(grey8, r, sz, 0, 0, s < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    grey8 = r;
  }
  if (grey8.cols < kMinSide || grey8.rows < kMinSide) {
    return InvalidArgumentError("fingerprint image is " + std::to_string(grey8.cols) + "x" +
                                std::to_string(grey8.rows) + " px at 500 dpi; at least 64x64 is needed");
  }
  if (grey8.cols > kMaxSide || grey8.rows > kMaxSide) {
    return InvalidArgumentError("fingerprint image is " + std::to_string(grey8.cols) + "x" +
                                std::to_string(grey8.rows) + " px at 500 dpi; at most 2048 a side");
  }
  cv::Mat grey;
  grey8.convertTo(grey, CV_32F);

  const internal::OrientationField field = internal::ComputeOrientation(grey);
  FingerExtraction out;
  out.mask = internal::Segment(grey, field);
  const int print_pixels = cv::countNonZero(out.mask);
  if (print_pixels < kMinPrintPixels) {
    return FailedPreconditionError("no fingerprint found: no area with a ridge pattern (" +
                                   std::to_string(print_pixels) + " px)");
  }

  // Local normalisation, ridges positive.
  cv::Mat mean, sd, normalized;
  internal::LocalMeanStd(grey, 8.0, &mean, &sd);
  cv::max(sd, 4.0, sd);
  normalized = (mean - grey) / sd;
  cv::min(normalized, 3.0, normalized);
  cv::max(normalized, -3.0, normalized);

  const internal::RidgePeriod period = internal::ComputeRidgePeriod(normalized, field.theta, out.mask);
  cv::Mat enhanced = internal::GaborEnhance(normalized, field.theta, period.period, out.mask);

  cv::Mat ridges = (enhanced > 0) & out.mask;
  ridges /= 255;
  CleanBinary(ridges, static_cast<int>(period.median * period.median / 3));
  cv::Mat skel = internal::Thin(ridges);

  cv::Mat clarity = LocalClarity(normalized, enhanced, 8.0);
  cv::Mat local_quality = 0.5 * clarity + 0.5 * field.coherence;
  std::vector<Minutia> minutiae =
      internal::FindMinutiae(skel, field.theta, out.mask, local_quality, static_cast<float>(period.median));
  std::stable_sort(minutiae.begin(), minutiae.end(),
                   [](const Minutia& a, const Minutia& b) { return a.quality > b.quality; });
  if (static_cast<int>(minutiae.size()) > options.max_minutiae) minutiae.resize(std::max(0, options.max_minutiae));

  out.quality = internal::AssessFingerQuality(field.coherence, clarity, out.mask, period,
                                              static_cast<int>(minutiae.size()));
  out.tmpl.width = grey8.cols;
  out.tmpl.height = grey8.rows;
  out.tmpl.resolution_dpi = 500;
  out.tmpl.finger_position = options.finger_position;
  out.tmpl.quality = static_cast<uint8_t>(out.quality.score);
  out.tmpl.minutiae = std::move(minutiae);
  out.orientation = field.theta;
  cv::Mat e8;
  enhanced.convertTo(e8, CV_8U, -100, 128);
  e8.setTo(255, out.mask == 0);
  out.enhanced = e8;
  out.skeleton = skel * 255;
  return out;
}

StatusOr<FingerExtraction> ExtractFinger(std::span<const uint8_t> bytes, const ExtractOptions& options) {
  CANDOR_ASSIGN_OR_RETURN(cv::Mat image, DecodeImage(bytes, options.limits));
  return ExtractFingerImage(image, options);
}

}  // namespace candor::finger
