// Copyright 2026 The Candor Authors.
//
// Similarity alignment onto the ArcFace and dlib templates. The dlib template
// is dlib's own (dlib/image_transforms/interpolation.h, get_face_chip_details
// for 5-point shapes): normalised mean-shape coordinates, padded as dlib does.

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "candor/align.h"
#include "candor/landmarker.h"

namespace candor {
namespace {

// InsightFace's 112x112 template: image-left eye, image-right eye, nose tip, mouth corners.
const cv::Point2f kArcFace[5] = {{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f},
                                 {41.5493f, 92.3655f}, {70.7299f, 92.2041f}};

// dlib 5-point mean shape, normalised: image-right eye outer, image-right eye
// inner, image-left eye outer, image-left eye inner, nose base.
const cv::Point2f kDlib5[5] = {{0.8595674595992f, 0.2134981538014f},
                               {0.6460604764104f, 0.2289674387677f},
                               {0.1205750620789f, 0.2137274526848f},
                               {0.3340850613712f, 0.2290642403242f},
                               {0.4901123135679f, 0.6277975316475f}};
constexpr float kDlibPadding = 0.25f;
constexpr int kDlibSize = 150;

cv::Point2f DlibPoint(cv::Point2f p) {
  return (cv::Point2f(kDlibPadding, kDlibPadding) + p) * (kDlibSize / (2 * kDlibPadding + 1));
}

cv::Point2f P2(const cv::Point3f& p) { return {p.x, p.y}; }

}  // namespace

int CropSize(CanonicalCrop crop) { return crop == CanonicalCrop::kArcFace112 ? 112 : kDlibSize; }

cv::Mat EstimateSimilarity(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to) {
  const size_t n = from.size();
  if (n < 2 || to.size() != n) return {};
  double mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (size_t i = 0; i < n; ++i) mfx += from[i].x, mfy += from[i].y, mtx += to[i].x, mty += to[i].y;
  mfx /= n, mfy /= n, mtx /= n, mty /= n;
  // Closed-form least squares for x' = a x - b y + tx, y' = b x + a y + ty.
  double sxx = 0, a_num = 0, b_num = 0;
  for (size_t i = 0; i < n; ++i) {
    const double fx = from[i].x - mfx, fy = from[i].y - mfy;
    const double tx = to[i].x - mtx, ty = to[i].y - mty;
    sxx += fx * fx + fy * fy;
    a_num += fx * tx + fy * ty;
    b_num += fx * ty - fy * tx;
  }
  if (sxx < 1e-9 || !std::isfinite(sxx)) return {};
  const double a = a_num / sxx, b = b_num / sxx;
  cv::Mat m = (cv::Mat_<double>(2, 3) << a, -b, mtx - (a * mfx - b * mfy), b, a, mty - (b * mfx + a * mfy));
  return m;
}

void CanonicalPoints(const Face& face, CanonicalCrop crop, std::vector<cv::Point2f>* img,
                     std::vector<cv::Point2f>* tpl) {
  img->clear();
  tpl->clear();
  if (crop == CanonicalCrop::kArcFace112) {
    for (int i = 0; i < 5; ++i) {
      img->push_back(face.landmarks[i]);
      tpl->push_back(kArcFace[i]);
    }
    return;
  }
  if (face.mesh.size() >= 468) {
    const int idx[5] = {mesh::kImageRightEyeOuter, mesh::kImageRightEyeInner, mesh::kImageLeftEyeOuter,
                        mesh::kImageLeftEyeInner, mesh::kNoseBase};
    for (int i = 0; i < 5; ++i) {
      img->push_back(P2(face.mesh[idx[i]]));
      tpl->push_back(DlibPoint(kDlib5[i]));
    }
    return;
  }
  // No mesh: eye centres onto the midpoints of dlib's eye corners.
  img->push_back(face.landmarks[kImageLeftEye]);
  tpl->push_back(DlibPoint((kDlib5[2] + kDlib5[3]) * 0.5f));
  img->push_back(face.landmarks[kImageRightEye]);
  tpl->push_back(DlibPoint((kDlib5[0] + kDlib5[1]) * 0.5f));
}

cv::Mat AlignmentTransform(const Face& face, CanonicalCrop crop) {
  std::vector<cv::Point2f> img, tpl;
  CanonicalPoints(face, crop, &img, &tpl);
  return EstimateSimilarity(img, tpl);
}

cv::Mat AlignFace(const cv::Mat& bgr, const Face& face, CanonicalCrop crop, AlignBorder border) {
  cv::Mat m = AlignmentTransform(face, crop);
  if (m.empty() || bgr.empty()) return {};
  const int size = CropSize(crop);
  cv::Mat out;
  cv::warpAffine(bgr, out, m, cv::Size(size, size), cv::INTER_LINEAR,
                 border == AlignBorder::kReplicate ? cv::BORDER_REPLICATE : cv::BORDER_CONSTANT);
  return out;
}

}  // namespace candor
