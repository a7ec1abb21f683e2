// Copyright 2026 The Candor Authors.
//
// Segmentation: print vs background by block contrast and ridge coherence.

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "finger/ridge_field.h"

namespace candor::finger::internal {
namespace {

constexpr int kBlock = 8;

// Keeps the largest 8-connected component of `mask` and fills its holes.
cv::Mat LargestFilled(const cv::Mat& mask) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  int best = 0, best_area = 0;
  for (int i = 1; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) > best_area) {
      best_area = stats.at<int>(i, cv::CC_STAT_AREA);
      best = i;
    }
  }
  cv::Mat out = cv::Mat::zeros(mask.size(), CV_8U);
  if (best == 0) return out;
  out.setTo(255, labels == best);
  // Fill holes: background not reachable from the border.
  cv::Mat padded;
  cv::copyMakeBorder(out, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
  cv::Mat flood = padded.clone();
  cv::floodFill(flood, cv::Point(0, 0), 255);
  cv::Mat holes = ~flood;
  padded |= holes;
  return padded(cv::Rect(1, 1, out.cols, out.rows)).clone();
}

}  // namespace

cv::Mat Segment(const cv::Mat& grey, const OrientationField& field) {
  cv::Mat mean, sd;
  LocalMeanStd(grey, 4.0, &mean, &sd);
  const cv::Size blocks((grey.cols + kBlock - 1) / kBlock, (grey.rows + kBlock - 1) / kBlock);
  cv::Mat bsd, bcoh, bmean;
  cv::resize(sd, bsd, blocks, 0, 0, cv::INTER_AREA);
  cv::resize(field.coherence, bcoh, blocks, 0, 0, cv::INTER_AREA);
  cv::resize(mean, bmean, blocks, 0, 0, cv::INTER_AREA);

  std::vector<float> v(bsd.begin<float>(), bsd.end<float>());
  std::sort(v.begin(), v.end());
  const float p95 = v[static_cast<size_t>(0.95 * (v.size() - 1))];
  // Ridges have a grey-level contrast of tens of levels; a flat background
  // has a few. Relative to the print's own contrast, with an absolute floor.
  const float sd_threshold = std::max(8.0f, 0.3f * p95);
  constexpr float kMinCoherence = 0.25f;
  cv::Mat bmask(blocks, CV_8U);
  for (int y = 0; y < blocks.height; ++y) {
    for (int x = 0; x < blocks.width; ++x) {
      const bool fg = bsd.at<float>(y, x) >= sd_threshold && bcoh.at<float>(y, x) >= kMinCoherence &&
                      bmean.at<float>(y, x) < 250.f;
      bmask.at<uint8_t>(y, x) = fg ? 255 : 0;
    }
  }
  const cv::Mat k3 = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3));
  cv::morphologyEx(bmask, bmask, cv::MORPH_CLOSE, k3, cv::Point(-1, -1), 2);
  cv::morphologyEx(bmask, bmask, cv::MORPH_OPEN, k3, cv::Point(-1, -1), 1);
  bmask = LargestFilled(bmask);
  cv::Mat mask;
  cv::resize(bmask, mask, grey.size(), 0, 0, cv::INTER_LINEAR);
  cv::GaussianBlur(mask, mask, cv::Size(), 4.0);
  cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
  // Paper-white is never print, however much contrast its surroundings have.
  mask.setTo(0, mean >= 250.f);
  mask = LargestFilled(mask);
  // The contrast window reaches past the print's edge; pull the mask back.
  cv::erode(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(11, 11)));
  return mask;
}

}  // namespace candor::finger::internal
