// Copyright 2026 The Candor Authors.

#include "search_desk/search_desk.h"

#include <algorithm>

#include "common/hash.h"
#include "common/iso_time.h"

namespace candor {

namespace {

using nlohmann::json;

AuditEntry Entry(const Principal& who, const SearchRequest& r, const std::string& action) {
  AuditEntry e;
  e.actor = who.username;
  e.role = std::string(RoleName(who.role));
  e.action = action;
  e.authorization_id = r.authorization_id;
  e.gallery = r.gallery;
  e.probe_hash = r.probe_hash;
  return e;
}

// The requester's view (the Search schema of docs/openapi.yaml, without
// candidates), as the record keeps it.
json RequesterView(Governance& gov, const Principal& who, const SearchRequest& req,
                   const CompletedSearch& d, bool none, int64_t count, int64_t now_ms) {
  json j = {{"id", d.ticket.search_id},
            {"kind", std::string(SearchKindName(req.kind))},
            {"label", d.ticket.label},
            {"status", none ? "no_candidate" : "pending_review"},
            {"outcome", none ? "no_candidate" : "candidates"},
            {"no_candidate_above_threshold", none},
            {"candidate_count", count},
            {"threshold", d.threshold.value},
            {"threshold_calibration", d.threshold.calibration},
            {"threshold_source", d.threshold.source},
            {"gallery", req.gallery},
            {"requester", who.username},
            {"created_at", IsoTime(now_ms)}};
  if (d.threshold.stale) j["threshold_stale"] = true;
  if (!req.authorization_id.empty()) {
    j["authorization_id"] = req.authorization_id;
    if (auto a = gov.GetAuthorization(req.authorization_id); a.ok()) {
      j["case_id"] = a->spec.case_id;
    }
  }
  return j;
}

// Which index answered (candor/index.h), from the gallery as the search found
// it: the spec part of Index::Describe(), whether it compared every template,
// and for the compressed index its measured recall setting. The compressed
// index can only miss a template; every score it returns is exact.
json IndexAnswered(const GalleryInfo& g) {
  json j = {{"name", g.index.substr(0, g.index.find(' '))}, {"exact", g.index_recall.exact}};
  if (!g.index_recall.exact) {
    const RecallReport& r = g.index_recall;
    j["recall"] = {{"target", r.target},   {"measured", r.measured}, {"lower95", r.lower95},
                   {"probes", r.probes},   {"nprobe", r.nprobe},     {"nlist", r.nlist},
                   {"rerank", r.rerank},   {"measured_at", r.measured_at}};
  }
  return j;
}

}  // namespace

SearchDesk::SearchDesk(Governance& gov, const Store& store,
                       std::shared_ptr<const SearchCalibration> calibration, SearchBook* book,
                       SearchDeskOptions options)
    : gov_(gov),
      store_(store),
      calibration_(std::move(calibration)),
      book_(book),
      options_(std::move(options)) {}

int64_t SearchDesk::Now() const { return options_.clock ? options_.clock() : gov_.Now(); }

// The gallery must exist and hold the probe's modality before the gate (a
// precise 404 or 412, audited). `current`: with its counts as of now (else
// Store::CheckGallery, which a cluster answers without asking the shards).
StatusOr<GalleryInfo> SearchDesk::GalleryOrRefuse(const Principal& who, const SearchRequest& r,
                                                  const SearchModality& modality,
                                                  bool current) const {
  auto g = current ? store_.GetGallery(r.gallery) : store_.CheckGallery(r.gallery);
  Status refused = g.ok() ? modality.Accepts(*g) : g.status();
  if (!refused.ok()) {
    AuditEntry e = Entry(who, r, "search." + std::string(SearchKindName(r.kind)));
    e.decision = "deny";
    e.outcome = "refused";
    e.reason = refused.message();
    (void)gov_.Audit(std::move(e));
    return refused;
  }
  return g;
}

Status SearchDesk::Failed(const Principal& who, const SearchRequest& r,
                          const std::string& search_id, const Status& why) const {
  AuditEntry e = Entry(who, r, "search.probe_failed");
  e.decision = "allow";
  e.outcome = "error";
  e.reason = "search " + search_id + ": " + why.message();
  (void)gov_.Audit(std::move(e));
  return why;
}

void SearchDesk::Seal(CompletedSearch& done) const {
  done.recorded = book_ != nullptr
                      ? book_->Put(done.record)
                      : FailedPreconditionError("no search record kept (no search book)");
}

StatusOr<CompletedSearch> SearchDesk::Identify(const Principal& who, const SearchRequest& request,
                                               const SearchModality& modality) const {
  if (request.kind != SearchKind::kIdentify && request.kind != SearchKind::kDuplicateCheck) {
    return InvalidArgumentError("not a 1:N request");
  }
  if (!calibration_) return FailedPreconditionError("no thresholds configured");
  CANDOR_RETURN_IF_ERROR(GalleryOrRefuse(who, request, modality, /*current=*/false).status());
  CompletedSearch d;
  CANDOR_ASSIGN_OR_RETURN(d.ticket, gov_.BeginSearch(who, request));
  auto fail = [&](const Status& s) { return Failed(who, request, d.ticket.search_id, s); };
  // The threshold from the gallery as the search finds it (its size): one
  // request per shard on a cluster, not a gallery read and then a search.
  auto threshold_of = [&](const GalleryInfo& g) -> StatusOr<float> {
    CANDOR_ASSIGN_OR_RETURN(d.threshold, calibration_->ThresholdFor(g, request.kind));
    return d.threshold.value;
  };
  auto r = modality.IdentifyWithGallery(store_, request.gallery, d.ticket.candidate_list_size,
                                        threshold_of);
  if (!r.ok()) return fail(r.status());
  const GalleryInfo g = std::move(r->gallery);
  d.result = std::move(r->result);
  std::vector<LeadCandidate> cands;
  for (const auto& c : d.result.candidates) {
    auto ref = store_.SubjectRef(request.gallery, c.subject_id);
    if (!ref.ok()) return fail(ref.status());  // deleted meanwhile
    cands.push_back({*ref, c.score});
    d.candidate_refs.push_back(std::move(ref).value());
  }
  CANDOR_RETURN_IF_ERROR(gov_.RecordResult(d.ticket.search_id, cands));

  // The sealed record, with the error rate of each score at this gallery's
  // size from the calibration the threshold came from.
  const int64_t now = Now();
  const int64_t n = std::max<int64_t>(1, d.result.gallery_subjects);
  const bool none = d.result.candidates.empty();
  d.record.id = d.ticket.search_id;
  d.record.requester = who.username;
  d.record.created_ms = now;
  d.record.summary = RequesterView(gov_, who, request, d, none,
                                   static_cast<int64_t>(d.result.candidates.size()), now);
  d.record.summary["gallery_size"] = d.result.gallery_subjects;
  d.record.scoring = {{"model_id", g.model_id},
                      {"model_sha256", HexEncode(g.model_sha256)},
                      {"subject_score", g.subject_score}};
  d.record.summary["index"] = IndexAnswered(g);
  if (auto t = calibration_->RateOf(g, request.kind, d.result.threshold, n); t.ok()) {
    d.record.summary["threshold_fpir"] = t->value;
  }
  for (size_t i = 0; i < d.result.candidates.size(); ++i) {
    const auto& c = d.result.candidates[i];
    BookedCandidate bc{c.subject_id, c.record_ref, c.score, c.template_id, {}, "",
                       d.candidate_refs[i]};
    if (auto rate = calibration_->RateOf(g, request.kind, c.score, n); rate.ok()) {
      bc.fpir = rate->value;
      bc.fpir_basis = rate->basis;
    }
    d.record.candidates.push_back(std::move(bc));
  }
  Seal(d);
  return d;
}

StatusOr<CompletedSearch> SearchDesk::Verify(const Principal& who, const SearchRequest& request,
                                             const std::string& subject_id,
                                             const SearchModality& modality) const {
  if (request.kind != SearchKind::kVerify) return InvalidArgumentError("not a verify request");
  if (!calibration_) return FailedPreconditionError("no thresholds configured");
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, GalleryOrRefuse(who, request, modality, /*current=*/true));
  CompletedSearch d;
  CANDOR_ASSIGN_OR_RETURN(d.ticket, gov_.BeginSearch(who, request));
  auto fail = [&](const Status& s) { return Failed(who, request, d.ticket.search_id, s); };
  auto thr = calibration_->ThresholdFor(g, SearchKind::kVerify);
  if (!thr.ok()) return fail(thr.status());
  d.threshold = std::move(thr).value();
  auto r = modality.Verify(request.gallery, subject_id, d.threshold.value);
  if (!r.ok() && r.status().code() == Code::kNotFound && store_.GetGallery(request.gallery).ok()) {
    VerifyResult none;  // no such subject: the same answer as a non-match
    none.score = -1.0f;
    none.threshold = d.threshold.value;
    r = none;
  }
  if (!r.ok()) return fail(r.status());
  d.verify = std::move(r).value();
  // A match names an existing subject: recorded by its keyed reference.
  std::vector<LeadCandidate> cands;
  if (d.verify.match) {
    auto k = store_.SubjectRef(request.gallery, subject_id);
    if (!k.ok()) return fail(k.status());
    d.subject_ref = std::move(k).value();
    cands.push_back({d.subject_ref, d.verify.score});
  }
  CANDOR_RETURN_IF_ERROR(gov_.RecordResult(d.ticket.search_id, cands));

