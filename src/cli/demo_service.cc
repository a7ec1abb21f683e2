// Copyright 2026 The Candor Authors.

#include "cli/demo_service.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "candor/audit.h"
#include "candor/gallery.h"
#include "candor/govern.h"
#include "common/hash.h"
#include "common/paths.h"

namespace candor::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kReference[] = "DEMO-WARRANT-0001";
constexpr char kCase[] = "DEMO-CASE-1";
constexpr int64_t kTrainingDays = 365;
constexpr int64_t kAuthorizationDays = 30;
constexpr int64_t kAuthorizationSearches = 1000;

// The demo accounts, in the order they are created (the admin is bootstrapped).
const std::vector<std::pair<Role, std::string>>& DemoRoles() {
  static const auto* roles = new std::vector<std::pair<Role, std::string>>{
      {Role::kAdmin, "demo-admin"},         {Role::kInvestigator, "demo-investigator"},
      {Role::kExaminer, "demo-examiner"},   {Role::kSupervisor, "demo-supervisor"},
      {Role::kAuditor, "demo-auditor"},     {Role::kEnroller, "demo-enroller"}};
  return *roles;
}

StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = getrandom(out.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return InternalError("getrandom failed");
    }
    got += static_cast<size_t>(r);
  }
  return out;
}

// 20 characters from an unambiguous alphabet (~112 bits).
StatusOr<std::string> NewPassword() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  constexpr size_t kN = sizeof(kAlphabet) - 1;
  std::string pw;
  while (pw.size() < 20) {
    CANDOR_ASSIGN_OR_RETURN(std::string r, RandomBytes(32));
    for (unsigned char c : r) {
      if (c < 256 / kN * kN && pw.size() < 20) pw += kAlphabet[c % kN];  // no modulo bias
    }
  }
  return pw;
}

// Writes `text` to `path` with mode 0600: temp file, fsync, rename.
Status WritePrivateFile(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + tmp.string());
  fchmod(fd, 0600);
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return InternalError("cannot write " + path.string());
  }
  return OkStatus();
}

Status EnsureStoreKey(const fs::path& key_file) {
  if (fs::exists(key_file)) return OkStatus();
  CANDOR_ASSIGN_OR_RETURN(std::string key, RandomBytes(32));
  return WritePrivateFile(
      key_file, HexEncode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()),
                                                   key.size())) +
                    "\n");
}

// "role username password" lines of an existing credentials file.
std::map<std::string, std::string> ReadCredentials(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string role, user, pw;
    if (ls >> role >> user >> pw) out[user] = pw;
  }
  return out;
}

