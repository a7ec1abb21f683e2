// Copyright 2026 The Candor Authors.

#include "search_desk/finger_modality.h"

namespace candor {

Status FingerModality::Accepts(const GalleryInfo& gallery) const {
  if (gallery.modality != kFingerModality) {
    return FailedPreconditionError("gallery '" + gallery.name + "' holds " + gallery.modality +
                                   " templates: a fingerprint cannot search it");
  }
  return OkStatus();
}

StatusOr<IdentifyResult> FingerModality::Identify(const std::string& gallery, int k,
                                                  float threshold) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<finger::FingerTemplate> probe, make_probe_());
  IdentifyParams p;
  p.k = k;
  p.threshold = threshold;
  return store_.IdentifyFingers(gallery, probe, p);
}

StatusOr<VerifyResult> FingerModality::Verify(const std::string& gallery,
                                              const std::string& subject_id,
                                              float threshold) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<finger::FingerTemplate> probe, make_probe_());
  VerifyParams p;
  p.threshold = threshold;
  return store_.VerifyFingers(gallery, subject_id, probe, p);
}

}  // namespace candor
