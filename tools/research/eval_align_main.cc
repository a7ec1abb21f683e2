// Copyright 2026 The Candor Authors.
//
// candor-eval-align [--variant NAME]... [--threads T] [--cache DIR] [--json F]
//
// LFW View 2 (10 folds, each fold's threshold from the other folds) for
// alignment variants of the ArcFace crop (which facemesh points stand for the
// five ArcFace points, the least-squares weights, multi-crop test-time
// augmentation), all from ONE detection + facemesh per image, so the variants
// differ only in alignment. The face per image is the one `candor eval lfw`
// uses (nearest the centre among faces >= 30 % of the largest's area; a
// centred default box when none is found).
//
// Honest selection: every variant is reported on folds 1-5 and on folds 6-10
// separately (each half is its own k-fold protocol), so a variant can be
// chosen on folds 1-5 and confirmed on folds 6-10; and on all 10 folds.
//
// Caches (under --cache, default build/eval-cache): the faces
// (detection + mesh, keyed by the detector's and facemesh's hashes) and one
// embedding file per variant (keyed by the embedder's hash too), written every
// 1,000 images so a cut run resumes. Output: a Markdown table on stderr, JSON
// on stdout or --json.

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
#include <tuple>

#include "calibrate/embedding_set.h"
#include "calibrate/lfw_pairs.h"
#include "calibrate/score_fusion.h"
#include "candor/align.h"
#include "candor/detector.h"
#include "candor/embedder.h"
#include "candor/landmarker.h"
#include "candor/metrics.h"
#include "common/file_util.h"
#include "common/hash.h"
#include "common/paths.h"
#include "research_util.h"

