// Copyright 2026 The Candor Authors.
//
// candor compare A B : similarity of the largest face in A and in B (each an
// image or a template file written by `candor embed --out`), the decision at
// the calibrated threshold for --target-fmr, and the false-match rate that
// score corresponds to, from the model's calibration (calibration/<model>.json,
// measured on LFW impostor pairs; derived statistics only). Exit 0 whatever
// the decision; NOT_FOUND (3) when an image has no face; FAILED_PRECONDITION
// (5) when the two templates come from different models.

#include <cmath>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "candor/calibration.h"
#include "cli/command.h"
#include "cli/pipeline_flags.h"
#include "common/file_util.h"

namespace candor::cli {
namespace {

struct Args {
  std::string a, b, calibration;
  double target_fmr = 1e-3;
  PipelineFlags flags;
};

std::filesystem::path DefaultCalibration(const std::string& model_id) {
  const char* env = std::getenv("CANDOR_CALIBRATION_DIR");
  const std::filesystem::path dir = (env && *env) ? std::filesystem::path(env) : SourceDir() / "calibration";
  return dir / (model_id + ".json");
}

StatusOr<Template> Load(const Pipeline* pipeline, const std::string& path, const PipelineFlags& flags) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  if (bytes.size() >= 4 && std::string_view(reinterpret_cast<const char*>(bytes.data()), 4) == "CNDT") {
    auto t = ParseTemplate(bytes);
    if (!t.ok()) return t.status().WithContext(path);
    return t;
  }
  CANDOR_ASSIGN_OR_RETURN(cv::Mat image, pipeline->Decode(bytes));
  auto face = pipeline->ProcessSingle(image);
  if (!face.ok()) return face.status().WithContext(path);
  return face->tmpl;
}

Status Run(const Args& a) {
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(ToPipelineOptions(a.flags)));
  CANDOR_ASSIGN_OR_RETURN(Template ta, Load(pipeline.get(), a.a, a.flags));
  CANDOR_ASSIGN_OR_RETURN(Template tb, Load(pipeline.get(), a.b, a.flags));
  CANDOR_ASSIGN_OR_RETURN(float score, CompareTemplates(ta, tb));
  nlohmann::json doc = {{"a", a.a}, {"b", a.b}, {"model", ta.model_id}, {"score", score}};
  const auto cal_path = a.calibration.empty() ? DefaultCalibration(ta.model_id) : std::filesystem::path(a.calibration);
  auto cal = Calibration::Load(cal_path);
  std::string human;
  if (cal.ok()) {
    std::string hex;
    static const char* kHex = "0123456789abcdef";
    for (uint8_t c : ta.model_sha256) hex += kHex[c >> 4], hex += kHex[c & 15];
    CANDOR_RETURN_IF_ERROR(cal->CheckModel(ta.model_id, hex));
    CANDOR_ASSIGN_OR_RETURN(ThresholdChoice choice, cal->ThresholdForFmr(a.target_fmr));
    const RateEstimate fmr = cal->FmrAt(score);
    const bool match = score >= choice.threshold;
    doc["calibration"] = cal_path.string();
    doc["target_fmr"] = a.target_fmr;
    doc["threshold"] = choice.threshold;
    doc["decision"] = match ? "candidate match" : "no match";
    doc["fmr_at_score"] = {{"value", fmr.value}, {"lower95", fmr.lower}, {"upper95", fmr.upper},
                           {"below_support", fmr.below_support}};
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s at FMR %.0e (threshold %.3f); this score's FMR %.2e%s", match ? "candidate match" : "no match",
                  a.target_fmr, choice.threshold, fmr.value, fmr.below_support ? " (at the limit of the calibration data)" : "");
    human = buf;
  } else {
    doc["decision"] = nullptr;
    doc["calibration_error"] = cal.status().ToString();
    human = "no calibration for this model (" + cal.status().message() + "): score only";
  }
  doc["note"] = "A candidate match is an investigative lead for trained human review, not an identification.";
  std::cout << doc.dump(2) << std::endl;
  std::cerr << "score " << score << ": " << human << std::endl;
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "compare", "Compare two faces (images or templates): score, decision at the calibrated threshold, FMR",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("a", a->a, "Image or template file")->required();
      sub.add_option("b", a->b, "Image or template file")->required();
      sub.add_option("--calibration", a->calibration, "Calibration file (default calibration/<model>.json)");
      sub.add_option("--target-fmr", a->target_fmr, "False-match rate the decision threshold is set for")
          ->check(CLI::Range(0.0, 1.0));
      AddPipelineFlags(sub, &a->flags);
      return [a] { return Run(*a); };
    }});

}  // namespace
}  // namespace candor::cli