Status EnsureGallery(Store& store, const std::vector<DemoPhoto>& photos, DemoSetup& setup) {
  auto existing = store.GetGallery(kDemoGallery);
  if (!existing.ok()) {
    if (existing.status().code() != Code::kNotFound) return existing.status();
    GalleryInfo g;
    g.name = kDemoGallery;
    g.description =
        "Demo: in-the-wild celebrity photos (research test data), one subject per identity "
        "cluster";
    g.legal_basis = "research test data (demonstration only)";
    g.retention_class = "P30D";
    g.allowed_search_bases = {"warrant", "court_order", "exigent"};
    CANDOR_RETURN_IF_ERROR(store.CreateGallery(g));
  }
  std::map<int, std::vector<const DemoPhoto*>> clusters;
  for (const DemoPhoto& p : photos) clusters[p.cluster].push_back(&p);
  std::vector<EnrollRequest> requests;
  for (auto& [cluster, members] : clusters) {
    std::sort(members.begin(), members.end(),
              [](const DemoPhoto* a, const DemoPhoto* b) { return a->path < b->path; });
    if (members.size() >= 3) {
      // The last photo that passes the quality gate: a suggested probe the
      // search screen refuses ("Face turned away") would be no suggestion.
      auto it = std::find_if(members.rbegin(), members.rend(),
                             [](const DemoPhoto* p) { return p->usable; });
      if (it != members.rend()) {
        setup.held_out.push_back(**it);
        members.erase(std::next(it).base());
      }
    }
    char id[32];
    std::snprintf(id, sizeof id, "wild-cluster-%02d", cluster);
    auto subject = store.GetSubject(kDemoGallery, id, /*with_values=*/false);
    if (subject.ok()) continue;
    if (subject.status().code() != Code::kNotFound) return subject.status();
    EnrollRequest r;
    r.subject_id = id;
    r.record_ref = "faces/wild identity cluster " + std::to_string(cluster);
    for (const DemoPhoto* p : members) {
      TemplateInput t;
      t.tmpl = p->tmpl;
      t.quality = p->quality;
      CANDOR_ASSIGN_OR_RETURN(auto sha, Sha256File(p->path));
      std::copy(sha.begin(), sha.end(), t.image_sha256.begin());
      // Keep the photo (sealed with the subject's key) for the examiner's
      // side-by-side review: a review without it would be blind.
      std::ifstream in(p->path, std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) return InternalError("cannot read " + p->path.string());
      if (bytes.size() <= kMaxStoredImageBytes) t.image = std::move(bytes);
      r.templates.push_back(std::move(t));
    }
    requests.push_back(std::move(r));
  }
  if (!requests.empty()) {
    CANDOR_RETURN_IF_ERROR(store.Enroll(kDemoGallery, requests));
    setup.subjects_added = static_cast<int>(requests.size());
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo info, store.GetGallery(kDemoGallery));
  setup.subjects = info.subjects;
  setup.templates = info.templates;
  return OkStatus();
}

// A demo account signed in with its password from the credentials file (as
// the CLI's operators are: never by name alone; audited as auth.local).
StatusOr<Principal> SignedIn(Governance& gov, const std::map<std::string, std::string>& known,
                             const std::string& user, const DemoSetup& setup) {
  auto it = known.find(user);
  if (it == known.end() || it->second.empty()) {
    return FailedPreconditionError("the demo's credentials file " +
                                   setup.credentials_file.string() + " has no password for " +
                                   user + "; remove " + setup.state_dir.string() +
                                   " to start the demo afresh");
  }
  return gov.CheckPassword(user, it->second);
}

Status EnsureAccounts(Governance& gov, DemoSetup& setup) {
  const int64_t expires = gov.Now() + kTrainingDays * kMsPerDay;
  std::map<std::string, std::string> known = ReadCredentials(setup.credentials_file);
  bool wrote = false;
  for (const auto& [role, user] : DemoRoles()) {
    DemoAccount a{std::string(RoleName(role)), user, ""};
    auto existing = gov.GetAccount(user);
    if (existing.ok()) {
      if (auto it = known.find(user); it != known.end()) a.password = it->second;
      setup.accounts.push_back(a);
      continue;
    }
    if (existing.status().code() != Code::kNotFound) return existing.status();
    CANDOR_ASSIGN_OR_RETURN(a.password, NewPassword());
    if (role == Role::kAdmin) {
      auto r = gov.BootstrapAdmin(user, a.password, expires);
      if (!r.ok()) {
        return Status(r.status().code(),
                      "the demo store already has accounts but no " + user + " (" +
                          r.status().message() + "); remove " + setup.state_dir.string() +
                          " to start the demo afresh");
      }
    } else {
      CANDOR_ASSIGN_OR_RETURN(Principal admin, SignedIn(gov, known, "demo-admin", setup));
      CANDOR_RETURN_IF_ERROR(gov.CreateAccount(admin, user, role, a.password, expires).status());
    }
    known[user] = a.password;
    setup.accounts.push_back(a);
    wrote = true;
  }
  if (wrote) {
    std::string text =
        "# Candor demo accounts: role username password (generated at random for this "
        "machine;\n# only Argon2id hashes are in the store). Keep this file private.\n";
    for (const auto& [role, user] : DemoRoles()) {
      text += std::string(RoleName(role)) + " " + user + " " + known[user] + "\n";
    }
    CANDOR_RETURN_IF_ERROR(WritePrivateFile(setup.credentials_file, text));
    setup.accounts_created = true;
  }
  return OkStatus();
}

