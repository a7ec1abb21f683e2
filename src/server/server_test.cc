// Copyright 2026 The Candor Authors.
//
// The service end to end: a real server on 127.0.0.1 (ephemeral port) over a
// temporary store, governance with an injectable clock, and the real face
// pipeline on LFW photos; called with httplib::Client. Every response is
// checked against docs/openapi.yaml (route, status, content type, body schema).

#include "server/server_test_util.h"
#include "candor/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <thread>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "candor/pipeline.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/test_env.h"
#include "search_desk/thresholds.h"
#include "server/openapi_conformance.h"

namespace candor {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kStart = 1'800'000'000'000;  // 2027-01-15
// Tests only: the LFW best-accuracy cosine threshold of the default embedder
// (../shared/docs/model-facts.md). The server itself takes thresholds from a
// calibration (cmd_serve).
constexpr float kTestThreshold = 0.362f;

// Thresholds and rates for the tests (search_desk/thresholds.h): the fixed
// test threshold unless `threshold` answers otherwise; rates only from `rate`.
class FixedRates final : public SearchCalibration {
 public:
  using ThresholdFn = std::function<StatusOr<float>(const GalleryInfo&, SearchKind)>;
  using RateFn = std::function<StatusOr<ScoreRate>(const GalleryInfo&, SearchKind, double, int64_t)>;
  FixedRates(ThresholdFn threshold, RateFn rate)
      : threshold_(std::move(threshold)), rate_(std::move(rate)) {}
  StatusOr<Threshold> ThresholdFor(const GalleryInfo& g, SearchKind kind) const override {
    float t = kTestThreshold;
    if (threshold_) {
      CANDOR_ASSIGN_OR_RETURN(t, threshold_(g, kind));
    }
    return Threshold{t, kFromFixedThreshold, "the tests' fixed threshold", false};
  }
  StatusOr<ScoreRate> RateOf(const GalleryInfo& g, SearchKind kind, double score,
                             int64_t n) const override {
    if (!rate_) return UnimplementedError("no rates in this test");
    return rate_(g, kind, score, n);
  }

