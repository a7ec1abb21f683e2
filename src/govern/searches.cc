// Copyright 2026 The Candor Authors.
//
// Governance: the search gate (BeginSearch), results, examiner review and the
// two-person release of leads.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "candor/govern.h"
#include "common/sqlite.h"
#include "govern/secret_hash.h"

namespace candor {

using sqlite::Stmt;
using sqlite::Transaction;

namespace {

constexpr const char* kSearchCols =
    "id, kind, requester, requester_role, authorization_id, basis, gallery, case_id, created_ms, "
    "candidate_list_size, outcome, candidates, retain_until_ms, purged_ms, purge_reason, "
    "released_ms";

StatusOr<SearchOutcome> ParseOutcome(const std::string& s) {
  for (auto o : {SearchOutcome::kPending, SearchOutcome::kRefused, SearchOutcome::kNoCandidate,
                 SearchOutcome::kCandidates}) {
    if (SearchOutcomeName(o) == s) return o;
  }
  return DataLossError("unknown search outcome '" + s + "'");
}

StatusOr<SearchRecord> SearchFromRow(const Stmt& s) {
  SearchRecord r;
  r.id = s.Text(0);
  r.kind = s.Text(1) == "verify"            ? SearchKind::kVerify
           : s.Text(1) == "duplicate_check" ? SearchKind::kDuplicateCheck
                                            : SearchKind::kIdentify;
  r.requester = s.Text(2);
  r.requester_role = s.Text(3);
  r.authorization_id = s.Text(4);
  r.basis = s.Text(5);
  r.gallery = s.Text(6);
  r.case_id = s.Text(7);
  r.created_ms = s.Int(8);
  r.candidate_list_size = static_cast<int>(s.Int(9));
  CANDOR_ASSIGN_OR_RETURN(r.outcome, ParseOutcome(s.Text(10)));
  nlohmann::json c = nlohmann::json::parse(s.Text(11), nullptr, false);
  if (!c.is_array()) return DataLossError("search " + r.id + " has corrupt candidates");
  for (const auto& x : c) {
    if (!x.is_object() || !x.contains("ref") || !x.contains("score")) continue;
    r.candidates.push_back(LeadCandidate{x["ref"].get<std::string>(), x["score"].get<double>()});
  }
  r.retain_until_ms = s.Int(12);
  r.purged_ms = s.Int(13);
  r.purge_reason = s.Text(14);
  r.released_ms = s.Int(15);
  return r;
}

std::string KindName(SearchKind k) { return std::string(SearchKindName(k)); }

AuditEntry SearchEntry(const Principal& who, const std::string& action, const SearchRecord& s) {
  AuditEntry e;
  e.actor = who.username;
  e.role = std::string(RoleName(who.role));
  e.action = action;
  e.authorization_id = s.authorization_id;
  e.gallery = s.gallery;
  e.decision = "allow";
  e.outcome = "ok";
  e.reason = "search " + s.id;
  return e;
}

bool QualifiedReviewer(Role r) { return r == Role::kExaminer || r == Role::kSupervisor; }

}  // namespace

StatusOr<SearchRecord> Governance::LoadSearch(const std::string& id) {
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_, std::string("SELECT ") + kSearchCols +
                                                          " FROM searches WHERE id=?"));
  s.Bind(1, id);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFoundError("search '" + id + "' not found");
  return SearchFromRow(s);
}

StatusOr<std::vector<Review>> Governance::LoadReviews(const std::string& search_id) {
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "SELECT reviewer, reviewer_role, subject_ref, decision, "
                                        "notes, created_ms FROM reviews WHERE search_id=? "
                                        "ORDER BY created_ms, reviewer"));
  s.Bind(1, search_id);
  std::vector<Review> out;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    Review r;
    r.reviewer = s.Text(0);
    r.reviewer_role = s.Text(1);
    r.subject_ref = s.Text(2);
    r.decision = s.Text(3) == "confirm" ? ReviewDecision::kConfirm : ReviewDecision::kReject;
    r.notes = s.Text(4);
    r.created_ms = s.Int(5);
    out.push_back(std::move(r));
  }
  return out;
}

