// Copyright 2026 The Candor Authors.
//
// Integrity of the store's metadata rows. Every row of the galleries,
// subjects, templates, images, gallery_calibrations and subject_attributes
// tables carries `row_mac`: a keyed BLAKE2b
// MAC (libsodium crypto_generichash, 16 bytes) over a canonical encoding of
// the row's table, its id and every other column, under a key derived from
// the store master key (crypto_kdf, context "cndrrmac"). A row altered outside
// Candor (capture date, quality, image hash, model, search bases, location of
// a record, ...) no longer matches and is reported as DATA_LOSS naming the
// table and the row.
//
// The encoding: u8 table tag, then each column in schema order as
// i64 (8 bytes LE) | f64 (IEEE bits, 8 bytes LE) | u32 length + bytes (text
// and blobs). Rows are described by views into caller memory (no copies).
//
// Thread safety: a RowMac is immutable after construction and may be shared;
// a RowEncoder belongs to one thread.

#ifndef CANDOR_GALLERY_ROW_MAC_H_
#define CANDOR_GALLERY_ROW_MAC_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"
#include "gallery/crypto.h"

namespace candor::gallery {

inline constexpr size_t kRowMacBytes = 16;
using RowMacBytes = std::array<uint8_t, kRowMacBytes>;

struct GalleryRow {
  int64_t id;
  std::string_view name, description, legal_basis, retention_class, search_bases, model_id;
  std::span<const uint8_t> model_sha256;
  int64_t dim;
  std::string_view created_at;
};

struct SubjectRow {
  int64_t id, gallery_id;
  std::string_view external_id, record_ref;
  std::span<const uint8_t> wrapped_key;
  std::string_view created_at;
};

struct TemplateRow {
  int64_t id, subject_id, gallery_id, segment, offset, length;
  std::string_view capture_date;
  double quality;
  std::span<const uint8_t> image_sha256;
  std::string_view model_id;
  std::span<const uint8_t> model_sha256;
  std::string_view enrolled_at;
};

struct ImageRow {
  int64_t template_id, subject_id, segment, offset, length;
};

// A fingerprint template's row (table finger_templates).
struct FingerTemplateRow {
  int64_t id, subject_id, gallery_id, segment, offset, length, finger_position;
  std::string_view capture_date;
  double quality;
  std::span<const uint8_t> image_sha256;
  std::string_view enrolled_at;
};

// A gallery's stored calibration (table gallery_calibrations).
struct CalibrationRow {
  int64_t gallery_id;
  std::string_view kind, body, stored_at;
};

// A subject's sealed attributes (table subject_attributes).
struct AttributesRow {
  int64_t subject_id;
  std::span<const uint8_t> sealed;
};

// Reusable buffer for the canonical encoding (no allocation once warm).
class RowEncoder {
 public:
  std::span<const uint8_t> Encode(const GalleryRow& r);
  std::span<const uint8_t> Encode(const SubjectRow& r);
  std::span<const uint8_t> Encode(const TemplateRow& r);
  std::span<const uint8_t> Encode(const ImageRow& r);
  std::span<const uint8_t> Encode(const FingerTemplateRow& r);
  std::span<const uint8_t> Encode(const CalibrationRow& r);
  std::span<const uint8_t> Encode(const AttributesRow& r);

 private:
  void Start(uint8_t tag) {
    buf_.clear();
    buf_.push_back(tag);
  }
  void I64(int64_t v);
  void F64(double v);
  void Bytes(std::span<const uint8_t> v);
  void Text(std::string_view v) {
    Bytes({reinterpret_cast<const uint8_t*>(v.data()), v.size()});
  }
  std::vector<uint8_t> buf_;
};

class RowMac {
 public:
  // Derives the MAC key from the store master key.
  explicit RowMac(const Key& master);

  RowMacBytes Compute(std::span<const uint8_t> encoded) const;
  // True if `mac` is the MAC of `encoded` (constant-time comparison).
  bool Matches(std::span<const uint8_t> encoded, std::span<const uint8_t> mac) const;

  // OK, or DATA_LOSS: "metadata: <what> (store.db table <table>, row <id>)
  // fails its integrity check ...".
  Status Check(std::span<const uint8_t> encoded, std::span<const uint8_t> mac,
               std::string_view table, int64_t row_id, std::string_view what) const;

 private:
  Key key_;
};

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_ROW_MAC_H_
