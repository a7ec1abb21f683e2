// Copyright 2026 The Candor Authors.
//
// Authorizations, the search gate, leads and two-person release, retention,
// the exigent window and the transparency report, driven through Governance
// with an injectable clock.

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "govern/governance_test_util.h"

namespace candor {
namespace {

using WorkflowTest = GovernanceTest;

std::vector<LeadCandidate> Cands(int n) {
  std::vector<LeadCandidate> c;
  for (int i = 0; i < n; ++i) c.push_back({"subject-" + std::to_string(1000 + i), 0.9 - 0.01 * i});
  return c;
}

TEST_F(WorkflowTest, AuthorizationNeedsApprovalByAnotherSupervisor) {
  AuthorizationSpec spec{LegalBasis::kWarrant, "W-2026-77",  "Judge Ortiz", "case-9",
                         "homicide",           {"licences"}, now_ + kDay,   5};
  EXPECT_EQ(gov_->CreateAuthorization(eve_, spec).status().code(), Code::kPermissionDenied);
  AuthorizationSpec bad = spec;
  bad.reference.clear();
  EXPECT_EQ(gov_->CreateAuthorization(alice_, bad).status().code(), Code::kInvalidArgument);
  bad = spec;
  bad.expires_ms = now_;
  EXPECT_EQ(gov_->CreateAuthorization(alice_, bad).status().code(), Code::kInvalidArgument);
  auto a = gov_->CreateAuthorization(sam_, spec);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, AuthorizationStatus::kPending);
  auto refused = gov_->BeginSearch(sam_, Identify("licences", a->id));
  EXPECT_NE(refused.status().message().find("not been approved"), std::string::npos);
  EXPECT_EQ(gov_->ApproveAuthorization(sam_, a->id).code(), Code::kPermissionDenied);
  EXPECT_EQ(gov_->ApproveAuthorization(alice_, a->id).code(), Code::kPermissionDenied);
  ASSERT_TRUE(gov_->ApproveAuthorization(sue_, a->id).ok());
  EXPECT_EQ(gov_->ApproveAuthorization(sue_, a->id).code(), Code::kFailedPrecondition);
  auto got = gov_->GetAuthorization(a->id);
  EXPECT_EQ(got->status, AuthorizationStatus::kActive);
  EXPECT_EQ(got->approved_by, "sue");
  EXPECT_TRUE(gov_->BeginSearch(sam_, Identify("licences", a->id)).ok());
  ASSERT_TRUE(gov_->RevokeAuthorization(sue_, a->id, "warrant quashed").ok());
  EXPECT_NE(gov_->BeginSearch(sam_, Identify("licences", a->id)).status().message().find("revoked"),
            std::string::npos);
}

TEST_F(WorkflowTest, EveryRequestIsGatedCountedAndAuditedIncludingRefusals) {
  const std::string subpoena =
      Authorize(LegalBasis::kSubpoena, {"licences", "bookings"}, 2, "case-7", {"bob"});
  // A licence gallery accepts only warrants and court orders.
  auto r = gov_->BeginSearch(alice_, Identify("licences", subpoena));
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  AuditEntry deny = LastAudit("search.identify");
  EXPECT_EQ(deny.decision, "deny");
  EXPECT_EQ(deny.actor, "alice");
  EXPECT_EQ(deny.role, "investigator");
  EXPECT_EQ(deny.gallery, "licences");
  EXPECT_EQ(deny.authorization_id, subpoena);
  EXPECT_EQ(deny.probe_hash, std::string(64, 'f'));
  EXPECT_NE(deny.reason.find("accepts only warrant, court_order"), std::string::npos);
  // The same subpoena is fine for bookings, twice, then its count is used up.
  ASSERT_TRUE(gov_->BeginSearch(alice_, Identify("bookings", subpoena)).ok());
  ASSERT_TRUE(gov_->BeginSearch(bob_, Identify("bookings", subpoena)).ok());
  EXPECT_EQ(LastAudit("search.identify").decision, "allow");
  auto third = gov_->BeginSearch(alice_, Identify("bookings", subpoena));
  EXPECT_NE(third.status().message().find("used all 2 searches"), std::string::npos);
  EXPECT_EQ(gov_->GetAuthorization(subpoena)->searches_used, 2);  // refusals do not count
  // Roles that may not search, and no authorization at all.
  EXPECT_EQ(gov_->BeginSearch(eve_, Identify("bookings", subpoena)).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(gov_->BeginSearch(aud_, Identify("bookings", subpoena)).status().code(),
            Code::kPermissionDenied);
  EXPECT_NE(gov_->BeginSearch(alice_, Identify("bookings", ""))
                .status()
                .message()
                .find("requires an authorization"),
            std::string::npos);
  EXPECT_NE(gov_->BeginSearch(alice_, Identify("passports", subpoena))
                .status()
                .message()
                .find("no governance policy"),
            std::string::npos);
  Principal ghost{99, "ghost", Role::kSupervisor, kStart + kDay, false};
  EXPECT_EQ(gov_->BeginSearch(ghost, Identify("bookings", subpoena)).status().code(),
            Code::kUnauthenticated);
  int denies = 0;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action == "search.identify" && e.decision == "deny") ++denies;
  }
  EXPECT_EQ(denies, 6);
}