StatusOr<SearchTicket> Governance::BeginSearch(const Principal& caller, const SearchRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  PolicyInputs in;
  auto who = LoadPrincipal(caller.username);
  if (!who.ok()) {
    return Refuse(nullptr, "search.begin",
                  UnauthenticatedError("no account '" + caller.username + "'"));
  }
  in.who = *who;
  in.request = req;
  in.now_ms = options_.clock();
  in.params = options_.policy;
  CANDOR_ASSIGN_OR_RETURN(in.gallery, LoadGallery(req.gallery));
  if (!req.authorization_id.empty()) {
    auto a = LoadAuthorization(req.authorization_id);
    if (a.ok()) {
      in.authorization = *a;
    } else if (a.status().code() != Code::kNotFound) {
      return a.status();
    }
  }
  PolicyDecision d = DecideSearch(in);

  SearchRecord rec;
  rec.id = "srch-" + govern_internal::RandomHex(8);
  rec.kind = req.kind;
  rec.requester = in.who.username;
  rec.requester_role = std::string(RoleName(in.who.role));
  rec.authorization_id = req.authorization_id;
  rec.gallery = req.gallery;
  rec.created_ms = in.now_ms;
  rec.candidate_list_size = d.candidate_list_size;
  if (in.authorization) {
    rec.basis = std::string(BasisName(in.authorization->spec.basis));
    rec.case_id = in.authorization->spec.case_id;
  } else if (req.consent_verify && req.kind == SearchKind::kVerify) {
    rec.basis = "consent_1to1";
  }
  int64_t retention = options_.default_retention_ms;
  if (in.gallery) {
    auto it = options_.retention_classes.find(in.gallery->retention_class);
    if (it != options_.retention_classes.end()) retention = it->second;
  }
  rec.retain_until_ms = in.now_ms + retention;
  rec.outcome = d.allowed ? SearchOutcome::kPending : SearchOutcome::kRefused;

  Transaction tx(db_.get());
  CANDOR_RETURN_IF_ERROR(tx.Begin());
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "INSERT INTO searches(id, kind, requester, requester_role, "
                                        "authorization_id, basis, gallery, case_id, created_ms, "
                                        "candidate_list_size, outcome, refusal, retain_until_ms) "
                                        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s.Bind(1, rec.id)
      .Bind(2, KindName(req.kind))
      .Bind(3, rec.requester)
      .Bind(4, rec.requester_role)
      .Bind(5, rec.authorization_id)
      .Bind(6, rec.basis)
      .Bind(7, rec.gallery)
      .Bind(8, rec.case_id)
      .Bind(9, rec.created_ms)
      .Bind(10, rec.candidate_list_size)
      .Bind(11, SearchOutcomeName(rec.outcome))
      .Bind(12, d.allowed ? "" : d.reason)
      .Bind(13, rec.retain_until_ms);
  CANDOR_RETURN_IF_ERROR(s.Run());
  if (d.allowed && in.authorization) {
    CANDOR_ASSIGN_OR_RETURN(auto u,
                            Stmt::Prepare(*db_,
                                          "UPDATE authorizations SET searches_used=searches_used+1 "
                                          "WHERE id=? AND searches_used < max_searches"));
    u.Bind(1, req.authorization_id);
    CANDOR_RETURN_IF_ERROR(u.Run());
    if (db_->Changes() != 1) return AbortedError("authorization count changed concurrently");
  }
  AuditEntry e;
  e.actor = in.who.username;
  e.role = rec.requester_role;
  e.action = "search." + KindName(req.kind);
  e.authorization_id = req.authorization_id;
  e.gallery = req.gallery;
  e.probe_hash = req.probe_hash;
  e.decision = d.allowed ? "allow" : "deny";
  e.outcome = d.allowed ? "started" : "refused";
  e.reason = (d.allowed ? "" : std::string(CodeName(d.code)) + ": ") + d.reason + " [search " +
             rec.id + ", list size " + std::to_string(rec.candidate_list_size) + "]";
  // The audit entry is written before the transaction commits: if it cannot be
  // written, nothing happened; if we crash after it, the search never ran.
  CANDOR_RETURN_IF_ERROR(AuditOrFail(std::move(e)));
  CANDOR_RETURN_IF_ERROR(tx.Commit());
  if (!d.allowed) return d.ToStatus();
  SearchTicket t;
  t.search_id = rec.id;
  t.candidate_list_size = d.candidate_list_size;
  return t;
}

