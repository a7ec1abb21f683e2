// Copyright 2026 The Candor Authors.
//
// A minimal, bounds-checked reader of a TIFF image file directory (IFD), used
// both for TIFF headers and for EXIF blobs (which are TIFF-structured).
// Handles classic TIFF only ("II*\0" / "MM\0*"); BigTIFF is refused.
// Pure functions over the given span; thread-safe.

#ifndef CANDOR_IMAGE_TIFF_IFD_H_
#define CANDOR_IMAGE_TIFF_IFD_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace candor::image_internal {

struct TiffEntry {
  uint16_t tag = 0;
  uint16_t type = 0;  // 3 = SHORT, 4 = LONG, others kept but not read as numbers
  uint32_t count = 0;
  size_t value_offset = 0;  // where the value(s) start inside the span
};

struct TiffIfd {
  bool little_endian = true;
  std::vector<TiffEntry> entries;

  const TiffEntry* Find(uint16_t tag) const;
  // Value i of a SHORT or LONG entry; nullopt when out of range or another type.
  std::optional<uint32_t> Value(std::span<const uint8_t> tiff, const TiffEntry& e,
                                uint32_t i) const;
};

// Parses the first IFD of a TIFF-structured blob (`tiff` starts at the byte
// order mark). nullopt when the structure is invalid or out of bounds.
// At most `max_entries` entries are accepted.
std::optional<TiffIfd> ReadFirstIfd(std::span<const uint8_t> tiff, size_t max_entries = 4096);

// EXIF orientation (tag 0x0112) from a TIFF-structured EXIF blob: 1..8, or 1
// when absent or invalid.
int ExifOrientation(std::span<const uint8_t> tiff);

}  // namespace candor::image_internal

#endif  // CANDOR_IMAGE_TIFF_IFD_H_
