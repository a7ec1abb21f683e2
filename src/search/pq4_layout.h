// Copyright 2026 The Candor Authors.
//
// The block layout of 4-bit product-quantisation codes scanned by the
// fast-scan kernels (Kernels::pq4_scan). Vectors are grouped in blocks of 64;
// a block holds m / 2 rows of 64 bytes, one per pair of sub-quantisers p, and
// byte v of row p is code(v, 2p) | code(v, 2p + 1) << 4. So one 64-byte load
// gives one sub-quantiser pair of 64 vectors, and a 16-entry table lookup
// (vpshufb) of the low and high nibbles scores 64 vectors at once.
//
// The layout does not depend on the ISA: AVX2 reads each 64-byte row as two
// 32-byte halves, the scalar reference reads bytes.
//
// Thread safety: pure functions.

#ifndef CANDOR_SEARCH_PQ4_LAYOUT_H_
#define CANDOR_SEARCH_PQ4_LAYOUT_H_

#include <cstddef>
#include <cstdint>

namespace candor::search {

inline constexpr size_t kPq4Block = 64;

// Bytes of one block of 64 vectors with m sub-quantisers.
inline constexpr size_t Pq4BlockBytes(size_t m) { return kPq4Block * m / 2; }

// Writes the m codes (each 0..15) of vector i into `blocks`.
inline void Pq4Put(uint8_t* blocks, size_t m, size_t i, const uint8_t* code) {
  uint8_t* row = blocks + (i / kPq4Block) * Pq4BlockBytes(m) + (i % kPq4Block);
  for (size_t p = 0; p < m / 2; ++p) {
    row[p * kPq4Block] = static_cast<uint8_t>((code[2 * p] & 15) | (code[2 * p + 1] & 15) << 4);
  }
}

// Reads the m codes of vector i from `blocks`.
inline void Pq4Get(const uint8_t* blocks, size_t m, size_t i, uint8_t* code) {
  const uint8_t* row = blocks + (i / kPq4Block) * Pq4BlockBytes(m) + (i % kPq4Block);
  for (size_t p = 0; p < m / 2; ++p) {
    code[2 * p] = row[p * kPq4Block] & 15;
    code[2 * p + 1] = row[p * kPq4Block] >> 4;
  }
}

}  // namespace candor::search

#endif  // CANDOR_SEARCH_PQ4_LAYOUT_H_