 private:
  ThresholdFn threshold_;
  RateFn rate_;
};

std::string Iso(int64_t ms) {
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string B64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

const Pipeline* SharedPipeline() {
  static std::unique_ptr<Pipeline> p = [] {
    auto r = Pipeline::Open({});
    return r.ok() ? std::move(r).value() : nullptr;
  }();
  return p.get();
}

struct Reply {
  int status = 0;
  std::string content_type;
  std::string raw;
  json body;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CANDOR_REQUIRE_DATA(data);
    CANDOR_REQUIRE_MODEL(DefaultEmbedderId() + ".onnx");
    lfw_ = data / "faces" / "lfw";
    ASSERT_NE(SharedPipeline(), nullptr);
    dir_ = server_test::FreshTestDir("candor_srv");
    now_ = kStart;
    auto st = server_test::OpenFreshStore(dir_, &key_);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    store_ = std::move(st).value();
    audit_key_ = GenerateAuditKey();
    auto g = Governance::Open(dir_ / "store", audit_key_, GovOptions());
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gov_ = std::move(g).value();
    ASSERT_TRUE(gov_->BootstrapAdmin("admin", "admin-password-123", kStart + 365 * kDay).ok());
    StartService();
    admin_ = SignIn("admin", "admin-password-123");
  }

  GovernanceOptions GovOptions() {
    GovernanceOptions go;
    go.clock = [this] { return now_.load(); };
    go.fast_password_hashing = true;
    go.purge_probe = [this](const std::string& id) {
      return service_ ? service_->DeleteProbe(id) : OkStatus();
    };
    return go;
  }

  // Reopens governance over the same store with `configure` applied to its
  // options (as `candor serve` flags do) and restarts the service on it.
  void ReopenGovernance(const std::function<void(GovernanceOptions&)>& configure) {
    http_.reset();
    service_.reset();
    gov_.reset();
    GovernanceOptions go = GovOptions();
    configure(go);
    auto g = Governance::Open(dir_ / "store", audit_key_, go);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gov_ = std::move(g).value();
    StartService();
  }

  void StartService(int rate_per_minute = 6000, int burst = 1000) {
    http_.reset();
    service_.reset();
    ServerOptions o;
    o.clock = [this] { return now_.load(); };
    o.calibration = std::make_shared<FixedRates>(threshold_, score_rate_);
    o.max_body_bytes = max_body_bytes_;
    o.probe_dir = dir_ / "probes";
    o.probe_key = key_;
    o.audit_public_key = audit_key_.public_key;
    o.max_image_bytes = 1 << 20;
    o.rate_limit_per_minute = rate_per_minute;
    o.rate_burst = burst;
    o.image_megapixels_per_minute = image_budget_;
    service_ = std::make_unique<Service>(gov_.get(), store_.get(),
                                         without_pipeline_ ? nullptr : SharedPipeline(), o);
    HttpServerOptions ho;
    ho.purge_interval_ms = 0;  // tests drive the purge with the clock
    auto h = HttpServer::Start(service_.get(), ho);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    http_ = std::move(h).value();
  }

  void TearDown() override {
    if (!HasFatalFailure() && !IsSkipped()) {
      static const server::OpenApiSpec spec = server::OpenApiSpec::Load();
      for (const auto& [method, path, r] : log_) {
        EXPECT_EQ(spec.Check(method, path, r.status, r.content_type, r.raw), "")
            << method << " " << path << " -> " << r.status << " " << r.raw.substr(0, 300);
      }
    }
    http_.reset();
    service_.reset();
    gov_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "", const std::string& ctype = "application/json") {
    httplib::Client cli("127.0.0.1", http_->port());
    cli.set_read_timeout(120, 0);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto send = [&]() -> httplib::Result {
      if (method == "POST") return cli.Post(path.c_str(), h, body, ctype.c_str());
      if (method == "PUT") return cli.Put(path.c_str(), h, body, ctype.c_str());
      if (method == "PATCH") return cli.Patch(path.c_str(), h, body, ctype.c_str());
      if (method == "DELETE") return cli.Delete(path.c_str(), h);
      return cli.Get(path.c_str(), h);
    };
    httplib::Result res = send();
    Reply r;
    if (!res) {
      ADD_FAILURE() << "no response for " << method << " " << path;
      return r;
    }
    r.status = res->status;
    r.content_type = res->get_header_value("Content-Type");
    r.raw = res->body;
    if (r.content_type.rfind("application/json", 0) == 0)
      r.body = json::parse(r.raw, nullptr, false);
    log_.emplace_back(method, path.substr(0, path.find('?')), r);
    return r;
  }
  Reply Post(const std::string& path, const std::string& token, const json& body) {
    return Call("POST", path, token, body.dump());
  }

  std::string SignIn(const std::string& user, const std::string& password) {
    Reply r = Post("/v1/sessions", "", {{"username", user}, {"password", password}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("token", "");
  }

  // Admin creates an account; returns its session token.
  std::string Person(const std::string& user, const std::string& role) {
    Reply r = Post("/v1/accounts", admin_,
                   {{"username", user},
                    {"role", role},
                    {"password", user + "-password-123"},
                    {"training_expires_at", Iso(kStart + 180 * kDay)}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return SignIn(user, user + "-password-123");
  }

  std::string Photo(const std::string& name, int n) {
    char file[256];
    std::snprintf(file, sizeof file, "%s_%04d.jpg", name.c_str(), n);
    return ReadBytes(lfw_ / name / file);
  }

  // Gallery `name` with bases; enrolls the first photo of each identity.
  void Gallery(const std::string& name, const std::vector<std::string>& bases) {
    Reply r = Post("/v1/galleries", admin_,
                   {{"name", name},
                    {"description", "test bookings"},
                    {"legal_basis", "statute"},
                    {"retention_class", "P10Y"},
                    {"allowed_search_bases", bases}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  void Enroll(const std::string& gallery, const std::string& token) {
    for (const auto& who : kPeople) {
      Reply r = Post("/v1/galleries/" + gallery + "/subjects", token,
                     {{"subject_id", who}, {"image", B64(Photo(who, 1))}});
      ASSERT_EQ(r.status, 201) << r.raw;
    }
  }

  // An authorization created by `inv` and approved by `sup`; returns its id.
  std::string Authorize(const std::string& inv, const std::string& sup, const std::string& basis,
                        const std::vector<std::string>& galleries, int max_searches = 5,
                        int64_t expires = kStart + 30 * kDay) {
    Reply r = Post("/v1/authorizations", inv,
                   {{"basis", basis},
                    {"reference", "W-2027-001"},
                    {"issuing_authority", "Court"},
                    {"case_id", "case-1"},
                    {"purpose", "robbery"},
                    {"galleries", galleries},
                    {"expires_at", Iso(expires)},
                    {"max_searches", max_searches}});
    EXPECT_EQ(r.status, 201) << r.raw;
    const std::string id = r.body.value("id", "");
    if (!sup.empty()) {
      Reply a = Call("POST", "/v1/authorizations/" + id + "/approve", sup);
      EXPECT_EQ(a.status, 200) << a.raw;
    }
    return id;
  }

  // An exigent authorization over "bookings" recorded by supervisor `sup` (an
  // exigent one needs no approval), at most 3 searches.
  Reply ExigentAuthorization(const std::string& sup, const std::string& reference,
                             const std::string& case_id, int64_t expires_ms) {
    return Post("/v1/authorizations", sup,
                {{"basis", "exigent"},
                 {"reference", reference},
                 {"issuing_authority", "duty sgt"},
                 {"case_id", case_id},
                 {"purpose", "missing child"},
                 {"galleries", {"bookings"}},
                 {"expires_at", Iso(expires_ms)},
                 {"max_searches", 3}});
  }

  Reply Identify(const std::string& token, const std::string& auth, const std::string& gallery,
                 const std::string& image) {
    return Post("/v1/identify", token,
                {{"authorization_id", auth}, {"gallery", gallery}, {"image", B64(image)}});
  }

  int64_t AuditCount(const std::string& action, const std::string& decision) {
    auto entries = ReadAuditEntries(gov_->audit_log_path());
    EXPECT_TRUE(entries.ok());
    int64_t n = 0;
    for (const auto& e : *entries) n += e.action == action && e.decision == decision;
    return n;
  }

  const std::vector<std::string> kPeople = {"Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody",
                                            "Alejandro_Toledo", "Ari_Fleischer"};
  fs::path lfw_, dir_;
  std::atomic<int64_t> now_{kStart};
  StoreKey key_{};
  AuditSigningKey audit_key_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Governance> gov_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> http_;
  std::string admin_;
  std::vector<std::tuple<std::string, std::string, Reply>> log_;
  // StartService's options (defaults: the fixed test threshold, 12 MiB, the pipeline).
  FixedRates::ThresholdFn threshold_;
  FixedRates::RateFn score_rate_;
  size_t max_body_bytes_ = 12u << 20;
  bool without_pipeline_ = false;
  int image_budget_ = 600;
};

TEST_F(ServerTest, IdentifyReviewByTwoPeopleReleaseAndAudit) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string exb = Person("emil", "examiner");
  const std::string aud = Person("audra", "auditor");
  const std::string enr = Person("enzo", "enroller");
  EXPECT_EQ(Call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(Call("GET", "/v1/whoami", inv).body["role"], "investigator");
  Gallery("bookings", {"warrant", "court_order", "subpoena", "consent", "exigent"});
  Enroll("bookings", enr);
  EXPECT_EQ(Call("GET", "/v1/galleries/bookings", inv).body["subjects"], 5);
  EXPECT_EQ(Call("GET", "/v1/galleries", inv).status, 200);
  Reply qual = Post("/v1/quality", inv, {{"image", B64(Photo("Adrien_Brody", 2))}});
  ASSERT_EQ(qual.status, 200) << qual.raw;
  EXPECT_GE(qual.body["faces"].size(), 1u);  // LFW photos can hold background faces too
  EXPECT_GT(qual.body["faces"][0]["box"]["width"].get<double>(), 50);

  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + auth, inv).body["status"], "active");
  EXPECT_EQ(Call("GET", "/v1/authorizations", inv).status, 200);
  const std::string probe = Photo("Adrien_Brody", 2);
  Reply s = Identify(inv, auth, "bookings", probe);
  ASSERT_EQ(s.status, 201) << s.raw;
  EXPECT_EQ(s.body["status"], "pending_review");
  EXPECT_FALSE(s.body.contains("candidates"));  // the requester sees no candidates yet
  EXPECT_NE(s.body["label"].get<std::string>().find("NOT A POSITIVE IDENTIFICATION"),
            std::string::npos);
  const std::string id = s.body["id"];

  // Before review: no lead for the requester.
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/lead", inv).status, 412);
  EXPECT_EQ(Call("GET", "/v1/searches/" + id, inv).body["status"], "pending_review");
  EXPECT_EQ(Call("GET", "/v1/searches", inv).body["searches"].size(), 1u);

  // The examiner sees candidates and the probe; the mate ranks first.
  Reply v = Call("GET", "/v1/searches/" + id, exa);
  ASSERT_EQ(v.status, 200) << v.raw;
  ASSERT_GE(v.body["candidates"].size(), 1u);
  EXPECT_EQ(v.body["candidates"][0]["subject_id"], "Adrien_Brody");
  Reply img = Call("GET", "/v1/searches/" + id + "/probe", exa);
  EXPECT_EQ(img.status, 200);
  EXPECT_EQ(img.raw, probe);
  Reply cand = Call("GET", "/v1/searches/" + id + "/candidates/1/image", exa);  // kept at enrolment
  EXPECT_EQ(cand.status, 200);
  EXPECT_EQ(cand.raw, Photo("Adrien_Brody", 1));

  json confirm = {{"subject_id", "Adrien_Brody"}, {"decision", "confirm"}, {"notes", "ear, scar"}};
  EXPECT_EQ(Post("/v1/searches/" + id + "/reviews", exa, confirm).status, 201);
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/lead", inv).status, 412);       // one confirmation
  EXPECT_EQ(Post("/v1/searches/" + id + "/reviews", exa, confirm).status, 409);  // same person
  EXPECT_EQ(Post("/v1/searches/" + id + "/reviews", inv, confirm).status, 403);  // requester
  EXPECT_EQ(Post("/v1/searches/" + id + "/reviews", exb, confirm).status, 201);

  Reply lead = Call("GET", "/v1/searches/" + id + "/lead", inv);
  ASSERT_EQ(lead.status, 200) << lead.raw;
  EXPECT_EQ(lead.body["confirmed_subject_ids"], json::array({"Adrien_Brody"}));
  EXPECT_EQ(Call("GET", "/v1/searches/" + id, inv).body["status"], "lead_released");

  // The auditor reads an intact audit log but never images or candidates.
  Reply page = Call("GET", "/v1/audit?limit=1000", aud);
  ASSERT_EQ(page.status, 200);
  bool saw_identify = false;
  for (const auto& e : page.body["entries"]) {
    saw_identify |= e["action"] == "search.identify" && e["decision"] == "allow";
    EXPECT_EQ(e.dump().find(B64(probe).substr(0, 40)), std::string::npos);
  }
  EXPECT_TRUE(saw_identify);
  Reply ver = Call("GET", "/v1/audit/verify", aud);
  EXPECT_EQ(ver.status, 200);
  EXPECT_EQ(ver.body["intact"], true) << ver.raw;
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/probe", aud).status, 403);
  EXPECT_EQ(Call("GET", "/v1/searches/" + id, aud).status, 403);
  EXPECT_EQ(Call("GET", "/v1/audit", inv).status, 403);
  const std::string q = "?from=" + Iso(kStart - kDay) + "&to=" + Iso(kStart + kDay);
  Reply tr = Call("GET", "/v1/reports/transparency" + q, aud);
  ASSERT_EQ(tr.status, 200);
  EXPECT_GE(tr.body["leads_released"].get<int64_t>(), 1);
  EXPECT_EQ(Call("GET", "/v1/reports/transparency" + q + "&format=html", aud)
                .content_type.rfind("text/html", 0),
            0u);
  Reply m = Call("GET", "/metrics", aud);  // gallery gauges need an auditor's or admin's token
  EXPECT_NE(m.raw.find("candor_searches_total{kind=\"identify\",outcome=\"candidates\"} 1"),
            std::string::npos);
  EXPECT_NE(m.raw.find("candor_gallery_subjects{gallery=\"bookings\"} 5"), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/v1/sessions", inv).status, 204);
  EXPECT_EQ(Call("GET", "/v1/whoami", inv).status, 401);
}

// The auditor's screen: newest first, filters (actor, action family,
// outcome, time), paging with a cursor; a query is audited once (its first
// page), not once per page; refused sign-ins are counted in the report.
TEST_F(ServerTest, AuditLogNewestFirstFilteredPagedAndAuditedOncePerQuery) {
  const std::string aud = Person("audra", "auditor");
  const std::string inv = Person("ivan", "investigator");
  ASSERT_EQ(Post("/v1/sessions", "", {{"username", "ivan"}, {"password", "wrong-password-1"}}).status,
            401);
  Reply all = Call("GET", "/v1/audit?limit=1000", aud);
  ASSERT_EQ(all.status, 200) << all.raw;
  const size_t n = all.body["entries"].size();
  ASSERT_GE(n, 5u);
  EXPECT_EQ(all.body["total"], n);

  // Newest first, two per page, following the cursor to the end.
  const int64_t reads0 = AuditCount("audit.read", "allow");
  std::vector<int64_t> seqs;
  std::string cursor;
  int pages = 0;
  do {
    Reply p = Call("GET", "/v1/audit?order=desc&limit=2" + cursor, aud);
    ASSERT_EQ(p.status, 200) << p.raw;
    ASSERT_LE(p.body["entries"].size(), 2u);
    for (const auto& e : p.body["entries"]) seqs.push_back(e["seq"].get<int64_t>());
    cursor = p.body.contains("next_seq") ? "&to_seq=" + std::to_string(p.body["next_seq"].get<int64_t>()) : "";
    ++pages;
  } while (!cursor.empty() && pages < 100);
  ASSERT_GE(seqs.size(), n);  // the first desc page's own audit.read entry is newer than `all`
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], seqs[i - 1] - 1) << "dense, newest first";
  EXPECT_EQ(seqs.back(), 1);
  EXPECT_GT(pages, 2);
  EXPECT_EQ(AuditCount("audit.read", "allow"), reads0 + 1) << "one entry for the query, none per page";

  // Filters: the refused sign-in by actor and outcome; an action family; time.
  Reply refused = Call("GET", "/v1/audit?order=desc&actor=ivan&outcome=refused", aud);
  ASSERT_EQ(refused.status, 200) << refused.raw;
  ASSERT_EQ(refused.body["entries"].size(), 1u) << refused.raw;
  EXPECT_EQ(refused.body["entries"][0]["action"], "auth.signin");
  EXPECT_EQ(refused.body["entries"][0]["decision"], "deny");
  Reply family = Call("GET", "/v1/audit?action=account", aud);
  ASSERT_EQ(family.status, 200);
  ASSERT_GE(family.body["entries"].size(), 2u);
  for (const auto& e : family.body["entries"]) EXPECT_EQ(e["action"].get<std::string>().rfind("account.", 0), 0u);
  Reply later = Call("GET", "/v1/audit?since=" + Iso(kStart + kDay), aud);
  ASSERT_EQ(later.status, 200);
  EXPECT_EQ(later.body["entries"].size(), 0u);
  EXPECT_EQ(later.body["total"], 0);
  EXPECT_EQ(Call("GET", "/v1/audit?order=sideways", aud).status, 400);
  EXPECT_EQ(Call("GET", "/v1/audit?since=yesterday", aud).status, 400);

  const std::string q = "?from=" + Iso(kStart - kDay) + "&to=" + Iso(kStart + kDay);
  Reply tr = Call("GET", "/v1/reports/transparency" + q, aud);
  ASSERT_EQ(tr.status, 200) << tr.raw;
  EXPECT_EQ(tr.body["signins_refused"], 1) << tr.raw;
  EXPECT_EQ(tr.body["refused"], 0) << "refused searches, not sign-ins";
}

TEST_F(ServerTest, PolicyRefusalsHaveExactStatusesAndAreAudited) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant", "subpoena"});
  Gallery("licences", {"warrant", "court_order"});
  Enroll("bookings", enr);
  Enroll("licences", enr);
  const std::string probe = Photo("Abdullah_Gul", 2);
  const int64_t denied0 = AuditCount("search.identify", "deny");

  // No authorization / unknown authorization.
  EXPECT_EQ(Identify(inv, "", "bookings", probe).status, 403);
  EXPECT_EQ(Identify(inv, "no-such-auth", "bookings", probe).status, 403);
  // Pending (not approved).
  const std::string pending = Authorize(inv, "", "warrant", {"bookings"});
  EXPECT_EQ(Identify(inv, pending, "bookings", probe).status, 403);
  // Out-of-scope gallery; unknown gallery.
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"}, 2, kStart + 2 * kDay);
  EXPECT_EQ(Identify(inv, auth, "licences", probe).status, 403);
  EXPECT_EQ(Identify(inv, auth, "nowhere", probe).status, 404);
  // Basis the gallery does not accept.
  const std::string subpoena = Authorize(inv, sup, "subpoena", {"licences", "bookings"});
  EXPECT_EQ(Identify(inv, subpoena, "licences", probe).status, 403);
  // Wrong role.
  EXPECT_EQ(Identify(exa, auth, "bookings", probe).status, 403);
  // Max searches: 2 allowed, the third is refused.
  EXPECT_EQ(Identify(inv, auth, "bookings", probe).status, 201);
  EXPECT_EQ(Identify(inv, auth, "bookings", probe).status, 201);
  EXPECT_EQ(Identify(inv, auth, "bookings", probe).status, 403);
  // Expired authorization.
  const std::string later = Authorize(inv, sup, "warrant", {"bookings"}, 5, kStart + 3 * kDay);
  now_ += 4 * kDay;
  const std::string inv2 = SignIn("ivan", "ivan-password-123");
  EXPECT_EQ(Identify(inv2, later, "bookings", probe).status, 403);
  // Training lapsed.
  const std::string admin = SignIn("admin", "admin-password-123");
  const std::string fresh =
      Authorize(inv2, SignIn("sara", "sara-password-123"), "warrant", {"bookings"});
  Reply p = Call("PATCH", "/v1/accounts/ivan", admin,
                 json{{"training_expires_at", Iso(now_ - kDay)}}.dump());
  EXPECT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(Identify(inv2, fresh, "bookings", probe).status, 403);
  EXPECT_GE(AuditCount("search.identify", "deny") - denied0, 8);
}

TEST_F(ServerTest, CredentialsAndMalformedRequestsGetPrecise4xx) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  const int64_t refused0 = AuditCount("search.identify", "deny") + AuditCount("auth.token", "deny");

  EXPECT_EQ(Call("GET", "/v1/whoami", "").status, 401);
  EXPECT_EQ(Call("GET", "/v1/whoami", "not-a-token").status, 401);
  EXPECT_EQ(
      Post("/v1/sessions", "", {{"username", "ivan"}, {"password", "wrong-password-1"}}).status,
      401);
  EXPECT_EQ(Call("POST", "/v1/identify", inv, "{not json").status, 400);
  EXPECT_EQ(Call("POST", "/v1/identify", inv, "[1,2]").status, 400);
  EXPECT_EQ(Post("/v1/identify", inv,
                 {{"authorization_id", auth},
                  {"gallery", "bookings"},
                  {"image", B64(Photo("Abdullah_Gul", 2))},
                  {"extra", 1}})
                .status,
            400);
  EXPECT_EQ(Post("/v1/identify", inv,
                 {{"authorization_id", 7}, {"gallery", "bookings"}, {"image", "AAAA"}})
                .status,
            400);
  EXPECT_EQ(Post("/v1/identify", inv,
                 {{"authorization_id", auth}, {"gallery", "bookings"}, {"image", "!!!not base64"}})
                .status,
            400);
  EXPECT_EQ(Post("/v1/identify", inv,
                 {{"authorization_id", auth},
                  {"gallery", "bookings"},
                  {"image", B64(std::string(2 << 20, 'x'))}})
                .status,
            413);
  // A photo with no face: 422 (the search was allowed, the probe failed: audited).
  std::vector<uchar> gray;
  cv::imencode(".jpg", cv::Mat(200, 200, CV_8UC3, cv::Scalar(128, 128, 128)), gray);
  EXPECT_EQ(Identify(inv, auth, "bookings", std::string(gray.begin(), gray.end())).status, 422);
  EXPECT_GE(AuditCount("search.probe_failed", "allow"), 1);
  // Wrong role for admin routes.
  EXPECT_EQ(Call("GET", "/v1/accounts", inv).status, 403);
  EXPECT_EQ(Post("/v1/accounts", admin_,
                 {{"username", "x1y"}, {"role", "wizard"}, {"training_expires_at", Iso(kStart)}})
                .status,
            400);
  EXPECT_EQ(Post("/v1/accounts", admin_,
                 {{"username", "ivan"},
                  {"role", "examiner"},
                  {"password", "long-enough-pass"},
                  {"training_expires_at", Iso(kStart)}})
                .status,
            409);
  // Expired session (30 minutes).
  now_ += 31 * 60 * 1000;
  EXPECT_EQ(Call("GET", "/v1/whoami", inv).status, 401);
  EXPECT_GT(AuditCount("search.identify", "deny") + AuditCount("auth.token", "deny"), refused0);
}

TEST_F(ServerTest, RateLimitAnswers429) {
  StartService(/*rate_per_minute=*/60, /*burst=*/5);
  const std::string t = SignIn("admin", "admin-password-123");
  int ok = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    const int s = Call("GET", "/v1/whoami", t).status;
    ok += s == 200;
    limited += s == 429;
  }
  EXPECT_EQ(ok, 5);  // the account's burst (sign-in counted against the address)
  EXPECT_EQ(limited, 3);
  EXPECT_GE(AuditCount("http.rate_limited", "deny"), 3);
  now_ += 60 * 1000;  // a minute refills the bucket
  EXPECT_EQ(Call("GET", "/v1/whoami", t).status, 200);
}

TEST_F(ServerTest, ExigentSearchWithoutBackingIsPurgedWithItsProbe) {
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant", "exigent"});
  Enroll("bookings", enr);
  Reply a = ExigentAuthorization(sup, "E-1", "case-9", kStart + 2 * kDay);
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_TRUE(a.body.contains("exigent_deadline"));
  Reply s = Identify(sup, a.body["id"], "bookings", Photo("Ari_Fleischer", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/probe", exa).status, 200);
  now_ += 49 * kHour;
  auto purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->exigent_searches_purged, 1);
  EXPECT_FALSE(fs::exists(dir_ / "probes" / (id + ".probe")));
  const std::string exa2 = SignIn("erin", "erin-password-123");
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/probe", exa2).status, 412);
}

// The server runs the purge itself: HttpServer's timer (not a direct RunPurge
// call) purges an unbacked exigent search and its probe once the injected clock
// is past the 48 h window, and nothing before it.
TEST_F(ServerTest, PurgeTimerPurgesUnbackedExigentSearchOnItsOwn) {
  const std::string sup = Person("sara", "supervisor");
  Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant", "exigent"});
  Enroll("bookings", enr);
  Reply a = ExigentAuthorization(sup, "E-2", "case-10", kStart + 2 * kDay);
  ASSERT_EQ(a.status, 201) << a.raw;
  Reply s = Identify(sup, a.body["id"], "bookings", Photo("Ari_Fleischer", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  const fs::path probe = dir_ / "probes" / (id + ".probe");
  ASSERT_TRUE(fs::exists(probe));

  HttpServerOptions ho;
  ho.purge_interval_ms = 20;
  auto timer = HttpServer::Start(service_.get(), ho);
  ASSERT_TRUE(timer.ok()) << timer.status().ToString();
  // Inside the window: many timer rounds purge nothing.
  now_ += 47 * kHour;
  for (int i = 0; i < 20; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(fs::exists(probe)) << "purged inside the exigent window";
  // Past it: the timer purges (bounded wait for the event, not a speed check).
  now_ += 2 * kHour;
  for (int i = 0; i < 1000 && fs::exists(probe); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (*timer)->Stop();
  EXPECT_FALSE(fs::exists(probe)) << "the server's purge timer did not purge the probe";
  const std::string exa2 = SignIn("erin", "erin-password-123");  // the old session expired
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/probe", exa2).status, 412);
}

// A configured exigent window (candor serve --exigent-window-hours) is the one
// shown and the one enforced: 24 h here, not the 48 h default. The deadline in
// the authorization (create, get, list) and in the examiner's view is created +
// 24 h; nothing is purged before it, the search and its probe are at it.
TEST_F(ServerTest, ConfiguredExigentWindowIsTheDeadlineShownAndEnforced) {
  ReopenGovernance([](GovernanceOptions& o) { o.policy.exigent_window_ms = 24 * kHour; });
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant", "exigent"});
  Enroll("bookings", enr);
  Reply a = ExigentAuthorization(sup, "E-3", "case-11", kStart + 3 * kDay);
  ASSERT_EQ(a.status, 201) << a.raw;
  const std::string deadline = Iso(kStart + 24 * kHour);
  const std::string auth = a.body["id"];
  EXPECT_EQ(a.body["exigent_deadline"], deadline);
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + auth, sup).body["exigent_deadline"], deadline);
  Reply list = Call("GET", "/v1/authorizations", sup);
  ASSERT_EQ(list.body["authorizations"].size(), 1u) << list.raw;
  EXPECT_EQ(list.body["authorizations"][0]["exigent_deadline"], deadline);
  Reply s = Identify(sup, auth, "bookings", Photo("Ari_Fleischer", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  EXPECT_EQ(Call("GET", "/v1/searches/" + id, exa).body["exigent_deadline"], deadline);
  const fs::path probe = dir_ / "probes" / (id + ".probe");
  ASSERT_TRUE(fs::exists(probe));

  now_ = kStart + 24 * kHour - 1000;
  auto purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->exigent_searches_purged, 0);
  EXPECT_TRUE(fs::exists(probe));
  const std::string sup2 = SignIn("sara", "sara-password-123");
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + auth, sup2).body["usable"], true);
  now_ = kStart + 24 * kHour;
  purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->exigent_searches_purged, 1);
  EXPECT_EQ(purge->authorizations_lapsed, 1);
  EXPECT_FALSE(fs::exists(probe));
  Reply lapsed = Call("GET", "/v1/authorizations/" + auth, sup2);
  EXPECT_EQ(lapsed.body["status"], "lapsed");
  EXPECT_EQ(lapsed.body["exigent_deadline"], deadline);
}

// POST /v1/galleries/{gallery}/retune, as `candor gallery retune`: admin only,
// audited (refusals too); a gallery searched exactly has no setting to tune
// (412, saying so), an unknown one is 404, a body is refused. (The retrain
// itself: PersistedIndex.TheStoresIndexesCarryARetrainPolicyAndRetuneOnRequest.)
TEST_F(ServerTest, GalleryRetuneIsAdminOnlyAuditedAndRefusedForAnExactGallery) {
  const std::string inv = Person("ivan", "investigator");
  Gallery("bookings", {"warrant"});
  auto retune = [&](const std::string& g, const std::string& token, const std::string& body = "") {
    return Call("POST", "/v1/galleries/" + g + "/retune", token, body);
  };
  EXPECT_EQ(retune("bookings", inv).status, 403);
  Reply exact = retune("bookings", admin_);
  EXPECT_EQ(exact.status, 412) << exact.raw;
  EXPECT_NE(exact.raw.find("searched exactly"), std::string::npos) << exact.raw;
  EXPECT_EQ(retune("nowhere", admin_).status, 404);
  EXPECT_EQ(retune("bookings", admin_, "{}").status, 400);
  EXPECT_EQ(AuditCount("gallery.retune", "deny"), 4);
  EXPECT_EQ(AuditCount("gallery.retune", "allow"), 0);
}

// A face gallery's subject_score rule over the API, as `candor gallery
// create --subject-score` and `gallery set` on the CLI: POST /v1/galleries
// takes it (validated; absent, a face gallery gets "centroid" and a finger
// gallery "max"), GET and the list report it, PATCH changes it (admin only);
// every change and every refusal is audited, the creation's entry names the
// rule given or defaulted, and a refused request changes nothing.
TEST_F(ServerTest, GallerySubjectScoreIsSetValidatedReportedAndAudited) {
  const std::string inv = Person("ivan", "investigator");
  json twos = {{"name", "twos"},
               {"description", "two photos a person"},
               {"legal_basis", "statute"},
               {"retention_class", "P10Y"},
               {"allowed_search_bases", {"warrant"}},
               {"subject_score", "mean"}};
  Reply bad = Post("/v1/galleries", admin_, twos);
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_NE(bad.raw.find("centroid"), std::string::npos) << bad.raw;
  twos["subject_score"] = "";  // given, it must name a rule
  bad = Post("/v1/galleries", admin_, twos);
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(Call("GET", "/v1/galleries/twos", admin_).status, 404);
  twos["subject_score"] = "max";  // an explicit max is kept
  Reply made = Post("/v1/galleries", admin_, twos);
  ASSERT_EQ(made.status, 201) << made.raw;
  EXPECT_EQ(made.body["subject_score"], "max");
  EXPECT_EQ(Call("GET", "/v1/galleries/twos", inv).body["subject_score"], "max");
  EXPECT_EQ(store_->GetGallery("twos")->subject_score, kSubjectScoreMax);
  Gallery("bookings", {"warrant"});  // no rule given: the face default
  EXPECT_EQ(Call("GET", "/v1/galleries/bookings", inv).body["subject_score"], "centroid");
  EXPECT_EQ(store_->GetGallery("bookings")->subject_score, kSubjectScoreCentroid);
  json finger = {{"name", "prints"},
                 {"description", "ten-prints"},
                 {"legal_basis", "statute"},
                 {"retention_class", "P10Y"},
                 {"allowed_search_bases", {"warrant"}},
                 {"modality", "finger"},
                 {"subject_score", "centroid"}};
  EXPECT_EQ(Post("/v1/galleries", admin_, finger).status, 400);
  finger.erase("subject_score");
  Reply prints = Post("/v1/galleries", admin_, finger);
  ASSERT_EQ(prints.status, 201) << prints.raw;
  EXPECT_FALSE(prints.body.contains("subject_score")) << "a finger gallery fuses by its own rule";
  EXPECT_EQ(store_->GetGallery("prints")->subject_score, kSubjectScoreMax);
  const int64_t created = AuditCount("gallery.create", "allow");
  EXPECT_EQ(AuditCount("gallery.create", "deny"), 3);
  {
    std::map<std::string, std::string> create_detail;
    auto entries = ReadAuditEntries(gov_->audit_log_path());
    ASSERT_TRUE(entries.ok());
    for (const auto& e : *entries) {
      if (e.action == "gallery.create" && e.decision == "allow") create_detail[e.gallery] = e.reason;
    }
    EXPECT_NE(create_detail["twos"].find("subject_score=max"), std::string::npos);
    EXPECT_NE(create_detail["bookings"].find("subject_score=centroid"), std::string::npos)
        << "the defaulted rule is audited: " << create_detail["bookings"];
    EXPECT_EQ(create_detail["prints"].find("subject_score"), std::string::npos);
  }

  auto patch = [&](const std::string& g, const std::string& token, const json& body) {
    return Call("PATCH", "/v1/galleries/" + g, token, body.dump());
  };
  Reply changed = patch("bookings", admin_, {{"subject_score", "max"}});
  ASSERT_EQ(changed.status, 200) << changed.raw;
  EXPECT_EQ(changed.body["subject_score"], "max");
  EXPECT_EQ(changed.body["name"], "bookings");
  EXPECT_EQ(store_->GetGallery("bookings")->subject_score, kSubjectScoreMax);
  EXPECT_EQ(AuditCount("gallery.set", "allow"), 1);
  bool detailed = false;
  auto entries = ReadAuditEntries(gov_->audit_log_path());
  ASSERT_TRUE(entries.ok());
  for (const auto& e : *entries) {
    detailed |= e.action == "gallery.set" && e.gallery == "bookings" &&
                e.reason.find("subject_score=max") != std::string::npos;
  }
  EXPECT_TRUE(detailed) << "the audit entry says what was set";

  // Refused, audited, nothing changed.
  EXPECT_EQ(patch("bookings", inv, {{"subject_score", "centroid"}}).status, 403);
  EXPECT_EQ(patch("bookings", admin_, {{"subject_score", "avg"}}).status, 400);
  EXPECT_EQ(patch("bookings", admin_, {{"subject_score", "centroid"}, {"index", "IVF"}}).status,
            400);
  EXPECT_EQ(patch("bookings", admin_, json::object()).status, 400);
  EXPECT_EQ(patch("nowhere", admin_, {{"subject_score", "max"}}).status, 404);
  EXPECT_EQ(patch("prints", admin_, {{"subject_score", "centroid"}}).status, 412);
  EXPECT_EQ(store_->GetGallery("bookings")->subject_score, kSubjectScoreMax);
  EXPECT_EQ(AuditCount("gallery.set", "deny"), 6);
  EXPECT_EQ(AuditCount("gallery.set", "allow"), 1);
  EXPECT_EQ(AuditCount("gallery.create", "allow"), created);

  // And back: the list reports the rule of each face gallery.
  ASSERT_EQ(patch("bookings", admin_, {{"subject_score", "centroid"}}).status, 200);
  Reply list = Call("GET", "/v1/galleries", inv);
  ASSERT_EQ(list.status, 200);
  int listed = 0;
  for (const auto& g : list.body["galleries"]) {
    if (g["name"] == "bookings") {
      EXPECT_EQ(g["subject_score"], "centroid");
      ++listed;
    }
    if (g["name"] == "twos") {
      EXPECT_EQ(g["subject_score"], "max");
      ++listed;
    }
  }
  EXPECT_EQ(listed, 2);
}

// POST /v1/galleries takes governance's retention class for the gallery's
// searches (search_retention; retention_class is the ISO period the gallery's
// own records are held): a "short" gallery's probe and results are purged at
// 7 days, not at the standard 30; an unknown class is 400 and creates nothing.
TEST_F(ServerTest, GallerySearchRetentionClassSetsThePurgePeriod) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  json quick = {{"name", "quick"},
                {"description", "test bookings"},
                {"legal_basis", "statute"},
                {"retention_class", "P10Y"},
                {"allowed_search_bases", {"warrant"}},
                {"search_retention", "fortnight"}};
  Reply bad = Post("/v1/galleries", admin_, quick);
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_NE(bad.raw.find("short (7 d)"), std::string::npos) << bad.raw;
  EXPECT_EQ(Call("GET", "/v1/galleries/quick", admin_).status, 404);
  EXPECT_FALSE(gov_->GetGalleryPolicy("quick").ok());
  quick["search_retention"] = "short";
  Reply made = Post("/v1/galleries", admin_, quick);
  ASSERT_EQ(made.status, 201) << made.raw;
  EXPECT_EQ(made.body["search_retention"], "short");
  EXPECT_EQ(made.body["retention_class"], "P10Y");
  Gallery("bookings", {"warrant"});  // no search_retention: standard
  EXPECT_EQ(Call("GET", "/v1/galleries/bookings", inv).body["search_retention"], "standard");
  EXPECT_EQ(Call("GET", "/v1/galleries/quick", inv).body["search_retention"], "short");
  Enroll("quick", enr);
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"quick", "bookings"});
  Reply s1 = Identify(inv, auth, "quick", Photo("Adrien_Brody", 2));
  Reply s2 = Identify(inv, auth, "bookings", Photo("Adrien_Brody", 2));
  ASSERT_EQ(s1.status, 201) << s1.raw;
  ASSERT_EQ(s2.status, 201) << s2.raw;
  const std::string id1 = s1.body["id"], id2 = s2.body["id"];
  EXPECT_EQ(Call("GET", "/v1/searches/" + id1, exa).body["retain_until"], Iso(kStart + 7 * kDay));
  EXPECT_EQ(Call("GET", "/v1/searches/" + id2, exa).body["retain_until"], Iso(kStart + 30 * kDay));
  const fs::path p1 = dir_ / "probes" / (id1 + ".probe"), p2 = dir_ / "probes" / (id2 + ".probe");
  ASSERT_TRUE(fs::exists(p1));

