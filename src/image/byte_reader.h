// Copyright 2026 The Candor Authors.
//
// Bounds-checked reads from an untrusted byte span. Every accessor returns
// false (and leaves the output untouched) instead of reading past the end.
// Header-only; a value type with no shared state.

#ifndef CANDOR_IMAGE_BYTE_READER_H_
#define CANDOR_IMAGE_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace candor::image_internal {

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> data, bool little_endian) : data_(data), le_(little_endian) {}

  size_t size() const { return data_.size(); }
  bool Has(size_t off, size_t n) const { return off <= data_.size() && n <= data_.size() - off; }

  bool U8(size_t off, uint8_t* v) const {
    if (!Has(off, 1)) return false;
    *v = data_[off];
    return true;
  }
  bool U16(size_t off, uint16_t* v) const {
    if (!Has(off, 2)) return false;
    const uint8_t* p = data_.data() + off;
    *v = le_ ? static_cast<uint16_t>(p[0] | p[1] << 8) : static_cast<uint16_t>(p[0] << 8 | p[1]);
    return true;
  }
  bool U32(size_t off, uint32_t* v) const {
    if (!Has(off, 4)) return false;
    const uint8_t* p = data_.data() + off;
    *v = le_ ? (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24)
             : (uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]));
    return true;
  }
  std::span<const uint8_t> data() const { return data_; }

 private:
  std::span<const uint8_t> data_;
  bool le_;
};

}  // namespace candor::image_internal

#endif  // CANDOR_IMAGE_BYTE_READER_H_