  const int64_t now = Now();
  const bool none = !d.verify.match;
  d.record.id = d.ticket.search_id;
  d.record.requester = who.username;
  d.record.created_ms = now;
  json& j = d.record.summary;
  j = RequesterView(gov_, who, request, d, none, none ? 0 : 1, now);
  // The gallery's policy decides who learns the result (IsOperatorDecision):
  // under consent the operator gets the decision, and the score with its FMR
  // for a match only (a non-match and an unknown subject answer alike);
  // otherwise the candidate goes to review like an identify's.
  if (IsOperatorDecision(request)) {
    j["status"] = "decided";
    j["match"] = d.verify.match;
    if (d.verify.match) {
      j["score"] = d.verify.score;
      if (auto rate = calibration_->RateOf(g, SearchKind::kVerify, d.verify.score, 1); rate.ok()) {
        j["fmr"] = rate->value;
        j["fmr_basis"] = rate->basis;
      }
    }
  } else if (!none) {
    BookedCandidate bc;
    bc.subject_id = subject_id;
    bc.subject_ref = d.subject_ref;
    bc.score = d.verify.score;
    bc.template_id = d.verify.best_template_id;
    d.record.candidates.push_back(std::move(bc));
  }
  Seal(d);
  return d;
}

}  // namespace candor
