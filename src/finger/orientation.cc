// Copyright 2026 The Candor Authors.
//
// Orientation field: doubled-angle averaging of gradient products.

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "finger/ridge_field.h"

namespace candor::finger::internal {

void LocalMeanStd(const cv::Mat& grey, double sigma, cv::Mat* mean, cv::Mat* stddev) {
  cv::Mat m, sq;
  cv::GaussianBlur(grey, m, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
  cv::GaussianBlur(grey.mul(grey), sq, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
  cv::Mat var = sq - m.mul(m);
  cv::max(var, 0.0, var);
  cv::sqrt(var, *stddev);
  *mean = m;
}

OrientationField ComputeOrientation(const cv::Mat& grey) {
  constexpr double kGradientSigma = 1.0, kBlockSigma = 7.0, kSmoothSigma = 7.0;
  cv::Mat smooth, gx, gy;
  cv::GaussianBlur(grey, smooth, cv::Size(), kGradientSigma, kGradientSigma, cv::BORDER_REFLECT);
  cv::Sobel(smooth, gx, CV_32F, 1, 0, 3, 1.0, 0, cv::BORDER_REFLECT);
  cv::Sobel(smooth, gy, CV_32F, 0, 1, 3, 1.0, 0, cv::BORDER_REFLECT);
  cv::Mat gxx = gx.mul(gx), gyy = gy.mul(gy), gxy = gx.mul(gy);
  cv::GaussianBlur(gxx, gxx, cv::Size(), kBlockSigma, kBlockSigma, cv::BORDER_REFLECT);
  cv::GaussianBlur(gyy, gyy, cv::Size(), kBlockSigma, kBlockSigma, cv::BORDER_REFLECT);
  cv::GaussianBlur(gxy, gxy, cv::Size(), kBlockSigma, kBlockSigma, cv::BORDER_REFLECT);

  OrientationField f;
  cv::Mat c2(grey.size(), CV_32F), s2(grey.size(), CV_32F);
  f.coherence.create(grey.size(), CV_32F);
  for (int y = 0; y < grey.rows; ++y) {
    const float* xx = gxx.ptr<float>(y);
    const float* yy = gyy.ptr<float>(y);
    const float* xy = gxy.ptr<float>(y);
    float* c = c2.ptr<float>(y);
    float* s = s2.ptr<float>(y);
    float* coh = f.coherence.ptr<float>(y);
    for (int x = 0; x < grey.cols; ++x) {
      const float d = xx[x] - yy[x], e = 2 * xy[x];
      const float mag = std::sqrt(d * d + e * e);
      const float sum = xx[x] + yy[x];
      c[x] = d;  // weighted by magnitude: strong regions dominate the smoothing
      s[x] = e;
      coh[x] = sum > 1e-6f ? mag / sum : 0.f;
    }
  }
  cv::GaussianBlur(c2, c2, cv::Size(), kSmoothSigma, kSmoothSigma, cv::BORDER_REFLECT);
  cv::GaussianBlur(s2, s2, cv::Size(), kSmoothSigma, kSmoothSigma, cv::BORDER_REFLECT);
  f.theta.create(grey.size(), CV_32F);
  for (int y = 0; y < grey.rows; ++y) {
    const float* c = c2.ptr<float>(y);
    const float* s = s2.ptr<float>(y);
    float* t = f.theta.ptr<float>(y);
    for (int x = 0; x < grey.cols; ++x) {
      // Gradient direction is 0.5*atan2; ridges run perpendicular to it.
      float th = 0.5f * std::atan2(s[x], c[x]) + static_cast<float>(CV_PI / 2);
      if (th >= CV_PI) th -= static_cast<float>(CV_PI);
      if (th < 0) th += static_cast<float>(CV_PI);
      t[x] = th;
    }
  }
  return f;
}

}  // namespace candor::finger::internal
