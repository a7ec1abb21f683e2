// Copyright 2026 The Candor Authors.

#include "tflite_flatbuffer.h"

#include <cstring>
#include <limits>

namespace candor::convert {
namespace {

template <typename T>
T Load(std::span<const uint8_t> buf, size_t pos) {  // caller checked bounds
  T v;
  std::memcpy(&v, buf.data() + pos, sizeof(T));
  return v;  // FlatBuffers are little-endian, as is every target we build for
}

bool InBounds(std::span<const uint8_t> buf, size_t pos, size_t len) {
  return pos <= buf.size() && len <= buf.size() - pos;
}

Status Corrupt(const std::string& what, size_t pos) {
  return DataLossError("corrupt flatbuffer: " + what + " at byte " + std::to_string(pos));
}

}  // namespace

StatusOr<FbTable> FbTable::Root(std::span<const uint8_t> buf, std::string_view file_identifier) {
  if (buf.size() < 8) return DataLossError("flatbuffer too short: " + std::to_string(buf.size()) + " bytes");
  if (!file_identifier.empty() &&
      std::memcmp(buf.data() + 4, file_identifier.data(), std::min<size_t>(4, file_identifier.size())) != 0) {
    return DataLossError("not a flatbuffer with identifier '" + std::string(file_identifier) + "'");
  }
  return At(buf, Load<uint32_t>(buf, 0));
}

StatusOr<FbTable> FbTable::At(std::span<const uint8_t> buf, size_t pos) {
  if (pos % 4 != 0 || !InBounds(buf, pos, 4)) return Corrupt("table offset out of range", pos);
  const int64_t soff = Load<int32_t>(buf, pos);
  const int64_t vt = static_cast<int64_t>(pos) - soff;
  if (vt < 0 || vt % 2 != 0 || !InBounds(buf, static_cast<size_t>(vt), 4)) {
    return Corrupt("vtable out of range", pos);
  }
  const uint16_t vt_size = Load<uint16_t>(buf, vt);
  const uint16_t obj_size = Load<uint16_t>(buf, vt + 2);
  if (vt_size < 4 || vt_size % 2 != 0 || !InBounds(buf, static_cast<size_t>(vt), vt_size)) {
    return Corrupt("bad vtable size", vt);
  }
  if (obj_size < 4 || !InBounds(buf, pos, obj_size)) return Corrupt("bad table size", pos);
  return FbTable(buf, pos, static_cast<size_t>(vt), vt_size, obj_size);
}

uint16_t FbTable::FieldOffset(int field) const {
  const size_t slot = 4 + 2 * static_cast<size_t>(field);
  if (field < 0 || slot + 2 > vt_size_) return 0;
  return Load<uint16_t>(buf_, vtable_ + slot);
}

StatusOr<size_t> FbTable::ScalarPos(int field, size_t width) const {
  const uint16_t off = FieldOffset(field);
  if (off == 0) return NotFoundError("field absent");
  if (off < 4 || static_cast<size_t>(off) + width > obj_size_) {
    return Corrupt("field " + std::to_string(field) + " outside its table", pos_);
  }
  return pos_ + off;
}

StatusOr<size_t> FbTable::Deref(int field) const {
  CANDOR_ASSIGN_OR_RETURN(size_t at, ScalarPos(field, 4));
  const size_t target = at + Load<uint32_t>(buf_, at);
  if (!InBounds(buf_, target, 4)) return Corrupt("offset of field " + std::to_string(field), at);
  return target;
}

#define CANDOR_FB_SCALAR(Name, T)                                      \
  StatusOr<T> FbTable::Name(int field, T def) const {                  \
    if (FieldOffset(field) == 0) return def;                           \
    CANDOR_ASSIGN_OR_RETURN(size_t at, ScalarPos(field, sizeof(T)));   \
    return Load<T>(buf_, at);                                          \
  }
CANDOR_FB_SCALAR(U8, uint8_t)
CANDOR_FB_SCALAR(I8, int8_t)
CANDOR_FB_SCALAR(I32, int32_t)
CANDOR_FB_SCALAR(U32, uint32_t)
CANDOR_FB_SCALAR(U64, uint64_t)
CANDOR_FB_SCALAR(F32, float)
#undef CANDOR_FB_SCALAR

StatusOr<FbTable> FbTable::SubTable(int field) const {
  if (FieldOffset(field) == 0) return NotFoundError("table field " + std::to_string(field) + " absent");
  CANDOR_ASSIGN_OR_RETURN(size_t target, Deref(field));
  return At(buf_, target);
}

StatusOr<FbVector> FbTable::Vector(int field, size_t elem_size) const {
  if (FieldOffset(field) == 0) return FbVector();
  CANDOR_ASSIGN_OR_RETURN(size_t target, Deref(field));
  const uint32_t n = Load<uint32_t>(buf_, target);
  if (elem_size != 0 && n > (std::numeric_limits<size_t>::max() / elem_size)) {
    return Corrupt("vector length", target);
  }
  if (!InBounds(buf_, target + 4, static_cast<size_t>(n) * elem_size)) {
    return Corrupt("vector of " + std::to_string(n) + " elements overruns the file", target);
  }
  return FbVector(buf_, target + 4, n);
}

StatusOr<std::string> FbTable::String(int field) const {
  CANDOR_ASSIGN_OR_RETURN(FbVector v, Vector(field, 1));
  auto b = v.bytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

StatusOr<FbTable> FbVector::Table(uint32_t i) const {
  if (i >= size_) return OutOfRangeError("vector index " + std::to_string(i));
  const size_t at = data_pos_ + 4 * static_cast<size_t>(i);
  const size_t target = at + Load<uint32_t>(buf_, at);
  return FbTable::At(buf_, target);
}

std::vector<int32_t> FbVector::Int32s() const {
  std::vector<int32_t> out(size_);
  for (uint32_t i = 0; i < size_; ++i) out[i] = Load<int32_t>(buf_, data_pos_ + 4 * size_t{i});
  return out;
}

}  // namespace candor::convert
