// Copyright 2026 The Candor Authors.
//
// The examiner's side of the service over HTTP on LFW, with a calibration:
// each candidate's estimated FPIR (and the threshold's) is the calibration's
// FPIR of that score at the gallery's size; the candidate's enrolment photo; the review queue
// lists others' searches awaiting review; searches, their candidates and
// reviews survive a restart of the service; the lead is counted once in the
// transparency report however often it is fetched; polling a search under
// review adds nothing to the audit log; a purge removes the service's copy.
// Every response is checked against docs/openapi.yaml.

#include <gtest/gtest.h>
#include <httplib.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "server/server_test_util.h"
#include "candor/calibration.h"
#include "candor/gallery_calibration.h"
#include "candor/pipeline.h"
#include "candor/server.h"
#include "common/hash.h"
#include "common/test_env.h"
#include "search_desk/thresholds.h"
#include "server/openapi_conformance.h"

namespace candor {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using server_test::kDay;
using server_test::kStart;
constexpr float kThreshold = 0.362f;  // see server_test.cc

std::string Iso(int64_t ms) {
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
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

// A calibration for the gallery's model built here from a fixed, synthetic
// impostor distribution (the server's FPIR must be this calibration's, whatever
// its numbers): the test does not depend on calibration/*.json matching the
// models converted on this machine.
StatusOr<Calibration> LoadCalibration(const GalleryInfo& g) {
  CalibrationInput in;
  in.model_id = g.model_id;
  in.model_sha256 = HexEncode(g.model_sha256);
  uint64_t x = 88172645463325252ull;  // xorshift64: the same scores every time
  for (int i = 0; i < 40000; ++i) {
    double sum = 0;
    for (int k = 0; k < 4; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      sum += static_cast<double>(x >> 11) / 9007199254740992.0;
    }
    in.impostor_scores.push_back(0.05 + 0.3 * (sum - 2.0));  // mean 0.05, sd ~0.17
  }
  return Calibration::Build(in);
}

struct Reply {
  int status = 0;
  std::string raw;
  json body;
};

class ReviewFlowTest : public server_test::GovernedStoreTest {
 protected:
  void SetUp() override {
    CANDOR_REQUIRE_DATA(data);
    CANDOR_REQUIRE_MODEL(DefaultEmbedderId() + ".onnx");
    lfw_ = data / "faces" / "lfw";
    ASSERT_NE(SharedPipeline(), nullptr);
    ASSERT_NO_FATAL_FAILURE(OpenGovernedStore("candor_rf", [this](GovernanceOptions& go) {
      go.purge_probe = [this](const std::string& id) {
        return service_ ? service_->DeleteProbe(id) : OkStatus();
      };
    }));
    StartService();
    admin_ = SignIn("admin", kAdminPassword);
  }

  // (Re)starts the service over the same store, governance and files.
  void StartService() {
    http_.reset();
    service_.reset();
    ServerOptions o = ServiceOptions(dir_ / "store" / "probes");
    SearchCalibrationOptions sc;
    sc.fixed_threshold = fixed_threshold_;
    sc.target_fpir = target_fpir_;
    sc.load_model = LoadCalibration;
    o.calibration = OpenSearchCalibration(*store_, sc);
    o.search_book = dir_ / "store" / "searches.db";
    service_ = std::make_unique<Service>(gov_.get(), store_.get(), SharedPipeline(), o);
    HttpServerOptions ho;
    ho.purge_interval_ms = 0;
    auto h = HttpServer::Start(service_.get(), ho);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    http_ = std::move(h).value();
  }

  void TearDown() override {
    if (!HasFatalFailure() && !IsSkipped()) {
      static const server::OpenApiSpec spec = server::OpenApiSpec::Load();
      for (const auto& [method, path, status, ctype, raw] : log_) {
        EXPECT_EQ(spec.Check(method, path, status, ctype, raw), "")
            << method << " " << path << " -> " << status << " " << raw.substr(0, 300);
      }
    }
    http_.reset();
    GovernedStoreTest::TearDown();
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "") {
    httplib::Client cli("127.0.0.1", http_->port());
    cli.set_read_timeout(120, 0);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    httplib::Result res = method == "POST"     ? cli.Post(path, h, body, "application/json")
                          : method == "PATCH"  ? cli.Patch(path, h, body, "application/json")
                          : method == "DELETE" ? cli.Delete(path, h)
                                               : cli.Get(path, h);
    Reply r;
    if (!res) {
      ADD_FAILURE() << "no response for " << method << " " << path;
      return r;
    }
    r.status = res->status;
    r.raw = res->body;
    const std::string ctype = res->get_header_value("Content-Type");
    if (ctype.rfind("application/json", 0) == 0) r.body = json::parse(r.raw, nullptr, false);
    log_.emplace_back(method, path.substr(0, path.find('?')), r.status, ctype, r.raw);
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
    std::ifstream in(lfw_ / name / file, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // A gallery of kPeople (first photos) with a P30D retention, an approved
  // warrant for `inv`, and one search with `probe`; returns the search.
  Reply Searched(const std::string& inv, const std::string& sup, const std::string& enr,
                 const std::string& probe) {
    EXPECT_EQ(Post("/v1/galleries", admin_,
                   {{"name", "bookings"},
                    {"description", "test bookings"},
                    {"legal_basis", "statute"},
                    {"retention_class", "P30D"},
                    {"allowed_search_bases", {"warrant"}}})
                  .status,
              201);
    for (const auto& who : kPeople) {
      Reply r =
          Post("/v1/galleries/bookings/subjects", enr,
               {{"subject_id", who}, {"record_ref", "REC-" + who}, {"image", B64(Photo(who, 1))}});
      EXPECT_EQ(r.status, 201) << r.raw;
    }
    return Post("/v1/identify", inv,
                {{"authorization_id", Warrant(inv, sup)},
                 {"gallery", "bookings"},
                 {"image", B64(probe)}});
  }
  // An approved warrant of `inv` for "bookings" (approved by `sup`); its id.
  std::string Warrant(const std::string& inv, const std::string& sup) {
    Reply a = Post("/v1/authorizations", inv,
                   {{"basis", "warrant"},
                    {"reference", "W-1"},
                    {"issuing_authority", "Court"},
                    {"case_id", "case-1"},
                    {"purpose", "robbery"},
                    {"galleries", {"bookings"}},
                    {"expires_at", Iso(kStart + 60 * kDay)},
                    {"max_searches", 5}});
    EXPECT_EQ(a.status, 201) << a.raw;
    EXPECT_EQ(Call("POST", "/v1/authorizations/" + a.body.value("id", "") + "/approve", sup).status,
              200);
    return a.body.value("id", "");
  }
  int64_t AuditCount(const std::string& action) {
    auto entries = ReadAuditEntries(gov_->audit_log_path());
    EXPECT_TRUE(entries.ok());
    int64_t n = 0;
    for (const auto& e : *entries) n += e.action == action;
    return n;
  }
  json Confirm(const std::string& subject, const std::string& notes) {
    return {{"subject_id", subject}, {"decision", "confirm"}, {"notes", notes}};
  }

  const std::vector<std::string> kPeople = {"Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody",
                                            "Alejandro_Toledo", "Ari_Fleischer"};
  fs::path lfw_;
  float fixed_threshold_ = kThreshold;  // 0: thresholds from the calibrations
  double target_fpir_ = 1e-3;
  std::unique_ptr<HttpServer> http_;
  std::string admin_;
  std::vector<std::tuple<std::string, std::string, int, std::string, std::string>> log_;
};

TEST_F(ReviewFlowTest, CandidatesCarryTheCalibratedFpirOfTheirScore) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Reply s = Searched(inv, sup, enr, Photo("Adrien_Brody", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  EXPECT_FALSE(s.body.contains("candidates"));

  auto gallery = store_->GetGallery("bookings");
  ASSERT_TRUE(gallery.ok());
  auto cal = LoadCalibration(*gallery);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  const uint64_t n = kPeople.size();
  EXPECT_EQ(s.body["gallery_size"], 5);
  ASSERT_TRUE(s.body.contains("threshold_fpir")) << s.raw;
  EXPECT_DOUBLE_EQ(s.body["threshold_fpir"].get<double>(), cal->FpirAt(kThreshold, n).value);

  Reply v = Call("GET", "/v1/searches/" + s.body["id"].get<std::string>(), exa);
  ASSERT_EQ(v.status, 200) << v.raw;
  ASSERT_GE(v.body["candidates"].size(), 1u);
  EXPECT_EQ(v.body["candidates"][0]["subject_id"], "Adrien_Brody");
  EXPECT_EQ(v.body["candidates"][0]["record_ref"], "REC-Adrien_Brody");
  EXPECT_EQ(v.body["threshold"], s.body["threshold"]);
  EXPECT_EQ(v.body["gallery_size"], 5);
  double last = -1;
  for (const auto& c : v.body["candidates"]) {
    ASSERT_TRUE(c.contains("fpir")) << c.dump();
    const RateEstimate want = cal->FpirAt(c["score"].get<double>(), n);
    EXPECT_DOUBLE_EQ(c["fpir"].get<double>(), want.value) << c.dump();
    EXPECT_EQ(c["fpir_basis"], want.below_support  ? "upper_bound"
                               : want.extrapolated ? "extrapolated"
                                                   : "measured");
    EXPECT_GE(c["fpir"].get<double>(), last);  // lower scores stand for higher FPIR
    last = c["fpir"].get<double>();
    EXPECT_TRUE(c["reviews"].empty());
  }
  // A genuine mate scores far above the threshold: its FPIR is far below the threshold's.
  EXPECT_LT(v.body["candidates"][0]["fpir"].get<double>(), s.body["threshold_fpir"].get<double>());

  // The candidate's enrolment photo, kept sealed in the store: examiners and
  // supervisors only; a rank out of range, a bad rank, a deleted subject.
  const std::string id = s.body["id"];
  const std::string img = "/v1/searches/" + id + "/candidates/";
  Reply photo = Call("GET", img + "1/image", exa);
  EXPECT_EQ(photo.status, 200);
  EXPECT_EQ(photo.raw, Photo("Adrien_Brody", 1));
  EXPECT_EQ(Call("GET", img + "1/image", inv).status, 403);
  EXPECT_EQ(Call("GET", img + "1/image", Person("audra", "auditor")).status, 403);
  EXPECT_EQ(Call("GET", img + "99/image", exa).status, 404);
  EXPECT_EQ(Call("GET", img + "0/image", exa).status, 400);
  EXPECT_EQ(Call("GET", img + "x/image", exa).status, 400);
  ASSERT_EQ(Call("DELETE", "/v1/galleries/bookings/subjects/Adrien_Brody", admin_).status, 204);
  EXPECT_EQ(Call("GET", img + "1/image", exa).status, 404);
}

TEST_F(ReviewFlowTest, QueueReviewsAndLeadSurviveARestartAndCountOnce) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  const std::string aud = Person("audra", "auditor");
  Reply s = Searched(inv, sup, enr, Photo("Abdullah_Gul", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];

  // The examiner's queue lists it (a summary: no candidates); the requester's
  // own list has it; polling it while under review writes no audit entry.
  Reply q = Call("GET", "/v1/searches", exa);
  ASSERT_EQ(q.status, 200);
  ASSERT_EQ(q.body["searches"].size(), 1u);
  EXPECT_EQ(q.body["searches"][0]["id"], id);
  EXPECT_FALSE(q.body["searches"][0].contains("candidates"));
  EXPECT_EQ(Call("GET", "/v1/searches?status=lead_released", exa).body["searches"].size(), 0u);
  const int64_t releases0 = AuditCount("lead.release");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("GET", "/v1/searches/" + id, inv).body["status"], "pending_review");
  }
  EXPECT_EQ(AuditCount("lead.release"), releases0);

  ASSERT_EQ(
      Post("/v1/searches/" + id + "/reviews", exa, Confirm("Abdullah_Gul", "ears match")).status,
      201);
  const json before = Call("GET", "/v1/searches/" + id, sup).body;

  // Restart: a new Service over the same files.
  StartService();
  Reply mine = Call("GET", "/v1/searches", inv);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.body["searches"].size(), 1u);
  EXPECT_EQ(mine.body["searches"][0]["id"], id);
  EXPECT_EQ(mine.body["searches"][0]["status"], "pending_review");
  EXPECT_EQ(mine.body["searches"][0]["threshold"], s.body["threshold"]);
  Reply after = Call("GET", "/v1/searches/" + id, sup);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body["candidates"], before["candidates"]);  // scores, FPIR, the review
  ASSERT_EQ(after.body["candidates"][0]["reviews"].size(), 1u);
  EXPECT_EQ(after.body["candidates"][0]["reviews"][0]["reviewer"], "erin");
  EXPECT_EQ(after.body["candidates"][0]["reviews"][0]["notes"], "ears match");
  EXPECT_EQ(Call("GET", "/v1/searches", sup).body["searches"].size(), 1u);  // still in the queue
  // The two-person state, the same in the queue, the review and the
  // requester's view (no subject ids): 1 of 2, confirmed by erin, whom the
  // screens leave out of the second review.
  for (const json& view : {Call("GET", "/v1/searches", sup).body["searches"][0], after.body,
                           Call("GET", "/v1/searches/" + id, inv).body}) {
    const json& st = view["review_state"];
    EXPECT_EQ(st["confirmations"], 1) << view.dump();
    EXPECT_EQ(st["required"], 2);
    EXPECT_EQ(st["confirmed_by"], json::array({"erin"}));
    EXPECT_EQ(st["examiner_confirmed"], true);
    EXPECT_EQ(st["reviewed_by"], json::array({"erin"}));
    EXPECT_EQ(st["rejected_by"], json::array());
    EXPECT_EQ(st.dump().find("Abdullah_Gul"), std::string::npos);
  }

  // The second person confirms: the lead is released.
  Reply second = Post("/v1/searches/" + id + "/reviews", sup, Confirm("Abdullah_Gul", "agree"));
  ASSERT_EQ(second.status, 201) << second.raw;
  EXPECT_EQ(second.body["status"], "lead_released");
  EXPECT_EQ(second.body["lead"]["confirmed_subject_ids"], json::array({"Abdullah_Gul"}));
  EXPECT_EQ(second.body["review_state"]["confirmations"], 2);
  EXPECT_EQ(second.body["review_state"]["confirmed_by"], json::array({"erin", "sara"}));
  EXPECT_EQ(Call("GET", "/v1/searches", exa).body["searches"].size(), 0u);  // left the queue
  EXPECT_EQ(Call("GET", "/v1/searches?status=lead_released", inv).body["searches"].size(), 1u);

  // Fetched five times, released once.
  for (int i = 0; i < 3; ++i) {
    Reply r = Call("GET", "/v1/searches/" + id, inv);
    EXPECT_EQ(r.body["status"], "lead_released");
    EXPECT_EQ(r.body["lead"]["confirmed_subject_ids"], json::array({"Abdullah_Gul"}));
  }
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/lead", inv).status, 200);
  StartService();
  EXPECT_EQ(Call("GET", "/v1/searches/" + id + "/lead", inv).status, 200);
  const std::string period = "?from=" + Iso(kStart - kDay) + "&to=" + Iso(kStart + kDay);
  Reply tr = Call("GET", "/v1/reports/transparency" + period, aud);
  ASSERT_EQ(tr.status, 200) << tr.raw;
  EXPECT_EQ(tr.body["leads_released"], 1) << tr.raw;
  EXPECT_EQ(tr.body["searches"], 1) << tr.raw;
  EXPECT_EQ(tr.body["by_outcome"]["confirmed_lead"], 1) << tr.raw;
  EXPECT_EQ(tr.body["reviews"]["confirm"], 2) << tr.raw;

  // Nothing of the case is in clear in the service's file.
  std::ifstream in(dir_ / "store" / "searches.db", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("Abdullah_Gul"), std::string::npos);
  EXPECT_EQ(bytes.find("ears match"), std::string::npos);
}

TEST_F(ReviewFlowTest, RetentionPurgeRemovesTheServicesCopy) {
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  Reply s = Searched(inv, sup, enr, Photo("Ari_Fleischer", 2));
  ASSERT_EQ(s.status, 201) << s.raw;
  const std::string id = s.body["id"];
  ASSERT_EQ(
      Post("/v1/searches/" + id + "/reviews", exa, Confirm("Ari_Fleischer", "same mole")).status,
      201);
  now_ += 31 * kDay;  // past the gallery's P30D retention
  auto purge = service_->RunPurge();
  ASSERT_TRUE(purge.ok()) << purge.status().ToString();
  EXPECT_EQ(purge->searches_purged, 1);
  const std::string inv2 = SignIn("ivan", "ivan-password-123");
  const std::string exa2 = SignIn("erin", "erin-password-123");
  Reply mine = Call("GET", "/v1/searches/" + id, inv2);
  ASSERT_EQ(mine.status, 200) << mine.raw;
  EXPECT_EQ(mine.body["status"], "purged");
  EXPECT_EQ(Call("GET", "/v1/searches/" + id, exa2).status, 412);
  EXPECT_EQ(Call("GET", "/v1/searches", exa2).body["searches"].size(), 0u);
  StartService();
  EXPECT_EQ(Call("GET", "/v1/searches/" + id, inv2).body["status"], "purged");
}

// Issue 10, item 2: an admin runs in-gallery calibration over the API
// (audited; refused to others); from then on identify takes its threshold and
// every candidate's FPIR from the gallery's own calibration, and the search,
// the examiner's view and the transparency report say which calibration a
// threshold came from.
TEST_F(ReviewFlowTest, AnAdminCalibratesTheGalleryAndSearchesNameTheirThresholdsSource) {
  fixed_threshold_ = 0;  // thresholds from calibrations, as `candor serve` takes them
  target_fpir_ = 0.25;   // what a 24-subject in-gallery calibration can support
  StartService();
  const std::string inv = Person("ivan", "investigator");
  const std::string sup = Person("sara", "supervisor");
  const std::string exa = Person("erin", "examiner");
  const std::string enr = Person("enzo", "enroller");
  const std::string aud = Person("audra", "auditor");
  ASSERT_EQ(Post("/v1/galleries", admin_,
                 {{"name", "bookings"},
                  {"description", "test bookings"},
                  {"legal_basis", "statute"},
                  {"retention_class", "P30D"},
                  {"allowed_search_bases", {"warrant"}}})
                .status,
            201);
  std::vector<std::string> people = {"Adrien_Brody"};
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(lfw_)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    if (people.size() >= 24) break;
    if (d.filename() != "Adrien_Brody" && fs::exists(d / (d.filename().string() + "_0001.jpg"))) {
      people.push_back(d.filename().string());
    }
  }
  for (const auto& who : people) {
    Reply r = Post("/v1/galleries/bookings/subjects", enr,
                   {{"subject_id", who}, {"face", "largest"}, {"image", B64(Photo(who, 1))}});
    ASSERT_EQ(r.status, 201) << who << " " << r.raw;
  }
  const std::string warrant = Warrant(inv, sup);
  auto identify = [&] {
    return Post("/v1/identify", inv,
                {{"authorization_id", warrant},
                 {"gallery", "bookings"},
                 {"image", B64(Photo("Adrien_Brody", 2))}});
  };
  Reply before = identify();
  ASSERT_EQ(before.status, 201) << before.raw;
  EXPECT_EQ(before.body["threshold_calibration"], "model") << before.raw;
  EXPECT_EQ(before.body.value("threshold_source", "").rfind("model calibration", 0), 0u)
      << before.raw;

