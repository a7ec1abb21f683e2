// Copyright 2026 The Candor Authors.
//
// candor demo [--data DIR] [--state DIR] [--https ADDR:PORT | --http 127.0.0.1:PORT]
//             [--no-serve] : the README's main job. Embeds every photo of
// faces/wild listed in identity_clusters.csv (largest face), searches each
// photo against all the others (leave-one-out) and prints, per probe, the best
// candidates with scores and whether they share its cluster, and a summary at
// the calibrated threshold. Then it sets up the demo service (demo_service.h:
// a store under the state directory with the photos as a governed gallery, demo
// accounts with generated passwords, an approved demo authorization; idempotent
// on rerun), prints how to sign in, and serves it (HTTPS on the local
// certificate of scripts/make_cert.sh, default https://localhost:8443/) until
// Ctrl-C; --no-serve stops after the set-up. Results are investigative leads
// for trained human review, never identifications.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "candor/calibration.h"
#include "cli/cluster_front.h"
#include "cli/command.h"
#include "cli/demo_service.h"
#include "cli/pipeline_flags.h"
#include "cli/serve_runner.h"
#include "common/hash.h"

namespace candor::cli {
namespace {

struct Args {
  std::string data, calibration;
  double target_fmr = 1e-3;
  int top = 3;
  PipelineFlags flags;
  std::string state;        // demo state directory (default DefaultDemoStateDir())
  bool no_serve = false;    // stop after the set-up
  ServeConfig serve;        // --https (default 127.0.0.1:8443) or --http, limits
};

struct Entry {
  std::string image;
  int cluster = -1;
  Template tmpl;
  int quality = 0;
  size_t faces = 0;
  bool usable = false;  // the search quality gate: one face, no quality issue
};

Status Run(const Args& a, bool json) {
  std::filesystem::path dir;
  if (!a.data.empty()) {
    dir = a.data;
  } else {
    const auto root = DataDir();
    if (!root) return NotFoundError("no --data and no data directory (set CANDOR_DATA)");
    dir = *root / "faces/wild";
  }
  std::ifstream csv(dir / "identity_clusters.csv");
  if (!csv) return NotFoundError("cannot open " + (dir / "identity_clusters.csv").string());
  std::vector<Entry> listed;
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    Entry e;
    e.image = line.substr(0, comma);
    e.cluster = std::atoi(line.c_str() + comma + 1);
    listed.push_back(e);
  }
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(ToPipelineOptions(a.flags)));
  const ModelInfo& model = pipeline->embedder_model();

  // Threshold from the model's calibration.
  double threshold = std::nan("");
  std::string threshold_source;
  {
    const char* env = std::getenv("CANDOR_CALIBRATION_DIR");
    const std::filesystem::path cal_path =
        !a.calibration.empty() ? std::filesystem::path(a.calibration)
                               : ((env && *env) ? std::filesystem::path(env) : SourceDir() / "calibration") /
                                     (model.id + ".json");
    auto cal = Calibration::Load(cal_path);
    if (cal.ok() && cal->CheckModel(model.id, model.onnx_sha256).ok()) {
      auto choice = cal->ThresholdForFmr(a.target_fmr);
      if (choice.ok()) {
        threshold = choice->threshold;
        char buf[200];
        std::snprintf(buf, sizeof buf, "calibrated on LFW impostors for FMR %.0e (%s)", a.target_fmr,
                      cal_path.filename().string().c_str());
        threshold_source = buf;
      }
    }
    if (std::isnan(threshold)) {
      return FailedPreconditionError("no usable calibration for model " + model.id + " at " + cal_path.string() +
                                     ": run `candor eval lfw --calibration-out " + cal_path.string() + "`");
    }
  }

  std::vector<Entry> enrolled;
  std::vector<std::string> skipped;
  for (Entry e : listed) {
    auto faces = pipeline->ProcessFile(dir / e.image);
    if (!faces.ok() || faces->empty()) {
      skipped.push_back(e.image + (faces.ok() ? ": no face found" : ": " + faces.status().ToString()));
      continue;
    }
    e.faces = faces->size();
    e.tmpl = (*faces)[0].tmpl;
    e.quality = (*faces)[0].face.quality.score;
    e.usable = faces->size() == 1 && (*faces)[0].face.quality.issues.empty();
    enrolled.push_back(std::move(e));
  }