TEST_F(WorkflowTest, ConsentVerifyIsExemptOnlyForOneToOne) {
  ASSERT_TRUE(gov_->SetGalleryPolicy(admin_, {"staff", {LegalBasis::kConsent}, "standard"}).ok());
  SearchRequest v;
  v.kind = SearchKind::kVerify;
  v.gallery = "staff";
  v.consent_verify = true;
  auto t = gov_->BeginSearch(alice_, v);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(LastAudit("search.verify").decision, "allow");
  v.gallery = "licences";
  EXPECT_EQ(gov_->BeginSearch(alice_, v).status().code(), Code::kPermissionDenied);
  SearchRequest n = v;
  n.kind = SearchKind::kIdentify;
  n.gallery = "staff";
  EXPECT_EQ(gov_->BeginSearch(alice_, n).status().code(), Code::kPermissionDenied);
}

TEST_F(WorkflowTest, CandidateListSizeIsEnforcedAndLabelledAsLeads) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  SearchRequest req = Identify("licences", w);
  req.candidate_list_size = 60;
  EXPECT_EQ(gov_->BeginSearch(alice_, req).status().code(), Code::kInvalidArgument);
  req.candidate_list_size = 3;
  auto t = gov_->BeginSearch(alice_, req);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->candidate_list_size, 3);
  EXPECT_NE(t->label.find("NOT A POSITIVE IDENTIFICATION"), std::string::npos);
  EXPECT_EQ(gov_->RecordResult(t->search_id, Cands(4)).code(), Code::kInvalidArgument);
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(3)).ok());
  EXPECT_EQ(gov_->RecordResult(t->search_id, Cands(1)).code(), Code::kFailedPrecondition);
  AuditEntry e = LastAudit("search.result");
  EXPECT_EQ(e.candidates_returned, 3);
  EXPECT_EQ(e.outcome, "candidates");
}

TEST_F(WorkflowTest, NoCandidateAboveThresholdIsAFirstClassOutcome) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  auto t = gov_->BeginSearch(alice_, Identify("licences", w));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, {}).ok());
  AuditEntry e = LastAudit("search.result");
  EXPECT_EQ(e.outcome, "no_candidate");
  EXPECT_EQ(e.candidates_returned, 0);
  EXPECT_NE(e.reason.find("no candidate above threshold"), std::string::npos);
  EXPECT_EQ(gov_->ReviewCandidate(eve_, t->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces")
                .code(),
            Code::kFailedPrecondition);
  auto rep = gov_->Transparency(aud_, kStart, now_ + 1);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->by_outcome["no_candidate"], 1);
}