  const int64_t calibrated0 = AuditCount("gallery.calibrate");
  Reply refused = Post("/v1/galleries/bookings/calibration", inv, json::object());
  EXPECT_EQ(refused.status, 403) << refused.raw;
  Reply bad = Post("/v1/galleries/bookings/calibration", admin_, {{"sample", 3}});
  EXPECT_EQ(bad.status, 400) << bad.raw;
  Reply cal = Post("/v1/galleries/bookings/calibration", admin_, json::object());
  ASSERT_EQ(cal.status, 201) << cal.raw;
  EXPECT_EQ(cal.body["stored"], true);
  EXPECT_EQ(cal.body["gallery_subjects"], static_cast<int64_t>(people.size()));
  EXPECT_EQ(cal.body["searches"], static_cast<int64_t>(people.size()));
  EXPECT_EQ(AuditCount("gallery.calibrate") - calibrated0, 3);  // two refusals, one run
  auto stored = LoadGalleryCalibration(*store_, "bookings");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();

  // The next search takes its threshold, and each candidate its FPIR, from it.
  Reply after = identify();
  ASSERT_EQ(after.status, 201) << after.raw;
  EXPECT_EQ(after.body["threshold_calibration"], "gallery") << after.raw;
  EXPECT_NE(after.body.value("threshold_source", "").find("in-gallery calibration"),
            std::string::npos)
      << after.raw;
  auto want = stored->ThresholdForFpir(target_fpir_, static_cast<int64_t>(people.size()));
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  EXPECT_FLOAT_EQ(after.body["threshold"].get<float>(), static_cast<float>(want->threshold));
  if (after.body["candidate_count"].get<int64_t>() > 0) {
    Reply v = Call("GET", "/v1/searches/" + after.body["id"].get<std::string>(), exa);
    ASSERT_EQ(v.status, 200) << v.raw;
    EXPECT_EQ(v.body["threshold_calibration"], "gallery") << v.raw;
    EXPECT_EQ(v.body["threshold_source"], after.body["threshold_source"]);
    for (const auto& c : v.body["candidates"]) {
      ASSERT_TRUE(c.contains("fpir")) << c.dump();
      EXPECT_DOUBLE_EQ(c["fpir"].get<double>(),
                       stored->FpirAt(c["score"].get<double>(), people.size()).value)
          << "the candidate's FPIR must come from the gallery's calibration: " << c.dump();
    }
  }

  Reply t = Call("GET",
                 "/v1/reports/transparency?from=" + Iso(kStart - kDay) + "&to=" +
                     Iso(kStart + kDay),
                 aud);
  ASSERT_EQ(t.status, 200) << t.raw;
  EXPECT_EQ(t.body["by_threshold_calibration"]["model"], 1) << t.raw;
  EXPECT_EQ(t.body["by_threshold_calibration"]["gallery"], 1) << t.raw;
  EXPECT_EQ(t.body["threshold_sources"].value("bookings", "").rfind("gallery: ", 0), 0u) << t.raw;
}

}  // namespace
}  // namespace candor
