// Copyright 2026 The Candor Authors.
//
// candor-lfw-ablation [--folds N] [--threads T] [--svg F] [--json F]
//
// The LFW View-2 protocol (10 folds; each fold's threshold from the other
// nine; candor::metrics::KFoldAccuracy) for each step of the pipeline, from
// ONE detection per image: the image is detected once, the face nearest the
// centre is taken (as `candor eval lfw` does), and then every variant is
// aligned and embedded from that same detection, so the rows differ only in
// the step they name:
//   landmarks   facemesh 2 passes | facemesh 1 pass | BlazeFace keypoints
//   border      replicate | zero padding of the warped crop
//   flip        mirrored crop averaged in (after L2 normalisation) | not
//   descriptor  MobileFaceNet 192-D | face-api ResNet 128-D (dlib chip)
//   fusion      z-score sum (label-free) | logistic regression fit on the
//               training folds of each split only (score_fusion.h)
// Images are processed in the order the folds first use them and cached
// (build/eval-cache/ablation-*.bin, written every 500 images), so a run cut
// short still covers whole folds and a rerun resumes.
// Output: a Markdown table on stderr, JSON on stdout (or --json).

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "calibrate/lfw_pairs.h"
#include "calibrate/score_fusion.h"
#include "calibrate/svg_plot.h"
#include "candor/align.h"
#include "candor/detector.h"
#include "candor/embedder.h"
#include "candor/landmarker.h"
#include "candor/metrics.h"
#include "common/file_util.h"
#include "common/hash.h"
#include "common/paths.h"
#include "pipeline/face_quality.h"
#include "research_util.h"

