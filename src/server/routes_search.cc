// Copyright 2026 The Candor Authors.
//
// Quality check, identify, verify, searches, two-person review and leads.
// The requester never sees candidates before release; examiners and
// supervisors (not the requester) see them for review; auditors never do.

#include <optional>

#include <spdlog/spdlog.h>

#include "candor/pipeline.h"
#include "common/hash.h"
#include "search_desk/review.h"
#include "server/probe_vault.h"
#include "server/service_internal.h"

namespace candor::server {

namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The stored photo's type by its first bytes (the server keeps the bytes sent).
const char* ContentTypeOf(const std::string& img) {
  if (img.size() > 3 && img.compare(0, 3, "\xff\xd8\xff") == 0) return "image/jpeg";
  if (img.size() > 4 && img.compare(0, 4, "\x89PNG") == 0) return "image/png";
  if (img.size() > 12 && img.compare(0, 4, "RIFF") == 0 && img.compare(8, 4, "WEBP") == 0) {
    return "image/webp";
  }
  return "application/octet-stream";  // BMP, TIFF, PGM: as sent
}

std::string StatusOf(const SearchRecord& r) {
  if (r.purged_ms) return "purged";
  if (r.outcome == SearchOutcome::kRefused) return "refused";
  if (r.released_ms) return "lead_released";
  if (r.outcome == SearchOutcome::kNoCandidate) return "no_candidate";
  return "pending_review";
}

json CandidateReviewsJson(const BookedSearch* b, const std::string& subject) {
  json arr = json::array();
  if (b == nullptr) return arr;
  for (const auto& r : b->reviews) {
    if (r.subject_id != subject) continue;
    arr.push_back({{"reviewer", r.reviewer},
                   {"reviewer_role", r.reviewer_role},
                   {"subject_id", r.subject_id},
                   {"decision", r.decision},
                   {"notes", r.notes},
                   {"created_at", IsoTime(r.created_ms)}});
  }
  return arr;
}

json LeadFromBook(const BookedSearch& b);

// The booked candidate governance knows by `ref` (null if none or no book).
const BookedCandidate* BookedByRef(const BookedSearch* b, const std::string& ref) {
  if (b == nullptr) return nullptr;
  for (const auto& bc : b->candidates) {
    if (bc.GovernanceRef() == ref) return &bc;
  }
  return nullptr;
}

// Governance's lead with subject ids from the sealed record: confirmed
// references mapped to ids, reviews (with their notes) as the service kept
// them. Without a record, governance's lead as it is.
json LeadView(const Lead& l, const BookedSearch* b) {
  if (b == nullptr) return LeadJson(l);
  json j = LeadFromBook(*b);
  json ids = json::array();
  for (const auto& ref : l.confirmed_subject_refs) {
    const BookedCandidate* bc = BookedByRef(b, ref);
    ids.push_back(bc != nullptr ? bc->subject_id : ref);
  }
  j["confirmed_subject_ids"] = ids;
  j["label"] = l.label;
  return j;
}

json LeadFromBook(const BookedSearch& b) {
  json reviews = json::array();
  for (const auto& r : b.reviews) {
    reviews.push_back({{"reviewer", r.reviewer},
                       {"reviewer_role", r.reviewer_role},
                       {"subject_id", r.subject_id},
                       {"decision", r.decision},
                       {"notes", r.notes},
                       {"created_at", IsoTime(r.created_ms)}});
  }
  return {{"search_id", b.id},
          {"confirmed_subject_ids", b.ConfirmedSubjects()},
          {"reviews", reviews},
          {"label", std::string(kLeadLabel)}};
}

// The examiner's view: governance's record (who may see it, the candidates,
// purge state) with what the service recorded beside it (threshold, gallery
// size, FPIR of each score, reviews so far). `b` may be null (a search from
// before the service kept records, or records unavailable).
json ReviewView(Ctx& c, const SearchRecord& r, const BookedSearch* b) {
  json cands = json::array();
  int rank = 1;
  for (const auto& cand : r.candidates) {
    // Governance knows the candidate by its keyed reference; the id shown
    // comes from the service's sealed record.
    const BookedCandidate* bc = BookedByRef(b, cand.subject_ref);
    const std::string& subject = bc != nullptr ? bc->subject_id : cand.subject_ref;
    json j = {{"rank", rank++}, {"subject_id", subject}, {"score", cand.score}};
    if (bc != nullptr) {
      if (!bc->record_ref.empty()) j["record_ref"] = bc->record_ref;
      if (bc->fpir) {
        j["fpir"] = *bc->fpir;
        j["fpir_basis"] = bc->fpir_basis;
      }
    }
    j["reviews"] = CandidateReviewsJson(b, subject);
    cands.push_back(std::move(j));
  }
  std::string status = StatusOf(r);
  if (b != nullptr && status == "pending_review") status = b->StatusName();
  json j = {{"id", r.id},
            {"kind", std::string(SearchKindName(r.kind))},
            {"label", std::string(kLeadLabel)},
            {"status", status},
            {"outcome", std::string(SearchOutcomeName(r.outcome))},
            {"no_candidate_above_threshold", r.outcome == SearchOutcome::kNoCandidate},
            {"candidate_count", static_cast<int64_t>(r.candidates.size())},
            {"gallery", r.gallery},
            {"requester", r.requester},
            {"created_at", IsoTime(r.created_ms)},
            {"candidates", cands}};
  if (b != nullptr && b->summary.is_object()) {
    for (const char* k : {"threshold", "threshold_fpir", "gallery_size", "threshold_calibration",
                          "threshold_source", "threshold_stale", "index"}) {
      if (b->summary.contains(k)) j[k] = b->summary[k];
    }
  }
  if (!r.authorization_id.empty()) j["authorization_id"] = r.authorization_id;
  if (!r.case_id.empty()) j["case_id"] = r.case_id;
  if (r.retain_until_ms) j["retain_until"] = IsoTime(r.retain_until_ms);
  if (r.basis == "exigent" && !r.purged_ms) {
    auto a = ServiceRoutes::Gov(c).GetAuthorization(r.authorization_id);
    if (a.ok() && a->backed_by.empty()) {
      j["exigent_deadline"] =
          IsoTime(a->created_ms + ServiceRoutes::Gov(c).policy().exigent_window_ms);
    }
  }
  if (b != nullptr && !b->candidates.empty() &&
      (status == "pending_review" || status == "lead_released")) {
    j["review_state"] = b->ReviewState();
  }
  if (status == "lead_released" && b != nullptr) j["lead"] = LeadFromBook(*b);
  return j;
}

// The service's record of a search, or null when it has none (logged if the
// book fails for another reason than absence).
std::optional<BookedSearch> Booked(Ctx& c, const std::string& id) {
  auto book = ServiceRoutes::Book(c);
  if (!book.ok()) return std::nullopt;
  auto b = (*book)->Get(id);
  if (b.ok()) return std::move(b).value();
  if (b.status().code() != Code::kNotFound && b.status().code() != Code::kInvalidArgument) {
    spdlog::error(R"({{"event":"search_book_read_failed","code":"{}","message":{}}})",
                  CodeName(b.status().code()), json(b.status().message()).dump());
  }
  return std::nullopt;
}

// The requester's view of a booked search, with the status as of now.
json RequesterJson(const BookedSearch& b) {
  json j = b.summary;
  j["status"] = b.StatusName();
  if (!b.candidates.empty() && (j["status"] == "pending_review" || j["status"] == "lead_released")) {
    j["review_state"] = b.ReviewState();
  }
  return j;
}

// Turns the probe bytes into a template; marks "no face" for a 422 and a
// failed decode (a RESOURCE_EXHAUSTED there is a 413).
ProbeFactory MakeProbe(const Pipeline* pipe, const std::string& image, bool* no_face,
                       bool* image_failed) {
  return [pipe, &image, no_face, image_failed]() -> StatusOr<Template> {
    auto mat = pipe->Decode(Bytes(image));
    if (!mat.ok()) {
      *image_failed = true;
      return mat.status();
    }
    auto face = pipe->ProcessSingle(*mat);
    if (!face.ok()) {
      if (face.status().code() == Code::kNotFound) *no_face = true;
      return face.status();
    }
    return face->tmpl;
  };
}

ApiResponse SearchError(Ctx& c, const Status& s, bool no_probe, bool image_failed,
                        bool finger) {
  c.search_outcome = s.code() == Code::kPermissionDenied || s.code() == Code::kUnauthenticated
                         ? "refused"
                         : "error";
  if (no_probe) {
    return ErrorResponse(InvalidArgumentError(std::string("no usable ") +
                                              (finger ? "fingerprint" : "face") +
                                              " in the probe: " + s.message()),
                         422);
  }
  return ErrorResponse(s, image_failed ? ImageHttpStatus(s) : 0);
}

void KeepProbe(Ctx& c, const std::string& id, const std::string& image) {
  if (Status s = ServiceRoutes::Vault(c).Put(id, image); !s.ok()) {
    spdlog::error(R"({{"event":"probe_store_failed","message":{}}})", json(s.message()).dump());
  }
}

// The modality of `gallery` ("" when it does not exist: the desk refuses
// that search, audited).
std::string ModalityOf(Ctx& c, const std::string& gallery) {
  auto g = ServiceRoutes::GalleryStore(c).GetGallery(gallery);
  return g.ok() ? g->modality : std::string();
}

// Checks what a search of `gallery` needs before its probe is admitted: a
// face gallery refuses the finger fields (400) and needs the face pipeline
// (503). Null when the search may go on.
std::optional<ApiResponse> CheckModality(Ctx& c, const char* action, const std::string& modality,
                                         const FingerProbeFields& finger) {
  if (modality == kFingerModality) return std::nullopt;
  if (finger.given && !modality.empty()) {
    return Refuse(c, action,
                  InvalidArgumentError("finger_position and dpi are for finger galleries; this "
                                       "gallery holds faces"));
  }
  if (ServiceRoutes::Pipe(c) == nullptr) {
    return ErrorResponse(UnavailableError("no face pipeline loaded"));
  }
  return std::nullopt;
}

// Identify or verify through the search desk (search_desk.h): gate, probe,
// index, threshold and rates, the sealed record. The probe is a face or, for
// a finger gallery, one print (FingerModality); the desk is the same. The
// answer is the record's requester view; the probe image is kept (sealed) for
// the examiners.
ApiResponse RunSearch(Ctx& c, const SearchRequest& req, const std::string& subject,
                      const std::string& image, const std::string& modality,
                      const FingerProbeFields& finger) {
  if (!ServiceRoutes::Options(c).calibration) {
    return ErrorResponse(UnavailableError("no thresholds configured for searches"));
  }
  bool no_probe = false, image_failed = false;
  const Store& store = ServiceRoutes::GalleryStore(c);
  FaceModality face(store, MakeProbe(ServiceRoutes::Pipe(c), image, &no_probe, &image_failed));
  FingerModality print(store, MakeFingerProbe(image, finger.dpi, finger.finger_position,
                                              &no_probe, &image_failed));
  const bool is_finger = modality == kFingerModality;
  const SearchModality& m = is_finger ? static_cast<const SearchModality&>(print)
                                      : static_cast<const SearchModality&>(face);
  const SearchDesk& desk = ServiceRoutes::Desk(c);
  auto r = req.kind == SearchKind::kVerify ? desk.Verify(*c.who, req, subject, m)
                                           : desk.Identify(*c.who, req, m);
  if (!r.ok()) return SearchError(c, r.status(), no_probe, image_failed, is_finger);
  KeepProbe(c, r->ticket.search_id, image);
  if (!r->recorded.ok()) {
    spdlog::error(R"({{"event":"search_book_write_failed","code":"{}","message":{}}})",
                  CodeName(r->recorded.code()), json(r->recorded.message()).dump());
  }
  const bool none = req.kind == SearchKind::kVerify ? !r->verify.match
                                                    : r->result.candidates.empty();
  c.search_outcome = none ? "no_candidate" : "candidates";
  return JsonResponse(201, r->record.summary);
}

}  // namespace

