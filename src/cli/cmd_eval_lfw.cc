// Copyright 2026 The Candor Authors.
//
// candor eval lfw --data DIR --pairs pairs.txt [--model M]... : the LFW View-2
// protocol exactly: 10 folds of 300 same + 300 different pairs; each fold's
// threshold is chosen on the other nine (candor::metrics::KFoldAccuracy).
// Reports mean accuracy +- std, AUC, TAR at FAR 1e-2 / 1e-3, writes the ROC as
// SVG, and with two or more models also their score-level fusion (z-scored
// sum, normalised by label-free statistics of all pair scores).
//
// Face choice: the face nearest the image centre among faces at least 30 % of
// the largest one's area (LFW centres the named person). An image where no
// face is found is embedded from a centred default box refined by facemesh
// (counted and reported as a detector miss).
//
// Embeddings are cached under build/eval-cache/ keyed by the embedder's and
// detector's ONNX hashes and every pipeline setting, so repeated runs are fast.
// --calibration-out writes the 1:1 calibration (derived statistics only) from
// the impostor scores of all cross-identity pairs of the evaluated images.

#include <atomic>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "calibrate/lfw_pairs.h"
#include "calibrate/svg_plot.h"
#include "candor/calibration.h"
#include "candor/landmarker.h"
#include "candor/metrics.h"
#include "cli/command.h"
#include "cli/pipeline_flags.h"
#include "common/file_util.h"
#include "common/hash.h"