TEST_F(WorkflowTest, LeadIsReleasedOnlyAfterExaminerAndSecondDistinctQualifiedPerson) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  auto t = gov_->BeginSearch(alice_, Identify("licences", w));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(5)).ok());
  const std::string id = t->search_id;
  // The requester sees nothing before release and may not review.
  EXPECT_EQ(gov_->GetSearchForReview(alice_, id).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(gov_->ReviewCandidate(alice_, id, "subject-1000", ReviewDecision::kConfirm, "compared the faces").code(),
            Code::kPermissionDenied);
  EXPECT_EQ(gov_->ReleaseLead(alice_, id).status().code(), Code::kFailedPrecondition);
  auto view = gov_->GetSearchForReview(eve_, id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->candidates.size(), 5u);
  EXPECT_EQ(gov_->GetSearchForReview(aud_, id).status().code(), Code::kPermissionDenied);
  // Examiner confirms; the same person cannot confirm twice.
  ASSERT_TRUE(gov_->ReviewCandidate(eve_, id, "subject-1002", ReviewDecision::kConfirm,
                                    "ear shape and scar match")
                  .ok());
  EXPECT_EQ(
      gov_->ReviewCandidate(eve_, id, "subject-1002", ReviewDecision::kConfirm, "again").code(),
      Code::kAlreadyExists);
  EXPECT_EQ(gov_->ReleaseLead(alice_, id).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(LastAudit("lead.release").decision, "deny");
  // Investigators are not qualified reviewers; unknown candidates are rejected.
  EXPECT_EQ(gov_->ReviewCandidate(bob_, id, "subject-1002", ReviewDecision::kConfirm, "compared the faces").code(),
            Code::kPermissionDenied);
  EXPECT_EQ(gov_->ReviewCandidate(sue_, id, "subject-9999", ReviewDecision::kConfirm, "compared the faces").code(),
            Code::kInvalidArgument);
  // A supervisor gives the second confirmation: released, to the requester only.
  ASSERT_TRUE(
      gov_->ReviewCandidate(sue_, id, "subject-1002", ReviewDecision::kConfirm, "agree").ok());
  EXPECT_EQ(gov_->ReleaseLead(bob_, id).status().code(), Code::kPermissionDenied);
  auto lead = gov_->ReleaseLead(alice_, id);
  ASSERT_TRUE(lead.ok()) << lead.status().ToString();
  EXPECT_EQ(lead->confirmed_subject_refs, std::vector<std::string>{"subject-1002"});
  EXPECT_EQ(lead->reviews.size(), 2u);
  EXPECT_NE(lead->label.find("INVESTIGATIVE LEAD"), std::string::npos);
  AuditEntry rel = LastAudit("lead.release");
  EXPECT_EQ(rel.outcome, "confirmed_lead");
  EXPECT_EQ(rel.actor, "alice");
}

TEST_F(WorkflowTest, TwoSupervisorsWithoutAnExaminerOrAnyRejectionBlockRelease) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  auto t = gov_->BeginSearch(alice_, Identify("licences", w));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(2)).ok());
  ASSERT_TRUE(
      gov_->ReviewCandidate(sam_, t->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces").ok());
  ASSERT_TRUE(
      gov_->ReviewCandidate(sue_, t->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces").ok());
  EXPECT_EQ(gov_->ReleaseLead(alice_, t->search_id).status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(
      gov_->ReviewCandidate(eve_, t->search_id, "subject-1001", ReviewDecision::kConfirm, "compared the faces").ok());
  ASSERT_TRUE(gov_->ReviewCandidate(ed_, t->search_id, "subject-1001", ReviewDecision::kReject,
                                    "different nose")
                  .ok());
  ASSERT_TRUE(
      gov_->ReviewCandidate(sue_, t->search_id, "subject-1001", ReviewDecision::kConfirm, "compared the faces").ok());
  EXPECT_EQ(gov_->ReleaseLead(alice_, t->search_id).status().code(), Code::kFailedPrecondition);
  // An expired examiner may not review.
  ASSERT_TRUE(gov_->SetTrainingExpiry(admin_, "edna", now_).ok());
  EXPECT_EQ(
      gov_->ReviewCandidate(ed_, t->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces").code(),
      Code::kPermissionDenied);
  ASSERT_TRUE(
      gov_->ReviewCandidate(eve_, t->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces").ok());
  auto lead = gov_->ReleaseLead(alice_, t->search_id);
  ASSERT_TRUE(lead.ok());
  EXPECT_EQ(lead->confirmed_subject_refs, std::vector<std::string>{"subject-1000"});
}

TEST_F(WorkflowTest, RetentionPurgesProbesAndResultsUnlessAnOpenCaseHoldsThem) {
  const std::string w1 = Authorize(LegalBasis::kWarrant, {"licences"}, 10, "case-A");
  const std::string w2 = Authorize(LegalBasis::kWarrant, {"licences"}, 10, "case-B");
  auto a = gov_->BeginSearch(alice_, Identify("licences", w1));
  auto b = gov_->BeginSearch(alice_, Identify("licences", w2));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(gov_->RecordResult(a->search_id, Cands(3)).ok());
  ASSERT_TRUE(gov_->RecordResult(b->search_id, Cands(3)).ok());
  ASSERT_TRUE(gov_->ReviewCandidate(eve_, a->search_id, "subject-1001", ReviewDecision::kConfirm,
                                    "notes naming a person")
                  .ok());
  ASSERT_TRUE(gov_->SetCaseOpen(sam_, "case-B", true).ok());
  EXPECT_EQ(gov_->SetCaseOpen(alice_, "case-B", true).code(), Code::kPermissionDenied);

  now_ = kStart + 30 * kDay - 1;
  auto s0 = gov_->Purge(now_);
  ASSERT_TRUE(s0.ok());
  EXPECT_EQ(s0->searches_purged, 0);
  EXPECT_TRUE(purged_probes_.empty());

  now_ = kStart + 30 * kDay;  // default retention: 30 days
  auto s1 = gov_->Purge(now_);
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->searches_purged, 1);
  EXPECT_EQ(purged_probes_, std::set<std::string>{a->search_id});
  EXPECT_EQ(gov_->GetSearchForReview(ed_, a->search_id).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(gov_->GetSearchForReview(ed_, b->search_id).ok());  // held by open case-B
  AuditEntry e = LastAudit("retention.purge");
  EXPECT_EQ(e.outcome, "purged");
  EXPECT_NE(e.reason.find(a->search_id), std::string::npos);
  // Nothing naming a subject remains in the database for the purged search.
  {
    std::ifstream in(dir_ / "govern.db", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("notes naming a person"), std::string::npos);
  }
  ASSERT_TRUE(gov_->SetCaseOpen(sam_, "case-B", false).ok());
  auto s2 = gov_->Purge(now_);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->searches_purged, 1);
  EXPECT_EQ(purged_probes_.size(), 2u);
  auto s3 = gov_->Purge(now_ + kDay);  // idempotent
  EXPECT_EQ(s3->searches_purged, 0);
}

TEST_F(WorkflowTest, GalleryRetentionClassesSetThePeriod) {
  const std::string s = Authorize(LegalBasis::kSubpoena, {"bookings"});
  auto t = gov_->BeginSearch(alice_, Identify("bookings", s));  // "short": 7 days
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(1)).ok());
  EXPECT_EQ(gov_->Purge(kStart + 7 * kDay - 1)->searches_purged, 0);
  EXPECT_EQ(gov_->Purge(kStart + 7 * kDay)->searches_purged, 1);
  EXPECT_EQ(gov_->SetGalleryPolicy(admin_, {"x", {}, "forever"}).code(), Code::kInvalidArgument);
}

TEST_F(WorkflowTest, FailedProbeDeletionIsRetriedAndAudited) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  auto t = gov_->BeginSearch(alice_, Identify("licences", w));
  ASSERT_TRUE(t.ok());
  gov_.reset();
  GovernanceOptions o;
  o.clock = [this] { return now_; };
  o.fast_password_hashing = true;
  int calls = 0;
  o.purge_probe = [&calls](const std::string&) {
    return ++calls == 1 ? InternalError("disk full") : OkStatus();
  };
  gov_ = std::move(Governance::Open(dir_, key_, o)).value();
  EXPECT_FALSE(gov_->Purge(kStart + 31 * kDay).ok());
  EXPECT_EQ(LastAudit("retention.purge").outcome, "error");
  auto again = gov_->Purge(kStart + 31 * kDay);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->searches_purged, 1);
}

TEST_F(WorkflowTest, UnbackedExigentSearchesArePurgedAfterTheWindowAndAudited) {
  // Supervisor only.
  AuthorizationSpec spec{LegalBasis::kExigent,          "EX-1",       "Duty supervisor", "case-X",
                         "child abduction in progress", {"bookings"}, now_ + 10 * kDay,  5};
  EXPECT_EQ(gov_->CreateAuthorization(alice_, spec).status().code(), Code::kPermissionDenied);
  const std::string ex = Authorize(LegalBasis::kExigent, {"bookings"}, 5, "case-X");
  EXPECT_EQ(gov_->GetAuthorization(ex)->status, AuthorizationStatus::kActive);
  EXPECT_EQ(gov_->BeginSearch(alice_, Identify("bookings", ex)).status().code(),
            Code::kPermissionDenied);
  auto t = gov_->BeginSearch(sam_, Identify("bookings", ex));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(2)).ok());
  ASSERT_TRUE(gov_->SetCaseOpen(sue_, "case-X", true).ok());  // holds do not save exigent searches
  now_ = kStart + 48 * kHour - 1;
  EXPECT_EQ(gov_->Purge(now_)->exigent_searches_purged, 0);
  now_ = kStart + 48 * kHour;
  auto p = gov_->Purge(now_);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->authorizations_lapsed, 1);
  EXPECT_EQ(p->exigent_searches_purged, 1);
  EXPECT_TRUE(purged_probes_.count(t->search_id));
  EXPECT_EQ(gov_->GetAuthorization(ex)->status, AuthorizationStatus::kLapsed);
  EXPECT_EQ(LastAudit("authorization.lapse").authorization_id, ex);
  EXPECT_NE(LastAudit("retention.purge").reason.find("not backed by a judicial authorization"),
            std::string::npos);
  EXPECT_NE(gov_->BeginSearch(sam_, Identify("bookings", ex)).status().message().find("lapsed"),
            std::string::npos);
  const std::string w = Authorize(LegalBasis::kWarrant, {"bookings"}, 5, "case-X");
  EXPECT_EQ(gov_->BackExigent(sam_, ex, w).code(), Code::kFailedPrecondition);  // too late
}