ApiResponse HandleQuality(Ctx& c) {
  const char* action = "quality.check";
  if (Status s = CheckRole(
          c,
          {Role::kInvestigator, Role::kEnroller, Role::kExaminer, Role::kSupervisor, Role::kAdmin},
          action);
      !s.ok()) {
    return Refuse(c, action, s);
  }
  auto body = ParseStrict(c.req.body, {{"image", JType::kString, true}});
  if (!body.ok()) return Refuse(c, action, body.status());
  const Pipeline* pipe = ServiceRoutes::Pipe(c);
  if (pipe == nullptr) return ErrorResponse(UnavailableError("no face pipeline loaded"));
  ApiResponse refused;
  auto image = AdmitImage(c, *body, action, &refused);
  if (!image) return refused;
  auto mat = pipe->Decode(Bytes(*image));
  if (!mat.ok()) return Refuse(c, action, mat.status(), ImageHttpStatus(mat.status()));
  auto faces = pipe->Detect(*mat);
  if (!faces.ok()) return ErrorResponse(faces.status());
  json arr = json::array();
  for (const auto& f : *faces) {
    json lm = json::array();
    for (const auto& p : f.landmarks) lm.push_back({p.x, p.y});
    arr.push_back(
        {{"box",
          {{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.width}, {"height", f.box.height}}},
         {"landmarks", lm},
         {"detector_score", f.detector_score},
         {"cut_by_border", f.cut_by_border},
         {"quality", QualityJson(f.quality)}});
  }
  std::vector<std::string> issues;
  if (faces->empty()) issues.push_back("no face found");
  if (faces->size() > 1) issues.push_back("more than one face: the largest is used");
  if (!faces->empty()) {
    for (const auto& i : faces->front().quality.issues) issues.push_back(i);
  }
  const bool usable = !faces->empty() && faces->front().quality.issues.empty();
  // A face image was processed: audited, with counts only (no image, hash,
  // box or landmarks; nothing of the image is kept). One small append: the
  // web client checks a live camera frame every 1.5 s.
  const std::string detail = std::to_string(faces->size()) +
                             (faces->size() == 1 ? " face" : " faces") +
                             (usable ? ", usable" : ", not usable");
  if (Status s = AuditAllowed(c, action, detail); !s.ok()) {
    return ErrorResponse(s);  // no unaudited processing of a face image
  }
  return JsonResponse(200, {{"width", mat->cols},
                            {"height", mat->rows},
                            {"faces", arr},
                            {"usable", usable},
                            {"issues", issues}});
}

