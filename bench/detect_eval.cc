// Copyright 2026 The Candor Authors.
//
// Detector accuracy and cost per configuration (issue 2, items 4 and 7): not a
// test and not a timed benchmark, a measurement tool whose output goes into
// docs/BENCHMARKS.md ("Face pipeline").
//
// Common options: --model ID (the main network), --small-model ID|none (the
// small-image network, see DetectorOptions), --min-face PX, --threshold S.
//
//   detect_eval lfw  [--model ID] [--min-face PX] [--limit N]
//       every LFW image (CANDOR_DATA/faces/lfw): images with >= 1 face, with
//       exactly 1, with more than 1; CPU and wall ms per image
//       (CANDOR_LIST_MULTI=1 also lists the images with more than one face).
//   detect_eval scale [--model ID] [--limit N]
//       detection rate against face size at the network's input: N LFW faces
//       (first image of the first N identities) scaled so that the detected
//       face box spans 12..48 network pixels, pasted in the middle of a grey
//       canvas of the network's input size, detected without tiling. Sets the
//       smallest face the tiling relies on (kMinFaceInNet).
//   detect_eval wild [--model ID] [--min-face PX] [--truth CSV] [--dump DIR]
//       every photo of CANDOR_DATA/faces/wild. With --truth (image,x,y,w,h per
//       true face, see bench/wild_faces.csv) a detection matches a true face
//       when its box centre lies inside the true box and the two sides differ
//       by less than 2x; reports found / missed / false per image and in total.
//       --dump writes each photo with its detections drawn (for annotating).
//
// One thread (cv::setNumThreads(1)); detection only (no facemesh), because the
// detector configuration is what is compared. Exit code 1 on bad arguments or
// missing data/models.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/detector.h"
#include "candor/image.h"
#include "common/paths.h"

namespace candor {
namespace {

namespace fs = std::filesystem;

double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double WallMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Args {
  std::string mode;
  DetectorOptions det;
  int limit = 0;
  std::string truth, dump;
};

bool Parse(int argc, char** argv, Args* a) {
  if (argc < 2) return false;
  a->mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (k == "--model") a->det.model_id = v;
    else if (k == "--min-face") a->det.min_face_px = std::atoi(v.c_str());
    else if (k == "--limit") a->limit = std::atoi(v.c_str());
    else if (k == "--truth") a->truth = v;
    else if (k == "--dump") a->dump = v;
    else if (k == "--threshold") a->det.score_threshold = std::strtof(v.c_str(), nullptr);
    else if (k == "--small-model") a->det.small_model_id = v == "none" ? "" : v;
    else return false;
  }
  return a->mode == "lfw" || a->mode == "wild" || a->mode == "scale";
}

int Lfw(const FaceDetector& det, const fs::path& data, int limit) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(data / "faces" / "lfw"))
    if (e.is_regular_file() && e.path().extension() == ".jpg") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (limit > 0 && static_cast<size_t>(limit) < files.size()) files.resize(limit);
  int any = 0, one = 0, many = 0, errors = 0;
  double det_cpu = 0, det_wall = 0;
  std::vector<std::string> missed;
  for (const auto& f : files) {
    auto img = ReadImage(f);
    if (!img.ok()) {
      ++errors;
      continue;
    }
    const double c0 = CpuMs(), w0 = WallMs();
    auto faces = det.Detect(*img);
    det_cpu += CpuMs() - c0;
    det_wall += WallMs() - w0;
    if (!faces.ok()) {
      ++errors;
      continue;
    }
    if (!faces->empty()) ++any;
    else if (missed.size() < 20) missed.push_back(f.filename().string());
    if (faces->size() == 1) ++one;
    if (faces->size() > 1) {
      ++many;
      if (std::getenv("CANDOR_LIST_MULTI")) {  // debugging aid: which images, which boxes
        std::printf("  multi: %s", f.string().c_str());
        for (const auto& d : *faces)
          std::printf(" [%.0f,%.0f,%.0f,%.0f s=%.2f]", d.box.x, d.box.y, d.box.width, d.box.height, d.score);
        std::printf("\n");
      }
    }
  }
  const double n = static_cast<double>(files.size());
  std::printf("lfw model=%s small_model=%s (images <= %d px) min_face=%d images=%zu with_face=%d (%.2f %%) exactly_one=%d more_than_one=%d "
              "errors=%d detect_cpu_ms=%.2f detect_wall_ms=%.2f\n",
              det.model().id.c_str(), det.small_model() ? det.small_model()->id.c_str() : "none",
              det.SmallImageMaxSide(), det.options().min_face_px, files.size(), any, 100.0 * any / n, one,
              many, errors, det_cpu / n, det_wall / n);
  for (const auto& m : missed) std::printf("  no face: %s\n", m.c_str());
  return 0;
}

