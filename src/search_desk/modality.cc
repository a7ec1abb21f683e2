// Copyright 2026 The Candor Authors.

#include "search_desk/modality.h"

namespace candor {

Status FaceModality::Accepts(const GalleryInfo& gallery) const {
  if (gallery.modality == kFingerModality) {
    return FailedPreconditionError("gallery '" + gallery.name +
                                   "' holds fingerprints: search it with a fingerprint");
  }
  return OkStatus();
}

StatusOr<IdentifyResult> FaceModality::Identify(const std::string& gallery, int k,
                                                float threshold) const {
  CANDOR_ASSIGN_OR_RETURN(Template probe, make_probe_());
  IdentifyParams p;
  p.k = k;
  p.threshold = threshold;
  return store_.Identify(gallery, probe, p);
}

StatusOr<Store::GallerySearch> SearchModality::IdentifyWithGallery(
    const Store& store, const std::string& gallery, int k,
    const Store::ThresholdOf& threshold_of) const {
  Store::GallerySearch out;
  CANDOR_ASSIGN_OR_RETURN(out.gallery, store.GetGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(float threshold, threshold_of(out.gallery));
  CANDOR_ASSIGN_OR_RETURN(out.result, Identify(gallery, k, threshold));
  return out;
}

StatusOr<Store::GallerySearch> FaceModality::IdentifyWithGallery(
    const Store&, const std::string& gallery, int k,
    const Store::ThresholdOf& threshold_of) const {
  CANDOR_ASSIGN_OR_RETURN(Template probe, make_probe_());
  IdentifyParams p;
  p.k = k;
  return store_.IdentifyWithGallery(gallery, probe, p, threshold_of);
}

StatusOr<VerifyResult> FaceModality::Verify(const std::string& gallery,
                                            const std::string& subject_id,
                                            float threshold) const {
  CANDOR_ASSIGN_OR_RETURN(Template probe, make_probe_());
  VerifyParams p;
  p.threshold = threshold;
  return store_.Verify(gallery, subject_id, probe, p);
}

}  // namespace candor
