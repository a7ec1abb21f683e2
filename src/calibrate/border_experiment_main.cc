// Copyright 2026 The Candor Authors.
//
// candor-border-experiment: how faces cut tightly at the image border are
// embedded, against the same faces in their original photos (issue 10 item 1;
// results in docs/ACCURACY.md, "Faces at the image border").
//
//   candor-border-experiment [--data DIR] [--max-images N] [--cut 1.0 --cut 1.2]
//       [--border legacy --border reflect ...] [--calibration F] [--fmr 1e-3]
//       [--threads 2] [--json-out F]
//
// Images: LFW evaluation-side identities of the standard split (seed
// candor-split-2026-11-22; the calibration file's thresholds never saw them),
// identities in SHA-256 order, at most 4 images each, up to --max-images.
// Each image is processed once as given ("original") and once per --cut s:
// cut to s times the detector box of its central face (found in the original
// by the legacy pipeline), centred on the box, clipped to the photo. Every
// condition is then processed by every --border variant of the pipeline, the
// face nearest the centre kept. Per (variant, condition): failures to acquire,
// impostor FMR (all cross-identity pairs within the condition) and genuine
// FNMR at the calibrated FMR threshold, mean genuine score, the cosine of each
// face's template with its own original-photo template, and the drift of the
// eye centres from the original photo's (in inter-eye distances).
// Errors: those of the Pipeline and the folder scan, printed; exit 1.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "calibrate/labelled_set.h"
#include "candor/calibration.h"
#include "candor/pipeline.h"
#include "common/hash.h"
#include "common/paths.h"