ApiResponse HandleIdentify(Ctx& c) {
  const char* action = "search.identify";
  auto body = ParseStrict(c.req.body, {{"authorization_id", JType::kString, true},
                                       {"gallery", JType::kString, true},
                                       {"image", JType::kString, true},
                                       {"k", JType::kInt, false},
                                       {"finger_position", JType::kInt, false},
                                       {"dpi", JType::kNumber, false}});
  if (!body.ok()) return Refuse(c, action, body.status());
  auto finger = ParseFingerProbeFields(*body);
  if (!finger.ok()) return Refuse(c, action, finger.status());
  // k: the candidate list size, within governance's policy range (absent: its
  // default). Checked here, before the probe is decoded, against the same
  // bounds BeginSearch enforces, so the message and the check agree.
  const PolicyParams& policy = ServiceRoutes::Gov(c).policy();
  const int64_t k = body->value("k", int64_t{policy.default_candidates});
  if (k < policy.min_candidates || k > policy.max_candidates) {
    return Refuse(c, action,
                  InvalidArgumentError("k must be in [" + std::to_string(policy.min_candidates) +
                                       ", " + std::to_string(policy.max_candidates) +
                                       "] (omit it for the policy default " +
                                       std::to_string(policy.default_candidates) + ")"));
  }
  const std::string modality = ModalityOf(c, (*body)["gallery"]);
  if (auto stop = CheckModality(c, action, modality, *finger)) return *stop;
  ApiResponse refused;
  auto image = AdmitImage(c, *body, action, &refused);
  if (!image) return refused;
  SearchRequest req;
  req.kind = SearchKind::kIdentify;
  req.gallery = (*body)["gallery"];
  req.authorization_id = (*body)["authorization_id"];
  req.candidate_list_size = static_cast<int>(k);
  req.probe_hash = HexDigest(Sha256(std::string_view(*image)));
  return RunSearch(c, req, "", *image, modality, *finger);
}

