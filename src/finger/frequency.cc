// Copyright 2026 The Candor Authors.
//
// Ridge period from oriented-window signatures (Hong, Wan & Jain 1998).

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "finger/ridge_field.h"

namespace candor::finger::internal {
namespace {

constexpr int kBlock = 16;
constexpr int kLength = 32;  // samples across the ridges
constexpr int kWidth = 16;   // samples along the ridges, averaged
constexpr float kMinPeriod = 5, kMaxPeriod = 15;

float Bilinear(const cv::Mat& img, float x, float y) {
  x = std::clamp(x, 0.f, static_cast<float>(img.cols - 1));
  y = std::clamp(y, 0.f, static_cast<float>(img.rows - 1));
  const int x0 = std::min(static_cast<int>(x), img.cols - 2 < 0 ? 0 : img.cols - 2);
  const int y0 = std::min(static_cast<int>(y), img.rows - 2 < 0 ? 0 : img.rows - 2);
  const int x1 = std::min(x0 + 1, img.cols - 1), y1 = std::min(y0 + 1, img.rows - 1);
  const float fx = x - x0, fy = y - y0;
  const float a = img.at<float>(y0, x0), b = img.at<float>(y0, x1);
  const float c = img.at<float>(y1, x0), d = img.at<float>(y1, x1);
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

// The period (px) of the block centred on (cx, cy), or 0 when not measurable.
float BlockPeriod(const cv::Mat& img, float cx, float cy, float theta) {
  const float ax = std::cos(theta), ay = std::sin(theta);  // along the ridge
  const float nx = -ay, ny = ax;                           // across
  float sig[kLength];
  for (int t = 0; t < kLength; ++t) {
    const float u = t - (kLength - 1) / 2.f;
    float sum = 0;
    for (int s = 0; s < kWidth; ++s) {
      const float v = s - (kWidth - 1) / 2.f;
      sum += Bilinear(img, cx + u * nx + v * ax, cy + u * ny + v * ay);
    }
    sig[t] = sum / kWidth;
  }
  // Light smoothing, then peaks = strict local maxima above the mean.
  float sm[kLength];
  for (int t = 0; t < kLength; ++t) {
    const float l = sig[std::max(t - 1, 0)], r = sig[std::min(t + 1, kLength - 1)];
    sm[t] = 0.25f * l + 0.5f * sig[t] + 0.25f * r;
  }
  float mean = 0, lo = sm[0], hi = sm[0];
  for (float s : sm) {
    mean += s;
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  mean /= kLength;
  if (hi - lo < 0.3f) return 0;  // input is normalised to unit local deviation
  std::vector<int> peaks;
  for (int t = 1; t + 1 < kLength; ++t) {
    if (sm[t] > sm[t - 1] && sm[t] >= sm[t + 1] && sm[t] > mean) peaks.push_back(t);
  }
  if (peaks.size() < 2) return 0;
  const float period = static_cast<float>(peaks.back() - peaks.front()) / (peaks.size() - 1);
  return (period >= kMinPeriod && period <= kMaxPeriod) ? period : 0;
}

}  // namespace

RidgePeriod ComputeRidgePeriod(const cv::Mat& normalized, const cv::Mat& theta, const cv::Mat& mask) {
  const int bw = (normalized.cols + kBlock - 1) / kBlock, bh = (normalized.rows + kBlock - 1) / kBlock;
  cv::Mat bp(bh, bw, CV_32F, cv::Scalar(0));
  cv::Mat in_print(bh, bw, CV_8U, cv::Scalar(0));
  std::vector<float> valid;
  int fg = 0;
  for (int by = 0; by < bh; ++by) {
    for (int bx = 0; bx < bw; ++bx) {
      const int cx = std::min(bx * kBlock + kBlock / 2, normalized.cols - 1);
      const int cy = std::min(by * kBlock + kBlock / 2, normalized.rows - 1);
      if (!mask.at<uint8_t>(cy, cx)) continue;
      in_print.at<uint8_t>(by, bx) = 1;
      ++fg;
      const float p = BlockPeriod(normalized, cx, cy, theta.at<float>(cy, cx));
      bp.at<float>(by, bx) = p;
      if (p > 0) valid.push_back(p);
    }
  }
  RidgePeriod r;
  if (valid.empty()) {
    r.median = 9.0;  // a typical adult period at 500 dpi, used when nothing measures
    r.period = cv::Mat(normalized.size(), CV_32F, cv::Scalar(r.median));
    return r;
  }
  std::vector<float> sorted = valid;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  r.median = sorted[sorted.size() / 2];
  r.valid_fraction = fg > 0 ? static_cast<double>(valid.size()) / fg : 0;
  double mean = 0, sq = 0;
  for (float p : valid) mean += p;
  mean /= valid.size();
  for (float p : valid) sq += (p - mean) * (p - mean);
  r.spread = mean > 0 ? std::sqrt(sq / valid.size()) / mean : 1;

  // Gaps: a weighted average of measured neighbours (normalised convolution),
  // else the median; then a light smoothing over the block grid.
  cv::Mat w = cv::Mat(bp > 0) / 255;
  w.convertTo(w, CV_32F);
  cv::Mat num, den;
  cv::GaussianBlur(bp, num, cv::Size(), 1.5);
  cv::GaussianBlur(w, den, cv::Size(), 1.5);
  cv::Mat filled(bh, bw, CV_32F);
  for (int y = 0; y < bh; ++y) {
    for (int x = 0; x < bw; ++x) {
      const float d = den.at<float>(y, x);
      filled.at<float>(y, x) = d > 0.05f ? num.at<float>(y, x) / d : static_cast<float>(r.median);
    }
  }
  cv::resize(filled, r.period, normalized.size(), 0, 0, cv::INTER_LINEAR);
  return r;
}

}  // namespace candor::finger::internal
