// Copyright 2026 The Candor Authors.

#include "gallery/template_record.h"

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

void Prefix(uint8_t* p, int dim, int64_t template_id, int64_t subject_row) {
  p[0] = 1;
  p[1] = p[2] = p[3] = 0;
  const uint32_t d = static_cast<uint32_t>(dim);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(d >> (8 * i));
  PutU64(p + 8, static_cast<uint64_t>(template_id));
  PutU64(p + 16, static_cast<uint64_t>(subject_row));
}

}  // namespace

void EncodeTemplateRecord(const Key& data_key, int64_t template_id, int64_t subject_row,
                          std::span<const float> values, std::vector<uint8_t>& out) {
  uint8_t prefix[kTemplateRecordPrefix];
  Prefix(prefix, static_cast<int>(values.size()), template_id, subject_row);
  out.insert(out.end(), prefix, prefix + kTemplateRecordPrefix);
  // Little-endian hosts only (x86-64, aarch64): floats are stored as-is.
  Seal(data_key,
       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(values.data()),
                                values.size() * sizeof(float)),
       std::span<const uint8_t>(prefix, kTemplateRecordPrefix), out);
}

Status DecodeTemplateRecord(const Key& data_key, std::span<const uint8_t> payload,
                            int64_t template_id, int64_t subject_row, std::span<float> values,
                            const std::string& where) {
  const int dim = static_cast<int>(values.size());
  if (payload.size() != TemplateRecordSize(dim)) {
    return DataLossError("template record has the wrong size in " + where);
  }
  uint8_t expect[kTemplateRecordPrefix];
  Prefix(expect, dim, template_id, subject_row);
  if (std::memcmp(expect, payload.data(), kTemplateRecordPrefix) != 0) {
    return DataLossError("template record in " + where + " belongs to template " +
                         std::to_string(static_cast<int64_t>(GetU64(payload.data() + 8))) +
                         ", metadata expects template " + std::to_string(template_id));
  }
  Status s = Open(data_key, payload.subspan(kTemplateRecordPrefix),
                  payload.first(kTemplateRecordPrefix),
                  std::span<uint8_t>(reinterpret_cast<uint8_t*>(values.data()),
                                     values.size() * sizeof(float)));
  if (!s.ok()) return DataLossError("template record fails authentication in " + where);
  return OkStatus();
}

std::vector<uint8_t> KeyAd(const SubjectBinding& who) {
  std::vector<uint8_t> ad = {'c', 'n', 'd', 'r', 's', 'k', 'e', 'y'};
  ad.resize(24);
  PutU64(ad.data() + 8, static_cast<uint64_t>(who.subject_row));
  PutU64(ad.data() + 16, static_cast<uint64_t>(who.gallery_row));
  ad.insert(ad.end(), who.external_id.begin(), who.external_id.end());
  return ad;
}

std::vector<uint8_t> WrapSubjectKey(const Key& master, const Key& data_key,
                                    const SubjectBinding& who) {
  std::vector<uint8_t> out;
  Seal(master, data_key.bytes(), KeyAd(who), out);
  return out;
}

StatusOr<Key> UnwrapSubjectKey(const Key& master, std::span<const uint8_t> wrapped,
                               const SubjectBinding& who) {
  std::array<uint8_t, kKeyBytes> raw{};
  const std::string which = "subject row " + std::to_string(who.subject_row);
  if (wrapped.size() != kKeyBytes + kSealOverhead) {
    return DataLossError("metadata: wrapped key of " + which + " has the wrong size");
  }
  Status s = Open(master, wrapped, KeyAd(who), raw);
  if (!s.ok()) {
    return DataLossError("metadata: " + which +
                         " fails authentication (corrupt or altered store.db row)");
  }
  Key k(raw);
  std::memset(raw.data(), 0, raw.size());
  return k;
}

}  // namespace candor::gallery