TEST_F(WorkflowTest, ExigentBackedWithinTheWindowIsKept) {
  const std::string ex = Authorize(LegalBasis::kExigent, {"bookings"}, 5, "case-X");
  auto t = gov_->BeginSearch(sam_, Identify("bookings", ex));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(2)).ok());
  now_ += 20 * kHour;
  const std::string sub = Authorize(LegalBasis::kSubpoena, {"bookings"}, 5, "case-X");
  const std::string other = Authorize(LegalBasis::kWarrant, {"bookings"}, 5, "case-Y");
  const std::string w = Authorize(LegalBasis::kWarrant, {"bookings"}, 5, "case-X");
  EXPECT_EQ(gov_->BackExigent(sam_, ex, sub).code(), Code::kFailedPrecondition);    // not judicial
  EXPECT_EQ(gov_->BackExigent(sam_, ex, other).code(), Code::kFailedPrecondition);  // other case
  EXPECT_EQ(gov_->BackExigent(alice_, ex, w).code(), Code::kPermissionDenied);
  ASSERT_TRUE(gov_->BackExigent(sam_, ex, w).ok());
  now_ = kStart + 72 * kHour;
  auto p = gov_->Purge(now_);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->exigent_searches_purged, 0);
  EXPECT_EQ(p->authorizations_lapsed, 0);
  EXPECT_TRUE(gov_->BeginSearch(sam_, Identify("bookings", ex)).ok());
  auto rep = gov_->Transparency(aud_, kStart, now_ + 1);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->exigent_searches, 2);
  EXPECT_EQ(rep->exigent_later_authorized, 2);
}

