// Copyright 2026 The Candor Authors.
//
// `candor demo` (the README's main job) end to end, on a small real subset of
// faces/wild (three identity clusters, eight photos) so that it stays fast:
//  - the set-up (store, gallery, accounts with generated passwords in a 0600
//    credentials file, approved authorization) is idempotent: a rerun adds
//    nothing, changes no password, reuses the authorization;
//  - the served demo answers a governed search: the investigator signs in with
//    the printed credentials and searches a held-out photo under the demo
//    authorization; the examiner sees the held-out photo's cluster as the best
//    candidate; SIGTERM stops the server cleanly (exit 0).
//  - `candor report transparency` (and its hidden old name report-transparency)
//    counts that search for the auditor, with charts and no identities.
// The built binary is CANDOR_CLI_PATH (a compile definition).

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/paths.h"
#include "common/test_env.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string Base64(const std::string& in) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "candor_demo_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  // A faces/wild subset: clusters 8 and 9 (three photos each, one held out by
  // the demo) and 10 (two photos).
  fs::path MakeSubset(const fs::path& wild) {
    const fs::path sub = tmp_ / "wild";
    fs::create_directories(sub);
    std::ofstream csv(sub / "identity_clusters.csv");
    csv << "image,cluster\n";
    const std::vector<std::pair<std::string, int>> photos = {
        {"img34.jpg", 8}, {"img36.jpg", 8}, {"img37.jpg", 8}, {"img18.jpg", 9},
        {"img19.jpg", 9}, {"img67.jpg", 9}, {"img20.jpg", 10}, {"img21.jpg", 10}};
    for (const auto& [name, cluster] : photos) {
      fs::create_symlink(wild / name, sub / name);
      csv << name << "," << cluster << "\n";
    }
    return sub;
  }

  // Runs `candor ARGS` to completion with `env` (NAME, VALUE) added to the
  // environment; returns exit code, fills out/err.
  int Run(const std::vector<std::string>& args, std::string* out, std::string* err,
          const std::vector<std::pair<std::string, std::string>>& env = {}) {
    const fs::path o = tmp_ / "out.txt", e = tmp_ / "err.txt";
    const pid_t pid = Spawn(args, o, e, env);
    int status = 0;
    waitpid(pid, &status, 0);
    *out = ReadAll(o);
    *err = ReadAll(e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  pid_t Spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err,
              const std::vector<std::pair<std::string, std::string>>& env = {}) {
    const pid_t pid = fork();
    if (pid == 0) {
      if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(127);
      for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
      std::vector<char*> argv;
      std::string bin = CANDOR_CLI_PATH;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }

  fs::path tmp_;
  pid_t child_ = -1;
};

std::map<std::string, std::string> Credentials(const std::string& text) {
  std::map<std::string, std::string> m;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string role, user, pw;
    if (ls >> role >> user >> pw) m[user] = pw;
  }
  return m;
}

