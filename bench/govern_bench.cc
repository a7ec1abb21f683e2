// Copyright 2026 The Candor Authors.
//
// govern_bench: the cost of accountability on the request path.
//   BM_AuditAppend          one fsync'ed, hash-chained audit entry (+ anchor, checkpoint
//                           every 64); 1 and 8 threads (group commit shares syncs)
//   BM_AuditAppendNoAnchor  the same without rewriting the anchor file
//   BM_AuditVerify          VerifyAuditLog over a 10,000-entry log (per entry: items/s)
//   BM_Authenticate         token -> principal (Argon2id MIN-cost token hash + SQLite)
//   BM_PasswordSignIn       password sign-in (Argon2id INTERACTIVE: 64 MiB, 2 passes)
//   BM_BeginSearch          the search gate: policy + audit + SQLite transaction
// Run: build/bench/govern_bench  (temporary files go to $TMPDIR)

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "candor/audit.h"
#include "candor/govern.h"

namespace candor {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const char* name) {
  fs::path d = fs::temp_directory_path() /
               (std::string("candor_bench_") + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

AuditEntry SampleEntry() {
  AuditEntry e;
  e.actor = "alice";
  e.role = "investigator";
  e.action = "search.identify";
  e.authorization_id = "auth-0123456789abcdef";
  e.gallery = "licences";
  e.probe_hash = std::string(64, 'a');
  e.candidates_returned = 10;
  e.decision = "allow";
  e.outcome = "started";
  e.reason = "warrant W-2026-0001 [search srch-0123456789abcdef, list size 10]";
  return e;
}

// Shared by the threads of one run (thread 0 sets it up before the start
// barrier and tears it down after the end barrier).
std::unique_ptr<AuditLog> g_log;
fs::path g_dir;

void AppendBench(benchmark::State& state, bool anchor) {
  if (state.thread_index() == 0) {
    g_dir = TempDir(anchor ? "append" : "append_na");
    AuditLogOptions o;
    o.write_anchor = anchor;
    g_log = std::move(AuditLog::Open(g_dir / "audit.log", GenerateAuditKey(), o)).value();
  }
  for (auto _ : state) {
    auto s = g_log->Append(SampleEntry());
    if (!s.ok()) state.SkipWithError(s.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    g_log.reset();
    fs::remove_all(g_dir);
  }
}
void BM_AuditAppend(benchmark::State& state) { AppendBench(state, true); }
void BM_AuditAppendNoAnchor(benchmark::State& state) { AppendBench(state, false); }
// Threads(8): concurrent requests share syncs (group commit).
BENCHMARK(BM_AuditAppend)->UseRealTime()->Threads(1)->Threads(8);
BENCHMARK(BM_AuditAppendNoAnchor)->UseRealTime();

void BM_AuditVerify(benchmark::State& state) {
  fs::path dir = TempDir("verify");
  AuditSigningKey key = GenerateAuditKey();
  const int n = static_cast<int>(state.range(0));
  {
    AuditLogOptions o;
    o.write_anchor = false;
    auto log = std::move(AuditLog::Open(dir / "audit.log", key, o)).value();
    for (int i = 0; i < n; ++i) (void)log->Append(SampleEntry());
  }
  for (auto _ : state) {
    auto r = VerifyAuditLog(dir / "audit.log", key.public_key);
    if (!r.ok() || !r->ok) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
  fs::remove_all(dir);
}
BENCHMARK(BM_AuditVerify)->Arg(10000)->Unit(benchmark::kMillisecond);

struct GovFixture {
  fs::path dir;
  std::unique_ptr<Governance> gov;
  Principal admin, alice;
  std::string auth;
  explicit GovFixture(const char* name, bool fast) {
    dir = TempDir(name);
    GovernanceOptions o;
    o.fast_password_hashing = fast;
    gov = std::move(Governance::Open(dir, GenerateAuditKey(), o)).value();
    (void)gov->BootstrapAdmin("admin", "admin-password-123", gov->Now() + 365 * kMsPerDay);
    admin = *gov->LocalPrincipal("admin");
    (void)gov->CreateAccount(admin, "alice", Role::kInvestigator, "alice-password-123",
                             gov->Now() + 365 * kMsPerDay);
    (void)gov->CreateAccount(admin, "sue", Role::kSupervisor, "sue-password-1234",
                             gov->Now() + 365 * kMsPerDay);
    alice = *gov->LocalPrincipal("alice");
    (void)gov->SetGalleryPolicy(admin, {"licences", {LegalBasis::kWarrant}, "standard"});
    AuthorizationSpec spec{
        LegalBasis::kWarrant,        "W-1", "Court", "case-1", "robbery", {"licences"},
        gov->Now() + 30 * kMsPerDay, 100000};
    auth = gov->CreateAuthorization(alice, spec)->id;
    (void)gov->ApproveAuthorization(*gov->LocalPrincipal("sue"), auth);
  }
  ~GovFixture() {
    gov.reset();
    fs::remove_all(dir);
  }
};

void BM_Authenticate(benchmark::State& state) {
  GovFixture f("auth", true);
  std::string token = f.gov->CreateApiToken(f.admin, "alice")->token;
  for (auto _ : state) {
    auto p = f.gov->Authenticate(token);
    if (!p.ok()) state.SkipWithError("authenticate failed");
  }
}
BENCHMARK(BM_Authenticate)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_PasswordSignIn(benchmark::State& state) {
  GovFixture f("signin", false);
  for (auto _ : state) {
    auto s = f.gov->SignIn("alice", "alice-password-123");
    if (!s.ok()) state.SkipWithError("sign-in failed");
  }
}
BENCHMARK(BM_PasswordSignIn)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BeginSearch(benchmark::State& state) {
  GovFixture f("begin", true);
  SearchRequest r;
  r.gallery = "licences";
  r.authorization_id = f.auth;
  r.probe_hash = std::string(64, 'b');
  for (auto _ : state) {
    auto t = f.gov->BeginSearch(f.alice, r);
    if (!t.ok()) state.SkipWithError(t.status().ToString().c_str());
  }
}
BENCHMARK(BM_BeginSearch)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace candor

BENCHMARK_MAIN();
