// Copyright 2026 The Candor Authors.
//
// Contextual Gabor enhancement: per pixel, the even Gabor filter tuned to the
// local ridge direction and period (a precomputed bank), only inside the mask.

#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/core.hpp>
#include <vector>

#include "finger/ridge_field.h"

namespace candor::finger::internal {
namespace {

constexpr int kAngles = 24;
constexpr float kMinPeriod = 5.f, kPeriodStep = 0.5f;
constexpr int kPeriods = 21;  // 5 .. 15 px
constexpr int kRadius = 8;
constexpr int kSide = 2 * kRadius + 1;
constexpr float kSigma = 4.f;  // Hong, Wan & Jain (1998): sigma_x = sigma_y = 4

struct Bank {
  std::vector<float> k;  // [angle][period][kSide*kSide]
  const float* At(int a, int p) const { return &k[(static_cast<size_t>(a) * kPeriods + p) * kSide * kSide]; }
};

const Bank& GetBank() {
  static const Bank bank = [] {
    Bank b;
    b.k.resize(static_cast<size_t>(kAngles) * kPeriods * kSide * kSide);
    for (int a = 0; a < kAngles; ++a) {
      const double th = CV_PI * a / kAngles;
      const double ax = std::cos(th), ay = std::sin(th), nx = -ay, ny = ax;
      for (int p = 0; p < kPeriods; ++p) {
        const double period = kMinPeriod + kPeriodStep * p;
        float* k = const_cast<float*>(b.At(a, p));
        double sum = 0, count = 0;
        for (int dy = -kRadius; dy <= kRadius; ++dy) {
          for (int dx = -kRadius; dx <= kRadius; ++dx) {
            const double u = dx * nx + dy * ny, v = dx * ax + dy * ay;
            const double g = std::exp(-0.5 * (u * u + v * v) / (kSigma * kSigma)) *
                             std::cos(2 * CV_PI * u / period);
            k[(dy + kRadius) * kSide + dx + kRadius] = static_cast<float>(g);
            sum += g;
            ++count;
          }
        }
        // Zero DC (a flat patch gives 0), then unit L1 norm.
        double l1 = 0;
        for (int i = 0; i < kSide * kSide; ++i) {
          k[i] -= static_cast<float>(sum / count);
          l1 += std::abs(k[i]);
        }
        for (int i = 0; i < kSide * kSide; ++i) k[i] = static_cast<float>(k[i] / l1 * 2);
      }
    }
    return b;
  }();
  return bank;
}

}  // namespace

cv::Mat GaborEnhance(const cv::Mat& normalized, const cv::Mat& theta, const cv::Mat& period,
                     const cv::Mat& mask) {
  const Bank& bank = GetBank();
  cv::Mat padded;
  cv::copyMakeBorder(normalized, padded, kRadius, kRadius, kRadius, kRadius, cv::BORDER_REFLECT);
  cv::Mat out(normalized.size(), CV_32F, cv::Scalar(0));
  for (int y = 0; y < normalized.rows; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    const float* th = theta.ptr<float>(y);
    const float* pe = period.ptr<float>(y);
    float* o = out.ptr<float>(y);
    for (int x = 0; x < normalized.cols; ++x) {
      if (!m[x]) continue;
      int a = static_cast<int>(std::lround(th[x] / CV_PI * kAngles)) % kAngles;
      const int p = std::clamp(static_cast<int>(std::lround((pe[x] - kMinPeriod) / kPeriodStep)), 0,
                               kPeriods - 1);
      const float* k = bank.At(a, p);
      float acc = 0;
      for (int dy = 0; dy < kSide; ++dy) {
        const float* row = padded.ptr<float>(y + dy) + x;
        const float* kr = k + dy * kSide;
        for (int dx = 0; dx < kSide; ++dx) acc += kr[dx] * row[dx];
      }
      o[x] = acc;
    }
  }
  return out;
}

}  // namespace candor::finger::internal
