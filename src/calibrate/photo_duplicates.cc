// Copyright 2026 The Candor Authors.

#include "calibrate/photo_duplicates.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace candor::eval {
namespace {

// The centred, unit-length grey thumbnail of `file`; empty if unreadable or flat.
std::vector<float> Thumbnail(const std::filesystem::path& file, int side) {
  cv::Mat grey = cv::imread(file.string(), cv::IMREAD_GRAYSCALE);
  if (grey.empty()) return {};
  cv::Mat small;
  cv::resize(grey, small, cv::Size(side, side), 0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_32F);
  small -= cv::mean(small)[0];
  const double norm = cv::norm(small);
  if (norm <= 1e-6) return {};
  small /= norm;
  return std::vector<float>(small.begin<float>(), small.end<float>());
}

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

}  // namespace

StatusOr<PhotoDuplicates> FindPhotoDuplicates(const std::filesystem::path& root,
                                              const std::vector<LabelledImage>& images,
                                              const PhotoDuplicateOptions& o) {
  if (o.thumbnail_side < 4 || o.thumbnail_side > 64) {
    return InvalidArgumentError("thumbnail side must be in [4, 64]");
  }
  if (!(o.min_correlation > 0 && o.min_correlation <= 1)) {
    return InvalidArgumentError("the correlation for one photograph must be in (0, 1]");
  }
  PhotoDuplicates out;
  std::vector<std::vector<float>> thumbs;
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto t = Thumbnail(root / images[i].path, o.thumbnail_side);
    if (t.empty()) {
      ++out.unreadable;
      continue;
    }
    thumbs.push_back(std::move(t));
    which.push_back(i);
  }
  out.images = thumbs.size();
  const float min = static_cast<float>(o.min_correlation);
  for (std::size_t i = 0; i < thumbs.size(); ++i) {
    for (std::size_t j = i + 1; j < thumbs.size(); ++j) {
      const float c = Dot(thumbs[i], thumbs[j]);
      if (c >= min) out.pairs.push_back({images[which[i]], images[which[j]], c});
    }
  }
  std::stable_sort(out.pairs.begin(), out.pairs.end(), [](const PhotoPair& x, const PhotoPair& y) {
    return x.correlation > y.correlation;
  });
  return out;
}

}  // namespace candor::eval
