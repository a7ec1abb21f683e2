// Copyright 2026 The Candor Authors.
//
// The OpenCV 4.6 DNN implementation of Network: a pool of loaded copies, one
// per concurrent caller, each guarded so that no cv::dnn::Net is ever used by
// two threads at once (cv::dnn::Net::forward is not thread-safe).

#include <condition_variable>
#include <mutex>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/inference.h"

namespace candor {
namespace {

class OpenCvNetwork final : public Network {
 public:
  OpenCvNetwork(ModelInfo info, std::vector<cv::dnn::Net> nets)
      : info_(std::move(info)), nets_(std::move(nets)), busy_(nets_.size(), false) {
    out_names_ = nets_[0].getUnconnectedOutLayersNames();
  }

  StatusOr<std::vector<cv::Mat>> Run(const cv::Mat& nchw) const override {
    if (nchw.dims != 4 || nchw.size[1] != 3 || nchw.type() != CV_32F) {
      return InvalidArgumentError("network " + info_.id + " expects an [N,3,H,W] float32 tensor");
    }
    if (info_.input_h > 0 && (nchw.size[2] != info_.input_h || nchw.size[3] != info_.input_w)) {
      return InvalidArgumentError("network " + info_.id + " expects " + std::to_string(info_.input_h) +
                                  "x" + std::to_string(info_.input_w) + " input");
    }
    cv::Mat input = nchw;
    if (info_.nhwc_input) {
      // [N,3,H,W] -> [N,H,W,3]
      const int n = nchw.size[0], h = nchw.size[2], w = nchw.size[3];
      int dims[4] = {n, h, w, 3};
      input.create(4, dims, CV_32F);
      for (int b = 0; b < n; ++b) {
        const float* src = nchw.ptr<float>(b);
        float* dst = input.ptr<float>(b);
        for (int c = 0; c < 3; ++c)
          for (int i = 0; i < h * w; ++i) dst[i * 3 + c] = src[c * h * w + i];
      }
    }
    size_t slot = Acquire();
    std::vector<cv::Mat> outs;
    Status status;
    try {
      nets_[slot].setInput(input);
      nets_[slot].forward(outs, out_names_);
    } catch (const cv::Exception& e) {
      status = InternalError("network " + info_.id + " failed: " + e.what());
    }
    Release(slot);
    if (!status.ok()) return status;
    for (auto& m : outs) m = m.clone();  // detach from the net's buffers
    return outs;
  }

  const ModelInfo& info() const override { return info_; }
  const char* backend() const override { return "opencv"; }

 private:
  size_t Acquire() const {
    std::unique_lock lock(mu_);
    for (;;) {
      for (size_t i = 0; i < busy_.size(); ++i) {
        if (!busy_[i]) {
          busy_[i] = true;
          return i;
        }
      }
      cv_.wait(lock);
    }
  }
  void Release(size_t slot) const {
    {
      std::lock_guard lock(mu_);
      busy_[slot] = false;
    }
    cv_.notify_one();
  }

  ModelInfo info_;
  mutable std::vector<cv::dnn::Net> nets_;
  std::vector<std::string> out_names_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::vector<bool> busy_;
};

}  // namespace

StatusOr<std::unique_ptr<Network>> OpenOpenCvNetwork(const ModelInfo& info, int instances) {
  if (instances < 1) instances = 1;
  std::vector<cv::dnn::Net> nets;
  try {
    for (int i = 0; i < instances; ++i) {
      cv::dnn::Net net = cv::dnn::readNetFromONNX(info.onnx_path.string());
      if (net.empty()) return DataLossError("OpenCV could not load " + info.onnx_path.string());
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      nets.push_back(std::move(net));
    }
  } catch (const cv::Exception& e) {
    return DataLossError("OpenCV could not import " + info.onnx_path.string() + ": " + e.what());
  }
  ModelInfo resolved = info;
  if (resolved.input_h == 0) {
    // No sidecar shape: assume NCHW and let the first Run() fix nothing.
    resolved.nhwc_input = false;
  }
  return std::unique_ptr<Network>(new OpenCvNetwork(std::move(resolved), std::move(nets)));
}

cv::Mat MakeRgbBlob(const std::vector<cv::Mat>& bgr_images, const cv::Scalar& mean_rgb,
                    const cv::Scalar& scale_rgb) {
  const int n = static_cast<int>(bgr_images.size());
  const int h = bgr_images[0].rows, w = bgr_images[0].cols;
  int dims[4] = {n, 3, h, w};
  cv::Mat blob(4, dims, CV_32F);
  for (int b = 0; b < n; ++b) {
    const cv::Mat& img = bgr_images[b];
    float* dst = blob.ptr<float>(b);
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = img.ptr<uint8_t>(y);
      for (int x = 0; x < w; ++x) {
        const uint8_t* p = row + 3 * x;
        const int i = y * w + x;
        // p is B,G,R; channel 0 of the blob is R.
        dst[i] = static_cast<float>((p[2] - mean_rgb[0]) * scale_rgb[0]);
        dst[h * w + i] = static_cast<float>((p[1] - mean_rgb[1]) * scale_rgb[1]);
        dst[2 * h * w + i] = static_cast<float>((p[0] - mean_rgb[2]) * scale_rgb[2]);
      }
    }
  }
  return blob;
}

}  // namespace candor