ApiResponse HandleVerify(Ctx& c) {
  const char* action = "search.verify";
  auto body = ParseStrict(c.req.body, {{"authorization_id", JType::kString, false},
                                       {"consent", JType::kBool, false},
                                       {"gallery", JType::kString, true},
                                       {"subject_id", JType::kString, true},
                                       {"image", JType::kString, true},
                                       {"finger_position", JType::kInt, false},
                                       {"dpi", JType::kNumber, false}});
  if (!body.ok()) return Refuse(c, action, body.status());
  auto finger = ParseFingerProbeFields(*body);
  if (!finger.ok()) return Refuse(c, action, finger.status());
  const std::string modality = ModalityOf(c, (*body)["gallery"]);
  if (auto stop = CheckModality(c, action, modality, *finger)) return *stop;
  ApiResponse refused;
  auto image = AdmitImage(c, *body, action, &refused);
  if (!image) return refused;
  SearchRequest req;
  req.kind = SearchKind::kVerify;
  req.gallery = (*body)["gallery"];
  req.authorization_id = body->value("authorization_id", std::string());
  req.consent_verify = body->value("consent", false);
  req.probe_hash = HexDigest(Sha256(std::string_view(*image)));
  return RunSearch(c, req, (*body)["subject_id"], *image, modality, *finger);
}

