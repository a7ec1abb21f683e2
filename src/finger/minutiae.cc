// Copyright 2026 The Candor Authors.
//
// Minutiae from the skeleton: crossing number, direction, false-minutiae removal.

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "finger/skeleton.h"

namespace candor::finger::internal {
namespace {

constexpr int kDx[8] = {0, 1, 1, 1, 0, -1, -1, -1};
constexpr int kDy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};
constexpr float kPi = static_cast<float>(CV_PI);

float AngleDiff(float a, float b) {  // a - b in [-pi, pi)
  float d = std::fmod(a - b + kPi, 2 * kPi);
  if (d < 0) d += 2 * kPi;
  return d - kPi;
}

float Wrap2Pi(float a) {
  a = std::fmod(a, 2 * kPi);
  return a < 0 ? a + 2 * kPi : a;
}

struct Skeleton {
  const cv::Mat& s;
  cv::Mat cn;  // crossing number of skeleton pixels, 0 elsewhere (CV_8U)

  bool On(int x, int y) const {
    return x >= 0 && y >= 0 && x < s.cols && y < s.rows && s.at<uint8_t>(y, x);
  }
};

cv::Mat CrossingNumbers(const cv::Mat& s) {
  cv::Mat cn(s.size(), CV_8U, cv::Scalar(0));
  for (int y = 1; y < s.rows - 1; ++y) {
    for (int x = 1; x < s.cols - 1; ++x) {
      if (!s.at<uint8_t>(y, x)) continue;
      int t = 0;
      for (int i = 0; i < 8; ++i) {
        const bool a = s.at<uint8_t>(y + kDy[i], x + kDx[i]);
        const bool b = s.at<uint8_t>(y + kDy[(i + 1) & 7], x + kDx[(i + 1) & 7]);
        t += a != b;
      }
      cn.at<uint8_t>(y, x) = static_cast<uint8_t>(t / 2);
    }
  }
  return cn;
}

// Where a ridge walk from `from` through `first` stopped.
struct Trace {
  enum Kind { kLength, kEnding, kJunction, kDeadEnd } kind = kLength;
  int steps = 0;
  cv::Point end;
  cv::Point at_direction;  // the pixel `direction_steps` along (or the last)
};

Trace Follow(const Skeleton& sk, cv::Point from, cv::Point first, int max_steps, int direction_steps) {
  Trace tr;
  std::vector<cv::Point> visited = {from};
  for (int i = 0; i < 8; ++i) visited.emplace_back(from.x + kDx[i], from.y + kDy[i]);
  cv::Point prev = from, cur = first;
  tr.at_direction = first;
  for (int step = 1;; ++step) {
    tr.steps = step;
    tr.end = cur;
    if (step <= direction_steps) tr.at_direction = cur;
    const int c = sk.cn.at<uint8_t>(cur);
    if (c == 1) { tr.kind = Trace::kEnding; return tr; }
    if (c >= 3) { tr.kind = Trace::kJunction; return tr; }
    if (step >= max_steps) { tr.kind = Trace::kLength; return tr; }
    cv::Point next(-1, -1);
    int best = -1;
    for (int i = 0; i < 8; ++i) {
      const cv::Point q(cur.x + kDx[i], cur.y + kDy[i]);
      if (!sk.On(q.x, q.y)) continue;
      if (std::find(visited.end() - std::min<size_t>(visited.size(), 12), visited.end(), q) != visited.end()) continue;
      if (step == 1 && std::find(visited.begin(), visited.begin() + 9, q) != visited.begin() + 9) continue;
      const int d = (q.x - prev.x) * (q.x - prev.x) + (q.y - prev.y) * (q.y - prev.y);
      if (d > best) { best = d; next = q; }
    }
    if (best < 0) { tr.kind = Trace::kDeadEnd; return tr; }
    visited.push_back(cur);
    prev = cur;
    cur = next;
  }
}

// One start pixel per run of set neighbours around (x, y) (4-neighbours preferred).
std::vector<cv::Point> BranchStarts(const Skeleton& sk, int x, int y) {
  std::vector<cv::Point> starts;
  int first_zero = -1;
  for (int i = 0; i < 8; ++i) {
    if (!sk.On(x + kDx[i], y + kDy[i])) { first_zero = i; break; }
  }
  if (first_zero < 0) return starts;
  int run_best = -1;
  for (int k = 1; k <= 8; ++k) {
    const int i = (first_zero + k) & 7;
    const bool on = sk.On(x + kDx[i], y + kDy[i]);
    if (on) {
      if (run_best < 0 || (i % 2 == 0 && run_best % 2 == 1)) run_best = i;
    } else if (run_best >= 0) {
      starts.emplace_back(x + kDx[run_best], y + kDy[run_best]);
      run_best = -1;
    }
  }
  return starts;
}

// Picks theta or theta + pi, whichever is closer to the traced angle.
float SnapToField(float traced, float theta) {
  return std::abs(AngleDiff(traced, theta)) <= kPi / 2 ? Wrap2Pi(theta) : Wrap2Pi(theta + kPi);
}

struct Candidate {
  Minutia m;
  cv::Point p;
  std::vector<Trace> traces;
  bool removed = false;
};

}  // namespace

