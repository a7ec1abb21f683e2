// Copyright 2026 The Candor Authors.
//
// The modality-specific part of a search, behind one small interface: the
// probe turned into a template and the gallery's index queried. Everything
// else about a search (the gate, the threshold and rates, the record, the
// audit) is the search desk's (search_desk.h) and the same for every
// modality. The desk calls a modality only after governance allowed the
// search, so no biometric processing happens for a refused request.
//
//   FaceModality  the face pipeline's template (a ProbeFactory: decode, detect,
//                 align, embed; or a template file) searched in a Store.
//   FingerModality (finger_modality.h) the same over a finger gallery.
//
// Errors: a modality returns the probe's errors (INVALID_ARGUMENT
// undecodable, NOT_FOUND no face, RESOURCE_EXHAUSTED too large) and the
// index's (NOT_FOUND unknown gallery or subject, UNAVAILABLE). The desk
// audits every one of them as the search's failure.
// Thread safety: a modality object serves one search; make one per request.

#ifndef CANDOR_SEARCH_DESK_MODALITY_H_
#define CANDOR_SEARCH_DESK_MODALITY_H_

#include <functional>
#include <string>

#include "candor/gallery.h"
#include "candor/template.h"

namespace candor {

class SearchModality {
 public:
  virtual ~SearchModality() = default;
  // FAILED_PRECONDITION when `gallery` holds templates of another modality
  // (GalleryInfo::modality): the desk refuses such a search before its gate,
  // audited, and no probe is made.
  virtual Status Accepts(const GalleryInfo& gallery) const = 0;
  // 1:N: up to `k` distinct subjects scoring >= `threshold`, best first, and
  // the gallery's size (IdentifyResult.gallery_subjects).
  virtual StatusOr<IdentifyResult> Identify(const std::string& gallery, int k,
                                            float threshold) const = 0;
  // 1:N at a threshold computed from the gallery as the search finds it
  // (Store::IdentifyWithGallery; the desk's calibration). The default reads
  // the gallery from `store` (the desk's), then calls Identify; a modality
  // over a Store overrides it to ask once (one round trip on a cluster).
  virtual StatusOr<Store::GallerySearch> IdentifyWithGallery(
      const Store& store, const std::string& gallery, int k,
      const Store::ThresholdOf& threshold_of) const;
  // 1:1 against every template of `subject_id`; NOT_FOUND for a subject the
  // gallery does not hold (the desk answers that like a non-match).
  virtual StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                        float threshold) const = 0;
};

// Makes the probe's template; called at most once per search, after the gate.
using ProbeFactory = std::function<StatusOr<Template>()>;

class FaceModality final : public SearchModality {
 public:
  // Borrows `store`, which must outlive this object.
  FaceModality(const Store& store, ProbeFactory make_probe)
      : store_(store), make_probe_(std::move(make_probe)) {}

  Status Accepts(const GalleryInfo& gallery) const override;
  StatusOr<IdentifyResult> Identify(const std::string& gallery, int k,
                                    float threshold) const override;
  StatusOr<Store::GallerySearch> IdentifyWithGallery(
      const Store& store, const std::string& gallery, int k,
      const Store::ThresholdOf& threshold_of) const override;  // store_'s, one call
  StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                float threshold) const override;

 private:
  const Store& store_;
  ProbeFactory make_probe_;
};

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_MODALITY_H_