namespace candor::research {
namespace {

using eval::LfwImagePath;
using Pair = eval::LfwPair;

struct Args {
  std::string data, pairs, models_dir, cache_dir, json_out, embeddings_out;
  std::vector<std::string> variants;
  int threads = 2;
  bool geometry_only = false;
};

// One alignment variant: the crops it embeds (each flip-averaged), averaged.
struct Variant {
  std::string name, description;
  std::vector<AlignOptions> crops;
  std::string model = kMobileFaceNet;
};

std::vector<Variant> AllVariants() {
  auto one = [](AlignOptions o) { return std::vector<AlignOptions>{o}; };
  AlignOptions base;
  AlignOptions corners = base, lids = base, nose4 = base, inner = base, eyew = base;
  corners.eyes = ArcFaceEyes::kEyeCorners;
  lids.eyes = ArcFaceEyes::kEyeLids;
  nose4.nose_index = 4;
  inner.inner_mouth = true;
  eyew.eye_weight = 2.f;
  std::vector<AlignOptions> zooms;
  for (float z : {0.94f, 1.f, 1.06f}) {
    AlignOptions o = base;
    o.zoom = z;
    zooms.push_back(o);
  }
  std::vector<AlignOptions> shifts;
  for (auto [dx, dy] : {std::pair{0.f, 0.f}, {-2.f, 0.f}, {2.f, 0.f}, {0.f, -2.f}, {0.f, 2.f}}) {
    AlignOptions o = base;
    o.shift_x = dx, o.shift_y = dy;
    shifts.push_back(o);
  }
  return {
      {"base",
       "eye centres = mean of the 16-point eye contours, nose tip (1), outer mouth corners "
       "(61/291)",
       one(base)},
      {"eye-corners", "eye centres = midpoint of the eye corners (33/133, 362/263)", one(corners)},
      {"eye-lids", "eye centres = midpoint of the upper and lower lid centres (159/145, 386/374)",
       one(lids)},
      {"nose4", "nose point = facemesh 4 (just above the tip) instead of 1", one(nose4)},
      {"inner-mouth", "mouth corners = inner lip corners (78/308)", one(inner)},
      {"eye-weight2", "least squares with the eye points weighted 2 (others 1)", one(eyew)},
      {"zoom3", "multi-crop: zoom 0.94 / 1 / 1.06 about the crop centre, embeddings averaged",
       zooms},
      {"shift5", "multi-crop: centre and +-2 px shifts in x and y, embeddings averaged", shifts},
      {"resnet", "face-api ResNet 128-D, dlib 150-px chip from facemesh eye corners + nose base",
       one(base), kFaceApiResNet},
  };
}

// ---- face cache: key line, then per image: name, box, 5 landmarks, mesh ----
using FaceCache = std::map<std::string, Face>;

void Put(std::string* out, const void* p, size_t n) { out->append(static_cast<const char*>(p), n); }

Status SaveFaces(const std::filesystem::path& file, const std::string& key,
                 const FaceCache& cache) {
  std::string out = key + "\n";
  for (const auto& [name, f] : cache) {
    const uint32_t len = name.size(), mesh = f.mesh.size();
    Put(&out, &len, 4), Put(&out, name.data(), len);
    const float box[4] = {f.box.x, f.box.y, f.box.width, f.box.height};
    Put(&out, box, sizeof box);
    Put(&out, f.landmarks.data(), sizeof(cv::Point2f) * 5);
    Put(&out, &mesh, 4), Put(&out, f.mesh.data(), mesh * sizeof(cv::Point3f));
  }
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  return WriteFileAtomic(file, out);
}

FaceCache LoadFaces(const std::filesystem::path& file, const std::string& key) {
  FaceCache cache;
  std::ifstream in(file, std::ios::binary);
  std::string header;
  if (!in || !std::getline(in, header) || header != key) return cache;
  for (;;) {
    uint32_t len = 0, mesh = 0;
    if (!in.read(reinterpret_cast<char*>(&len), 4) || len > 4096) break;
    std::string name(len, '\0');
    Face f;
    float box[4];
    in.read(name.data(), len);
    in.read(reinterpret_cast<char*>(box), sizeof box);
    in.read(reinterpret_cast<char*>(f.landmarks.data()), sizeof(cv::Point2f) * 5);
    in.read(reinterpret_cast<char*>(&mesh), 4);
    if (!in || mesh > 1000) break;
    f.mesh.resize(mesh);
    in.read(reinterpret_cast<char*>(f.mesh.data()), mesh * sizeof(cv::Point3f));
    if (!in) break;
    f.box = cv::Rect2f(box[0], box[1], box[2], box[3]);
    cache[name] = std::move(f);
  }
  return cache;
}

// ---- embedding cache per variant ----
using EmbCache = std::map<std::string, std::vector<float>>;

Status SaveEmb(const std::filesystem::path& file, const std::string& key, const EmbCache& cache) {
  std::string out = key + "\n";
  for (const auto& [name, v] : cache) {
    const uint32_t len = name.size(), dim = v.size();
    Put(&out, &len, 4), Put(&out, name.data(), len), Put(&out, &dim, 4),
        Put(&out, v.data(), dim * 4);
  }
  return WriteFileAtomic(file, out);
}

EmbCache LoadEmb(const std::filesystem::path& file, const std::string& key) {
  EmbCache cache;
  std::ifstream in(file, std::ios::binary);
  std::string header;
  if (!in || !std::getline(in, header) || header != key) return cache;
  for (;;) {
    uint32_t len = 0, dim = 0;
    if (!in.read(reinterpret_cast<char*>(&len), 4) || len > 4096) break;
    std::string name(len, '\0');
    in.read(name.data(), len);
    in.read(reinterpret_cast<char*>(&dim), 4);
    if (!in || dim > 4096) break;
    std::vector<float> v(dim);
    in.read(reinterpret_cast<char*>(v.data()), dim * 4);
    if (!in) break;
    cache[name] = std::move(v);
  }
  return cache;
}

StatusOr<cv::Mat> ReadBgr(const std::filesystem::path& file) {
  CANDOR_ASSIGN_OR_RETURN(auto bytes, ReadFile(file, 64 << 20));
  cv::Mat bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  if (bgr.empty()) return InvalidArgumentError("cannot decode " + file.string());
  return bgr;
}

// Runs `fn(i)` for i in [0, n) on `threads` workers; returns the first error.
Status ParallelFor(size_t n, int threads, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < n;) {
        Status s = fn(i);
        if (!s.ok()) {
          std::lock_guard lock(mu);
          if (first.ok()) first = s;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  return first;
}

nlohmann::json Protocol(const std::vector<Pair>& pairs, const std::vector<double>& scores, int from,
                        int to, const metrics::KFoldResult* given = nullptr) {
  std::vector<metrics::ScoredPair> sp;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].fold >= from && pairs[i].fold < to)
      sp.push_back({scores[i], pairs[i].genuine, pairs[i].fold});
  }
  auto k = given ? StatusOr<metrics::KFoldResult>(*given) : metrics::KFoldAccuracy(sp);
  if (!k.ok()) return {{"error", k.status().ToString()}};
  double errors = 0;
  for (const auto& f : k->folds) errors += (1 - f.accuracy) * f.pairs;
  return {{"accuracy", k->mean_accuracy},
          {"std", k->std_accuracy},
          {"errors", std::lround(errors)},
          {"pairs", sp.size()},
          {"mean_threshold", k->mean_threshold}};
}

