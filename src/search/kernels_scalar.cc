// Copyright 2026 The Candor Authors.
//
// Portable reference kernels: the ground truth the SIMD kernels are tested against.

#include "search/kernels.h"

namespace candor::search {

void DotU8S8Scalar(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* r = rows + i * dim;
    int32_t s = 0;
    for (size_t d = 0; d < dim; ++d) s += static_cast<int32_t>(r[d]) * static_cast<int32_t>(q[d]);
    out[i] = s;
  }
}

void DotF32Scalar(const float* rows, size_t n, size_t dim, const float* q, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float* r = rows + i * dim;
    double s = 0;  // double: the reference is more exact than any SIMD order
    for (size_t d = 0; d < dim; ++d) s += static_cast<double>(r[d]) * q[d];
    out[i] = static_cast<float>(s);
  }
}

size_t SelectAtLeastScalar(const int32_t* v, size_t n, int32_t cut, uint32_t* idx) {
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] >= cut) idx[m++] = static_cast<uint32_t>(i);
  }
  return m;
}

}  // namespace candor::search
