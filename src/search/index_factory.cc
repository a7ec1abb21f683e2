// Copyright 2026 The Candor Authors.
//
// MakeIndex: spec string -> FlatIndex with the best kernels for this CPU.

#include <memory>
#include <string>

#include "candor/index.h"
#include "search/cpu_features.h"
#include "search/flat_index.h"
#include "search/kernels.h"

namespace candor {

StatusOr<std::unique_ptr<Index>> MakeIndex(std::string_view spec, int dim) {
  if (dim < 1 || dim > 4096) {
    return InvalidArgumentError("MakeIndex: dimension " + std::to_string(dim) +
                                " outside [1, 4096]");
  }
  const search::Kernels kernels = search::GetKernels(search::BestIsa());
  try {
    if (spec.empty() || spec == "Flat" || spec == "Flat,int8") {
      return std::unique_ptr<Index>(std::make_unique<search::FlatIndex<search::Int8Codec>>(
          search::Int8Codec(dim, kernels, search::Int8Codec::DefaultClip(dim))));
    }
    if (spec == "Flat,fp32") {
      return std::unique_ptr<Index>(
          std::make_unique<search::FlatIndex<search::Fp32Codec>>(search::Fp32Codec(dim, kernels)));
    }
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("MakeIndex: out of memory");
  }
  return InvalidArgumentError("MakeIndex: unknown index spec '" + std::string(spec) +
                              "' (known: Flat,int8 and Flat,fp32)");
}

}  // namespace candor
