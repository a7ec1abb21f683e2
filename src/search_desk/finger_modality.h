// Copyright 2026 The Candor Authors.
//
// FingerModality: the fingerprint side of a search (modality.h). The probe is
// one or more fingers of one person (a factory, called after the gate, that
// extracts them from the probe image or reads templates); the gallery's
// FingerIndex answers through Store::IdentifyFingers / VerifyFingers (MCC,
// per-finger best at the same ISO position, mean over the probe's fingers).
// Candidates carry template_id 0 (a subject's score fuses several fingers).
// Errors: Accepts refuses a face gallery (FAILED_PRECONDITION; the desk asks
// before its gate); the factory's (INVALID_ARGUMENT undecodable, FAILED_PRECONDITION no
// fingerprint found, RESOURCE_EXHAUSTED too large) and the store's
// (FAILED_PRECONDITION a face gallery, NOT_FOUND unknown gallery or subject).
// Thread safety: one object per search, as FaceModality.

#ifndef CANDOR_SEARCH_DESK_FINGER_MODALITY_H_
#define CANDOR_SEARCH_DESK_FINGER_MODALITY_H_

#include <functional>
#include <string>
#include <vector>

#include "candor/finger_template.h"
#include "candor/gallery.h"
#include "search_desk/modality.h"

namespace candor {

using FingerProbeFactory = std::function<StatusOr<std::vector<finger::FingerTemplate>>()>;

class FingerModality final : public SearchModality {
 public:
  // Borrows `store`, which must outlive this object.
  FingerModality(const Store& store, FingerProbeFactory make_probe)
      : store_(store), make_probe_(std::move(make_probe)) {}

  Status Accepts(const GalleryInfo& gallery) const override;
  StatusOr<IdentifyResult> Identify(const std::string& gallery, int k,
                                    float threshold) const override;
  StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                float threshold) const override;

 private:
  const Store& store_;
  FingerProbeFactory make_probe_;
};

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_FINGER_MODALITY_H_
