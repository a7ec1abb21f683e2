// Copyright 2026 The Candor Authors.
//
// End-to-end tests of the `candor` command (docs/CLI.md, docs/GOVERNANCE.md):
// the built binary (CANDOR_CLI_PATH, a compile definition) runs as a
// subprocess with a temporary store, key file and accounts; stdout JSON,
// stderr and exit codes are checked. Tests needing data or models skip with a
// message when they are absent. Each TEST runs in its own process under ctest,
// so the gallery flow (enroll -> identify -> review -> lead -> verify -> delete -> audit) is
// one test.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/hash.h"
#include "common/paths.h"
#include "common/test_env.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
  // The first JSON document on stdout (null when stdout does not start with one).
  json Json() const {
    std::istringstream is(out);
    json j;
    try {
      is >> j;
    } catch (const std::exception&) {
      return json();
    }
    return j;
  }
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "candor_cli_test_XXXXXX").string();
    char* d = mkdtemp(tmpl.data());
    path_ = d ? fs::path(d) : fs::path();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs `candor ARGS` with `env` (NAME=VALUE, prepended); stdout/stderr captured via files.
CliRun Candor(const std::vector<std::string>& args, const fs::path& scratch,
           const std::vector<std::string>& env = {}) {
  std::string cmd = "env";
  for (const auto& e : env) cmd += " " + Quote(e);
  cmd += " " + Quote(CANDOR_CLI_PATH);
  for (const auto& a : args) cmd += " " + Quote(a);
  const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  cmd += " >" + Quote(out.string()) + " 2>" + Quote(err.string()) + " </dev/null";
  CliRun r;
  int status = std::system(cmd.c_str());
  r.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  return r;
}

// Each test account's password (at least 12 characters; different per account).
std::string PasswordOf(const std::string& user) { return user + "-secret-pw-1"; }

// `env` plus the credentials a real operator of `args` would hold: the password
// of the --as account in CANDOR_PASSWORD (for `account bootstrap`: the new
// admin's), and for `account create` the new account's in CANDOR_NEW_PASSWORD.
std::vector<std::string> WithCredentials(std::vector<std::string> env,
                                         const std::vector<std::string>& args) {
  auto value_of = [&](const std::string& flag) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == flag) return args[i + 1];
    return std::string();
  };
  auto has = [&](const std::string& word) {
    return std::find(args.begin(), args.end(), word) != args.end();
  };
  const bool bootstrap = has("account") && has("bootstrap");
  const std::string as = bootstrap ? value_of("--username") : value_of("--as");
  if (!as.empty()) env.push_back("CANDOR_PASSWORD=" + PasswordOf(as));
  if (has("account") && has("create")) {
    env.push_back("CANDOR_NEW_PASSWORD=" + PasswordOf(value_of("--username")));
  }
  return env;
}

// Runs `candor ARGS` in `scratch` against the store scratch/store (key file
// scratch/store.key) with the credentials of the operator ARGS name.
CliRun InStore(const fs::path& scratch, const std::vector<std::string>& args) {
  const std::vector<std::string> env = {"CANDOR_STORE=" + (scratch / "store").string(),
                                        "CANDOR_KEY_FILE=" + (scratch / "store.key").string()};
  return Candor(args, scratch, WithCredentials(env, args));
}

std::string Describe(const CliRun& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout: " + r.out.substr(0, 2000) +
         "\nstderr: " + r.err.substr(0, 2000);
}

// Files sorted by name in `dir`.
std::vector<fs::path> SortedFiles(const fs::path& dir) {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

// The entries of an audit log (docs/GOVERNANCE.md: records of length:u32le,
// crc:u32le, type:u8, payload; type 1 = entry, a JSON object), up to the first
// malformed record.
std::vector<json> AuditEntries(const fs::path& log) {
  const std::string data = ReadAll(log);
  std::vector<json> out;
  auto u32 = [&](size_t off) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(data[off + i]);
    return v;
  };
  for (size_t off = 0; off + 9 <= data.size();) {
    const uint32_t len = u32(off);
    if (off + 9 + len > data.size()) break;
    if (data[off + 8] == 1) out.push_back(json::parse(data.substr(off + 9, len), nullptr, false));
    off += 9 + len;
  }
  return out;
}