TEST_F(DemoTest, SetUpIsIdempotentAndTheServedDemoAnswersAGovernedSearch) {
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  const fs::path sub = MakeSubset(data / "faces" / "wild");
  const fs::path state = tmp_ / "state";

  // First run: everything is created.
  std::string out, err;
  const std::vector<std::string> setup_args = {"--json", "demo", "--data", sub.string(),
                                               "--state", state.string(), "--no-serve"};
  ASSERT_EQ(Run(setup_args, &out, &err), 0) << out << err;
  json first = json::parse(out);
  const json& s1 = first["service"];
  EXPECT_EQ(first["summary"]["probes"], 8);
  EXPECT_TRUE(s1["accounts_created"].get<bool>());
  ASSERT_EQ(s1["accounts"].size(), 6u) << s1.dump();
  EXPECT_EQ(s1["gallery"]["name"], "demo-wild");
  EXPECT_EQ(s1["gallery"]["subjects"], 3);
  EXPECT_EQ(s1["gallery"]["templates"], 6);  // 8 photos, 2 held out
  EXPECT_EQ(s1["gallery"]["subjects_added"], 3);
  ASSERT_EQ(s1["held_out_probes"].size(), 2u);
  EXPECT_EQ(fs::path(s1["held_out_probes"][0]["image"].get<std::string>()).filename(),
            "img37.jpg");
  const std::string auth_id = s1["authorization"]["id"];
  EXPECT_FALSE(auth_id.empty());

  struct stat st {};
  ASSERT_EQ(stat((state / "credentials.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((state / "store.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string creds_text = ReadAll(state / "credentials.txt");
  const auto creds = Credentials(creds_text);
  ASSERT_EQ(creds.size(), 6u) << creds_text;
  for (const auto& [user, pw] : creds) {
    EXPECT_GE(pw.size(), 20u) << user;
    // Never stored in the clear in the store.
    EXPECT_EQ(ReadAll(state / "store" / "govern.db").find(pw), std::string::npos) << user;
  }

  // Second run: nothing new.
  ASSERT_EQ(Run(setup_args, &out, &err), 0) << out << err;
  json second = json::parse(out);
  const json& s2 = second["service"];
  EXPECT_FALSE(s2["accounts_created"].get<bool>());
  EXPECT_EQ(s2["gallery"]["subjects"], 3);
  EXPECT_EQ(s2["gallery"]["templates"], 6);
  EXPECT_EQ(s2["gallery"]["subjects_added"], 0);
  EXPECT_EQ(s2["authorization"]["id"], auth_id);
  EXPECT_EQ(ReadAll(state / "credentials.txt"), creds_text);

  // Served: a governed search of a held-out photo.
  const fs::path o = tmp_ / "serve_out.txt", e = tmp_ / "serve_err.txt";
  child_ = Spawn({"demo", "--data", sub.string(), "--state", state.string(), "--http",
                  "127.0.0.1:0"},
                 o, e);
  int port = 0;
  const std::regex serving(R"(serving http://127\.0\.0\.1:(\d+)/)");
  for (int i = 0; i < 1200 && port == 0; ++i) {  // the pipeline runs first: up to 10 min
    std::smatch m;
    const std::string text = ReadAll(o);
    if (std::regex_search(text, m, serving)) port = std::stoi(m[1]);
    int status = 0;
    if (port == 0 && waitpid(child_, &status, WNOHANG) == child_) {
      child_ = -1;
      FAIL() << "demo exited early:\n" << text << ReadAll(e);
    }
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_GT(port, 0) << ReadAll(o) << ReadAll(e);
  EXPECT_NE(ReadAll(o).find("demo-investigator"), std::string::npos);

  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(120, 0);
  auto sign_in = [&](const std::string& user) {
    auto r = http.Post("/v1/sessions", json{{"username", user}, {"password", creds.at(user)}}.dump(),
                       "application/json");
    EXPECT_TRUE(r && r->status == 201) << user << (r ? r->body : std::string(" no reply"));
    return r ? json::parse(r->body).value("token", "") : std::string();
  };
  const std::string inv = sign_in("demo-investigator");
  const std::string probe = ReadAll(s1["held_out_probes"][0]["image"].get<std::string>());
  auto r = http.Post("/v1/identify", {{"Authorization", "Bearer " + inv}},
                     json{{"authorization_id", auth_id},
                          {"gallery", "demo-wild"},
                          {"image", Base64(probe)}}
                         .dump(),
                     "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const json search = json::parse(r->body);
  EXPECT_FALSE(search.contains("candidates")) << "the requester must not see candidates";
  EXPECT_GE(search["candidate_count"].get<int>(), 1) << r->body;

  const std::string exa = sign_in("demo-examiner");
  auto v = http.Get("/v1/searches/" + search["id"].get<std::string>(),
                    {{"Authorization", "Bearer " + exa}});
  ASSERT_TRUE(v);
  ASSERT_EQ(v->status, 200) << v->body;
  const json review = json::parse(v->body);
  ASSERT_GE(review["candidates"].size(), 1u) << v->body;
  EXPECT_EQ(review["candidates"][0]["subject_id"], "wild-cluster-08") << v->body;
  // The demo gallery keeps its photos: the examiner compares probe and
  // candidate side by side, never blind.
  auto photo = http.Get("/v1/searches/" + search["id"].get<std::string>() + "/candidates/1/image",
                        {{"Authorization", "Bearer " + exa}});
  ASSERT_TRUE(photo);
  ASSERT_EQ(photo->status, 200) << photo->body.substr(0, 200);
  EXPECT_TRUE(photo->body == ReadAll(sub / "img34.jpg") || photo->body == ReadAll(sub / "img36.jpg"))
      << "the photo of the matched template, byte for byte";
  // Every suggested probe passes the quality gate the search screen applies.
  for (const auto& h : s1["held_out_probes"]) {
    auto q = http.Post("/v1/quality", {{"Authorization", "Bearer " + inv}},
                       json{{"image", Base64(ReadAll(h["image"].get<std::string>()))}}.dump(),
                       "application/json");
    ASSERT_TRUE(q);
    ASSERT_EQ(q->status, 200) << q->body;
    EXPECT_TRUE(json::parse(q->body)["usable"].get<bool>()) << h.dump() << " " << q->body;
  }

  // A search without the authorization is refused (403), not served.
  auto refused = http.Post("/v1/identify", {{"Authorization", "Bearer " + inv}},
                           json{{"authorization_id", "no-such-authorization"},
                                {"gallery", "demo-wild"},
                                {"image", Base64(probe)}}
                               .dump(),
                           "application/json");
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->status == 403 || refused->status == 404) << refused->body;

  ASSERT_EQ(kill(child_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child_, &status, 0), child_);
  child_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(e);

  // `candor report transparency` (and its old name) counts what was served:
  // one search under a warrant with candidates, one refused.
  const fs::path html = tmp_ / "transparency.html";
  const std::vector<std::string> report = {"report",        "transparency", "--store",
                                           (state / "store").string(), "--as", "demo-auditor",
                                           "--from",        "2000-01-01",   "--to",
                                           "2100-01-01",    "--html",       html.string()};
  // The auditor's own password: a name alone is no credential (docs/CLI.md).
  EXPECT_NE(Run(report, &out, &err), 0) << out;
  EXPECT_NE(err.find("no credential"), std::string::npos) << err;
  const std::vector<std::pair<std::string, std::string>> as_auditor = {
      {"CANDOR_PASSWORD", creds.at("demo-auditor")}};
  ASSERT_EQ(Run(report, &out, &err, as_auditor), 0) << out << err;
  const json t = json::parse(out);
  EXPECT_EQ(t["searches"], 2) << t.dump();  // requests, refused ones included
  EXPECT_EQ(t["refused"], 1) << t.dump();
  EXPECT_EQ(t["refusals_by_reason"]["authorization not found"], 1) << t.dump();
  EXPECT_EQ(t["by_legal_basis"]["warrant"], 1) << t.dump();
  EXPECT_EQ(t["by_gallery"]["demo-wild"], 1) << t.dump();
  EXPECT_EQ(t["by_outcome"]["candidates"], 1) << t.dump();
  EXPECT_EQ(out.find("wild-cluster"), std::string::npos) << "no subject identities in the report";
  const std::string page = ReadAll(html);
  EXPECT_NE(page.find("<svg"), std::string::npos) << "the HTML page has charts";
  // With the store key it also says where thresholds came from, as the server's.
  EXPECT_NE(err.find("threshold sources left out"), std::string::npos) << err;
  std::vector<std::string> keyed = report;
  keyed.insert(keyed.end(), {"--key-file", (state / "store.key").string()});
  ASSERT_EQ(Run(keyed, &out, &err, as_auditor), 0) << out << err;
  const json k = json::parse(out);
  ASSERT_TRUE(k["threshold_sources"].contains("demo-wild")) << k.dump();
  EXPECT_NE(k["threshold_sources"]["demo-wild"].get<std::string>().find("calibration"),
            std::string::npos)
      << k.dump();
  int64_t by_source = 0;
  for (const auto& [source, n] : k["by_threshold_calibration"].items()) by_source += n.get<int64_t>();
  EXPECT_GE(by_source, 1) << k.dump();
  std::vector<std::string> alias = report;
  alias.erase(alias.begin(), alias.begin() + 2);
  alias.insert(alias.begin(), "report-transparency");
  std::string alias_out;
  ASSERT_EQ(Run(alias, &alias_out, &err, as_auditor), 0) << alias_out << err;
  EXPECT_EQ(json::parse(alias_out)["searches"], t["searches"]);
  // A non-auditor role that may not read it is refused.
  std::vector<std::string> as_investigator = report;
  as_investigator[5] = "demo-investigator";
  EXPECT_NE(Run(as_investigator, &out, &err, {{"CANDOR_PASSWORD", creds.at("demo-investigator")}}),
            0)
      << out;
  EXPECT_NE(err.find("PERMISSION_DENIED"), std::string::npos) << err;
  // `candor report` without --results and without a subcommand: a usage error.
  EXPECT_EQ(Run({"report"}, &out, &err), 2) << err;  // usage error
  EXPECT_NE(err.find("report transparency"), std::string::npos) << err;
}

}  // namespace
