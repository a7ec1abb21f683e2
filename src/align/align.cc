// Copyright 2026 The Candor Authors.
//
// Similarity alignment onto the ArcFace and dlib templates. The dlib template
// is dlib's own (dlib/image_transforms/interpolation.h, get_face_chip_details
// for 5-point shapes): normalised mean-shape coordinates, padded as dlib does.

#include <algorithm>
#include <array>
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

std::string AlignmentId() {
  const AlignOptions o;
  std::string id = "arcface5:";
  id += o.eyes == ArcFaceEyes::kLandmarks ? "eyes=ring" : o.eyes == ArcFaceEyes::kEyeCorners ? "eyes=corners" : "eyes=lids";
  id += ",nose=" + (o.nose_index < 0 ? std::string("1") : std::to_string(o.nose_index));
  id += o.inner_mouth ? ",mouth=78/308" : ",mouth=61/291";
  if (o.eye_weight != 1.f) id += ",eyew=" + std::to_string(o.eye_weight);
  return id + ";dlib5:mesh";
}

int CropSize(CanonicalCrop crop) { return crop == CanonicalCrop::kArcFace112 ? 112 : kDlibSize; }

cv::Mat EstimateSimilarity(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to,
                           const std::vector<float>& weights) {
  const size_t n = from.size();
  if (n < 2 || to.size() != n || (!weights.empty() && weights.size() != n)) return {};
  auto w = [&](size_t i) { return weights.empty() ? 1.0 : std::max(0.0, double(weights[i])); };
  double sw = 0, mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (size_t i = 0; i < n; ++i) {
    sw += w(i);
    mfx += w(i) * from[i].x, mfy += w(i) * from[i].y, mtx += w(i) * to[i].x, mty += w(i) * to[i].y;
  }
  if (sw <= 0) return {};
  mfx /= sw, mfy /= sw, mtx /= sw, mty /= sw;
  // Closed-form (weighted) least squares for x' = a x - b y + tx, y' = b x + a y + ty.
  double sxx = 0, a_num = 0, b_num = 0;
  for (size_t i = 0; i < n; ++i) {
    const double fx = from[i].x - mfx, fy = from[i].y - mfy;
    const double tx = to[i].x - mtx, ty = to[i].y - mty;
    sxx += w(i) * (fx * fx + fy * fy);
    a_num += w(i) * (fx * tx + fy * ty);
    b_num += w(i) * (fx * ty - fy * tx);
  }
  if (sxx < 1e-9 || !std::isfinite(sxx)) return {};
  const double a = a_num / sxx, b = b_num / sxx;
  cv::Mat m = (cv::Mat_<double>(2, 3) << a, -b, mtx - (a * mfx - b * mfy), b, a, mty - (b * mfx + a * mfy));
  return m;
}

void CanonicalPoints(const Face& face, CanonicalCrop crop, std::vector<cv::Point2f>* img,
                     std::vector<cv::Point2f>* tpl) {
  CanonicalPoints(face, crop, AlignOptions(), img, tpl);
}

