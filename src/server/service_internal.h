// Copyright 2026 The Candor Authors.
//
// Internals shared by the service's route files: the per-request context,
// error responses, role checks and JSON encoders of the API's schemas
// (docs/openapi.yaml). Not a public API.

#ifndef CANDOR_SERVER_SERVICE_INTERNAL_H_
#define CANDOR_SERVER_SERVICE_INTERNAL_H_

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "candor/face.h"
#include "candor/gallery.h"
#include "candor/govern.h"
#include "candor/server.h"
#include "server/json_util.h"
#include "search_desk/finger_modality.h"
#include "search_desk/search_book.h"
#include "search_desk/search_desk.h"

namespace candor {

struct Service::Ctx {
  const ApiRequest& req;
  Service& svc;
  std::string route;                // route template, e.g. "/v1/searches/{id}"
  std::vector<std::string> params;  // path parameters in order
  std::optional<Principal> who;     // set for authenticated routes
  std::string search_outcome;       // for metrics: set by identify/verify
};

namespace server {

using Ctx = Service::Ctx;
using nlohmann::json;

// 429 with Retry-After for an authentication attempt the throttle refused
// unchecked (`wait_ms` from AuthThrottle::Check).
ApiResponse Throttled(int64_t wait_ms);

// {"error": {...}} with HttpStatus(code) unless `http` overrides it.
ApiResponse ErrorResponse(const Status& s, int http = 0);
ApiResponse JsonResponse(int status, const json& body);

// An audit entry for a refusal decided by the server itself (malformed input,
// size limits, rate limits, role checks outside governance), then the error.
ApiResponse Refuse(Ctx& ctx, const std::string& action, const Status& s, int http = 0);

// An "allow / ok" audit entry for an action the server performs itself (an
// auditor's read, a quality check, an account or gallery change), by the
// signed-in caller, with `detail` as the reason. The caller must not go on when
// it fails: nothing unaudited.
Status AuditAllowed(Ctx& ctx, const std::string& action, const std::string& detail,
                    const std::string& gallery = {});

// The base64 "image" field of a parsed body, admitted for processing: bytes
// within max_image_bytes and pixels (read from the header, nothing decoded)
// within the decoder's and the service's max_image_pixels (else 413: a retry
// of the same image cannot succeed); then its cost in megapixels taken from
// the caller's image budget (else 429 with Retry-After). nullopt when refused:
// *refused is then the answer, audited under `action`.
std::optional<std::string> AdmitImage(Ctx& c, const json& body, const char* action,
                                      ApiResponse* refused);
// 413 for a RESOURCE_EXHAUSTED from decoding an image (too large), else 0.
int ImageHttpStatus(const Status& s);

// PERMISSION_DENIED unless the caller has one of `roles`.
Status CheckRole(const Ctx& ctx, std::initializer_list<Role> roles, const char* action);

json AccountJson(const Account& a);
// `usable` is for `viewer` when given: false for anyone the authorization does
// not name (MayUse).
json AuthorizationJson(const Authorization& a, int64_t now_ms, int64_t exigent_window_ms,
                       const std::string& viewer = {});
json GalleryJson(const GalleryInfo& g);
json ReviewJson(const Review& r);
json LeadJson(const Lead& l);
json QualityJson(const FaceQuality& q);

// Route handlers (one group per file).
ApiResponse HandleSignIn(Ctx& c);
ApiResponse HandleSignOut(Ctx& c);
ApiResponse HandleWhoami(Ctx& c);
ApiResponse HandleListAccounts(Ctx& c);
ApiResponse HandleCreateAccount(Ctx& c);
ApiResponse HandleUpdateAccount(Ctx& c);
ApiResponse HandleCreateApiToken(Ctx& c);
ApiResponse HandleChangePassword(Ctx& c);
ApiResponse HandleListGalleries(Ctx& c);
ApiResponse HandleCreateGallery(Ctx& c);
ApiResponse HandleGetGallery(Ctx& c);
ApiResponse HandleUpdateGallery(Ctx& c);
ApiResponse HandleRetuneGallery(Ctx& c);
ApiResponse HandleEnroll(Ctx& c);
// HandleEnroll's path for a finger gallery (routes_finger.cc): `body` parsed,
// `image` admitted, the caller's role checked.
ApiResponse EnrollFinger(Ctx& c, const std::string& gallery, const json& body,
                         const std::string& image);
// A finger gallery's search probe: the one print in `image` at `dpi`, at ISO
// position `finger_position` (0: unknown, compared with every enrolled
// finger); sets *no_print when it holds no usable ridge area, *image_failed
// when it cannot be decoded. `image` must outlive the factory.
FingerProbeFactory MakeFingerProbe(const std::string& image, double dpi, int finger_position,
                                   bool* no_print, bool* image_failed);
// The optional finger fields of a search body ("dpi" 250..1200, default 500;
// "finger_position" 0..10); `given` when either is present (a face gallery
// refuses them). INVALID_ARGUMENT out of range.
struct FingerProbeFields {
  double dpi = 500;
  int finger_position = 0;
  bool given = false;
};
StatusOr<FingerProbeFields> ParseFingerProbeFields(const json& body);
ApiResponse HandleCalibrateGallery(Ctx& c);
ApiResponse HandleDeleteSubject(Ctx& c);
ApiResponse HandleListAuthorizations(Ctx& c);
ApiResponse HandleCreateAuthorization(Ctx& c);
ApiResponse HandleGetAuthorization(Ctx& c);
ApiResponse HandleApproveAuthorization(Ctx& c);
ApiResponse HandleRevokeAuthorization(Ctx& c);
ApiResponse HandleBackAuthorization(Ctx& c);
ApiResponse HandleSetCase(Ctx& c);
ApiResponse HandleQuality(Ctx& c);
ApiResponse HandleIdentify(Ctx& c);
ApiResponse HandleVerify(Ctx& c);
ApiResponse HandleListSearches(Ctx& c);
ApiResponse HandleGetSearch(Ctx& c);
ApiResponse HandleGetProbe(Ctx& c);
ApiResponse HandleGetCandidateImage(Ctx& c);
ApiResponse HandleGetCandidateMinutiae(Ctx& c);  // routes_finger.cc
ApiResponse HandleReview(Ctx& c);
ApiResponse HandleGetLead(Ctx& c);
ApiResponse HandleAudit(Ctx& c);
ApiResponse HandleAuditVerify(Ctx& c);
ApiResponse HandleTransparency(Ctx& c);
ApiResponse HandleMetrics(Ctx& c);
ApiResponse HandleHealth(Ctx& c);

}  // namespace server

// Access to Service's private members for the route files.
struct ServiceRoutes {
  static Governance& Gov(Service::Ctx& c) { return *c.svc.gov_; }
  static Store& GalleryStore(Service::Ctx& c) { return *c.svc.store_; }
  static const Pipeline* Pipe(Service::Ctx& c) { return c.svc.pipeline_; }
  static const ServerOptions& Options(Service::Ctx& c) { return c.svc.options_; }
  static server::Metrics& MetricsOf(Service::Ctx& c) { return *c.svc.metrics_; }
  static server::ProbeVault& Vault(Service::Ctx& c) { return *c.svc.vault_; }
  static server::AuthThrottle& Throttle(Service::Ctx& c) { return *c.svc.auth_throttle_; }
  static server::RateLimiter& ImageBudget(Service::Ctx& c) { return *c.svc.image_budget_; }
  // The service's search records (search_book.h); UNAVAILABLE if the book
  // could not be opened at start (the reason is logged and returned).
  static const SearchDesk& Desk(Service::Ctx& c) { return *c.svc.desk_; }
  static StatusOr<SearchBook*> Book(Service::Ctx& c) {
    if (!c.svc.book_) return UnavailableError("search records unavailable: " +
                                              c.svc.book_status_.message());
    return c.svc.book_.get();
  }
};

}  // namespace candor

#endif  // CANDOR_SERVER_SERVICE_INTERNAL_H_