// The `candor eval lfw` result fields of one row (all 10 folds), so `candor
// report --lfw` can read this command's JSON.
nlohmann::json LfwResult(const std::string& model, const std::string& sha,
                         const std::vector<Pair>& pairs, const std::vector<double>& scores,
                         const metrics::KFoldResult* given = nullptr) {
  std::vector<metrics::ScoredPair> sp;
  std::vector<double> gen, imp;
  for (size_t i = 0; i < pairs.size(); ++i) {
    sp.push_back({scores[i], pairs[i].genuine, pairs[i].fold});
    if (!std::isnan(scores[i])) (pairs[i].genuine ? gen : imp).push_back(scores[i]);
  }
  auto k = given ? StatusOr<metrics::KFoldResult>(*given) : metrics::KFoldAccuracy(sp);
  auto roc = metrics::ComputeRoc(gen, imp);
  if (!k.ok() || !roc.ok()) return {{"model", model}, {"error", "cannot score"}};
  nlohmann::json r = {{"model", model},
                      {"accuracy_mean", k->mean_accuracy},
                      {"accuracy_std", k->std_accuracy},
                      {"standard_error", k->standard_error},
                      {"mean_threshold", k->mean_threshold},
                      {"failed_pairs", k->failed_pairs},
                      {"auc", metrics::Auc(*roc)},
                      {"eer", metrics::Eer(*roc)},
                      {"tar_at_far_1e-2", metrics::TarAtFar(*roc, 1e-2)},
                      {"tar_at_far_1e-3", metrics::TarAtFar(*roc, 1e-3)}};
  if (!sha.empty()) r["onnx_sha256"] = sha;
  return r;
}