ApiResponse HandleListSearches(Ctx& c) {
  const char* action = "search.list";
  if (Status s = CheckRole(c, {Role::kInvestigator, Role::kExaminer, Role::kSupervisor}, action);
      !s.ok()) {
    return Refuse(c, action, s);
  }
  std::string status;
  if (auto it = c.req.query.find("status"); it != c.req.query.end()) status = it->second;
  auto book = ServiceRoutes::Book(c);
  if (!book.ok()) return ErrorResponse(book.status());
  // The caller's own requests, and for examiners and supervisors the others'
  // searches awaiting review (summaries only: candidates are seen, and
  // audited, one search at a time).
  auto mine = (*book)->List(c.who->username, "");
  if (!mine.ok()) return ErrorResponse(mine.status());
  std::vector<BookedSearch> all = std::move(mine).value();
  if (c.who->role == Role::kExaminer || c.who->role == Role::kSupervisor) {
    auto pending = (*book)->List("", "pending_review");
    if (!pending.ok()) return ErrorResponse(pending.status());
    for (auto& b : *pending) {
      if (b.requester != c.who->username) all.push_back(std::move(b));
    }
  }
  json arr = json::array();
  for (const auto& b : all) {
    json j = RequesterJson(b);
    if (!status.empty() && j["status"] != status) continue;
    arr.push_back(std::move(j));
  }
  return JsonResponse(200, {{"searches", arr}});
}