  now_ = kStart + 7 * kDay - 1000;
  auto purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->searches_purged, 0);
  EXPECT_TRUE(fs::exists(p1));
  now_ = kStart + 7 * kDay;  // the short class's period: the quick gallery's search goes
  purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->searches_purged, 1);
  EXPECT_FALSE(fs::exists(p1));
  EXPECT_TRUE(fs::exists(p2));
  const std::string exa2 = SignIn("erin", "erin-password-123");
  EXPECT_EQ(Call("GET", "/v1/searches/" + id1, exa2).status, 412);  // purged
  EXPECT_EQ(Call("GET", "/v1/searches/" + id2, exa2).status, 200);
  now_ = kStart + 30 * kDay;  // the standard class's period
  purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->searches_purged, 1);
  EXPECT_FALSE(fs::exists(p2));
}

// Answers decided before any handler: an unknown path (404), a method a known
// path does not take (405) and a body over the limit (413, before
// authentication, audited), each as docs/openapi.yaml says (TearDown checks).
TEST_F(ServerTest, UnknownRoutesWrongMethodsAndOversizedBodiesAreInTheSpec) {
  Reply none = Call("GET", "/v1/nothing", admin_);
  EXPECT_EQ(none.status, 404) << none.raw;
  EXPECT_EQ(none.body["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(Call("POST", "/v1/identify/extra", admin_, "{}").status, 404);
  Reply put = Call("PUT", "/v1/whoami", admin_, "{}");
  EXPECT_EQ(put.status, 405) << put.raw;
  EXPECT_NE(put.body["error"]["message"].get<std::string>().find("PUT"), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/v1/galleries", admin_).status, 405);
  EXPECT_EQ(Call("GET", "/v1/identify", admin_).status, 405);

  max_body_bytes_ = 64 << 10;
  StartService();
  const int64_t refused0 = AuditCount("http.refused", "deny");
  const json big = {{"basis", "warrant"},
                    {"reference", "W-1"},
                    {"issuing_authority", "Court"},
                    {"case_id", "case-1"},
                    {"purpose", std::string(100 << 10, 'x')},
                    {"galleries", {"bookings"}},
                    {"expires_at", Iso(kStart + kDay)},
                    {"max_searches", 1}};
  Reply r = Post("/v1/authorizations", admin_, big);
  EXPECT_EQ(r.status, 413) << r.raw.substr(0, 300);
  EXPECT_EQ(r.body["error"]["code"], "RESOURCE_EXHAUSTED");
  // Before authentication: no token, or a bad one, is still 413.
  EXPECT_EQ(Post("/v1/sessions", "", {{"username", std::string(100 << 10, 'a')},
                                      {"password", "x"}})
                .status,
            413);
  EXPECT_EQ(Call("PUT", "/v1/cases/case-1", "not-a-token", big.dump()).status, 413);
  EXPECT_EQ(AuditCount("http.refused", "deny") - refused0, 3);
  // Under the limit the same route answers as usual.
  EXPECT_EQ(Call("GET", "/v1/whoami", admin_).status, 200);
}

// 503 without a face pipeline, 412 when the gallery's calibration does not
// match (the threshold function's FAILED_PRECONDITION): both in the spec.
TEST_F(ServerTest, NoPipelineAndMismatchedCalibrationAnswerAsTheSpecSays) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant", "consent"});
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  threshold_ = [](const GalleryInfo&, SearchKind) -> StatusOr<float> {
    return FailedPreconditionError("calibration is for model other-model, not this gallery's");
  };
  StartService();
  Reply id = Identify(inv, auth, "bookings", Photo("Adrien_Brody", 2));
  EXPECT_EQ(id.status, 412) << id.raw;
  EXPECT_EQ(id.body["error"]["code"], "FAILED_PRECONDITION");
  Reply ver = Post("/v1/verify", inv,
                   {{"consent", true},
                    {"gallery", "bookings"},
                    {"subject_id", "Adrien_Brody"},
                    {"image", B64(Photo("Adrien_Brody", 2))}});
  EXPECT_EQ(ver.status, 412) << ver.raw;
  EXPECT_GE(AuditCount("search.probe_failed", "allow"), 2);

  without_pipeline_ = true;
  threshold_ = nullptr;
  StartService();
  const std::string img = B64(Photo("Adrien_Brody", 2));
  Reply q = Post("/v1/quality", inv, {{"image", img}});
  EXPECT_EQ(q.status, 503) << q.raw;
  EXPECT_EQ(q.body["error"]["code"], "UNAVAILABLE");
  EXPECT_EQ(Identify(inv, auth, "bookings", Photo("Adrien_Brody", 2)).status, 503);
  EXPECT_EQ(Post("/v1/galleries/bookings/subjects", enr, {{"subject_id", "x1"}, {"image", img}})
                .status,
            503);
}

// A quality check processes a face image: one audit entry per check (actor,
// role, "quality.check", face count), nothing of the image in it, no probe
// kept; refused checks are audited as refusals.
TEST_F(ServerTest, QualityCheckIsAuditedWithoutBiometricData) {
  const std::string inv = Person("ivan", "investigator");
  const std::string aud = Person("audra", "auditor");
  const std::string photo = Photo("Adrien_Brody", 2);
  const std::string hash = HexDigest(Sha256(std::string_view(photo)));
  const int64_t before = AuditCount("quality.check", "allow");
  for (int i = 0; i < 2; ++i) {
    Reply q = Post("/v1/quality", inv, {{"image", B64(photo)}});
    ASSERT_EQ(q.status, 200) << q.raw;
  }
  EXPECT_EQ(AuditCount("quality.check", "allow") - before, 2);
  auto entries = ReadAuditEntries(gov_->audit_log_path());
  ASSERT_TRUE(entries.ok());
  const AuditEntry& e = entries->back();
  EXPECT_EQ(e.action, "quality.check");
  EXPECT_EQ(e.actor, "ivan");
  EXPECT_EQ(e.role, "investigator");
  EXPECT_EQ(e.outcome, "ok");
  EXPECT_TRUE(e.probe_hash.empty());
  EXPECT_NE(e.reason.find("face"), std::string::npos) << e.reason;
  EXPECT_EQ(e.reason.find(hash), std::string::npos);
  EXPECT_EQ(e.reason.find(B64(photo).substr(0, 40)), std::string::npos);
  EXPECT_TRUE(!fs::exists(dir_ / "probes") || fs::is_empty(dir_ / "probes"));
  // An auditor may not run one: refused, and that is audited too.
  EXPECT_EQ(Post("/v1/quality", aud, {{"image", B64(photo)}}).status, 403);
  EXPECT_EQ(AuditCount("quality.check", "deny"), 1);
}

// POST /v1/verify without an authorization, on the subject's recorded consent:
// allowed only where the gallery accepts consent (201, audited allow), refused
// with 403 elsewhere, and never without consent or by a role that may not
// search.
// Issue 15, item 3: a 1:1 follows the gallery's policy. Under recorded consent
// (a gallery that accepts consent) the decision goes to the operator, with the
// score and its FMR only for a match, and is recorded (audited, counted by kind
// in the transparency report); elsewhere it needs an authorization and its
// candidate goes to review like an identify's (the requester sees no score and
// no decision). An unknown subject answers exactly like a non-match: verify is
// no oracle of who is enrolled.
TEST_F(ServerTest, VerifyFollowsTheGalleryPolicyWithoutASubjectOracle) {
  score_rate_ = [](const GalleryInfo&, SearchKind kind, double score,
                   int64_t) -> StatusOr<ScoreRate> {
    if (kind != SearchKind::kVerify) return ScoreRate{0.5, "measured"};
    return ScoreRate{score >= kTestThreshold ? 1e-4 : 0.2, "measured"};
  };
  StartService();
  admin_ = SignIn("admin", "admin-password-123");
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string aud = Person("audra", "auditor");
  const std::string enr = Person("enzo", "enroller");
  Gallery("consented", {"warrant", "consent"});
  Gallery("bookings", {"warrant"});
  for (const std::string g : {"consented", "bookings"}) {
    for (const std::string who : {"Adrien_Brody", "Abdullah_Gul"}) {
      Reply r = Post("/v1/galleries/" + g + "/subjects", enr,
                     {{"subject_id", who}, {"image", B64(Photo(who, 1))}});
      ASSERT_EQ(r.status, 201) << r.raw;
    }
  }
  auto verify = [&](const std::string& token, const std::string& gallery, const std::string& who,
                    const std::string& photo, bool consent, const std::string& auth = "") {
    json b = {{"gallery", gallery}, {"subject_id", who}, {"image", B64(photo)}};
    if (consent) b["consent"] = true;
    if (!auth.empty()) b["authorization_id"] = auth;
    return Post("/v1/verify", token, b);
  };
  // The answer without what differs between any two requests.
  auto shape = [](json j) {
    for (const char* k : {"id", "created_at"}) j.erase(k);
    return j;
  };
  const std::string mate = Photo("Adrien_Brody", 2);
  const int64_t allowed0 = AuditCount("search.verify", "allow");
  const int64_t denied0 = AuditCount("search.verify", "deny");

  // Consent: the operator gets the decision; score and FMR for a match only.
  Reply ok = verify(inv, "consented", "Adrien_Brody", mate, true);
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(ok.body["kind"], "verify");
  EXPECT_EQ(ok.body["match"], true);
  EXPECT_EQ(ok.body["status"], "decided") << "no review queue for a consented check";
  EXPECT_GT(ok.body.value("score", -1.0), kTestThreshold);
  EXPECT_DOUBLE_EQ(ok.body.value("fmr", -1.0), 1e-4) << ok.raw;
  EXPECT_EQ(ok.body.value("fmr_basis", ""), "measured") << ok.raw;
  EXPECT_EQ(ok.body.value("threshold_calibration", ""), "fixed") << ok.raw;
  EXPECT_FALSE(ok.body.contains("authorization_id"));
  Reply other = verify(inv, "consented", "Adrien_Brody", Photo("Abdullah_Gul", 2), true);
  ASSERT_EQ(other.status, 201) << other.raw;
  EXPECT_EQ(other.body["match"], false);
  EXPECT_EQ(other.body["status"], "decided");
  EXPECT_FALSE(other.body.contains("score")) << other.raw;
  EXPECT_FALSE(other.body.contains("fmr")) << other.raw;
  Reply unknown = verify(inv, "consented", "Nobody_Here", mate, true);
  ASSERT_EQ(unknown.status, 201) << unknown.raw;
  EXPECT_EQ(shape(unknown.body), shape(other.body)) << unknown.raw << "\n" << other.raw;
  EXPECT_EQ(AuditCount("search.verify", "allow") - allowed0, 3);
  // Nothing of a consented check reaches the examiners' queue.
  Reply queue = Call("GET", "/v1/searches?status=pending_review", exa);
  ASSERT_EQ(queue.status, 200) << queue.raw;
  EXPECT_TRUE(queue.body["searches"].empty()) << queue.raw;

  Reply refused = verify(inv, "bookings", "Adrien_Brody", mate, true);
  EXPECT_EQ(refused.status, 403) << refused.raw;
  EXPECT_NE(refused.raw.find("consent-based 1:1 is not permitted"), std::string::npos)
      << refused.raw;
  Reply no_consent = verify(inv, "consented", "Adrien_Brody", mate, false);
  EXPECT_EQ(no_consent.status, 403) << no_consent.raw;
  EXPECT_NE(no_consent.raw.find("requires an authorization"), std::string::npos)
      << no_consent.raw;
  EXPECT_EQ(verify(exa, "consented", "Adrien_Brody", mate, true).status, 403);  // role
  EXPECT_EQ(AuditCount("search.verify", "deny") - denied0, 3);

  // Under an authorization: the candidate goes to review like an identify's.
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  Reply warranted = verify(inv, "bookings", "Adrien_Brody", mate, false, auth);
  ASSERT_EQ(warranted.status, 201) << warranted.raw;
  EXPECT_EQ(warranted.body["authorization_id"], auth);
  EXPECT_EQ(warranted.body["status"], "pending_review") << warranted.raw;
  for (const char* hidden : {"score", "match", "fmr"}) {
    EXPECT_FALSE(warranted.body.contains(hidden)) << hidden << " " << warranted.raw;
  }
  Reply review = Call("GET", "/v1/searches/" + warranted.body["id"].get<std::string>(), exa);
  ASSERT_EQ(review.status, 200) << review.raw;
  ASSERT_EQ(review.body["candidates"].size(), 1u) << review.raw;
  EXPECT_EQ(review.body["candidates"][0]["subject_id"], "Adrien_Brody");
  Reply miss = verify(inv, "bookings", "Adrien_Brody", Photo("Abdullah_Gul", 2), false, auth);
  Reply ghost = verify(inv, "bookings", "Nobody_Here", mate, false, auth);
  ASSERT_EQ(miss.status, 201) << miss.raw;
  ASSERT_EQ(ghost.status, 201) << ghost.raw;
  EXPECT_EQ(miss.body["status"], "no_candidate");
  EXPECT_EQ(shape(ghost.body), shape(miss.body)) << ghost.raw << "\n" << miss.raw;

  // Counted: every 1:1 above, by kind, in the transparency report.
  const std::string q = "?from=" + Iso(kStart - kDay) + "&to=" + Iso(kStart + kDay);
  Reply tr = Call("GET", "/v1/reports/transparency" + q, aud);
  ASSERT_EQ(tr.status, 200) << tr.raw;
  EXPECT_EQ(tr.body["by_kind"]["verify"], 9) << tr.raw;  // 3 consented, 3 refused, 3 warranted
}

// An examiner's rejection blocks the lead whatever confirmations follow: the
// requester gets 412 (FAILED_PRECONDITION) from .../lead, the search stays
// pending_review, and reviewers see the rejection.
TEST_F(ServerTest, ExaminerRejectionBlocksTheLead) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string exb = Person("emil", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  Reply s = Identify(inv, auth, "bookings", Photo("Adrien_Brody", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  const std::string reviews = "/v1/searches/" + id + "/reviews";
  Reply rej = Post(reviews, exa,
                   {{"subject_id", "Adrien_Brody"}, {"decision", "reject"}, {"notes", "ears differ"}});
  ASSERT_EQ(rej.status, 201) << rej.raw;
  EXPECT_EQ(rej.body["candidates"][0]["reviews"][0]["decision"], "reject");
  EXPECT_EQ(Post(reviews, exa,
                 {{"subject_id", "Adrien_Brody"}, {"decision", "reject"}, {"notes", "again"}})
                .status,
            409);
  json confirm = {{"subject_id", "Adrien_Brody"}, {"decision", "confirm"}, {"notes", "same"}};
  EXPECT_EQ(Post(reviews, exb, confirm).status, 201);
  EXPECT_EQ(Post(reviews, sup, confirm).status, 201);  // examiner + second person, but rejected

  Reply lead = Call("GET", "/v1/searches/" + id + "/lead", inv);
  EXPECT_EQ(lead.status, 412) << lead.raw;
  EXPECT_EQ(lead.body["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_NE(lead.raw.find("without a rejection"), std::string::npos) << lead.raw;
  Reply mine = Call("GET", "/v1/searches/" + id, inv);
  ASSERT_EQ(mine.status, 200) << mine.raw;
  EXPECT_EQ(mine.body["status"], "pending_review");
  EXPECT_FALSE(mine.body.contains("lead"));
  EXPECT_FALSE(mine.body.contains("candidates"));
  // Two confirmations of a rejected candidate count for nothing: 0 of 2.
  EXPECT_EQ(mine.body["review_state"]["confirmations"], 0) << mine.raw;
  EXPECT_EQ(mine.body["review_state"]["rejected_by"], json::array({"erin"})) << mine.raw;
  EXPECT_EQ(mine.body["review_state"]["reviewed_by"], json::array({"emil", "erin", "sara"}));
  Reply view = Call("GET", "/v1/searches/" + id, sup);
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.body["status"], "pending_review");
  EXPECT_EQ(view.body["candidates"][0]["reviews"].size(), 3u);
  EXPECT_GE(AuditCount("lead.release", "deny"), 1);
}

// k (the candidate list size) is checked against governance's policy range
// and the message states that range: [2, 50] by default, the configured one
// otherwise; the bounds themselves are accepted.
TEST_F(ServerTest, IdentifyKIsValidatedAgainstThePolicyRange) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"}, 10);
  const std::string img = B64(Photo("Adrien_Brody", 2));
  auto identify = [&](const std::string& token, int64_t k) {
    return Post("/v1/identify", token,
                {{"authorization_id", auth}, {"gallery", "bookings"}, {"image", img}, {"k", k}});
  };
  for (int64_t k : {-1, 0, 1, 51, 1000, 100000}) {
    Reply r = identify(inv, k);
    EXPECT_EQ(r.status, 400) << k << " " << r.raw;
    EXPECT_NE(r.raw.find("k must be in [2, 50]"), std::string::npos) << k << " " << r.raw;
  }
  Reply two = identify(inv, 2);
  ASSERT_EQ(two.status, 201) << two.raw;
  EXPECT_LE(two.body["candidate_count"].get<int64_t>(), 2);
  EXPECT_EQ(identify(inv, 50).status, 201);

  ReopenGovernance([](GovernanceOptions& o) {
    o.policy.max_candidates = 20;
    o.policy.default_candidates = 5;
  });
  const std::string inv2 = SignIn("ivan", "ivan-password-123");
  Reply over = identify(inv2, 21);
  EXPECT_EQ(over.status, 400) << over.raw;
  EXPECT_NE(over.raw.find("k must be in [2, 20] (omit it for the policy default 5)"),
            std::string::npos)
      << over.raw;
  EXPECT_EQ(identify(inv2, 20).status, 201);
}

// Captures what the process logs through spdlog's default logger, in the
// server's format (UseJsonLogs), until destroyed; then the previous default
// logger is back.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_, /*force_flush=*/true);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("candor_log_capture", sink));
    UseJsonLogs();
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Lines() {
    spdlog::default_logger()->flush();
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// The JSON request logs of a whole governed identify (accounts with
// passwords, enrolment, authorization, identify with a real LFW probe, the
// examiner's view of candidates, probe and candidate image, a review, the
// lead): every line is one JSON object {"ts","level","msg":{...}}; request
// lines carry exactly event, method, route (the template), status, ms and
// actor; and nothing of the probe (base64, SHA-256), no other image, no
// subject id, search or authorization id, case data, review note, password or
// token appears, nor any long base64 or hex run.
TEST_F(ServerTest, RequestLogsAreJsonAndCarryNoBiometricDataOrSecrets) {
  LogCapture capture;
  const size_t calls0 = log_.size();
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string exb = Person("emil", "examiner");
  const std::string enr = Person("enzo", "enroller");
  EXPECT_EQ(Post("/v1/sessions", "", {{"username", "ivan"}, {"password", "not-ivans-password"}})
                .status,
            401);
  Gallery("bookings", {"warrant"});
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  const std::string probe = Photo("Adrien_Brody", 2);
  Reply s = Identify(inv, auth, "bookings", probe);
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  Reply v = Call("GET", "/v1/searches/" + id, exa);
  ASSERT_EQ(v.status, 200) << v.raw;
  ASSERT_GE(v.body["candidates"].size(), 1u);
  std::vector<std::string> candidates;
  for (const auto& c : v.body["candidates"]) candidates.push_back(c["subject_id"]);
  EXPECT_EQ(candidates[0], "Adrien_Brody");
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/probe", exa).raw, probe);
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/candidates/1/image", exa).status, 200);
  const std::string note = "left ear lobe, scar over the brow";
  json confirm = {{"subject_id", "Adrien_Brody"}, {"decision", "confirm"}, {"notes", note}};
  EXPECT_EQ(Post("/v1/searches/" + id + "/reviews", exa, confirm).status, 201);
  EXPECT_EQ(Post("/v1/searches/" + id + "/reviews", exb, confirm).status, 201);
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/lead", inv).status, 200);
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + auth, inv).status, 200);
  const size_t calls = log_.size() - calls0;

  // What must not be logged.
  const std::string hash = HexDigest(Sha256(std::string_view(probe)));
  std::vector<std::pair<std::string, std::string>> secret = {
      {"probe base64 (start)", B64(probe).substr(0, 24)},
      {"probe base64 (middle)", B64(probe).substr(B64(probe).size() / 2, 24)},
      {"probe SHA-256", hash},
      {"probe SHA-256 (prefix)", hash.substr(0, 16)},
      {"search id", id},
      {"authorization id", auth},
      {"warrant reference", "W-2027-001"},
      {"case id", "case-1"},
      {"review note", note},
      {"admin password", "admin-password-123"},
      {"wrong password", "not-ivans-password"},
      {"admin token", admin_}};
  for (const auto& [who, token] : std::vector<std::pair<std::string, std::string>>{
           {"ivan", inv}, {"sara", sup}, {"erin", exa}, {"emil", exb}, {"enzo", enr}}) {
    secret.emplace_back(who + "'s password", who + "-password-123");
    secret.emplace_back(who + "'s token", token);
  }
  for (const auto& who : kPeople) {
    secret.emplace_back("subject id " + who, who);
    secret.emplace_back("enrolment image of " + who, B64(Photo(who, 1)).substr(0, 24));
  }
  for (const auto& c : candidates) secret.emplace_back("candidate " + c, c);
  auto entries = ReadAuditEntries(gov_->audit_log_path());
  ASSERT_TRUE(entries.ok());
  for (const auto& e : *entries) {
    if (!e.probe_hash.empty()) secret.emplace_back("audited probe hash", e.probe_hash);
  }
  for (const auto& [what, value] : secret) ASSERT_FALSE(value.empty()) << what;
  const std::regex long_run("[A-Za-z0-9+/=_-]{32,}");  // base64, base64url or hex

  const std::vector<std::string> lines = capture.Lines();
  const std::regex ts(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  const std::set<std::string> request_fields = {"event", "method", "route", "status", "ms", "actor"};
  size_t requests = 0;
  bool saw_identify = false;
  for (const std::string& line : lines) {
    const json j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not one JSON object: " << line;
    std::set<std::string> top;
    for (const auto& [k, _] : j.items()) top.insert(k);
    EXPECT_EQ(top, (std::set<std::string>{"ts", "level", "msg"})) << line;
    ASSERT_TRUE(j["ts"].is_string() && j["level"].is_string() && j["msg"].is_object()) << line;
    EXPECT_TRUE(std::regex_match(j["ts"].get<std::string>(), ts)) << line;
    const json& m = j["msg"];
    ASSERT_TRUE(m.contains("event") && m["event"].is_string()) << line;
    if (m["event"] == "request") {
      ++requests;
      std::set<std::string> fields;
      for (const auto& [k, _] : m.items()) fields.insert(k);
      EXPECT_EQ(fields, request_fields) << line;
      EXPECT_TRUE(m["method"].is_string() && m["route"].is_string() && m["actor"].is_string())
          << line;
      EXPECT_TRUE(m["status"].is_number_integer() && m["ms"].is_number()) << line;
      EXPECT_EQ(j["level"], "info") << line;
      if (m["route"] == "/v1/identify") {
        saw_identify = true;
        EXPECT_EQ(m["status"], 201) << line;
        EXPECT_EQ(m["actor"], "ivan") << line;
      }
    }
    for (const auto& [what, value] : secret) {
      EXPECT_EQ(line.find(value), std::string::npos) << what << " in the log: " << line;
    }
    std::smatch run;
    EXPECT_FALSE(std::regex_search(line, run, long_run))
        << "a long base64/hex run (" << run.str().substr(0, 40) << "...) in the log: " << line;
  }
  EXPECT_EQ(requests, calls) << "one request line per request";
  EXPECT_TRUE(saw_identify);
  const std::string all = [&] {
    std::string a;
    for (const auto& l : lines) a += l + "\n";
    return a;
  }();
  EXPECT_NE(all.find(R"("route":"/v1/searches/{id}/candidates/{rank}/image")"), std::string::npos)
      << all.substr(0, 2000);
}

// A JPEG whose frame header claims 60000x60000 pixels (a decompression bomb).
std::string BombJpeg() {
  std::vector<uchar> jpg;
  cv::imencode(".jpg", cv::Mat(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)), jpg);
  for (size_t i = 2; i + 9 < jpg.size(); ++i) {
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) {
      jpg[i + 5] = 0xEA;  // height 60000
      jpg[i + 6] = 0x60;
      jpg[i + 7] = 0xEA;  // width 60000
      jpg[i + 8] = 0x60;
      break;
    }
  }
  return std::string(jpg.begin(), jpg.end());
}

// A decompression bomb is 413 (too large: do not retry as sent) on every
// image route, never 429 (which invites a retry); refused before a search is
// begun, so it uses none of the authorization's searches.
TEST_F(ServerTest, DecompressionBombsAre413OnEveryImageRoute) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant", "consent"});
  Enroll("bookings", enr);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"}, 2);
  const std::string bomb = B64(BombJpeg());
  std::vector<Reply> replies = {
      Post("/v1/quality", inv, {{"image", bomb}}),
      Post("/v1/galleries/bookings/subjects", enr, {{"subject_id", "bomb-1"}, {"image", bomb}}),
      Post("/v1/identify", inv,
           {{"authorization_id", auth}, {"gallery", "bookings"}, {"image", bomb}}),
      Post("/v1/verify", inv,
           {{"authorization_id", auth},
            {"gallery", "bookings"},
            {"subject_id", "Adrien_Brody"},
            {"image", bomb}})};
  for (const Reply& r : replies) {
    EXPECT_EQ(r.status, 413) << r.raw;
    EXPECT_EQ(r.body["error"].value("code", ""), "RESOURCE_EXHAUSTED") << r.raw;
    EXPECT_NE(r.body["error"].value("message", "").find("60000x60000"), std::string::npos)
        << r.raw;
  }
  auto a = gov_->GetAuthorization(auth);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->searches_used, 0);
}

