// Copyright 2026 The Candor Authors.
//
// load_setup: prepares and checks the store of the service load test
// (scripts/load_test.sh, docs/BENCHMARKS.md). Not a test; a bench tool.
//
//   load_setup prepare --store DIR --key-file KEY --n N --mate IMAGE --out FILE
//              [--batch B] [--models DIR] [--index SPEC] [--lfw CACHE]
//     Creates (or reopens and completes) gallery "load" with N synthetic
//     templates of the real embedder's dimension, tagged with the real model
//     id and hash, enrolled through Store::Enroll in group commits of B
//     subjects (the path `candor gallery import` takes), plus one real
//     subject "lfw-mate" embedded from IMAGE (so that
//     the load test's probe has a true mate among N impostors). Then the
//     governance side: accounts (admin, supervisor, and the machine accounts
//     load-investigator and load-enroller with fresh API tokens), the
//     gallery's policy (warrant only) and an approved warrant authorization of
//     100,000 searches. The synthetic templates are random unit vectors
//     (src/search/synthetic_data.h), or with --lfw CACHE face-like ones: the
//     Gaussian mixture fitted to the LFW embeddings in CACHE (an embedding
//     cache of the default model, bench/face_data.h LfwFitted; its real LFW
//     first images are rows of the gallery). --index SPEC is the store's
//     index (StoreOptions::index_spec): "" or Flat,int8 in memory, or
//     IVF...,PQ...x4fs / Auto kept on disk in DIR/index/ (trained by the
//     Enroll that reaches its TrainAt). Writes LOAD_INVESTIGATOR_TOKEN=, LOAD_ENROLLER_TOKEN=,
//     LOAD_AUTHORIZATION_ID=, LOAD_GALLERY=, LOAD_SUBJECTS= lines (a shell
//     environment file) to FILE (mode 0600); prints a JSON summary.
//     Resumable: rerun after an interruption and it continues where it stopped.
//
//   load_setup retune --store DIR --key-file KEY [--target PCT]
//     With the store closed: re-measures the recall setting of gallery
//     "load"'s compressed index at its present size (IvfPqIndex::Tune; the
//     store tunes only when the index trains, at TrainAt) and keeps it in the
//     index's manifest. Prints the report before and after and the time.
//
//   load_setup mates --store DIR --key-file KEY --lfw CACHE --n N
//              [--settings P:R,P:R,...] [--skip IMAGE,IMAGE]
//     With the store closed, opens gallery "load"'s compressed index files
//     read-only and measures its recall on real LFW mated pairs: the gallery
//     built by `prepare --lfw CACHE --n N` holds the first image of each LFW
//     identity with two or more images; each second image is searched at the
//     index's own setting (and each P:R given) and its rank-1 compared with
//     exact search (Flat,int8 over the N rows regenerated from the same seeds;
//     store template id = row + 2, checked). Probes of the identities of the
//     --skip photos (the load test's mate and enrolled photo, whose extra
//     templates are in the store but not regenerated) are left out. Prints
//     one JSON line per setting.
//
//   load_setup check --store DIR --key-file KEY --acked FILE [--probe IMAGE]
//     Opens the store from disk (after the server has stopped) and checks that
//     every subject id listed in FILE (one per line: the enrollments the server
//     acknowledged with 2xx) is present. With --probe, also embeds IMAGE and
//     searches the gallery with it (Store::Identify, top 10, threshold 0: the
//     index the store opened) to report where subject "lfw-mate" ranks (with
//     --lfw the gallery also holds the cache's embedding of the same mate
//     photo as a synthetic subject, so rank 1 or 2 are both right). Prints
//     {"acked", "present", "lost", "subjects", "open_s", "index"[, "probe"]};
//     exit 1 if any is lost or the mate is not among the top 10.

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "candor/audit.h"
#include "candor/gallery.h"
#include "candor/govern.h"
#include "candor/pipeline.h"
#include "common/hash.h"
#include "common/paths.h"
#include "face_data.h"  // bench/: the LFW-fitted generator
#include "gallery/crypto.h"
#include "gallery/persisted_index.h"
#include "search/ivf_pq_index.h"
#include "search/synthetic_data.h"

