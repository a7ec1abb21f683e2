// Copyright 2026 The Candor Authors.
//
// DecideSearch: one test per rule of the search policy.

#include <gtest/gtest.h>

#include "candor/govern_policy.h"

namespace candor {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kNow = 1'800'000'000'000;

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_.who = Principal{1, "alice", Role::kInvestigator, kNow + 100 * kHour, false};
    in_.request.kind = SearchKind::kIdentify;
    in_.request.gallery = "licences";
    in_.request.authorization_id = "auth-1";
    in_.gallery =
        GalleryPolicy{"licences", {LegalBasis::kWarrant, LegalBasis::kCourtOrder}, "standard"};
    Authorization a;
    a.id = "auth-1";
    a.spec.basis = LegalBasis::kWarrant;
    a.spec.reference = "W-1";
    a.spec.galleries = {"licences"};
    a.spec.expires_ms = kNow + 10 * kHour;
    a.spec.max_searches = 3;
    a.status = AuthorizationStatus::kActive;
    a.created_ms = kNow - kHour;
    a.created_by = "alice";
    in_.authorization = a;
    in_.now_ms = kNow;
  }
  PolicyDecision Decide() { return DecideSearch(in_); }
  void ExpectDenied(const std::string& fragment, Code code = Code::kPermissionDenied) {
    PolicyDecision d = Decide();
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.code, code);
    EXPECT_NE(d.reason.find(fragment), std::string::npos) << d.reason;
    EXPECT_EQ(d.ToStatus().code(), code);
  }
  PolicyInputs in_;
};

TEST_F(PolicyTest, AllowsTrainedInvestigatorUnderValidWarrant) {
  PolicyDecision d = Decide();
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.candidate_list_size, 10);
  EXPECT_TRUE(d.ToStatus().ok());
}

TEST_F(PolicyTest, RefusesRolesThatMayNotSearch) {
  for (Role r : {Role::kAdmin, Role::kEnroller, Role::kExaminer, Role::kAuditor}) {
    in_.who.role = r;
    ExpectDenied("may not request searches");
  }
}

TEST_F(PolicyTest, RefusesDisabledAccount) {
  in_.who.disabled = true;
  ExpectDenied("disabled");
}

TEST_F(PolicyTest, RefusesAfterTrainingExpiry) {
  in_.who.training_expires_ms = kNow;  // expiry instant itself is too late
  ExpectDenied("training/certification of 'alice' expired");
  in_.who.training_expires_ms = kNow + 1;
  EXPECT_TRUE(Decide().allowed);
}

TEST_F(PolicyTest, CandidateListSizeIsAPolicyParameterWithin2To50) {
  in_.request.candidate_list_size = 1;
  ExpectDenied("outside the policy range [2, 50]", Code::kInvalidArgument);
  in_.request.candidate_list_size = 51;
  ExpectDenied("outside the policy range", Code::kInvalidArgument);
  for (int n : {2, 25, 50}) {
    in_.request.candidate_list_size = n;
    EXPECT_EQ(Decide().candidate_list_size, n);
  }
  in_.request.candidate_list_size = 0;
  in_.params.default_candidates = 20;
  EXPECT_EQ(Decide().candidate_list_size, 20);
  in_.params.max_candidates = 15;
  in_.request.candidate_list_size = 20;
  ExpectDenied("[2, 15]", Code::kInvalidArgument);
}

TEST_F(PolicyTest, RefusesGalleryWithoutGovernancePolicy) {
  in_.gallery.reset();
  ExpectDenied("has no governance policy");
}

TEST_F(PolicyTest, IdentifyWithoutAuthorizationIsRefused) {
  in_.request.authorization_id.clear();
  in_.authorization.reset();
  ExpectDenied("a 1:N search requires an authorization");
  in_.request.consent_verify = true;  // consent does not exempt a 1:N search
  ExpectDenied("a 1:N search requires an authorization");
}

TEST_F(PolicyTest, ConsentBasedVerifyIsExemptWhereTheGalleryAcceptsConsent) {
  in_.request.kind = SearchKind::kVerify;
  in_.request.authorization_id.clear();
  in_.authorization.reset();
  ExpectDenied("1:1 verification without recorded consent requires an authorization");
  in_.request.consent_verify = true;
  ExpectDenied("a consent-based 1:1 is not permitted");  // licence gallery: warrant/order only
  in_.gallery = GalleryPolicy{"staff", {LegalBasis::kConsent}, "standard"};
  in_.request.gallery = "staff";
  PolicyDecision d = Decide();
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.reason, "consent-based 1:1 verification");
}

TEST_F(PolicyTest, RefusesUnknownAuthorization) {
  in_.authorization.reset();
  ExpectDenied("authorization 'auth-1' not found");
}

TEST_F(PolicyTest, RefusesPendingRevokedAndLapsedAuthorizations) {
  in_.authorization->status = AuthorizationStatus::kPending;
  ExpectDenied("has not been approved by a supervisor");
  in_.authorization->status = AuthorizationStatus::kRevoked;
  ExpectDenied("was revoked");
  in_.authorization->status = AuthorizationStatus::kLapsed;
  ExpectDenied("lapsed without judicial backing");
}