// Subject ids: a new id outside the documented rule is refused at enrollment
// (400; the store's check, which the CLI's enroll meets too); an id stored
// before the rule (here one with '/' and a space, written into the store as an
// older version did) can still be deleted over the API, percent-encoded.
TEST_F(ServerTest, SubjectIdsAreCheckedAtEnrollmentAndLegacyIdsCanBeDeleted) {
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  const std::string img = B64(Photo("Adrien_Brody", 1));
  for (const char* bad : {"a/b", "x y", "../up"}) {
    Reply r = Post("/v1/galleries/bookings/subjects", enr, {{"subject_id", bad}, {"image", img}});
    EXPECT_EQ(r.status, 400) << bad << ": " << r.raw;
    EXPECT_NE(r.body["error"].value("message", "").find("[A-Za-z0-9._:@-]"), std::string::npos)
        << r.raw;
  }
  EXPECT_EQ(store_->GetGallery("bookings")->subjects, 0);
  ASSERT_EQ(
      Post("/v1/galleries/bookings/subjects", enr, {{"subject_id", "legacy-1"}, {"image", img}})
          .status,
      201);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "store" / "store.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    EXPECT_EQ(sqlite3_exec(db,
                           "UPDATE subjects SET external_id='legacy/1 a' "
                           "WHERE external_id='legacy-1'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  }
  EXPECT_EQ(Call("DELETE", "/v1/galleries/bookings/subjects/legacy-1", admin_).status, 404);
  Reply del = Call("DELETE", "/v1/galleries/bookings/subjects/legacy%2F1%20a", admin_);
  EXPECT_EQ(del.status, 204) << del.raw;
  EXPECT_EQ(store_->GetGallery("bookings")->subjects, 0);
  EXPECT_EQ(Call("DELETE", "/v1/galleries/bookings/subjects/legacy%2F1%20a", admin_).status, 404);
}

