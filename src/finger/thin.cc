// Copyright 2026 The Candor Authors.
//
// Zhang-Suen thinning with lookup tables, then staircase removal.

#include <array>
#include <opencv2/core.hpp>
#include <vector>

#include "finger/skeleton.h"

namespace candor::finger::internal {
namespace {

// Neighbour bits: 0 N, 1 NE, 2 E, 3 SE, 4 S, 5 SW, 6 W, 7 NW.
constexpr int kDx[8] = {0, 1, 1, 1, 0, -1, -1, -1};
constexpr int kDy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

inline int Code(const cv::Mat& img, int y, int x) {
  int c = 0;
  for (int i = 0; i < 8; ++i) c |= (img.at<uint8_t>(y + kDy[i], x + kDx[i]) ? 1 : 0) << i;
  return c;
}

int Transitions(int c) {
  int t = 0;
  for (int i = 0; i < 8; ++i) t += !((c >> i) & 1) && ((c >> ((i + 1) & 7)) & 1);
  return t;
}

std::array<std::array<bool, 256>, 2> MakeTables() {
  std::array<std::array<bool, 256>, 2> t{};
  for (int c = 0; c < 256; ++c) {
    const int b = __builtin_popcount(c);
    const bool p2 = c & 1, p4 = c & 4, p6 = c & 16, p8 = c & 64;
    const bool base = b >= 2 && b <= 6 && Transitions(c) == 1;
    t[0][c] = base && !(p2 && p4 && p6) && !(p4 && p6 && p8);
    t[1][c] = base && !(p2 && p4 && p8) && !(p2 && p6 && p8);
  }
  return t;
}

}  // namespace

cv::Mat Thin(const cv::Mat& ridges01) {
  static const auto tables = MakeTables();
  cv::Mat img;
  cv::copyMakeBorder(ridges01, img, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
  std::vector<cv::Point> del;
  for (bool changed = true; changed;) {
    changed = false;
    for (int sub = 0; sub < 2; ++sub) {
      del.clear();
      for (int y = 1; y < img.rows - 1; ++y) {
        const uint8_t* row = img.ptr<uint8_t>(y);
        for (int x = 1; x < img.cols - 1; ++x) {
          if (row[x] && tables[sub][Code(img, y, x)]) del.emplace_back(x, y);
        }
      }
      for (const cv::Point& p : del) img.at<uint8_t>(p) = 0;
      changed |= !del.empty();
    }
  }
  // Staircases: a pixel whose only two neighbours are perpendicular
  // 4-neighbours (so adjacent to each other) is redundant; removing it keeps
  // the ridge connected and makes the crossing number exact.
  for (int y = 1; y < img.rows - 1; ++y) {
    for (int x = 1; x < img.cols - 1; ++x) {
      if (!img.at<uint8_t>(y, x)) continue;
      const int c = Code(img, y, x);
      if (__builtin_popcount(c) != 2) continue;
      if (c == (1 | 4) || c == (4 | 16) || c == (16 | 64) || c == (64 | 1)) img.at<uint8_t>(y, x) = 0;
    }
  }
  return img(cv::Rect(1, 1, ridges01.cols, ridges01.rows)).clone();
}

}  // namespace candor::finger::internal