TEST_F(WorkflowTest, TransparencyReportCountsWithoutIdentitiesOrBiometrics) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  const std::string s =
      Authorize(LegalBasis::kSubpoena, {"bookings", "licences"}, 10, "case-7", {"bob"});
  const std::string ex = Authorize(LegalBasis::kExigent, {"bookings"}, 5, "case-E");
  auto t1 = gov_->BeginSearch(alice_, Identify("licences", w));
  auto t2 = gov_->BeginSearch(bob_, Identify("bookings", s));
  auto t3 = gov_->BeginSearch(sam_, Identify("bookings", ex));
  ASSERT_TRUE(t1.ok() && t2.ok() && t3.ok());
  EXPECT_FALSE(gov_->BeginSearch(alice_, Identify("licences", s)).ok());  // refused: basis
  ASSERT_TRUE(gov_->RecordResult(t1->search_id, Cands(3)).ok());
  ASSERT_TRUE(gov_->RecordResult(t2->search_id, {}).ok());
  ASSERT_TRUE(gov_->RecordResult(t3->search_id, Cands(1)).ok());
  ASSERT_TRUE(
      gov_->ReviewCandidate(eve_, t1->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces")
          .ok());
  ASSERT_TRUE(
      gov_->ReviewCandidate(ed_, t1->search_id, "subject-1000", ReviewDecision::kConfirm, "compared the faces").ok());
  ASSERT_TRUE(gov_->ReleaseLead(alice_, t1->search_id).ok());
  now_ = kStart + 3 * kDay;
  ASSERT_TRUE(gov_->Purge(now_).ok());  // the exigent search lapses

  EXPECT_EQ(gov_->Transparency(alice_, kStart, now_).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(gov_->Transparency(aud_, now_, kStart).status().code(), Code::kInvalidArgument);
  auto rep = gov_->Transparency(aud_, kStart, now_);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->searches, 4);
  EXPECT_EQ(rep->refused, 1);
  EXPECT_EQ(rep->by_basis["warrant"], 1);
  EXPECT_EQ(rep->by_basis["subpoena"], 1);
  EXPECT_EQ(rep->by_basis["exigent"], 1);
  EXPECT_EQ(rep->by_gallery["licences"], 1);
  EXPECT_EQ(rep->by_gallery["bookings"], 2);
  EXPECT_EQ(rep->by_outcome["confirmed_lead"], 1);
  EXPECT_EQ(rep->by_outcome["no_candidate"], 1);
  EXPECT_EQ(rep->by_outcome["candidates"], 1);
  EXPECT_EQ(rep->by_role["investigator"], 3);
  EXPECT_EQ(rep->by_role["supervisor"], 1);
  EXPECT_EQ(rep->refusals_by_reason_kind["legal basis not accepted by gallery"], 1);
  EXPECT_EQ(rep->exigent_searches, 1);
  EXPECT_EQ(rep->exigent_purged, 1);
  EXPECT_EQ(rep->exigent_later_authorized, 0);
  EXPECT_EQ(rep->leads_released, 1);
  EXPECT_EQ(rep->reviews_confirm, 2);
  // An empty period counts nothing.
  EXPECT_EQ(gov_->Transparency(aud_, kStart - kDay, kStart)->searches, 0);

  const std::string json = TransparencyToJson(*rep);
  const std::string html = TransparencyToHtml(*rep);
  auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["by_legal_basis"]["warrant"], 1);
  EXPECT_EQ(j["exigent"]["purged"], 1);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  for (const std::string& secret :
       {std::string("subject-100"), std::string(64, 'f'), std::string("alice"),
        std::string("REF-1"), std::string("case-")}) {
    EXPECT_EQ(json.find(secret), std::string::npos) << secret;
    EXPECT_EQ(html.find(secret), std::string::npos) << secret;
  }
}

