// Copyright 2026 The Candor Authors.
//
// Test fixture for Governance: a temporary store, an injectable clock, and a
// cast of accounts (admin, two investigators, two supervisors, two examiners,
// an auditor, an enroller) and gallery policies ("licences": warrant or court
// order only; "bookings": any basis, short retention).

#ifndef CANDOR_GOVERN_GOVERNANCE_TEST_UTIL_H_
#define CANDOR_GOVERN_GOVERNANCE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "candor/audit.h"
#include "candor/govern.h"

namespace candor {

class GovernanceTest : public ::testing::Test {
 protected:
  static constexpr int64_t kHour = 3600 * 1000;
  static constexpr int64_t kDay = 24 * kHour;
  static constexpr int64_t kStart = 1'800'000'000'000;  // 2027-01-15

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("candor_gov_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    key_ = GenerateAuditKey();
    now_ = kStart;
    Reopen();
    auto admin = gov_->BootstrapAdmin("admin", "correct horse battery", kStart + 365 * kDay);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = *gov_->LocalPrincipal("admin");
    alice_ = Make("alice", Role::kInvestigator);
    bob_ = Make("bob", Role::kInvestigator);
    sam_ = Make("sam", Role::kSupervisor);
    sue_ = Make("sue", Role::kSupervisor);
    eve_ = Make("eve", Role::kExaminer);
    ed_ = Make("edna", Role::kExaminer);
    aud_ = Make("aud", Role::kAuditor);
    enr_ = Make("enr", Role::kEnroller);
    ASSERT_TRUE(
        gov_->SetGalleryPolicy(
                admin_, {"licences", {LegalBasis::kWarrant, LegalBasis::kCourtOrder}, "standard"})
            .ok());
    ASSERT_TRUE(gov_->SetGalleryPolicy(admin_, {"bookings", {}, "short"}).ok());
  }
  void TearDown() override {
    gov_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Reopen() {
    gov_.reset();
    GovernanceOptions o;
    o.clock = [this] { return now_; };
    o.fast_password_hashing = true;
    o.audit_checkpoint_every = 16;
    o.purge_probe = [this](const std::string& id) {
      purged_probes_.insert(id);
      return OkStatus();
    };
    auto g = Governance::Open(dir_, key_, o);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gov_ = std::move(g).value();
  }

  Principal Make(const std::string& name, Role role) {
    auto a = gov_->CreateAccount(admin_, name, role, name + "-password-123", kStart + 180 * kDay);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return *gov_->LocalPrincipal(name);
  }

  // An approved authorization for `galleries`, requested by alice (exigent:
  // by sam), usable by its requester and `users`.
  std::string Authorize(LegalBasis basis, std::vector<std::string> galleries,
                        int64_t max_searches = 10, const std::string& case_id = "case-7",
                        std::vector<std::string> users = {}) {
    AuthorizationSpec spec{basis,
                           "REF-1",
                           "District Court",
                           case_id,
                           "armed robbery",
                           std::move(galleries),
                           now_ + 30 * kDay,
                           max_searches,
                           std::move(users)};
    const Principal& creator = basis == LegalBasis::kExigent ? sam_ : alice_;
    auto a = gov_->CreateAuthorization(creator, spec);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (basis != LegalBasis::kExigent) {
      EXPECT_TRUE(gov_->ApproveAuthorization(sue_, a->id).ok());
    }
    return a->id;
  }

  SearchRequest Identify(const std::string& gallery, const std::string& auth) {
    SearchRequest r;
    r.kind = SearchKind::kIdentify;
    r.gallery = gallery;
    r.authorization_id = auth;
    r.probe_hash = std::string(64, 'f');
    return r;
  }

  std::vector<AuditEntry> AuditEntries() {
    auto e = ReadAuditEntries(gov_->audit_log_path());
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : std::vector<AuditEntry>{};
  }
  // The last audit entry with `action`.
  AuditEntry LastAudit(const std::string& action) {
    auto all = AuditEntries();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->action == action) return *it;
    }
    ADD_FAILURE() << "no audit entry " << action;
    return {};
  }

  std::filesystem::path dir_;
  AuditSigningKey key_;
  int64_t now_ = kStart;
  std::unique_ptr<Governance> gov_;
  std::set<std::string> purged_probes_;
  Principal admin_, alice_, bob_, sam_, sue_, eve_, ed_, aud_, enr_;
};

}  // namespace candor

#endif  // CANDOR_GOVERN_GOVERNANCE_TEST_UTIL_H_