  nlohmann::json doc = {{"note", "Candidates are investigative leads for trained human review, not identifications."},
                        {"model", {{"id", model.id}, {"onnx_sha256", model.onnx_sha256}}}, {"threshold", threshold},
                        {"threshold_source", threshold_source}, {"skipped", skipped},
                        {"probes", nlohmann::json::array()}};
  int top1_correct = 0, top1_wrong = 0, mates_missed = 0, no_candidate_ok = 0;
  int pairs_same_above = 0, pairs_same_below = 0, pairs_diff_above = 0, pairs_diff_below = 0;
  if (!json) {
    std::printf("Candor demo: %zu photos of %s enrolled by identity cluster (model %s).\n", enrolled.size(),
                dir.string().c_str(), model.id.c_str());
    std::printf("Threshold %.3f, %s.\n", threshold, threshold_source.c_str());
    std::printf("(A 1:1 threshold, for comparing two photos. The served demo's searches are 1:N and use\n"
                " a higher threshold set for the gallery's size: a search of someone not enrolled lists\n"
                " anyone at most at the rate the examiner's screen shows as its estimated FPIR.)\n");
    std::printf("Candidates are INVESTIGATIVE LEADS for trained human review, NOT identifications.\n\n");
    std::printf("%-24s %-4s  %s\n", "probe (cluster)", "", "best candidates: image(cluster) score [= same cluster, x different; * above threshold]");
  }
  for (size_t i = 0; i < enrolled.size(); ++i) {
    std::vector<std::pair<float, size_t>> scored;
    bool has_mate = false;
    for (size_t j = 0; j < enrolled.size(); ++j) {
      if (j == i) continue;
      auto s = CompareTemplates(enrolled[i].tmpl, enrolled[j].tmpl);
      if (!s.ok()) return s.status();
      scored.emplace_back(*s, j);
      const bool same = enrolled[i].cluster == enrolled[j].cluster;
      has_mate = has_mate || same;
      if (j > i) {
        if (same) (*s >= threshold ? pairs_same_above : pairs_same_below)++;
        else (*s >= threshold ? pairs_diff_above : pairs_diff_below)++;
      }
    }
    std::sort(scored.begin(), scored.end(), std::greater<>());
    const bool top_above = !scored.empty() && scored[0].first >= threshold;
    const bool top_same = !scored.empty() && enrolled[scored[0].second].cluster == enrolled[i].cluster;
    if (top_above && top_same) ++top1_correct;
    else if (top_above) ++top1_wrong;
    else if (has_mate) ++mates_missed;
    else ++no_candidate_ok;
    nlohmann::json pj = {{"probe", enrolled[i].image}, {"cluster", enrolled[i].cluster},
                         {"quality", enrolled[i].quality}, {"candidates", nlohmann::json::array()}};
    std::string row;
    for (int k = 0; k < a.top && k < static_cast<int>(scored.size()); ++k) {
      const Entry& c = enrolled[scored[k].second];
      const bool same = c.cluster == enrolled[i].cluster;
      const bool above = scored[k].first >= threshold;
      pj["candidates"].push_back({{"image", c.image}, {"cluster", c.cluster}, {"score", scored[k].first},
                                  {"same_cluster", same}, {"above_threshold", above}});
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s(%d) %.3f%s%s  ", c.image.c_str(), c.cluster, scored[k].first,
                    same ? "=" : "x", above ? "*" : " ");
      row += buf;
    }
    doc["probes"].push_back(pj);
    if (!json) {
      char probe[64];
      std::snprintf(probe, sizeof probe, "%s (%d)", enrolled[i].image.c_str(), enrolled[i].cluster);
      std::printf("%-24s %-4s  %s\n", probe, top_above ? (top_same ? "ok" : "FP") : (has_mate ? "miss" : "-"),
                  row.c_str());
    }
  }
  doc["summary"] = {{"probes", enrolled.size()},
                    {"top1_correct_above_threshold", top1_correct},
                    {"top1_wrong_cluster_above_threshold", top1_wrong},
                    {"mate_present_but_nothing_above_threshold", mates_missed},
                    {"no_mate_and_nothing_above_threshold", no_candidate_ok},
                    {"pairs_same_above", pairs_same_above}, {"pairs_same_below", pairs_same_below},
                    {"pairs_different_above", pairs_diff_above}, {"pairs_different_below", pairs_diff_below}};
  // The demo service: store, gallery, accounts, authorization (idempotent).
  std::vector<DemoPhoto> photos;
  for (const Entry& e : enrolled) {
    photos.push_back({(dir / e.image).lexically_normal(), e.cluster, e.tmpl, float(e.quality), e.usable});
  }
  const std::filesystem::path state = a.state.empty() ? DefaultDemoStateDir() : std::filesystem::path(a.state);
  // On a cluster (--nats): the gallery on the shards, the shared key.
  ServeConfig on_cluster = a.serve;
  on_cluster.store.store = (state / "store").string();
  DemoCluster cluster{a.serve.store.key_file,
                      [&] { return OpenServedStore(on_cluster); },
                      [&] { return OpenServedAuditMirror(on_cluster); }};
  if (!a.serve.nats.empty() && a.serve.store.key_file.empty()) {
    return InvalidArgumentError("the demo on a cluster needs --key-file (the cluster's store key)");
  }
  CANDOR_ASSIGN_OR_RETURN(DemoSetup setup,
                          SetUpDemo(state, photos, a.serve.nats.empty() ? nullptr : &cluster));
  doc["service"] = DemoSetupJson(setup);
  if (json) {
    std::cout << doc.dump(2) << std::endl;
  } else {
    std::printf("\nSummary over %zu probes at threshold %.3f:\n", enrolled.size(), threshold);
    std::printf("  best candidate above threshold and same cluster : %d\n", top1_correct);
    std::printf("  best candidate above threshold, OTHER cluster    : %d\n", top1_wrong);
    std::printf("  mate enrolled but no candidate above threshold   : %d\n", mates_missed);
    std::printf("  no mate enrolled, no candidate (correct)         : %d\n", no_candidate_ok);
    std::printf("  pairs: same cluster %d above / %d below; different clusters %d above / %d below\n",
                pairs_same_above, pairs_same_below, pairs_diff_above, pairs_diff_below);
    for (const auto& s : skipped) std::printf("  skipped %s\n", s.c_str());
    std::printf("Every candidate above needs review by a trained examiner before any action.\n");
    PrintDemoSetup(setup);
  }
  if (a.no_serve) return OkStatus();
  ServeConfig serve = a.serve;
  serve.store.store = setup.store_dir.string();
  serve.store.key_file = setup.key_file.string();
  serve.calibration = a.calibration;
  if (serve.https.empty() && serve.http.empty()) serve.https = "127.0.0.1:8443";
  return RunService(serve, pipeline.get(), [&setup](const std::string& url) {
    PrintServing(setup, url);
  });
}