TEST_F(WorkflowTest, TheWholeWorkflowLeavesAVerifiableAuditLog) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"}, 10, "case-7", {"bob"});
  for (int i = 0; i < 20; ++i) {
    auto t = gov_->BeginSearch(i % 2 ? alice_ : bob_, Identify("licences", w));
    if (t.ok()) {
      ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(i % 4)).ok());
    }
  }
  ASSERT_TRUE(gov_->Purge(kStart + 40 * kDay).ok());
  const auto log = gov_->audit_log_path();
  gov_.reset();  // final checkpoint
  auto r = VerifyAuditLog(log, key_.public_key, std::filesystem::path(log.string() + ".anchor"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << r->problem;
  EXPECT_GT(r->entries, 50u);
  EXPECT_GE(r->checkpoints, 3u);
  EXPECT_TRUE(r->problem.empty());
}

TEST_F(WorkflowTest, AnAuthorizationIsUsableOnlyByThePeopleItNames) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});  // alice's
  for (const Principal* other : {&bob_, &sam_}) {  // another investigator; a supervisor
    auto r = gov_->BeginSearch(*other, Identify("licences", w));
    EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << other->username;
    EXPECT_NE(r.status().message().find("does not name '" + other->username + "'"),
              std::string::npos)
        << r.status().message();
    AuditEntry e = LastAudit("search.identify");
    EXPECT_EQ(e.actor, other->username);
    EXPECT_EQ(e.decision, "deny");
    EXPECT_EQ(e.authorization_id, w);
  }
  EXPECT_EQ(gov_->GetAuthorization(w)->searches_used, 0) << "refusals do not count";
  EXPECT_TRUE(gov_->BeginSearch(alice_, Identify("licences", w)).ok());
  // Named further users may; only investigators and supervisors can be named.
  const std::string shared = Authorize(LegalBasis::kWarrant, {"licences"}, 10, "case-7", {"bob"});
  EXPECT_EQ(gov_->GetAuthorization(shared)->spec.users, std::vector<std::string>{"bob"});
  EXPECT_TRUE(gov_->BeginSearch(bob_, Identify("licences", shared)).ok());
  EXPECT_EQ(gov_->BeginSearch(sam_, Identify("licences", shared)).status().code(),
            Code::kPermissionDenied);
  AuthorizationSpec spec{LegalBasis::kWarrant, "W-9", "Judge", "case-7", "fraud",
                         {"licences"},         now_ + kDay, 3,     {"eve"}};
  EXPECT_EQ(gov_->CreateAuthorization(alice_, spec).status().code(), Code::kInvalidArgument);
  spec.users = {"nobody"};
  EXPECT_EQ(gov_->CreateAuthorization(alice_, spec).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(LastAudit("authorization.create").decision, "deny");
}