int Scale(const FaceDetector& det, const fs::path& data, int limit) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(data / "faces" / "lfw"))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  const int n = det.model().input_w > 0 ? det.model().input_w : 256;
  const std::vector<int> sizes = {12, 16, 20, 24, 28, 32, 40, 48};
  std::vector<int> hits(sizes.size(), 0);
  int faces = 0;
  for (const auto& d : dirs) {
    if (limit > 0 && faces >= limit) break;
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(d)) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    auto img = ReadImage(files[0]);
    if (!img.ok()) continue;
    auto ref = det.Detect(*img);
    if (!ref.ok() || ref->empty()) continue;
    const cv::Rect2f box = (*ref)[0].box;
    ++faces;
    for (size_t k = 0; k < sizes.size(); ++k) {
      const double f = sizes[k] / std::max(box.width, box.height);
      cv::Mat small;
      cv::resize(*img, small, cv::Size(), f, f, cv::INTER_AREA);
      cv::Mat canvas(n, n, CV_8UC3, cv::Scalar(110, 110, 110));
      const cv::Point2f c((box.x + box.width / 2) * f, (box.y + box.height / 2) * f);
      const int ox = n / 2 - static_cast<int>(c.x), oy = n / 2 - static_cast<int>(c.y);
      const cv::Rect dst = cv::Rect(ox, oy, small.cols, small.rows) & cv::Rect(0, 0, n, n);
      small(cv::Rect(dst.x - ox, dst.y - oy, dst.width, dst.height)).copyTo(canvas(dst));
      auto got = det.Detect(canvas);
      if (!got.ok()) continue;
      for (const auto& g : *got) {
        const cv::Point2f gc(g.box.x + g.box.width / 2, g.box.y + g.box.height / 2);
        if (std::abs(gc.x - n / 2) < sizes[k] / 2.0 && std::abs(gc.y - n / 2) < sizes[k] / 2.0) {
          ++hits[k];
          break;
        }
      }
    }
  }
  std::printf("scale model=%s input=%d faces=%d\n", det.model().id.c_str(), n, faces);
  for (size_t k = 0; k < sizes.size(); ++k)
    std::printf("  face %2d px at the input: found %d / %d (%.1f %%)\n", sizes[k], hits[k], faces,
                100.0 * hits[k] / std::max(1, faces));
  return 0;
}

struct TrueFace {
  cv::Rect2f box;
  bool found = false;
};

std::map<std::string, std::vector<TrueFace>> ReadTruth(const fs::path& path) {
  std::map<std::string, std::vector<TrueFace>> t;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("image,", 0) == 0) continue;
    std::stringstream ss(line);
    std::string img, x, y, w, h;
    std::getline(ss, img, ',');
    std::getline(ss, x, ',');
    std::getline(ss, y, ',');
    std::getline(ss, w, ',');
    std::getline(ss, h, ',');
    auto& v = t[img];  // an image listed with no box has no face
    if (w.empty()) continue;
    v.push_back({cv::Rect2f(std::stof(x), std::stof(y), std::stof(w), std::stof(h))});
  }
  return t;
}

bool Matches(const cv::Rect2f& det, const cv::Rect2f& truth) {
  const cv::Point2f c(det.x + det.width / 2, det.y + det.height / 2);
  const float r = std::max(det.width, det.height) / std::max(truth.width, truth.height);
  return truth.contains(c) && r > 0.5f && r < 2.f;
}

