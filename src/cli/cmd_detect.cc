// Copyright 2026 The Candor Authors.
//
// candor detect IMG... : every face in each image as JSON (boxes, landmarks,
// quality), largest first. An image without faces is a result ("faces": []),
// not an error. An image that cannot be read is reported in its entry and the
// command exits with that error's code after processing the rest.

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/pipeline_flags.h"
#include "pipeline/face_json.h"

namespace candor::cli {
namespace {

struct Args {
  std::vector<std::string> images;
  PipelineFlags flags;
  bool mesh = false;
};

Status Run(const Args& a) {
  PipelineOptions o = ToPipelineOptions(a.flags);
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(o));
  nlohmann::json out = nlohmann::json::array();
  Status first_error;
  for (const auto& path : a.images) {
    nlohmann::json entry = {{"image", path}};
    auto image = pipeline->ReadFile(path);
    StatusOr<std::vector<Face>> faces = image.ok() ? pipeline->Detect(*image) : StatusOr<std::vector<Face>>(image.status());
    if (!faces.ok()) {
      entry["error"] = {{"code", std::string(CodeName(faces.status().code()))}, {"message", faces.status().message()}};
      if (first_error.ok()) first_error = faces.status().WithContext(path);
    } else {
      entry["width"] = image->cols;
      entry["height"] = image->rows;
      entry["faces"] = nlohmann::json::array();
      for (const Face& f : *faces) entry["faces"].push_back(FaceToJson(f, a.mesh));
    }
    out.push_back(entry);
  }
  nlohmann::json doc = {{"detector", pipeline->detector_model().id}, {"results", out}};
  std::cout << doc.dump(2) << std::endl;
  return first_error;
}

const bool kRegistered = RegisterCommand({
    "detect", "Find every face in images: boxes, landmarks, quality (JSON)",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("images", a->images, "Image files (JPEG, PNG, BMP, PNM, TIFF, WebP; decoded by content)")
          ->required();
      sub.add_flag("--mesh", a->mesh, "Include the 468 facemesh points");
      AddPipelineFlags(sub, &a->flags);
      return [a] { return Run(*a); };
    }});

}  // namespace
}  // namespace candor::cli