namespace candor {
namespace {

struct Sample {
  bool ok = false;
  std::vector<float> v;
  cv::Point2f eyes[2];  // in original-photo pixels
  float iod = 0;
  int quality = 0;
  bool near_border = false, cut = false;
};

const ProcessedFace* Central(const std::vector<ProcessedFace>& faces, cv::Size size) {
  const ProcessedFace* best = nullptr;
  float best_d = 1e30f;
  for (const auto& f : faces) {
    if (f.face.box.area() < 0.3f * faces[0].face.box.area()) continue;
    const float d = std::hypot(f.face.box.x + f.face.box.width / 2 - size.width / 2.f,
                               f.face.box.y + f.face.box.height / 2 - size.height / 2.f);
    if (d < best_d) best_d = d, best = &f;
  }
  return best;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

// "legacy", "replicate", "reflect", "reflect+zero" (aligned crop zero-filled),
// "reflect+blur" (aligned crop mirrored and blurred).
PipelineOptions ParseBorder(const std::string& s) {
  PipelineOptions o;
  if (s == "legacy") o.border = BorderHandling::kLegacy;
  if (s == "replicate") o.border = BorderHandling::kReplicate, o.crop_fill = AlignBorder::kReplicate;
  if (s == "reflect") o.border = BorderHandling::kReflect, o.crop_fill = AlignBorder::kReflect;
  if (s == "reflect+zero") o.border = BorderHandling::kReflect, o.crop_fill = AlignBorder::kZero;
  if (s == "reflect+blur") o.border = BorderHandling::kReflect, o.crop_fill = AlignBorder::kReflectBlur;
  if (s == "reflect+grey") o.border = BorderHandling::kReflect, o.crop_fill = AlignBorder::kGrey;
  return o;
}

int Run(int argc, char** argv) {
  CLI::App app{"Faces cut tightly at the image border against their original photos (LFW)"};
  std::string data, calibration_file, json_out;
  std::size_t max_images = 1500;
  std::vector<double> cuts;
  std::vector<std::string> borders;
  double fmr = 1e-3;
  int threads = 2;
  app.add_option("--data", data, "LFW folder (default $CANDOR_DATA/faces/lfw)");
  app.add_option("--max-images", max_images, "Images (evaluation identities, at most 4 each)");
  app.add_option("--cut", cuts, "Cut size in detector boxes (repeatable; default 1.0 and 1.2)");
  app.add_option("--border", borders, "Pipeline border handling: legacy, replicate, reflect, reflect+zero, reflect+blur (repeatable)")
      ->check(CLI::IsMember({"legacy", "replicate", "reflect", "reflect+zero", "reflect+blur", "reflect+grey"}));
  app.add_option("--calibration", calibration_file, "Calibration for the threshold (default calibration/<model>.json)");
  app.add_option("--fmr", fmr, "Target FMR of the operating threshold");
  app.add_option("--threads", threads, "Workers")->check(CLI::Range(1, 64));
  app.add_option("--json-out", json_out, "Write the results as JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (cuts.empty()) cuts = {1.0, 1.2};
  if (borders.empty()) borders = {"legacy", "reflect"};
  if (data.empty()) {
    auto d = DataDir();
    data = (d ? *d : std::filesystem::path("../shared/data")) / "faces/lfw";
  }

  // ---- Images: evaluation identities, SHA-256 order, <= 4 each.
  auto scanned = eval::ScanLabelledFolder(data);
  if (!scanned.ok()) {
    std::cerr << scanned.status().ToString() << "\n";
    return 1;
  }
  std::map<std::string, std::vector<eval::LabelledImage>> by_id;
  for (auto& im : *scanned) by_id[im.identity].push_back(im);
  std::set<std::string> ids;
  for (const auto& [id, v] : by_id) ids.insert(id);
  const eval::IdentitySplit split = eval::SplitByIdentity(ids, 0.5, "candor-split-2026-11-22");
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& id : split.evaluation) order.emplace_back(HexDigest(Sha256("border\n" + id)), id);
  std::sort(order.begin(), order.end());
  std::vector<eval::LabelledImage> images;
  for (const auto& [h, id] : order) {
    const auto& v = by_id[id];
    for (std::size_t k = 0; k < v.size() && k < 4 && images.size() < max_images; ++k) images.push_back(v[k]);
    if (images.size() >= max_images) break;
  }
  const std::size_t n = images.size();

  // ---- Pipelines: legacy (reference boxes) and each variant.
  std::map<std::string, std::unique_ptr<Pipeline>> pipes;
  std::vector<std::string> names = borders;
  if (std::find(names.begin(), names.end(), "legacy") == names.end()) names.insert(names.begin(), "legacy");
  for (const auto& b : names) {
    PipelineOptions o = ParseBorder(b);
    o.threads = threads;
    auto p = Pipeline::Open(o);
    if (!p.ok()) {
      std::cerr << p.status().ToString() << "\n";
      return 1;
    }
    pipes[b] = std::move(*p);
  }
  const Pipeline& ref = *pipes["legacy"];
  if (calibration_file.empty()) {
    calibration_file = (SourceDir() / "calibration" / (ref.embedder_model().id + ".json")).string();
  }
  auto cal = Calibration::Load(calibration_file);
  if (!cal.ok()) {
    std::cerr << cal.status().ToString() << "\n";
    return 1;
  }
  if (Status s = cal->CheckModel(ref.embedder_model().id, ref.embedder_model().onnx_sha256); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  auto op = cal->ThresholdForFmr(fmr);
  if (!op.ok()) {
    std::cerr << op.status().ToString() << "\n";
    return 1;
  }
  const double t = op->threshold;

  // conditions: 0 = original, 1.. = cuts. samples[variant][condition][image]
  std::vector<std::string> cond_names = {"original"};
  for (double c : cuts) {
    char b[32];
    std::snprintf(b, sizeof b, "cut %.2fx box", c);
    cond_names.push_back(b);
  }
  const std::size_t nc = cond_names.size();
  std::map<std::string, std::vector<std::vector<Sample>>> samples;
  for (const auto& b : borders) samples[b].assign(nc, std::vector<Sample>(n));
  std::vector<cv::Size> cut_sizes(n);
  std::atomic<std::size_t> next{0}, done{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      auto img = ref.ReadFile(std::filesystem::path(data) / images[i].path);
      if (!img.ok()) continue;
      auto faces = ref.Process(*img);
      const ProcessedFace* c = faces.ok() && !faces->empty() ? Central(*faces, img->size()) : nullptr;
      std::vector<cv::Mat> conds = {*img};
      std::vector<cv::Point> offsets = {cv::Point(0, 0)};
      for (double s : cuts) {
        if (c == nullptr) {
          conds.push_back(cv::Mat());
          offsets.emplace_back(0, 0);
          continue;
        }
        const cv::Rect2f& b = c->face.box;
        const float w = static_cast<float>(s) * b.width, h = static_cast<float>(s) * b.height;
        cv::Rect r(static_cast<int>(std::lround(b.x + b.width / 2 - w / 2)),
                   static_cast<int>(std::lround(b.y + b.height / 2 - h / 2)), static_cast<int>(std::lround(w)),
                   static_cast<int>(std::lround(h)));
        r &= cv::Rect(0, 0, img->cols, img->rows);
        conds.push_back(r.width >= 16 && r.height >= 16 ? (*img)(r).clone() : cv::Mat());
        offsets.push_back(r.tl());
      }
      for (const auto& bname : borders) {
        const Pipeline& p = *pipes[bname];
        for (std::size_t k = 0; k < nc; ++k) {
          if (conds[k].empty()) continue;
          // The legacy pipeline on the original photo ran above already.
          auto pf = (&p == &ref && k == 0) ? faces : p.Process(conds[k]);
          if (!pf.ok() || pf->empty()) continue;
          const ProcessedFace* f = Central(*pf, conds[k].size());
          if (f == nullptr) continue;
          Sample sm;
          sm.ok = true;
          sm.v = f->tmpl.values;
          const cv::Point2f off(offsets[k]);
          sm.eyes[0] = f->face.landmarks[kImageLeftEye] + off;
          sm.eyes[1] = f->face.landmarks[kImageRightEye] + off;
          sm.iod = static_cast<float>(cv::norm(sm.eyes[1] - sm.eyes[0]));
          sm.quality = f->face.quality.score;
          sm.cut = f->face.cut_by_border;
          for (const auto& is : f->face.quality.issues) sm.near_border = sm.near_border || is == "near border";
          samples[bname][k][i] = std::move(sm);
        }
      }
      const std::size_t d = done.fetch_add(1) + 1;
      if (d % 100 == 0 || d == n) std::fprintf(stderr, "\r%zu / %zu images", d, n);
    }
  };
  // The pipelines already run `threads` network copies; one worker per thread.
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  std::fprintf(stderr, "\n");

  // ---- Metrics.
  nlohmann::json out = {{"images", n},
                        {"threshold", t},
                        {"target_fmr", fmr},
                        {"calibration", calibration_file},
                        {"model", ref.embedder_model().id},
                        {"rows", nlohmann::json::array()}};
  std::set<std::string> used_ids;
  for (const auto& im : images) used_ids.insert(im.identity);
  out["identities"] = used_ids.size();
  std::printf("%zu images of %zu evaluation identities; threshold %.3f (FMR %.0e, %s)\n\n", n, used_ids.size(), t,
              fmr, calibration_file.c_str());
  std::printf("| pipeline | images | failed | impostor pairs | FMR at t | vs original | genuine pairs | mean genuine "
              "| FNMR at t | cosine to own original (mean / 5th pct) | eye drift (IOD, mean) | flagged near border |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& bname : borders) {
    double fmr_original = 0;
    for (std::size_t k = 0; k < nc; ++k) {
      const auto& S = samples[bname][k];
      const auto& O = samples[bname][0];
      std::size_t failed = 0, imp = 0, fm = 0, gen = 0, fnm = 0, flagged = 0;
      double gsum = 0;
      std::vector<double> self;
      double drift = 0;
      std::size_t ndrift = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!S[i].ok) {
          ++failed;
          continue;
        }
        flagged += S[i].near_border ? 1 : 0;
        if (k > 0 && O[i].ok) self.push_back(Dot(S[i].v, O[i].v));
        if (k > 0 && O[i].ok && O[i].iod > 0) {
          drift += 0.5 * (cv::norm(S[i].eyes[0] - O[i].eyes[0]) + cv::norm(S[i].eyes[1] - O[i].eyes[1])) / O[i].iod;
          ++ndrift;
        }
        for (std::size_t j = i + 1; j < n; ++j) {
          if (!S[j].ok) continue;
          const double s = Dot(S[i].v, S[j].v);
          if (images[i].identity == images[j].identity) {
            ++gen, gsum += s, fnm += s < t ? 1 : 0;
          } else {
            ++imp, fm += s >= t ? 1 : 0;
          }
        }
      }
      // Genuine pairs with a failure count as non-matches.
      std::size_t gen_all = 0;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) gen_all += images[i].identity == images[j].identity ? 1 : 0;
      fnm += gen_all - gen;
      const double r_fmr = imp ? double(fm) / imp : 0;
      if (k == 0) fmr_original = r_fmr;
      std::sort(self.begin(), self.end());
      const double self_mean = self.empty() ? NAN : std::accumulate(self.begin(), self.end(), 0.0) / self.size();
      const double self_p5 = self.empty() ? NAN : self[self.size() / 20];
      const double ratio = fmr_original > 0 ? r_fmr / fmr_original : NAN;
      std::printf("| %s, %s | %zu | %zu | %zu | %.3f %% (%zu) | %s | %zu | %.3f | %.2f %% | %s | %s | %zu |\n",
                  bname.c_str(), cond_names[k].c_str(), n, failed, imp, 100 * r_fmr, fm,
                  k == 0 ? "1" : (std::to_string(ratio).substr(0, 4) + "x").c_str(), gen_all,
                  gen ? gsum / gen : NAN, gen_all ? 100.0 * fnm / gen_all : 0.0,
                  k == 0 ? "" : (std::to_string(self_mean).substr(0, 5) + " / " + std::to_string(self_p5).substr(0, 5)).c_str(),
                  k == 0 || !ndrift ? "" : std::to_string(drift / ndrift).substr(0, 5).c_str(), flagged);
      out["rows"].push_back({{"pipeline", bname},
                             {"condition", cond_names[k]},
                             {"failed", failed},
                             {"impostor_pairs", imp},
                             {"false_matches", fm},
                             {"fmr", r_fmr},
                             {"fmr_vs_original", k == 0 ? 1.0 : ratio},
                             {"genuine_pairs", gen_all},
                             {"mean_genuine", gen ? gsum / gen : 0},
                             {"fnmr", gen_all ? double(fnm) / gen_all : 0},
                             {"self_cosine_mean", k == 0 ? 1.0 : self_mean},
                             {"self_cosine_p5", k == 0 ? 1.0 : self_p5},
                             {"eye_drift_iod", ndrift ? drift / ndrift : 0},
                             {"flagged_near_border", flagged}});
    }
  }
  if (!json_out.empty()) std::ofstream(json_out) << out.dump(1) << "\n";
  return 0;
}

}  // namespace
}  // namespace candor

int main(int argc, char** argv) { return candor::Run(argc, argv); }