namespace {

using namespace candor;
namespace fs = std::filesystem;

constexpr char kGallery[] = "load";

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Flags {
  std::string cmd, store, key_file, mate, out, acked, models, index, lfw, probe;
  double target = 99.5;
  std::string settings, skip;
  int64_t n = 1'000'000;
  int batch = 10'000;
};

Status WritePrivate(const fs::path& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot write " + path.string());
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? OkStatus() : InternalError("cannot write " + path.string());
}

StatusOr<std::unique_ptr<Store>> OpenStore(const Flags& f) {
  CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(f.key_file));
  StoreOptions o;
  o.master_key = key;
  o.create_if_missing = true;
  o.index_spec = f.index;
  return Store::Open(f.store, o);
}

nlohmann::json RecallJson(const RecallReport& r) {
  return {{"exact", r.exact},     {"target", r.target}, {"measured", r.measured},
          {"lower95", r.lower95}, {"probes", r.probes}, {"nprobe", r.nprobe},
          {"nlist", r.nlist},     {"rerank", r.rerank}, {"measured_at", r.measured_at}};
}

Status Prepare(const Flags& f) {
  const double t0 = Seconds(), c0 = CpuSeconds();
  PipelineOptions po;
  if (!f.models.empty()) po.model_dir = f.models;
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(po));
  CANDOR_ASSIGN_OR_RETURN(auto faces, pipeline->ProcessFile(f.mate));
  if (faces.empty()) return InvalidArgumentError("no face in " + f.mate);
  const Template mate = faces[0].tmpl;
  const int dim = static_cast<int>(mate.values.size());
  CANDOR_ASSIGN_OR_RETURN(auto mate_sha, Sha256File(f.mate));
  std::unique_ptr<bench::LfwFitted> fitted;
  if (!f.lfw.empty()) {
    std::string error;
    fitted = bench::LfwFitted::Fit(f.lfw, 32, &error);
    if (!fitted) return InvalidArgumentError("--lfw: " + error);
    if (fitted->dim() != dim) {
      return InvalidArgumentError("--lfw: the cache's embeddings have dimension " +
                                  std::to_string(fitted->dim()) + ", the model's templates " +
                                  std::to_string(dim));
    }
    fitted->Place(f.n);
    std::fprintf(stderr, "load_setup: %s\n", fitted->Describe().c_str());
  }

  int64_t subjects = 0;
  std::string index;
  RecallReport recall;
  {
    CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(f));
    if (!store->GetGallery(kGallery).ok()) {
      GalleryInfo g;
      g.name = kGallery;
      g.description = "load test: synthetic face-like templates plus one real subject";
      g.legal_basis = "benchmark";
      g.retention_class = "P30D";
      g.allowed_search_bases = {"warrant"};
      CANDOR_RETURN_IF_ERROR(store->CreateGallery(g));
    }
    if (!store->GetSubject(kGallery, "lfw-mate", false).ok()) {
      EnrollRequest r;
      r.subject_id = "lfw-mate";
      r.record_ref = "load test mate";
      TemplateInput t;
      t.tmpl = mate;
      t.quality = static_cast<float>(faces[0].face.quality.score);
      std::copy(mate_sha.begin(), mate_sha.end(), t.image_sha256.begin());
      r.templates.push_back(std::move(t));
      CANDOR_RETURN_IF_ERROR(store->Enroll(kGallery, std::span<const EnrollRequest>(&r, 1)));
    }
    CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(kGallery));
    // Synthetic subjects are "syn-<batch>-<i>", written a whole batch per
    // group commit, so the number present says where to resume.
    int64_t done = std::min<int64_t>(f.n, (g.subjects - 1) / f.batch * f.batch);
    std::vector<EnrollRequest> reqs;
    const double tb = Seconds();
    const int64_t start = done;
    while (done < f.n) {
      const int64_t m = std::min<int64_t>(f.batch, f.n - done);
      const uint64_t batch_no = static_cast<uint64_t>(done / f.batch);
      const std::vector<float> v = fitted ? fitted->Rows(done, done + m)
                                          : search::RandomUnitVectors(m, dim, 1000 + batch_no);
      reqs.assign(static_cast<size_t>(m), EnrollRequest{});
      for (int64_t i = 0; i < m; ++i) {
        EnrollRequest& r = reqs[static_cast<size_t>(i)];
        r.subject_id = "syn-" + std::to_string(batch_no) + "-" + std::to_string(i);
        r.templates.resize(1);
        TemplateInput& t = r.templates[0];
        t.tmpl.model_id = mate.model_id;
        t.tmpl.model_sha256 = mate.model_sha256;
        t.tmpl.element_type = mate.element_type;
        t.tmpl.values.assign(v.begin() + i * dim, v.begin() + (i + 1) * dim);
        t.image_sha256 = Sha256(r.subject_id);
      }
      CANDOR_RETURN_IF_ERROR(store->Enroll(kGallery, reqs));
      done += m;
      if ((done / f.batch) % 10 == 0 || done == f.n) {
        const double rate = (done - start) / std::max(1e-9, Seconds() - tb);
        std::fprintf(stderr, "load_setup: %lld / %lld synthetic templates (%.0f /s)\n",
                     static_cast<long long>(done), static_cast<long long>(f.n), rate);
      }
    }
    CANDOR_ASSIGN_OR_RETURN(g, store->GetGallery(kGallery));
    subjects = g.subjects;
    index = g.index;
    recall = g.index_recall;
  }
  const double build_s = Seconds() - t0, build_cpu = CpuSeconds() - c0;

  // Governance: accounts, policy, authorization, API tokens.
  const fs::path audit_key = fs::path(f.store) / "audit_ed25519.key";
  if (!fs::exists(audit_key)) {
    CANDOR_RETURN_IF_ERROR(
        WriteAuditKey(GenerateAuditKey(), audit_key, fs::path(audit_key.string() + ".pub")));
  }
  CANDOR_ASSIGN_OR_RETURN(AuditSigningKey signing, ReadAuditKey(audit_key));
  CANDOR_ASSIGN_OR_RETURN(auto gov, Governance::Open(f.store, std::move(signing)));
  const int64_t year = gov->Now() + 365 * kMsPerDay;
  if (!gov->GetAccount("load-admin").ok()) {
    // Nobody signs in as the admin (the tool acts as a local operator); its
    // password only has to be unguessable.
    const std::string admin_pw =
        HexEncode(Sha256(f.store + std::to_string(Seconds()) + std::to_string(getpid())));
    CANDOR_RETURN_IF_ERROR(gov->BootstrapAdmin("load-admin", admin_pw, year).status());
  }
  CANDOR_ASSIGN_OR_RETURN(Principal admin, gov->LocalPrincipal("load-admin"));
  for (auto [user, role] : {std::pair{"load-supervisor", Role::kSupervisor},
                            std::pair{"load-investigator", Role::kInvestigator},
                            std::pair{"load-enroller", Role::kEnroller}}) {
    if (!gov->GetAccount(user).ok()) {
      CANDOR_RETURN_IF_ERROR(gov->CreateAccount(admin, user, role, "", year).status());
    }
  }
  GalleryPolicy p;
  p.name = kGallery;
  p.allowed_bases = {LegalBasis::kWarrant};
  CANDOR_RETURN_IF_ERROR(gov->SetGalleryPolicy(admin, p));
  CANDOR_ASSIGN_OR_RETURN(Principal inv, gov->LocalPrincipal("load-investigator"));
  CANDOR_ASSIGN_OR_RETURN(Principal sup, gov->LocalPrincipal("load-supervisor"));
  AuthorizationSpec spec;
  spec.basis = LegalBasis::kWarrant;
  spec.reference = "LOAD-TEST-WARRANT";
  spec.issuing_authority = "load test (fictitious)";
  spec.case_id = "LOAD-CASE";
  spec.purpose = "service load test";
  spec.galleries = {kGallery};
  spec.expires_ms = gov->Now() + 7 * kMsPerDay;
  spec.max_searches = 100000;
  CANDOR_ASSIGN_OR_RETURN(Authorization auth, gov->CreateAuthorization(inv, spec));
  CANDOR_RETURN_IF_ERROR(gov->ApproveAuthorization(sup, auth.id));
  CANDOR_ASSIGN_OR_RETURN(Session inv_token, gov->CreateApiToken(admin, "load-investigator"));
  CANDOR_ASSIGN_OR_RETURN(Session enr_token, gov->CreateApiToken(admin, "load-enroller"));
  const std::string env = "LOAD_INVESTIGATOR_TOKEN=" + inv_token.token +
                          "\nLOAD_ENROLLER_TOKEN=" + enr_token.token +
                          "\nLOAD_AUTHORIZATION_ID=" + auth.id + "\nLOAD_GALLERY=" + kGallery +
                          "\nLOAD_SUBJECTS=" + std::to_string(subjects) + "\n";
  CANDOR_RETURN_IF_ERROR(WritePrivate(f.out, env));
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::cout << nlohmann::json{{"subjects", subjects},
                              {"build_wall_s", build_s},
                              {"build_cpu_s", build_cpu},
                              {"peak_rss_mib", u.ru_maxrss / 1024.0},
                              {"data", fitted ? fitted->Describe() : "random unit vectors"},
                              {"index", index},
                              {"recall", RecallJson(recall)},
                              {"authorization_id", auth.id}}
                   .dump()
            << std::endl;
  return OkStatus();
}

