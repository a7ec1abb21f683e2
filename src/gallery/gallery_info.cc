// Copyright 2026 The Candor Authors.
//
// Validation of gallery metadata and the key / directory helpers of
// include/candor/gallery.h.

#include <cstdlib>
#include <cctype>
#include <regex>
#include <set>

#include "candor/gallery.h"
#include "common/hash.h"
#include "gallery/crypto.h"

namespace candor {

Sha256Bytes FingerModelSha256() {
  // Names the stored template format and the matcher whose scores the
  // calibration describes; bump the version when either changes scores.
  static const Sha256Bytes kSha = Sha256(std::string(
      "candor finger: ISO/IEC 19794-2:2005 minutiae (CNDF v1), MCC + LSS-R "
      "(Cappelli, Ferrara, Maltoni 2010), mean fusion over fingers; v1"));
  return kSha;
}

Status ValidateSubjectId(std::string_view id) {
  auto word = [](unsigned char c) { return std::isalnum(c) != 0 && c < 0x80; };
  const char* kRule =
      "a subject id must be 1-128 characters of [A-Za-z0-9._:@-] starting with a letter or "
      "digit";
  if (id.empty() || id.size() > kMaxSubjectIdBytes) {
    return InvalidArgumentError(std::string(kRule) + " (got " + std::to_string(id.size()) +
                                " characters)");
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    const bool ok = word(c) || (i > 0 && (c == '.' || c == '_' || c == ':' || c == '@' || c == '-'));
    if (!ok) {
      // The id itself is not repeated: refusals are audited, and an audit
      // entry names no subject.
      return InvalidArgumentError(std::string(kRule) + " (character " + std::to_string(i + 1) +
                                  " is not allowed)");
    }
  }
  return OkStatus();
}

const char* DefaultSubjectScore(std::string_view modality) {
  return modality == kFingerModality ? kSubjectScoreMax : kSubjectScoreCentroid;
}

GalleryInfo WithDefaultSubjectScore(GalleryInfo info) {
  if (info.subject_score.empty()) info.subject_score = DefaultSubjectScore(info.modality);
  return info;
}

Status ValidateGalleryInfo(const GalleryInfo& info) {
  static const std::regex kName("[A-Za-z0-9._-]{1,64}");
  static const std::regex kRetention("P[1-9][0-9]{0,3}[DMY]|indefinite");
  static const std::regex kBasis("[a-z0-9._:-]{1,64}");
  if (!std::regex_match(info.name, kName)) {
    return InvalidArgumentError("gallery name '" + info.name +
                                "' must be 1-64 characters of [A-Za-z0-9._-]");
  }
  if (info.modality != kFaceModality && info.modality != kFingerModality) {
    return InvalidArgumentError("gallery modality '" + info.modality +
                                "' must be 'face' or 'finger'");
  }
  if (!info.subject_score.empty()) CANDOR_RETURN_IF_ERROR(ValidateSubjectScore(info.subject_score));
  if (info.modality == kFingerModality && !info.subject_score.empty() &&
      info.subject_score != kSubjectScoreMax) {
    return InvalidArgumentError("a finger gallery fuses fingers by their mean; subject_score "
                                "applies to face galleries only");
  }
  if (info.modality == kFingerModality && !info.model_id.empty() &&
      (info.model_id != kFingerModelId || info.dim != 0)) {
    return InvalidArgumentError("a finger gallery holds fingerprint templates (model '" +
                                std::string(kFingerModelId) + "'), not model '" + info.model_id +
                                "'");
  }
  if (info.modality == kFaceModality && info.model_id == kFingerModelId) {
    return InvalidArgumentError("model '" + info.model_id + "' is for finger galleries");
  }
  if (info.description.empty() || info.description.size() > 1024) {
    return InvalidArgumentError("gallery description (what it holds) must be 1-1024 characters");
  }
  if (info.legal_basis.empty() || info.legal_basis.size() > 1024) {
    return InvalidArgumentError("gallery legal basis for holding the data must be 1-1024 characters");
  }
  if (!std::regex_match(info.retention_class, kRetention)) {
    return InvalidArgumentError("retention class '" + info.retention_class +
                                "' must be an ISO-8601 period like P10Y, P6M, P30D, or 'indefinite'");
  }
  if (info.allowed_search_bases.empty()) {
    return InvalidArgumentError("a gallery needs at least one allowed search basis");
  }
  std::set<std::string> seen;
  for (const std::string& b : info.allowed_search_bases) {
    if (!std::regex_match(b, kBasis)) {
      return InvalidArgumentError("search basis '" + b + "' must be 1-64 characters of [a-z0-9._:-]");
    }
    if (!seen.insert(b).second) return InvalidArgumentError("search basis '" + b + "' repeats");
  }
  if (info.dim < 0 || info.dim > static_cast<int>(kMaxTemplateDim)) {
    return InvalidArgumentError("gallery dimension out of range");
  }
  if (!info.model_id.empty() && info.dim == 0) {
    return InvalidArgumentError("a gallery bound to a model needs its dimension");
  }
  return OkStatus();
}

StatusOr<Store::GallerySearch> Store::IdentifyWithGallery(const std::string& gallery,
                                                           const Template& probe,
                                                           const IdentifyParams& params,
                                                           const ThresholdOf& threshold_of) const {
  GallerySearch out;
  CANDOR_ASSIGN_OR_RETURN(out.gallery, GetGallery(gallery));
  IdentifyParams p = params;
  CANDOR_ASSIGN_OR_RETURN(p.threshold, threshold_of(out.gallery));
  CANDOR_ASSIGN_OR_RETURN(out.result, Identify(gallery, probe, p));
  return out;
}

StatusOr<StoreKey> LoadStoreKey(const std::string& key_file) {
  CANDOR_ASSIGN_OR_RETURN(gallery::Key key, gallery::LoadMasterKey(key_file));
  StoreKey out;
  std::copy(key.bytes().begin(), key.bytes().end(), out.begin());
  return out;
}

StatusOr<std::string> DefaultStoreDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("CANDOR_STORE"); env && *env) return std::string(env);
  return InvalidArgumentError("no store directory: pass --store DIR or set CANDOR_STORE");
}

}  // namespace candor