int Wild(const FaceDetector& det, const fs::path& data, const Args& a) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(data / "faces" / "wild")) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".jpg" || ext == ".png" || ext == ".jpeg")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  auto truth = a.truth.empty() ? std::map<std::string, std::vector<TrueFace>>{} : ReadTruth(a.truth);
  if (!a.truth.empty() && truth.empty()) {
    std::fprintf(stderr, "no truth read from %s\n", a.truth.c_str());
    return 1;
  }
  if (!a.dump.empty()) fs::create_directories(a.dump);
  int found = 0, missed = 0, false_pos = 0, dets = 0;
  double cpu = 0, wall = 0, mpix = 0;
  for (const auto& f : files) {
    auto img = ReadImage(f);
    if (!img.ok()) {
      std::printf("%s: %s\n", f.filename().c_str(), img.status().ToString().c_str());
      continue;
    }
    mpix += img->total() / 1e6;
    const double c0 = CpuMs(), w0 = WallMs();
    auto faces = det.Detect(*img);
    cpu += CpuMs() - c0;
    wall += WallMs() - w0;
    if (!faces.ok()) {
      std::printf("%s: %s\n", f.filename().c_str(), faces.status().ToString().c_str());
      continue;
    }
    const std::string name = f.filename().string();
    dets += static_cast<int>(faces->size());
    std::string line = name + " " + std::to_string(img->cols) + "x" + std::to_string(img->rows) + ":";
    int img_false = 0;
    auto it = truth.find(name);
    for (const auto& d : *faces) {
      char buf[96];
      std::snprintf(buf, sizeof buf, " [%.0f,%.0f,%.0f,%.0f s=%.2f]", d.box.x, d.box.y, d.box.width,
                    d.box.height, d.score);
      line += buf;
      if (it == truth.end()) continue;
      bool ok = false;
      for (auto& t : it->second) {
        if (!t.found && Matches(d.box, t.box)) {
          t.found = ok = true;
          break;
        }
      }
      if (!ok) ++img_false;
    }
    if (it != truth.end()) {
      int img_found = 0, img_missed = 0;
      for (const auto& t : it->second) (t.found ? img_found : img_missed)++;
      found += img_found;
      missed += img_missed;
      false_pos += img_false;
      line += "  truth=" + std::to_string(it->second.size()) + " found=" + std::to_string(img_found) +
              " missed=" + std::to_string(img_missed) + " false=" + std::to_string(img_false);
    }
    std::printf("%s\n", line.c_str());
    if (!a.dump.empty()) {
      cv::Mat vis = img->clone();
      const int thick = std::max(2, vis.cols / 400);
      if (it != truth.end())
        for (const auto& t : it->second) cv::rectangle(vis, t.box, cv::Scalar(255, 0, 0), thick);
      for (size_t i = 0; i < faces->size(); ++i) {
        cv::rectangle(vis, (*faces)[i].box, cv::Scalar(0, 0, 255), thick);
        cv::putText(vis, std::to_string(i), (*faces)[i].box.tl(), cv::FONT_HERSHEY_SIMPLEX, thick * 0.6,
                    cv::Scalar(0, 255, 255), thick);
      }
      const double s = 640.0 / std::max(vis.cols, vis.rows);
      if (s < 1) cv::resize(vis, vis, cv::Size(), s, s, cv::INTER_AREA);
      cv::imwrite((fs::path(a.dump) / (f.stem().string() + ".png")).string(), vis);
    }
  }
  std::printf("wild model=%s small_model=%s min_face=%d images=%zu detections=%d", det.model().id.c_str(),
              det.small_model() ? det.small_model()->id.c_str() : "none", det.options().min_face_px, files.size(),
              dets);
  if (!truth.empty()) std::printf(" found=%d missed=%d false=%d", found, missed, false_pos);
  std::printf(" detect_cpu_ms_per_image=%.1f wall_ms_per_image=%.1f mean_mpix=%.2f\n", cpu / files.size(),
              wall / files.size(), mpix / files.size());
  return 0;
}

}  // namespace
}  // namespace candor

int main(int argc, char** argv) {
  using namespace candor;
  Args a;
  if (!Parse(argc, argv, &a)) {
    std::fprintf(stderr,
                 "usage: detect_eval lfw|wild|scale [--model blazeface-256|blazeface-front-128] [--min-face PX]\n"
                 "                   [--small-model ID|none] [--threshold S] [--limit N] [--truth CSV] [--dump DIR]\n");
    return 1;
  }
  cv::setNumThreads(1);
  const auto data = DataDir();
  if (!data) {
    std::fprintf(stderr, "CANDOR_DATA not found\n");
    return 1;
  }
  auto det = FaceDetector::Open(ModelDir(), a.det, 1);
  if (!det.ok()) {
    std::fprintf(stderr, "%s\n", det.status().ToString().c_str());
    return 1;
  }
  if (a.mode == "scale") {
    a.det.min_face_px = 0;  // one network run on the canvas, no tiling
    a.det.small_model_id.clear();
    auto untiled = FaceDetector::Open(ModelDir(), a.det, 1);
    if (!untiled.ok()) return 1;
    return Scale(**untiled, *data, a.limit > 0 ? a.limit : 300);
  }
  return a.mode == "lfw" ? Lfw(**det, *data, a.limit) : Wild(**det, *data, a);
}
