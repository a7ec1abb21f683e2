// Copyright 2026 The Candor Authors.
//
// The payload of one template record in a segment (see docs/STORE.md):
//   u8 kind (1 = template) | u8[3] zero | u32 dim | i64 template id |
//   i64 subject row id | sealed( float32[dim] ) under the subject's data key
// The 24-byte prefix is the AEAD associated data, so a record cannot be
// replayed under another template or subject id. Plaintext floats exist only
// in memory.
//
// Thread safety: pure functions.

#ifndef CANDOR_GALLERY_TEMPLATE_RECORD_H_
#define CANDOR_GALLERY_TEMPLATE_RECORD_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"
#include "gallery/crypto.h"

namespace candor::gallery {

inline constexpr size_t kTemplateRecordPrefix = 24;

inline size_t TemplateRecordSize(int dim) {
  return kTemplateRecordPrefix + static_cast<size_t>(dim) * 4 + kSealOverhead;
}

// Appends the payload for `values` to `out`.
void EncodeTemplateRecord(const Key& data_key, int64_t template_id, int64_t subject_row,
                          std::span<const float> values, std::vector<uint8_t>& out);

// Decrypts a payload into `values` (size = dim), checking that it carries the
// expected ids and dimension. DATA_LOSS (naming `where`) if the fields
// disagree or authentication fails.
Status DecodeTemplateRecord(const Key& data_key, std::span<const uint8_t> payload,
                            int64_t template_id, int64_t subject_row, std::span<float> values,
                            const std::string& where);

// Wraps / unwraps a subject's data key under the master key: 72 bytes. The
// AD binds it to the subject row, its gallery row and its external id, so a
// corrupted or swapped metadata row fails authentication (DATA_LOSS) instead
// of silently naming the wrong subject.
struct SubjectBinding {
  int64_t subject_row;
  int64_t gallery_row;
  std::string_view external_id;
};
std::vector<uint8_t> WrapSubjectKey(const Key& master, const Key& data_key,
                                    const SubjectBinding& who);
StatusOr<Key> UnwrapSubjectKey(const Key& master, std::span<const uint8_t> wrapped,
                               const SubjectBinding& who);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_TEMPLATE_RECORD_H_
