// Copyright 2026 The Candor Authors.
//
// The oneDNN implementation of Network: the ONNX graph read once, compiled per
// batch size on first use (dnnl_program.h), a pool of `instances` copies so
// that concurrent callers never share buffers. Each Run executes on the
// calling thread only (oneDNN's OpenMP runtime limited to one thread for the
// call), as the OpenCV back end does under cv::setNumThreads(1): parallelism
// comes from concurrent callers, which is what measured best on two cores.

#include <omp.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "candor/inference.h"
#include "embed/dnnl_program.h"
#include "embed/onnx_graph.h"

namespace candor {
namespace {

const dnnl::engine& CpuEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

class DnnlNetwork final : public Network {
 public:
  DnnlNetwork(ModelInfo info, OnnxGraph graph, int instances)
      : info_(std::move(info)), graph_(std::move(graph)) {
    for (int i = 0; i < instances; ++i) slots_.push_back(std::make_unique<Slot>());
  }

  // Compiles batch 1 for every copy up front: an unsupported graph fails at
  // open, and no caller pays the compilation (tens of ms) on its first run.
  Status Warm() {
    for (auto& s : slots_) CANDOR_RETURN_IF_ERROR(Program(*s, 1).status());
    return OkStatus();
  }

  StatusOr<std::vector<cv::Mat>> Run(const cv::Mat& nchw) const override {
    if (nchw.dims != 4 || nchw.type() != CV_32F) {
      return InvalidArgumentError("network " + info_.id + " expects an [N,C,H,W] float32 tensor");
    }
    const auto& s = graph_.input_shape;
    if (nchw.size[1] != s[1] || nchw.size[2] != s[2] || nchw.size[3] != s[3]) {
      return InvalidArgumentError("network " + info_.id + " expects " + std::to_string(s[1]) + "x" +
                                  std::to_string(s[2]) + "x" + std::to_string(s[3]) + " input");
    }
    const cv::Mat input = nchw.isContinuous() ? nchw : nchw.clone();
    Slot& slot = Acquire();
    // One OpenMP thread for this call; the caller's own setting is restored
    // (it is per thread, and other OpenMP users in the process keep theirs).
    const int caller_threads = omp_get_max_threads();
    omp_set_num_threads(1);
    StatusOr<std::vector<cv::Mat>> out = [&]() -> StatusOr<std::vector<cv::Mat>> {
      CANDOR_ASSIGN_OR_RETURN(DnnlProgram * program, Program(slot, input.size[0]));
      return program->Run(input, slot.stream);
    }();
    omp_set_num_threads(caller_threads);
    Release(slot);
    return out;
  }

  const ModelInfo& info() const override { return info_; }
  const char* backend() const override { return "onednn"; }

 private:
  struct Slot {
    bool busy = false;
    dnnl::stream stream{CpuEngine()};
    std::map<int, std::unique_ptr<DnnlProgram>> programs;  // by batch size
  };

  StatusOr<DnnlProgram*> Program(Slot& slot, int batch) const {
    auto& p = slot.programs[batch];
    if (!p) {
      auto compiled = DnnlProgram::Compile(graph_, batch, CpuEngine());
      if (!compiled.ok()) {
        slot.programs.erase(batch);
        return Status(compiled.status().code(), "oneDNN back end, model " + info_.id + ": " +
                                                    compiled.status().message());
      }
      p = std::move(*compiled);
    }
    return p.get();
  }

  Slot& Acquire() const {
    std::unique_lock lock(mu_);
    for (;;) {
      for (auto& s : slots_) {
        if (!s->busy) {
          s->busy = true;
          return *s;
        }
      }
      cv_.wait(lock);
    }
  }
  void Release(Slot& slot) const {
    {
      std::lock_guard lock(mu_);
      slot.busy = false;
    }
    cv_.notify_one();
  }

  ModelInfo info_;
  OnnxGraph graph_;
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
};

}  // namespace

bool DnnlAvailable() { return true; }

StatusOr<std::unique_ptr<Network>> OpenDnnlNetwork(const ModelInfo& info, int instances) {
  CANDOR_ASSIGN_OR_RETURN(OnnxGraph graph, ReadOnnxGraph(info.onnx_path));
  const auto& s = graph.input_shape;
  if (s.size() != 4 || s[1] != 3) {
    return UnimplementedError("oneDNN back end: model " + info.id + " does not take [N,3,H,W] input");
  }
  auto net = std::make_unique<DnnlNetwork>(info, std::move(graph), std::max(1, instances));
  Status st;
  try {
    st = net->Warm();
  } catch (const dnnl::error& e) {
    st = UnimplementedError(std::string("oneDNN: ") + e.what());
  }
  if (!st.ok()) return st;
  return std::unique_ptr<Network>(std::move(net));
}

}  // namespace candor
