// Copyright 2026 The Candor Authors.
//
// Fingerprint inputs of the `candor finger` commands: a print given as an
// image (extracted here, with its quality), a sealed template (.cndf) or an
// ISO/IEC 19794-2 record (its first view), and "POSITION:PATH" arguments
// naming which finger a file is. Header-only; used only by the CLI.
// Errors: the file's (NOT_FOUND, unreadable), the record's (INVALID_ARGUMENT,
// DATA_LOSS) and extraction's (FAILED_PRECONDITION "no fingerprint found"),
// each prefixed with the path.

#ifndef CANDOR_CLI_FINGER_INPUT_H_
#define CANDOR_CLI_FINGER_INPUT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "candor/finger.h"
#include "common/file_util.h"

namespace candor::cli {

// A template from an image, a sealed template or an ISO record (first view).
inline StatusOr<finger::FingerTemplate> LoadFinger(const std::string& path, double dpi, int position,
                                    finger::FingerQuality* quality = nullptr) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  if (bytes.size() >= 4 && bytes[0] == 'C' && bytes[1] == 'N' && bytes[2] == 'D' && bytes[3] == 'F') {
    auto t = finger::ParseFingerTemplate(bytes);
    if (!t.ok()) return t.status().WithContext(path);
    return t;
  }
  if (bytes.size() >= 4 && bytes[0] == 'F' && bytes[1] == 'M' && bytes[2] == 'R' && bytes[3] == 0) {
    auto views = finger::ImportIso19794_2(bytes);
    if (!views.ok()) return views.status().WithContext(path);
    return (*views)[0];
  }
  finger::ExtractOptions o;
  o.dpi = dpi;
  o.finger_position = position;
  auto ex = finger::ExtractFinger(bytes, o);
  if (!ex.ok()) return ex.status().WithContext(path);
  if (quality) *quality = ex->quality;
  return std::move(ex->tmpl);
}

inline nlohmann::json QualityJson(const finger::FingerQuality& q) {
  return {{"score", q.score},
          {"orientation_certainty", q.orientation_certainty},
          {"ridge_clarity", q.ridge_clarity},
          {"frequency_consistency", q.frequency_consistency},
          {"usable_area", q.usable_area},
          {"usable_area_mm2", q.usable_area_mm2},
          {"minutia_count", q.minutia_count},
          {"mean_ridge_period_px", q.mean_ridge_period_px},
          {"issues", q.issues}};
}

// A print argument: "PATH" (position 0, unknown) or "N:PATH" with N the ISO
// finger position 1 (right thumb) .. 10 (left little).
struct FingerArg {
  int position = 0;
  std::string path;
};
inline StatusOr<FingerArg> ParseFingerArg(const std::string& arg) {
  const size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2) return FingerArg{0, arg};
  int pos = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (arg[i] < '0' || arg[i] > '9') return FingerArg{0, arg};
    pos = pos * 10 + (arg[i] - '0');
  }
  if (pos > finger::kMaxFingerPosition) {
    return InvalidArgumentError("finger position " + std::to_string(pos) +
                                " is outside 0..10 in '" + arg + "'");
  }
  return FingerArg{pos, arg.substr(colon + 1)};
}

// Loads each argument's print with its position (an image's, a template's
// stated position is replaced by the argument's when the argument names one).
inline StatusOr<std::vector<finger::FingerTemplate>> LoadFingers(
    const std::vector<std::string>& args, double dpi,
    std::vector<finger::FingerQuality>* qualities = nullptr) {
  std::vector<finger::FingerTemplate> out;
  for (const std::string& arg : args) {
    CANDOR_ASSIGN_OR_RETURN(FingerArg f, ParseFingerArg(arg));
    finger::FingerQuality q;
    q.score = -1;  // not measured (a template input)
    CANDOR_ASSIGN_OR_RETURN(finger::FingerTemplate t, LoadFinger(f.path, dpi, f.position, &q));
    if (f.position != 0) t.finger_position = f.position;
    out.push_back(std::move(t));
    if (qualities) qualities->push_back(std::move(q));
  }
  return out;
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_FINGER_INPUT_H_
