// Copyright 2026 The Candor Authors.
//
// Sealed subject attributes (include/candor/gallery.h SubjectAttributes): the
// canonical plaintext ("key=value\n" lines in key order) sealed with the
// subject's data key, associated data binding the subject and gallery rows,
// so a sealed blob moved to another subject fails to open. Stored in table
// subject_attributes (docs/STORE.md); destroyed with the subject's key.
//
// Thread safety: pure functions.

#ifndef CANDOR_GALLERY_ATTRIBUTES_H_
#define CANDOR_GALLERY_ATTRIBUTES_H_

#include <cstdint>
#include <vector>

#include "candor/gallery.h"
#include "gallery/crypto.h"

namespace candor::gallery {

// Appends nonce || ciphertext || tag to `out`. `attributes` must be valid
// (ValidateSubjectAttributes) and non-empty.
void SealAttributes(const Key& subject_key, int64_t subject_row, int64_t gallery_row,
                    const SubjectAttributes& attributes, std::vector<uint8_t>& out);

// DATA_LOSS when the blob does not open under this key and these rows or
// does not parse as valid attributes.
StatusOr<SubjectAttributes> OpenAttributes(const Key& subject_key, int64_t subject_row,
                                           int64_t gallery_row, std::span<const uint8_t> sealed);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_ATTRIBUTES_H_
