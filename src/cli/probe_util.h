// Copyright 2026 The Candor Authors.
//
// Turns a probe argument (an image, or a template file written by
// `candor embed --out`) into a template, for verify and identify.
// Header-only; used only by the CLI.

#ifndef CANDOR_CLI_PROBE_UTIL_H_
#define CANDOR_CLI_PROBE_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "candor/pipeline.h"
#include "candor/template.h"
#include "common/file_util.h"

namespace candor::cli {

// The largest face of an image (NOT_FOUND "no face found"), or a template
// file as-is. The image bytes are never stored.
inline StatusOr<Template> LoadProbe(const std::string& path, const PipelineOptions& options) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  if (bytes.size() >= 4 && std::string_view(reinterpret_cast<const char*>(bytes.data()), 4) == "CNDT") {
    auto t = ParseTemplate(bytes);
    if (!t.ok()) return t.status().WithContext(path);
    return t;
  }
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(options));
  CANDOR_ASSIGN_OR_RETURN(cv::Mat image, pipeline->Decode(bytes));
  auto face = pipeline->ProcessSingle(image);
  if (!face.ok()) return face.status().WithContext(path);
  return face->tmpl;
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_PROBE_UTIL_H_