Status EnsurePolicyAndAuthorization(Governance& gov, DemoSetup& setup) {
  std::map<std::string, std::string> known;
  for (const DemoAccount& a : setup.accounts) known[a.username] = a.password;
  CANDOR_ASSIGN_OR_RETURN(Principal admin, SignedIn(gov, known, "demo-admin", setup));
  CANDOR_ASSIGN_OR_RETURN(Principal investigator,
                          SignedIn(gov, known, "demo-investigator", setup));
  CANDOR_ASSIGN_OR_RETURN(Principal supervisor, SignedIn(gov, known, "demo-supervisor", setup));
  auto policy = gov.GetGalleryPolicy(kDemoGallery);
  if (!policy.ok()) {
    if (policy.status().code() != Code::kNotFound) return policy.status();
    GalleryPolicy p;
    p.name = kDemoGallery;
    p.allowed_bases = {LegalBasis::kWarrant, LegalBasis::kCourtOrder, LegalBasis::kExigent};
    p.retention_class = "standard";
    CANDOR_RETURN_IF_ERROR(gov.SetGalleryPolicy(admin, p));
  }
  const int64_t now = gov.Now();
  CANDOR_ASSIGN_OR_RETURN(auto all, gov.ListAuthorizations(supervisor));
  const Authorization* usable = nullptr;
  for (const Authorization& a : all) {
    if (a.spec.reference == kReference && a.status == AuthorizationStatus::kActive &&
        a.spec.expires_ms > now + kMsPerDay && a.searches_used + 10 < a.spec.max_searches) {
      usable = &a;
    }
  }
  Authorization chosen;
  if (usable) {
    chosen = *usable;
  } else {
    AuthorizationSpec spec;
    spec.basis = LegalBasis::kWarrant;
    spec.reference = kReference;
    spec.issuing_authority = "Demo District Court (fictitious)";
    spec.case_id = kCase;
    spec.purpose = "demonstration of a governed search";
    spec.galleries = {kDemoGallery};
    spec.expires_ms = now + kAuthorizationDays * kMsPerDay;
    spec.max_searches = kAuthorizationSearches;
    CANDOR_ASSIGN_OR_RETURN(chosen, gov.CreateAuthorization(investigator, spec));
    CANDOR_RETURN_IF_ERROR(gov.ApproveAuthorization(supervisor, chosen.id));
    CANDOR_ASSIGN_OR_RETURN(chosen, gov.GetAuthorization(chosen.id));
  }
  setup.authorization_id = chosen.id;
  setup.authorization_reference = chosen.spec.reference;
  setup.case_id = chosen.spec.case_id;
  setup.authorization_expires_ms = chosen.spec.expires_ms;
  setup.authorization_searches_left = chosen.spec.max_searches - chosen.searches_used;
  return OkStatus();
}

}  // namespace

fs::path DefaultDemoStateDir() {
  const char* env = std::getenv("CANDOR_DEMO_DIR");
  if (env && *env) return fs::path(env);
  return (SourceDir() / ".cache" / "demo").lexically_normal();  // no "cmake/.." in what is printed
}