void CanonicalPoints(const Face& face, CanonicalCrop crop, const AlignOptions& o,
                     std::vector<cv::Point2f>* img, std::vector<cv::Point2f>* tpl) {
  img->clear();
  tpl->clear();
  if (crop == CanonicalCrop::kArcFace112) {
    std::array<cv::Point2f, 5> p = face.landmarks;
    if (face.mesh.size() >= 468) {
      const auto& m = face.mesh;
      auto mid = [&](int i, int j) { return (P2(m[i]) + P2(m[j])) * 0.5f; };
      if (o.eyes == ArcFaceEyes::kEyeCorners) {
        p[kImageLeftEye] = mid(mesh::kImageLeftEyeOuter, mesh::kImageLeftEyeInner);
        p[kImageRightEye] = mid(mesh::kImageRightEyeInner, mesh::kImageRightEyeOuter);
      } else if (o.eyes == ArcFaceEyes::kEyeLids) {
        p[kImageLeftEye] = mid(159, 145);
        p[kImageRightEye] = mid(386, 374);
      }
      if (o.nose_index >= 0 && o.nose_index < 468) p[kNoseTip] = P2(m[o.nose_index]);
      if (o.inner_mouth) p[kMouthImageLeft] = P2(m[78]), p[kMouthImageRight] = P2(m[308]);
    }
    for (int i = 0; i < 5; ++i) {
      img->push_back(p[i]);
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
  return AlignmentTransform(face, crop, AlignOptions());
}

cv::Mat AlignmentTransform(const Face& face, CanonicalCrop crop, const AlignOptions& o) {
  std::vector<cv::Point2f> img, tpl;
  CanonicalPoints(face, crop, o, &img, &tpl);
  std::vector<float> weights;
  if (crop == CanonicalCrop::kArcFace112 && o.eye_weight != 1.f && img.size() == 5) {
    weights = {o.eye_weight, o.eye_weight, 1.f, 1.f, 1.f};
  }
  cv::Mat m = EstimateSimilarity(img, tpl, weights);
  if (m.empty() || (o.zoom == 1.f && o.shift_x == 0.f && o.shift_y == 0.f)) return m;
  // Zoom about the crop centre, then shift: p' = z (p - c) + c + d.
  const double c = CropSize(crop) / 2.0, z = o.zoom;
  m *= z;
  m.at<double>(0, 2) += (1 - z) * c + o.shift_x;
  m.at<double>(1, 2) += (1 - z) * c + o.shift_y;
  return m;
}

cv::Mat AlignFace(const cv::Mat& bgr, const Face& face, CanonicalCrop crop, AlignBorder border) {
  AlignOptions o;
  o.border = border;
  return AlignFace(bgr, face, crop, o);
}

cv::Mat AlignFace(const cv::Mat& bgr, const Face& face, CanonicalCrop crop, const AlignOptions& o) {
  cv::Mat m = AlignmentTransform(face, crop, o);
  if (m.empty() || bgr.empty()) return {};
  const int size = CropSize(crop);
  cv::Mat out;
  const cv::Scalar fill = o.border == AlignBorder::kGrey ? cv::Scalar(128, 128, 128) : cv::Scalar();
  cv::warpAffine(bgr, out, m, cv::Size(size, size), cv::INTER_LINEAR,
                 o.border == AlignBorder::kReplicate                                ? cv::BORDER_REPLICATE
                 : o.border == AlignBorder::kZero || o.border == AlignBorder::kGrey ? cv::BORDER_CONSTANT
                                                                                    : cv::BORDER_REFLECT_101,
                 fill);
  if (o.border != AlignBorder::kReflectBlur) return out;
  // Weight 1 where the crop pixel comes from inside the image, 0 outside.
  cv::Mat inv;
  cv::invertAffineTransform(m, inv);
  cv::Mat w(size, size, CV_32F);
  bool any_outside = false;
  for (int v = 0; v < size; ++v) {
    for (int u = 0; u < size; ++u) {
      const double x = inv.at<double>(0, 0) * u + inv.at<double>(0, 1) * v + inv.at<double>(0, 2);
      const double y = inv.at<double>(1, 0) * u + inv.at<double>(1, 1) * v + inv.at<double>(1, 2);
      const bool in = x >= 0 && y >= 0 && x <= bgr.cols - 1 && y <= bgr.rows - 1;
      w.at<float>(v, u) = in ? 1.f : 0.f;
      any_outside = any_outside || !in;
    }
  }
  if (!any_outside) return out;
  cv::GaussianBlur(w, w, cv::Size(0, 0), 2.0);
  cv::Mat blurred;
  cv::GaussianBlur(out, blurred, cv::Size(0, 0), size / 16.0);
  for (int v = 0; v < size; ++v) {
    for (int u = 0; u < size; ++u) {
      const float a = std::min(1.f, w.at<float>(v, u) * 2.f);  // real pixels stay real
      auto& px = out.at<cv::Vec3b>(v, u);
      const auto& b = blurred.at<cv::Vec3b>(v, u);
      for (int c = 0; c < 3; ++c) px[c] = cv::saturate_cast<uchar>(a * px[c] + (1 - a) * b[c]);
    }
  }
  return out;
}

}  // namespace candor