// /metrics without credentials (loopback only) has the aggregate counters and
// no gallery name or size; an auditor's or admin's token adds the per-gallery
// gauges; another role is 403 and a bad token 401.
TEST_F(ServerTest, MetricsShowGalleriesOnlyToAuditorsAndAdmins) {
  const std::string aud = Person("audra", "auditor");
  const std::string inv = Person("ivan", "investigator");
  Gallery("bookings", {"warrant"});
  Reply anon = Call("GET", "/metrics", "");
  ASSERT_EQ(anon.status, 200) << anon.raw;
  EXPECT_NE(anon.raw.find("candor_http_requests_total"), std::string::npos);
  EXPECT_EQ(anon.raw.find("bookings"), std::string::npos) << anon.raw;
  EXPECT_EQ(anon.raw.find("candor_gallery_"), std::string::npos) << anon.raw;
  for (const std::string& token : {aud, admin_}) {
    Reply full = Call("GET", "/metrics", token);
    ASSERT_EQ(full.status, 200) << full.raw;
    EXPECT_NE(full.raw.find("candor_gallery_subjects{gallery=\"bookings\"} 0"), std::string::npos)
        << full.raw;
  }
  EXPECT_EQ(Call("GET", "/metrics", inv).status, 403);
  EXPECT_EQ(Call("GET", "/metrics", "cnd_00000000.bad").status, 401);
}