namespace candor::research {
namespace {

using eval::LfwImagePath;
using Pair = eval::LfwPair;

struct Args {
  std::string data, pairs, models_dir, cache_dir, svg, json_out;
  int folds = 10, threads = 2;
};

// The crops every image gets: (descriptor, landmarks, border). Each crop is
// embedded as is and mirrored.
enum Landmarks { kMesh2, kMesh1, kKeypoints };
struct CropSpec {
  const char* model;
  Landmarks landmarks;
  AlignBorder border;
  const char* name;
};
const CropSpec kCrops[] = {
    {kMobileFaceNet, kMesh2, AlignBorder::kReplicate, "MobileFaceNet, facemesh x2, replicate"},
    {kMobileFaceNet, kMesh1, AlignBorder::kReplicate, "MobileFaceNet, facemesh x1, replicate"},
    {kMobileFaceNet, kKeypoints, AlignBorder::kReplicate,
     "MobileFaceNet, BlazeFace keypoints, replicate"},
    {kMobileFaceNet, kMesh2, AlignBorder::kZero, "MobileFaceNet, facemesh x2, zero border"},
    {kFaceApiResNet, kMesh2, AlignBorder::kReplicate, "face-api ResNet, facemesh x2, replicate"},
    {kFaceApiResNet, kKeypoints, AlignBorder::kReplicate,
     "face-api ResNet, BlazeFace keypoints, replicate"},
};
constexpr int kNumCrops = sizeof(kCrops) / sizeof(kCrops[0]);

struct ImageResult {
  std::vector<std::vector<float>> emb;  // 2 * kNumCrops: crop c at 2c, its mirror at 2c + 1
  bool detector_miss = false;
  bool mesh_failed = false;
  int faces = 0;
  int quality = 0;  // 0..100, AssessFaceQuality of the facemesh x2 face
};

void Normalise(std::vector<float>* v) {
  double s = 0;
  for (float x : *v) s += double(x) * x;
  const float inv = s > 0 ? float(1 / std::sqrt(s)) : 0.f;
  for (float& x : *v) x *= inv;
}

// ---- cache: key line, then per image: name, flags, 2 * kNumCrops vectors ----
using Cache = std::map<std::string, ImageResult>;

Cache LoadCache(const std::filesystem::path& file, const std::string& key) {
  Cache cache;
  std::ifstream in(file, std::ios::binary);
  std::string header;
  if (!in || !std::getline(in, header) || header != key) return cache;
  for (;;) {
    uint32_t len = 0;
    if (!in.read(reinterpret_cast<char*>(&len), 4) || len > 4096) break;
    std::string name(len, '\0');
    uint8_t flags[4];
    in.read(name.data(), len);
    in.read(reinterpret_cast<char*>(flags), 4);
    ImageResult r{.detector_miss = flags[0] != 0,
                  .mesh_failed = flags[1] != 0,
                  .faces = flags[2],
                  .quality = flags[3]};
    for (int k = 0; k < 2 * kNumCrops && in; ++k) {
      uint32_t dim = 0;
      in.read(reinterpret_cast<char*>(&dim), 4);
      if (dim > 4096) return cache;
      std::vector<float> v(dim);
      in.read(reinterpret_cast<char*>(v.data()), dim * 4);
      r.emb.push_back(std::move(v));
    }
    if (!in) break;
    cache[name] = std::move(r);
  }
  return cache;
}

Status SaveCache(const std::filesystem::path& file, const std::string& key, const Cache& cache) {
  std::string out = key + "\n";
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  for (const auto& [name, r] : cache) {
    const uint32_t len = name.size();
    const uint8_t flags[4] = {r.detector_miss, r.mesh_failed, uint8_t(std::min(r.faces, 255)),
                              uint8_t(std::clamp(r.quality, 0, 100))};
    put(&len, 4), put(name.data(), len), put(flags, 4);
    for (const auto& v : r.emb) {
      const uint32_t dim = v.size();
      put(&dim, 4), put(v.data(), dim * 4);
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  return WriteFileAtomic(file, out);
}

struct Models {
  std::unique_ptr<FaceDetector> detector;
  std::unique_ptr<Landmarker> landmarker;
  std::map<std::string, std::unique_ptr<Embedder>> embedders;
};

StatusOr<ImageResult> ProcessImage(const Models& m, const cv::Mat& bgr) {
  ImageResult r;
  CANDOR_ASSIGN_OR_RETURN(auto dets, m.detector->Detect(bgr));
  r.faces = static_cast<int>(dets.size());
  FaceDetection d;
  if (const FaceDetection* c = PickCentral(dets, bgr.size())) {
    d = *c;
  } else {
    // Detector miss: the centred default box `candor eval lfw` uses.
    r.detector_miss = true;
    const float w = bgr.cols, h = bgr.rows;
    d.box = cv::Rect2f(w * 0.3f, h * 0.3f, w * 0.4f, h * 0.45f);
    d.keypoints = {cv::Point2f(w * 0.41f, h * 0.45f), cv::Point2f(w * 0.59f, h * 0.45f),
                   cv::Point2f(w * 0.5f, h * 0.55f),  cv::Point2f(w * 0.5f, h * 0.64f),
                   cv::Point2f(w * 0.32f, h * 0.48f), cv::Point2f(w * 0.68f, h * 0.48f)};
  }
  Face faces[3];
  faces[kKeypoints] = FaceFromDetection(d);
  CANDOR_ASSIGN_OR_RETURN(faces[kMesh1], m.landmarker->Refine(bgr, d, 1));
  CANDOR_ASSIGN_OR_RETURN(faces[kMesh2], m.landmarker->Refine(bgr, d, 2));
  r.mesh_failed = faces[kMesh2].mesh.empty();
  AssessFaceQuality(bgr, &faces[kMesh2]);
  r.quality = faces[kMesh2].quality.score;
  for (const char* model : {kMobileFaceNet, kFaceApiResNet}) {
    const Embedder& e = *m.embedders.at(model);
    std::vector<cv::Mat> crops;
    std::vector<int> index;
    for (int c = 0; c < kNumCrops; ++c) {
      if (std::string(kCrops[c].model) != model) continue;
      cv::Mat crop = AlignFace(bgr, faces[kCrops[c].landmarks], e.crop(), kCrops[c].border);
      if (crop.empty()) return InvalidArgumentError("degenerate landmarks");
      cv::Mat mirrored;
      cv::flip(crop, mirrored, 1);
      crops.push_back(crop), crops.push_back(mirrored), index.push_back(c);
    }
    CANDOR_ASSIGN_OR_RETURN(auto embs, e.EmbedCrops(crops));
    r.emb.resize(2 * kNumCrops);
    for (size_t k = 0; k < index.size(); ++k) {
      r.emb[2 * index[k]] = std::move(embs[2 * k]);
      r.emb[2 * index[k] + 1] = std::move(embs[2 * k + 1]);
    }
  }
  return r;
}

std::vector<float> Embedding(const ImageResult& r, int crop, bool flip) {
  std::vector<float> v = r.emb[2 * crop];
  if (flip) {
    for (size_t k = 0; k < v.size(); ++k) v[k] += r.emb[2 * crop + 1][k];
    Normalise(&v);
  }
  return v;
}

struct Row {
  std::string name;
  std::vector<double> scores;
  metrics::KFoldResult kfold;
  double auc = 0, tar2 = 0, tar3 = 0, eer = 0;
  metrics::Roc roc;
};

Status Summarise(const std::vector<Pair>& pairs, Row* row,
                 const metrics::KFoldResult* kfold = nullptr) {
  std::vector<metrics::ScoredPair> sp;
  std::vector<double> gen, imp;
  for (size_t i = 0; i < pairs.size(); ++i) {
    sp.push_back({row->scores[i], pairs[i].genuine, pairs[i].fold});
    if (!std::isnan(row->scores[i])) (pairs[i].genuine ? gen : imp).push_back(row->scores[i]);
  }
  if (kfold) {
    row->kfold = *kfold;
  } else {
    CANDOR_ASSIGN_OR_RETURN(row->kfold, metrics::KFoldAccuracy(sp));
  }
  CANDOR_ASSIGN_OR_RETURN(row->roc, metrics::ComputeRoc(gen, imp));
  row->auc = metrics::Auc(row->roc);
  row->eer = metrics::Eer(row->roc);
  row->tar2 = metrics::TarAtFar(row->roc, 1e-2);
  row->tar3 = metrics::TarAtFar(row->roc, 1e-3);
  return OkStatus();
}

Status Run(Args a) {
  CANDOR_RETURN_IF_ERROR(eval::DefaultLfwPaths(a.data, a.pairs));
  if (a.cache_dir.empty()) a.cache_dir = (SourceDir() / "build" / "eval-cache").string();
  const std::filesystem::path model_dir =
      a.models_dir.empty() ? ModelDir() : std::filesystem::path(a.models_dir);
  CANDOR_ASSIGN_OR_RETURN(std::vector<Pair> pairs, eval::ParseLfwPairs(a.pairs, a.folds));
  std::vector<std::string> images;  // in the order the folds first use them
  {
    std::set<std::string> seen;
    for (const auto& p : pairs)
      for (const auto* s : {&p.a, &p.b})
        if (seen.insert(*s).second) images.push_back(*s);
  }
  Models m;
  CANDOR_ASSIGN_OR_RETURN(m.detector, FaceDetector::Open(model_dir, DetectorOptions(), a.threads));
  CANDOR_ASSIGN_OR_RETURN(m.landmarker, Landmarker::Open(model_dir, a.threads));
  std::string key = "candor-lfw-ablation-v2 det=" + m.detector->model().onnx_sha256.substr(0, 16) +
                    " mesh=" + m.landmarker->model().onnx_sha256.substr(0, 16);
  for (const char* id : {kMobileFaceNet, kFaceApiResNet}) {
    EmbedderOptions eo;
    eo.model_id = id;
    eo.flip_average = false;
    eo.instances = a.threads;
    CANDOR_ASSIGN_OR_RETURN(m.embedders[id], Embedder::Open(model_dir, eo));
    key += std::string(" ") + id + "=" + m.embedders[id]->model().onnx_sha256.substr(0, 16);
  }
  const auto file = std::filesystem::path(a.cache_dir) /
                    ("ablation-" + HexDigest(Sha256(key)).substr(0, 24) + ".bin");
  Cache cache = LoadCache(file, key);
  std::vector<std::string> todo;
  for (const auto& img : images)
    if (!cache.count(img)) todo.push_back(img);
  std::cerr << "lfw-ablation: " << images.size() << " images, " << images.size() - todo.size()
            << " cached, " << todo.size() << " to process (" << a.threads << " threads)"
            << std::endl;
  std::atomic<size_t> next{0};
  std::mutex mu;
  size_t done = 0, failures = 0;
  Status first_error;
  auto worker = [&] {
    for (;;) {
      const size_t i = next++;
      if (i >= todo.size()) return;
      StatusOr<ImageResult> r = InvalidArgumentError("unread");
      auto bytes = ReadFile(std::filesystem::path(a.data) / todo[i], 64 << 20);
      if (!bytes.ok()) {
        r = bytes.status();
      } else {
        cv::Mat bgr = cv::imdecode(*bytes, cv::IMREAD_COLOR);
        r = bgr.empty() ? StatusOr<ImageResult>(InvalidArgumentError("cannot decode " + todo[i]))
                        : ProcessImage(m, bgr);
      }
      std::lock_guard lock(mu);
      if (r.ok()) {
        cache[todo[i]] = std::move(*r);
      } else {
        ++failures;
        if (first_error.ok()) first_error = r.status();
      }
      if (++done % 500 == 0) {
        std::cerr << "  " << done << " / " << todo.size() << std::endl;
        Status s = SaveCache(file, key, cache);
        if (!s.ok()) std::cerr << "lfw-ablation: cache not written: " << s.ToString() << std::endl;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < a.threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!todo.empty()) CANDOR_RETURN_IF_ERROR(SaveCache(file, key, cache));
  if (failures)
    std::cerr << "lfw-ablation: " << failures << " images failed: " << first_error.ToString()
              << std::endl;

  size_t misses = 0, mesh_failed = 0, multi = 0;
  for (const auto& img : images) {
    auto it = cache.find(img);
    if (it == cache.end()) continue;
    misses += it->second.detector_miss, mesh_failed += it->second.mesh_failed,
        multi += it->second.faces > 1;
  }
  auto score_rows = [&](int crop, bool flip) {
    std::vector<double> s;
    for (const auto& p : pairs) {
      auto ia = cache.find(p.a), ib = cache.find(p.b);
      s.push_back(ia == cache.end() || ib == cache.end()
                      ? std::nan("")
                      : Dot(Embedding(ia->second, crop, flip), Embedding(ib->second, crop, flip)));
    }
    return s;
  };
  std::vector<Row> rows;
  for (int c = 0; c < kNumCrops; ++c) {
    for (bool flip : {true, false}) {
      if (!flip && kCrops[c].landmarks != kMesh2) continue;  // flip ablation on the main crops only
      if (!flip && kCrops[c].border != AlignBorder::kReplicate) continue;
      Row r{std::string(kCrops[c].name) + (flip ? ", flip-averaged" : ", no flip"),
            score_rows(c, flip)};
      CANDOR_RETURN_IF_ERROR(Summarise(pairs, &r));
      rows.push_back(std::move(r));
    }
  }
  // Fusion of the two main descriptors (facemesh x2, replicate, flip-averaged).
  size_t resnet_row = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].name.rfind("face-api ResNet, facemesh x2, replicate, flip", 0) == 0) resnet_row = i;
  const std::vector<std::vector<double>> both = {rows[0].scores, rows[resnet_row].scores};
  {
    CANDOR_ASSIGN_OR_RETURN(auto z, fusion::ZScoreFusion(both));
    Row r{"fusion: z-score sum (label-free) of the two flip-averaged facemesh x2 rows", z};
    CANDOR_RETURN_IF_ERROR(Summarise(pairs, &r));
    rows.push_back(std::move(r));
  }
  nlohmann::json fold_models = nlohmann::json::array();
  {
    std::vector<bool> genuine;
    std::vector<int> fold;
    for (const auto& p : pairs) genuine.push_back(p.genuine), fold.push_back(p.fold);
    CANDOR_ASSIGN_OR_RETURN(auto cv, fusion::CrossValidatedLogisticFusion(both, genuine, fold));
    Row r{"fusion: logistic, fit on the training folds of each split only", cv.scores};
    CANDOR_RETURN_IF_ERROR(Summarise(pairs, &r, &cv.kfold));
    rows.push_back(std::move(r));
    for (const auto& fm : cv.fold_models)
      fold_models.push_back(
          {{"weight_std", fm.weight}, {"bias", fm.bias}, {"mean", fm.mean}, {"sd", fm.sd}});
  }

  {
    // Quality-aware scoring: logistic on (s, s * q, q), q = min quality of the pair / 100,
    // fit on the training folds of each split only.
    std::vector<double> q, sq;
    std::vector<bool> genuine;
    std::vector<int> fold;
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto ia = cache.find(pairs[i].a), ib = cache.find(pairs[i].b);
      const double qq = ia == cache.end() || ib == cache.end()
                            ? std::nan("")
                            : std::min(ia->second.quality, ib->second.quality) / 100.0;
      q.push_back(qq), sq.push_back(both[0][i] * qq);
      genuine.push_back(pairs[i].genuine), fold.push_back(pairs[i].fold);
    }
    CANDOR_ASSIGN_OR_RETURN(auto cv,
                            fusion::CrossValidatedLogisticFusion({both[0], sq, q}, genuine, fold));
    Row r{
        "quality-aware: MobileFaceNet default row with pair quality (logistic on s, s*q, q; "
        "training folds only)",
        cv.scores};
    CANDOR_RETURN_IF_ERROR(Summarise(pairs, &r, &cv.kfold));
    rows.push_back(std::move(r));
  }

  nlohmann::json doc = {{"protocol", "LFW View 2, first " + std::to_string(a.folds) +
                                         " folds, each fold's threshold chosen on the other folds"},
                        {"pairs", pairs.size()},
                        {"images", images.size()},
                        {"images_failed", failures},
                        {"detector_misses", misses},
                        {"mesh_rejected", mesh_failed},
                        {"images_with_several_faces", multi},
                        {"logistic_fold_models", fold_models},
                        {"rows", nlohmann::json::array()}};
  std::cerr << "| step | accuracy ± std | AUC | TAR @ FAR 1e-2 | TAR @ FAR 1e-3 | EER "
               "|\n|---|---|---|---|---|---|\n";
  std::vector<plot::Series> series;
  for (const Row& r : rows) {
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %.2f ± %.2f %% | %.5f | %.2f %% | %.2f %% | %.2f %% |",
                  r.name.c_str(), 100 * r.kfold.mean_accuracy, 100 * r.kfold.std_accuracy, r.auc,
                  100 * r.tar2, 100 * r.tar3, 100 * r.eer);
    std::cerr << line << std::endl;
    nlohmann::json folds = nlohmann::json::array();
    for (const auto& f : r.kfold.folds) folds.push_back(f.accuracy);
    doc["rows"].push_back({{"step", r.name},
                           {"accuracy_mean", r.kfold.mean_accuracy},
                           {"accuracy_std", r.kfold.std_accuracy},
                           {"fold_accuracy", folds},
                           {"failed_pairs", r.kfold.failed_pairs},
                           {"auc", r.auc},
                           {"eer", r.eer},
                           {"tar_at_far_1e-2", r.tar2},
                           {"tar_at_far_1e-3", r.tar3},
                           {"mean_threshold", r.kfold.mean_threshold}});
    plot::Series s{r.name, {}, {}};
    for (const auto& p : r.roc.points) s.x.push_back(p.fmr), s.y.push_back(p.tmr);
    series.push_back(std::move(s));
  }
  if (!a.svg.empty()) {
    plot::PlotOptions po;
    po.title = "LFW View 2 ROC per pipeline step";
    po.x = {"false match rate", true, 1e-4, 1};
    po.y = {"true match rate", false, 0.9, 1};
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.svg, plot::LinePlot(series, po)));
  }
  // The misclassified pairs of the default row at its per-fold thresholds (for error analysis).
  nlohmann::json errors = nlohmann::json::array();
  for (size_t i = 0; i < pairs.size(); ++i) {
    const double t = rows[0].kfold.folds[pairs[i].fold].threshold;
    const bool accept = !std::isnan(rows[0].scores[i]) && rows[0].scores[i] >= t;
    if (accept != pairs[i].genuine) {
      errors.push_back({{"a", pairs[i].a},
                        {"b", pairs[i].b},
                        {"genuine", pairs[i].genuine},
                        {"score", rows[0].scores[i]},
                        {"threshold", t},
                        {"resnet_score", both[1][i]}});
    }
  }
  doc["default_row_errors"] = errors;
  if (!a.json_out.empty()) {
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, doc.dump(2)));
  } else {
    std::cout << doc.dump(2) << std::endl;
  }
  return OkStatus();
}

}  // namespace
}  // namespace candor::research

int main(int argc, char** argv) {
  using namespace candor;
  CLI::App app{
      "LFW View 2 for each pipeline step (landmarks, border, flip, descriptor, fusion) from one "
      "detection"};
  research::Args a;
  app.add_option("--data", a.data, "LFW image root (default $CANDOR_DATA/faces/lfw)");
  app.add_option("--pairs", a.pairs,
                 "pairs.txt (default $CANDOR_DATA/faces/lfw-protocol/pairs.txt)");
  app.add_option("--models", a.models_dir,
                 "Directory of converted models (default $CANDOR_MODELS or models/)");
  app.add_option("--cache", a.cache_dir, "Cache directory (default build/eval-cache)");
  app.add_option("--folds", a.folds, "Use only the first N folds")->check(CLI::Range(2, 10));
  app.add_option("--threads", a.threads, "Worker threads")->check(CLI::Range(1, 64));
  app.add_option("--svg", a.svg, "Write the ROC curves of every row here");
  app.add_option("--json", a.json_out, "Write the JSON report here (default stdout)");
  CLI11_PARSE(app, argc, argv);
  const Status status = research::Run(a);
  if (!status.ok()) std::cerr << "candor-lfw-ablation: " << status.ToString() << std::endl;
  return ExitCode(status.code());
}