StatusOr<DemoSetup> SetUpDemo(const fs::path& state_dir, const std::vector<DemoPhoto>& photos,
                              const DemoCluster* cluster) {
  DemoSetup setup;
  setup.state_dir = state_dir.lexically_normal();
  setup.store_dir = setup.state_dir / "store";
  setup.key_file = setup.state_dir / "store.key";
  setup.credentials_file = setup.state_dir / "credentials.txt";
  setup.gallery = kDemoGallery;
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec) return InternalError("cannot create " + state_dir.string() + ": " + ec.message());
  fs::permissions(state_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (cluster) {
    setup.key_file = cluster->key_file;
    fs::create_directories(setup.store_dir, ec);
    CANDOR_ASSIGN_OR_RETURN(auto store, cluster->open_store());
    CANDOR_RETURN_IF_ERROR(EnsureGallery(*store, photos, setup));
  } else {
    CANDOR_RETURN_IF_ERROR(EnsureStoreKey(setup.key_file));
    CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(setup.key_file.string()));
    StoreOptions o;
    o.master_key = key;
    o.create_if_missing = true;
    std::fill(key.begin(), key.end(), 0);
    CANDOR_ASSIGN_OR_RETURN(auto store, Store::Open(setup.store_dir.string(), o));
    std::fill(o.master_key.begin(), o.master_key.end(), 0);
    CANDOR_RETURN_IF_ERROR(EnsureGallery(*store, photos, setup));
  }
  const fs::path audit_key = setup.store_dir / "audit_ed25519.key";
  if (!fs::exists(audit_key)) {
    CANDOR_RETURN_IF_ERROR(
        WriteAuditKey(GenerateAuditKey(), audit_key, fs::path(audit_key.string() + ".pub")));
  }
  CANDOR_ASSIGN_OR_RETURN(AuditSigningKey signing, ReadAuditKey(audit_key));
  GovernanceOptions go;
  if (cluster) {
    CANDOR_ASSIGN_OR_RETURN(go.audit_mirror, cluster->audit_mirror());
  }
  CANDOR_ASSIGN_OR_RETURN(auto gov, Governance::Open(setup.store_dir, std::move(signing), go));
  CANDOR_RETURN_IF_ERROR(EnsureAccounts(*gov, setup));
  CANDOR_RETURN_IF_ERROR(EnsurePolicyAndAuthorization(*gov, setup));
  return setup;
}

}  // namespace candor::cli