// A PNG whose header declares `w` x `h` (the pixel data is a small image's):
// what a 143 KB 7000 x 7000 PNG looks like before it is decoded.
std::string PngDeclaring(uint32_t w, uint32_t h) {
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(16, 16, CV_8UC3, cv::Scalar(9, 9, 9)), png);
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<uchar>(w >> (24 - 8 * i));
    png[20 + i] = static_cast<uchar>(h >> (24 - 8 * i));
  }
  return std::string(png.begin(), png.end());
}

// Cost limits on image routes: an image declaring more pixels than the
// service's per-image limit (24 MP by default; 7000 x 7000 = 49 MP is within
// the decoder's 50 MP bomb guard) is 413 before decoding; and each account
// has a budget of megapixels per minute (10 here; an LFW photo costs 1):
// over it 429 with Retry-After and a message naming the budget, audited;
// another account is not affected; the budget refills with the clock.
TEST_F(ServerTest, ImageRoutesHaveAPixelLimitAndAPerAccountBudget) {
  image_budget_ = 10;
  StartService();
  const std::string inv = Person("ivan", "investigator");
  const std::string enr = Person("enzo", "enroller");
  Reply big = Post("/v1/quality", inv, {{"image", B64(PngDeclaring(7000, 7000))}});
  EXPECT_EQ(big.status, 413) << big.raw;
  EXPECT_NE(big.body["error"].value("message", "").find("49000000 pixels"), std::string::npos)
      << big.raw;
  EXPECT_NE(big.body["error"].value("message", "").find("24000000"), std::string::npos) << big.raw;
  const std::string photo = B64(Photo("Adrien_Brody", 2));
  int ok = 0, limited = 0;
  std::string message;
  for (int i = 0; i < 12; ++i) {
    Reply q = Post("/v1/quality", inv, {{"image", photo}});
    ok += q.status == 200;
    if (q.status == 429) {
      ++limited;
      message = q.body["error"].value("message", "");
    }
  }
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(limited, 2);
  EXPECT_NE(message.find("10 megapixels per minute"), std::string::npos) << message;
  {
    httplib::Client cli("127.0.0.1", http_->port());
    auto r = cli.Post("/v1/quality", {{"Authorization", "Bearer " + inv}},
                      json{{"image", photo}}.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
    EXPECT_GE(std::stoi(r->get_header_value("Retry-After", 0)), 1);
  }
  EXPECT_GE(AuditCount("quality.check", "deny"), 3);
  EXPECT_EQ(Post("/v1/quality", enr, {{"image", photo}}).status, 200);
  now_ += 60 * 1000;
  EXPECT_EQ(Post("/v1/quality", inv, {{"image", photo}}).status, 200);
}

// A photo of several faces is refused by default (422 naming the count), as
// the CLI refuses it; an explicit "face": "largest" or "center" enrols that
// face (the template is that person's), and the choice is in the audit entry.
TEST_F(ServerTest, SeveralFacesEnrolOnlyByAnExplicitAuditedChoice) {
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  auto decode = [](const std::string& bytes) {
    return cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
  };
  const cv::Mat a = decode(Photo("Adrien_Brody", 1)), b = decode(Photo("Abdullah_Gul", 1));
  cv::Mat small_b;
  cv::resize(b, small_b, cv::Size(), 0.6, 0.6);
  cv::Mat padded_b(a.rows, small_b.cols, a.type(), cv::Scalar(128, 128, 128));
  small_b.copyTo(padded_b(cv::Rect(0, (a.rows - small_b.rows) / 2, small_b.cols, small_b.rows)));
  cv::Mat two, two_centered;
  cv::hconcat(a, padded_b, two);                       // Adrien large, Gul small
  cv::hconcat(std::vector<cv::Mat>{padded_b, a, padded_b}, two_centered);  // Adrien central
  auto jpeg = [](const cv::Mat& m) {
    std::vector<uchar> out;
    cv::imencode(".jpg", m, out);
    return B64(std::string(out.begin(), out.end()));
  };
  Reply refused = Post("/v1/galleries/bookings/subjects", enr,
                       {{"subject_id", "two-1"}, {"image", jpeg(two)}});
  EXPECT_EQ(refused.status, 422) << refused.raw;
  EXPECT_NE(refused.body["error"].value("message", "").find("2 faces"), std::string::npos)
      << refused.raw;
  EXPECT_EQ(Post("/v1/galleries/bookings/subjects", enr,
                 {{"subject_id", "two-1"}, {"image", jpeg(two)}, {"face", "biggest"}})
                .status,
            400);
  Reply largest = Post("/v1/galleries/bookings/subjects", enr,
                       {{"subject_id", "two-1"}, {"image", jpeg(two)}, {"face", "largest"}});
  ASSERT_EQ(largest.status, 201) << largest.raw;
  EXPECT_EQ(largest.body.value("faces_in_photo", 0), 2);
  EXPECT_EQ(largest.body.value("face", ""), "largest");
  Reply center = Post("/v1/galleries/bookings/subjects", enr,
                      {{"subject_id", "three-1"}, {"image", jpeg(two_centered)}, {"face", "center"}});
  ASSERT_EQ(center.status, 201) << center.raw;
  auto entries = ReadAuditEntries(gov_->audit_log_path());
  ASSERT_TRUE(entries.ok());
  int chosen = 0;
  for (const auto& e : *entries) {
    if (e.action == "gallery.enroll" && e.decision == "allow") {
      chosen += e.reason.find("the largest face, chosen by the enroller") != std::string::npos;
      chosen += e.reason.find("the center face, chosen by the enroller") != std::string::npos;
    }
  }
  EXPECT_EQ(chosen, 2);
  // Both enrolled templates are Adrien Brody's face, not Abdullah Gul's.
  auto adrien = SharedPipeline()->ProcessSingle(a);
  auto gul = SharedPipeline()->ProcessSingle(b);
  ASSERT_TRUE(adrien.ok() && gul.ok());
  for (const char* id : {"two-1", "three-1"}) {
    auto s = store_->GetSubject("bookings", id, /*with_values=*/true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_EQ(s->templates.size(), 1u);
    const auto& v = s->templates[0].values;
    auto dot = [&v](const std::vector<float>& w) {
      double d = 0;
      for (size_t i = 0; i < v.size(); ++i) d += v[i] * w[i];
      return d;
    };
    EXPECT_GT(dot(adrien->tmpl.values), 0.8) << id;
    EXPECT_LT(dot(gul->tmpl.values), 0.5) << id;
  }
}

// Crypto-shredding reaches every record: a subject enrolled, found by an
// identify, reviewed by two people with notes naming it, released as a lead,
// refused once (enrolled twice) and then deleted leaves its id in no file of
// the store, governance (govern.db, audit.log) or the service's records.
// Governance and the audit log know the subject only by a keyed reference
// (an HMAC under the subject's own key, shredded with it); the ids reviewers
// and the requester see come from the service's sealed record.
TEST_F(ServerTest, ADeletedSubjectsIdIsInNoFile) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  Enroll("bookings", enr);
  const std::string id = "Zq7-marker-subject";
  const std::string photo = B64(Photo("Colin_Powell", 1));
  ASSERT_EQ(Post("/v1/galleries/bookings/subjects", enr, {{"subject_id", id}, {"image", photo}})
                .status,
            201);
  EXPECT_EQ(Post("/v1/galleries/bookings/subjects", enr, {{"subject_id", id}, {"image", photo}})
                .status,
            409);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  Reply s = Identify(inv, auth, "bookings", Photo("Colin_Powell", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string search = s.body.value("id", "");
  Reply view = Call("GET", "/v1/searches/" + search, exa);
  ASSERT_EQ(view.status, 200) << view.raw;
  ASSERT_FALSE(view.body["candidates"].empty()) << view.raw;
  EXPECT_EQ(view.body["candidates"][0].value("subject_id", ""), id) << view.raw;
  // A review naming a non-candidate is refused without recording the name.
  EXPECT_EQ(Post("/v1/searches/" + search + "/reviews", exa,
                 {{"subject_id", "Someone_Else"}, {"decision", "confirm"}, {"notes", "x"}})
                .status,
            400);
  for (const std::string& who : {exa, sup}) {
    Reply r = Post("/v1/searches/" + search + "/reviews", who,
                   {{"subject_id", id}, {"decision", "confirm"}, {"notes", "same person as " + id}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  Reply lead = Call("GET", "/v1/searches/" + search + "/lead", inv);
  ASSERT_EQ(lead.status, 200) << lead.raw;
  EXPECT_EQ(lead.body["confirmed_subject_ids"], json::array({id})) << lead.raw;
  EXPECT_NE(lead.raw.find("same person as " + id), std::string::npos) << lead.raw;
  ASSERT_EQ(Call("DELETE", "/v1/galleries/bookings/subjects/" + id, admin_).status, 204);
  EXPECT_EQ(Call("DELETE", "/v1/galleries/bookings/subjects/" + id, admin_).status, 404);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadBytes(e.path());
    EXPECT_EQ(bytes.find(id), std::string::npos) << "the deleted subject's id is in " << e.path();
  }
  EXPECT_GE(files, 5u);  // store.db, segments, govern.db, audit.log, searches.db, probes
}

TEST_F(ServerTest, PlainHttpRefusedOffLoopback) {
  HttpServerOptions o;
  o.host = "0.0.0.0";
  auto h = HttpServer::Start(service_.get(), o);
  EXPECT_EQ(h.status().code(), Code::kInvalidArgument);
}

// Issue 15, items 4, 10 and 12: an authorization is usable only by the
// people it names (its requester and the users it lists), never by another
// investigator or a supervisor; it names only galleries that exist; an
// examiner whose training lapsed sees no candidate, probe or candidate photo.
TEST_F(ServerTest, AuthorizationsServeOnlyThoseTheyNameAndLapsedExaminersSeeNothing) {
  const std::string inv = Person("ivan", "investigator");
  const std::string ines = Person("ines", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Gallery("bookings", {"warrant"});
  Enroll("bookings", enr);
  const std::string probe = Photo("Adrien_Brody", 2);
  const std::string auth = Authorize(inv, sup, "warrant", {"bookings"});
  const int64_t denied0 = AuditCount("search.identify", "deny");
  for (const std::string* other : {&ines, &sup}) {
    Reply r = Identify(*other, auth, "bookings", probe);
    EXPECT_EQ(r.status, 403) << r.raw;
    EXPECT_NE(r.raw.find("does not name"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(AuditCount("search.identify", "deny") - denied0, 2);
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + auth, ines).status, 403);
  Reply as_sup = Call("GET", "/v1/authorizations/" + auth, sup);
  ASSERT_EQ(as_sup.status, 200) << as_sup.raw;
  EXPECT_EQ(as_sup.body["usable"], false) << as_sup.raw;  // a supervisor sees it, cannot use it
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + auth, inv).body["usable"], true);

  // Naming a colleague lets her search under it too.
  Reply shared = Post("/v1/authorizations", inv,
                      {{"basis", "warrant"},
                       {"reference", "W-2027-002"},
                       {"issuing_authority", "Court"},
                       {"case_id", "case-1"},
                       {"purpose", "robbery"},
                       {"galleries", {"bookings"}},
                       {"expires_at", Iso(kStart + 30 * kDay)},
                       {"max_searches", 5},
                       {"users", {"ines"}}});
  ASSERT_EQ(shared.status, 201) << shared.raw;
  EXPECT_EQ(shared.body["users"], json::array({"ines"}));
  const std::string sid = shared.body["id"];
  ASSERT_EQ(Call("POST", "/v1/authorizations/" + sid + "/approve", sup).status, 200);
  EXPECT_EQ(Identify(ines, sid, "bookings", probe).status, 201);
  EXPECT_EQ(Call("GET", "/v1/authorizations/" + sid, ines).body["usable"], true);
  Reply nowhere = Post("/v1/authorizations", inv,
                       {{"basis", "warrant"},
                        {"reference", "W-2027-003"},
                        {"issuing_authority", "Court"},
                        {"case_id", "case-1"},
                        {"purpose", "robbery"},
                        {"galleries", {"bookings", "nowhere"}},
                        {"expires_at", Iso(kStart + 30 * kDay)},
                        {"max_searches", 5}});
  EXPECT_EQ(nowhere.status, 400) << nowhere.raw;
  EXPECT_NE(nowhere.raw.find("'nowhere' does not exist"), std::string::npos) << nowhere.raw;

  // Lapsed training: no view of candidates, probe or candidate photos.
  Reply s = Identify(inv, auth, "bookings", probe);
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  ASSERT_EQ(Call("GET", "/v1/searches/" + id, exa).status, 200);
  Reply p = Call("PATCH", "/v1/accounts/erin", admin_,
                 json{{"training_expires_at", Iso(now_ - kDay)}}.dump());
  ASSERT_EQ(p.status, 200) << p.raw;
  const int64_t views_denied = AuditCount("search.review_view", "deny");
  for (const std::string path :
       {"/v1/searches/" + id, "/v1/searches/" + id + "/probe",
        "/v1/searches/" + id + "/candidates/1/image"}) {
    Reply r = Call("GET", path, exa);
    EXPECT_EQ(r.status, 403) << path << " " << r.raw;
    EXPECT_EQ(r.raw.find(probe.substr(0, 64)), std::string::npos);
  }
  EXPECT_EQ(AuditCount("search.review_view", "deny") - views_denied, 3);
}

// Issue 15, item 12: a password is changed by its own account with the
// current one, audited, and every old token dies; re-enabling a disabled
// account revives none of its old tokens.
TEST_F(ServerTest, PasswordChangeAndReEnablingRevokeOldTokens) {
  const std::string inv = Person("ivan", "investigator");
  const std::string other = Person("olga", "investigator");
  const std::string path = "/v1/accounts/ivan/password";
  auto change = [&](const std::string& token, const std::string& current,
                    const std::string& replacement) {
    return Post(path, token, {{"current_password", current}, {"new_password", replacement}});
  };
  EXPECT_EQ(change(other, "olga-password-123", "a-new-password-456").status, 403);
  EXPECT_EQ(change(inv, "wrong-password-1", "a-new-password-456").status, 403);
  EXPECT_EQ(change(inv, "ivan-password-123", "short").status, 400);
  EXPECT_EQ(Call("GET", "/v1/whoami", inv).status, 200) << "refusals change nothing";
  EXPECT_EQ(change(inv, "ivan-password-123", "a-new-password-456").status, 204);
  EXPECT_EQ(Call("GET", "/v1/whoami", inv).status, 401);
  EXPECT_EQ(Post("/v1/sessions", "", {{"username", "ivan"}, {"password", "ivan-password-123"}})
                .status,
            401);
  const std::string again = SignIn("ivan", "a-new-password-456");
  EXPECT_EQ(AuditCount("account.password", "allow"), 1);
  EXPECT_GE(AuditCount("account.password", "deny"), 2);

  ASSERT_EQ(Call("PATCH", "/v1/accounts/ivan", admin_, json{{"disabled", true}}.dump()).status,
            200);
  ASSERT_EQ(Call("PATCH", "/v1/accounts/ivan", admin_, json{{"disabled", false}}.dump()).status,
            200);
  EXPECT_EQ(Call("GET", "/v1/whoami", again).status, 401);
  EXPECT_EQ(Call("GET", "/v1/whoami", SignIn("ivan", "a-new-password-456")).status, 200);
}

// Fingerprints over the API (issue 13): a finger gallery records its
// modality; an enroller enrolls real FVC prints (a new subject, then a second
// finger appended), with the same role rules and audit as faces; a blank
// image is 422; face-only fields stay refused on face galleries.
TEST_F(ServerTest, FingerGalleryEnrollmentOverTheApi) {
  CANDOR_REQUIRE_DATA(data);
  const fs::path fvc = data / "fingerprints" / "fvc2002-db1-b";
  if (!fs::exists(fvc / "101_1.tif")) GTEST_SKIP() << "no FVC2002 DB1-B prints under " << fvc;
  Reply r = Post("/v1/galleries", admin_,
                 {{"name", "tenprints"},
                  {"description", "booking fingerprints"},
                  {"legal_basis", "statute"},
                  {"retention_class", "P10Y"},
                  {"modality", "finger"},
                  {"allowed_search_bases", {"warrant"}}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.value("modality", ""), "finger");
  Gallery("bookings", {"warrant"});
  const std::string enr = Person("erin", "enroller"), inv = Person("ivan", "investigator");
  const std::string print1 = ReadBytes(fvc / "101_1.tif"), print2 = ReadBytes(fvc / "102_1.tif");
  r = Post("/v1/galleries/tenprints/subjects", inv,
           {{"subject_id", "p1"}, {"image", B64(print1)}, {"finger_position", 1}});
  EXPECT_EQ(r.status, 403) << r.raw;
  r = Post("/v1/galleries/tenprints/subjects", enr,
           {{"subject_id", "p1"}, {"image", B64(print1)}, {"finger_position", 1}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.value("modality", ""), "finger");
  EXPECT_EQ(r.body.value("finger_position", -1), 1);
  EXPECT_GT(r.body.value("minutiae", 0), 10);
  EXPECT_GT(r.body["finger_quality"].value("score", 0), 0);
  r = Post("/v1/galleries/tenprints/subjects", enr,
           {{"subject_id", "p1"}, {"image", B64(print2)}, {"finger_position", 2}});
  EXPECT_EQ(r.status, 409) << r.raw;  // already enrolled without append
  r = Post("/v1/galleries/tenprints/subjects", enr,
           {{"subject_id", "p1"}, {"image", B64(print2)}, {"finger_position", 2}, {"append", true}});
  ASSERT_EQ(r.status, 201) << r.raw;
  r = Call("GET", "/v1/galleries/tenprints", admin_);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.value("subjects", 0), 1);
  EXPECT_EQ(r.body.value("templates", 0), 2);
  EXPECT_EQ(r.body.value("model_id", ""), "finger-mcc");
  auto stored = store_->GetSubject("tenprints", "p1", false);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->templates.size(), 2u);
  EXPECT_TRUE(stored->templates[0].has_image);
  EXPECT_EQ(stored->templates[1].finger_position, 2);

  // A blank grey image: no fingerprint (422); a bad position (400).
  const std::string blank = "P5\n200 200\n255\n" + std::string(200 * 200, '\xff');
  r = Post("/v1/galleries/tenprints/subjects", enr, {{"subject_id", "p2"}, {"image", B64(blank)}});
  EXPECT_EQ(r.status, 422) << r.raw;
  r = Post("/v1/galleries/tenprints/subjects", enr,
           {{"subject_id", "p2"}, {"image", B64(print1)}, {"finger_position", 11}});
  EXPECT_EQ(r.status, 400) << r.raw;
  // Finger-only fields on a face gallery: 400.
  r = Post("/v1/galleries/bookings/subjects", enr,
           {{"subject_id", "x1"}, {"image", B64(Photo("Aaron_Peirsol", 1))}, {"finger_position", 1}});
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(AuditCount("gallery.enroll", "allow"), 2);
  EXPECT_GE(AuditCount("gallery.enroll", "deny"), 4);

  // A second subject, then a 1:N search with another impression of p1's first finger,
  // at a threshold for MCC scores (the FVC calibration's FMR 1 %, docs/FINGER.md).
  r = Post("/v1/galleries/tenprints/subjects", enr,
           {{"subject_id", "p2"}, {"image", B64(ReadBytes(fvc / "103_1.tif"))}, {"finger_position", 1}});
  ASSERT_EQ(r.status, 201) << r.raw;
  threshold_ = [](const GalleryInfo& g, SearchKind) -> StatusOr<float> {
    return g.modality == kFingerModality ? 0.022f : kTestThreshold;
  };
  StartService();
  const std::string sup = Person("sara", "supervisor"), exa = Person("eve", "examiner");
  const std::string auth = Authorize(inv, sup, "warrant", {"tenprints", "bookings"}, 20);
  Reply id = Identify(inv, auth, "tenprints", ReadBytes(fvc / "101_3.tif"));
  ASSERT_EQ(id.status, 201) << id.raw;
  const std::string search = id.body.value("id", "");
  EXPECT_GE(id.body.value("candidate_count", 0), 1) << id.raw;
  EXPECT_EQ(id.raw.find("p1"), std::string::npos) << id.raw;  // not for the requester
  Reply view = Call("GET", "/v1/searches/" + search, exa);
  ASSERT_EQ(view.status, 200) << view.raw;
  ASSERT_FALSE(view.body["candidates"].empty()) << view.raw;
  EXPECT_EQ(view.body["candidates"][0].value("subject_id", ""), "p1") << view.raw;
  // The examiner's side-by-side: both prints, minutiae, and MCC's pairs.
  Reply pairs = Call("GET", "/v1/searches/" + search + "/candidates/1/minutiae", exa);
  ASSERT_EQ(pairs.status, 200) << pairs.raw.substr(0, 300);
  EXPECT_GE(pairs.body["pairs"].size(), 4u);
  EXPECT_GT(pairs.body.value("score", 0.0), 0.022);
  EXPECT_EQ(pairs.body["candidate"].value("finger_position", -1), 1);
  EXPECT_FALSE(pairs.body["probe"].value("image_png", "").empty());
  EXPECT_FALSE(pairs.body["candidate"].value("image_png", "").empty());
  const size_t pm = pairs.body["probe"]["minutiae"].size();
  for (const auto& p : pairs.body["pairs"]) EXPECT_LT(p.value("probe", 0), static_cast<int>(pm));
  EXPECT_EQ(Call("GET", "/v1/searches/" + search + "/candidates/1/minutiae", inv).status, 403);
  EXPECT_EQ(Call("GET", "/v1/searches/" + search + "/candidates/9/minutiae", exa).status, 404);
  EXPECT_EQ(Call("GET", "/v1/searches/" + search + "/candidates/1/image", exa).status, 200);
  EXPECT_EQ(Call("GET", "/v1/searches/" + search + "/candidates/x/minutiae", exa).status, 400);
  EXPECT_EQ(Call("GET", "/v1/searches/" + search + "/candidates/1/minutiae?dpi=9", exa).status,
            400);
  // Two people review the fingerprint candidate; the lead reaches the requester.
  for (const std::string& who : {exa, sup}) {
    Reply rv = Post("/v1/searches/" + search + "/reviews", who,
                    {{"subject_id", "p1"}, {"decision", "confirm"}, {"notes", "ridges agree"}});
    ASSERT_EQ(rv.status, 201) << rv.raw;
  }
  Reply lead = Call("GET", "/v1/searches/" + search + "/lead", inv);
  ASSERT_EQ(lead.status, 200) << lead.raw;
  EXPECT_EQ(lead.body["confirmed_subject_ids"][0], "p1") << lead.raw;

  // 1:1 over the API: the mate's other impression is a candidate for review (no
  // score for the requester); another person's thumb is not.
  auto verify = [&](const std::string& subject, const std::string& image, json extra = {}) {
    json body = {{"authorization_id", auth}, {"gallery", "tenprints"}, {"subject_id", subject},
                 {"image", B64(image)}};
    for (auto& [k, v] : extra.items()) body[k] = v;
    return Post("/v1/verify", inv, body);
  };
  Reply v = verify("p1", ReadBytes(fvc / "101_5.tif"), {{"finger_position", 1}});
  ASSERT_EQ(v.status, 201) << v.raw;
  EXPECT_EQ(v.body.value("candidate_count", -1), 1) << v.raw;
  EXPECT_EQ(v.raw.find("score"), std::string::npos) << v.raw;
  v = verify("p2", ReadBytes(fvc / "107_5.tif"), {{"finger_position", 1}});
  ASSERT_EQ(v.status, 201) << v.raw;
  EXPECT_EQ(v.body.value("candidate_count", -1), 0) << v.raw;

  // Bad input: clear 4xx, never a crash. A blank print (422), bytes that are no
  // image (400/415), a tiny image (422), out-of-range fields (400), finger fields
  // on a face gallery (400).
  const int before = static_cast<int>(AuditCount("search.probe_failed", "allow"));
  Reply bad = Identify(inv, auth, "tenprints", blank);
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_NE(bad.raw.find("no usable fingerprint"), std::string::npos) << bad.raw;
  bad = Identify(inv, auth, "tenprints", "this is not an image at all");
  EXPECT_TRUE(bad.status == 400 || bad.status == 415) << bad.raw;
  const std::string tiny = "P5\n8 8\n255\n" + std::string(64, '\x80');
  bad = Identify(inv, auth, "tenprints", tiny);
  EXPECT_GE(bad.status, 400) << bad.raw;
  EXPECT_LT(bad.status, 500) << bad.raw;
  EXPECT_EQ(verify("p1", print1, {{"finger_position", 11}}).status, 400);
  EXPECT_EQ(verify("p1", print1, {{"dpi", 50}}).status, 400);
  Reply wrong = Post("/v1/identify", inv,
                     {{"authorization_id", auth}, {"gallery", "bookings"},
                      {"image", B64(Photo("Adrien_Brody", 2))}, {"finger_position", 1}});
  EXPECT_EQ(wrong.status, 400) << wrong.raw;
  EXPECT_NE(wrong.raw.find("finger galleries"), std::string::npos) << wrong.raw;
  EXPECT_GE(AuditCount("search.probe_failed", "allow"), before + 3);

  // A face search has no minutiae (412), and a face photo's search of a face
  // gallery still goes the face way.
  Enroll("bookings", enr);
  Reply face = Identify(inv, auth, "bookings", Photo("Adrien_Brody", 2));
  ASSERT_EQ(face.status, 201) << face.raw;
  ASSERT_GT(face.body.value("candidate_count", 0), 0) << face.raw;
  EXPECT_EQ(Call("GET", "/v1/searches/" + face.body.value("id", "") + "/candidates/1/minutiae",
                 exa).status, 412);
  // The transparency report counts the finger searches with the gallery's.
  const std::string aud = Person("aldo", "auditor");
  Reply t = Call("GET",
                 "/v1/reports/transparency?from=" + Iso(kStart - kDay) + "&to=" + Iso(kStart + kDay),
                 aud);
  ASSERT_EQ(t.status, 200) << t.raw;
  EXPECT_GE(t.body["by_gallery"].value("tenprints", 0), 6) << t.raw;
}

}  // namespace
}  // namespace candor
