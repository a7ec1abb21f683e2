// Copyright 2026 The Candor Authors.

#include "image/tiff_ifd.h"

#include "image/byte_reader.h"

namespace candor::image_internal {

const TiffEntry* TiffIfd::Find(uint16_t tag) const {
  for (const auto& e : entries) {
    if (e.tag == tag) return &e;
  }
  return nullptr;
}

std::optional<uint32_t> TiffIfd::Value(std::span<const uint8_t> tiff, const TiffEntry& e,
                                       uint32_t i) const {
  if (i >= e.count) return std::nullopt;
  ByteReader r(tiff, little_endian);
  if (e.type == 3) {
    uint16_t v;
    if (!r.U16(e.value_offset + size_t{i} * 2, &v)) return std::nullopt;
    return v;
  }
  if (e.type == 4) {
    uint32_t v;
    if (!r.U32(e.value_offset + size_t{i} * 4, &v)) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::optional<TiffIfd> ReadFirstIfd(std::span<const uint8_t> tiff, size_t max_entries) {
  if (tiff.size() < 8) return std::nullopt;
  TiffIfd ifd;
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    ifd.little_endian = true;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    ifd.little_endian = false;
  } else {
    return std::nullopt;
  }
  ByteReader r(tiff, ifd.little_endian);
  uint16_t magic;
  uint32_t off;
  if (!r.U16(2, &magic) || magic != 42 || !r.U32(4, &off)) return std::nullopt;
  uint16_t n;
  if (!r.U16(off, &n) || n == 0 || n > max_entries) return std::nullopt;
  if (!r.Has(size_t{off} + 2, size_t{n} * 12)) return std::nullopt;
  ifd.entries.reserve(n);
  for (uint16_t k = 0; k < n; ++k) {
    size_t p = size_t{off} + 2 + size_t{k} * 12;
    TiffEntry e;
    r.U16(p, &e.tag);
    r.U16(p + 2, &e.type);
    r.U32(p + 4, &e.count);
    size_t unit = 0;
    switch (e.type) {
      case 1:
      case 2:
      case 6:
      case 7:
        unit = 1;
        break;
      case 3:
      case 8:
        unit = 2;
        break;
      case 4:
      case 9:
      case 11:
        unit = 4;
        break;
      case 5:
      case 10:
      case 12:
        unit = 8;
        break;
      default:
        unit = 0;
    }
    uint64_t bytes = uint64_t{unit} * e.count;
    if (bytes <= 4) {
      e.value_offset = p + 8;
    } else {
      uint32_t vo;
      r.U32(p + 8, &vo);
      if (!r.Has(vo, bytes)) continue;  // entry points outside the blob: ignore it
      e.value_offset = vo;
    }
    ifd.entries.push_back(e);
  }
  return ifd;
}

int ExifOrientation(std::span<const uint8_t> tiff) {
  auto ifd = ReadFirstIfd(tiff);
  if (!ifd) return 1;
  const TiffEntry* e = ifd->Find(0x0112);
  if (!e) return 1;
  auto v = ifd->Value(tiff, *e, 0);
  if (!v || *v < 1 || *v > 8) return 1;
  return static_cast<int>(*v);
}

}  // namespace candor::image_internal
