// Copyright 2026 The Candor Authors.
//
// POST /v1/galleries/{gallery}/calibration: in-gallery calibration of a
// gallery by an admin (search_desk/recalibrate.h, the same run as `candor
// calibrate --gallery`), audited as "gallery.calibrate" with counts only.
// The searches after it take their thresholds and rates from it. The
// reviewed outcomes come from the service's own search record.

#include "search_desk/recalibrate.h"
#include "server/service_internal.h"

namespace candor::server {

ApiResponse HandleCalibrateGallery(Ctx& c) {
  const char* action = "gallery.calibrate";
  if (Status s = CheckRole(c, {Role::kAdmin}, action); !s.ok()) return Refuse(c, action, s);
  auto body = ParseStrict(c.req.body.empty() ? "{}" : c.req.body,
                          {{"sample", JType::kInt, false},
                           {"pair_subjects", JType::kInt, false},
                           {"seed", JType::kString, false},
                           {"duplicate_score", JType::kNumber, false},
                           {"group_attribute", JType::kString, false},
                           {"policy", JType::kString, false},
                           {"refresh_growth", JType::kNumber, false},
                           {"if_stale", JType::kBool, false},
                           {"dry_run", JType::kBool, false},
                           {"min_reviewed_searches", JType::kInt, false}});
  if (!body.ok()) return Refuse(c, action, body.status());
  const SearchCalibration* cal = ServiceRoutes::Options(c).calibration.get();
  if (cal == nullptr) return ErrorResponse(UnavailableError("no calibrations configured"));
  RecalibrationRequest r;
  r.gallery = c.params[0];
  GalleryCalibrationOptions& o = r.options;
  o.sample_subjects = body->value("sample", int64_t(o.sample_subjects));
  o.pair_subjects = body->value("pair_subjects", int64_t(o.pair_subjects));
  o.seed = body->value("seed", o.seed);
  o.duplicate_score = body->value("duplicate_score", o.duplicate_score);
  o.group_attribute = body->value("group_attribute", std::string());
  o.refresh_growth = body->value("refresh_growth", o.refresh_growth);
  r.policy = body->value("policy", std::string());
  r.if_stale = body->value("if_stale", false);
  r.dry_run = body->value("dry_run", false);
  // The reviewed outcomes of the service's past searches (its search record).
  const int64_t min_reviewed = body->value("min_reviewed_searches", int64_t(100));
  if (min_reviewed < 10 || min_reviewed > 100'000'000) {
    return Refuse(c, action,
                  InvalidArgumentError("min_reviewed_searches must be in [10, 100000000]"));
  }
  r.reviewed.min_searches = static_cast<uint64_t>(min_reviewed);
  if (auto book = ServiceRoutes::Book(c); book.ok()) r.book = *book;
  // The CLI's bounds (candor calibrate --gallery).
  if (o.sample_subjects < 16 || o.sample_subjects > 10'000'000 || o.pair_subjects < 16 ||
      o.pair_subjects > 20'000 || !(o.refresh_growth >= 0.001 && o.refresh_growth <= 10.0)) {
    return Refuse(c, action,
                  InvalidArgumentError("sample must be in [16, 10000000], pair_subjects in "
                                       "[16, 20000], refresh_growth in [0.001, 10]"));
  }
  auto done = RecalibrateGallery(ServiceRoutes::GalleryStore(c), r, *cal);
  if (!done.ok()) return Refuse(c, action, done.status());
  if (Status s = AuditAllowed(c, action, done->audit_detail, r.gallery); !s.ok()) {
    return ErrorResponse(s);
  }
  return JsonResponse(r.dry_run || !done->summary.value("recalibrated", false) ? 200 : 201,
                      done->summary);
}

}  // namespace candor::server
