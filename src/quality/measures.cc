// Copyright 2026 The Candor Authors.

#include "quality/measures.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <opencv2/imgproc.hpp>

namespace candor::quality {

const std::array<cv::Point2f, 5> kReference112 = {
    cv::Point2f(38.2946f, 51.6963f), cv::Point2f(73.5318f, 51.5014f),
    cv::Point2f(56.0252f, 71.7366f), cv::Point2f(41.5493f, 92.3655f),
    cv::Point2f(70.7299f, 92.2041f)};

namespace {
constexpr float kPi = 3.14159265358979f;
constexpr float kDeg = 180.f / kPi;
// Sharpness mapping: s = R / (R + kSharpHalf), R = Laplacian energy / (luma variance + 25).
constexpr double kSharpHalf = 0.08;

cv::Mat Luma(const cv::Mat& bgr) {
  cv::Mat g;
  if (bgr.channels() == 3) {
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  } else {
    g = bgr;
  }
  return g;
}
}  // namespace

cv::Rect InnerFace(const cv::Size& s) {
  int x0 = static_cast<int>(s.width * 0.15), x1 = static_cast<int>(s.width * 0.85);
  int y0 = static_cast<int>(s.height * 0.15), y1 = static_cast<int>(s.height * 0.95);
  return cv::Rect(x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0));
}

cv::Mat EyeAlignedCrop(const cv::Mat& bgr, const cv::Point2f& le, const cv::Point2f& re) {
  const cv::Point2f rl = kReference112[0], rr = kReference112[1];
  // Similarity mapping (le, re) -> (rl, rr): z' = a z + b in complex numbers.
  std::complex<double> zl(le.x, le.y), zr(re.x, re.y), wl(rl.x, rl.y), wr(rr.x, rr.y);
  std::complex<double> a = (wr - wl) / (zr - zl);
  std::complex<double> b = wl - a * zl;
  cv::Matx23d m(a.real(), -a.imag(), b.real(), a.imag(), a.real(), b.imag());
  cv::Mat out;
  cv::warpAffine(bgr, out, m, cv::Size(112, 112), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

float Sharpness(const cv::Mat& crop_bgr) {
  cv::Mat g = Luma(crop_bgr), g112;
  cv::resize(g, g112, cv::Size(112, 112), 0, 0, g.cols > 112 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat f;
  g112.convertTo(f, CV_32F);
  cv::Mat lap;
  cv::Laplacian(f, lap, CV_32F, 1);
  cv::Rect r = InnerFace(f.size());
  cv::Scalar lm, ls, gm, gs;
  cv::meanStdDev(lap(r), lm, ls);
  cv::meanStdDev(f(r), gm, gs);
  double energy = ls[0] * ls[0] + lm[0] * lm[0];
  double ratio = energy / (gs[0] * gs[0] + 25.0);
  return static_cast<float>(ratio / (ratio + kSharpHalf));
}

Pose PoseFrom5(const std::array<cv::Point2f, 5>& lm) {
  Pose p;
  cv::Point2f le = lm[0], re = lm[1];
  cv::Point2f d = re - le;
  float roll = std::atan2(d.y, d.x);
  p.roll_deg = roll * kDeg;
  // Undo roll around the eye midpoint, then measure in units of the eye distance.
  cv::Point2f mid = (le + re) * 0.5f;
  float c = std::cos(-roll), s = std::sin(-roll);
  auto unroll = [&](cv::Point2f q) {
    q -= mid;
    return cv::Point2f(c * q.x - s * q.y, s * q.x + c * q.y);
  };
  float iod = std::hypot(d.x, d.y);
  cv::Point2f nose = unroll(lm[2]);
  cv::Point2f mouth = (unroll(lm[3]) + unroll(lm[4])) * 0.5f;
  const auto& r = kReference112;
  float ref_eye_y = (r[0].y + r[1].y) / 2, ref_mouth_y = (r[3].y + r[4].y) / 2;
  float ref_q = (r[2].y - ref_eye_y) / (ref_mouth_y - ref_eye_y);
  // Yaw: the nose tip, ~0.5 eye distances in front of the eye plane, moves
  // sideways by depth*sin(yaw) while the eye distance shrinks by cos(yaw).
  const float depth = 0.5f;  // nose protrusion / eye distance, average adult face
  float x = nose.x / iod;
  p.yaw_deg = std::atan2(x, depth) * kDeg;
  // Pitch: the nose tip's height between the eye line and the mouth, against
  // the frontal reference; looking up moves it towards the eyes.
  float eye_mouth = mouth.y;
  if (eye_mouth > 1e-3f) {
    float q = nose.y / eye_mouth;
    // nose.y = q0*H*cos(pitch) - depth*iod*sin(pitch), H = eye-mouth distance.
    p.pitch_deg = std::atan2((ref_q - q) * eye_mouth / iod, depth) * kDeg;
  } else {
    p.pitch_deg = 90;  // mouth at or above the eyes: extreme pose or bad landmarks
  }
  return p;
}

Exposure MeasureExposure(const cv::Mat& crop_bgr) {
  cv::Mat g = Luma(crop_bgr);
  cv::Mat roi = g(InnerFace(g.size()));
  Exposure e;
  cv::Scalar m, sd;
  cv::meanStdDev(roi, m, sd);
  e.brightness = static_cast<float>(m[0]);
  e.contrast = static_cast<float>(sd[0]);
  double n = static_cast<double>(roi.total());
  e.clipped_dark = static_cast<float>(cv::countNonZero(roi <= 2) / n);
  e.clipped_bright = static_cast<float>(cv::countNonZero(roi >= 253) / n);
  return e;
}

}  // namespace candor::quality