Status Run(Args a) {
  CANDOR_RETURN_IF_ERROR(eval::DefaultLfwPaths(a.data, a.pairs));
  if (a.cache_dir.empty()) a.cache_dir = (SourceDir() / "build" / "eval-cache").string();
  const std::filesystem::path model_dir =
      a.models_dir.empty() ? ModelDir() : std::filesystem::path(a.models_dir);
  std::vector<Variant> variants;
  for (const auto& v : AllVariants()) {
    if (a.variants.empty() ||
        std::find(a.variants.begin(), a.variants.end(), v.name) != a.variants.end())
      variants.push_back(v);
  }
  if (variants.empty()) return InvalidArgumentError("no known --variant given");
  CANDOR_ASSIGN_OR_RETURN(std::vector<Pair> pairs, eval::ParseLfwPairs(a.pairs));
  std::vector<std::string> images;
  {
    std::set<std::string> seen;
    for (const auto& p : pairs)
      for (const auto* s : {&p.a, &p.b})
        if (seen.insert(*s).second) images.push_back(*s);
  }
  auto detector = FaceDetector::Open(model_dir, DetectorOptions(), a.threads);
  CANDOR_RETURN_IF_ERROR(detector.status());
  CANDOR_ASSIGN_OR_RETURN(auto landmarker, Landmarker::Open(model_dir, a.threads));
  // Every network that changes a detection is in the key (the small-image one
  // too: a cache from before it was added must not be reused).
  std::string small_det;
  if (const ModelInfo* s = (*detector)->small_model())
    small_det = "+" + s->onnx_sha256.substr(0, 16);
  const std::string face_key =
      "candor-align-faces-v1 det=" + (*detector)->model().onnx_sha256.substr(0, 16) + small_det +
      " mesh=" + landmarker->model().onnx_sha256.substr(0, 16);
  const auto face_file = std::filesystem::path(a.cache_dir) /
                         ("align-faces-" + HexDigest(Sha256(face_key)).substr(0, 24) + ".bin");
  FaceCache faces = LoadFaces(face_file, face_key);
  {
    std::vector<std::string> todo;
    for (const auto& i : images)
      if (!faces.count(i)) todo.push_back(i);
    std::cerr << "eval align: " << images.size() << " images, " << todo.size() << " to detect"
              << std::endl;
    std::mutex mu;
    size_t done = 0;
    CANDOR_RETURN_IF_ERROR(ParallelFor(todo.size(), a.threads, [&](size_t i) -> Status {
      CANDOR_ASSIGN_OR_RETURN(cv::Mat bgr, ReadBgr(std::filesystem::path(a.data) / todo[i]));
      CANDOR_ASSIGN_OR_RETURN(auto dets, (*detector)->Detect(bgr));
      FaceDetection d;
      if (const FaceDetection* c = PickCentral(dets, bgr.size())) {
        d = *c;
      } else {
        const float w = bgr.cols, h = bgr.rows;
        d.box = cv::Rect2f(w * 0.3f, h * 0.3f, w * 0.4f, h * 0.45f);
        d.keypoints = {cv::Point2f(w * 0.41f, h * 0.45f), cv::Point2f(w * 0.59f, h * 0.45f),
                       cv::Point2f(w * 0.5f, h * 0.55f),  cv::Point2f(w * 0.5f, h * 0.64f),
                       cv::Point2f(w * 0.32f, h * 0.48f), cv::Point2f(w * 0.68f, h * 0.48f)};
      }
      CANDOR_ASSIGN_OR_RETURN(Face f, landmarker->Refine(bgr, d, 2));
      std::lock_guard lock(mu);
      faces[todo[i]] = std::move(f);
      if (++done % 1000 == 0) {
        std::cerr << "  detected " << done << " / " << todo.size() << std::endl;
        CANDOR_RETURN_IF_ERROR(SaveFaces(face_file, face_key, faces));
      }
      return OkStatus();
    }));
    if (!todo.empty()) CANDOR_RETURN_IF_ERROR(SaveFaces(face_file, face_key, faces));
  }
  // Label-free geometry: how well each variant's five points fit the ArcFace
  // template (residuals of the similarity fit, in crop pixels, over all images).
  nlohmann::json geometry = nlohmann::json::array();
  for (const Variant& v : variants) {
    if (v.model != kMobileFaceNet) continue;
    const AlignOptions& o = v.crops[0];
    double sq = 0;
    cv::Point2d mean[5];
    size_t n = 0;
    for (const auto& i : images) {
      std::vector<cv::Point2f> img, tpl;
      CanonicalPoints(faces.at(i), CanonicalCrop::kArcFace112, o, &img, &tpl);
      AlignOptions fit = o;
      fit.zoom = 1, fit.shift_x = fit.shift_y = 0;
      cv::Mat m = AlignmentTransform(faces.at(i), CanonicalCrop::kArcFace112, fit);
      if (m.empty()) continue;
      ++n;
      for (int k = 0; k < 5; ++k) {
        const cv::Point2d p(
            m.at<double>(0, 0) * img[k].x + m.at<double>(0, 1) * img[k].y + m.at<double>(0, 2),
            m.at<double>(1, 0) * img[k].x + m.at<double>(1, 1) * img[k].y + m.at<double>(1, 2));
        const cv::Point2d r = p - cv::Point2d(tpl[k]);
        mean[k] += r;
        sq += r.dot(r);
      }
    }
    nlohmann::json g = {{"variant", v.name},
                        {"faces", n},
                        {"rms_residual_px", std::sqrt(sq / std::max<size_t>(1, 5 * n))}};
    nlohmann::json mr = nlohmann::json::array();
    for (auto& p : mean) mr.push_back({p.x / std::max<size_t>(1, n), p.y / std::max<size_t>(1, n)});
    g["mean_residual_px"] =
        mr;  // eyes (image-left, image-right), nose, mouth (image-left, image-right)
    std::cerr << "geometry " << v.name << ": rms residual " << g["rms_residual_px"].get<double>()
              << " px; mean residual per point " << mr.dump() << std::endl;
    geometry.push_back(g);
  }
  if (a.geometry_only) {
    std::cout << nlohmann::json{{"geometry", geometry}}.dump(2) << std::endl;
    return OkStatus();
  }
  std::map<std::string, std::unique_ptr<Embedder>> embedders;
  for (const Variant& v : variants) {
    if (embedders.count(v.model)) continue;
    EmbedderOptions eo;
    eo.model_id = v.model;
    eo.flip_average = true;
    eo.instances = a.threads;
    CANDOR_ASSIGN_OR_RETURN(embedders[v.model], Embedder::Open(model_dir, eo));
  }

  nlohmann::json doc = {
      {"protocol", "LFW View 2; each half (folds 1-5, 6-10) and all 10 folds as k-fold protocols"},
      {"pairs", pairs.size()},
      {"images", images.size()},
      {"face_cache_key", face_key},
      {"geometry", geometry},
      {"variants", nlohmann::json::array()},
      {"results", nlohmann::json::array()}};
  std::map<std::string, std::vector<double>> variant_scores;
  std::cerr << "| variant | folds 1-5 | folds 6-10 | all 10 folds | errors (of 6,000) "
               "|\n|---|---|---|---|---|\n";
  for (const Variant& v : variants) {
    const Embedder* embedder = embedders.at(v.model).get();
    nlohmann::json spec = nlohmann::json::array();
    for (const auto& o : v.crops) {
      spec.push_back(
          {int(o.eyes), o.nose_index, o.inner_mouth, o.eye_weight, o.zoom, o.shift_x, o.shift_y});
    }
    const std::string key = "candor-align-emb-v1 " + face_key + " " + v.model + "=" +
                            embedder->model().onnx_sha256.substr(0, 16) + " " + spec.dump();
    const auto file = std::filesystem::path(a.cache_dir) /
                      ("align-emb-" + v.name + "-" + HexDigest(Sha256(key)).substr(0, 16) + ".bin");
    EmbCache emb = LoadEmb(file, key);
    std::vector<std::string> todo;
    for (const auto& i : images)
      if (!emb.count(i)) todo.push_back(i);
    std::cerr << "eval align: variant " << v.name << ": " << todo.size() << " to embed"
              << std::endl;
    std::mutex mu;
    size_t done = 0;
    CANDOR_RETURN_IF_ERROR(ParallelFor(todo.size(), a.threads, [&](size_t i) -> Status {
      CANDOR_ASSIGN_OR_RETURN(cv::Mat bgr, ReadBgr(std::filesystem::path(a.data) / todo[i]));
      const Face& f = faces.at(todo[i]);
      std::vector<cv::Mat> crops;
      for (const auto& o : v.crops) {
        cv::Mat c = AlignFace(bgr, f, embedder->crop(), o);
        if (c.empty()) return InvalidArgumentError("degenerate landmarks in " + todo[i]);
        crops.push_back(std::move(c));
      }
      CANDOR_ASSIGN_OR_RETURN(auto vs, embedder->EmbedCrops(crops));
      std::vector<float> sum(vs[0].size(), 0.f);
      for (const auto& x : vs)
        for (size_t k = 0; k < x.size(); ++k) sum[k] += x[k];
      double n = 0;
      for (float x : sum) n += double(x) * x;
      for (float& x : sum) x = float(x / std::sqrt(std::max(n, 1e-30)));
      std::lock_guard lock(mu);
      emb[todo[i]] = std::move(sum);
      if (++done % 1000 == 0) {
        std::cerr << "  embedded " << done << " / " << todo.size() << std::endl;
        CANDOR_RETURN_IF_ERROR(SaveEmb(file, key, emb));
      }
      return OkStatus();
    }));
    if (!todo.empty()) CANDOR_RETURN_IF_ERROR(SaveEmb(file, key, emb));
    std::vector<double> scores;
    for (const auto& p : pairs) scores.push_back(Dot(emb.at(p.a), emb.at(p.b)));
    variant_scores[v.name] = scores;
    doc["results"].push_back(
        LfwResult(v.name == "base" ? v.model : v.model + " [" + v.name + "]",
                  v.name == "base" || v.name == "resnet" ? embedder->model().onnx_sha256 : "",
                  pairs, scores));
    if (!a.embeddings_out.empty()) {
      // The embeddings as an EmbeddingSet for `candor eval identify --embeddings`.
      eval::EmbeddingSet set{
          v.model,
          embedder->model().onnx_sha256,
          "candor-eval-align variant " + v.name + " (" + v.description + "); " + face_key +
              "; flip-averaged; face nearest the centre, centred default box when none found",
          {}};
      for (const auto& i : images)
        set.images.push_back({i, i.substr(0, i.find('/')), true, emb.at(i)});
      std::error_code ec;
      std::filesystem::create_directories(a.embeddings_out, ec);
      CANDOR_RETURN_IF_ERROR(
          eval::SaveEmbeddingSet(set, std::filesystem::path(a.embeddings_out) / (v.name + ".emb")));
    }
    nlohmann::json r = {{"variant", v.name},
                        {"model", v.model},
                        {"description", v.description},
                        {"folds_1_5", Protocol(pairs, scores, 0, 5)},
                        {"folds_6_10", Protocol(pairs, scores, 5, 10)},
                        {"folds_1_10", Protocol(pairs, scores, 0, 10)}};
    auto cell = [](const nlohmann::json& j) {
      if (!j.contains("accuracy")) return std::string("error");
      char b[96];
      std::snprintf(b, sizeof b, "%.2f ± %.2f %% (%ld err)", 100 * j["accuracy"].get<double>(),
                    100 * j["std"].get<double>(), j["errors"].get<long>());
      return std::string(b);
    };
    std::cerr << "| " << v.name << " | " << cell(r["folds_1_5"]) << " | " << cell(r["folds_6_10"])
              << " | " << cell(r["folds_1_10"]) << " | " << r["folds_1_10"].value("errors", -1L)
              << " |" << std::endl;
    doc["variants"].push_back(r);
  }
  if (variant_scores.count("base") && variant_scores.count("resnet")) {
    // Score-level fusion of the two descriptors: label-free z-score sum, and a
    // logistic fusion fit on the training folds of each split only.
    const std::vector<std::vector<double>> both = {variant_scores["base"],
                                                   variant_scores["resnet"]};
    CANDOR_ASSIGN_OR_RETURN(auto z, fusion::ZScoreFusion(both));
    std::vector<bool> genuine;
    std::vector<int> fold;
    for (const auto& p : pairs) genuine.push_back(p.genuine), fold.push_back(p.fold);
    CANDOR_ASSIGN_OR_RETURN(auto cv, fusion::CrossValidatedLogisticFusion(both, genuine, fold));
    // The logistic fusion's halves: refit within each half so no fold of the other half is used.
    nlohmann::json halves;
    for (auto [from, to, name] : {std::tuple{0, 5, "folds_1_5"}, std::tuple{5, 10, "folds_6_10"}}) {
      std::vector<std::vector<double>> sub(2);
      std::vector<bool> g;
      std::vector<int> f;
      std::vector<Pair> sp;
      for (size_t i = 0; i < pairs.size(); ++i) {
        if (pairs[i].fold < from || pairs[i].fold >= to) continue;
        sub[0].push_back(both[0][i]), sub[1].push_back(both[1][i]);
        g.push_back(pairs[i].genuine), f.push_back(pairs[i].fold), sp.push_back(pairs[i]);
      }
      auto h = fusion::CrossValidatedLogisticFusion(sub, g, f);
      halves[name] =
          h.ok() ? Protocol(sp, h->scores, from, to, &h->kfold) : nlohmann::json{{"error", "fit"}};
    }
    nlohmann::json rz = {{"variant", "fusion-zscore"},
                         {"description", "z-score sum (label-free) of base and resnet"},
                         {"folds_1_5", Protocol(pairs, z, 0, 5)},
                         {"folds_6_10", Protocol(pairs, z, 5, 10)},
                         {"folds_1_10", Protocol(pairs, z, 0, 10)}};
    nlohmann::json rl = {
        {"variant", "fusion-logistic"},
        {"description",
         "logistic fusion of base and resnet, fit on the training folds of each split"},
        {"folds_1_5", halves["folds_1_5"]},
        {"folds_6_10", halves["folds_6_10"]},
        {"folds_1_10", Protocol(pairs, cv.scores, 0, 10, &cv.kfold)}};
    nlohmann::json w = nlohmann::json::array();
    for (const auto& m : cv.fold_models) w.push_back(m.weight);
    rl["fold_weights_on_standardised_scores"] = w;
    for (const auto& r : {rz, rl}) doc["variants"].push_back(r);
    doc["results"].push_back(
        LfwResult("fusion(mobilefacenet+faceapi-resnet) z-score", "", pairs, z));
    doc["results"].push_back(LfwResult("fusion(mobilefacenet+faceapi-resnet) logistic", "", pairs,
                                       cv.scores, &cv.kfold));
    auto cell = [](const nlohmann::json& j) {
      if (!j.contains("accuracy")) return std::string("error");
      char b[96];
      std::snprintf(b, sizeof b, "%.2f ± %.2f %% (%ld err)", 100 * j["accuracy"].get<double>(),
                    100 * j["std"].get<double>(), j["errors"].get<long>());
      return std::string(b);
    };
    for (const auto& r : {rz, rl}) {
      std::cerr << "| " << r["variant"].get<std::string>() << " | " << cell(r["folds_1_5"]) << " | "
                << cell(r["folds_6_10"]) << " | " << cell(r["folds_1_10"]) << " | "
                << r["folds_1_10"].value("errors", -1L) << " |" << std::endl;
    }
  }
  if (!a.json_out.empty()) return WriteFileAtomic(a.json_out, doc.dump(2));
  std::cout << doc.dump(2) << std::endl;
  return OkStatus();
}

}  // namespace
}  // namespace candor::research

