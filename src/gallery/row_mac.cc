// Copyright 2026 The Candor Authors.

#include "gallery/row_mac.h"

#include <sodium.h>

#include <cstring>

namespace candor::gallery {

void RowEncoder::I64(int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

void RowEncoder::F64(double v) {
  uint64_t u;
  std::memcpy(&u, &v, sizeof(u));
  I64(static_cast<int64_t>(u));
}

void RowEncoder::Bytes(std::span<const uint8_t> v) {
  const uint32_t n = static_cast<uint32_t>(v.size());
  for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<uint8_t>(n >> (8 * i)));
  buf_.insert(buf_.end(), v.begin(), v.end());
}

std::span<const uint8_t> RowEncoder::Encode(const GalleryRow& r) {
  Start('G');
  I64(r.id);
  Text(r.name);
  Text(r.description);
  Text(r.legal_basis);
  Text(r.retention_class);
  Text(r.search_bases);
  Text(r.model_id);
  Bytes(r.model_sha256);
  I64(r.dim);
  Text(r.created_at);
  return buf_;
}

std::span<const uint8_t> RowEncoder::Encode(const SubjectRow& r) {
  Start('S');
  I64(r.id);
  I64(r.gallery_id);
  Text(r.external_id);
  Text(r.record_ref);
  Bytes(r.wrapped_key);
  Text(r.created_at);
  return buf_;
}

std::span<const uint8_t> RowEncoder::Encode(const TemplateRow& r) {
  Start('T');
  I64(r.id);
  I64(r.subject_id);
  I64(r.gallery_id);
  I64(r.segment);
  I64(r.offset);
  I64(r.length);
  Text(r.capture_date);
  F64(r.quality);
  Bytes(r.image_sha256);
  Text(r.model_id);
  Bytes(r.model_sha256);
  Text(r.enrolled_at);
  return buf_;
}

std::span<const uint8_t> RowEncoder::Encode(const CalibrationRow& r) {
  Start('C');
  I64(r.gallery_id);
  Text(r.kind);
  Text(r.body);
  Text(r.stored_at);
  return buf_;
}

std::span<const uint8_t> RowEncoder::Encode(const AttributesRow& r) {
  Start('A');
  I64(r.subject_id);
  Bytes(r.sealed);
  return buf_;
}

std::span<const uint8_t> RowEncoder::Encode(const FingerTemplateRow& r) {
  Start('F');
  I64(r.id);
  I64(r.subject_id);
  I64(r.gallery_id);
  I64(r.segment);
  I64(r.offset);
  I64(r.length);
  I64(r.finger_position);
  Text(r.capture_date);
  F64(r.quality);
  Bytes(r.image_sha256);
  Text(r.enrolled_at);
  return buf_;
}

std::span<const uint8_t> RowEncoder::Encode(const ImageRow& r) {
  Start('I');
  I64(r.template_id);
  I64(r.subject_id);
  I64(r.segment);
  I64(r.offset);
  I64(r.length);
  return buf_;
}

RowMac::RowMac(const Key& master) {
  std::array<uint8_t, kKeyBytes> sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), 1, "cndrrmac", master.bytes().data());
  key_ = Key(sub);
  sodium_memzero(sub.data(), sub.size());
}

RowMacBytes RowMac::Compute(std::span<const uint8_t> encoded) const {
  RowMacBytes mac;
  crypto_generichash(mac.data(), mac.size(), encoded.data(), encoded.size(),
                     key_.bytes().data(), key_.bytes().size());
  return mac;
}

bool RowMac::Matches(std::span<const uint8_t> encoded, std::span<const uint8_t> mac) const {
  if (mac.size() != kRowMacBytes) return false;
  const RowMacBytes want = Compute(encoded);
  return sodium_memcmp(want.data(), mac.data(), kRowMacBytes) == 0;
}

Status RowMac::Check(std::span<const uint8_t> encoded, std::span<const uint8_t> mac,
                     std::string_view table, int64_t row_id, std::string_view what) const {
  if (Matches(encoded, mac)) return OkStatus();
  return DataLossError("metadata: " + std::string(what) + " (store.db table " +
                       std::string(table) + ", row " + std::to_string(row_id) +
                       ") fails its integrity check: the row was altered or damaged outside "
                       "Candor, or the MAC is missing");
}

}  // namespace candor::gallery