ApiResponse HandleGetSearch(Ctx& c) {
  const char* action = "search.view";
  const std::string& id = c.params[0];
  Governance& gov = ServiceRoutes::Gov(c);
  std::optional<BookedSearch> booked = Booked(c, id);
  const bool requester = booked && booked->requester == c.who->username;
  if (!requester && (c.who->role == Role::kExaminer || c.who->role == Role::kSupervisor)) {
    auto rec = gov.GetSearchForReview(*c.who, id);  // role, requester and purge checks; audited
    if (!rec.ok()) return ErrorResponse(rec.status());
    return JsonResponse(200, ReviewView(c, *rec, booked ? &*booked : nullptr));
  }
  if (!requester) {
    if (c.who->role == Role::kInvestigator) {
      // A search the service kept no record of (from before it kept them):
      // governance decides whether this caller gets its lead.
      auto lead = gov.ReleaseLead(*c.who, id);
      if (!lead.ok()) return ErrorResponse(lead.status());
      return JsonResponse(200, {{"id", id},
                                {"kind", "identify"},
                                {"label", lead->label},
                                {"status", "lead_released"},
                                {"outcome", "candidates"},
                                {"no_candidate_above_threshold", false},
                                {"candidate_count", lead->confirmed_subject_refs.size()},
                                {"gallery", ""},
                                {"created_at", IsoTime(0)},
                                {"lead", LeadJson(*lead)}});
    }
    return Refuse(c, action,
                  PermissionDeniedError("searches are visible to their requester, examiners and "
                                        "supervisors only"));
  }
  json mine = RequesterJson(*booked);
  // Only a lead the service has seen confirmed twice is asked for: polling a
  // search under review adds nothing to the audit log. Governance still
  // decides (and audits) the release itself.
  if (mine["status"] != "lead_released") return JsonResponse(200, mine);
  auto lead = gov.ReleaseLead(*c.who, id);
  if (lead.ok()) {
    mine["lead"] = LeadView(*lead, &*booked);
  } else if (lead.status().code() == Code::kFailedPrecondition &&
             lead.status().message().find("purged") != std::string::npos) {
    mine["status"] = "purged";
  } else if (lead.status().code() == Code::kFailedPrecondition) {
    mine["status"] = "pending_review";
  } else {
    return ErrorResponse(lead.status());
  }
  return JsonResponse(200, mine);
}

ApiResponse HandleGetProbe(Ctx& c) {
  auto rec = ServiceRoutes::Gov(c).GetSearchForReview(*c.who, c.params[0]);  // role + audit
  if (!rec.ok()) return ErrorResponse(rec.status());
  auto img = ServiceRoutes::Vault(c).Get(c.params[0]);
  if (!img.ok()) return ErrorResponse(img.status());
  ApiResponse r;
  r.content_type = ContentTypeOf(*img);
  r.body = std::move(img).value();
  return r;
}

