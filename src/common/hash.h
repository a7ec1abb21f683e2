// Copyright 2026 The Candor Authors.
//
// Content hashes used across Candor:
//  - Sha256: cryptographic digest (OpenSSL EVP) for model files, images and
//    audit records. 32 bytes; HexDigest gives the lower-case hex form.
//  - Crc32c: Castagnoli CRC-32C for stored-record checksums (templates, gallery
//    records, logs). Uses the SSE4.2 crc32 instruction when the CPU has it,
//    a table-driven portable version otherwise; both give identical results.
//    Crc32cMask/Crc32cUnmask follow leveldb's crc32c::Mask: store the masked
//    CRC so that a CRC of data containing embedded CRCs stays well distributed.
//
// All functions are pure and thread-safe. Sha256 cannot fail for in-memory data
// (an OpenSSL failure aborts with INTERNAL in the file variant).

#ifndef CANDOR_COMMON_HASH_H_
#define CANDOR_COMMON_HASH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Sha256Digest Sha256(std::span<const uint8_t> data);
Sha256Digest Sha256(std::string_view data);

// SHA-256 of a file's bytes, streamed (no size limit). NOT_FOUND / INVALID_ARGUMENT
// (directory) / PERMISSION_DENIED / DATA_LOSS (read error) on failure.
StatusOr<Sha256Digest> Sha256File(const std::filesystem::path& path);

// Lower-case hex of any byte span ("e3b0c442...").
std::string HexEncode(std::span<const uint8_t> bytes);
inline std::string HexDigest(const Sha256Digest& d) { return HexEncode(d); }

// Parses 64 hex characters (either case) into a digest; INVALID_ARGUMENT otherwise.
StatusOr<Sha256Digest> ParseHexDigest(std::string_view hex);

// CRC-32C of `data`, continuing from `crc` (pass 0 to start).
uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data);
inline uint32_t Crc32c(std::span<const uint8_t> data) { return Crc32cExtend(0, data); }
inline uint32_t Crc32c(std::string_view data) {
  return Crc32c(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

// The portable table implementation, exposed so tests can check the hardware
// path against it.
uint32_t Crc32cExtendPortable(uint32_t crc, std::span<const uint8_t> data);
// True when Crc32cExtend uses the SSE4.2 instruction on this CPU.
bool Crc32cIsHardwareAccelerated();

// leveldb's masking of stored CRCs.
inline constexpr uint32_t kCrc32cMaskDelta = 0xa282ead8u;
inline uint32_t Crc32cMask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrc32cMaskDelta; }
inline uint32_t Crc32cUnmask(uint32_t masked) {
  uint32_t rot = masked - kCrc32cMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace candor

#endif  // CANDOR_COMMON_HASH_H_
