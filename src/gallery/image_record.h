// Copyright 2026 The Candor Authors.
//
// The payload of one sealed source-image record in an image segment
// (DIR/images/NNNNNNNN.seg, same record framing as template segments; see
// docs/STORE.md):
//   u8 kind (2 = image) | u8[3] zero | u32 image bytes | i64 template id |
//   i64 subject row | i64 gallery row | sealed( image bytes ) under the
//   subject's data key
// The 32-byte prefix is the AEAD associated data, so a record cannot be
// replayed under another template, subject or gallery. Plaintext image bytes
// exist only in memory.
//
// Thread safety: pure functions.

#ifndef CANDOR_GALLERY_IMAGE_RECORD_H_
#define CANDOR_GALLERY_IMAGE_RECORD_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"
#include "gallery/crypto.h"

namespace candor::gallery {

inline constexpr size_t kImageRecordPrefix = 32;

inline size_t ImageRecordSize(size_t image_bytes) {
  return kImageRecordPrefix + image_bytes + kSealOverhead;
}

struct ImageBinding {
  int64_t template_id;
  int64_t subject_row;
  int64_t gallery_row;
  // The record kind in the first byte (bound by the AEAD): 2 a source image,
  // 3 a fingerprint template (the same layout, in fingers/ segments).
  uint8_t kind = 2;
};

// Appends the payload sealing `image` to `out`.
void EncodeImageRecord(const Key& data_key, const ImageBinding& who,
                       std::span<const uint8_t> image, std::vector<uint8_t>& out);

// Decrypts a payload. DATA_LOSS (naming `where`) if it is malformed, carries
// other ids than `who`, or fails authentication.
StatusOr<std::vector<uint8_t>> DecodeImageRecord(const Key& data_key,
                                                 std::span<const uint8_t> payload,
                                                 const ImageBinding& who,
                                                 const std::string& where);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_IMAGE_RECORD_H_
