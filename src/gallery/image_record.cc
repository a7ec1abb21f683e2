// Copyright 2026 The Candor Authors.

#include "gallery/image_record.h"

#include <sodium.h>

#include <cstring>

namespace candor::gallery {
namespace {

void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void Prefix(uint8_t* p, uint32_t bytes, const ImageBinding& who) {
  p[0] = who.kind;
  p[1] = p[2] = p[3] = 0;
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(bytes >> (8 * i));
  PutU64(p + 8, static_cast<uint64_t>(who.template_id));
  PutU64(p + 16, static_cast<uint64_t>(who.subject_row));
  PutU64(p + 24, static_cast<uint64_t>(who.gallery_row));
}

}  // namespace

void EncodeImageRecord(const Key& data_key, const ImageBinding& who,
                       std::span<const uint8_t> image, std::vector<uint8_t>& out) {
  uint8_t prefix[kImageRecordPrefix];
  Prefix(prefix, static_cast<uint32_t>(image.size()), who);
  out.insert(out.end(), prefix, prefix + kImageRecordPrefix);
  Seal(data_key, image, std::span<const uint8_t>(prefix, kImageRecordPrefix), out);
}

StatusOr<std::vector<uint8_t>> DecodeImageRecord(const Key& data_key,
                                                 std::span<const uint8_t> payload,
                                                 const ImageBinding& who,
                                                 const std::string& where) {
  if (payload.size() < ImageRecordSize(0)) {
    return DataLossError(std::string(who.kind == 2 ? "image" : "finger") + " record too short in " + where);
  }
  const size_t bytes = payload.size() - ImageRecordSize(0);
  uint8_t expect[kImageRecordPrefix];
  Prefix(expect, static_cast<uint32_t>(bytes), who);
  if (std::memcmp(expect, payload.data(), kImageRecordPrefix) != 0) {
    return DataLossError(std::string(who.kind == 2 ? "image" : "finger") + " record in " + where + " belongs to template " +
                         std::to_string(static_cast<int64_t>(GetU64(payload.data() + 8))) +
                         " (" + std::to_string(payload[0] == who.kind ? bytes : 0) +
                         " bytes), metadata expects template " +
                         std::to_string(who.template_id));
  }
  std::vector<uint8_t> image(bytes);
  Status s = Open(data_key, payload.subspan(kImageRecordPrefix), payload.first(kImageRecordPrefix),
                  image);
  if (!s.ok()) {
    sodium_memzero(image.data(), image.size());
    return DataLossError(std::string(who.kind == 2 ? "image" : "finger") + " record fails authentication in " + where);
  }
  return image;
}

}  // namespace candor::gallery
