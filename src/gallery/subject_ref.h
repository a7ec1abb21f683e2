// Copyright 2026 The Candor Authors.
//
// Keyed subject references (Store::SubjectRef): what records outside the
// store (governance's searches and reviews, audit entries) hold instead of a
// subject id. HMAC-SHA-256 under the subject's own data key, so the reference
// dies with the key when the subject is deleted (crypto-shredded): no one,
// the holder of the master key included, can then link it to the id.
// Pure functions; thread-safe.

#ifndef CANDOR_GALLERY_SUBJECT_REF_H_
#define CANDOR_GALLERY_SUBJECT_REF_H_

#include <string>
#include <string_view>

#include "gallery/crypto.h"

namespace candor::gallery {

inline constexpr std::string_view kSubjectRefPrefix = "sref:";

// "sref:" + 32 lower-case hex digits (the first 16 bytes of
// HMAC-SHA-256(data_key, "candor subject ref v1" 0 gallery 0 subject_id)).
std::string SubjectRefFor(const Key& data_key, std::string_view gallery,
                          std::string_view subject_id);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_SUBJECT_REF_H_