// The compressed index files of gallery "load" (the store must be closed), or
// FAILED_PRECONDITION when it has none.
StatusOr<std::unique_ptr<Index>> OpenLoadIndex(const Flags& f, bool read_only) {
  int64_t row = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(f.store) / "index", ec)) {
    if (e.is_directory()) row = std::max<int64_t>(row, std::stoll(e.path().filename().string()));
  }
  if (row == 0) return FailedPreconditionError("gallery load has no compressed index");
  CANDOR_ASSIGN_OR_RETURN(gallery::Key master, gallery::LoadMasterKey(f.key_file));
  return OpenIndex(gallery::GalleryIndexFiles(f.store, master, row, read_only));
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  for (size_t a = 0; a < s.size();) {
    size_t b = s.find(',', a);
    if (b == std::string::npos) b = s.size();
    out.push_back(s.substr(a, b - a));
    a = b + 1;
  }
  return out;
}

Status Retune(const Flags& f) {
  {
    CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(f));  // takes the writer lock: no server running
    CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(kGallery));
    if (g.index_recall.exact)
      return FailedPreconditionError("gallery load has no compressed index");
  }
  const double t0 = Seconds(), c0 = CpuSeconds();
  CANDOR_ASSIGN_OR_RETURN(auto index, OpenLoadIndex(f, /*read_only=*/false));
  const double open_s = Seconds() - t0;
  auto* ivf = static_cast<search::IvfPqIndex*>(index.get());
  const RecallReport before = ivf->Recall();
  CANDOR_RETURN_IF_ERROR(ivf->Tune(f.target / 100));
  std::cout << nlohmann::json{{"templates", ivf->size()},
                              {"open_s", open_s},
                              {"tune_wall_s", Seconds() - t0 - open_s},
                              {"cpu_s", CpuSeconds() - c0},
                              {"before", RecallJson(before)},
                              {"after", RecallJson(ivf->Recall())},
                              {"index", ivf->Describe()}}
                   .dump()
            << std::endl;
  return OkStatus();
}