TEST_F(WorkflowTest, AuthorizationsCannotNameGalleriesThatDoNotExist) {
  AuthorizationSpec spec{LegalBasis::kWarrant, "W-10", "Judge", "case-7", "fraud",
                         {"licences", "passports"}, now_ + kDay, 3};
  auto a = gov_->CreateAuthorization(alice_, spec);
  EXPECT_EQ(a.status().code(), Code::kInvalidArgument);
  EXPECT_NE(a.status().message().find("'passports' does not exist"), std::string::npos)
      << a.status().message();
  AuditEntry e = LastAudit("authorization.create");
  EXPECT_EQ(e.decision, "deny");
  EXPECT_EQ(e.actor, "alice");
  spec.galleries = {"licences"};
  EXPECT_TRUE(gov_->CreateAuthorization(alice_, spec).ok());
}

TEST_F(WorkflowTest, AnExpiredWarrantCanNeitherBeApprovedNorBackAnExigent) {
  AuthorizationSpec warrant{LegalBasis::kWarrant, "W-11", "Judge", "case-E", "kidnapping",
                            {"bookings"},         now_ + 2 * kHour, 3};
  auto pending = gov_->CreateAuthorization(alice_, warrant);
  ASSERT_TRUE(pending.ok());
  auto backing = gov_->CreateAuthorization(sue_, warrant);
  ASSERT_TRUE(backing.ok());
  ASSERT_TRUE(gov_->ApproveAuthorization(sam_, backing->id).ok());
  const std::string ex = Authorize(LegalBasis::kExigent, {"bookings"}, 5, "case-E");
  now_ += 3 * kHour;  // both warrants have expired; the exigent window is still open
  Status approve = gov_->ApproveAuthorization(sue_, pending->id);
  EXPECT_EQ(approve.code(), Code::kFailedPrecondition) << approve.ToString();
  EXPECT_NE(approve.message().find("expired"), std::string::npos) << approve.ToString();
  EXPECT_EQ(LastAudit("authorization.approve").decision, "deny");
  EXPECT_EQ(gov_->GetAuthorization(pending->id)->status, AuthorizationStatus::kPending);
  Status back = gov_->BackExigent(sam_, ex, backing->id);
  EXPECT_EQ(back.code(), Code::kFailedPrecondition) << back.ToString();
  EXPECT_NE(back.message().find("expired"), std::string::npos) << back.ToString();
  EXPECT_EQ(LastAudit("authorization.back_exigent").decision, "deny");
  EXPECT_TRUE(gov_->GetAuthorization(ex)->backed_by.empty());
}

