// Copyright 2026 The Candor Authors.
//
// Portable reference kernels: the ground truth the SIMD kernels are tested against.

#include "search/kernels.h"
#include "search/pq4_layout.h"

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

size_t Pq4ScanScalar(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                     uint16_t cut, uint16_t* raw, uint32_t* idx) {
  size_t found = 0;
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* block = codes + b * Pq4BlockBytes(m);
    for (size_t v = 0; v < kPq4Block; ++v) {
      uint32_t s = 0;
      for (size_t p = 0; p < m / 2; ++p) {
        const uint8_t c = block[p * kPq4Block + v];
        s += luts[32 * p + (c & 15)] + luts[32 * p + 16 + (c >> 4)];
      }
      const size_t i = b * kPq4Block + v;
      raw[i] = static_cast<uint16_t>(s);
      if (raw[i] >= cut) idx[found++] = static_cast<uint32_t>(i);
    }
  }
  return found;
}

}  // namespace candor::search
