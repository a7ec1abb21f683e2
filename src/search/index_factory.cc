// Copyright 2026 The Candor Authors.
//
// MakeIndex / CreateIndex / OpenIndex: spec string -> FlatIndex or IvfPqIndex
// with the best kernels for this CPU.

#include <memory>
#include <string>

#include "candor/index.h"
#include "search/cpu_features.h"
#include "search/flat_index.h"
#include "search/ivf_pq_index.h"
#include "search/ivf_pq_spec.h"
#include "search/kernels.h"

namespace candor {

bool IsCompressedIndexSpec(std::string_view spec) {
  return spec == "Auto" || spec.rfind("Auto,", 0) == 0 || spec.rfind("IVF", 0) == 0;
}

Status ValidateIndexSpec(std::string_view spec, int dim) {
  if (dim < 1 || dim > 4096) {
    return InvalidArgumentError("MakeIndex: dimension " + std::to_string(dim) +
                                " outside [1, 4096]");
  }
  if (spec.empty() || spec == "Flat" || spec == "Flat,int8" || spec == "Flat,fp32")
    return OkStatus();
  if (IsCompressedIndexSpec(spec)) return search::ParseIvfPqSpec(spec, dim).status();
  return InvalidArgumentError("MakeIndex: unknown index spec '" + std::string(spec) +
                              "' (known: Flat,int8, Flat,fp32, IVF<n>,PQ<m>x4fs[,...], Auto)");
}

StatusOr<std::unique_ptr<Index>> MakeIndex(std::string_view spec, int dim) {
  CANDOR_RETURN_IF_ERROR(ValidateIndexSpec(spec, dim));
  const search::Kernels kernels = search::GetKernels(search::BestIsa());
  try {
    if (spec == "Flat,fp32") {
      return std::unique_ptr<Index>(
          std::make_unique<search::FlatIndex<search::Fp32Codec>>(search::Fp32Codec(dim, kernels)));
    }
    if (IsCompressedIndexSpec(spec)) {
      CANDOR_ASSIGN_OR_RETURN(auto index, search::IvfPqIndex::Create(spec, dim, nullptr));
      return std::unique_ptr<Index>(std::move(index));
    }
    return std::unique_ptr<Index>(std::make_unique<search::FlatIndex<search::Int8Codec>>(
        search::Int8Codec(dim, kernels, search::Int8Codec::DefaultClip(dim))));
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("MakeIndex: out of memory");
  }
}

StatusOr<std::unique_ptr<Index>> CreateIndex(std::string_view spec, int dim,
                                             const IndexFiles& files) {
  if (!IsCompressedIndexSpec(spec)) {
    return InvalidArgumentError(
        "CreateIndex: only the compressed index (IVF..., Auto) is "
        "persistent; got '" +
        std::string(spec) + "'");
  }
  CANDOR_ASSIGN_OR_RETURN(auto index, search::IvfPqIndex::Create(spec, dim, &files));
  return std::unique_ptr<Index>(std::move(index));
}

StatusOr<std::unique_ptr<Index>> OpenIndex(const IndexFiles& files) {
  CANDOR_ASSIGN_OR_RETURN(auto index, search::IvfPqIndex::Open(files));
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace candor
