// Copyright 2026 The Candor Authors.

#include "gallery/attributes.h"

#include <regex>
#include <string>

namespace candor {

Status ValidateSubjectAttributes(const SubjectAttributes& attributes) {
  static const std::regex kValue("[A-Za-z0-9 ._:+-]{1,64}");
  for (const auto& [k, v] : attributes) {
    bool known = false;
    for (const char* key : kSubjectAttributeKeys) known = known || k == key;
    if (!known) {
      return InvalidArgumentError("unknown subject attribute '" + k +
                                  "' (allowed: sex, age_band, group)");
    }
    if (!std::regex_match(v, kValue)) {
      return InvalidArgumentError("subject attribute " + k +
                                  " must be 1-64 characters of [A-Za-z0-9 ._:+-]");
    }
  }
  return OkStatus();
}

namespace gallery {
namespace {

std::vector<uint8_t> AssociatedData(int64_t subject_row, int64_t gallery_row) {
  std::vector<uint8_t> ad = {'c', 'n', 'd', 'r', 'a', 't', 't', 'r'};
  for (int64_t v : {subject_row, gallery_row}) {
    for (int i = 0; i < 8; ++i) ad.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
  }
  return ad;
}

}  // namespace

void SealAttributes(const Key& subject_key, int64_t subject_row, int64_t gallery_row,
                    const SubjectAttributes& attributes, std::vector<uint8_t>& out) {
  std::string plain;
  for (const auto& [k, v] : attributes) plain += k + "=" + v + "\n";
  Seal(subject_key, {reinterpret_cast<const uint8_t*>(plain.data()), plain.size()},
       AssociatedData(subject_row, gallery_row), out);
  std::fill(plain.begin(), plain.end(), '\0');
}

StatusOr<SubjectAttributes> OpenAttributes(const Key& subject_key, int64_t subject_row,
                                           int64_t gallery_row, std::span<const uint8_t> sealed) {
  const std::string where = "subject attributes (row " + std::to_string(subject_row) + ")";
  if (sealed.size() <= kSealOverhead) return DataLossError(where + " are truncated");
  std::vector<uint8_t> plain(sealed.size() - kSealOverhead);
  if (!Open(subject_key, sealed, AssociatedData(subject_row, gallery_row), plain).ok()) {
    return DataLossError(where + " fail authentication");
  }
  SubjectAttributes out;
  std::string line;
  for (uint8_t c : plain) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) return DataLossError(where + " do not parse");
    out[line.substr(0, eq)] = line.substr(eq + 1);
    line.clear();
  }
  std::fill(plain.begin(), plain.end(), 0);
  if (!line.empty() || !ValidateSubjectAttributes(out).ok()) {
    return DataLossError(where + " do not parse");
  }
  return out;
}

}  // namespace gallery
}  // namespace candor