class CliTest : public ::testing::Test {
 protected:
  fs::path scratch() const { return tmp_.path(); }
  // The store key scratch/store.key (`gallery keygen`) and the store
  // scratch/store with its first admin, "admin" (`account bootstrap`).
  void KeyAndAdmin() const {
    CliRun r = InStore(scratch(), {"gallery", "keygen", "--out", (scratch() / "store.key").string()});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = InStore(scratch(), {"account", "bootstrap", "--username", "admin"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  TempDir tmp_;
};

TEST_F(CliTest, HelpVersionAndUnknownCommand) {
  CliRun help = Candor({"--help"}, scratch());
  EXPECT_EQ(help.exit_code, 0) << Describe(help);
  for (const char* cmd : {"detect", "embed", "compare", "models", "gallery", "enroll", "identify",
                          "verify", "review", "lead", "delete", "account", "authorization"})
    EXPECT_NE(help.out.find(cmd), std::string::npos) << "--help does not list " << cmd;

  CliRun version = Candor({"--version"}, scratch());
  EXPECT_EQ(version.exit_code, 0) << Describe(version);
  EXPECT_EQ(version.out.rfind("candor ", 0), 0u) << Describe(version);

  CliRun unknown = Candor({"no-such-command"}, scratch());
  EXPECT_EQ(unknown.exit_code, 2) << Describe(unknown);
  EXPECT_FALSE(unknown.err.empty());

  CliRun bad_option = Candor({"detect", "--no-such-option", "x.jpg"}, scratch());
  EXPECT_EQ(bad_option.exit_code, 2) << Describe(bad_option);
}

TEST_F(CliTest, ModelsMatchSidecars) {
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  const fs::path dir = candor::ModelDir();
  CliRun r = Candor({"--json", "models", "--models", dir.string()}, scratch());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json j = r.Json();
  ASSERT_TRUE(j.contains("models")) << Describe(r);
  ASSERT_FALSE(j["models"].empty());
  int checked = 0;
  for (const auto& m : j["models"]) {
    const std::string id = m.value("id", "");
    ASSERT_FALSE(id.empty()) << m.dump();
    EXPECT_FALSE(m.value("version", "").empty()) << m.dump();
    const fs::path sidecar = dir / (id + ".json");
    ASSERT_TRUE(fs::exists(sidecar)) << sidecar;
    json s = json::parse(ReadAll(sidecar));
    EXPECT_EQ(m.value("onnx_sha256", ""), s.value("onnx_sha256", "x")) << id;
    EXPECT_EQ(m.value("onnx_sha256", "").size(), 64u) << id;
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

// The first LFW person (sorted) with at least `n` images.
fs::path LfwPersonWith(const fs::path& lfw, size_t n, size_t skip = 0) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(lfw))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    size_t c = std::distance(fs::directory_iterator(d), fs::directory_iterator());
    if (c >= n && skip-- == 0) return d;
  }
  return {};
}

TEST_F(CliTest, DetectOnRealImages) {
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  const fs::path person = LfwPersonWith(data / "faces" / "lfw", 2);
  ASSERT_FALSE(person.empty());
  const fs::path lfw_img = SortedFiles(person)[0];
  const fs::path couple = data / "faces" / "wild" / "couple.jpg";
  const fs::path webp = data / "faces" / "wild" / "img47.jpg";

  CliRun r = Candor({"--json", "detect", lfw_img.string(), couple.string(), webp.string()}, scratch());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json j = r.Json();
  ASSERT_EQ(j["results"].size(), 3u) << Describe(r);

  const json& lfw_faces = j["results"][0]["faces"];
  ASSERT_EQ(lfw_faces.size(), 1u) << j["results"][0].dump();
  const json& f = lfw_faces[0];
  EXPECT_GT(f["box"]["width"].get<double>(), 40);
  EXPECT_GT(f["box"]["height"].get<double>(), 40);
  EXPECT_EQ(f["landmarks"].size(), 5u);
  for (const auto& [name, pt] : f["landmarks"].items()) {
    ASSERT_EQ(pt.size(), 2u) << name;
    EXPECT_GE(pt[0].get<double>(), 0) << name;
    EXPECT_LT(pt[0].get<double>(), 250) << name;  // LFW images are 250 x 250
  }
  const int q = f["quality"]["score"].get<int>();
  EXPECT_GE(q, 0);
  EXPECT_LE(q, 100);

  const json& couple_faces = j["results"][1]["faces"];
  ASSERT_EQ(couple_faces.size(), 2u) << j["results"][1].dump();
  auto area = [](const json& face) {
    return face["box"]["width"].get<double>() * face["box"]["height"].get<double>();
  };
  EXPECT_GE(area(couple_faces[0]), area(couple_faces[1])) << "not largest first";

  ASSERT_FALSE(j["results"][2].contains("error")) << j["results"][2].dump();
  EXPECT_GE(j["results"][2]["faces"].size(), 1u) << "WebP content named .jpg: " << j["results"][2].dump();
}

TEST_F(CliTest, DetectBadInputsGiveDocumentedErrors) {
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL("blazeface-256.onnx");
  const fs::path person = LfwPersonWith(data / "faces" / "lfw", 2);
  const std::string jpeg = ReadAll(SortedFiles(person)[0]);
  const fs::path empty = scratch() / "empty.jpg", trunc = scratch() / "trunc.jpg",
                 text = scratch() / "notes.jpg", missing = scratch() / "missing.jpg";
  std::ofstream(empty).close();
  std::ofstream(trunc, std::ios::binary) << jpeg.substr(0, jpeg.size() / 3);
  std::ofstream(text) << "this is not an image, just some text\n";

  struct Case {
    fs::path file;
    int exit_code;
    const char* code;
  };
  for (const Case& c : {Case{missing, 3, "NOT_FOUND"}, Case{empty, 2, "INVALID_ARGUMENT"},
                        Case{trunc, 2, "INVALID_ARGUMENT"}, Case{text, 2, "INVALID_ARGUMENT"}}) {
    SCOPED_TRACE(c.file.filename().string());
    CliRun r = Candor({"--json", "detect", c.file.string()}, scratch());
    EXPECT_EQ(r.exit_code, c.exit_code) << Describe(r);
    json j = r.Json();
    ASSERT_TRUE(j.contains("results")) << Describe(r);
    ASSERT_EQ(j["results"].size(), 1u);
    const json& e = j["results"][0]["error"];
    EXPECT_EQ(e.value("code", ""), c.code) << Describe(r);
    EXPECT_FALSE(e.value("message", "").empty());
    EXPECT_NE(r.err.find(c.code), std::string::npos) << "stderr names the error: " << r.err;
  }

  // The exit code is that of the first error; good images still get their faces.
  CliRun mixed = Candor({"--json", "detect", SortedFiles(person)[0].string(), text.string()}, scratch());
  EXPECT_EQ(mixed.exit_code, 2) << Describe(mixed);
  json j = mixed.Json();
  ASSERT_EQ(j["results"].size(), 2u) << Describe(mixed);
  EXPECT_EQ(j["results"][0]["faces"].size(), 1u);
}

TEST_F(CliTest, EmbedAndCompareSameVersusDifferent) {
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");
  const fs::path lfw = data / "faces" / "lfw";
  const fs::path a = LfwPersonWith(lfw, 2), b = LfwPersonWith(lfw, 2, 1);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  const auto a_imgs = SortedFiles(a), b_imgs = SortedFiles(b);

  const fs::path tmpl = scratch() / "a0.tmpl";
  CliRun e = Candor({"--json", "embed", a_imgs[0].string(), "--out", tmpl.string()}, scratch());
  ASSERT_EQ(e.exit_code, 0) << Describe(e);
  ASSERT_TRUE(fs::exists(tmpl));
  EXPECT_GT(fs::file_size(tmpl), 128u);

  // No face (a fingerprint-free synthetic grey image would do; a text file is undecodable).
  const fs::path text = scratch() / "t.jpg";
  std::ofstream(text) << "no image";
  CliRun bad = Candor({"--json", "embed", text.string()}, scratch());
  EXPECT_EQ(bad.exit_code, 2) << Describe(bad);

  CliRun same = Candor({"--json", "compare", tmpl.string(), a_imgs[1].string()}, scratch());
  ASSERT_EQ(same.exit_code, 0) << Describe(same);
  CliRun diff = Candor({"--json", "compare", a_imgs[0].string(), b_imgs[0].string()}, scratch());
  ASSERT_EQ(diff.exit_code, 0) << Describe(diff);
  json js = same.Json(), jd = diff.Json();
  for (const json* j : {&js, &jd}) {
    EXPECT_TRUE(j->contains("decision")) << j->dump();
    EXPECT_TRUE(j->contains("fmr_at_score")) << j->dump();
    EXPECT_TRUE(j->contains("threshold")) << j->dump();
    EXPECT_NE(j->value("calibration", "").find("calibration"), std::string::npos) << j->dump();
  }
  EXPECT_GT(js["score"].get<double>(), jd["score"].get<double>());
  EXPECT_GT(js["score"].get<double>(), js["threshold"].get<double>()) << js.dump();
  EXPECT_LT(jd["score"].get<double>(), jd["threshold"].get<double>()) << jd.dump();
  EXPECT_LT(js["fmr_at_score"]["value"].get<double>(), jd["fmr_at_score"]["value"].get<double>());
}

// Gallery lifecycle with governance: keygen, accounts, authorization, create/list/show as a
// named admin, enroll as an enroller (failures CSV, resumable), identify (no candidates shown),
// two-person review and lead release, verify, delete as an admin, wrong key, unknown gallery,
// duplicate subject id, and the audit entries of all of it.
TEST_F(CliTest, GalleryEnrollIdentifyVerifyDelete) {
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");
  const fs::path s = scratch();
  const fs::path store = s / "store", key = s / "store.key", in = s / "in";
  auto C = [&](const std::vector<std::string>& args) { return InStore(s, args); };

  // 8 identities x 2 images enrolled; a third image of the first one is held out.
  const fs::path lfw = data / "faces" / "lfw";
  std::vector<std::string> ids;
  fs::path held_out;
  for (size_t i = 0; ids.size() < 8; ++i) {
    const fs::path p = LfwPersonWith(lfw, 3, i);
    ASSERT_FALSE(p.empty());
    const auto imgs = SortedFiles(p);
    fs::create_directories(in / p.filename());
    for (int k = 0; k < 2; ++k) fs::copy_file(imgs[k], in / p.filename() / imgs[k].filename());
    if (ids.empty()) held_out = imgs[2];
    ids.push_back(p.filename().string());
  }
  const fs::path tiffs = data / "fingerprints";
  fs::path tiff;
  if (fs::exists(tiffs))
    for (const auto& e : fs::recursive_directory_iterator(tiffs))
      if (e.path().extension() == ".tif") {
        tiff = e.path();
        break;
      }
  fs::create_directories(in / "bad");
  if (!tiff.empty()) fs::copy_file(tiff, in / "bad" / "print.tif");
  std::ofstream(in / "bad" / "broken.jpg") << "definitely not a jpeg";

  CliRun r = C({"gallery", "keygen", "--out", key.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(fs::status(key).permissions() & fs::perms::group_all, fs::perms::none);

  // Governance: admin, enroller, investigator, examiner, supervisor.
  ASSERT_EQ((r = C({"account", "bootstrap", "--username", "admin"})).exit_code, 0) << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "enr", "--role",
                    "enroller", "--training-expires", "2099-12-31"}))
                .exit_code,
            0)
      << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "inv", "--role",
                    "investigator", "--training-expires", "2099-12-31"}))
                .exit_code,
            0)
      << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "sup", "--role",
                    "supervisor", "--training-expires", "2099-12-31"}))
                .exit_code,
            0)
      << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "exa", "--role",
                    "examiner", "--training-expires", "2099-12-31"}))
                .exit_code,
            0)
      << Describe(r);
  // gallery create: admin only, as a named operator.
  const std::vector<std::string> create_g1 = {"--json",         "gallery",     "create",
                                              "--name",         "g1",          "--description",
                                              "cli test",       "--legal-basis", "consent",
                                              "--retention",    "P1Y",         "--search-basis",
                                              "warrant"};
  r = C(create_g1);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("no operator"), std::string::npos) << Describe(r);
  std::vector<std::string> as_enr = create_g1;
  as_enr.insert(as_enr.end(), {"--as", "enr"});
  r = C(as_enr);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("needs role admin"), std::string::npos) << Describe(r);
  std::vector<std::string> as_admin = create_g1;
  as_admin.insert(as_admin.end(), {"--as", "admin"});
  r = C(as_admin);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("name", ""), "g1");
  r = C({"--json", "gallery", "list"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_EQ(r.Json()["galleries"].size(), 1u) << Describe(r);
  r = C({"--json", "gallery", "show", "nope"});
  EXPECT_EQ(r.exit_code, 3) << Describe(r);
  EXPECT_EQ(r.Json()["error"].value("code", ""), "NOT_FOUND") << Describe(r);

  // Without a gallery policy no authorization can name the gallery, and every search of it is
  // refused.
  ASSERT_EQ((r = C({"authorization", "gallery-policy", "--as", "admin", "--gallery", "g1",
                    "--basis", "warrant"}))
                .exit_code,
            0)
      << Describe(r);
  r = C({"--json", "authorization", "create", "--as", "inv", "--basis", "warrant", "--reference",
         "W-1", "--authority", "test court", "--case", "C-1", "--purpose", "cli test", "--gallery",
         "g1", "--expires", "2099-01-01", "--max-searches", "50"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string auth = r.Json().value("id", "");
  ASSERT_FALSE(auth.empty()) << Describe(r);
  ASSERT_EQ((r = C({"authorization", "approve", "--as", "sup", "--id", auth})).exit_code, 0)
      << Describe(r);

  const fs::path failures = s / "failures.csv";
  // enroll: an enroller or admin, named; refused (and audited) otherwise.
  r = C({"--json", "enroll", "--gallery", "g1", "--dir", in.string(), "--failures",
         failures.string(), "--workers", "2"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("no operator"), std::string::npos) << Describe(r);
  r = C({"--json", "enroll", "--gallery", "g1", "--as", "inv", "--dir", in.string(),
         "--failures", failures.string(), "--workers", "2"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("needs role enroller or admin"), std::string::npos) << Describe(r);
  r = C({"--json", "enroll", "--gallery", "g1", "--as", "enr", "--dir", in.string(), "--id-from",
         "folder", "--failures", failures.string(), "--workers", "2", "--batch", "3"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json en = r.Json();
  EXPECT_EQ(en.value("enrolled", -1), 16) << Describe(r);
  EXPECT_EQ(en.value("failed", -1), tiff.empty() ? 1 : 2) << Describe(r);
  const std::string csv = ReadAll(failures);
  EXPECT_NE(csv.find("broken.jpg"), std::string::npos) << csv;
  if (!tiff.empty()) {
    EXPECT_NE(csv.find("print.tif"), std::string::npos) << csv;
  }

  // Resumable: a rerun enrolls nothing new.
  r = C({"--json", "enroll", "--gallery", "g1", "--as", "enr", "--dir", in.string(), "--id-from",
         "folder", "--failures", failures.string(), "--workers", "2"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("enrolled", -1), 0) << Describe(r);
  EXPECT_EQ(r.Json().value("skipped_already_enrolled", -1), 16) << Describe(r);

  r = C({"--json", "gallery", "show", "g1"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("subjects", -1), 8) << Describe(r);
  EXPECT_EQ(r.Json().value("templates", -1), 16) << Describe(r);
  // Created without --subject-score: a new face gallery's default.
  EXPECT_EQ(r.Json().value("subject_score", ""), "centroid") << Describe(r);
  // gallery set --subject-score: admin only, audited, kept; max for what follows (its
  // expectations below are max's: a subject's best photo).
  r = C({"--json", "gallery", "set", "g1", "--subject-score", "max", "--as", "enr"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"--json", "gallery", "set", "g1", "--subject-score", "mean", "--as", "admin"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  r = C({"--json", "gallery", "set", "g1", "--subject-score", "max", "--as", "admin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("subject_score", ""), "max") << Describe(r);
  r = C({"gallery", "show", "g1"});
  EXPECT_NE(r.out.find("subject score: max"), std::string::npos) << Describe(r);
  // gallery retune: admin only, audited; g1 is searched exactly, so there is no setting to
  // tune (the store's RetuneGallery test covers a compressed index), and the refusal says so.
  r = C({"--json", "gallery", "retune", "g1", "--as", "enr"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"gallery", "retune", "g1", "--as", "admin"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("searched exactly"), std::string::npos) << Describe(r);

  // identify: the search is recorded for review; the requester sees its id, outcome, count
  // and the lead label, never a candidate's identity or score.
  r = C({"--json", "identify", "--gallery", "g1", "--as", "inv", "--authorization", auth, "-k",
         "3", "--target-fpir", "0.01", held_out.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json id = r.Json();
  const std::string search = id.value("search_id", "");
  ASSERT_FALSE(search.empty()) << Describe(r);
  EXPECT_EQ(id.value("outcome", ""), "candidates pending review") << Describe(r);
  EXPECT_GE(id.value("candidate_count", 0), 1) << Describe(r);
  EXPECT_NE(id.value("label", "").find("INVESTIGATIVE LEAD ONLY"), std::string::npos);
  EXPECT_FALSE(id.contains("candidates")) << Describe(r);
  for (const auto& who : ids) EXPECT_EQ(r.out.find(who), std::string::npos) << who << r.out;
  EXPECT_EQ(r.out.find("score"), std::string::npos) << r.out;
  // No in-gallery calibration yet: the threshold came from the model's file, and says so.
  EXPECT_EQ(id.value("threshold_source", "").rfind("model calibration", 0), 0u) << Describe(r);
  // In-gallery calibration: admin only, and refused (audited) for a gallery this small.
  r = C({"--json", "calibrate", "--gallery", "g1", "--as", "inv"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"--json", "calibrate", "--gallery", "g1", "--as", "admin", "--duplicate-score", "0.9"});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("at least 16"), std::string::npos) << Describe(r);
  r = C({"identify", "--gallery", "g1", "--as", "inv", "--authorization", auth, "-k", "3",
         "--target-fpir", "0.01", held_out.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  for (const auto& who : ids) EXPECT_EQ(r.out.find(who), std::string::npos) << who << r.out;
  EXPECT_NE(r.out.find("candidates pending review"), std::string::npos) << r.out;

  // The requester gets nothing before two qualified people confirmed (FAILED_PRECONDITION).
  r = C({"--json", "lead", "--as", "inv", "--search", search});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  EXPECT_EQ(r.Json()["error"].value("code", ""), "FAILED_PRECONDITION") << Describe(r);
  EXPECT_NE(r.err.find("examiner's confirmation"), std::string::npos) << Describe(r);
  // The requester may not review their own search.
  r = C({"--json", "review", "list", "--as", "inv", "--search", search});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);

  // Examiner: the candidates, the held-out image's mate at rank 1; confirms it.
  r = C({"--json", "review", "list", "--as", "exa", "--search", search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json rec = r.Json();
  ASSERT_FALSE(rec["candidates"].empty()) << Describe(r);
  EXPECT_EQ(rec["candidates"][0].value("subject_id", ""), ids[0]) << Describe(r);
  EXPECT_EQ(rec.value("requester", ""), "inv") << Describe(r);
  r = C({"review", "list", "--as", "exa", "--search", search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find(ids[0]), std::string::npos) << r.out;
  r = C({"--json", "review", "confirm", "--as", "exa", "--search", search, "--subject", ids[0],
         "--notes", "features consistent"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("decision", ""), "confirm") << Describe(r);
  // The same person twice: refused (ALREADY_EXISTS, exit 5); still not released.
  r = C({"--json", "review", "confirm", "--as", "exa", "--search", search, "--subject", ids[0],
         "--notes", "again"});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  EXPECT_EQ(r.Json()["error"].value("code", ""), "ALREADY_EXISTS") << Describe(r);
  r = C({"--json", "lead", "--as", "inv", "--search", search});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  // Not a candidate of this search: INVALID_ARGUMENT.
  r = C({"--json", "review", "confirm", "--as", "sup", "--search", search, "--subject",
         "nobody", "--notes", "x"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  // A second qualified person (supervisor) confirms: the lead is released to the requester
  // only.
  r = C({"--json", "review", "confirm", "--as", "sup", "--search", search, "--subject", ids[0],
         "--notes", "second look agrees"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = C({"--json", "lead", "--as", "exa", "--search", search});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"--json", "lead", "--as", "inv", "--search", search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json lead = r.Json();
  ASSERT_EQ(lead["confirmed_subject_ids"].size(), 1u) << Describe(r);
  EXPECT_EQ(lead["confirmed_subject_ids"][0], ids[0]) << Describe(r);
  EXPECT_EQ(lead["reviews"].size(), 2u) << Describe(r);
  EXPECT_NE(lead.value("label", "").find("INVESTIGATIVE LEAD ONLY"), std::string::npos);
  r = C({"lead", "--as", "inv", "--search", search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find(ids[0]), std::string::npos) << r.out;

  // identify without an authorization is refused.
  r = C({"--json", "identify", "--gallery", "g1", "--as", "inv", held_out.string()});
  EXPECT_NE(r.exit_code, 0) << Describe(r);

  // verify under an authorization: a lead for review like identify's (no score, no
  // decision for the requester); an unknown subject answers exactly like a non-match.
  r = C({"--json", "verify", "--gallery", "g1", "--as", "inv", "--authorization", auth,
         "--subject", ids[0], held_out.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json v = r.Json();
  EXPECT_EQ(v.value("outcome", ""), "candidates pending review") << Describe(r);
  EXPECT_EQ(v.value("candidate_count", -1), 1) << Describe(r);
  for (const char* hidden : {"score", "decision", "fmr_at_score"}) {
    EXPECT_FALSE(v.contains(hidden)) << hidden << " " << Describe(r);
  }
  auto verify_json = [&](const std::string& subject) {
    CliRun run = C({"--json", "verify", "--gallery", "g1", "--as", "inv", "--authorization", auth,
                    "--subject", subject, held_out.string()});
    EXPECT_EQ(run.exit_code, 0) << Describe(run);
    json j = run.Json();
    j.erase("search_id");
    return j;
  };
  const json non_match = verify_json(ids[1]);
  EXPECT_EQ(non_match.value("outcome", ""), "no candidate above threshold") << non_match.dump();
  EXPECT_EQ(verify_json("Nobody_Enrolled_Here"), non_match);

  // Wrong key: a clear error, not garbage.
  const fs::path wrong = s / "wrong.key";
  ASSERT_EQ(Candor({"gallery", "keygen", "--out", wrong.string()}, s).exit_code, 0);
  r = Candor({"--json", "gallery", "show", "g1", "--store", store.string(), "--key-file",
              wrong.string()},
             s);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);  // UNAUTHENTICATED
  EXPECT_EQ(r.Json()["error"].value("code", ""), "UNAUTHENTICATED") << Describe(r);
  EXPECT_NE(r.err.find("wrong key"), std::string::npos) << Describe(r);

  // Unknown gallery on enroll: NOT_FOUND (3).
  r = C({"--json", "enroll", "--gallery", "nope", "--as", "enr", "--dir", in.string(),
         "--failures", failures.string(), "--workers", "1"});
  EXPECT_EQ(r.exit_code, 3) << Describe(r);

  // Duplicate subject id: enrolling a second folder with an existing id adds to that subject
  // or is refused, but never creates a second subject with the same id.
  const fs::path dup = s / "dup" / ids[1];
  fs::create_directories(dup);
  fs::copy_file(held_out, dup / "extra.jpg");
  r = C({"--json", "enroll", "--gallery", "g1", "--as", "enr", "--dir", (s / "dup").string(),
         "--id-from", "folder", "--failures", failures.string(), "--workers", "1"});
  r = C({"--json", "gallery", "show", "g1"});
  EXPECT_EQ(r.Json().value("subjects", -1), 8) << Describe(r);

  // --check-duplicates is a governed 1:N search (issue 15, item 2): without an authorization
  // of purpose duplicate-check naming the enroller it is refused; with one, each new subject
  // is searched through the gate, the enroller sees only the search id and count, and the
  // candidates go to examiners.
  const fs::path dupdir = s / "dupcheck" / "New_Person";
  fs::create_directories(dupdir);
  // A photo of ids[1] not enrolled (each identity enrolled its first two photos).
  fs::copy_file(SortedFiles(LfwPersonWith(lfw, 3, 1))[2], dupdir / "new.jpg");
  const std::vector<std::string> check = {"--json", "enroll", "--gallery", "g1", "--as", "enr",
                                          "--dir", (s / "dupcheck").string(), "--id-from",
                                          "folder", "--failures", failures.string(),
                                          "--workers", "1", "--check-duplicates"};
  r = C(check);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("--authorization"), std::string::npos) << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "sup2", "--role",
                    "supervisor", "--training-expires", "2099-12-31"}))
                .exit_code,
            0)
      << Describe(r);
  r = C({"--json", "authorization", "create", "--as", "sup2", "--basis", "warrant", "--reference",
         "ENROL-1", "--authority", "licensing statute", "--case", "intake", "--purpose",
         "duplicate-check", "--gallery", "g1", "--expires", "2099-01-01", "--max-searches", "10",
         "--user", "enr"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string dup_auth = r.Json().value("id", "");
  ASSERT_EQ((r = C({"authorization", "approve", "--as", "sup", "--id", dup_auth})).exit_code, 0)
      << Describe(r);
  // An investigator cannot use it for an identify; the enroller cannot use the warrant.
  r = C({"--json", "identify", "--gallery", "g1", "--as", "inv", "--authorization", dup_auth,
         held_out.string()});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  std::vector<std::string> wrong_auth = check;
  wrong_auth.insert(wrong_auth.end(), {"--authorization", auth});
  EXPECT_EQ(C(wrong_auth).exit_code, 4);
  std::vector<std::string> governed = check;
  governed.insert(governed.end(), {"--authorization", dup_auth});
  r = C(governed);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  json dj = r.Json();
  EXPECT_EQ(dj.value("duplicate_checks", -1), 1) << Describe(r);
  ASSERT_EQ(dj["duplicate_checks_pending_review"].size(), 1u) << Describe(r);
  const std::string dup_search =
      dj["duplicate_checks_pending_review"][0].value("search_id", "");
  EXPECT_GE(dj["duplicate_checks_pending_review"][0].value("candidate_count", 0), 1);
  for (const auto& who : ids) EXPECT_EQ(r.out.find(who), std::string::npos) << who << r.out;
  EXPECT_EQ(r.out.find("score"), std::string::npos) << r.out;
  r = C({"--json", "review", "list", "--as", "exa", "--search", dup_search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_FALSE(r.Json()["candidates"].empty()) << Describe(r);
  EXPECT_EQ(r.Json()["candidates"][0].value("subject_id", ""), ids[1]) << Describe(r);

  // delete: admin only, as the server's; the subject no longer comes back.
  r = C({"--json", "delete", "--gallery", "g1", "--subject", ids[0]});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("no operator"), std::string::npos) << Describe(r);
  r = C({"--json", "delete", "--gallery", "g1", "--as", "enr", "--subject", ids[0]});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"--json", "delete", "--gallery", "g1", "--as", "admin", "--subject", ids[0]});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = C({"--json", "identify", "--gallery", "g1", "--as", "inv", "--authorization", auth, "-k",
         "8", held_out.string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string after_delete = r.Json().value("search_id", "");
  if (r.Json().value("candidate_count", 0) > 0) {
    r = C({"--json", "review", "list", "--as", "exa", "--search", after_delete});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const json listed = r.Json()["candidates"];  // a copy: Json() returns a temporary
    for (const auto& c : listed) EXPECT_NE(c.value("subject_id", ""), ids[0]);
  }
  r = C({"--json", "delete", "--gallery", "g1", "--as", "admin", "--subject", ids[0]});
  EXPECT_EQ(r.exit_code, 3) << "deleting twice: " << Describe(r);

  // The audit log verifies and holds every step above, refusals included.
  r = C({"audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("verifies"), std::string::npos) << Describe(r);
  const std::vector<json> log = AuditEntries(store / "audit.log");
  auto count = [&](const std::string& action, const std::string& actor,
                   const std::string& outcome) {
    return std::count_if(log.begin(), log.end(), [&](const json& e) {
      return e.value("action", "") == action && e.value("actor", "") == actor &&
             e.value("outcome", "") == outcome;
    });
  };
  EXPECT_EQ(count("gallery.create", "admin", "ok"), 1);
  EXPECT_EQ(count("gallery.retune", "enr", "refused"), 1);
  EXPECT_EQ(count("gallery.retune", "admin", "refused"), 1);
  EXPECT_EQ(count("gallery.create", "-", "refused"), 1);
  EXPECT_EQ(count("gallery.create", "enr", "refused"), 1);
  EXPECT_GE(count("gallery.enroll", "enr", "ok"), 3);  // 8 subjects in group commits of 3
  EXPECT_EQ(count("gallery.enroll", "inv", "refused"), 1);
  EXPECT_EQ(count("gallery.enroll", "-", "refused"), 1);
  EXPECT_EQ(count("gallery.enroll", "enr", "refused"), 2);  // unknown gallery; no authorization
  EXPECT_EQ(count("gallery.enroll_summary", "enr", "ok"), 4);
  EXPECT_EQ(count("search.duplicate_check", "enr", "started"), 1);
  EXPECT_GE(count("search.duplicate_check", "enr", "refused"), 1);
  EXPECT_GE(count("search.result", "inv", "candidates"), 2);
  EXPECT_EQ(count("lead.review", "exa", "confirm"), 1);
  EXPECT_EQ(count("lead.review", "sup", "confirm"), 1);
  EXPECT_GE(count("lead.review", "exa", "refused"), 1);  // the same person twice
  EXPECT_EQ(count("lead.release", "inv", "confirmed_lead"), 2);
  EXPECT_GE(count("lead.release", "inv", "refused"), 2);  // before release
  EXPECT_EQ(count("gallery.delete_subject", "admin", "ok"), 1);
  EXPECT_EQ(count("gallery.delete_subject", "admin", "refused"), 1);  // twice
  EXPECT_EQ(count("gallery.delete_subject", "enr", "refused"), 1);
  EXPECT_EQ(count("gallery.calibrate", "inv", "refused"), 1);    // wrong role
  EXPECT_EQ(count("gallery.calibrate", "admin", "refused"), 1);  // too small
  // Counts, not identities: no allowed entry names a subject of the gallery (a refusal quotes
  // the store's error, as the server's do).
  for (const json& e : log) {
    if (e.value("decision", "") == "deny") continue;
    for (const auto& who : ids) EXPECT_EQ(e.dump().find(who), std::string::npos) << e.dump();
  }
  bool counts_recorded = false;
  for (const json& e : log) {
    if (e.value("action", "") == "gallery.enroll_summary" &&
        e.value("reason", "").find("16 templates enrolled") != std::string::npos) {
      counts_recorded = true;
    }
  }
  EXPECT_TRUE(counts_recorded);
  if (HasFailure()) {
    for (const json& e : log) std::cerr << e.dump() << "\n";
  }
}

// `candor calibrate --gallery` reads the reviewed outcomes of the store's
// past searches from its sealed search record (<store>/searches.db, written by
// `candor identify`, decided by `candor review`): fewer completed reviews than
// --min-reviewed-searches give a note in the output and the stored
// calibration, not a number, and the audit entry says so.
TEST_F(CliTest, GalleryCalibrationCountsTheStoresReviewedSearches) {
  CANDOR_REQUIRE_DATA(data);
  CANDOR_REQUIRE_MODEL("mobilefacenet.onnx");
  const fs::path s = scratch();
  const fs::path store = s / "store", in = s / "in";
  auto C = [&](const std::vector<std::string>& args) { return InStore(s, args); };
  // 20 identities, first image enrolled; the second image of the first three searched.
  const fs::path lfw = data / "faces" / "lfw";
  std::vector<std::string> ids;
  std::vector<fs::path> probes;
  for (size_t i = 0; ids.size() < 20; ++i) {
    const fs::path p = LfwPersonWith(lfw, 2, i);
    ASSERT_FALSE(p.empty());
    const auto imgs = SortedFiles(p);
    fs::create_directories(in / p.filename());
    fs::copy_file(imgs[0], in / p.filename() / imgs[0].filename());
    if (probes.size() < 3) probes.push_back(imgs[1]);
    ids.push_back(p.filename().string());
  }
  ASSERT_NO_FATAL_FAILURE(KeyAndAdmin());
  CliRun r;
  for (const char* who : {"enroller", "investigator", "supervisor", "examiner"}) {
    r = C({"account", "create", "--as", "admin", "--username", std::string(who).substr(0, 3),
           "--role", who, "--training-expires", "2099-12-31"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  r = C({"gallery", "create", "--name", "g", "--description", "cli test", "--legal-basis",
         "consent", "--retention", "P1Y", "--search-basis", "warrant", "--as", "admin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = C({"authorization", "gallery-policy", "--as", "admin", "--gallery", "g", "--basis",
         "warrant"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = C({"--json", "authorization", "create", "--as", "inv", "--basis", "warrant", "--reference",
         "W-1", "--authority", "test court", "--case", "C-1", "--purpose", "cli test", "--gallery",
         "g", "--expires", "2099-01-01", "--max-searches", "50"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string auth = r.Json().value("id", "");
  ASSERT_EQ(C({"authorization", "approve", "--as", "sup", "--id", auth}).exit_code, 0);
  // Sealed attributes for per-group calibration: a key the store does not know is refused
  // (naming the file and subject) before anything is enrolled.
  std::ofstream(s / "bad-attributes.csv") << "# subject,attributes\n" << ids[0] << ",sex=female,eyes=blue\n";
  r = C({"--json", "enroll", "--gallery", "g", "--as", "enr", "--dir", in.string(), "--id-from",
         "folder", "--attributes", (s / "bad-attributes.csv").string()});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("bad-attributes.csv, subject " + ids[0]), std::string::npos) << Describe(r);
  {
    std::ofstream attributes(s / "attributes.csv");
    for (size_t i = 0; i < ids.size(); ++i) attributes << ids[i] << ",sex=" << (i % 2 ? "male" : "female") << "\n";
  }
  r = C({"--json", "enroll", "--gallery", "g", "--as", "enr", "--dir", in.string(), "--id-from",
         "folder", "--workers", "2", "--failures", (s / "failures.csv").string(), "--attributes",
         (s / "attributes.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_GE(r.Json().value("enrolled", -1), 16) << Describe(r);  // a photo may have no usable face
  r = C({"--json", "calibrate", "--gallery", "g", "--as", "admin", "--duplicate-score", "0.9",
         "--group-attribute", "sex", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // 20 subjects are too few to calibrate a group (30): the run names both groups and says so.
  std::set<std::string> groups;
  const json not_calibrated = r.Json()["groups_not_calibrated"];  // a copy: Json() is a temporary
  for (const auto& g : not_calibrated) {
    groups.insert(g.value("group", ""));
    EXPECT_NE(g.value("note", "").find("too few sampled subjects"), std::string::npos) << g.dump();
  }
  EXPECT_EQ(groups, (std::set<std::string>{"female", "male"})) << Describe(r);

  // Three searches, every candidate decided by the examiner.
  int decided = 0;
  for (size_t k = 0; k < probes.size(); ++k) {
    r = C({"--json", "identify", "--gallery", "g", "--as", "inv", "--authorization", auth, "-k",
           "3", "--target-fpir", "0.01", probes[k].string()});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const std::string search = r.Json().value("search_id", "");
    r = C({"--json", "review", "list", "--as", "exa", "--search", search});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const json listed = r.Json()["candidates"];  // a copy: r is reassigned below
    for (const auto& c : listed) {
      const std::string subject = c.value("subject_id", "");
      const bool mate = subject == ids[k];
      r = C({"--json", "review", mate ? "confirm" : "reject", "--as", "exa", "--search", search,
             "--subject", subject, "--notes", mate ? "same person" : "different person"});
      ASSERT_EQ(r.exit_code, 0) << Describe(r);
      ++decided;
    }
  }
  r = C({"--json", "calibrate", "--gallery", "g", "--as", "admin", "--duplicate-score", "0.9",
         "--min-reviewed-searches", "10"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const json ro = r.Json()["reviewed_outcomes"];
  EXPECT_FALSE(ro.value("used", true)) << Describe(r);
  EXPECT_NE(ro.value("note", "").find("3 completed 1:N searches"), std::string::npos) << ro.dump();
  EXPECT_NE(ro.value("note", "").find("10 needed"), std::string::npos) << ro.dump();
  // `candor review` kept every decision in the sealed record (search_desk/review.h).
  EXPECT_GE(decided, 1) << "no search listed a candidate: the review path went untested";
  EXPECT_NE(ro.value("note", "").find("0 with a review still open"), std::string::npos)
      << ro.dump();
  r = C({"calibrate", "--gallery", "g", "--as", "admin", "--duplicate-score", "0.9",
         "--min-reviewed-searches", "10", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("reviewed outcomes: none (reviewed outcomes: 3 completed"),
            std::string::npos)
      << Describe(r);
  const std::vector<json> log = AuditEntries(store / "audit.log");
  int said = 0;
  for (const json& e : log) {
    said += e.value("action", "") == "gallery.calibrate" && e.value("outcome", "") == "ok" &&
            e.dump().find("no reviewed outcomes") != std::string::npos;
  }
  EXPECT_EQ(said, 3) << "all three runs (per sex, then twice pooled) audited with what they found";
}

// `candor audit verify` on a tampered copy of the log: a flipped byte (caught by the record
// checksum) and a rewritten entry with its checksum recomputed (caught by the hash chain)
// both exit 6 (DATA_LOSS) naming the entry and byte offset where the chain breaks.
TEST_F(CliTest, AuditVerifyDetectsTampering) {
  const fs::path s = scratch();
  const fs::path store = s / "store";
  auto C = [&](const std::vector<std::string>& args) { return InStore(s, args); };
  ASSERT_NO_FATAL_FAILURE(KeyAndAdmin());
  CliRun r;
  for (const char* u : {"alice", "bob", "carol"}) {
    ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", u, "--role",
                      "investigator", "--training-expires", "2099-12-31"}))
                  .exit_code,
              0)
        << Describe(r);
  }
  r = C({"audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("4 entries"), std::string::npos) << Describe(r);

  const std::string log = ReadAll(store / "audit.log");
  const std::string pub = (store / "audit_ed25519.key.pub").string();
  auto u32 = [&](size_t off) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(log[off + i]);
    return v;
  };
  // The record of entry seq 2 ("created 'alice'"); checkpoint records lie between entries.
  size_t second = 0, len = 0, name = std::string::npos;
  for (size_t off = 0; off + 9 <= log.size() && name == std::string::npos; off += 9 + len) {
    len = u32(off);
    second = off;
    if (log[off + 8] == 1) name = log.substr(off + 9, len).find("'alice'");
  }
  ASSERT_NE(name, std::string::npos) << "no entry for alice";
  const size_t payload = second + 9;
  ++name;  // the 'a' of alice
  auto verify_copy = [&](const std::string& bytes, const std::string& tag) {
    const fs::path copy = s / (tag + ".log");
    std::ofstream(copy, std::ios::binary) << bytes;
    fs::copy_file(store / "audit.log.anchor", copy.string() + ".anchor");
    return C({"audit", "verify", "--log", copy.string(), "--public-key", pub});
  };

  std::string flipped = log;
  flipped[payload + name] ^= 0x01;  // "alice" -> "`lice"
  r = verify_copy(flipped, "flipped");
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_NE(r.err.find("FAILS verification at entry seq 2 (byte " + std::to_string(second) + ")"),
            std::string::npos)
      << Describe(r);

  // Same length, checksum recomputed: only the hash chain can tell.
  std::string rewritten = log;
  rewritten.replace(payload + name, 5, "mally");
  const uint8_t type = static_cast<uint8_t>(rewritten[second + 8]);
  uint32_t crc = candor::Crc32cExtend(0, std::span<const uint8_t>(&type, 1));
  crc = candor::Crc32cExtend(
      crc, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rewritten.data() + payload),
                                    len));
  const uint32_t masked = candor::Crc32cMask(crc);
  for (int i = 0; i < 4; ++i) rewritten[second + 4 + i] = static_cast<char>(masked >> (8 * i));
  r = verify_copy(rewritten, "rewritten");
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_NE(r.err.find("FAILS verification at entry seq"), std::string::npos) << Describe(r);
  EXPECT_EQ(r.Json(), json()) << "no JSON without --json";
  r = C({"--json", "audit", "verify", "--log", (s / "rewritten.log").string(), "--public-key",
         pub});
  EXPECT_EQ(r.exit_code, 6) << Describe(r);
  EXPECT_EQ(r.Json().value("ok", true), false) << Describe(r);
  EXPECT_GE(r.Json().value("break_seq", 0), 2) << Describe(r);

  // The original still verifies.
  EXPECT_EQ(C({"audit", "verify"}).exit_code, 0);
}

// Issue 15, item 1: `--as USER` alone is no credential. Every governance step needs the
// account's own password (CANDOR_PASSWORD, or a prompt on a terminal) or an API token
// (CANDOR_TOKEN), so the two people of a two-person step need two credentials; creating
// accounts and tokens and approving authorizations also need the store key. A missing or
// wrong credential or key: exit 4 (UNAUTHENTICATED) with a clear message, and an audited
// refusal.
TEST_F(CliTest, GovernanceStepsNeedTheOperatorsOwnCredential) {
  const fs::path s = scratch();
  const fs::path store = s / "store", key = s / "store.key", wrong = s / "wrong.key";
  const std::vector<std::string> base = {"CANDOR_STORE=" + store.string()};
  std::vector<std::string> keyed = base;
  keyed.push_back("CANDOR_KEY_FILE=" + key.string());
  auto C = [&](std::vector<std::string> args) {
    return Candor(args, s, WithCredentials(keyed, args));
  };
  // Runs as `user` with `password` and `env` (no credential when `password` is empty).
  auto With = [&](std::vector<std::string> env, const std::string& password,
                  std::vector<std::string> args) {
    if (!password.empty()) env.push_back("CANDOR_PASSWORD=" + password);
    env.push_back("CANDOR_NEW_PASSWORD=" + PasswordOf("mallory"));
    return Candor(args, s, env);
  };
  ASSERT_EQ(C({"gallery", "keygen", "--out", key.string()}).exit_code, 0);
  ASSERT_EQ(C({"gallery", "keygen", "--out", wrong.string()}).exit_code, 0);
  CliRun r = C({"account", "bootstrap", "--username", "admin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);

  const std::vector<std::string> create_mallory = {"--json", "account", "create", "--as", "admin",
                                                   "--username", "mallory", "--role",
                                                   "supervisor", "--training-expires",
                                                   "2099-12-31"};
  // The admin's name alone, a wrong password, or no store key: refused, nothing created.
  r = With(keyed, "", create_mallory);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_EQ(r.Json()["error"].value("code", ""), "UNAUTHENTICATED") << Describe(r);
  EXPECT_NE(r.err.find("no credential"), std::string::npos) << Describe(r);
  r = With(keyed, PasswordOf("mallory"), create_mallory);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("wrong password"), std::string::npos) << Describe(r);
  r = With(base, PasswordOf("admin"), create_mallory);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("needs the store key"), std::string::npos) << Describe(r);
  std::vector<std::string> wrong_key = base;
  wrong_key.push_back("CANDOR_KEY_FILE=" + wrong.string());
  r = With(wrong_key, PasswordOf("admin"), create_mallory);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_NE(r.err.find("wrong key"), std::string::npos) << Describe(r);
  r = C({"--json", "account", "list", "--as", "admin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().size(), 1u) << "nothing was created: " << Describe(r);

  for (const auto& [user, role] : std::vector<std::pair<std::string, std::string>>{
           {"inv", "investigator"}, {"sup", "supervisor"}, {"sup2", "supervisor"}}) {
    r = C({"account", "create", "--as", "admin", "--username", user, "--role", role,
           "--training-expires", "2099-12-31"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  ASSERT_EQ((r = C({"authorization", "gallery-policy", "--as", "admin", "--gallery", "g1"}))
                .exit_code,
            0)
      << Describe(r);
  r = C({"--json", "authorization", "create", "--as", "inv", "--basis", "warrant", "--reference",
         "W-1", "--authority", "court", "--case", "C-1", "--purpose", "test", "--gallery", "g1",
         "--expires", "2099-01-01", "--max-searches", "5"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string auth = r.Json().value("id", "");
  // The investigator cannot approve it as a supervisor with her own password; the
  // supervisor's password without the store key is not enough either.
  const std::vector<std::string> approve = {"--json", "authorization", "approve", "--as", "sup",
                                            "--id", auth};
  r = With(keyed, PasswordOf("inv"), approve);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = With(base, PasswordOf("sup"), approve);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"--json", "authorization", "list", "--as", "sup"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json()[0].value("status", ""), "pending") << Describe(r);
  ASSERT_EQ(C(approve).exit_code, 0);

  // An API token is a credential of its own account only.
  r = C({"--json", "account", "token", "--as", "admin", "--username", "sup2"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string token = r.Json().value("token", "");
  ASSERT_FALSE(token.empty()) << Describe(r);
  std::vector<std::string> tokened = base;
  tokened.push_back("CANDOR_TOKEN=" + token);
  r = Candor({"--json", "authorization", "list"}, s, tokened);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  r = Candor({"--json", "authorization", "list", "--as", "sup"}, s, tokened);
  EXPECT_EQ(r.exit_code, 4) << Describe(r);

  // A password change needs the current password and ends the old one.
  r = With(keyed, "not-the-password", {"account", "password", "--as", "inv"});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = With(keyed, PasswordOf("inv"), {"account", "password", "--as", "inv"});  // -> mallory's
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(With(keyed, PasswordOf("inv"), {"authorization", "list", "--as", "inv"}).exit_code, 4);
  EXPECT_EQ(With(keyed, PasswordOf("mallory"), {"authorization", "list", "--as", "inv"}).exit_code,
            0);

  // Every refusal above is in the audit log, and the log verifies.
  ASSERT_EQ(C({"audit", "verify"}).exit_code, 0);
  const std::vector<json> log = AuditEntries(store / "audit.log");
  auto denied = [&](const std::string& action) {
    return std::count_if(log.begin(), log.end(), [&](const json& e) {
      return e.value("action", "") == action && e.value("decision", "") == "deny";
    });
  };
  EXPECT_GE(denied("auth.local"), 5);  // no credential, wrong passwords, token of another
  EXPECT_EQ(denied("account.create"), 2);  // no store key, wrong store key
  EXPECT_EQ(denied("authorization.approve"), 1);  // no store key
  EXPECT_EQ(denied("account.password"), 1);
  for (const json& e : log) {
    for (const char* user : {"admin", "inv", "sup", "mallory"}) {
      EXPECT_EQ(e.dump().find(PasswordOf(user)), std::string::npos) << "no password logged";
    }
  }
}

// Fingerprints as a gallery modality (issue 13): a finger gallery is created
// by an admin, real FVC prints are enrolled by an enroller (several fingers
// per subject), a face gallery refuses them, a blank image is refused with
// the extraction's error; an investigator's 1:N and 1:1 run under an
// authorization through the search desk, the mate reaches two reviewers and
// becomes a lead; every step is audited without subject ids.
TEST_F(CliTest, FingerGalleryEnrollSearchReviewAreGovernedAndAudited) {
  CANDOR_REQUIRE_DATA(data);
  const fs::path fvc = data / "fingerprints" / "fvc2002-db1-b";
  if (!fs::exists(fvc / "101_1.tif")) GTEST_SKIP() << "no FVC2002 DB1-B prints under " << fvc;
  const fs::path s = scratch();
  const fs::path store = s / "store";
  auto C = [&](const std::vector<std::string>& args) { return InStore(s, args); };
  ASSERT_NO_FATAL_FAILURE(KeyAndAdmin());
  CliRun r;
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "enr", "--role",
                    "enroller", "--training-expires", "2099-12-31"}))
                .exit_code,
            0)
      << Describe(r);
  auto create = [&](const std::string& name, const std::string& modality) {
    return C({"--json", "gallery", "create", "--name", name, "--description", "cli test",
              "--legal-basis", "consent", "--retention", "P1Y", "--search-basis", "warrant",
              "--modality", modality, "--as", "admin"});
  };
  r = create("prints", "finger");
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // The CLI's JSON (cli/gallery_flags.h GalleryJson) names the model; a finger
  // gallery's is finger-mcc from its creation.
  EXPECT_EQ(r.Json().value("model_id", ""), "finger-mcc");
  EXPECT_EQ(r.Json().value("modality", ""), "finger");
  r = create("faces", "face");
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("modality", ""), "face");
  EXPECT_NE(create("odd", "iris").exit_code, 0);
  // Without --subject-score: the modality's default (centroid for faces, max for fingers),
  // kept across runs; an explicit max is kept; centroid is refused for fingers.
  r = C({"--json", "gallery", "show", "faces"});
  EXPECT_EQ(r.Json().value("subject_score", ""), "centroid") << Describe(r);
  r = C({"--json", "gallery", "show", "prints"});
  EXPECT_EQ(r.Json().value("subject_score", ""), "max") << Describe(r);
  r = C({"--json", "gallery", "create", "--name", "kept", "--description", "cli test",
         "--legal-basis", "consent", "--retention", "P1Y", "--search-basis", "warrant",
         "--subject-score", "max", "--as", "admin"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("subject_score", ""), "max") << Describe(r);
  r = C({"--json", "gallery", "show", "kept"});
  EXPECT_EQ(r.Json().value("subject_score", ""), "max") << Describe(r);
  r = C({"--json", "gallery", "create", "--name", "prints2", "--description", "cli test",
         "--legal-basis", "consent", "--retention", "P1Y", "--search-basis", "warrant",
         "--modality", "finger", "--subject-score", "centroid", "--as", "admin"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_EQ(C({"--json", "gallery", "show", "prints2"}).exit_code, 3);

  // Two subjects, each two fingers (FVC fingers 101..104 as positions 1 and 2).
  const auto print = [&](int finger, int impression) {
    return (fvc / (std::to_string(finger) + "_" + std::to_string(impression) + ".tif")).string();
  };
  r = C({"--json", "finger", "enroll", "--gallery", "prints", "--subject", "p1", "--as", "enr",
         "--keep-images", "1:" + print(101, 1), "2:" + print(102, 1)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("fingers_enrolled", 0), 2);
  ASSERT_EQ(r.Json()["prints"].size(), 2u);
  EXPECT_EQ(r.Json()["prints"][1].value("finger_position", 0), 2);
  EXPECT_GT(r.Json()["prints"][0]["quality"].value("score", 0), 0);
  EXPECT_GT(r.Json()["prints"][0].value("minutiae", 0), 10);
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p2", "--as", "enr",
         "1:" + print(103, 1), "2:" + print(104, 1)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  // The same subject again: refused, and nothing changes; --append adds a finger.
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p2", "--as", "enr",
         "3:" + print(105, 1)});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p2", "--as", "enr", "--append",
         "3:" + print(105, 1)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = C({"--json", "gallery", "show", "prints"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("subjects", 0), 2);
  EXPECT_EQ(r.Json().value("templates", 0), 5);

  // Wrong role, no operator, a face gallery, a blank image, a bad position.
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p3", "1:" + print(106, 1)});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  r = C({"finger", "enroll", "--gallery", "faces", "--subject", "p3", "--as", "enr",
         print(106, 1)});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("holds faces"), std::string::npos) << Describe(r);
  {  // A blank 200 x 200 grey image (PGM, decoded by content like any image).
    std::ofstream f(s / "blank.pgm", std::ios::binary);
    f << "P5\n200 200\n255\n" << std::string(200 * 200, '\xff');
  }
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p3", "--as", "enr",
         (s / "blank.pgm").string()});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  EXPECT_NE(r.err.find("no fingerprint found"), std::string::npos) << Describe(r);
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p3", "--as", "enr",
         "11:" + print(106, 1)});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  r = C({"finger", "enroll", "--gallery", "prints", "--subject", "p3", "--as", "enr",
         "--min-quality", "100", print(106, 1)});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("below --min-quality 100"), std::string::npos) << Describe(r);
  r = C({"--json", "gallery", "show", "prints"});
  EXPECT_EQ(r.Json().value("subjects", 0), 2);

  // A governed 1:N and 1:1 with fingers: an investigator under an approved authorization;
  // the candidates go to two-person review; the examiner sees the mate first.
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "inv", "--role",
                    "investigator", "--training-expires", "2099-12-31"})).exit_code, 0) << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "sup", "--role",
                    "supervisor", "--training-expires", "2099-12-31"})).exit_code, 0) << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "exa", "--role",
                    "examiner", "--training-expires", "2099-12-31"})).exit_code, 0) << Describe(r);
  ASSERT_EQ((r = C({"account", "create", "--as", "admin", "--username", "aud", "--role",
                    "auditor", "--training-expires", "2099-12-31"})).exit_code, 0) << Describe(r);
  for (const char* g : {"prints", "faces"}) {
    ASSERT_EQ((r = C({"authorization", "gallery-policy", "--as", "admin", "--gallery", g,
                      "--basis", "warrant"})).exit_code, 0) << Describe(r);
  }
  // Without an authorization: refused before any print is read.
  r = C({"--json", "finger", "identify", "--gallery", "prints", "--as", "inv",
         "1:" + print(101, 4)});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  r = C({"--json", "authorization", "create", "--as", "inv", "--basis", "warrant", "--reference",
         "W-9", "--authority", "test court", "--case", "C-9", "--purpose", "fingerprint test",
         "--gallery", "prints", "--gallery", "faces", "--expires", "2099-01-01",
         "--max-searches", "10"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string auth = r.Json().value("id", "");
  ASSERT_EQ((r = C({"authorization", "approve", "--as", "sup", "--id", auth})).exit_code, 0)
      << Describe(r);
  r = C({"--json", "finger", "identify", "--gallery", "prints", "--as", "inv", "--authorization",
         auth, "1:" + print(101, 4), "2:" + print(102, 4)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string search = r.Json().value("search_id", "");
  ASSERT_FALSE(search.empty()) << Describe(r);
  EXPECT_EQ(r.Json().value("outcome", ""), "candidates pending review") << Describe(r);
  EXPECT_NE(r.Json().value("threshold_source", "").find("finger-mcc"), std::string::npos)
      << Describe(r);
  EXPECT_EQ(r.out.find("p1"), std::string::npos) << r.out;  // the requester sees no identity
  EXPECT_EQ(r.out.find("score"), std::string::npos) << r.out;
  r = C({"--json", "review", "list", "--as", "exa", "--search", search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_FALSE(r.Json()["candidates"].empty()) << Describe(r);
  EXPECT_EQ(r.Json()["candidates"][0].value("subject_id", ""), "p1") << Describe(r);
  ASSERT_EQ((r = C({"review", "confirm", "--as", "exa", "--search", search, "--subject", "p1",
                    "--notes", "ridge detail consistent"})).exit_code, 0) << Describe(r);
  ASSERT_EQ((r = C({"review", "confirm", "--as", "sup", "--search", search, "--subject", "p1",
                    "--notes", "second examiner agrees"})).exit_code, 0) << Describe(r);
  r = C({"--json", "lead", "--as", "inv", "--search", search});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json()["confirmed_subject_ids"][0], "p1") << Describe(r);
  // 1:1 under the authorization: a lead for review, no score for the requester.
  r = C({"--json", "finger", "verify", "--gallery", "prints", "--as", "inv", "--authorization",
         auth, "--subject", "p2", "1:" + print(103, 5)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out.find("score"), std::string::npos) << r.out;
  EXPECT_EQ(r.Json().value("candidate_count", -1), 1) << Describe(r);
  // Another person's thumb against p2: no candidate (one impostor comparison
  // at the calibration's FMR 1 % threshold).
  r = C({"--json", "finger", "verify", "--gallery", "prints", "--as", "inv", "--authorization",
         auth, "--subject", "p2", "1:" + print(107, 5)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("candidate_count", -1), 0) << Describe(r);
  // A print cannot search a face gallery: refused by the desk before any print is read.
  r = C({"--json", "finger", "identify", "--gallery", "faces", "--as", "inv", "--authorization",
         auth, print(101, 4)});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("a fingerprint cannot search it"), std::string::npos) << Describe(r);
  // A blank probe: the extraction's error, after the gate (audited as a failed search).
  r = C({"--json", "finger", "identify", "--gallery", "prints", "--as", "inv", "--authorization",
         auth, (s / "blank.pgm").string()});
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("no fingerprint found"), std::string::npos) << Describe(r);
  // The transparency report counts the finger searches by gallery, with no identity.
  r = C({"report", "transparency", "--as", "aud", "--from", "2000-01-01", "--to", "2100-01-01"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_GE(r.Json()["by_gallery"].value("prints", 0), 4) << r.out;
  EXPECT_EQ(r.out.find("\"p1\""), std::string::npos) << r.out;

  // Audited: three allowed finger enrollments, the refusals, no subject ids.
  int allowed = 0, refused = 0;
  for (const json& e : AuditEntries(store / "audit.log")) {
    if (e.value("action", "") != "gallery.enroll") continue;
    const std::string reason = e.value("reason", "");
    if (e.value("decision", "") == "allow") {
      // Counts only (a refusal's reason may name the scratch path, which is random).
      EXPECT_EQ(reason.find("p1"), std::string::npos) << e.dump();
      EXPECT_EQ(reason.find("p2"), std::string::npos) << e.dump();
      ++allowed;
    } else {
      EXPECT_EQ(reason.find("subject p"), std::string::npos) << e.dump();
      ++refused;
    }
  }
  EXPECT_EQ(allowed, 3);
  EXPECT_GE(refused, 5);
  int searches = 0;
  for (const json& e : AuditEntries(store / "audit.log")) {
    if (e.value("gallery", "") != "prints") continue;
    const std::string action = e.value("action", "");
    if (action == "search.identify" || action == "search.verify") ++searches;
    EXPECT_EQ(e.dump().find("\"p1\""), std::string::npos) << e.dump();
  }
  EXPECT_GE(searches, 5);  // the refused identify, the identify, two verifies, the blank
}

// --index: a spec that does not parse is refused (exit 2, the bad part named)
// before the store's metadata is opened, by `gallery create` and `gallery
// retune` alike (only the audit log records the refusal).
TEST_F(CliTest, ABadIndexSpecIsRefusedBeforeTheStoreIsTouched) {
  const fs::path s = scratch();
  const fs::path store = s / "store";
  auto C = [&](const std::vector<std::string>& args) { return InStore(s, args); };
  ASSERT_NO_FATAL_FAILURE(KeyAndAdmin());
  CliRun r;
  const std::vector<std::string> create = {"gallery", "create", "--name", "g", "--description",
                                           "cli test", "--legal-basis", "consent", "--retention",
                                           "P1Y", "--search-basis", "warrant", "--as", "admin"};
  std::vector<std::string> bad = create;
  bad.insert(bad.end(), {"--index", "IVF8,PQ16x4fs,Bogus"});
  const auto metadata = [&] {
    auto sha = candor::Sha256File(store / "store.db");
    return sha.ok() ? candor::HexDigest(*sha) : sha.status().ToString();
  };
  std::string before = metadata();
  r = C(bad);
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find("'Bogus'"), std::string::npos) << Describe(r);
  EXPECT_EQ(metadata(), before);
  ASSERT_EQ((r = C(create)).exit_code, 0) << Describe(r);
  before = metadata();
  r = C({"gallery", "retune", "g", "--as", "admin", "--index", "Retrain1"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_NE(r.err.find("'Retrain1'"), std::string::npos) << Describe(r);
  EXPECT_EQ(metadata(), before);
  r = C({"--json", "gallery", "show", "g"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.Json().value("name", ""), "g") << Describe(r);
}

}  // namespace