// The identities of the load test's own photos (the mate and the enrolled
// photo): their extra templates are in the store but not regenerated.
bool LoadTestIdentity(const std::vector<float>& probe,
                      const std::vector<std::vector<float>>& skip) {
  for (const auto& v : skip) {
    double dot = 0;
    for (size_t d = 0; d < v.size(); ++d) dot += static_cast<double>(v[d]) * probe[d];
    if (dot > 0.5) return true;
  }
  return false;
}

Status Mates(const Flags& f) {
  std::string error;
  auto fitted = bench::LfwFitted::Fit(f.lfw, 32, &error);
  if (!fitted) return InvalidArgumentError("--lfw: " + error);
  fitted->Place(f.n);
  const int dim = fitted->dim();
  const double t0 = Seconds(), c0 = CpuSeconds();
  CANDOR_ASSIGN_OR_RETURN(auto opened, OpenLoadIndex(f, /*read_only=*/true));
  auto* ivf = static_cast<search::IvfPqIndex*>(opened.get());
  const RecallReport own = ivf->Recall();
  // Exact search over the regenerated rows, with the store's template ids.
  CANDOR_ASSIGN_OR_RETURN(auto flat, MakeIndex("Flat,int8", dim));
  constexpr int64_t kChunk = 500'000;
  for (int64_t b = 0; b < f.n; b += kChunk) {
    const int64_t e = std::min(f.n, b + kChunk);
    const std::vector<float> rows = fitted->Rows(b, e);
    std::vector<int64_t> ids(static_cast<size_t>(e - b));
    for (int64_t i = b; i < e; ++i) ids[static_cast<size_t>(i - b)] = i + 2;
    CANDOR_RETURN_IF_ERROR(flat->Add(rows, ids));
  }
  // The id mapping, checked: a few stored rows find themselves.
  SearchParams one;
  one.k = 1;
  int self = 0, tried = 0;
  for (int64_t i = 1; i < f.n; i += f.n / 16) {
    std::vector<float> v(static_cast<size_t>(dim));
    fitted->Row(i, v.data());
    CANDOR_ASSIGN_OR_RETURN(auto r, ivf->Search(v, one));
    ++tried;
    if (!r.empty() && r[0].id == i + 2) ++self;
  }
  if (self != tried) {
    return FailedPreconditionError("the index's ids are not row + 2 (" + std::to_string(self) +
                                   "/" + std::to_string(tried) +
                                   " rows found themselves): not a load_setup gallery");
  }
  const auto real = fitted->RealProbes(f.n);
  std::vector<std::vector<float>>
      skip;  // the mate (Aaron_Peirsol) and the enrolled photo (AJ_Cook)
  if (!f.skip.empty()) {
    PipelineOptions po;
    if (!f.models.empty()) po.model_dir = f.models;
    CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(po));
    for (const std::string& path : SplitCommas(f.skip)) {
      CANDOR_ASSIGN_OR_RETURN(auto faces, pipeline->ProcessFile(path));
      if (!faces.empty()) skip.push_back(faces[0].tmpl.values);
    }
  }
  std::vector<float> probes;
  for (const auto& [r, v] : real) {
    std::vector<float> p = v;
    bench::Normalise(p.data(), dim);
    if (LoadTestIdentity(p, skip)) continue;
    probes.insert(probes.end(), p.begin(), p.end());
  }
  const size_t n = probes.size() / static_cast<size_t>(dim);
  CANDOR_ASSIGN_OR_RETURN(auto exact, flat->SearchBatch(probes, one));
  std::vector<std::pair<int, int>> settings = {{own.nprobe, own.rerank}};
  for (const std::string& item : SplitCommas(f.settings)) {
    const size_t colon = item.find(':');
    if (colon == std::string::npos)
      return InvalidArgumentError("--settings: want P:R, got " + item);
    settings.push_back({std::stoi(item.substr(0, colon)), std::stoi(item.substr(colon + 1))});
  }
  for (const auto& [np, rr] : settings) {
    ivf->SetSetting(np, rr);
    int agree = 0;
    std::vector<double> ms;
    for (size_t j = 0; j < n; ++j) {
      const double ts = Seconds();
      CANDOR_ASSIGN_OR_RETURN(auto r, ivf->Search(std::span<const float>(probes.data() + j * dim,
                                                                         static_cast<size_t>(dim)),
                                                  one));
      ms.push_back((Seconds() - ts) * 1e3);
      if (!r.empty() && !exact[j].empty() && r[0].id == exact[j][0].id) ++agree;
    }
    std::sort(ms.begin(), ms.end());
    std::cout << nlohmann::json{{"templates", ivf->size()},
                                {"nprobe", np},
                                {"rerank", rr},
                                {"nlist", own.nlist},
                                {"real_probes", n},
                                {"agree_with_exact", agree},
                                {"rate", static_cast<double>(agree) / std::max<size_t>(1, n)},
                                {"p50_ms", ms[ms.size() / 2]},
                                {"p99_ms", ms[ms.size() * 99 / 100]},
                                {"wall_s", Seconds() - t0},
                                {"cpu_s", CpuSeconds() - c0},
                                {"index_own_report", RecallJson(own)}}
                     .dump()
              << std::endl;
  }
  return OkStatus();
}

