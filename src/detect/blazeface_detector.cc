// Copyright 2026 The Candor Authors.
//
// BlazeFace decoding after MediaPipe's SsdAnchorsCalculator and
// TensorsToDetectionsCalculator (fixed-size anchors, offset 0.5; 16x16x2 +
// 8x8x6 = 896 anchors for both the 256-px back and the 128-px front model),
// plus the pyramid of tiles that finds small faces in large photos.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "candor/detector.h"

namespace candor {
namespace {

constexpr int kNumAnchors = 896;
constexpr int kCoords = 16;           // box (4) + 6 keypoints (12)
constexpr float kLevelRatio = 2;     // scale factor between pyramid levels

std::vector<cv::Point2f> MakeAnchors() {
  std::vector<cv::Point2f> anchors;
  anchors.reserve(kNumAnchors);
  // Grid 16x16 with 2 anchors per cell, then 8x8 with 6 per cell.
  const struct { int grid, per_cell; } layers[] = {{16, 2}, {8, 6}};
  for (const auto& l : layers) {
    for (int y = 0; y < l.grid; ++y)
      for (int x = 0; x < l.grid; ++x)
        for (int k = 0; k < l.per_cell; ++k)
          anchors.emplace_back((x + 0.5f) / l.grid, (y + 0.5f) / l.grid);
  }
  return anchors;
}

float Sigmoid(float x) {
  x = std::clamp(x, -100.f, 100.f);
  return 1.f / (1.f + std::exp(-x));
}

float Iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

}  // namespace

std::vector<FaceDetection> WeightedNms(std::vector<FaceDetection> cands, float iou) {
  std::sort(cands.begin(), cands.end(),
            [](const FaceDetection& a, const FaceDetection& b) { return a.score > b.score; });
  std::vector<FaceDetection> kept;
  std::vector<bool> used(cands.size(), false);
  for (size_t i = 0; i < cands.size(); ++i) {
    if (used[i]) continue;
    float wsum = 0;
    cv::Rect2f box(0, 0, 0, 0);
    std::array<cv::Point2f, 6> kps{};
    bool cut = false;
    for (size_t j = i; j < cands.size(); ++j) {
      if (used[j] || Iou(cands[i].box, cands[j].box) <= iou) continue;
      used[j] = true;
      const float w = cands[j].score;
      wsum += w;
      box.x += w * cands[j].box.x;
      box.y += w * cands[j].box.y;
      box.width += w * cands[j].box.width;
      box.height += w * cands[j].box.height;
      for (int k = 0; k < 6; ++k) kps[k] += w * cands[j].keypoints[k];
      cut = cut || cands[j].cut_by_border;
    }
    FaceDetection d;
    d.score = cands[i].score;
    d.box = cv::Rect2f(box.x / wsum, box.y / wsum, box.width / wsum, box.height / wsum);
    for (int k = 0; k < 6; ++k) d.keypoints[k] = kps[k] / wsum;
    d.cut_by_border = cut;
    kept.push_back(d);
  }
  return kept;
}

FaceDetector::FaceDetector(std::unique_ptr<Network> net, std::unique_ptr<Network> small_net,
                           DetectorOptions options, int input_size, int small_input_size, int instances)
    : net_(std::move(net)), small_net_(std::move(small_net)), options_(std::move(options)),
      input_size_(input_size), small_input_size_(small_input_size), instances_(instances),
      anchors_(MakeAnchors()) {}

namespace {

StatusOr<std::unique_ptr<Network>> OpenBlazeFace(const std::filesystem::path& model_dir, const std::string& id,
                                                 int instances, InferenceBackend backend, int* size) {
  CANDOR_ASSIGN_OR_RETURN(ModelInfo info, LoadModelInfo(model_dir, id));
  *size = info.input_h;
  if (*size == 0) *size = id.find("128") != std::string::npos ? 128 : 256;
  info.input_h = info.input_w = *size;
  return OpenNetwork(info, instances, backend);
}

}  // namespace

StatusOr<std::unique_ptr<FaceDetector>> FaceDetector::Open(const std::filesystem::path& model_dir,
                                                           const DetectorOptions& options,
                                                           int instances) {
  int size = 0, small_size = 0;
  CANDOR_ASSIGN_OR_RETURN(auto net, OpenBlazeFace(model_dir, options.model_id, instances, options.backend, &size));
  std::unique_ptr<Network> small;
  if (!options.small_model_id.empty() && options.small_model_id != options.model_id &&
      std::filesystem::exists(model_dir / (options.small_model_id + ".onnx"))) {
    CANDOR_ASSIGN_OR_RETURN(small, OpenBlazeFace(model_dir, options.small_model_id, instances, options.backend, &small_size));
    if (small_size >= size) small.reset();  // only a smaller network saves time
  }
  return std::unique_ptr<FaceDetector>(
      new FaceDetector(std::move(net), std::move(small), options, size, small_size, std::max(1, instances)));
}

int FaceDetector::SmallImageMaxSide() const {
  if (!small_net_ || options_.min_face_px <= 0) return 0;
  return static_cast<int>(small_input_size_ * options_.min_face_px / MinFaceInNet(small_input_size_));
}

Status FaceDetector::RunPatch(const Network& net, const cv::Mat& patch, std::vector<FaceDetection>* out) const {
  // BlazeFace input: RGB scaled to [-1, 1].
  cv::Mat blob = MakeRgbBlob({patch}, cv::Scalar::all(127.5), cv::Scalar::all(1.0 / 127.5));
  CANDOR_ASSIGN_OR_RETURN(std::vector<cv::Mat> outs, net.Run(blob));
  const float *reg_a = nullptr, *reg_b = nullptr, *cls_a = nullptr, *cls_b = nullptr;
  for (const cv::Mat& m : outs) {
    switch (m.total()) {
      case 512 * kCoords: reg_a = m.ptr<float>(); break;
      case 384 * kCoords: reg_b = m.ptr<float>(); break;
      case 512: cls_a = m.ptr<float>(); break;
      case 384: cls_b = m.ptr<float>(); break;
      case kNumAnchors * kCoords:  // both layers concatenated, 512 first
        reg_a = m.ptr<float>(), reg_b = reg_a + 512 * kCoords;
        break;
      case kNumAnchors: cls_a = m.ptr<float>(), cls_b = cls_a + 512; break;
      default: break;
    }
  }
  if (!reg_a || !reg_b || !cls_a || !cls_b) {
    return InternalError("detector " + net.info().id + ": unexpected output shapes");
  }
  const float s = static_cast<float>(patch.cols);
  for (int i = 0; i < kNumAnchors; ++i) {
    const float raw_score = i < 512 ? cls_a[i] : cls_b[i - 512];
    const float score = Sigmoid(raw_score);
    if (score < options_.score_threshold) continue;
    const float* r = i < 512 ? reg_a + i * kCoords : reg_b + (i - 512) * kCoords;
    const cv::Point2f a = anchors_[i];
    // Regressors are in input pixels relative to the anchor centre.
    const float cx = r[0] + a.x * s, cy = r[1] + a.y * s, w = r[2], h = r[3];
    if (w <= 0 || h <= 0) continue;
    FaceDetection d;
    d.score = score;
    d.box = cv::Rect2f(cx - w / 2, cy - h / 2, w, h);
    for (int k = 0; k < 6; ++k) {
      d.keypoints[k] = cv::Point2f(r[4 + 2 * k] + a.x * s, r[5 + 2 * k] + a.y * s);
    }
    out->push_back(d);
  }
  return OkStatus();
}

float MinFaceInNet(int input) { return input >= 256 ? 20.f : 20.f; }

std::vector<PyramidLevel> PlanPyramid(cv::Size image, int input, const DetectorOptions& options) {
  std::vector<PyramidLevel> levels;
  const int n = input;
  const int long_side = std::max(image.width, image.height);
  if (long_side <= 0 || n <= 0) return levels;
  // Level 0: the whole image letterboxed into one input.
  PyramidLevel top;
  top.scale = static_cast<float>(n) / long_side;  // small images are scaled up, as MediaPipe does
  top.size = cv::Size(std::max(1, static_cast<int>(std::lround(image.width * top.scale))),
                      std::max(1, static_cast<int>(std::lround(image.height * top.scale))));
  top.tiles = {cv::Rect(0, 0, top.size.width, top.size.height)};
  levels.push_back(top);
  if (options.min_face_px <= 0) return levels;
  // Finer levels, coarse to fine: the finest puts min_face_px at m network
  // pixels; each level keeps faces up to `overlap` network pixels (larger
  // ones are whole in the next coarser level, where they span >= m).
  const float m = MinFaceInNet(n);
  const float finest = std::min(1.f, m / options.min_face_px);
  const int overlap = options.tile_overlap > 0 ? options.tile_overlap
                                               : static_cast<int>(std::ceil(kLevelRatio * m * 1.3f));
  const int stride = std::max(n / 4, n - overlap);
  std::vector<float> scales;
  for (float sc = finest; sc > top.scale * 1.001f; sc /= kLevelRatio) scales.push_back(sc);
  std::reverse(scales.begin(), scales.end());
  int budget = options.max_tiles - 1;
  auto starts = [&](int extent) {
    std::vector<int> v;
    if (extent <= n) return std::vector<int>{0};
    for (int p = 0;; p += stride) {
      if (p + n >= extent) {
        v.push_back(extent - n);
        break;
      }
      v.push_back(p);
    }
    return v;
  };
  for (float sc : scales) {
    PyramidLevel l;
    l.scale = sc;
    l.size = cv::Size(std::max(1, static_cast<int>(std::lround(image.width * sc))),
                      std::max(1, static_cast<int>(std::lround(image.height * sc))));
    l.max_face_in_net = static_cast<float>(overlap);
    for (int ty : starts(l.size.height)) {
      for (int tx : starts(l.size.width)) {
        if (budget-- <= 0) break;
        l.tiles.emplace_back(tx, ty, std::min(n, l.size.width - tx), std::min(n, l.size.height - ty));
      }
    }
    if (!l.tiles.empty()) levels.push_back(std::move(l));
  }
  return levels;
}

Status FaceDetector::DetectWith(const Network& net, int n, const cv::Mat& bgr,
                                std::vector<FaceDetection>* out) const {
  std::vector<FaceDetection>& cands = *out;
  const std::vector<PyramidLevel> levels = PlanPyramid(bgr.size(), n, options_);
  // Finest level first, each level resized from the previous (finer) one:
  // one pass of INTER_AREA over the full-resolution image in all.
  cv::Mat prev = bgr;
  for (size_t li = levels.size(); li-- > 0;) {
    const PyramidLevel& level = levels[li];
    cv::Mat img;
    if (level.size == prev.size()) {
      img = prev;
    } else {
      cv::resize(prev, img, level.size, 0, 0, level.size.width < prev.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    prev = img;
    const float inv_x = static_cast<float>(bgr.cols) / img.cols;
    const float inv_y = static_cast<float>(bgr.rows) / img.rows;
    // Tiles run on up to `instances_` threads (one network copy each); results
    // are merged in tile order, so the outcome does not depend on the threads.
    const size_t count = level.tiles.size();
    std::vector<std::vector<FaceDetection>> raw(count);
    std::vector<Status> status(count);
    auto run = [&](size_t i) {
      try {
        const cv::Rect& roi = level.tiles[i];
        cv::Mat patch = cv::Mat::zeros(n, n, CV_8UC3);
        img(roi).copyTo(patch(cv::Rect(0, 0, roi.width, roi.height)));
        status[i] = RunPatch(net, patch, &raw[i]);
      } catch (const std::exception& e) {
        status[i] = InternalError(std::string("detector tile failed: ") + e.what());
      }
    };
    const size_t workers = std::min<size_t>(static_cast<size_t>(std::max(1, instances_)), count);
    if (workers <= 1) {
      for (size_t i = 0; i < count; ++i) run(i);
    } else {
      std::atomic<size_t> next{0};
      auto loop = [&] {
        for (size_t i; (i = next.fetch_add(1)) < count;) run(i);
      };
      std::vector<std::thread> helpers;
      for (size_t w = 1; w < workers; ++w) helpers.emplace_back(loop);
      loop();
      for (auto& t : helpers) t.join();
    }
    for (size_t ti = 0; ti < count; ++ti) {
      CANDOR_RETURN_IF_ERROR(status[ti]);
      const cv::Rect& roi = level.tiles[ti];
      for (auto& d : raw[ti]) {
        if (level.max_face_in_net > 0) {
          if (d.score < options_.tile_score_threshold) continue;
          // Drop faces cut by an inner tile edge: a neighbouring tile or a
          // coarser level sees them whole.
          constexpr float kEdge = 2;
          const bool cut_left = d.box.x < kEdge && roi.x > 0;
          const bool cut_top = d.box.y < kEdge && roi.y > 0;
          const bool cut_right = d.box.br().x > roi.width - kEdge && roi.x + roi.width < img.cols;
          const bool cut_bottom = d.box.br().y > roi.height - kEdge && roi.y + roi.height < img.rows;
          if (cut_left || cut_top || cut_right || cut_bottom) continue;
          // A face this large in a fine level is seen whole by the coarser
          // one; here it is most likely a part of a larger face.
          if (std::max(d.box.width, d.box.height) > level.max_face_in_net) continue;
        }
        d.box = cv::Rect2f((d.box.x + roi.x) * inv_x, (d.box.y + roi.y) * inv_y, d.box.width * inv_x,
                           d.box.height * inv_y);
        for (auto& k : d.keypoints) k = cv::Point2f((k.x + roi.x) * inv_x, (k.y + roi.y) * inv_y);
        cands.push_back(d);
      }
    }
  }

  return OkStatus();
}

StatusOr<std::vector<FaceDetection>> FaceDetector::Detect(const cv::Mat& bgr) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return InvalidArgumentError("detector expects a non-empty 8-bit BGR image");
  }
  std::vector<FaceDetection> cands;
  if (std::max(bgr.cols, bgr.rows) <= SmallImageMaxSide()) {
    CANDOR_RETURN_IF_ERROR(DetectWith(*small_net_, small_input_size_, bgr, &cands));
  }
  if (cands.empty()) CANDOR_RETURN_IF_ERROR(DetectWith(*net_, input_size_, bgr, &cands));

  std::vector<FaceDetection> merged = WeightedNms(std::move(cands), options_.nms_iou);
  // Drop a face that lies mostly inside a larger one: real faces do not nest,
  // but parts of a big face can look like a small one.
  std::sort(merged.begin(), merged.end(), [](const FaceDetection& a, const FaceDetection& b) {
    return a.box.area() > b.box.area();
  });
  std::vector<FaceDetection> faces;
  for (const auto& d : merged) {
    bool nested = false;
    for (const auto& big : faces) {
      if ((d.box & big.box).area() > 0.5f * d.box.area()) nested = true;
    }
    if (!nested) faces.push_back(d);
  }
  for (auto& f : faces) {
    const float tol = 0.02f * std::max(f.box.width, f.box.height);
    f.cut_by_border = f.box.x < -tol || f.box.y < -tol || f.box.br().x > bgr.cols + tol ||
                      f.box.br().y > bgr.rows + tol;
  }
  std::sort(faces.begin(), faces.end(), [](const FaceDetection& a, const FaceDetection& b) {
    return a.box.area() > b.box.area();
  });
  return faces;
}

}  // namespace candor
