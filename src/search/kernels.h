// Copyright 2026 The Candor Authors.
//
// Scan kernels: inner products of one query with n consecutive stored rows.
// Each ISA has its own translation unit compiled with that ISA's flags; callers
// pick one through GetKernels(isa) after checking IsaSupported(isa), never by
// calling an ISA-specific function directly.
//
// Contracts (all kernels):
//   rows: n * dim elements, row-major, no padding; q: dim elements.
//   out[i] = sum_d rows[i * dim + d] * q[d], for i in [0, n).
//   n may be 0; dim >= 1 and any value (no multiple-of-16/64 requirement).
//   DotU8S8: rows unsigned bytes, q signed bytes in [-127, 127]. The result is
//   exact (int32; no saturation for dim <= 65536), so every ISA returns
//   bit-identical values.
//   DotF32: float; results equal up to summation order (relative ~1e-6).
//   SelectAtLeast: writes, in ascending order, every index i in [0, n) with
//   v[i] >= cut into idx (room for n) and returns how many; n < 2^32. Every ISA
//   returns the same list.
//   Pq4Scan (4-bit product-quantisation fast-scan, src/search/pq4_layout.h):
//   `codes` holds nblocks blocks of 64 vectors, m (even, 2..256) 4-bit codes
//   each, in the block layout of pq4_layout.h; `luts` holds m tables of 16
//   unsigned bytes. raw[i] = sum over s of luts[16 s + code(i, s)] for the
//   nblocks * 64 vectors (exact in uint16: m * 255 < 65536), and every i with
//   raw[i] >= cut is written, ascending, to idx (room for nblocks * 64); the
//   count is returned. Bit-identical on every ISA.
// Thread safety: pure functions of their arguments.

#ifndef CANDOR_SEARCH_KERNELS_H_
#define CANDOR_SEARCH_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "search/cpu_features.h"

namespace candor::search {

using DotU8S8Fn = void (*)(const uint8_t* rows, size_t n, size_t dim, const int8_t* q,
                           int32_t* out);
using DotF32Fn = void (*)(const float* rows, size_t n, size_t dim, const float* q, float* out);
using SelectAtLeastFn = size_t (*)(const int32_t* v, size_t n, int32_t cut, uint32_t* idx);
using Pq4ScanFn = size_t (*)(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                             uint16_t cut, uint16_t* raw, uint32_t* idx);

struct Kernels {
  Isa isa;
  DotU8S8Fn dot_u8s8;
  DotF32Fn dot_f32;
  SelectAtLeastFn select_at_least;
  Pq4ScanFn pq4_scan;
};

// The kernels for `isa`. Precondition: IsaSupported(isa).
Kernels GetKernels(Isa isa);

// Per-ISA entry points (defined in kernels_<isa>.cc).
void DotU8S8Scalar(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out);
void DotF32Scalar(const float* rows, size_t n, size_t dim, const float* q, float* out);
void DotU8S8Avx2(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out);
void DotF32Avx2(const float* rows, size_t n, size_t dim, const float* q, float* out);
void DotU8S8Avx512Vnni(const uint8_t* rows, size_t n, size_t dim, const int8_t* q, int32_t* out);
void DotF32Avx512(const float* rows, size_t n, size_t dim, const float* q, float* out);
size_t SelectAtLeastScalar(const int32_t* v, size_t n, int32_t cut, uint32_t* idx);
size_t SelectAtLeastAvx2(const int32_t* v, size_t n, int32_t cut, uint32_t* idx);
size_t SelectAtLeastAvx512(const int32_t* v, size_t n, int32_t cut, uint32_t* idx);
size_t Pq4ScanScalar(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                     uint16_t cut, uint16_t* raw, uint32_t* idx);
size_t Pq4ScanAvx2(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                   uint16_t cut, uint16_t* raw, uint32_t* idx);
size_t Pq4ScanAvx512(const uint8_t* codes, size_t nblocks, size_t m, const uint8_t* luts,
                     uint16_t cut, uint16_t* raw, uint32_t* idx);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_KERNELS_H_