namespace candor::cli {
namespace {

std::string IsoDate(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%MZ", &tm);
  return buf;
}

const char* RoleDuty(const std::string& role) {
  if (role == "admin") return "accounts and gallery policies";
  if (role == "investigator") return "requests searches under an authorization";
  if (role == "examiner") return "reviews candidates (first confirmation)";
  if (role == "supervisor") return "approves authorizations, second confirmation, exigent";
  if (role == "auditor") return "audit log and transparency report, no biometric data";
  if (role == "enroller") return "adds gallery records";
  return "";
}

}  // namespace

nlohmann::json DemoSetupJson(const DemoSetup& s) {
  nlohmann::json accounts = nlohmann::json::array();
  for (const DemoAccount& a : s.accounts) {
    accounts.push_back({{"role", a.role}, {"username", a.username}});
  }
  nlohmann::json held_out = nlohmann::json::array();
  for (const DemoPhoto& p : s.held_out) {
    held_out.push_back({{"image", p.path.string()}, {"cluster", p.cluster}});
  }
  return {{"state_dir", s.state_dir.string()},
          {"store", s.store_dir.string()},
          {"key_file", s.key_file.string()},
          {"credentials_file", s.credentials_file.string()},
          {"accounts_created", s.accounts_created},
          {"accounts", accounts},
          {"gallery",
           {{"name", s.gallery},
            {"subjects", s.subjects},
            {"templates", s.templates},
            {"subjects_added", s.subjects_added}}},
          {"authorization",
           {{"id", s.authorization_id},
            {"reference", s.authorization_reference},
            {"case_id", s.case_id},
            {"expires", IsoDate(s.authorization_expires_ms)},
            {"searches_left", s.authorization_searches_left}}},
          {"held_out_probes", held_out}};
}

void PrintDemoSetup(const DemoSetup& s) {
  std::printf("\nDemo service state in %s:\n", s.state_dir.string().c_str());
  std::printf("  gallery %s: %lld subjects (one per identity cluster), %lld templates%s;\n",
              s.gallery.c_str(), static_cast<long long>(s.subjects),
              static_cast<long long>(s.templates),
              s.subjects_added ? (" (" + std::to_string(s.subjects_added) + " added now)").c_str()
                               : " (already enrolled)");
  std::printf("    searchable under a warrant, a court order or an exigent declaration only;\n"
              "    probes and results kept 30 days unless a case holds them.\n");
  std::printf("  accounts (%s):\n", s.accounts_created
                                        ? "created now; passwords shown once here and kept in "
                                          "the credentials file"
                                        : "passwords in the credentials file");
  for (const DemoAccount& a : s.accounts) {
    std::printf("    %-18s %-12s %-54s%s%s\n", a.username.c_str(), a.role.c_str(),
                RoleDuty(a.role), s.accounts_created && !a.password.empty() ? " password " : "",
                s.accounts_created ? a.password.c_str() : "");
  }
  std::printf("  credentials file: %s (mode 0600)\n", s.credentials_file.string().c_str());
  std::printf("  authorization %s: warrant %s, case %s, gallery %s, until %s, %lld searches "
              "left\n",
              s.authorization_id.c_str(), s.authorization_reference.c_str(), s.case_id.c_str(),
              s.gallery.c_str(), IsoDate(s.authorization_expires_ms).c_str(),
              static_cast<long long>(s.authorization_searches_left));
  if (!s.held_out.empty()) {
    std::printf("  photos held out of the gallery, to search with (their person IS enrolled):\n");
    for (const DemoPhoto& p : s.held_out) {
      std::printf("    %s (cluster %d)\n", p.path.string().c_str(), p.cluster);
    }
  }
  std::fflush(stdout);
}

void PrintServing(const DemoSetup& s, const std::string& url) {
  std::string open = url;
  if (const auto p = open.find("://127.0.0.1:"); p != std::string::npos) {
    open.replace(p + 3, 9, "localhost");
  }
  std::printf("\ncandor: serving %s (store %s); Ctrl-C stops.\n", url.c_str(),
              s.store_dir.string().c_str());
  std::printf("Open %s in a browser%s.\n", open.c_str(),
              open.rfind("https", 0) == 0
                  ? " (self-signed certificate .cache/tls/server.crt from scripts/make_cert.sh: "
                    "accept the warning or trust that file)"
                  : "");
  if (const auto p = url.find("://0.0.0.0:"); p != std::string::npos) {
    // Listening on every interface: the addresses a phone on the same
    // network can use (each must be in the certificate: make_cert.sh --lan).
    const std::string scheme = url.substr(0, p + 3), port = url.substr(p + 11);
    ifaddrs* ifs = nullptr;
    if (getifaddrs(&ifs) == 0) {
      for (ifaddrs* i = ifs; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
        char ip[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, ip, sizeof ip);
        if (std::string(ip).rfind("127.", 0) == 0) continue;
        std::printf("From a phone on the same network: %s%s:%s (certificate must name %s: "
                    "scripts/make_cert.sh --lan)\n",
                    scheme.c_str(), ip, port.c_str(), ip);
      }
      freeifaddrs(ifs);
    }
  }
  std::printf(
      "  1. Sign in as demo-investigator (password in %s), search gallery %s with\n"
      "     authorization %s and one of the held-out photos above.\n"
      "  2. Sign in as demo-examiner, then as demo-supervisor: review the candidates; the lead\n"
      "     is released to the investigator only after both confirm.\n"
      "  3. Sign in as demo-auditor: verify the audit log, read the transparency report.\n"
      "  API: POST %sv1/sessions {\"username\",\"password\"} -> token; docs/openapi.yaml.\n",
      s.credentials_file.string().c_str(), s.gallery.c_str(), s.authorization_id.c_str(),
      url.c_str());
  std::fflush(stdout);
}

}  // namespace candor::cli
