// Copyright 2026 The Candor Authors.
//
// candor report [accuracy] --results R.json [--results R2.json ...] [--lfw L.json ...]
//               [--html FILE] [--json-out FILE] [--accuracy-md docs/ACCURACY.md]
// (`candor report transparency` is the transparency report:
// cmd_report_transparency.cc.)
//
// Turns `candor eval identify --json-out` results (one per model) and,
// optionally, `candor --json eval lfw` output into a self-contained HTML report
// (inline SVG: DET per model and per group, CMC, histograms, gallery growth),
// a combined machine-readable JSON, and the comparison table inside
// docs/ACCURACY.md (between its candor-report markers; the rest of the file is
// left as it is).

#include <fstream>
#include <iostream>
#include <sstream>

#include "calibrate/report.h"
#include "cli/command.h"
#include "common/file_util.h"

namespace candor::cli {
namespace {

struct Args {
  std::vector<std::string> results;
  std::vector<std::string> lfw;  // several `eval lfw` runs: their results are merged
  std::string html, json_out, accuracy_md, title = "Candor accuracy report";
};

StatusOr<nlohmann::json> ReadJson(const std::string& path) {
  CANDOR_ASSIGN_OR_RETURN(auto bytes, ReadFile(path));
  try {
    return nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const std::exception& e) {
    return InvalidArgumentError(path + ": not JSON (" + e.what() + ")");
  }
}

std::string CommandLine(const Args& a) {
  std::string c = "candor report";
  for (const auto& r : a.results) c += " --results " + r;
  for (const auto& l : a.lfw) c += " --lfw " + l;
  if (!a.accuracy_md.empty()) c += " --accuracy-md " + a.accuracy_md;
  return c;
}

Status Run(const Args& a, const GlobalOptions& global) {
  if (a.results.empty()) {
    return InvalidArgumentError(
        "candor report needs --results R.json (the accuracy report; `candor report accuracy` is "
        "the same) or a subcommand: `candor report transparency --from --to`");
  }
  nlohmann::json lfw = nullptr;
  for (const auto& path : a.lfw) {
    CANDOR_ASSIGN_OR_RETURN(nlohmann::json one, ReadJson(path));
    if (!one.is_object() || !one.contains("results") || !one["results"].is_array()) {
      return InvalidArgumentError(path + ": not the output of `candor --json eval lfw` (no results)");
    }
    if (lfw.is_null()) {
      lfw = std::move(one);
    } else {
      for (auto& r : one["results"]) lfw["results"].push_back(std::move(r));
    }
  }
  std::vector<eval::ModelResults> models;
  nlohmann::json combined = {{"models", nlohmann::json::array()}, {"lfw", lfw}};
  for (const auto& path : a.results) {
    CANDOR_ASSIGN_OR_RETURN(auto r, ReadJson(path));
    models.push_back({r, lfw});
    combined["models"].push_back(r);
  }
  if (!a.html.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::string html, eval::RenderHtml(models, a.title));
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.html, html));
  }
  if (!a.json_out.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, combined.dump(1)));
  CANDOR_ASSIGN_OR_RETURN(std::string table, eval::AccuracyTable(models, CommandLine(a)));
  if (!a.accuracy_md.empty()) {
    std::string doc;
    auto existing = ReadFile(a.accuracy_md);
    if (existing.ok()) {
      doc.assign(existing->begin(), existing->end());
    } else if (existing.status().code() != Code::kNotFound) {
      return existing.status();
    }
    CANDOR_RETURN_IF_ERROR(
        WriteFileAtomic(a.accuracy_md, eval::ReplaceMarkedBlock(doc, "comparison", table)));
  }
  if (global.json) {
    std::cout << nlohmann::json{{"table", table}}.dump(1) << std::endl;
  } else {
    std::cout << table;
  }
  return OkStatus();
}

// `candor report --results ...` (as before) and `candor report accuracy --results ...`.
// --results is checked in Run, not by the parser, so that `candor report
// transparency` can parse without it.
RunFn SetUpAccuracyReport(CLI::App& sub, const GlobalOptions& global) {
  auto a = std::make_shared<Args>();
  sub.add_option("--results", a->results, "Result JSON of `candor eval identify --json-out` (repeat per model; required)");
  sub.add_option("--lfw", a->lfw,
                 "Output of `candor --json eval lfw` (LFW 10-fold accuracy, TAR at FAR; repeat to "
                 "merge several runs)");
  sub.add_option("--html", a->html, "Write the HTML report here");
  sub.add_option("--json-out", a->json_out, "Write the combined JSON here");
  sub.add_option("--accuracy-md", a->accuracy_md, "Update the comparison table in this Markdown file");
  sub.add_option("--title", a->title, "Report title");
  return [a, &global] { return Run(*a, global); };
}

const bool kRegistered = RegisterCommand({
    "report",
    "Reports: accuracy (HTML + JSON from eval results, docs/ACCURACY.md's table; the default) "
    "and transparency",
    SetUpAccuracyReport});
const bool kRegisteredAccuracy = RegisterCommand({
    "report accuracy",
    "HTML + JSON accuracy report from eval results; regenerates docs/ACCURACY.md's comparison table",
    SetUpAccuracyReport});

}  // namespace
}  // namespace candor::cli