std::vector<Minutia> FindMinutiae(const cv::Mat& skeleton01, const cv::Mat& theta,
                                  const cv::Mat& mask, const cv::Mat& quality, float period,
                                  MinutiaeCounts* counts) {
  MinutiaeCounts local;
  MinutiaeCounts& n = counts ? *counts : local;
  n = {};
  Skeleton sk{skeleton01, CrossingNumbers(skeleton01)};
  const int dir_steps = std::max(6, static_cast<int>(std::lround(period)));
  const int max_steps = static_cast<int>(std::lround(2.5 * period));
  const float spur_len = 1.5f * period, short_len = 2.0f * period, bridge_len = 1.2f * period;
  const float break_dist = 1.6f * period, border = 1.2f * period;

  cv::Mat dist;  // distance to the background, for the border rule
  cv::Mat padded;
  cv::copyMakeBorder(mask, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
  cv::distanceTransform(padded, dist, cv::DIST_L2, 3);
  dist = dist(cv::Rect(1, 1, mask.cols, mask.rows));

  std::vector<Candidate> c;
  for (int y = 1; y < skeleton01.rows - 1; ++y) {
    for (int x = 1; x < skeleton01.cols - 1; ++x) {
      const int cn = sk.cn.at<uint8_t>(y, x);
      if (cn != 1 && cn != 3) continue;
      if (!mask.at<uint8_t>(y, x)) continue;
      Candidate cand;
      cand.p = {x, y};
      cand.m.x = static_cast<float>(x);
      cand.m.y = static_cast<float>(y);
      cand.m.type = cn == 1 ? MinutiaType::kEnding : MinutiaType::kBifurcation;
      for (const cv::Point& s : BranchStarts(sk, x, y)) {
        cand.traces.push_back(Follow(sk, cand.p, s, max_steps, dir_steps));
      }
      if (cand.traces.empty()) continue;
      const float th = theta.at<float>(y, x);
      if (cn == 1) {
        const cv::Point q = cand.traces[0].at_direction;
        cand.m.direction = SnapToField(std::atan2(static_cast<float>(y - q.y), static_cast<float>(x - q.x)), th);
      } else {
        if (cand.traces.size() != 3) continue;
        float ang[3];
        for (int i = 0; i < 3; ++i) {
          const cv::Point q = cand.traces[i].at_direction;
          ang[i] = std::atan2(static_cast<float>(q.y - y), static_cast<float>(q.x - x));
        }
        // The two branches closest in angle are the fork; the third is the
        // single ridge, and the bifurcation points along it.
        int odd = 0;
        float best = 1e9f;
        for (int i = 0; i < 3; ++i) {
          const float d = std::abs(AngleDiff(ang[(i + 1) % 3], ang[(i + 2) % 3]));
          if (d < best) { best = d; odd = i; }
        }
        cand.m.direction = SnapToField(ang[odd], th);
      }
      c.push_back(std::move(cand));
    }
  }
  n.raw = static_cast<int>(c.size());

  auto find_at = [&](cv::Point p) -> Candidate* {
    for (Candidate& o : c) {
      if (std::abs(o.p.x - p.x) <= 1 && std::abs(o.p.y - p.y) <= 1) return &o;
    }
    return nullptr;
  };

  // Border: endings and bifurcations close to the print's edge are artefacts
  // of the segmentation more often than not.
  for (Candidate& m : c) {
    if (dist.at<float>(m.p) < border) { m.removed = true; ++n.border; }
  }
  // Spurs, short ridges and bridges by the traces.
  for (Candidate& m : c) {
    if (m.removed) continue;
    for (const Trace& t : m.traces) {
      if (m.m.type == MinutiaType::kEnding && t.kind == Trace::kJunction && t.steps <= spur_len) {
        m.removed = true;
        if (Candidate* o = find_at(t.end)) o->removed = true;
        ++n.spur;
        break;
      }
      if (m.m.type == MinutiaType::kEnding && t.kind == Trace::kEnding && t.steps <= short_len) {
        m.removed = true;
        if (Candidate* o = find_at(t.end)) o->removed = true;
        ++n.short_ridge;
        break;
      }
      if (m.m.type == MinutiaType::kBifurcation && t.kind == Trace::kJunction && t.steps <= bridge_len) {
        m.removed = true;
        if (Candidate* o = find_at(t.end)) o->removed = true;
        ++n.bridge;
        break;
      }
    }
  }
  // Broken ridges: two endings facing each other across a short gap.
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].removed || c[i].m.type != MinutiaType::kEnding) continue;
    for (size_t j = i + 1; j < c.size(); ++j) {
      if (c[j].removed || c[j].m.type != MinutiaType::kEnding) continue;
      const float dx = c[j].m.x - c[i].m.x, dy = c[j].m.y - c[i].m.y;
      const float d = std::hypot(dx, dy);
      if (d > break_dist) continue;
      const float ij = std::atan2(dy, dx);
      if (std::abs(AngleDiff(c[i].m.direction, c[j].m.direction + kPi)) < kPi / 4 &&
          std::abs(AngleDiff(c[i].m.direction, ij)) < kPi / 3) {
        c[i].removed = c[j].removed = true;
        ++n.broken;
        break;
      }
    }
  }
  // Clusters: many minutiae packed closer than a ridge period are noise.
  std::vector<bool> clustered(c.size(), false);
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].removed) continue;
    int close = 0;
    for (size_t j = 0; j < c.size(); ++j) {
      if (j == i || c[j].removed) continue;
      if (std::hypot(c[j].m.x - c[i].m.x, c[j].m.y - c[i].m.y) < period) ++close;
    }
    if (close >= 2) clustered[i] = true;
  }
  for (size_t i = 0; i < c.size(); ++i) {
    if (clustered[i]) { c[i].removed = true; ++n.cluster; }
  }

  std::vector<Minutia> out;
  for (const Candidate& m : c) {
    if (m.removed) continue;
    Minutia r = m.m;
    const float q = quality.at<float>(m.p);
    const float edge = std::min(1.f, dist.at<float>(m.p) / (3 * period));
    r.quality = static_cast<uint8_t>(std::clamp(std::lround(100 * q * (0.5f + 0.5f * edge)), 0L, 100L));
    out.push_back(r);
  }
  return out;
}

}  // namespace candor::finger::internal