ApiResponse HandleGetCandidateImage(Ctx& c) {
  auto rec = ServiceRoutes::Gov(c).GetSearchForReview(*c.who, c.params[0]);  // role + audit
  if (!rec.ok()) return ErrorResponse(rec.status());
  const std::string& rank_text = c.params[1];
  size_t rank = 0;
  if (rank_text.empty() || rank_text.size() > 4 ||
      rank_text.find_first_not_of("0123456789") != std::string::npos ||
      (rank = std::stoul(rank_text)) < 1) {
    return ErrorResponse(InvalidArgumentError("rank must be a positive integer"));
  }
  if (rank > rec->candidates.size()) {
    return ErrorResponse(
        NotFoundError("search '" + rec->id + "' has no candidate of rank " + rank_text));
  }
  const std::string& ref = rec->candidates[rank - 1].subject_ref;
  const Store& store = ServiceRoutes::GalleryStore(c);
  // The subject and the template the search matched (kept in the search
  // book), else the subject's first template with a kept photo.
  std::string subject = ref;
  std::optional<int64_t> template_id;
  std::optional<BookedSearch> b = Booked(c, rec->id);
  if (const BookedCandidate* bc = BookedByRef(b ? &*b : nullptr, ref)) {
    subject = bc->subject_id;
    if (bc->template_id > 0) template_id = bc->template_id;
  } else if (ref.rfind("sref:", 0) == 0) {
    auto id = store.SubjectIdForRef(rec->gallery, ref);
    if (!id.ok()) {
      return ErrorResponse(
          NotFoundError("candidate " + rank_text + " is no longer in the gallery (deleted)"));
    }
    subject = *id;
  }
  auto info = store.GetSubject(rec->gallery, subject, /*with_values=*/false);
  if (!info.ok()) {
    return ErrorResponse(
        info.status().code() == Code::kNotFound
            ? NotFoundError("candidate " + rank_text + " is no longer in the gallery (deleted)")
            : info.status());
  }
  bool kept = false;
  for (const auto& t : info->templates) {
    if (template_id && t.template_id == *template_id) kept = t.has_image;
  }
  if (!kept) {
    template_id.reset();
    for (const auto& t : info->templates) {
      if (t.has_image) {
        template_id = t.template_id;
        break;
      }
    }
  }
  if (!template_id) {
    return ErrorResponse(
        NotFoundError("the gallery kept no enrolment photo for this candidate (enrolled "
                      "without one, or before photos were kept)"));
  }
  auto img = store.GetImage(rec->gallery, subject, *template_id);
  if (!img.ok()) return ErrorResponse(img.status());
  ApiResponse r;
  r.body.assign(img->begin(), img->end());
  r.content_type = ContentTypeOf(r.body);
  return r;
}

ApiResponse HandleReview(Ctx& c) {
  const char* action = "lead.review";
  auto body = ParseStrict(c.req.body, {{"subject_id", JType::kString, true},
                                       {"decision", JType::kString, true},
                                       {"notes", JType::kString, true}});
  if (!body.ok()) return Refuse(c, action, body.status());
  const std::string d = (*body)["decision"];
  if (d != "confirm" && d != "reject") {
    return Refuse(c, action, InvalidArgumentError("decision must be confirm or reject"));
  }
  Governance& gov = ServiceRoutes::Gov(c);
  // Governance records the candidate's keyed reference and, for notes it
  // accepts, a placeholder; the notes and the id go to the sealed record
  // (search_desk/review.h): neither may name a subject in govern.db after
  // the subject is deleted.
  auto book = ServiceRoutes::Book(c);
  ReviewRequest request{c.params[0], (*body)["subject_id"],
                        d == "confirm" ? ReviewDecision::kConfirm : ReviewDecision::kReject,
                        (*body)["notes"], c.svc.Now()};
  auto recorded = RecordReview(gov, book.ok() ? *book : nullptr, *c.who, request);
  if (!recorded.ok()) return ErrorResponse(recorded.status());
  if (const Status& kept = recorded->kept; !kept.ok() && kept.code() != Code::kNotFound) {
    spdlog::error(R"({{"event":"search_book_write_failed","code":"{}","message":{}}})",
                  CodeName(kept.code()), json(kept.message()).dump());
  }
  auto rec = gov.GetSearchForReview(*c.who, c.params[0]);
  if (!rec.ok()) return ErrorResponse(rec.status());
  std::optional<BookedSearch> booked = Booked(c, c.params[0]);
  return JsonResponse(201, ReviewView(c, *rec, booked ? &*booked : nullptr));
}

ApiResponse HandleGetLead(Ctx& c) {
  auto lead = ServiceRoutes::Gov(c).ReleaseLead(*c.who, c.params[0]);
  if (!lead.ok()) return ErrorResponse(lead.status());
  std::optional<BookedSearch> b = Booked(c, c.params[0]);
  return JsonResponse(200, LeadView(*lead, b ? &*b : nullptr));
}

}  // namespace candor::server