Status Check(const Flags& f, bool* all_present) {
  const double t0 = Seconds();
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(f));
  const double open_s = Seconds() - t0;
  std::ifstream in(f.acked);
  if (!in) return NotFoundError("cannot read " + f.acked);
  int64_t acked = 0, present = 0;
  std::string id;
  while (std::getline(in, id)) {
    if (id.empty()) continue;
    ++acked;
    if (store->GetSubject(kGallery, id, false).ok()) ++present;
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(kGallery));
  *all_present = present == acked;
  nlohmann::json out{{"acked", acked},         {"present", present}, {"lost", acked - present},
                     {"subjects", g.subjects}, {"open_s", open_s},   {"index", g.index}};
  if (!f.probe.empty()) {
    PipelineOptions po;
    if (!f.models.empty()) po.model_dir = f.models;
    CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(po));
    CANDOR_ASSIGN_OR_RETURN(auto faces, pipeline->ProcessFile(f.probe));
    if (faces.empty()) return InvalidArgumentError("no face in " + f.probe);
    IdentifyParams ip;
    ip.k = 10;
    ip.threshold = 0.0f;
    const double ts = Seconds();
    CANDOR_ASSIGN_OR_RETURN(IdentifyResult r, store->Identify(kGallery, faces[0].tmpl, ip));
    const double search_ms = (Seconds() - ts) * 1e3;
    int rank = 0;
    float mate_score = 0;
    for (size_t i = 0; i < r.candidates.size(); ++i) {
      if (r.candidates[i].subject_id == "lfw-mate") {
        rank = static_cast<int>(i) + 1;
        mate_score = r.candidates[i].score;
        break;
      }
    }
    out["probe"] = {{"mate_rank", rank},
                    {"mate_score", mate_score},
                    {"best_other_score",
                     r.candidates.size() > 1 ? r.candidates[rank == 1 ? 1 : 0].score : 0.0f},
                    {"search_ms", search_ms}};
    if (rank == 0) *all_present = false;
  }
  std::cout << out.dump() << std::endl;
  return OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (argc > 1) f.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--store")
      f.store = next();
    else if (a == "--key-file")
      f.key_file = next();
    else if (a == "--n")
      f.n = std::stoll(next());
    else if (a == "--batch")
      f.batch = std::max(1, std::stoi(next()));
    else if (a == "--mate")
      f.mate = next();
    else if (a == "--out")
      f.out = next();
    else if (a == "--acked")
      f.acked = next();
    else if (a == "--models")
      f.models = next();
    else if (a == "--index")
      f.index = next();
    else if (a == "--lfw")
      f.lfw = next();
    else if (a == "--probe")
      f.probe = next();
    else if (a == "--target")
      f.target = std::stod(next());
    else if (a == "--settings")
      f.settings = next();
    else if (a == "--skip")
      f.skip = next();
    else
      f.cmd = "usage";
  }
  candor::Status s;
  bool ok = true;
  if (f.cmd == "prepare" && !f.store.empty() && !f.mate.empty() && !f.out.empty()) {
    s = Prepare(f);
  } else if (f.cmd == "mates" && !f.store.empty() && !f.lfw.empty()) {
    s = Mates(f);
  } else if (f.cmd == "retune" && !f.store.empty()) {
    s = Retune(f);
  } else if (f.cmd == "check" && !f.store.empty() && !f.acked.empty()) {
    s = Check(f, &ok);
  } else {
    std::fprintf(
        stderr,
        "usage: load_setup prepare --store DIR --key-file KEY --n N --mate IMAGE --out "
        "FILE [--batch B] [--models DIR] [--index SPEC] [--lfw CACHE]\n"
        "       load_setup retune --store DIR --key-file KEY [--target PCT]\n"
        "       load_setup mates --store DIR --key-file KEY --lfw CACHE --n N [--settings P:R,...] "
        "[--skip IMAGE,IMAGE]\n"
        "       load_setup check --store DIR --key-file KEY --acked FILE [--probe IMAGE]\n");
    return 2;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "load_setup: %s\n", s.ToString().c_str());
    return 1;
  }
  return ok ? 0 : 1;
}
