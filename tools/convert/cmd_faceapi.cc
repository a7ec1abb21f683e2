// Copyright 2026 The Candor Authors.
//
// `candor-convert faceapi-resnet --manifest DIR/face_recognition_model-weights_manifest.json
//   --out models/faceapi-resnet.onnx [--id faceapi-resnet]`
// Builds face-api's ResNet face descriptor (architecture from the package's
// sources, see faceapi_to_onnx.h) from its quantized layers weights, writes
// the ONNX and the sidecar models/ID.json. Exit codes as candor::ExitCode.

#include <cstdio>
#include <memory>

#include "converter_registry.h"
#include "faceapi_to_onnx.h"
#include "faceapi_weights.h"
#include "model_sidecar.h"
#include "onnx_builder.h"

namespace candor::convert {
namespace {

struct FaceApiArgs {
  std::string manifest, out, id;
};

Status RunFaceApi(const FaceApiArgs& a) {
  CANDOR_ASSIGN_OR_RETURN(WeightMap weights, ReadLayersWeights(a.manifest));
  const std::filesystem::path out(a.out);
  const std::string id = a.id.empty() ? out.stem().string() : a.id;
  OnnxBuilder b(id);
  CANDOR_ASSIGN_OR_RETURN(FaceApiOnnxNames names, FaceApiResnetToOnnx(weights, b));
  b.SetDocString("face-api FaceRecognitionNet (port of dlib's ResNet descriptor), built by candor-convert faceapi-resnet");

  Provenance prov;
  prov.id = id;
  prov.source_file = a.manifest;
  const std::filesystem::path manifest(a.manifest);
  std::string bin = manifest.filename().string();
  const auto pos = bin.find("-weights_manifest.json");
  if (pos != std::string::npos) prov.extra_files.push_back(manifest.parent_path() / (bin.substr(0, pos) + ".bin"));
  FillPackageFromPath(a.manifest, prov);
  prov.notes = "architecture from src/faceRecognitionNet/*.ts of the package; uint8 weights dequantized as q*scale+min; "
               "scale layers folded into the convolutions";
  TensorSpec in{names.input, {kDynamic, 3, kFaceApiInputSize, kFaceApiInputSize}, "NCHW RGB",
                "RGB 150x150 face chip, (x - [122.782, 117.001, 104.298]) / 255 per channel", ""};
  TensorSpec outspec{names.output, {kDynamic, 128}, "", "",
                     "128-D face descriptor, not normalised; dlib convention: Euclidean distance < 0.6 = same person"};
  CANDOR_RETURN_IF_ERROR(SaveModelWithSidecar(b, out, prov, in, {outspec}));
  std::fprintf(stderr, "candor-convert faceapi-resnet: %s -> %s (%zu weights, %d nodes)\n",
               a.manifest.c_str(), a.out.c_str(), weights.size(), b.node_count());
  return OkStatus();
}

const bool kRegistered = RegisterConverter(
    {"faceapi-resnet", "face-api face_recognition_model (layers weights) -> ONNX ResNet descriptor",
     [](CLI::App& sub) -> ConvertFn {
       auto a = std::make_shared<FaceApiArgs>();
       sub.add_option("--manifest", a->manifest, "face_recognition_model-weights_manifest.json")->required();
       sub.add_option("--out", a->out, "the .onnx to write (sidecar <id>.json beside it)")->required();
       sub.add_option("--id", a->id, "model id (default: the output file's stem)");
       return [a] { return RunFaceApi(*a); };
     }});

}  // namespace
}  // namespace candor::convert