Status Governance::RecordResult(const std::string& search_id,
                                const std::vector<LeadCandidate>& candidates) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(SearchRecord rec, LoadSearch(search_id));
  if (rec.outcome != SearchOutcome::kPending) {
    return FailedPreconditionError("search '" + search_id + "' is " +
                                   std::string(SearchOutcomeName(rec.outcome)) +
                                   "; a result can be recorded once, for an allowed search");
  }
  if (static_cast<int>(candidates.size()) > rec.candidate_list_size) {
    return InvalidArgumentError("search returned " + std::to_string(candidates.size()) +
                                " candidates, more than the policy list size " +
                                std::to_string(rec.candidate_list_size));
  }
  nlohmann::json j = nlohmann::json::array();
  for (const LeadCandidate& c : candidates) {
    if (c.subject_ref.empty()) return InvalidArgumentError("candidate without a subject reference");
    j.push_back({{"ref", c.subject_ref}, {"score", c.score}});
  }
  const SearchOutcome outcome =
      candidates.empty() ? SearchOutcome::kNoCandidate : SearchOutcome::kCandidates;
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_, "UPDATE searches SET outcome=?, candidates=? WHERE id=?"));
  s.Bind(1, SearchOutcomeName(outcome)).Bind(2, j.dump()).Bind(3, search_id);
  CANDOR_RETURN_IF_ERROR(s.Run());
  AuditEntry e;
  e.actor = rec.requester;
  e.role = rec.requester_role;
  e.action = "search.result";
  e.authorization_id = rec.authorization_id;
  e.gallery = rec.gallery;
  e.candidates_returned = static_cast<int64_t>(candidates.size());
  e.decision = "";
  e.outcome = std::string(SearchOutcomeName(outcome));
  e.reason = "search " + search_id +
             (candidates.empty() ? ": no candidate above threshold" : ": candidates for review");
  return AuditOrFail(std::move(e));
}

StatusOr<SearchRecord> Governance::GetSearchForReview(const Principal& caller,
                                                      const std::string& search_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(caller.username));
  CANDOR_RETURN_IF_ERROR(
      RequireRole(who, {Role::kExaminer, Role::kSupervisor}, "search.review_view"));
  // The same gate as a review: who may not judge candidates may not see them
  // (nor the probe, nor the candidates' photos, which the server serves
  // through this call).
  if (options_.clock() >= who.training_expires_ms) {
    return Refuse(
        &who, "search.review_view",
        PermissionDeniedError("training/certification of '" + who.username + "' expired"));
  }
  auto rec = LoadSearch(search_id);
  if (!rec.ok()) return Refuse(&who, "search.review_view", rec.status());
  if (rec->requester == who.username) {
    return Refuse(&who, "search.review_view",
                  PermissionDeniedError("the requester may not review their own search"));
  }
  if (rec->basis == "consent_1to1") {
    return Refuse(&who, "search.review_view",
                  FailedPreconditionError("search '" + search_id +
                                          "' is a consented 1:1 decided by its operator; it is "
                                          "not reviewed"));
  }
  if (rec->purged_ms != 0) {
    return Refuse(
        &who, "search.review_view",
        FailedPreconditionError("search '" + search_id + "' was purged: " + rec->purge_reason));
  }
  AuditEntry e = SearchEntry(who, "search.review_view", *rec);
  e.candidates_returned = static_cast<int64_t>(rec->candidates.size());
  CANDOR_RETURN_IF_ERROR(AuditOrFail(std::move(e)));
  return rec;
}

