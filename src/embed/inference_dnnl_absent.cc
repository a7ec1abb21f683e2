// Copyright 2026 The Candor Authors.
//
// Built when oneDNN is not (CANDOR_WITH_DNNL=OFF or libdnnl-dev missing).

#include "candor/inference.h"

namespace candor {

bool DnnlAvailable() { return false; }

StatusOr<std::unique_ptr<Network>> OpenDnnlNetwork(const ModelInfo& info, int instances) {
  return UnimplementedError("this build has no oneDNN back end (configure with libdnnl-dev installed and "
                            "-DCANDOR_WITH_DNNL=ON)");
}

}  // namespace candor