TEST_F(PolicyTest, RefusesExpiredAuthorization) {
  in_.now_ms = in_.authorization->spec.expires_ms;
  ExpectDenied("expired on");
}

TEST_F(PolicyTest, RefusesWhenSearchCountIsUsedUp) {
  in_.authorization->searches_used = 2;
  EXPECT_TRUE(Decide().allowed);
  in_.authorization->searches_used = 3;
  ExpectDenied("has used all 3 searches");
}

TEST_F(PolicyTest, RefusesGalleryOutsideAuthorizationScope) {
  in_.request.gallery = "bookings";
  in_.gallery = GalleryPolicy{"bookings", {}, "standard"};
  ExpectDenied("is not in the scope of authorization");
}

TEST_F(PolicyTest, LicenceGalleryAcceptsOnlyWarrantOrCourtOrder) {
  in_.authorization->spec.basis = LegalBasis::kSubpoena;
  ExpectDenied("accepts only warrant, court_order");
  in_.authorization->spec.basis = LegalBasis::kCourtOrder;
  EXPECT_TRUE(Decide().allowed);
}

TEST_F(PolicyTest, ExigentIsSupervisorOnlyAndBoundedByTheWindow) {
  in_.gallery->allowed_bases.clear();
  in_.authorization->spec.basis = LegalBasis::kExigent;
  in_.authorization->created_ms = kNow;
  in_.authorization->spec.expires_ms = kNow + 100 * kHour;
  ExpectDenied("supervisor only");
  in_.who.role = Role::kSupervisor;
  EXPECT_TRUE(Decide().allowed);
  in_.now_ms = kNow + 48 * kHour - 1;
  EXPECT_TRUE(Decide().allowed);
  in_.now_ms = kNow + 48 * kHour;
  ExpectDenied("within the exigent window");
  in_.authorization->backed_by = "auth-warrant";
  EXPECT_TRUE(Decide().allowed);
  in_.authorization->backed_by.clear();
  in_.params.exigent_window_ms = 72 * kHour;  // configurable
  EXPECT_TRUE(Decide().allowed);
}

TEST_F(PolicyTest, OnlyThePeopleAnAuthorizationNamesMaySearchUnderIt) {
  in_.who.username = "bob";
  ExpectDenied("does not name 'bob'");
  in_.who.role = Role::kSupervisor;  // not even a supervisor
  ExpectDenied("does not name 'bob'");
  // Refused before its state is told: a stranger learns nothing of it.
  in_.authorization->status = AuthorizationStatus::kRevoked;
  ExpectDenied("does not name 'bob'");
  in_.authorization->status = AuthorizationStatus::kActive;
  in_.authorization->spec.users = {"carol", "bob"};
  EXPECT_TRUE(Decide().allowed);
  EXPECT_TRUE(MayUse(*in_.authorization, "alice"));
  EXPECT_TRUE(MayUse(*in_.authorization, "carol"));
  EXPECT_FALSE(MayUse(*in_.authorization, "dave"));
}

TEST_F(PolicyTest, ADuplicateCheckIsAGovernedSearchWithItsOwnAuthorization) {
  in_.request.kind = SearchKind::kDuplicateCheck;
  ExpectDenied("may not run duplicate checks");  // an investigator does not enroll
  in_.who.role = Role::kEnroller;
  ExpectDenied("is not for duplicate checks");  // an ordinary warrant does not serve
  in_.authorization->spec.purpose = "duplicate-check";
  EXPECT_TRUE(Decide().allowed);
  in_.who.username = "enzo";  // not named by it
  ExpectDenied("does not name 'enzo'");
  in_.authorization->spec.users = {"enzo"};
  EXPECT_TRUE(Decide().allowed);
  in_.request.authorization_id.clear();
  ExpectDenied("requires an authorization of purpose 'duplicate-check'");
  // ... and it serves nothing else.
  in_.request.authorization_id = "auth-1";
  in_.request.kind = SearchKind::kIdentify;
  in_.who.role = Role::kInvestigator;
  ExpectDenied("serves duplicate checks at enrollment only");
  EXPECT_EQ(SearchKindName(SearchKind::kDuplicateCheck), "duplicate_check");
}

TEST(GovernNamesTest, RoundTripAndRejectUnknown) {
  for (Role r : {Role::kAdmin, Role::kEnroller, Role::kInvestigator, Role::kExaminer,
                 Role::kSupervisor, Role::kAuditor}) {
    EXPECT_EQ(*ParseRole(RoleName(r)), r);
  }
  EXPECT_EQ(ParseRole("root").status().code(), Code::kInvalidArgument);
  for (LegalBasis b : {LegalBasis::kWarrant, LegalBasis::kCourtOrder, LegalBasis::kSubpoena,
                       LegalBasis::kConsent, LegalBasis::kExigent}) {
    EXPECT_EQ(*ParseBasis(BasisName(b)), b);
  }
  EXPECT_EQ(ParseBasis("email").status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(IsJudicial(LegalBasis::kWarrant));
  EXPECT_FALSE(IsJudicial(LegalBasis::kSubpoena));
}

}  // namespace
}  // namespace candor
