// Copyright 2026 The Candor Authors.
//
// Inference behind a small interface, so that a faster runtime can replace
// OpenCV's DNN module without touching the detector, landmarker or embedders.
//
// A Network runs one converted model (models/<id>.onnx, described by the
// sidecar models/<id>.json). Input: a float32 tensor in NCHW layout
// ([N, 3, H, W], cv::Mat with 4 dims); the implementation converts to the
// model's own layout when the model was exported NHWC. Output: every output of
// the model, as float32 cv::Mat values owned by the caller.
//
// Two implementations: OpenCV 4.6 DNN (the reference) and oneDNN
// (inference_dnnl.cc: the same ONNX graph compiled into fused oneDNN
// primitives; outputs equal OpenCV's to float rounding, checked on real
// images by candor_inference_equivalence_test). Which one runs is an
// InferenceBackend; both take the same input and give the same outputs.
//
// Thread safety: Run() may be called concurrently from any number of threads.
// Each implementation keeps a pool of `instances` loaded copies of the
// network; a call takes a free copy (blocking while all are busy), so models
// are loaded once and never shared by two threads at a time. A call runs on
// the calling thread only.

#ifndef CANDOR_INFERENCE_H_
#define CANDOR_INFERENCE_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "candor/status.h"

namespace candor {

// What the sidecar and the ONNX file say about one model.
struct ModelInfo {
  std::string id;                  // "mobilefacenet", "blazeface-256", ...
  std::string version;             // from the sidecar (package@version), may be empty
  std::string onnx_sha256;         // lower-case hex SHA-256 of the .onnx file, computed at load
  std::filesystem::path onnx_path;
  std::vector<int> input_shape;    // as declared (e.g. [1,3,112,112] or [1,112,112,3]); -1 = dynamic
  bool nhwc_input = false;         // true when the model's input is [N,H,W,C]
  int input_h = 0, input_w = 0;    // spatial input size
  std::string licence;             // free text from the sidecar, may be empty
};

// Reads models/<id>.json (if present) and hashes models/<id>.onnx.
// NOT_FOUND when the .onnx file is missing; DATA_LOSS when the sidecar states a
// hash that the file does not have; INVALID_ARGUMENT for an unreadable sidecar.
StatusOr<ModelInfo> LoadModelInfo(const std::filesystem::path& model_dir, const std::string& id);

class Network {
 public:
  virtual ~Network() = default;

  // Runs the model on `nchw` ([N,3,H,W] float32). Returns the outputs in a
  // stable order (the model's declared output order); INVALID_ARGUMENT for a
  // tensor of the wrong shape, INTERNAL when the runtime fails.
  virtual StatusOr<std::vector<cv::Mat>> Run(const cv::Mat& nchw) const = 0;

  virtual const ModelInfo& info() const = 0;
  // "opencv" or "onednn".
  virtual const char* backend() const = 0;
};

enum class InferenceBackend {
  kOpenCv,  // OpenCV 4.6 DNN
  kOneDnn,  // oneDNN (Debian libdnnl-dev), when the build has it
};

// "opencv" / "onednn".
const char* InferenceBackendName(InferenceBackend backend);
// INVALID_ARGUMENT for another name.
StatusOr<InferenceBackend> ParseInferenceBackend(std::string_view name);
// $CANDOR_INFERENCE when it names a back end, else the build's default:
// kOneDnn when the build has it, else kOpenCv.
InferenceBackend DefaultInferenceBackend();
// True when this build has the oneDNN back end.
bool DnnlAvailable();

// Loads `info.onnx_path` with OpenCV DNN (DNN_BACKEND_OPENCV, DNN_TARGET_CPU),
// `instances` copies (>= 1). INVALID_ARGUMENT / DATA_LOSS when OpenCV cannot
// import the file.
StatusOr<std::unique_ptr<Network>> OpenOpenCvNetwork(const ModelInfo& info, int instances);

// Compiles `info.onnx_path` for oneDNN (batch 1 at once, other batch sizes on
// first use), `instances` copies. UNIMPLEMENTED when the build has no oneDNN
// or the graph uses an op the back end does not translate; NOT_FOUND /
// DATA_LOSS for a missing or unreadable file.
StatusOr<std::unique_ptr<Network>> OpenDnnlNetwork(const ModelInfo& info, int instances);

// Opens with `backend`. A oneDNN request that the back end cannot serve
// (UNIMPLEMENTED: no oneDNN in this build, or an op it does not translate)
// falls back to OpenCV; Network::backend() says which one runs.
StatusOr<std::unique_ptr<Network>> OpenNetwork(const ModelInfo& info, int instances, InferenceBackend backend);

// Helper: packs 8-bit BGR images (all the same size) into an NCHW float blob,
// RGB channel order, value = (pixel - mean[c]) * scale[c] with mean/scale in RGB order.
cv::Mat MakeRgbBlob(const std::vector<cv::Mat>& bgr_images, const cv::Scalar& mean_rgb,
                    const cv::Scalar& scale_rgb);

}  // namespace candor

#endif  // CANDOR_INFERENCE_H_
