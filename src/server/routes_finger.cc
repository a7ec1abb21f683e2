// Copyright 2026 The Candor Authors.
//
// Fingerprints over the API: POST /v1/galleries/{gallery}/subjects on a
// finger gallery (modality "finger") enrolls the finger in the "image" field
// (an image of one finger at "dpi", default 500, at ISO position
// "finger_position" 0..10); "append": true adds it to an enrolled subject
// (several fingers per subject). The same role, audit and refusal rules as a
// face enrollment (routes_accounts.cc); the image is kept, sealed, for
// examiners. A print with no usable ridge area is 422.

#include "candor/finger.h"
#include "common/hash.h"
#include "server/service_internal.h"

namespace candor::server {

ApiResponse EnrollFinger(Ctx& c, const std::string& gallery, const json& body,
                         const std::string& image) {
  const char* action = "gallery.enroll";
  finger::ExtractOptions o;
  o.dpi = body.value("dpi", 500.0);
  o.finger_position = static_cast<int>(body.value("finger_position", int64_t{0}));
  if (o.finger_position < 0 || o.finger_position > finger::kMaxFingerPosition) {
    return Refuse(c, action, InvalidArgumentError("finger_position must be in [0, 10]"));
  }
  auto ex = finger::ExtractFinger(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image.data()), image.size()), o);
  if (!ex.ok()) {
    if (ex.status().code() == Code::kFailedPrecondition) {
      return Refuse(c, action,
                    InvalidArgumentError("no usable fingerprint: " + ex.status().message()), 422);
    }
    return Refuse(c, action, ex.status(), ImageHttpStatus(ex.status()));
  }
  EnrollRequest er;
  er.subject_id = body["subject_id"];
  er.record_ref = body.value("record_ref", std::string());
  er.append_to_existing = body.value("append", false);
  if (er.append_to_existing && !er.record_ref.empty()) {
    return Refuse(c, action, InvalidArgumentError("record_ref only with a new subject"));
  }
  TemplateInput ti;
  ti.finger = ex->tmpl;
  ti.capture_date = body.value("capture_date", std::string());
  ti.quality = static_cast<float>(ex->quality.score);
  ti.image_sha256 = Sha256(std::string_view(image));
  if (image.size() <= kMaxStoredImageBytes) ti.image.assign(image.begin(), image.end());
  er.templates.push_back(std::move(ti));
  Status s = ServiceRoutes::GalleryStore(c).Enroll(gallery, std::span<const EnrollRequest>(&er, 1));
  if (!s.ok()) return Refuse(c, action, s);
  if (Status a = AuditAllowed(c, action,
                              er.append_to_existing ? "1 finger added to an enrolled subject"
                                                    : "1 subject enrolled with 1 finger",
                              gallery);
      !a.ok()) {
    return ErrorResponse(a);  // enrolled, but said so only by the error: as faces (AuditOk)
  }
  const finger::FingerQuality& q = ex->quality;
  return JsonResponse(201, {{"gallery", gallery},
                            {"subject_id", er.subject_id},
                            {"modality", kFingerModality},
                            {"finger_position", o.finger_position},
                            {"minutiae", ex->tmpl.minutiae.size()},
                            {"finger_quality",
                             {{"score", q.score},
                              {"issues", q.issues},
                              {"minutia_count", q.minutia_count},
                              {"usable_area_mm2", q.usable_area_mm2}}}});
}

}  // namespace candor::server