int main(int argc, char** argv) {
  using namespace candor;
  CLI::App app{
      "LFW View 2 for alignment variants of the ArcFace crop, from one detection per image"};
  research::Args a;
  app.add_option("--data", a.data, "LFW image root (default $CANDOR_DATA/faces/lfw)");
  app.add_option("--pairs", a.pairs,
                 "pairs.txt (default $CANDOR_DATA/faces/lfw-protocol/pairs.txt)");
  app.add_option("--models", a.models_dir,
                 "Directory of converted models (default $CANDOR_MODELS or models/)");
  app.add_option(
      "--embeddings-out", a.embeddings_out,
      "Also write each variant's embeddings as DIR/<variant>.emb (for eval identify --embeddings)");
  app.add_option("--cache", a.cache_dir, "Cache directory (default build/eval-cache)");
  app.add_option(
      "--variant", a.variants,
      "Variant(s) to run (default all): base eye-corners eye-lids nose4 inner-mouth eye-weight2 "
      "zoom3 shift5 resnet (with base and resnet: their fusion too)");
  app.add_flag("--geometry-only", a.geometry_only,
               "Only the label-free fit residuals of each variant's five points (no embedding)");
  app.add_option("--threads", a.threads, "Worker threads")->check(CLI::Range(1, 64));
  app.add_option("--json", a.json_out, "Write the JSON report here (default stdout)");
  CLI11_PARSE(app, argc, argv);
  const Status status = research::Run(a);
  if (!status.ok()) std::cerr << "candor-eval-align: " << status.ToString() << std::endl;
  return ExitCode(status.code());
}