TEST_F(WorkflowTest, AnExaminerWhoseTrainingLapsedCannotViewCandidates) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  auto t = gov_->BeginSearch(alice_, Identify("licences", w));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(3)).ok());
  ASSERT_TRUE(gov_->GetSearchForReview(eve_, t->search_id).ok());
  ASSERT_TRUE(gov_->SetTrainingExpiry(admin_, "eve", now_ + kHour).ok());
  now_ += kHour;
  auto view = gov_->GetSearchForReview(eve_, t->search_id);
  EXPECT_EQ(view.status().code(), Code::kPermissionDenied);
  EXPECT_NE(view.status().message().find("training/certification"), std::string::npos);
  AuditEntry e = LastAudit("search.review_view");
  EXPECT_EQ(e.actor, "eve");
  EXPECT_EQ(e.decision, "deny");
  EXPECT_TRUE(gov_->GetSearchForReview(ed_, t->search_id).ok());  // a trained one still can
}

TEST_F(WorkflowTest, AConsentedVerifyIsDecidedByItsOperatorNotReviewed) {
  ASSERT_TRUE(gov_->SetGalleryPolicy(admin_, {"visitors", {LegalBasis::kConsent}, "short"}).ok());
  SearchRequest v;
  v.kind = SearchKind::kVerify;
  v.gallery = "visitors";
  v.consent_verify = true;
  v.probe_hash = std::string(64, 'e');
  auto t = gov_->BeginSearch(alice_, v);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE(gov_->RecordResult(t->search_id, {{"subject-1000", 0.8}}).ok());
  EXPECT_EQ(gov_->GetSearchForReview(eve_, t->search_id).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(gov_->ReviewCandidate(eve_, t->search_id, "subject-1000", ReviewDecision::kConfirm,
                                  "looks alike")
                .code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(LastAudit("lead.review").decision, "deny");
  auto report = gov_->Transparency(aud_, now_ - kDay, now_ + kDay);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->by_kind["verify"], 1);
  EXPECT_EQ(report->by_basis["consent_1to1"], 1);
}

TEST_F(WorkflowTest, ReviewsNeedNotes) {
  const std::string w = Authorize(LegalBasis::kWarrant, {"licences"});
  auto t = gov_->BeginSearch(alice_, Identify("licences", w));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(gov_->RecordResult(t->search_id, Cands(2)).ok());
  for (ReviewDecision d : {ReviewDecision::kReject, ReviewDecision::kConfirm}) {
    for (const char* blank : {"", "  \n\t"}) {
      Status s = gov_->ReviewCandidate(eve_, t->search_id, "subject-1000", d, blank);
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
      EXPECT_NE(s.message().find("notes are required"), std::string::npos) << s.ToString();
      EXPECT_EQ(LastAudit("lead.review").decision, "deny");
    }
  }
  EXPECT_TRUE(gov_->ReviewCandidate(eve_, t->search_id, "subject-1000", ReviewDecision::kReject,
                                    "different ear shape")
                  .ok());
}

}  // namespace
}  // namespace candor
