// Copyright 2026 The Candor Authors.
//
// Accounts, roles and credentials.

#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "govern/governance_test_util.h"

namespace candor {
namespace {

using AccountsTest = GovernanceTest;

std::vector<std::string> Column(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

TEST_F(AccountsTest, BootstrapOnlyWhenThereAreNoAccounts) {
  auto again = gov_->BootstrapAdmin("root2", "another long password", kStart + kDay);
  EXPECT_EQ(again.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(LastAudit("account.bootstrap").decision, "deny");
}

TEST_F(AccountsTest, OnlyAdminsCreateAccountsAndRefusalsAreAudited) {
  for (const Principal* p : {&alice_, &sam_, &eve_, &aud_, &enr_}) {
    auto a = gov_->CreateAccount(*p, "mallory", Role::kAdmin, "mallory-password", kStart + kDay);
    EXPECT_EQ(a.status().code(), Code::kPermissionDenied) << p->username;
    AuditEntry e = LastAudit("account.create");
    EXPECT_EQ(e.actor, p->username);
    EXPECT_EQ(e.decision, "deny");
  }
  EXPECT_EQ(gov_->GetAccount("mallory").status().code(), Code::kNotFound);
  EXPECT_EQ(gov_->CreateAccount(admin_, "alice", Role::kAdmin, "whatever-password", kStart)
                .status()
                .code(),
            Code::kAlreadyExists);
  EXPECT_EQ(gov_->CreateAccount(admin_, "Bad Name", Role::kAdmin, "whatever-password", kStart)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(gov_->CreateAccount(admin_, "shorty", Role::kAdmin, "short", kStart).status().code(),
            Code::kInvalidArgument);
}

TEST_F(AccountsTest, PasswordsAndTokensAreStoredOnlyAsArgon2idHashes) {
  auto session = gov_->SignIn("alice", "alice-password-123");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const auto db = dir_ / "govern.db";
  for (const std::string& h : Column(db, "SELECT pw_hash FROM accounts")) {
    EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
    EXPECT_EQ(h.find("password"), std::string::npos);
  }
  const std::string secret = session->token.substr(21);
  for (const std::string& h : Column(db, "SELECT hash FROM tokens")) {
    EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
    EXPECT_EQ(h.find(secret), std::string::npos);
  }
  // Nothing in the database or the audit log holds the secret.
  for (const auto& f : std::filesystem::directory_iterator(dir_)) {
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret), std::string::npos) << f.path();
    EXPECT_EQ(bytes.find("alice-password-123"), std::string::npos) << f.path();
  }
}

TEST_F(AccountsTest, SignInGivesShortLivedSessionTokens) {
  EXPECT_EQ(gov_->SignIn("alice", "wrong-password-123").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(LastAudit("auth.signin").decision, "deny");
  EXPECT_EQ(gov_->SignIn("nobody", "whatever-password").status().code(), Code::kUnauthenticated);
  auto s = gov_->SignIn("alice", "alice-password-123");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->expires_ms, now_ + 30 * 60 * 1000);
  auto p = gov_->Authenticate(s->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->username, "alice");
  EXPECT_EQ(p->role, Role::kInvestigator);
  now_ += 30 * 60 * 1000;  // the expiry instant
  EXPECT_EQ(gov_->Authenticate(s->token).status().code(), Code::kUnauthenticated);
  EXPECT_NE(LastAudit("auth.token").reason.find("token expired"), std::string::npos);
}

TEST_F(AccountsTest, BadTokensAreRefusedAndAudited) {
  auto s = gov_->SignIn("bob", "bob-password-123");
  ASSERT_TRUE(s.ok());
  std::string t = s->token;
  for (std::string bad : {std::string(), std::string("Bearer x"), t.substr(0, t.size() - 1),
                          t.substr(0, t.size() - 1) + (t.back() == 'A' ? "B" : "A"),
                          "cnd_0000000000000000." + t.substr(21)}) {
    EXPECT_EQ(gov_->Authenticate(bad).status().code(), Code::kUnauthenticated) << bad;
    EXPECT_EQ(LastAudit("auth.token").decision, "deny");
  }
  ASSERT_TRUE(gov_->SignOut(t).ok());
  EXPECT_EQ(gov_->Authenticate(t).status().code(), Code::kUnauthenticated);
}

TEST_F(AccountsTest, ApiTokensForMachinesAndDisabledAccounts) {
  auto machine = gov_->CreateAccount(admin_, "intake-bot", Role::kEnroller, "", kStart + kDay);
  ASSERT_TRUE(machine.ok());
  EXPECT_EQ(gov_->SignIn("intake-bot", "").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(gov_->CreateApiToken(alice_, "intake-bot").status().code(), Code::kPermissionDenied);
  auto tok = gov_->CreateApiToken(admin_, "intake-bot");
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ(tok->expires_ms, now_ + 90 * kDay);
  auto p = gov_->Authenticate(tok->token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kEnroller);
  ASSERT_TRUE(gov_->SetDisabled(admin_, "intake-bot", true).ok());
  EXPECT_EQ(gov_->Authenticate(tok->token).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(gov_->LocalPrincipal("intake-bot").status().code(), Code::kPermissionDenied);
}

TEST_F(AccountsTest, TrainingExpiryStopsSearchesUntilRenewed) {
  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  ASSERT_TRUE(gov_->BeginSearch(alice_, Identify("licences", auth)).ok());
  ASSERT_TRUE(gov_->SetTrainingExpiry(admin_, "alice", now_ + kDay).ok());
  now_ += kDay;  // alice's certification runs out
  auto refused = gov_->BeginSearch(alice_, Identify("licences", auth));
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("training/certification"), std::string::npos);
  EXPECT_EQ(gov_->SetTrainingExpiry(sam_, "alice", now_ + kDay).code(), Code::kPermissionDenied);
  ASSERT_TRUE(gov_->SetTrainingExpiry(admin_, "alice", now_ + kDay).ok());
  // A stale Principal cannot bypass the check: the store is authoritative.
  EXPECT_TRUE(gov_->BeginSearch(alice_, Identify("licences", auth)).ok());
}

TEST_F(AccountsTest, StateSurvivesReopen) {
  auto s = gov_->SignIn("alice", "alice-password-123");
  ASSERT_TRUE(s.ok());
  Reopen();
  EXPECT_TRUE(gov_->Authenticate(s->token).ok());
  EXPECT_EQ(gov_->GetAccount("eve")->role, Role::kExaminer);
  auto r = VerifyAuditLog(gov_->audit_log_path(), key_.public_key,
                          std::filesystem::path(gov_->audit_log_path().string() + ".anchor"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << r->problem;
}

TEST_F(AccountsTest, ReEnablingAnAccountRevivesNoOldToken) {
  auto session = gov_->SignIn("alice", "alice-password-123");
  ASSERT_TRUE(session.ok());
  auto api = gov_->CreateApiToken(admin_, "alice");
  ASSERT_TRUE(api.ok());
  ASSERT_TRUE(gov_->SetDisabled(admin_, "alice", true).ok());
  ASSERT_TRUE(gov_->SetDisabled(admin_, "alice", false).ok());
  for (const std::string& t : {session->token, api->token}) {
    auto p = gov_->Authenticate(t);
    EXPECT_EQ(p.status().code(), Code::kUnauthenticated);
    EXPECT_NE(p.status().message().find("revoked"), std::string::npos) << p.status().message();
  }
  EXPECT_TRUE(gov_->SignIn("alice", "alice-password-123").ok()) << "she signs in again";
}

TEST_F(AccountsTest, CheckPasswordIsTheLocalOperatorsSignIn) {
  auto p = gov_->CheckPassword("alice", "alice-password-123");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->role, Role::kInvestigator);
  for (auto [user, pw] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "bob-password-123"}, {"alice", ""}, {"nobody", "alice-password-123"}}) {
    EXPECT_EQ(gov_->CheckPassword(user, pw).status().code(), Code::kUnauthenticated) << user;
    AuditEntry e = LastAudit("auth.local");
    EXPECT_EQ(e.decision, "deny");
    EXPECT_EQ(e.reason.find(pw.empty() ? "\x01" : pw), std::string::npos) << "no password logged";
  }
  ASSERT_TRUE(gov_->SetDisabled(admin_, "alice", true).ok());
  EXPECT_EQ(gov_->CheckPassword("alice", "alice-password-123").status().code(),
            Code::kUnauthenticated);
}

TEST_F(AccountsTest, PasswordChangeNeedsTheCurrentOneAndRevokesTokens) {
  auto session = gov_->SignIn("alice", "alice-password-123");
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(gov_->ChangePassword("alice", "wrong-password-1", "a-new-password-456").code(),
            Code::kUnauthenticated);
  EXPECT_EQ(LastAudit("account.password").decision, "deny");
  EXPECT_EQ(gov_->ChangePassword("alice", "alice-password-123", "short").code(),
            Code::kInvalidArgument);
  EXPECT_EQ(gov_->ChangePassword("alice", "alice-password-123", "alice-password-123").code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(gov_->Authenticate(session->token).ok()) << "refusals change nothing";
  ASSERT_TRUE(gov_->ChangePassword("alice", "alice-password-123", "a-new-password-456").ok());
  AuditEntry e = LastAudit("account.password");
  EXPECT_EQ(e.actor, "alice");
  EXPECT_EQ(e.decision, "allow");
  EXPECT_NE(e.reason.find("1 tokens revoked"), std::string::npos) << e.reason;
  EXPECT_EQ(gov_->Authenticate(session->token).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(gov_->SignIn("alice", "alice-password-123").status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(gov_->SignIn("alice", "a-new-password-456").ok());
}

}  // namespace
}  // namespace candor