Status Governance::ReviewCandidate(const Principal& caller, const std::string& search_id,
                                   const std::string& subject_ref, ReviewDecision decision,
                                   const std::string& notes) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(caller.username));
  const char* action = "lead.review";
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kExaminer, Role::kSupervisor}, action));
  const int64_t now = options_.clock();
  if (now >= who.training_expires_ms) {
    return Refuse(
        &who, action,
        PermissionDeniedError("training/certification of '" + who.username + "' expired"));
  }
  auto rec = LoadSearch(search_id);
  if (!rec.ok()) return Refuse(&who, action, rec.status());
  if (rec->requester == who.username) {
    return Refuse(&who, action,
                  PermissionDeniedError("the requester may not review their own search"));
  }
  if (rec->purged_ms != 0) {
    return Refuse(&who, action, FailedPreconditionError("search '" + search_id + "' was purged"));
  }
  if (rec->basis == "consent_1to1") {
    return Refuse(&who, action,
                  FailedPreconditionError("a consented 1:1 is decided by its operator; it is not "
                                          "reviewed"));
  }
  if (rec->outcome != SearchOutcome::kCandidates) {
    return Refuse(
        &who, action,
        FailedPreconditionError("search '" + search_id + "' has no candidates to review"));
  }
  if (std::none_of(rec->candidates.begin(), rec->candidates.end(),
                   [&](const LeadCandidate& c) { return c.subject_ref == subject_ref; })) {
    return Refuse(&who, action,
                  InvalidArgumentError("'" + subject_ref + "' is not a candidate of this search"));
  }
  if (notes.size() > 4096) {
    return Refuse(&who, action, InvalidArgumentError("review notes are limited to 4096 bytes"));
  }
  if (notes.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Refuse(&who, action,
                  InvalidArgumentError("review notes are required: say what was compared and "
                                       "why the candidate is confirmed or rejected"));
  }
  const char* dec = decision == ReviewDecision::kConfirm ? "confirm" : "reject";
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "INSERT INTO reviews(search_id, reviewer, reviewer_role, "
                                        "subject_ref, decision, notes, created_ms) "
                                        "VALUES(?,?,?,?,?,?,?)"));
  s.Bind(1, search_id)
      .Bind(2, who.username)
      .Bind(3, RoleName(who.role))
      .Bind(4, subject_ref)
      .Bind(5, dec)
      .Bind(6, notes)
      .Bind(7, now);
  Status st = s.Run();
  if (st.code() == Code::kAlreadyExists) {
    return Refuse(&who, action,
                  AlreadyExistsError("'" + who.username +
                                     "' already reviewed this candidate; "
                                     "the second review must come from another person"));
  }
  CANDOR_RETURN_IF_ERROR(st);
  AuditEntry e = SearchEntry(who, action, *rec);
  e.outcome = dec;
  e.reason = "search " + search_id + ": " + dec + " candidate " +
             std::to_string(
                 std::find_if(rec->candidates.begin(), rec->candidates.end(),
                              [&](const LeadCandidate& c) { return c.subject_ref == subject_ref; }) -
                 rec->candidates.begin() + 1);
  return AuditOrFail(std::move(e));
}

StatusOr<Lead> Governance::ReleaseLead(const Principal& caller, const std::string& search_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(caller.username));
  const char* action = "lead.release";
  auto rec = LoadSearch(search_id);
  if (!rec.ok()) return Refuse(&who, action, rec.status());
  if (rec->requester != who.username) {
    return Refuse(
        &who, action,
        PermissionDeniedError("a lead is released only to the investigator who requested it"));
  }
  if (rec->purged_ms != 0) {
    return Refuse(&who, action, FailedPreconditionError("search was purged: " + rec->purge_reason));
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<Review> reviews, LoadReviews(search_id));
  Lead lead;
  lead.search_id = search_id;
  lead.gallery = rec->gallery;
  lead.reviews = reviews;
  for (const LeadCandidate& c : rec->candidates) {
    std::set<std::string> confirmers;
    bool examiner = false, rejected = false;
    for (const Review& r : reviews) {
      if (r.subject_ref != c.subject_ref) continue;
      if (r.decision == ReviewDecision::kReject) rejected = true;
      auto role = ParseRole(r.reviewer_role);
      if (r.decision == ReviewDecision::kConfirm && role.ok() && QualifiedReviewer(*role) &&
          r.reviewer != rec->requester) {
        confirmers.insert(r.reviewer);
        if (*role == Role::kExaminer) examiner = true;
      }
    }
    if (!rejected && examiner && confirmers.size() >= 2) {
      lead.confirmed_subject_refs.push_back(c.subject_ref);
    }
  }
  if (lead.confirmed_subject_refs.empty()) {
    return Refuse(&who, action,
                  FailedPreconditionError("no candidate of search '" + search_id +
                                          "' has an examiner's confirmation and a second, "
                                          "different qualified person's without a rejection"));
  }
  if (rec->released_ms == 0) {
    CANDOR_ASSIGN_OR_RETURN(auto s,
                            Stmt::Prepare(*db_, "UPDATE searches SET released_ms=? WHERE id=?"));
    s.Bind(1, options_.clock()).Bind(2, search_id);
    CANDOR_RETURN_IF_ERROR(s.Run());
  }
  AuditEntry e = SearchEntry(who, action, *rec);
  e.candidates_returned = static_cast<int64_t>(lead.confirmed_subject_refs.size());
  e.outcome = "confirmed_lead";
  CANDOR_RETURN_IF_ERROR(AuditOrFail(std::move(e)));
  return lead;
}

}  // namespace candor
