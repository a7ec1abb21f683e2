// Copyright 2026 The Candor Authors.
//
// candor embed IMG [--out FILE] [--all] : the template of the largest face (or
// of every face with --all). With --out the binary template is written
// atomically to FILE (FILE.N for face N > 0 with --all); without it the
// template is printed base64-encoded in JSON. No face: NOT_FOUND (exit 3).

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/pipeline_flags.h"
#include "common/file_util.h"
#include "pipeline/face_json.h"

namespace candor::cli {
namespace {

std::string Base64(const std::vector<uint8_t>& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = in[i] << 16;
    out += kAlphabet[(v >> 18) & 63], out += kAlphabet[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63], out += kAlphabet[(v >> 12) & 63], out += kAlphabet[(v >> 6) & 63], out += "=";
  }
  return out;
}

struct Args {
  std::string image, out;
  bool all = false;
  PipelineFlags flags;
};

Status Run(const Args& a) {
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(ToPipelineOptions(a.flags)));
  CANDOR_ASSIGN_OR_RETURN(cv::Mat image, pipeline->ReadFile(a.image));
  CANDOR_ASSIGN_OR_RETURN(std::vector<ProcessedFace> faces, pipeline->Process(image));
  if (faces.empty()) return NotFoundError("no face found in " + a.image);
  if (!a.all) faces.resize(1);
  nlohmann::json doc = {{"image", a.image}, {"model", ModelToJson(pipeline->embedder_model())},
                        {"faces", nlohmann::json::array()}};
  for (size_t i = 0; i < faces.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, SerializeTemplate(faces[i].tmpl));
    nlohmann::json entry = FaceToJson(faces[i].face);
    entry["dimension"] = faces[i].tmpl.values.size();
    if (!a.out.empty()) {
      const std::string path = i == 0 ? a.out : a.out + "." + std::to_string(i);
      CANDOR_RETURN_IF_ERROR(WriteFileAtomic(path, std::span<const uint8_t>(bytes)));
      entry["template_file"] = path;
    } else {
      entry["template_base64"] = Base64(bytes);
    }
    doc["faces"].push_back(entry);
  }
  std::cout << doc.dump(2) << std::endl;
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "embed", "Compute the face template of an image (largest face, or every face with --all)",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("image", a->image, "Image file")->required();
      sub.add_option("--out,-o", a->out, "Write the binary template to this file (else base64 in JSON)");
      sub.add_flag("--all", a->all, "Every face, largest first (files FILE, FILE.1, ...)");
      AddPipelineFlags(sub, &a->flags);
      return [a] { return Run(*a); };
    }});

}  // namespace
}  // namespace candor::cli
