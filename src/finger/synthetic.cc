// Copyright 2026 The Candor Authors.
//
// Synthetic minutiae templates and ridge images (see synthetic.h).

#include "finger/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "finger/geometry.h"

namespace candor::finger {
namespace {

using internal::kPi;
using internal::Wrap2Pi;

constexpr int kWidth = 400, kHeight = 500;

// Uniform in [lo, hi) from raw mt19937_64 output (portable across libraries).
double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0));
}
double Normal(std::mt19937_64& rng, double mean, double sd) {  // Box-Muller
  const double u1 = std::max(Uniform(rng, 0, 1), 1e-12), u2 = Uniform(rng, 0, 1);
  return mean + sd * std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

}  // namespace

FingerTemplate SyntheticTemplate(uint64_t seed) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
  FingerTemplate t;
  t.width = kWidth;
  t.height = kHeight;
  t.quality = 60;
  const double cx = kWidth / 2.0 + Uniform(rng, -20, 20), cy = kHeight / 2.0 + Uniform(rng, -20, 20);
  const double ax = Uniform(rng, 110, 150), ay = Uniform(rng, 140, 190);
  const double core_x = cx + Uniform(rng, -30, 30), core_y = cy - Uniform(rng, 20, 60);
  const double delta_x = cx + Uniform(rng, -90, 90), delta_y = cy + Uniform(rng, 60, 120);
  const double theta0 = Uniform(rng, -0.3, 0.3);
  const int count = std::clamp(static_cast<int>(std::lround(Normal(rng, 38, 8))), 12, 80);
  for (int tries = 0; tries < 5000 && static_cast<int>(t.minutiae.size()) < count; ++tries) {
    const double x = Uniform(rng, cx - ax, cx + ax), y = Uniform(rng, cy - ay, cy + ay);
    if (((x - cx) / ax) * ((x - cx) / ax) + ((y - cy) / ay) * ((y - cy) / ay) > 1) continue;
    if (x < 0 || y < 0 || x >= kWidth || y >= kHeight) continue;
    bool close = false;
    for (const Minutia& m : t.minutiae) close |= std::hypot(m.x - x, m.y - y) < 12;
    if (close) continue;
    const double field = theta0 + 0.5 * (std::atan2(y - core_y, x - core_x) - std::atan2(y - delta_y, x - delta_x));
    Minutia m;
    m.x = static_cast<float>(x);
    m.y = static_cast<float>(y);
    m.direction = static_cast<float>(Wrap2Pi(field + (rng() & 1 ? kPi : 0)));
    m.type = rng() & 1 ? MinutiaType::kEnding : MinutiaType::kBifurcation;
    m.quality = static_cast<uint8_t>(40 + rng() % 61);
    t.minutiae.push_back(m);
  }
  return t;
}

FingerTemplate SyntheticMate(const FingerTemplate& t, uint64_t seed) {
  std::mt19937_64 rng(seed * 0xD1B54A32D192ED03ull + 7);
  FingerTemplate out = t;
  out.minutiae.clear();
  const double rot = Uniform(rng, -20, 20) * kPi / 180, tx = Uniform(rng, -30, 30), ty = Uniform(rng, -30, 30);
  const double c = std::cos(rot), s = std::sin(rot), cx = t.width / 2.0, cy = t.height / 2.0;
  auto keep = [&](double x, double y) { return x >= 0 && y >= 0 && x < t.width && y < t.height; };
  for (const Minutia& m : t.minutiae) {
    if (Uniform(rng, 0, 1) < 0.2) continue;
    const double x = cx + c * (m.x - cx) - s * (m.y - cy) + tx + Normal(rng, 0, 3);
    const double y = cy + s * (m.x - cx) + c * (m.y - cy) + ty + Normal(rng, 0, 3);
    if (!keep(x, y)) continue;
    Minutia r = m;
    r.x = static_cast<float>(x);
    r.y = static_cast<float>(y);
    r.direction = static_cast<float>(Wrap2Pi(m.direction + rot + Normal(rng, 0, 0.1)));
    out.minutiae.push_back(r);
  }
  const int spurious = static_cast<int>(std::lround(0.1 * t.minutiae.size()));
  for (int i = 0; i < spurious; ++i) {
    Minutia m;
    m.x = static_cast<float>(Uniform(rng, 60, t.width - 60));
    m.y = static_cast<float>(Uniform(rng, 60, t.height - 60));
    m.direction = static_cast<float>(Uniform(rng, 0, 2 * kPi));
    m.type = rng() & 1 ? MinutiaType::kEnding : MinutiaType::kBifurcation;
    m.quality = 40;
    out.minutiae.push_back(m);
  }
  return out;
}

cv::Mat SyntheticPrintImage(cv::Size size, double period, double angle, const std::vector<cv::Point2f>& points) {
  cv::Mat img(size, CV_8U, cv::Scalar(255));
  const double nx = -std::sin(angle), ny = std::cos(angle);  // across the ridges
  const double cx = size.width / 2.0, cy = size.height / 2.0;
  const double ax = size.width * 0.45, ay = size.height * 0.45;
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      if (((x - cx) / ax) * ((x - cx) / ax) + ((y - cy) / ay) * ((y - cy) / ay) > 1) continue;
      double phase = 2 * kPi * (x * nx + y * ny) / period;
      for (const cv::Point2f& p : points) phase += std::atan2(y - p.y, x - p.x);
      img.at<uint8_t>(y, x) = static_cast<uint8_t>(std::lround(128 + 100 * std::cos(phase)));
    }
  }
  return img;
}

}  // namespace candor::finger