const bool kRegistered = RegisterCommand({
    "demo", "Show who matches whom in faces/wild, then serve it as a governed demo gallery (leads, not identifications)",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--data", a->data, "Folder with identity_clusters.csv (default $CANDOR_DATA/faces/wild)");
      sub.add_option("--calibration", a->calibration, "Calibration file (default calibration/<model>.json)");
      sub.add_option("--target-fmr", a->target_fmr, "False-match rate the threshold is set for")->check(CLI::Range(0.0, 1.0));
      sub.add_option("--top", a->top, "Candidates shown per probe")->check(CLI::Range(1, 20));
      AddPipelineFlags(sub, &a->flags);
      sub.add_option("--state", a->state, "Demo state directory (default $CANDOR_DEMO_DIR, else .cache/demo)");
      sub.add_flag("--no-serve", a->no_serve, "Set up the demo service, print how to use it, and exit");
      sub.add_option("--https", a->serve.https, "Serve HTTPS on ADDR:PORT (default 127.0.0.1:8443)");
      sub.add_option("--http", a->serve.http, "Serve plain HTTP on 127.0.0.1:PORT instead (loopback only)");
      AddServeFlags(sub, &a->serve, /*for_demo=*/true);
      AddClusterFrontFlags(sub, &a->serve);  // --nats ...: the demo on a cluster
#ifdef CANDOR_WITH_NATS
      sub.add_option("--key-file", a->serve.store.key_file,
                     "With --nats: the cluster's store key (every node's)");
#endif
      return [a, &global] { return Run(*a, global.json); };
    }});

}  // namespace
}  // namespace candor::cli
