// Copyright 2026 The Candor Authors.

#include "server/governed_search.h"

namespace candor {

namespace {
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

// The gallery must exist before the gate (a precise 404, audited).
StatusOr<GalleryInfo> GalleryOrRefuse(Governance& gov, const Store& store, const Principal& who,
                                      const SearchRequest& r) {
  auto g = store.GetGallery(r.gallery);
  if (!g.ok()) {
    AuditEntry e =
        Entry(who, r, "search." + std::string(SearchKindName(r.kind)));
    e.decision = "deny";
    e.outcome = "refused";
    e.reason = g.status().message();
    (void)gov.Audit(std::move(e));
  }
  return g;
}

Status ProbeFailed(Governance& gov, const Principal& who, const SearchRequest& r,
                   const std::string& search_id, const Status& why) {
  AuditEntry e = Entry(who, r, "search.probe_failed");
  e.decision = "allow";
  e.outcome = "error";
  e.reason = "search " + search_id + ": " + why.message();
  (void)gov.Audit(std::move(e));
  return why;
}
}  // namespace

StatusOr<GovernedIdentifyResult> GovernedIdentify(Governance& gov, const Store& store,
                                                  const Principal& who,
                                                  const SearchRequest& request,
                                                  const ProbeFactory& make_probe,
                                                  const GalleryThreshold& threshold) {
  if (request.kind != SearchKind::kIdentify && request.kind != SearchKind::kDuplicateCheck) {
    return InvalidArgumentError("not a 1:N request");
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, GalleryOrRefuse(gov, store, who, request));
  CANDOR_ASSIGN_OR_RETURN(SearchTicket ticket, gov.BeginSearch(who, request));
  auto fail = [&](const Status& s) { return ProbeFailed(gov, who, request, ticket.search_id, s); };
  auto thr = threshold(g, request.kind);
  if (!thr.ok()) return fail(thr.status());
  auto probe = make_probe();
  if (!probe.ok()) return fail(probe.status());
  IdentifyParams p;
  p.k = ticket.candidate_list_size;
  p.threshold = *thr;
  auto r = store.Identify(request.gallery, *probe, p);
  if (!r.ok()) return fail(r.status());
  std::vector<LeadCandidate> cands;
  std::vector<std::string> refs;
  for (const auto& c : r->candidates) {
    auto ref = store.SubjectRef(request.gallery, c.subject_id);
    if (!ref.ok()) return fail(ref.status());  // deleted meanwhile
    cands.push_back({*ref, c.score});
    refs.push_back(std::move(ref).value());
  }
  CANDOR_RETURN_IF_ERROR(gov.RecordResult(ticket.search_id, cands));
  return GovernedIdentifyResult{std::move(ticket), std::move(r).value(), std::move(refs)};
}

StatusOr<GovernedVerifyResult> GovernedVerify(Governance& gov, const Store& store,
                                              const Principal& who, const SearchRequest& request,
                                              const std::string& subject_id,
                                              const ProbeFactory& make_probe,
                                              const GalleryThreshold& threshold) {
  if (request.kind != SearchKind::kVerify) return InvalidArgumentError("not a verify request");
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, GalleryOrRefuse(gov, store, who, request));
  CANDOR_ASSIGN_OR_RETURN(SearchTicket ticket, gov.BeginSearch(who, request));
  auto fail = [&](const Status& s) { return ProbeFailed(gov, who, request, ticket.search_id, s); };
  auto thr = threshold(g, SearchKind::kVerify);
  if (!thr.ok()) return fail(thr.status());
  auto probe = make_probe();
  if (!probe.ok()) return fail(probe.status());
  VerifyParams p;
  p.threshold = *thr;
  auto r = store.Verify(request.gallery, subject_id, *probe, p);
  if (!r.ok() && r.status().code() == Code::kNotFound && store.GetGallery(request.gallery).ok()) {
    VerifyResult none;  // no such subject: the same answer as a non-match
    none.score = -1.0f;
    none.threshold = p.threshold;
    r = none;
  }
  if (!r.ok()) return fail(r.status());
  // A match names an existing subject: recorded by its keyed reference.
  std::string ref;
  std::vector<LeadCandidate> cands;
  if (r->match) {
    auto k = store.SubjectRef(request.gallery, subject_id);
    if (!k.ok()) return fail(k.status());
    ref = std::move(k).value();
    cands.push_back({ref, r->score});
  }
  CANDOR_RETURN_IF_ERROR(gov.RecordResult(ticket.search_id, cands));
  return GovernedVerifyResult{std::move(ticket), std::move(r).value(), std::move(ref)};
}

}  // namespace candor