namespace candor::cli {
namespace {

using Pair = eval::LfwPair;

struct Args {
  std::string data, pairs, svg, calibration_out, cache_dir;
  std::vector<std::string> models;
  PipelineFlags flags;
  int limit_folds = 10;
  bool no_cache = false;
};

// The face LFW means: nearest the centre among the large ones.
const ProcessedFace* PickCentral(const std::vector<ProcessedFace>& faces, cv::Size size) {
  const ProcessedFace* best = nullptr;
  float best_d = 1e30f;
  const cv::Point2f c(size.width / 2.f, size.height / 2.f);
  for (const auto& f : faces) {
    if (f.face.box.area() < 0.3f * faces[0].face.box.area()) continue;
    const cv::Point2f fc(f.face.box.x + f.face.box.width / 2, f.face.box.y + f.face.box.height / 2);
    const float d = std::hypot(fc.x - c.x, fc.y - c.y);
    if (d < best_d) best_d = d, best = &f;
  }
  return best;
}

using Cache = std::map<std::string, std::vector<float>>;

std::filesystem::path CacheFile(const std::string& dir, const std::string& key) {
  const auto digest = Sha256(key);
  return std::filesystem::path(dir) / ("lfw-" + HexDigest(digest).substr(0, 24) + ".bin");
}

Cache LoadCache(const std::filesystem::path& file, const std::string& key) {
  Cache cache;
  std::ifstream in(file, std::ios::binary);
  std::string header;
  if (!in || !std::getline(in, header) || header != key) return cache;
  uint32_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 4);
  for (uint32_t i = 0; i < n && in; ++i) {
    uint32_t len = 0, dim = 0;
    in.read(reinterpret_cast<char*>(&len), 4);
    if (len > 4096) return {};
    std::string name(len, '\0');
    in.read(name.data(), len);
    in.read(reinterpret_cast<char*>(&dim), 4);
    if (dim > 8192) return {};
    std::vector<float> v(dim);
    in.read(reinterpret_cast<char*>(v.data()), dim * 4);
    if (in) cache[name] = std::move(v);
  }
  return in ? cache : Cache{};
}

Status SaveCache(const std::filesystem::path& file, const std::string& key, const Cache& cache) {
  std::string out = key + "\n";
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  const uint32_t n = cache.size();
  put(&n, 4);
  for (const auto& [name, v] : cache) {
    const uint32_t len = name.size(), dim = v.size();
    put(&len, 4), put(name.data(), len), put(&dim, 4), put(v.data(), dim * 4);
  }
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  return WriteFileAtomic(file, out);
}

struct ModelRun {
  std::string id;
  std::string sha256;
  std::vector<double> scores;  // per pair; NaN when an image could not be embedded
  Cache embeddings;
  int detector_misses = 0, failures = 0;
};

// Embeds every image (cached), with `threads` workers.
Status EmbedAll(const Args& a, const std::string& model, const std::vector<std::string>& images, ModelRun* run) {
  PipelineFlags flags = a.flags;
  flags.model = model;
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(ToPipelineOptions(flags)));
  std::unique_ptr<Landmarker> landmarker;
  if (!flags.no_mesh) {
    CANDOR_ASSIGN_OR_RETURN(landmarker, Landmarker::Open(pipeline->options().model_dir, flags.threads));
  }
  run->id = pipeline->embedder_model().id;
  run->sha256 = pipeline->embedder_model().onnx_sha256;
  const std::string key = "candor-lfw-cache-v1 " + pipeline->SettingsKey();
  const auto file = CacheFile(a.cache_dir, key);
  if (!a.no_cache) run->embeddings = LoadCache(file, key);
  std::vector<std::string> todo;
  for (const auto& img : images)
    if (!run->embeddings.count(img)) todo.push_back(img);
  std::cerr << "eval lfw: " << run->id << ": " << images.size() - todo.size() << " cached, " << todo.size()
            << " to embed (" << flags.threads << " threads)" << std::endl;
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  auto worker = [&] {
    for (;;) {
      const size_t i = next++;
      if (i >= todo.size()) return;
      const std::filesystem::path path = std::filesystem::path(a.data) / todo[i];
      auto image = pipeline->ReadFile(path);
      std::vector<float> emb;
      bool miss = false;
      if (image.ok()) {
        auto faces = pipeline->Process(*image);
        if (faces.ok() && !faces->empty()) {
          emb = PickCentral(*faces, image->size())->tmpl.values;
        } else if (faces.ok()) {
          // Detector miss: a centred default face refined by facemesh.
          miss = true;
          FaceDetection d;
          const float w = image->cols, h = image->rows;
          d.box = cv::Rect2f(w * 0.3f, h * 0.3f, w * 0.4f, h * 0.45f);
          d.score = 0;
          d.keypoints = {cv::Point2f(w * 0.41f, h * 0.45f), cv::Point2f(w * 0.59f, h * 0.45f),
                         cv::Point2f(w * 0.5f, h * 0.55f), cv::Point2f(w * 0.5f, h * 0.64f),
                         cv::Point2f(w * 0.32f, h * 0.48f), cv::Point2f(w * 0.68f, h * 0.48f)};
          Face f = FaceFromDetection(d);
          if (landmarker) {
            auto r = landmarker->Refine(*image, d, flags.no_mesh ? 0 : 2);
            if (r.ok()) f = *r;
          }
          auto t = pipeline->Embed(*image, std::span<const Face>(&f, 1));
          if (t.ok()) emb = (*t)[0].values;
        }
      }
      std::lock_guard lock(mu);
      if (miss) ++run->detector_misses;
      if (emb.empty()) {
        ++run->failures;
        if (first_error.ok() && !image.ok()) first_error = image.status();
      } else {
        run->embeddings[todo[i]] = std::move(emb);
      }
      const size_t done = i + 1;
      if (done % 500 == 0) std::cerr << "  " << done << " / " << todo.size() << std::endl;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < flags.threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (run->failures > 0) std::cerr << "eval lfw: " << run->failures << " images failed: " << first_error.ToString() << std::endl;
  if (!todo.empty() && !a.no_cache) {
    Status s = SaveCache(file, key, run->embeddings);
    if (!s.ok()) std::cerr << "eval lfw: cache not written: " << s.ToString() << std::endl;
  }
  return OkStatus();
}

double Dot(const std::vector<float>& x, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) s += double(x[i]) * y[i];
  return s;
}

struct Summary {
  std::string name;
  metrics::KFoldResult kfold;
  double auc = 0, tar2 = 0, tar3 = 0, eer = 0;
  metrics::Roc roc;
};

StatusOr<Summary> Summarise(const std::string& name, const std::vector<Pair>& pairs, const std::vector<double>& scores) {
  Summary s;
  s.name = name;
  std::vector<metrics::ScoredPair> sp;
  std::vector<double> gen, imp;
  for (size_t i = 0; i < pairs.size(); ++i) {
    sp.push_back({scores[i], pairs[i].genuine, pairs[i].fold});
    (pairs[i].genuine ? gen : imp).push_back(scores[i]);
  }
  CANDOR_ASSIGN_OR_RETURN(s.kfold, metrics::KFoldAccuracy(sp));
  CANDOR_ASSIGN_OR_RETURN(s.roc, metrics::ComputeRoc(gen, imp));
  s.auc = metrics::Auc(s.roc);
  s.eer = metrics::Eer(s.roc);
  s.tar2 = metrics::TarAtFar(s.roc, 1e-2);
  s.tar3 = metrics::TarAtFar(s.roc, 1e-3);
  return s;
}

Status Run(Args a) {
  CANDOR_RETURN_IF_ERROR(eval::DefaultLfwPaths(a.data, a.pairs));
  if (a.cache_dir.empty()) a.cache_dir = (SourceDir() / "build" / "eval-cache").string();
  if (a.models.empty()) a.models.push_back(a.flags.model);  // "" = default
  CANDOR_ASSIGN_OR_RETURN(std::vector<Pair> pairs, eval::ParseLfwPairs(a.pairs, a.limit_folds));
  std::vector<std::string> images;
  {
    std::set<std::string> u;
    for (const auto& p : pairs) u.insert(p.a), u.insert(p.b);
    images.assign(u.begin(), u.end());
  }
  std::vector<ModelRun> runs(a.models.size());
  for (size_t m = 0; m < a.models.size(); ++m) {
    CANDOR_RETURN_IF_ERROR(EmbedAll(a, a.models[m], images, &runs[m]));
    for (const auto& p : pairs) {
      auto ia = runs[m].embeddings.find(p.a), ib = runs[m].embeddings.find(p.b);
      runs[m].scores.push_back(ia == runs[m].embeddings.end() || ib == runs[m].embeddings.end()
                                   ? std::nan("")
                                   : Dot(ia->second, ib->second));
    }
  }
  std::vector<Summary> summaries;
  for (const auto& r : runs) {
    CANDOR_ASSIGN_OR_RETURN(Summary s, Summarise(r.id, pairs, r.scores));
    summaries.push_back(std::move(s));
  }
  if (runs.size() > 1) {
    // Score-level fusion: z-score each model over all pair scores (no labels used), sum.
    std::vector<double> fused(pairs.size(), 0.0);
    std::string name = "fusion(";
    for (const auto& r : runs) {
      double mean = 0, sq = 0;
      int n = 0;
      for (double v : r.scores)
        if (!std::isnan(v)) mean += v, sq += v * v, ++n;
      mean /= std::max(1, n);
      const double sd = std::sqrt(std::max(1e-12, sq / std::max(1, n) - mean * mean));
      for (size_t i = 0; i < fused.size(); ++i) fused[i] += (r.scores[i] - mean) / sd;
      name += (name.size() > 7 ? "+" : "") + r.id;
    }
    CANDOR_ASSIGN_OR_RETURN(Summary s, Summarise(name + ")", pairs, fused));
    summaries.push_back(std::move(s));
  }

  nlohmann::json doc = {{"protocol", "LFW View 2, first " + std::to_string(a.limit_folds) + " of 10 folds, each fold's threshold chosen on the other folds"},
                        {"pairs", pairs.size()}, {"images", images.size()}, {"results", nlohmann::json::array()}};
  std::vector<plot::Series> series;
  for (size_t i = 0; i < summaries.size(); ++i) {
    const Summary& s = summaries[i];
    nlohmann::json r = {{"model", s.name},
                        {"accuracy_mean", s.kfold.mean_accuracy},
                        {"accuracy_std", s.kfold.std_accuracy},
                        {"standard_error", s.kfold.standard_error},
                        {"mean_threshold", s.kfold.mean_threshold},
                        {"failed_pairs", s.kfold.failed_pairs},
                        {"auc", s.auc}, {"eer", s.eer}, {"tar_at_far_1e-2", s.tar2}, {"tar_at_far_1e-3", s.tar3}};
    if (i < runs.size()) {
      r["onnx_sha256"] = runs[i].sha256;
      r["detector_misses"] = runs[i].detector_misses;
      r["embed_failures"] = runs[i].failures;
    }
    doc["results"].push_back(r);
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %.2f ± %.2f %% | %.4f | %.2f %% | %.2f %% | %.2f %% |", s.name.c_str(),
                  100 * s.kfold.mean_accuracy, 100 * s.kfold.std_accuracy, s.auc, 100 * s.tar2, 100 * s.tar3, 100 * s.eer);
    std::cerr << line << std::endl;
    plot::Series ser{s.name, {}, {}};
    for (const auto& p : s.roc.points) ser.x.push_back(p.fmr), ser.y.push_back(p.tmr);
    series.push_back(std::move(ser));
  }
  if (!a.svg.empty()) {
    plot::PlotOptions po;
    po.title = "LFW View 2 ROC";
    po.x = {"false match rate", true, 1e-4, 1};
    po.y = {"true match rate", false, 0.8, 1};
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.svg, plot::LinePlot(series, po)));
    doc["roc_svg"] = a.svg;
  }
  if (!a.calibration_out.empty()) {
    // Impostors: every cross-identity pair of the evaluated images (first model).
    const ModelRun& r = runs[0];
    CalibrationInput in;
    in.model_id = r.id;
    in.model_sha256 = r.sha256;
    std::vector<std::pair<std::string, const std::vector<float>*>> items;
    for (const auto& [name, v] : r.embeddings) items.emplace_back(name.substr(0, name.find('/')), &v);
    // At most ~2M impostor scores: every k-th cross-identity pair.
    const size_t total = items.size() * (items.size() - 1) / 2;
    const size_t stride = std::max<size_t>(1, (total + 1999999) / 2000000);
    size_t k = 0;
    for (size_t i = 0; i < items.size(); ++i)
      for (size_t j = i + 1; j < items.size(); ++j)
        if (k++ % stride == 0 && items[i].first != items[j].first)
          in.impostor_scores.push_back(Dot(*items[i].second, *items[j].second));
    for (size_t i = 0; i < pairs.size(); ++i)
      if (pairs[i].genuine && !std::isnan(r.scores[i])) in.genuine_scores.push_back(r.scores[i]);
    in.provenance = {{"dataset", "LFW (deep-funneled), images of the View-2 pairs"},
                     {"impostors", "all cross-identity pairs of those images"},
                     {"genuine", "View-2 same-person pairs"},
                     {"settings", "candor eval lfw; " + a.pairs},
                     {"note", "includes the known cross-identity duplicate photos of LFW"}};
    CANDOR_ASSIGN_OR_RETURN(Calibration cal, Calibration::Build(in));
    CANDOR_RETURN_IF_ERROR(cal.Save(a.calibration_out));
    doc["calibration"] = {{"file", a.calibration_out}, {"impostor_scores", in.impostor_scores.size()},
                          {"genuine_scores", in.genuine_scores.size()}};
  }
  std::cout << doc.dump(2) << std::endl;
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "eval", "Evaluate accuracy: `candor eval lfw` runs the LFW View-2 10-fold protocol",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.require_subcommand(1);
      CLI::App* lfw = sub.add_subcommand("lfw", "LFW View 2: accuracy +- std, AUC, TAR@FAR, ROC (SVG)");
      lfw->add_option("--data", a->data, "LFW image root (default $CANDOR_DATA/faces/lfw)");
      lfw->add_option("--pairs", a->pairs, "pairs.txt (default $CANDOR_DATA/faces/lfw-protocol/pairs.txt)");
      lfw->add_option("--model", a->models, "Embedder to evaluate (repeat for several and their score fusion; "
                                           "default $CANDOR_EMBEDDER, else " + DefaultEmbedderId() + ")");
      lfw->add_option("--svg", a->svg, "Write the ROC curves here");
      lfw->add_option("--calibration-out", a->calibration_out, "Write the 1:1 calibration of the first model here");
      lfw->add_option("--cache", a->cache_dir, "Embedding cache directory (default build/eval-cache)");
      lfw->add_flag("--no-cache", a->no_cache, "Ignore and do not write the cache");
      lfw->add_option("--folds", a->limit_folds, "Use only the first N folds (quick checks)")->check(CLI::Range(2, 10));
      AddPipelineFlags(*lfw, &a->flags, /*with_model=*/false);
      return [a] { return Run(*a); };
    }});

}  // namespace
}  // namespace candor::cli
