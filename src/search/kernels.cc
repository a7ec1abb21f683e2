// Copyright 2026 The Candor Authors.

#include "search/kernels.h"

namespace candor::search {

Kernels GetKernels(Isa isa) {
  switch (isa) {
    case Isa::kAvx512Vnni:
      return {isa, DotU8S8Avx512Vnni, DotF32Avx512, SelectAtLeastAvx512, Pq4ScanAvx512};
    case Isa::kAvx2:
      return {isa, DotU8S8Avx2, DotF32Avx2, SelectAtLeastAvx2, Pq4ScanAvx2};
    case Isa::kScalar:
      break;
  }
  return {Isa::kScalar, DotU8S8Scalar, DotF32Scalar, SelectAtLeastScalar, Pq4ScanScalar};
}

}  // namespace candor::search
