// Copyright 2026 The Candor Authors.
//
// A small, bounds-checked reader for FlatBuffers binaries (the container of
// TFLite models), written because no FlatBuffers schema or library is
// available from Debian here. It knows the wire format only (tables, vtables,
// vectors, strings, scalars); the TFLite schema lives in tflite_model.h.
//
// Every offset is validated against the buffer before it is followed: a
// truncated or corrupted file yields a DATA_LOSS Status, never an
// out-of-bounds read. Nested depth is bounded by the caller's schema (no
// recursion here).
//
// Ownership: FbTable / FbVector hold a non-owning view of the bytes, which
// must outlive them. Thread safety: read-only values; safe to share.

#ifndef CANDOR_TOOLS_CONVERT_TFLITE_FLATBUFFER_H_
#define CANDOR_TOOLS_CONVERT_TFLITE_FLATBUFFER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor::convert {

class FbTable;

// A vector field: `size()` elements starting at `data_pos`, bounds-checked at
// creation for the element width the caller gave to FbTable::Vector. Table()
// and Int32s() are only for vectors created with a width of 4.
class FbVector {
 public:
  FbVector() = default;
  FbVector(std::span<const uint8_t> buf, size_t data_pos, uint32_t size)
      : buf_(buf), data_pos_(data_pos), size_(size) {}

  uint32_t size() const { return size_; }
  // The raw bytes of a vector of 1-byte elements (e.g. a Buffer's data).
  std::span<const uint8_t> bytes() const { return buf_.subspan(data_pos_, size_); }
  // Element i of a vector of tables.
  StatusOr<FbTable> Table(uint32_t i) const;
  // Elements of a vector of int32 / uint32 scalars (validated at creation).
  std::vector<int32_t> Int32s() const;

 private:
  std::span<const uint8_t> buf_;
  size_t data_pos_ = 0;
  uint32_t size_ = 0;
};

// A table: fields addressed by their index in the schema (0-based, counting a
// union as two fields: its type then its value, as flatc does).
class FbTable {
 public:
  // The root table of a FlatBuffer; checks the 4-byte file identifier when
  // `file_identifier` is not empty.
  static StatusOr<FbTable> Root(std::span<const uint8_t> buf, std::string_view file_identifier);

  // Validates the table header and vtable at `pos`.
  static StatusOr<FbTable> At(std::span<const uint8_t> buf, size_t pos);

  bool Has(int field) const { return FieldOffset(field) != 0; }

  // Scalars; `def` when the field is absent.
  StatusOr<uint8_t> U8(int field, uint8_t def = 0) const;
  StatusOr<int8_t> I8(int field, int8_t def = 0) const;
  StatusOr<int32_t> I32(int field, int32_t def = 0) const;
  StatusOr<uint32_t> U32(int field, uint32_t def = 0) const;
  StatusOr<uint64_t> U64(int field, uint64_t def = 0) const;
  StatusOr<float> F32(int field, float def = 0) const;

  // Sub-objects; an absent field gives an empty vector / string, and for
  // SubTable a NOT_FOUND error.
  StatusOr<FbTable> SubTable(int field) const;
  StatusOr<std::string> String(int field) const;
  // `elem_size` is the element width in bytes (1, 4 for int32 / offsets, ...).
  StatusOr<FbVector> Vector(int field, size_t elem_size) const;

 private:
  FbTable(std::span<const uint8_t> buf, size_t pos, size_t vtable, uint16_t vt_size,
          uint16_t obj_size)
      : buf_(buf), pos_(pos), vtable_(vtable), vt_size_(vt_size), obj_size_(obj_size) {}
  // Byte offset of `field` inside the table, 0 when absent.
  uint16_t FieldOffset(int field) const;
  // Validated absolute position of a `width`-byte scalar field.
  StatusOr<size_t> ScalarPos(int field, size_t width) const;
  // Follows the uoffset stored in `field` to an absolute position.
  StatusOr<size_t> Deref(int field) const;

  std::span<const uint8_t> buf_;
  size_t pos_ = 0;
  size_t vtable_ = 0;
  uint16_t vt_size_ = 0;
  uint16_t obj_size_ = 0;
};

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_TFLITE_FLATBUFFER_H_
