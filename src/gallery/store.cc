// Copyright 2026 The Candor Authors.
//
// The embedded gallery store: SQLite metadata + sealed template segments +
// per-gallery in-memory search indexes. See include/candor/gallery.h for the
// contract and docs/STORE.md for the format.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "candor/finger.h"
#include "candor/gallery.h"
#include "candor/index.h"
#include "common/hash.h"
#include "common/sqlite.h"
#include "gallery/attributes.h"
#include "gallery/crypto.h"
#include "gallery/env.h"
#include "gallery/finger_rows.h"
#include "gallery/image_record.h"
#include "gallery/loader.h"
#include "gallery/lock_file.h"
#include "gallery/persisted_index.h"
#include "gallery/row_mac.h"
#include "gallery/segment.h"
#include "gallery/subject_centroids.h"
#include "gallery/subject_ref.h"
#include "gallery/template_record.h"
#include "search/ivf_pq_index.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using gallery::Key;
using sqlite::Db;
using sqlite::Stmt;

// 1: the first format. 2: adds row_mac to every metadata row and the images
// table (a version-1 store is upgraded by its first writer open).
constexpr int kStoreFormatVersion = 2;
constexpr char kKeyCheckPlain[] = "candor-store-key-check-v1";

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A gallery's settings, kept as its "settings" document (one line
// "subject_score=<rule>"). Every gallery created since the face default became
// "centroid" has one (CreateGallery records its resolved rule); absent = a
// gallery from before, which keeps "max" (kLegacySubjectScore): its stored
// in-gallery calibration was made under max.
constexpr char kSettingsDocument[] = "settings";
constexpr const char* kLegacySubjectScore = kSubjectScoreMax;
std::string SettingsBody(const std::string& rule) { return "subject_score=" + rule + "\n"; }
StatusOr<std::string> ParseSettingsBody(const std::string& body) {
  constexpr std::string_view kKey = "subject_score=";
  if (body.rfind(kKey, 0) != 0) return DataLossError("gallery settings document is malformed");
  std::string rule = body.substr(kKey.size());
  while (!rule.empty() && rule.back() == '\n') rule.pop_back();
  if (!ValidateSubjectScore(rule).ok()) {
    return DataLossError("gallery settings name an unknown subject score rule");
  }
  return rule;
}

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}


std::string JoinBases(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& b : v) s += (s.empty() ? "" : ",") + b;
  return s;
}
std::vector<std::string> SplitBases(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Normalises `v` to unit length; INVALID_ARGUMENT for non-finite or zero vectors.
Status Normalize(std::vector<float>& v) {
  double n2 = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return InvalidArgumentError("template has a non-finite value");
    n2 += static_cast<double>(x) * x;
  }
  if (n2 <= 1e-20) return InvalidArgumentError("template has zero norm");
  const float inv = static_cast<float>(1.0 / std::sqrt(n2));
  for (float& x : v) x *= inv;
  return OkStatus();
}

struct GalleryState {
  int64_t row = 0;
  GalleryInfo info;
  std::unique_ptr<Index> index;
  std::unique_ptr<finger::FingerIndex> fingers;  // finger galleries only
  // "centroid" galleries: their multi-template subjects' centroids.
  std::unique_ptr<gallery::SubjectCentroids> centroids;
  bool is_finger() const { return info.modality == kFingerModality; }
};

// The gallery's metadata plus what its index says about itself.
GalleryInfo WithIndex(const GalleryState& g) {
  GalleryInfo info = g.info;
  if (g.index) {
    info.index = g.index->Describe();
    info.index_recall = g.index->Recall();
  }
  return info;
}

// One enrollment request on its way to disk (StoreImpl::Enroll).
struct PreparedSubject {
  int64_t subject_row = 0;
  bool is_new = false;
  Key key;
  std::vector<std::vector<float>> values;  // normalised (empty for a finger)
  std::vector<std::vector<uint8_t>> fingers;  // finger galleries: CNDF bytes per template
  std::string subject_id;                     // finger galleries: the index's key
  std::vector<int64_t> template_ids;
  std::vector<gallery::RecordLocation> locs;
  std::vector<std::optional<gallery::RecordLocation>> image_locs;
  std::vector<uint8_t> sealed;             // template record payloads, back to back
  std::vector<uint8_t> sealed_images;      // image record payloads, back to back
  std::vector<uint8_t> wrapped;            // the wrapped data key (new subjects)
  std::vector<uint8_t> sealed_attributes;  // new subjects with attributes
};

// Where the segment writers stood before a batch (its rollback point).
struct SegmentMarks {
  gallery::RecordLocation templates;
  gallery::RecordLocation images;
  gallery::RecordLocation fingers;
};

// The insert statements of one enrollment batch, reused across its rows.
struct EnrollStatements {
  Stmt subject, tmpl, image, attributes;
  static StatusOr<EnrollStatements> Prepare(const Db& db) {
    CANDOR_ASSIGN_OR_RETURN(Stmt s,
                            Stmt::Prepare(db,
                                          "INSERT INTO subjects(id, gallery_id, "
                                          "external_id, record_ref, wrapped_key, "
                                          "created_at, row_mac) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    CANDOR_ASSIGN_OR_RETURN(Stmt t, Stmt::Prepare(db,
                                                  "INSERT INTO templates(id, subject_id, "
                                                  "gallery_id, segment, offset, length, "
                                                  "capture_date, quality, image_sha256, model_id, "
                                                  "model_sha256, enrolled_at, row_mac) "
                                                  "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    CANDOR_ASSIGN_OR_RETURN(Stmt i, Stmt::Prepare(db,
                                                  "INSERT INTO images(template_id, subject_id, "
                                                  "segment, offset, length, row_mac) "
                                                  "VALUES(?, ?, ?, ?, ?, ?)"));
    CANDOR_ASSIGN_OR_RETURN(Stmt a, Stmt::Prepare(db,
                                                  "INSERT INTO subject_attributes(subject_id, "
                                                  "sealed, row_mac) VALUES(?, ?, ?)"));
    return EnrollStatements{std::move(s), std::move(t), std::move(i), std::move(a)};
  }
};

class StoreImpl final : public Store {
 public:
  StoreImpl(std::string dir, const StoreOptions& o)
      : dir_(std::move(dir)),
        seg_dir_(dir_ + "/segments"),
        img_dir_(dir_ + "/images"),
        finger_dir_(dir_ + "/fingers"),
        options_(o),
        master_(std::span<const uint8_t, 32>(o.master_key)),
        row_mac_(master_),
        env_(o.env ? static_cast<gallery::Env*>(o.env) : gallery::PosixEnv()) {}

  Status Init();

  Status CreateGallery(const GalleryInfo& info) override;
  StatusOr<std::vector<GalleryInfo>> ListGalleries() const override;
  StatusOr<GalleryInfo> GetGallery(const std::string& name) const override;
  Status Enroll(const std::string& gallery, std::span<const EnrollRequest> requests) override;
  StatusOr<bool> HasImage(const std::string& gallery, const Sha256Bytes& sha) const override;
  StatusOr<SubjectInfo> GetSubject(const std::string& gallery, const std::string& subject_id,
                                   bool with_values) const override;
  StatusOr<std::vector<uint8_t>> GetImage(const std::string& gallery,
                                          const std::string& subject_id,
                                          int64_t template_id) const override;
  Status DeleteSubject(const std::string& gallery, const std::string& subject_id) override;
  StatusOr<std::string> SubjectRef(const std::string& gallery,
                                   const std::string& subject_id) const override;
  StatusOr<std::string> SubjectIdForRef(const std::string& gallery,
                                        const std::string& ref) const override;
  StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                const Template& probe, const VerifyParams& params) const override;
  StatusOr<IdentifyResult> Identify(const std::string& gallery, const Template& probe,
                                    const IdentifyParams& params) const override;
  StatusOr<VerifyResult> VerifyFingers(const std::string& gallery, const std::string& subject_id,
                                       std::span<const finger::FingerTemplate> probe,
                                       const VerifyParams& params) const override;
  StatusOr<IdentifyResult> IdentifyFingers(const std::string& gallery,
                                           std::span<const finger::FingerTemplate> probe,
                                           const IdentifyParams& params) const override;
  StatusOr<std::vector<std::string>> SampleSubjects(const std::string& gallery, size_t n,
                                                    const std::string& seed) const override;
  Status PutGalleryDocument(const std::string& gallery, const std::string& kind,
                            const std::string& body) override;
  StatusOr<StoredDocument> GetGalleryDocument(const std::string& gallery,
                                              const std::string& kind) const override;
  Status SetSubjectScore(const std::string& gallery, const std::string& rule) override;
  Status RetuneGallery(const std::string& gallery, bool wait) override;
  const OpenStats& open_stats() const override { return stats_; }

 private:
  Status Pragmas();
  Status CreateSchema();
  Status CheckKey();
  Status LoadGalleries();
  Status LoadTemplates(std::map<uint32_t, uint64_t>& seg_ends);
  Status LoadFingers(std::map<uint32_t, uint64_t>& finger_ends);
  StatusOr<const GalleryState*> FindFingerGallery(const std::string& name) const;
  Status ListFingers(const GalleryState& g, int64_t srow, const Key* key,
                     std::vector<StoredTemplate>& out) const;
  Status Upgrade();
  Status ExtraTables();
  StatusOr<SubjectAttributes> ReadAttributes(const Key& key, int64_t subject_row,
                                             int64_t gallery_row) const;
  gallery::RowMacBytes GalleryMac(int64_t row, const GalleryInfo& info) const;
  Status CheckTemplateRow(const Stmt& q, int col) const;
  Status CheckSubjectRow(const Stmt& q, int col) const;
  Status OpenWriter(const std::map<uint32_t, uint64_t>& seg_ends,
                    const std::map<uint32_t, uint64_t>& finger_ends);
  StatusOr<std::unique_ptr<gallery::SegmentWriter>> OpenSegmentWriter(
      const std::string& dir, const std::map<uint32_t, uint64_t>& ends, uint64_t* truncated);
  Status ImageSegmentEnds(std::map<uint32_t, uint64_t>& ends);
  Status Checkpoint();
  Status RequireWritable() const {
    if (options_.read_only) return FailedPreconditionError("store " + dir_ + " is open read-only");
    return OkStatus();
  }
  StatusOr<const GalleryState*> FindGallery(const std::string& name) const;
  Status CheckProbe(const GalleryState& g, const Template& probe) const;
  // The steps of Enroll, in order.
  Status PrepareEnroll(const GalleryState& g, std::span<const EnrollRequest> requests,
                       GalleryInfo& binding, std::vector<PreparedSubject>& prepared) const;
  StatusOr<std::vector<float>> PrepareTemplate(const std::string& which, const TemplateInput& t,
                                               GalleryInfo& binding) const;
  void SealEnrollBatch(std::span<const EnrollRequest> requests, int64_t gallery_row, int dim,
                       std::vector<PreparedSubject>& prepared) const;
  Status AppendEnrollBatch(std::span<const EnrollRequest> requests, int dim,
                           std::vector<PreparedSubject>& prepared);
  Status RollBackSegments(const SegmentMarks& marks, const Status& cause);
  Status InsertEnrollRows(const GalleryState& g, const GalleryInfo& binding,
                          std::span<const EnrollRequest> requests,
                          const std::vector<PreparedSubject>& prepared, const std::string& now);
  Status InsertSubjectRows(EnrollStatements& st, int64_t gallery_row, const EnrollRequest& r,
                           const PreparedSubject& p, const std::string& now);
  Status InsertTemplateRows(EnrollStatements& st, int64_t gallery_row, const EnrollRequest& r,
                            const PreparedSubject& p, const std::string& now);
  Status PublishEnrolled(GalleryState& g, const GalleryInfo& binding,
                         const std::vector<PreparedSubject>& prepared);
  Status InsertFingerRow(int64_t template_id, int64_t subject_row, int64_t gallery_row,
                         const gallery::RecordLocation& loc, const TemplateInput& t,
                         const std::string& now);
  Status PublishFingers(GalleryState& g, std::vector<PreparedSubject>& prepared);
  // A fresh index for a gallery (on disk for a compressed spec).
  StatusOr<std::unique_ptr<Index>> NewIndex(int64_t gallery_row, int dim) const {
    return gallery::NewGalleryIndex(dir_, master_, gallery_row, options_.index_spec, dim);
  }
  StatusOr<std::vector<int64_t>> GalleryTemplateIds(int64_t gallery_row) const;
  // Gallery settings (the "settings" document) and the centroids they call for.
  Status PutDocumentRow(int64_t gallery_row, const std::string& kind, const std::string& body);
  Status LoadSettings();
  Status LoadCentroids(GalleryState& g);
  Status RefreshCentroid(GalleryState& g, int64_t subject_row);
  Status RefreshCentroids(GalleryState& g, const std::vector<PreparedSubject>& prepared);
  StatusOr<IdentifyResult> MergeCentroidHits(const GalleryState& g, std::span<const float> probe,
                                             const IdentifyParams& params,
                                             IdentifyResult out) const;
  StatusOr<std::vector<float>> ReadTemplate(const Key& key, int64_t tid, int64_t subject_row,
                                            uint32_t seg, uint64_t off, uint32_t len,
                                            int dim) const;

  const std::string dir_;
  const std::string seg_dir_;
  const std::string img_dir_;
  const std::string finger_dir_;
  const StoreOptions options_;
  const Key master_;
  const gallery::RowMac row_mac_;
  gallery::Env* env_;
  int64_t format_version_ = 0;
  bool has_extra_tables_ = false;  // gallery_calibrations, subject_attributes
  bool has_finger_table_ = false;  // finger_templates

  std::unique_ptr<gallery::LockFile> lock_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<gallery::SegmentWriter> writer_;        // template records
  std::unique_ptr<gallery::SegmentWriter> image_writer_;  // sealed source images
  std::unique_ptr<gallery::SegmentWriter> finger_writer_;  // sealed finger templates
  OpenStats stats_;

  std::mutex write_mu_;                 // serialises Enroll / Delete / CreateGallery
  mutable std::shared_mutex state_mu_;  // exclusive while metadata + indexes change
  std::map<std::string, GalleryState> galleries_;
  int64_t next_subject_row_ = 1;
  int64_t next_template_id_ = 1;
};

Status StoreImpl::Pragmas() {
  // secure_delete: deleted rows and freed pages are overwritten with zeros.
  // synchronous=FULL: a commit is durable when it returns (WAL fsync).
  CANDOR_RETURN_IF_ERROR(db_->Exec("PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;"
                                   " PRAGMA cell_size_check=ON;"));
  if (!options_.read_only) {
    // cache_size: 64 MiB of page cache for the writer, so bulk enrollment's
    // index inserts do not re-read the same b-tree pages for every row.
    CANDOR_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                     " PRAGMA journal_size_limit=0; PRAGMA cache_size=-65536;"));
  }
  return OkStatus();
}

// Columns whose MAC row_mac.h defines, in its order, then row_mac.
constexpr std::string_view kTemplateCols =
    "t.id, t.subject_id, t.gallery_id, t.segment, t.offset, t.length, t.capture_date, "
    "t.quality, t.image_sha256, t.model_id, t.model_sha256, t.enrolled_at, t.row_mac";
constexpr int kTemplateColCount = 13;
constexpr std::string_view kSubjectCols =
    "s.id, s.gallery_id, s.external_id, s.record_ref, s.wrapped_key, s.created_at, s.row_mac";

std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

// Sealed source images (TemplateInput::image): where each one's record is.
constexpr char kImagesSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS images(
  template_id INTEGER PRIMARY KEY, subject_id INTEGER NOT NULL, segment INTEGER NOT NULL,
  offset INTEGER NOT NULL, length INTEGER NOT NULL, row_mac BLOB);
CREATE INDEX IF NOT EXISTS images_by_subject ON images(subject_id);)sql";

// Added after format 2 without a version change: created by any writer open,
// absent (and treated as empty) in a store only older builds have written.
constexpr char kExtraSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS gallery_calibrations(
  gallery_id INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, stored_at TEXT NOT NULL,
  row_mac BLOB, PRIMARY KEY(gallery_id, kind));
CREATE TABLE IF NOT EXISTS subject_attributes(
  subject_id INTEGER PRIMARY KEY, sealed BLOB NOT NULL, row_mac BLOB);)sql";

Status StoreImpl::ExtraTables() {
  if (!options_.read_only) CANDOR_RETURN_IF_ERROR(db_->Exec(kExtraSchema));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                  "name IN ('gallery_calibrations', 'subject_attributes')"));
  CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
  has_extra_tables_ = row && q.Int(0) == 2;
  if (!options_.read_only) CANDOR_RETURN_IF_ERROR(db_->Exec(gallery::kFingerSchema));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt f, Stmt::Prepare(*db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'finger_templates'"));
  CANDOR_ASSIGN_OR_RETURN(bool frow, f.Step());
  has_finger_table_ = frow && f.Int(0) == 1;
  return OkStatus();
}

Status StoreImpl::CreateSchema() {
  CANDOR_RETURN_IF_ERROR(db_->Exec(R"sql(
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS galleries(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
  legal_basis TEXT NOT NULL, retention_class TEXT NOT NULL, search_bases TEXT NOT NULL,
  model_id TEXT NOT NULL DEFAULT '', model_sha256 BLOB, dim INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, row_mac BLOB);
CREATE TABLE IF NOT EXISTS subjects(
  id INTEGER PRIMARY KEY, gallery_id INTEGER NOT NULL REFERENCES galleries(id),
  external_id TEXT NOT NULL, record_ref TEXT NOT NULL DEFAULT '', wrapped_key BLOB NOT NULL,
  created_at TEXT NOT NULL, row_mac BLOB, UNIQUE(gallery_id, external_id));
CREATE TABLE IF NOT EXISTS templates(
  id INTEGER PRIMARY KEY, subject_id INTEGER NOT NULL REFERENCES subjects(id),
  gallery_id INTEGER NOT NULL, segment INTEGER NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, capture_date TEXT NOT NULL, quality REAL NOT NULL,
  image_sha256 BLOB NOT NULL, model_id TEXT NOT NULL, model_sha256 BLOB NOT NULL,
  enrolled_at TEXT NOT NULL, row_mac BLOB);
CREATE INDEX IF NOT EXISTS templates_by_subject ON templates(subject_id);
CREATE INDEX IF NOT EXISTS templates_by_image ON templates(gallery_id, image_sha256);
COMMIT;)sql"));
  CANDOR_RETURN_IF_ERROR(db_->Exec(kImagesSchema));
  CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, "SELECT count(*) FROM meta"));
  CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (row && q.Int(0) > 0) return OkStatus();
  std::vector<uint8_t> check;
  gallery::Seal(master_, AsBytes(kKeyCheckPlain), AsBytes("meta"), check);
  CANDOR_ASSIGN_OR_RETURN(
      Stmt ins, Stmt::Prepare(*db_, "INSERT INTO meta(key, value) VALUES(?, ?), (?, ?), (?, ?)"));
  ins.Bind(1, std::string_view("format_version")).Bind(2, int64_t{kStoreFormatVersion});
  ins.Bind(3, std::string_view("key_check")).BindBlob(4, check);
  ins.Bind(5, std::string_view("created_at")).Bind(6, NowUtc());
  return ins.Run();
}

Status StoreImpl::CheckKey() {
  CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, "SELECT key, value FROM meta"));
  std::optional<int64_t> version;
  std::vector<uint8_t> check;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    std::string k = q.Text(0);
    if (k == "format_version") version = q.Int(1);
    if (k == "key_check") check.assign(q.Blob(1).begin(), q.Blob(1).end());
  }
  if (!version || check.empty()) {
    return DataLossError("store " + dir_ + " metadata lacks its format version or key check");
  }
  format_version_ = *version;
  if (*version != kStoreFormatVersion && *version != 1) {
    return FailedPreconditionError("store " + dir_ + " has format version " +
                                   std::to_string(*version) + ", this build reads version " +
                                   std::to_string(kStoreFormatVersion));
  }
  std::vector<uint8_t> plain(sizeof(kKeyCheckPlain) - 1);
  if (check.size() != plain.size() + gallery::kSealOverhead ||
      !gallery::Open(master_, check, AsBytes("meta"), plain).ok() ||
      std::memcmp(plain.data(), kKeyCheckPlain, plain.size()) != 0) {
    return UnauthenticatedError("wrong key for store " + dir_ +
                                ": the key does not open this store's key check");
  }
  return OkStatus();
}

Status StoreImpl::LoadGalleries() {
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_,
                            "SELECT id, name, description, legal_basis, retention_class, "
                            "search_bases, model_id, model_sha256, dim, created_at, "
                            "(SELECT count(*) FROM subjects s WHERE s.gallery_id = g.id), "
                            "row_mac FROM galleries g"));
  gallery::RowEncoder enc;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    GalleryState g;
    g.row = q.Int(0);
    g.info.name = q.Text(1);
    g.info.description = q.Text(2);
    g.info.legal_basis = q.Text(3);
    g.info.retention_class = q.Text(4);
    g.info.allowed_search_bases = SplitBases(q.Text(5));
    g.info.model_id = q.Text(6);
    auto sha = q.Blob(7);
    if (sha.size() == 32) std::copy(sha.begin(), sha.end(), g.info.model_sha256.begin());
    g.info.dim = static_cast<int>(q.Int(8));
    g.info.created_at = q.Text(9);
    g.info.subjects = q.Int(10);
    g.info.subject_score = kLegacySubjectScore;  // LoadSettings reads the recorded rule
    if (g.info.model_id == kFingerModelId) {
      g.info.modality = kFingerModality;
      g.fingers = std::make_unique<finger::FingerIndex>();
    }
    const gallery::GalleryRow raw{g.row,         q.TextView(1), q.TextView(2), q.TextView(3),
                                  q.TextView(4), q.TextView(5), q.TextView(6), q.Blob(7),
                                  q.Int(8),      q.TextView(9)};
    CANDOR_RETURN_IF_ERROR(row_mac_.Check(enc.Encode(raw), q.Blob(11), "galleries", g.row,
                                          "gallery '" + g.info.name + "'"));
    std::string name = g.info.name;
    galleries_.emplace(name, std::move(g));
  }
  return OkStatus();
}

StatusOr<std::vector<int64_t>> StoreImpl::GalleryTemplateIds(int64_t gallery_row) const {
  CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, "SELECT id FROM templates WHERE gallery_id = ?"));
  q.Bind(1, gallery_row);
  std::vector<int64_t> ids;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ids.push_back(q.Int(0));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status StoreImpl::LoadTemplates(std::map<uint32_t, uint64_t>& seg_ends) {
  const auto t0 = std::chrono::steady_clock::now();
  gallery::LoadRequest req;
  req.db = db_.get();
  req.seg_dir = seg_dir_;
  req.master = &master_;
  req.row_mac = &row_mac_;
  std::vector<gallery::LoadGallery> targets(galleries_.size());
  // Each gallery's index: its files reopened and reconciled with the metadata
  // (only what they lack is decrypted below), or a new one filled from the
  // segments (persisted_index.h).
  std::vector<gallery::GalleryIndex> opened(galleries_.size());
  // A spec one gallery cannot take is refused before any gallery's files change.
  for (const auto& [name, g] : galleries_) {
    if (g.info.dim <= 0) continue;
    CANDOR_RETURN_IF_ERROR(gallery::CheckIndexSpec(options_.index_spec, g.info.dim)
                               .WithContext("the index of gallery '" + name + "'"));
  }
  size_t i = 0;
  int64_t min_id = std::numeric_limits<int64_t>::max();
  for (auto& [name, g] : galleries_) {
    targets[i].name = name;
    targets[i].dim = g.info.dim;
    if (g.info.dim > 0) {
      CANDOR_ASSIGN_OR_RETURN(std::vector<int64_t> ids, GalleryTemplateIds(g.row));
      auto gi = gallery::OpenGalleryIndex(dir_, master_, g.row, options_.index_spec, g.info.dim,
                                          options_.read_only, ids);
      if (!gi.ok()) return gi.status().WithContext("opening the index of gallery '" + name + "'");
      opened[i] = std::move(*gi);
      g.index = std::move(opened[i].index);
      if (opened[i].load) {
        targets[i].only = &*opened[i].load;
        if (!opened[i].load->empty()) min_id = std::min(min_id, opened[i].load->front());
        g.info.templates = static_cast<int64_t>(ids.size());
      } else {
        min_id = 0;
      }
      stats_.templates_from_index += opened[i].reused;
      stats_.index_entries_removed += opened[i].removed;
      if (!opened[i].rebuilt_because.empty()) {
        stats_.index_rebuilt += "gallery '" + name + "': " + opened[i].rebuilt_because + "; ";
      }
    }
    targets[i].index = g.index.get();
    req.galleries[g.row] = &targets[i];
    ++i;
  }
  req.min_template_id = min_id;
  req.threads = options_.open_threads > 0
                    ? options_.open_threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  gallery::LoadResult res;
  CANDOR_RETURN_IF_ERROR(gallery::LoadAllTemplates(req, res));
  i = 0;
  for (auto& [name, g] : galleries_) {
    if (targets[i].only == nullptr) g.info.templates += targets[i].templates;
    ++i;
  }
  seg_ends = std::move(res.seg_ends);
  // Templates served by a reopened index were not read: the active segment's
  // committed end is that of the newest template (append order).
  {
    CANDOR_ASSIGN_OR_RETURN(Stmt last, Stmt::Prepare(*db_, "SELECT segment, offset, length FROM "
                                                           "templates ORDER BY id DESC LIMIT 1"));
    CANDOR_ASSIGN_OR_RETURN(bool row, last.Step());
    if (row) {
      uint64_t& end = seg_ends[static_cast<uint32_t>(last.Int(0))];
      end = std::max(end, static_cast<uint64_t>(last.Int(1)) + gallery::kRecordHeaderBytes +
                              static_cast<uint64_t>(last.Int(2)));
    }
  }
  next_template_id_ = std::max(next_template_id_, res.max_template_id + 1);
  stats_.templates_loaded = res.templates;
  stats_.load_threads = req.threads;
  stats_.row_read_cpu = res.cpu.row_read;
  stats_.row_mac_cpu = res.cpu.row_mac;
  stats_.unwrap_cpu = res.cpu.unwrap;
  stats_.crc_cpu = res.cpu.crc;
  stats_.decrypt_cpu = res.cpu.decrypt;
  stats_.index_add_cpu = res.cpu.index_add;
  stats_.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  CANDOR_ASSIGN_OR_RETURN(Stmt ids, Stmt::Prepare(*db_,
                                                  "SELECT (SELECT coalesce(max(id), 0) FROM "
                                                  "subjects), (SELECT count(*) FROM subjects), "
                                                  "(SELECT coalesce(max(id), 0) FROM templates)"));
  CANDOR_ASSIGN_OR_RETURN(bool row, ids.Step());
  if (row) {
    next_subject_row_ = ids.Int(0) + 1;
    stats_.subjects_loaded = ids.Int(1);
    next_template_id_ = std::max(next_template_id_, ids.Int(2) + 1);
  }
  return OkStatus();
}

// Every finger template of every finger gallery: row MACs (template and
// subject), the subject key, the record's CRC, AEAD and parse, into the
// gallery's FingerIndex. Sequential: fingerprint galleries are loaded after
// the face templates' parallel scan.
Status StoreImpl::LoadFingers(std::map<uint32_t, uint64_t>& finger_ends) {
  if (!has_finger_table_) return OkStatus();
  std::unordered_map<int64_t, GalleryState*> by_row;
  for (auto& [name, g] : galleries_) by_row[g.row] = &g;
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", gallery::kFingerCols, ", ", kSubjectCols,
                                       " FROM finger_templates f LEFT JOIN subjects s ON s.id = "
                                       "f.subject_id ORDER BY f.id"})));
  const int sc = gallery::kFingerColCount;
  int64_t key_row = -1;
  Key key;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    CANDOR_RETURN_IF_ERROR(gallery::CheckFingerRow(row_mac_, q, 0));
    const gallery::FingerTemplateRow f = gallery::FingerRowAt(q, 0);
    const std::string which = "metadata: finger template " + std::to_string(f.id) +
                              " (store.db table finger_templates)";
    if (q.IsNull(sc)) return DataLossError(which + " refers to a subject that does not exist");
    CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, sc));
    auto git = by_row.find(f.gallery_id);
    if (git == by_row.end() || !git->second->is_finger() || q.Int(sc + 1) != f.gallery_id) {
      return DataLossError(which + " belongs to an unknown or non-finger gallery");
    }
    GalleryState& g = *git->second;
    const std::string external_id = q.Text(sc + 2);
    if (f.subject_id != key_row) {
      CANDOR_ASSIGN_OR_RETURN(key, gallery::UnwrapSubjectKey(master_, q.Blob(sc + 4),
                                                             {f.subject_id, g.row, external_id}));
      key_row = f.subject_id;
    }
    CANDOR_ASSIGN_OR_RETURN(
        finger::FingerTemplate t,
        gallery::ReadFingerRecord(env_, finger_dir_, key, f.id, f.subject_id, g.row,
                                  static_cast<uint32_t>(f.segment),
                                  static_cast<uint64_t>(f.offset),
                                  static_cast<uint32_t>(f.length)));
    if (t.finger_position != f.finger_position) {
      return DataLossError(which + ": the record's finger position disagrees with its row");
    }
    CANDOR_RETURN_IF_ERROR(g.fingers->Add(external_id, t).WithContext("loading " + which));
    ++g.info.templates;
    ++stats_.templates_loaded;
    uint64_t& end = finger_ends[static_cast<uint32_t>(f.segment)];
    end = std::max(end, static_cast<uint64_t>(f.offset) + gallery::kRecordHeaderBytes +
                            static_cast<uint64_t>(f.length));
    next_template_id_ = std::max(next_template_id_, f.id + 1);
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<gallery::SegmentWriter>> StoreImpl::OpenSegmentWriter(
    const std::string& dir, const std::map<uint32_t, uint64_t>& ends, uint64_t* truncated) {
  uint32_t active = 1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() == 12 && name.ends_with(".seg")) {
      uint32_t n = static_cast<uint32_t>(std::strtoul(name.c_str(), nullptr, 10));
      active = std::max(active, n);
    }
  }
  if (ec) return UnavailableError("cannot list " + dir + ": " + ec.message());
  if (!ends.empty()) active = std::max(active, ends.rbegin()->first);
  auto it = ends.find(active);
  const uint64_t end = it == ends.end() ? 0 : it->second;
  return gallery::SegmentWriter::Open(env_, dir, active, end, options_.max_segment_bytes,
                                      truncated);
}

// The committed end of the newest image segment: images are appended in
// template-id order, so the last image row ends furthest (a deleted subject's
// later records are cut, which only removes shredded ciphertext).
Status StoreImpl::ImageSegmentEnds(std::map<uint32_t, uint64_t>& ends) {
  CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_,
                                                "SELECT segment, offset, length FROM images "
                                                "ORDER BY template_id DESC LIMIT 1"));
  CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (row) {
    ends[static_cast<uint32_t>(q.Int(0))] =
        static_cast<uint64_t>(q.Int(1)) + gallery::kRecordHeaderBytes +
        static_cast<uint64_t>(q.Int(2));
  }
  return OkStatus();
}

Status StoreImpl::OpenWriter(const std::map<uint32_t, uint64_t>& seg_ends,
                             const std::map<uint32_t, uint64_t>& finger_ends) {
  uint64_t truncated = 0, image_truncated = 0;
  CANDOR_ASSIGN_OR_RETURN(writer_, OpenSegmentWriter(seg_dir_, seg_ends, &truncated));
  std::error_code ec;
  fs::create_directories(img_dir_, ec);
  if (ec) return UnavailableError("cannot create " + img_dir_ + ": " + ec.message());
  std::map<uint32_t, uint64_t> image_ends;
  CANDOR_RETURN_IF_ERROR(ImageSegmentEnds(image_ends));
  CANDOR_ASSIGN_OR_RETURN(image_writer_,
                          OpenSegmentWriter(img_dir_, image_ends, &image_truncated));
  fs::create_directories(finger_dir_, ec);
  if (ec) return UnavailableError("cannot create " + finger_dir_ + ": " + ec.message());
  uint64_t finger_truncated = 0;
  CANDOR_ASSIGN_OR_RETURN(finger_writer_,
                          OpenSegmentWriter(finger_dir_, finger_ends, &finger_truncated));
  stats_.tail_bytes_truncated = truncated + image_truncated + finger_truncated;
  return OkStatus();
}

Status StoreImpl::Checkpoint() {
  int log = 0, ckpt = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
  if (rc != SQLITE_OK) return db_->Error(rc, "WAL checkpoint failed");
  return OkStatus();
}

gallery::RowMacBytes StoreImpl::GalleryMac(int64_t row, const GalleryInfo& i) const {
  gallery::RowEncoder enc;
  const std::string bases = JoinBases(i.allowed_search_bases);
  return row_mac_.Compute(enc.Encode(gallery::GalleryRow{
      row, i.name, i.description, i.legal_basis, i.retention_class, bases, i.model_id,
      i.model_sha256, i.dim, i.created_at}));
}

Status StoreImpl::CheckTemplateRow(const Stmt& q, int c) const {
  const gallery::TemplateRow r{q.Int(c),         q.Int(c + 1),      q.Int(c + 2),
                               q.Int(c + 3),     q.Int(c + 4),      q.Int(c + 5),
                               q.TextView(c + 6), q.Double(c + 7),  q.Blob(c + 8),
                               q.TextView(c + 9), q.Blob(c + 10),   q.TextView(c + 11)};
  gallery::RowEncoder enc;
  const auto encoded = enc.Encode(r);
  if (row_mac_.Matches(encoded, q.Blob(c + 12))) return OkStatus();
  return row_mac_.Check(encoded, q.Blob(c + 12), "templates", r.id,
                        "template " + std::to_string(r.id));
}

Status StoreImpl::CheckSubjectRow(const Stmt& q, int c) const {
  const gallery::SubjectRow r{q.Int(c),          q.Int(c + 1), q.TextView(c + 2),
                              q.TextView(c + 3), q.Blob(c + 4), q.TextView(c + 5)};
  gallery::RowEncoder enc;
  const auto encoded = enc.Encode(r);
  if (row_mac_.Matches(encoded, q.Blob(c + 6))) return OkStatus();
  return row_mac_.Check(encoded, q.Blob(c + 6), "subjects", r.id,
                        "subject row " + std::to_string(r.id));
}

// Format 1 -> 2: adds row_mac (computed over the rows as they are: the upgrade
// trusts a version-1 store's metadata) and the images table, atomically.
Status StoreImpl::Upgrade() {
  CANDOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    CANDOR_RETURN_IF_ERROR(db_->Exec("ALTER TABLE galleries ADD COLUMN row_mac BLOB;"
                                     "ALTER TABLE subjects ADD COLUMN row_mac BLOB;"
                                     "ALTER TABLE templates ADD COLUMN row_mac BLOB;"));
    CANDOR_RETURN_IF_ERROR(db_->Exec(kImagesSchema));
    gallery::RowEncoder enc;
    // Each table: compute every MAC first, then write them.
    std::vector<std::pair<int64_t, gallery::RowMacBytes>> macs;
    {
      CANDOR_ASSIGN_OR_RETURN(
          Stmt q, Stmt::Prepare(*db_,
                                "SELECT id, name, description, legal_basis, retention_class, "
                                "search_bases, model_id, model_sha256, dim, created_at FROM "
                                "galleries"));
      while (true) {
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        const gallery::GalleryRow r{q.Int(0),      q.TextView(1), q.TextView(2), q.TextView(3),
                                    q.TextView(4), q.TextView(5), q.TextView(6), q.Blob(7),
                                    q.Int(8),      q.TextView(9)};
        macs.emplace_back(r.id, row_mac_.Compute(enc.Encode(r)));
      }
    }
    auto write = [&](const char* sql) -> Status {
      CANDOR_ASSIGN_OR_RETURN(Stmt up, Stmt::Prepare(*db_, sql));
      for (const auto& [id, mac] : macs) {
        up.Reset();
        up.BindBlob(1, mac).Bind(2, id);
        CANDOR_RETURN_IF_ERROR(up.Run());
      }
      macs.clear();
      return OkStatus();
    };
    CANDOR_RETURN_IF_ERROR(write("UPDATE galleries SET row_mac = ? WHERE id = ?"));
    {
      CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kSubjectCols,
                                                               " FROM subjects s"})));
      while (true) {
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        const gallery::SubjectRow r{q.Int(0),      q.Int(1),     q.TextView(2),
                                    q.TextView(3), q.Blob(4),    q.TextView(5)};
        macs.emplace_back(r.id, row_mac_.Compute(enc.Encode(r)));
      }
    }
    CANDOR_RETURN_IF_ERROR(write("UPDATE subjects SET row_mac = ? WHERE id = ?"));
    {
      CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kTemplateCols,
                                                               " FROM templates t"})));
      while (true) {
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        const gallery::TemplateRow r{q.Int(0),      q.Int(1),      q.Int(2),  q.Int(3),
                                     q.Int(4),      q.Int(5),      q.TextView(6),
                                     q.Double(7),   q.Blob(8),     q.TextView(9),
                                     q.Blob(10),    q.TextView(11)};
        macs.emplace_back(r.id, row_mac_.Compute(enc.Encode(r)));
      }
    }
    CANDOR_RETURN_IF_ERROR(write("UPDATE templates SET row_mac = ? WHERE id = ?"));
    CANDOR_ASSIGN_OR_RETURN(Stmt v, Stmt::Prepare(*db_, "UPDATE meta SET value = ? WHERE key = "
                                                        "'format_version'"));
    v.Bind(1, int64_t{kStoreFormatVersion});
    CANDOR_RETURN_IF_ERROR(v.Run());
    return db_->Exec("COMMIT");
  };
  Status s = body();
  if (!s.ok()) {
    db_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  format_version_ = kStoreFormatVersion;
  return OkStatus();
}

Status StoreImpl::Init() {
  const auto t0 = std::chrono::steady_clock::now();
  CANDOR_RETURN_IF_ERROR(gallery::InitCrypto());
  // Before anything on disk is made or touched (each gallery's dimension is
  // checked before any index is opened: LoadTemplates).
  CANDOR_RETURN_IF_ERROR(gallery::CheckIndexSpec(options_.index_spec, 0));
  std::error_code ec;
  const bool exists = fs::exists(dir_ + "/store.db", ec);
  if (!exists) {
    if (!options_.create_if_missing || options_.read_only) {
      return NotFoundError("no Candor store in " + dir_ +
                           " (create one with `candor gallery create`)");
    }
    fs::create_directories(seg_dir_, ec);
    if (ec) return UnavailableError("cannot create store directory " + dir_ + ": " + ec.message());
    ::chmod(dir_.c_str(), 0700);
  }
  if (!options_.read_only) {
    fs::create_directories(seg_dir_, ec);
    CANDOR_ASSIGN_OR_RETURN(lock_, gallery::LockFile::Acquire(dir_));
  }
  CANDOR_ASSIGN_OR_RETURN(db_, Db::Open(dir_ + "/store.db", {.read_only = options_.read_only,
                                                             .create = !exists,
                                                             .label = "metadata database"}));
  CANDOR_RETURN_IF_ERROR(Pragmas());
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  if (options_.check_metadata) {
    const auto tq = std::chrono::steady_clock::now();
    CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, "PRAGMA quick_check"));
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && q.Text(0) != "ok") {
      return DataLossError("metadata database " + db_->path() + " is corrupt: " + q.Text(0));
    }
    stats_.quick_check_seconds = since(tq);
  }
  if (!exists) CANDOR_RETURN_IF_ERROR(CreateSchema());
  CANDOR_RETURN_IF_ERROR(CheckKey());
  if (format_version_ == 1) {
    if (options_.read_only) {
      return FailedPreconditionError("store " + dir_ +
                                     " has format version 1; open it once for writing (e.g. "
                                     "`candor delete` or `candor enroll`) to upgrade it to " +
                                     std::to_string(kStoreFormatVersion));
    }
    CANDOR_RETURN_IF_ERROR(Upgrade().WithContext("upgrading store " + dir_));
  }
  CANDOR_RETURN_IF_ERROR(ExtraTables());
  // Finishes any crypto-shredding a crash interrupted: old WAL frames go.
  const auto tc = std::chrono::steady_clock::now();
  if (!options_.read_only) CANDOR_RETURN_IF_ERROR(Checkpoint());
  stats_.checkpoint_seconds = since(tc);
  CANDOR_RETURN_IF_ERROR(LoadGalleries());
  std::map<uint32_t, uint64_t> seg_ends;
  CANDOR_RETURN_IF_ERROR(LoadTemplates(seg_ends));
  std::map<uint32_t, uint64_t> finger_ends;
  CANDOR_RETURN_IF_ERROR(LoadFingers(finger_ends));
  CANDOR_RETURN_IF_ERROR(LoadSettings());
  if (!options_.read_only) CANDOR_RETURN_IF_ERROR(OpenWriter(seg_ends, finger_ends));
  stats_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return OkStatus();
}

StatusOr<const GalleryState*> StoreImpl::FindGallery(const std::string& name) const {
  auto it = galleries_.find(name);
  if (it == galleries_.end()) return NotFoundError("no gallery named '" + name + "'");
  return &it->second;
}

Status StoreImpl::CreateGallery(const GalleryInfo& info) {
  CANDOR_RETURN_IF_ERROR(RequireWritable());
  CANDOR_RETURN_IF_ERROR(ValidateGalleryInfo(info));
  std::lock_guard<std::mutex> w(write_mu_);
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  if (galleries_.count(info.name)) {
    return AlreadyExistsError("gallery '" + info.name + "' already exists");
  }
  GalleryState g;
  g.info = WithDefaultSubjectScore(info);  // resolved once, recorded below
  g.info.subjects = g.info.templates = 0;
  g.info.created_at = NowUtc();
  if (g.is_finger()) {
    // Bound at creation: the model id records the modality (docs/STORE.md).
    g.info.model_id = kFingerModelId;
    g.info.model_sha256 = FingerModelSha256();
    g.info.dim = 0;
    g.fingers = std::make_unique<finger::FingerIndex>();
  }
  CANDOR_ASSIGN_OR_RETURN(
      Stmt ins, Stmt::Prepare(*db_,
                              "INSERT INTO galleries(name, description, legal_basis, "
                              "retention_class, search_bases, model_id, model_sha256, dim, "
                              "created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  CANDOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  ins.Bind(1, info.name).Bind(2, info.description).Bind(3, info.legal_basis);
  ins.Bind(4, info.retention_class).Bind(5, JoinBases(info.allowed_search_bases));
  ins.Bind(6, g.info.model_id).BindBlob(7, g.info.model_sha256).Bind(8, int64_t{g.info.dim});
  ins.Bind(9, g.info.created_at);
  Status s = ins.Run();
  g.row = db_->LastInsertRowid();
  if (s.ok()) {
    auto up = Stmt::Prepare(*db_, "UPDATE galleries SET row_mac = ? WHERE id = ?");
    s = up.status();
    if (s.ok()) {
      up->BindBlob(1, GalleryMac(g.row, g.info)).Bind(2, g.row);
      s = up->Run();
    }
  }
  // The rule is recorded whatever it is, in the same transaction as the
  // gallery: a gallery without a settings document reads as "max".
  if (s.ok()) s = PutDocumentRow(g.row, kSettingsDocument, SettingsBody(g.info.subject_score));
  if (s.ok() && g.info.subject_score == kSubjectScoreCentroid) {
    g.centroids = std::make_unique<gallery::SubjectCentroids>();
  }
  if (s.ok() && g.info.dim > 0) {
    auto idx = NewIndex(g.row, g.info.dim);
    s = idx.status();
    if (s.ok()) g.index = std::move(*idx);
  }
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    db_->Exec("ROLLBACK").IgnoreError();
    return s;
  }
  galleries_.emplace(info.name, std::move(g));
  return OkStatus();
}

StatusOr<std::vector<GalleryInfo>> StoreImpl::ListGalleries() const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  std::vector<GalleryInfo> out;
  for (const auto& [name, g] : galleries_) out.push_back(WithIndex(g));
  return out;
}

StatusOr<GalleryInfo> StoreImpl::GetGallery(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(name));
  return WithIndex(*g);
}

Status StoreImpl::CheckProbe(const GalleryState& g, const Template& t) const {
  if (t.format_version != kTemplateFormatVersion) {
    return FailedPreconditionError("template format version " + std::to_string(t.format_version) +
                                   " is not the version this store holds (" +
                                   std::to_string(kTemplateFormatVersion) + ")");
  }
  if (g.info.model_id.empty()) return OkStatus();
  if (t.model_id != g.info.model_id || t.model_sha256 != g.info.model_sha256 ||
      static_cast<int>(t.values.size()) != g.info.dim) {
    return FailedPreconditionError(
        "template from model '" + t.model_id + "' (dim " + std::to_string(t.values.size()) +
        ") cannot be compared with gallery '" + g.info.name + "', which holds templates of model '" +
        g.info.model_id + "' (dim " + std::to_string(g.info.dim) +
        (t.model_id == g.info.model_id ? ", different model hash)" : ")"));
  }
  return OkStatus();
}

// Enroll in steps: validate the whole batch (nothing written yet), seal every
// record, append them to the segments with one fsync, commit the metadata in
// one transaction (the commit point), then publish to the index. A failure
// before the commit rolls the segments back to their marks.
Status StoreImpl::Enroll(const std::string& gallery_name, std::span<const EnrollRequest> requests) {
  CANDOR_RETURN_IF_ERROR(RequireWritable());
  if (requests.empty()) return OkStatus();
  std::lock_guard<std::mutex> w(write_mu_);
  GalleryState* g = nullptr;
  {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    auto it = galleries_.find(gallery_name);
    if (it == galleries_.end()) return NotFoundError("no gallery named '" + gallery_name + "'");
    g = &it->second;  // stable: galleries are never erased
  }
  // The model binding may be set by this batch's first template.
  GalleryInfo binding = g->info;
  std::vector<PreparedSubject> prepared(requests.size());
  CANDOR_RETURN_IF_ERROR(PrepareEnroll(*g, requests, binding, prepared));
  if (!g->index && binding.dim > 0) {
    // The batch binds the model: its index is built after the commit, so the
    // spec must fit the model's dimension before anything is stored.
    CANDOR_RETURN_IF_ERROR(gallery::CheckIndexSpec(options_.index_spec, binding.dim));
  }

  // 1. Seal and append every record; one fsync for the whole batch.
  int64_t subject_row = next_subject_row_, template_id = next_template_id_;
  const SegmentMarks marks{writer_->Mark(), image_writer_->Mark(), finger_writer_->Mark()};
  for (size_t i = 0; i < prepared.size(); ++i) {  // ids first (increasing)
    PreparedSubject& p = prepared[i];
    if (p.is_new) p.subject_row = subject_row++;
    for (size_t j = 0; j < p.values.size(); ++j) {
      const int64_t given = requests[i].templates[j].template_id;
      if (given != 0) {
        if (given < template_id) {
          return InvalidArgumentError("subject of request " + std::to_string(i) +
                                      ": template id " + std::to_string(given) +
                                      " is below the store's next id " +
                                      std::to_string(template_id));
        }
        template_id = given;
      }
      p.template_ids.push_back(template_id++);
    }
  }
  SealEnrollBatch(requests, g->row, binding.dim, prepared);
  if (Status s = AppendEnrollBatch(requests, binding.dim, prepared); !s.ok()) {
    return RollBackSegments(marks, s.WithContext("enrollment not stored"));
  }

  // 2. Commit the metadata (the commit point), then publish to the index,
  // with readers held off so they see all of the batch or none of it.
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  if (Status s = db_->Exec("BEGIN IMMEDIATE"); !s.ok()) return RollBackSegments(marks, s);
  Status s = InsertEnrollRows(*g, binding, requests, prepared, NowUtc());
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    db_->Exec("ROLLBACK").IgnoreError();
    return RollBackSegments(marks, s.WithContext("enrollment not stored"));
  }
  // Durable and acknowledged from here on.
  next_subject_row_ = subject_row;
  next_template_id_ = template_id;
  if (g->is_finger()) return PublishFingers(*g, prepared);
  CANDOR_RETURN_IF_ERROR(PublishEnrolled(*g, binding, prepared));
  return RefreshCentroids(*g, prepared);
}

// Validates every request and template before anything is written; finds
// the subjects that exist (append_to_existing) and unwraps their keys, draws
// keys for new ones; fills `prepared` with the normalised values.
Status StoreImpl::PrepareEnroll(const GalleryState& g, std::span<const EnrollRequest> requests,
                                GalleryInfo& binding,
                                std::vector<PreparedSubject>& prepared) const {
  std::set<std::string> batch_ids;
  const bool fingers = g.is_finger();
  CANDOR_ASSIGN_OR_RETURN(
      Stmt find, Stmt::Prepare(*db_,
                               "SELECT id, wrapped_key FROM subjects WHERE gallery_id = ? AND "
                               "external_id = ?"));
  for (size_t i = 0; i < requests.size(); ++i) {
    const EnrollRequest& r = requests[i];
    PreparedSubject& p = prepared[i];
    // Messages name the request's position, never the id: they reach audit
    // entries, which must not outlive a deleted subject (docs/GOVERNANCE.md).
    const std::string which = "subject of request " + std::to_string(i);
    if (Status v = ValidateSubjectId(r.subject_id); !v.ok()) {
      return InvalidArgumentError(v.message() + " (request " + std::to_string(i) + ")");
    }
    if (r.record_ref.size() > 256) return InvalidArgumentError(which + ": record_ref too long");
    if (r.templates.empty()) return InvalidArgumentError(which + ": no template to enroll");
    CANDOR_RETURN_IF_ERROR(ValidateSubjectAttributes(r.attributes).WithContext(which));
    if (!batch_ids.insert(r.subject_id).second) {
      return InvalidArgumentError(which + " appears twice in one enrollment batch");
    }
    for (const TemplateInput& t : r.templates) {
      if (fingers != t.finger.has_value() || (fingers && !t.tmpl.values.empty())) {
        return FailedPreconditionError(
            which + ": gallery '" + g.info.name + "' holds " +
            (fingers ? "fingerprints; enroll finger templates" : "faces; enroll face templates") +
            " only");
      }
      CANDOR_ASSIGN_OR_RETURN(std::vector<float> v, PrepareTemplate(which, t, binding));
      p.values.push_back(std::move(v));
      if (fingers) {
        auto cndf = finger::SerializeFingerTemplate(*t.finger);
        if (!cndf.ok()) return cndf.status().WithContext(which);
        p.fingers.push_back(std::move(cndf).value());
        p.subject_id = r.subject_id;
      }
    }
    find.Reset();
    find.Bind(1, g.row).Bind(2, r.subject_id);
    CANDOR_ASSIGN_OR_RETURN(bool exists, find.Step());
    if (exists && !r.append_to_existing) {
      return AlreadyExistsError(which + " is already enrolled in gallery '" + g.info.name + "'");
    }
    if (exists && !r.attributes.empty()) {
      return InvalidArgumentError(which + ": attributes can only be given with a new subject");
    }
    p.is_new = !exists;
    if (exists) {
      p.subject_row = find.Int(0);
      CANDOR_ASSIGN_OR_RETURN(
          p.key,
          gallery::UnwrapSubjectKey(master_, find.Blob(1), {p.subject_row, g.row, r.subject_id}));
    } else {
      p.key = Key::Random();
    }
  }
  return OkStatus();
}

// One template of a request: bound to the gallery's model (the first
// template of an unbound gallery binds it), its image within limits and
// matching its hash. Returns the normalised values.
StatusOr<std::vector<float>> StoreImpl::PrepareTemplate(const std::string& which,
                                                        const TemplateInput& t,
                                                        GalleryInfo& binding) const {
  if (!t.finger && binding.model_id.empty()) {
    if (t.tmpl.model_id.empty() || t.tmpl.values.empty() ||
        t.tmpl.values.size() > kMaxTemplateDim) {
      return InvalidArgumentError(which + ": template without a model id or values");
    }
    binding.model_id = t.tmpl.model_id;
    binding.model_sha256 = t.tmpl.model_sha256;
    binding.dim = static_cast<int>(t.tmpl.values.size());
  }
  GalleryState probe_check;
  probe_check.info = binding;
  if (!t.finger) CANDOR_RETURN_IF_ERROR(CheckProbe(probe_check, t.tmpl).WithContext(which));
  if (!t.image.empty()) {
    if (t.image.size() > kMaxStoredImageBytes) {
      return InvalidArgumentError(which + ": image of " + std::to_string(t.image.size()) +
                                  " bytes exceeds the " + std::to_string(kMaxStoredImageBytes) +
                                  "-byte limit");
    }
    if (Sha256(std::span<const uint8_t>(t.image)) != t.image_sha256) {
      return InvalidArgumentError(which + ": image bytes do not match image_sha256");
    }
  }
  if (t.finger) return std::vector<float>{};  // sealed as its CNDF bytes instead
  std::vector<float> v = t.tmpl.values;
  CANDOR_RETURN_IF_ERROR(Normalize(v).WithContext(which));
  return v;
}

// The CPU work of a batch: every template and image record sealed, every new
// subject's key wrapped and attributes sealed, on up to all cores.
void StoreImpl::SealEnrollBatch(std::span<const EnrollRequest> requests, int64_t gallery_row,
                                int dim, std::vector<PreparedSubject>& prepared) const {
  auto seal = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      PreparedSubject& p = prepared[i];
      const EnrollRequest& r = requests[i];
      p.sealed.reserve(p.values.size() * gallery::TemplateRecordSize(dim));
      for (size_t j = 0; j < p.values.size(); ++j) {
        if (!p.fingers.empty()) {
          gallery::EncodeFingerRecord(p.key, p.template_ids[j], p.subject_row, gallery_row,
                                      p.fingers[j], p.sealed);
        } else {
          gallery::EncodeTemplateRecord(p.key, p.template_ids[j], p.subject_row, p.values[j],
                                        p.sealed);
        }
        if (const auto& image = r.templates[j].image; !image.empty()) {
          gallery::EncodeImageRecord(p.key, {p.template_ids[j], p.subject_row, gallery_row}, image,
                                     p.sealed_images);
        }
      }
      if (p.is_new) {
        p.wrapped =
            gallery::WrapSubjectKey(master_, p.key, {p.subject_row, gallery_row, r.subject_id});
        if (!r.attributes.empty()) {
          gallery::SealAttributes(p.key, p.subject_row, gallery_row, r.attributes,
                                  p.sealed_attributes);
        }
      }
    }
  };
  int64_t batch_templates = 0;
  for (const PreparedSubject& p : prepared)
    batch_templates += static_cast<int64_t>(p.values.size());
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int workers =
      static_cast<int>(std::clamp<int64_t>(batch_templates / 512, 1, static_cast<int64_t>(cores)));
  if (workers == 1) {
    seal(0, prepared.size());
    return;
  }
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) {
    pool.emplace_back(seal, prepared.size() * w / workers, prepared.size() * (w + 1) / workers);
  }
  seal(0, prepared.size() / workers);
  for (auto& t : pool) t.join();
}

// Appends the sealed records in id order and syncs the segments (images
// first); records where each went. The caller rolls back on error.
Status StoreImpl::AppendEnrollBatch(std::span<const EnrollRequest> requests, int dim,
                                    std::vector<PreparedSubject>& prepared) {
  bool any_image = false, any_finger = false;
  const size_t record_bytes = gallery::TemplateRecordSize(dim);
  for (size_t i = 0; i < prepared.size(); ++i) {
    PreparedSubject& p = prepared[i];
    size_t image_off = 0, finger_off = 0;
    for (size_t j = 0; j < p.values.size(); ++j) {
      if (!p.fingers.empty()) {  // a finger record (variable length) in fingers/
        const size_t n = gallery::ImageRecordSize(p.fingers[j].size());
        CANDOR_ASSIGN_OR_RETURN(
            auto floc,
            finger_writer_->Append(std::span<const uint8_t>(p.sealed).subspan(finger_off, n)));
        finger_off += n;
        p.locs.push_back(floc);
        any_finger = true;
      } else {
        CANDOR_ASSIGN_OR_RETURN(auto loc, writer_->Append(std::span<const uint8_t>(p.sealed).subspan(
                                              j * record_bytes, record_bytes)));
        p.locs.push_back(loc);
      }
      const std::vector<uint8_t>& image = requests[i].templates[j].image;
      p.image_locs.emplace_back();
      if (!image.empty()) {
        const size_t n = gallery::ImageRecordSize(image.size());
        CANDOR_ASSIGN_OR_RETURN(
            p.image_locs.back(),
            image_writer_->Append(std::span<const uint8_t>(p.sealed_images).subspan(image_off, n)));
        image_off += n;
        any_image = true;
      }
    }
    p.sealed = {};
    p.sealed_images = {};
  }
  if (any_image) CANDOR_RETURN_IF_ERROR(image_writer_->Sync());
  if (any_finger) return finger_writer_->Sync();
  return writer_->Sync();
}

// Rolls both segment writers back to `marks` and returns `cause`, or
// DATA_LOSS if the rollback itself failed.
Status StoreImpl::RollBackSegments(const SegmentMarks& marks, const Status& cause) {
  Status rb = writer_->Rollback(marks.templates);
  if (Status ri = image_writer_->Rollback(marks.images); rb.ok() && !ri.ok()) rb = ri;
  if (Status rf = finger_writer_->Rollback(marks.fingers); rb.ok() && !rf.ok()) rb = rf;
  if (!rb.ok()) {
    return DataLossError(cause.ToString() + "; and rolling back the segment failed: " +
                         rb.ToString() + " (reopen the store to recover)");
  }
  return cause;
}

// The batch's metadata rows, inside the caller's transaction: the gallery's
// model binding if this batch set it, then per subject its row and sealed
// attributes (new subjects), its templates and their images, each with its
// row MAC. The statements are finalised on return (before the COMMIT).
Status StoreImpl::InsertEnrollRows(const GalleryState& g, const GalleryInfo& binding,
                                   std::span<const EnrollRequest> requests,
                                   const std::vector<PreparedSubject>& prepared,
                                   const std::string& now) {
  if (g.info.model_id.empty()) {
    CANDOR_ASSIGN_OR_RETURN(Stmt up, Stmt::Prepare(*db_,
                                                   "UPDATE galleries SET model_id = ?, "
                                                   "model_sha256 = ?, dim = ?, row_mac = ? "
                                                   "WHERE id = ?"));
    up.Bind(1, binding.model_id).BindBlob(2, binding.model_sha256);
    up.Bind(3, int64_t{binding.dim}).BindBlob(4, GalleryMac(g.row, binding)).Bind(5, g.row);
    CANDOR_RETURN_IF_ERROR(up.Run());
  }
  CANDOR_ASSIGN_OR_RETURN(EnrollStatements st, EnrollStatements::Prepare(*db_));
  for (size_t i = 0; i < prepared.size(); ++i) {
    const PreparedSubject& p = prepared[i];
    if (p.is_new) CANDOR_RETURN_IF_ERROR(InsertSubjectRows(st, g.row, requests[i], p, now));
    CANDOR_RETURN_IF_ERROR(InsertTemplateRows(st, g.row, requests[i], p, now));
  }
  return OkStatus();
}

Status StoreImpl::InsertSubjectRows(EnrollStatements& st, int64_t gallery_row,
                                    const EnrollRequest& r, const PreparedSubject& p,
                                    const std::string& now) {
  gallery::RowEncoder enc;
  st.subject.Reset();
  st.subject.Bind(1, p.subject_row)
      .Bind(2, gallery_row)
      .Bind(3, r.subject_id)
      .Bind(4, r.record_ref);
  st.subject.BindBlob(5, p.wrapped);
  st.subject.Bind(6, now);
  st.subject.BindBlob(
      7, row_mac_.Compute(enc.Encode(gallery::SubjectRow{p.subject_row, gallery_row, r.subject_id,
                                                         r.record_ref, p.wrapped, now})));
  CANDOR_RETURN_IF_ERROR(st.subject.Run());
  if (p.sealed_attributes.empty()) return OkStatus();
  st.attributes.Reset();
  st.attributes.Bind(1, p.subject_row).BindBlob(2, p.sealed_attributes);
  st.attributes.BindBlob(
      3, row_mac_.Compute(enc.Encode(gallery::AttributesRow{p.subject_row, p.sealed_attributes})));
  return st.attributes.Run();
}

Status StoreImpl::InsertTemplateRows(EnrollStatements& st, int64_t gallery_row,
                                     const EnrollRequest& r, const PreparedSubject& p,
                                     const std::string& now) {
  gallery::RowEncoder enc;
  for (size_t j = 0; j < p.template_ids.size(); ++j) {
    const TemplateInput& t = r.templates[j];
    const gallery::RecordLocation& loc = p.locs[j];
    if (t.finger) {
      CANDOR_RETURN_IF_ERROR(InsertFingerRow(p.template_ids[j], p.subject_row, gallery_row, loc,
                                             t, now));
    } else {
    st.tmpl.Reset();
    st.tmpl.Bind(1, p.template_ids[j]).Bind(2, p.subject_row).Bind(3, gallery_row);
    st.tmpl.Bind(4, int64_t{loc.segment}).Bind(5, static_cast<int64_t>(loc.offset));
    st.tmpl.Bind(6, int64_t{loc.length}).Bind(7, t.capture_date);
    st.tmpl.Bind(8, static_cast<double>(t.quality)).BindBlob(9, t.image_sha256);
    st.tmpl.Bind(10, t.tmpl.model_id).BindBlob(11, t.tmpl.model_sha256).Bind(12, now);
    st.tmpl.BindBlob(13, row_mac_.Compute(enc.Encode(gallery::TemplateRow{
                             p.template_ids[j], p.subject_row, gallery_row, int64_t{loc.segment},
                             static_cast<int64_t>(loc.offset), int64_t{loc.length}, t.capture_date,
                             static_cast<double>(t.quality), t.image_sha256, t.tmpl.model_id,
                             t.tmpl.model_sha256, now})));
    CANDOR_RETURN_IF_ERROR(st.tmpl.Run());
    }
    const auto& il = p.image_locs[j];
    if (!il) continue;
    st.image.Reset();
    st.image.Bind(1, p.template_ids[j]).Bind(2, p.subject_row).Bind(3, int64_t{il->segment});
    st.image.Bind(4, static_cast<int64_t>(il->offset)).Bind(5, int64_t{il->length});
    st.image.BindBlob(6, row_mac_.Compute(enc.Encode(gallery::ImageRow{
                             p.template_ids[j], p.subject_row, int64_t{il->segment},
                             static_cast<int64_t>(il->offset), int64_t{il->length}})));
    CANDOR_RETURN_IF_ERROR(st.image.Run());
  }
  return OkStatus();
}

// One finger template's row (table finger_templates) with its row MAC.
Status StoreImpl::InsertFingerRow(int64_t template_id, int64_t subject_row, int64_t gallery_row,
                                  const gallery::RecordLocation& loc, const TemplateInput& t,
                                  const std::string& now) {
  const gallery::FingerTemplateRow fr{
      template_id, subject_row, gallery_row, int64_t{loc.segment},
      static_cast<int64_t>(loc.offset), int64_t{loc.length},
      int64_t{t.finger->finger_position}, t.capture_date, static_cast<double>(t.quality),
      t.image_sha256, now};
  CANDOR_ASSIGN_OR_RETURN(
      Stmt ins, Stmt::Prepare(*db_,
                              "INSERT INTO finger_templates(id, subject_id, gallery_id, segment, "
                              "offset, length, finger_position, capture_date, quality, "
                              "image_sha256, enrolled_at, row_mac) "
                              "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  gallery::RowEncoder enc;
  ins.Bind(1, fr.id).Bind(2, fr.subject_id).Bind(3, fr.gallery_id).Bind(4, fr.segment);
  ins.Bind(5, fr.offset).Bind(6, fr.length).Bind(7, fr.finger_position);
  ins.Bind(8, t.capture_date).Bind(9, fr.quality).BindBlob(10, t.image_sha256);
  ins.Bind(11, now).BindBlob(12, row_mac_.Compute(enc.Encode(fr)));
  return ins.Run();
}

// After the commit, for a finger gallery: its FingerIndex takes the batch's
// fingers as parsed back from what was stored (the ISO record's resolution),
// so a search now scores exactly as one after a reopen.
Status StoreImpl::PublishFingers(GalleryState& g, std::vector<PreparedSubject>& prepared) {
  for (PreparedSubject& p : prepared) {
    if (p.is_new) ++g.info.subjects;
    for (std::vector<uint8_t>& cndf : p.fingers) {
      ++g.info.templates;
      auto stored = finger::ParseFingerTemplate(cndf);
      Status a = stored.ok() ? g.fingers->Add(p.subject_id, *stored) : stored.status();
      std::fill(cndf.begin(), cndf.end(), 0);
      if (!a.ok()) {
        return InternalError("enrollment is durable but the finger index rejected it: " +
                             a.ToString() + " (reopen the store to reload)");
      }
    }
  }
  return OkStatus();
}

// After the commit: the gallery takes the batch's binding and counts, and
// the index the batch's templates (built on first use).
Status StoreImpl::PublishEnrolled(GalleryState& g, const GalleryInfo& binding,
                                  const std::vector<PreparedSubject>& prepared) {
  if (g.info.model_id.empty()) {
    g.info.model_id = binding.model_id;
    g.info.model_sha256 = binding.model_sha256;
    g.info.dim = binding.dim;
  }
  if (!g.index) {
    auto idx = NewIndex(g.row, g.info.dim);
    if (!idx.ok()) return idx.status().WithContext("enrolled, but the index cannot be built");
    g.index = std::move(*idx);
  }
  std::vector<float> flat;
  std::vector<int64_t> ids;
  for (const PreparedSubject& p : prepared) {
    for (size_t j = 0; j < p.values.size(); ++j) {
      flat.insert(flat.end(), p.values[j].begin(), p.values[j].end());
      ids.push_back(p.template_ids[j]);
    }
    if (p.is_new) ++g.info.subjects;
  }
  g.info.templates += static_cast<int64_t>(ids.size());
  Status added = g.index->Add(flat, ids);
  std::fill(flat.begin(), flat.end(), 0.0f);
  if (!added.ok()) {
    return InternalError("enrollment is durable but the search index rejected it: " +
                         added.ToString() + " (reopen the store to reload)");
  }
  return OkStatus();
}

StatusOr<bool> StoreImpl::HasImage(const std::string& gallery, const Sha256Bytes& sha) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kTemplateCols,
                                       " FROM templates t WHERE t.gallery_id = ? AND "
                                       "t.image_sha256 = ? LIMIT 1"})));
  q.Bind(1, g->row).BindBlob(2, sha);
  CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
  if (found) CANDOR_RETURN_IF_ERROR(CheckTemplateRow(q, 0));
  return found;
}

StatusOr<std::vector<float>> StoreImpl::ReadTemplate(const Key& key, int64_t tid,
                                                     int64_t subject_row, uint32_t seg,
                                                     uint64_t off, uint32_t len, int dim) const {
  const std::string path = gallery::SegmentPath(seg_dir_, seg);
  CANDOR_ASSIGN_OR_RETURN(auto file, env_->OpenRead(path));
  std::vector<uint8_t> buf(gallery::kRecordHeaderBytes + len);
  Status r = file->ReadAt(off, buf);
  if (!r.ok()) {
    return DataLossError("cannot read template " + std::to_string(tid) + " from " + path +
                         " at offset " + std::to_string(off) + ": " + r.message());
  }
  CANDOR_ASSIGN_OR_RETURN(auto payload, gallery::DecodeRecord(buf, path, off, len));
  std::vector<float> values(static_cast<size_t>(dim));
  CANDOR_RETURN_IF_ERROR(gallery::DecodeTemplateRecord(
      key, payload, tid, subject_row, values, path + " at offset " + std::to_string(off)));
  return values;
}

StatusOr<SubjectInfo> StoreImpl::GetSubject(const std::string& gallery,
                                            const std::string& subject_id,
                                            bool with_values) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kSubjectCols,
                                       " FROM subjects s WHERE s.gallery_id = ? AND "
                                       "s.external_id = ?"})));
  q.Bind(1, g->row).Bind(2, subject_id);
  CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return NotFoundError("no such subject in gallery '" + gallery + "'");
  }
  CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, 0));
  SubjectInfo info;
  info.subject_id = subject_id;
  const int64_t srow = q.Int(0);
  info.record_ref = q.Text(3);
  info.created_at = q.Text(5);
  Key key;
  if (with_values) {
    CANDOR_ASSIGN_OR_RETURN(key,
                            gallery::UnwrapSubjectKey(master_, q.Blob(4), {srow, g->row, subject_id}));
    CANDOR_ASSIGN_OR_RETURN(info.attributes, ReadAttributes(key, srow, g->row));
  }
  CANDOR_ASSIGN_OR_RETURN(
      Stmt t, Stmt::Prepare(*db_, Sql({"SELECT ", kTemplateCols,
                                       ", i.template_id IS NOT NULL FROM templates t "
                                       "LEFT JOIN images i ON i.template_id = t.id "
                                       "WHERE t.subject_id = ? ORDER BY t.id"})));
  t.Bind(1, srow);
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    CANDOR_RETURN_IF_ERROR(CheckTemplateRow(t, 0));
    StoredTemplate st;
    st.template_id = t.Int(0);
    st.capture_date = t.Text(6);
    st.quality = static_cast<float>(t.Double(7));
    auto img = t.Blob(8);
    if (img.size() == 32) std::copy(img.begin(), img.end(), st.image_sha256.begin());
    st.model_id = t.Text(9);
    auto msha = t.Blob(10);
    if (msha.size() == 32) std::copy(msha.begin(), msha.end(), st.model_sha256.begin());
    st.enrolled_at = t.Text(11);
    st.has_image = t.Int(kTemplateColCount) != 0;
    if (with_values) {
      CANDOR_ASSIGN_OR_RETURN(
          st.values, ReadTemplate(key, st.template_id, srow, static_cast<uint32_t>(t.Int(3)),
                                  static_cast<uint64_t>(t.Int(4)),
                                  static_cast<uint32_t>(t.Int(5)), g->info.dim));
    }
    info.templates.push_back(std::move(st));
  }
  if (g->is_finger()) {
    CANDOR_RETURN_IF_ERROR(ListFingers(*g, srow, with_values ? &key : nullptr, info.templates));
  }
  return info;
}

Status StoreImpl::ListFingers(const GalleryState& g, int64_t srow, const Key* key,
                              std::vector<StoredTemplate>& out) const {
  if (!has_finger_table_) return OkStatus();
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", gallery::kFingerCols,
                                       ", i.template_id IS NOT NULL FROM finger_templates f "
                                       "LEFT JOIN images i ON i.template_id = f.id "
                                       "WHERE f.subject_id = ? ORDER BY f.id"})));
  q.Bind(1, srow);
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    CANDOR_RETURN_IF_ERROR(gallery::CheckFingerRow(row_mac_, q, 0));
    const gallery::FingerTemplateRow f = gallery::FingerRowAt(q, 0);
    if (f.gallery_id != g.row) {
      return DataLossError("metadata: finger template " + std::to_string(f.id) +
                           " and its subject disagree on the gallery");
    }
    StoredTemplate st;
    st.template_id = f.id;
    st.capture_date = std::string(f.capture_date);
    st.quality = static_cast<float>(f.quality);
    if (f.image_sha256.size() == 32) {
      std::copy(f.image_sha256.begin(), f.image_sha256.end(), st.image_sha256.begin());
    }
    st.model_id = kFingerModelId;
    st.model_sha256 = FingerModelSha256();
    st.enrolled_at = std::string(f.enrolled_at);
    st.has_image = q.Int(gallery::kFingerColCount) != 0;
    st.finger_position = static_cast<int>(f.finger_position);
    if (key != nullptr) {
      CANDOR_ASSIGN_OR_RETURN(
          st.finger, gallery::ReadFingerRecord(env_, finger_dir_, *key, f.id, srow, g.row,
                                               static_cast<uint32_t>(f.segment),
                                               static_cast<uint64_t>(f.offset),
                                               static_cast<uint32_t>(f.length)));
    }
    out.push_back(std::move(st));
  }
  return OkStatus();
}

StatusOr<std::vector<uint8_t>> StoreImpl::GetImage(const std::string& gallery,
                                                   const std::string& subject_id,
                                                   int64_t template_id) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  // Columns: 0 s.id, 1 s.wrapped_key, 2.. the template row (a finger
  // template's in a finger gallery), then the image row (ic..ic+5).
  const bool fingers = g->is_finger();
  if (fingers && !has_finger_table_) return NotFoundError("no such subject in gallery '" + gallery + "'");
  const int ic = 2 + (fingers ? gallery::kFingerColCount : kTemplateColCount);
  const int sha_col = 2 + (fingers ? gallery::kFingerShaCol : 8);
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q,
      Stmt::Prepare(*db_, Sql({"SELECT s.id, s.wrapped_key, ",
                               fingers ? gallery::kFingerCols : kTemplateCols,
                               ", i.template_id, i.subject_id, i.segment, i.offset, "
                               "i.length, i.row_mac FROM subjects s LEFT JOIN ",
                               fingers ? "finger_templates f ON f.subject_id = s.id AND f.id = ? "
                                       "LEFT JOIN images i ON i.template_id = f.id "
                                       : "templates t ON t.subject_id = s.id AND t.id = ? "
                                         "LEFT JOIN images i ON i.template_id = t.id ",
                               "WHERE s.gallery_id = ? AND s.external_id = ?"})));
  q.Bind(1, template_id).Bind(2, g->row).Bind(3, subject_id);
  CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return NotFoundError("no such subject in gallery '" + gallery + "'");
  }
  const std::string which =
      "template " + std::to_string(template_id) + " of a subject in gallery '" + gallery + "'";
  if (q.IsNull(2)) return NotFoundError("no " + which);
  CANDOR_RETURN_IF_ERROR(fingers ? gallery::CheckFingerRow(row_mac_, q, 2)
                                 : CheckTemplateRow(q, 2));
  if (q.IsNull(ic)) return NotFoundError("no image was kept for " + which);
  const int64_t srow = q.Int(0);
  {
    const gallery::ImageRow ir{q.Int(ic), q.Int(ic + 1), q.Int(ic + 2), q.Int(ic + 3),
                               q.Int(ic + 4)};
    gallery::RowEncoder enc;
    CANDOR_RETURN_IF_ERROR(row_mac_.Check(enc.Encode(ir), q.Blob(ic + 5), "images", ir.template_id,
                                          "image of " + which));
  }
  CANDOR_ASSIGN_OR_RETURN(Key key,
                          gallery::UnwrapSubjectKey(master_, q.Blob(1), {srow, g->row, subject_id}));
  Sha256Bytes want{};
  if (auto sha = q.Blob(sha_col); sha.size() == want.size()) {
    std::copy(sha.begin(), sha.end(), want.begin());
  }
  const uint32_t seg = static_cast<uint32_t>(q.Int(ic + 2));
  const uint64_t off = static_cast<uint64_t>(q.Int(ic + 3));
  const uint32_t len = static_cast<uint32_t>(q.Int(ic + 4));
  const std::string path = gallery::SegmentPath(img_dir_, seg);
  const std::string where = path + " at offset " + std::to_string(off);
  if (len > gallery::kMaxRecordPayload) {
    return DataLossError("metadata: image of " + which + " has a corrupt length");
  }
  CANDOR_ASSIGN_OR_RETURN(auto file, env_->OpenRead(path));
  std::vector<uint8_t> buf(gallery::kRecordHeaderBytes + len);
  if (Status r = file->ReadAt(off, buf); !r.ok()) {
    return DataLossError("cannot read the image of " + which + " from " + where + ": " +
                         r.message());
  }
  CANDOR_ASSIGN_OR_RETURN(auto payload, gallery::DecodeRecord(buf, path, off, len));
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> image,
                          gallery::DecodeImageRecord(key, payload, {template_id, srow, g->row},
                                                     where));
  std::fill(buf.begin(), buf.end(), 0);
  if (Sha256(std::span<const uint8_t>(image)) != want) {
    std::fill(image.begin(), image.end(), 0);
    return DataLossError("image of " + which + " in " + where +
                         " does not match the SHA-256 recorded for it");
  }
  return image;
}

Status StoreImpl::DeleteSubject(const std::string& gallery, const std::string& subject_id) {
  CANDOR_RETURN_IF_ERROR(RequireWritable());
  std::lock_guard<std::mutex> w(write_mu_);
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    auto it = galleries_.find(gallery);
    if (it == galleries_.end()) return NotFoundError("no gallery named '" + gallery + "'");
    GalleryState& g = it->second;
    CANDOR_ASSIGN_OR_RETURN(
        Stmt q, Stmt::Prepare(*db_,
                              "SELECT id FROM subjects WHERE gallery_id = ? AND external_id = ?"));
    q.Bind(1, g.row).Bind(2, subject_id);
    CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return NotFoundError("no such subject in gallery '" + gallery + "'");
    }
    const int64_t srow = q.Int(0);
    std::vector<int64_t> tids;
    CANDOR_ASSIGN_OR_RETURN(Stmt t, Stmt::Prepare(*db_, "SELECT id FROM templates WHERE "
                                                        "subject_id = ?"));
    t.Bind(1, srow);
    while (true) {
      CANDOR_ASSIGN_OR_RETURN(bool row, t.Step());
      if (!row) break;
      tids.push_back(t.Int(0));
    }
    CANDOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    auto run = [&](const char* sql) -> Status {
      CANDOR_ASSIGN_OR_RETURN(Stmt d, Stmt::Prepare(*db_, sql));
      d.Bind(1, srow);
      return d.Run();
    };
    int64_t finger_rows = 0;
    if (has_finger_table_) {
      CANDOR_ASSIGN_OR_RETURN(
          Stmt fc, Stmt::Prepare(*db_, "SELECT count(*) FROM finger_templates WHERE "
                                       "subject_id = ?"));
      fc.Bind(1, srow);
      CANDOR_ASSIGN_OR_RETURN(bool frow, fc.Step());
      if (frow) finger_rows = fc.Int(0);
    }
    Status s = run("DELETE FROM images WHERE subject_id = ?");
    if (s.ok() && has_finger_table_) s = run("DELETE FROM finger_templates WHERE subject_id = ?");
    if (s.ok()) s = run("DELETE FROM subject_attributes WHERE subject_id = ?");
    if (s.ok()) s = run("DELETE FROM templates WHERE subject_id = ?");
    if (s.ok()) s = run("DELETE FROM subjects WHERE id = ?");
    if (s.ok()) s = db_->Exec("COMMIT");
    if (!s.ok()) {
      db_->Exec("ROLLBACK").IgnoreError();
      return s.WithContext("subject not deleted");
    }
    if (g.centroids) g.centroids->Erase(srow);
    if (g.index && !tids.empty()) {
      Status r = g.index->Remove(tids);
      if (!r.ok()) return InternalError("subject deleted but the index kept it: " + r.ToString());
    }
    if (g.fingers && finger_rows > 0) {
      Status r = g.fingers->Remove(subject_id);
      if (!r.ok()) {
        return InternalError("subject deleted but the finger index kept it: " + r.ToString());
      }
    }
    --g.info.subjects;
    g.info.templates -= static_cast<int64_t>(tids.size()) + finger_rows;
  }
  // Move the zeroed pages into the database file and truncate the WAL, so no
  // old frame still holds the wrapped key (see docs/STORE.md).
  Status c = Checkpoint();
  if (!c.ok()) {
    return UnavailableError("subject deleted, but the WAL could not be truncated yet (" +
                            c.message() + "); its wrapped key is destroyed at the next open");
  }
  return OkStatus();
}

StatusOr<SubjectAttributes> StoreImpl::ReadAttributes(const Key& key, int64_t srow,
                                                      int64_t gallery_row) const {
  if (!has_extra_tables_) return SubjectAttributes{};
  CANDOR_ASSIGN_OR_RETURN(
      Stmt a, Stmt::Prepare(*db_, "SELECT sealed, row_mac FROM subject_attributes WHERE "
                                  "subject_id = ?"));
  a.Bind(1, srow);
  CANDOR_ASSIGN_OR_RETURN(bool row, a.Step());
  if (!row) return SubjectAttributes{};
  gallery::RowEncoder enc;
  CANDOR_RETURN_IF_ERROR(row_mac_.Check(enc.Encode(gallery::AttributesRow{srow, a.Blob(0)}),
                                        a.Blob(1), "subject_attributes", srow,
                                        "subject attributes"));
  return gallery::OpenAttributes(key, srow, gallery_row, a.Blob(0));
}

StatusOr<std::vector<std::string>> StoreImpl::SampleSubjects(const std::string& gallery,
                                                             size_t n,
                                                             const std::string& seed) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, "SELECT external_id FROM subjects WHERE gallery_id = ?"));
  q.Bind(1, g->row);
  // Bottom-n by hash: a max-heap of the n smallest (hash, id) seen so far.
  std::vector<std::pair<Sha256Bytes, std::string>> heap;
  if (n == 0) return std::vector<std::string>{};
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    std::string id = q.Text(0);
    Sha256Bytes h = Sha256(seed + "\n" + id);
    if (heap.size() == n && !(std::make_pair(h, id) < heap.front())) continue;
    heap.emplace_back(h, std::move(id));
    std::push_heap(heap.begin(), heap.end());
    if (heap.size() > n) {
      std::pop_heap(heap.begin(), heap.end());
      heap.pop_back();
    }
  }
  std::sort_heap(heap.begin(), heap.end());
  std::vector<std::string> out;
  out.reserve(heap.size());
  for (auto& [h, id] : heap) out.push_back(std::move(id));
  return out;
}

namespace {
Status ValidDocumentKind(const std::string& kind) {
  const bool ok = !kind.empty() && kind.size() <= 32 &&
                  std::all_of(kind.begin(), kind.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
                  });
  return ok ? OkStatus() : InvalidArgumentError("document kind must be 1-32 of [a-z0-9_-]");
}
}  // namespace

Status StoreImpl::PutGalleryDocument(const std::string& gallery, const std::string& kind,
                                     const std::string& body) {
  CANDOR_RETURN_IF_ERROR(RequireWritable());
  CANDOR_RETURN_IF_ERROR(ValidDocumentKind(kind));
  if (body.size() > (64u << 20)) return InvalidArgumentError("gallery document over 64 MiB");
  std::lock_guard<std::mutex> w(write_mu_);
  int64_t grow = 0;
  {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
    grow = g->row;
  }
  if (kind == kSettingsDocument) {
    return InvalidArgumentError("the settings document is the store's own (SetSubjectScore)");
  }
  return PutDocumentRow(grow, kind, body);
}

Status StoreImpl::PutDocumentRow(int64_t grow, const std::string& kind, const std::string& body) {
  const std::string now = NowUtc();
  gallery::RowEncoder enc;
  CANDOR_ASSIGN_OR_RETURN(
      Stmt up, Stmt::Prepare(*db_, "INSERT OR REPLACE INTO gallery_calibrations(gallery_id, "
                                   "kind, body, stored_at, row_mac) VALUES(?, ?, ?, ?, ?)"));
  up.Bind(1, grow).Bind(2, kind).Bind(3, body).Bind(4, now);
  up.BindBlob(5, row_mac_.Compute(enc.Encode(gallery::CalibrationRow{grow, kind, body, now})));
  return up.Run().WithContext("gallery document not stored");
}

Status StoreImpl::LoadSettings() {
  if (!has_extra_tables_) return OkStatus();
  for (auto& [name, g] : galleries_) {
    auto d = GetGalleryDocument(name, kSettingsDocument);
    if (!d.ok()) {
      if (d.status().code() == Code::kNotFound) continue;
      return d.status();
    }
    CANDOR_ASSIGN_OR_RETURN(g.info.subject_score, ParseSettingsBody(d->body));
    if (g.info.subject_score == kSubjectScoreCentroid) {
      g.centroids = std::make_unique<gallery::SubjectCentroids>();
      // Every subject holds at least one template (Enroll needs one, deletion
      // takes the subject whole): as many templates as subjects means none
      // holds two, and the scan for them is skipped (a gallery of one photo a
      // subject opens as fast as under "max").
      if (g.info.templates > g.info.subjects) {
        CANDOR_RETURN_IF_ERROR(LoadCentroids(g).WithContext("gallery '" + name + "' centroids"));
      }
    }
  }
  return OkStatus();
}

Status StoreImpl::LoadCentroids(GalleryState& g) {
  CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, "SELECT subject_id FROM templates WHERE "
                                                      "gallery_id = ? GROUP BY subject_id "
                                                      "HAVING count(*) > 1"));
  q.Bind(1, g.row);
  std::vector<int64_t> rows;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    rows.push_back(q.Int(0));
  }
  for (int64_t srow : rows) CANDOR_RETURN_IF_ERROR(RefreshCentroid(g, srow));
  return OkStatus();
}

Status StoreImpl::RefreshCentroid(GalleryState& g, int64_t srow) {
  // Columns: 0..12 the template row, 13..19 its subject's row.
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kTemplateCols, ", ", kSubjectCols,
                                       " FROM templates t JOIN subjects s ON s.id = "
                                       "t.subject_id WHERE t.subject_id = ? ORDER BY t.id"})));
  q.Bind(1, srow);
  std::vector<std::vector<float>> values;
  std::optional<Key> key;
  int64_t first = 0;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    CANDOR_RETURN_IF_ERROR(CheckTemplateRow(q, 0));
    CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, kTemplateColCount));
    if (!key) {
      CANDOR_ASSIGN_OR_RETURN(
          key, gallery::UnwrapSubjectKey(master_, q.Blob(kTemplateColCount + 4),
                                         {srow, g.row, q.Text(kTemplateColCount + 2)}));
      first = q.Int(0);
    }
    CANDOR_ASSIGN_OR_RETURN(
        std::vector<float> v,
        ReadTemplate(*key, q.Int(0), srow, static_cast<uint32_t>(q.Int(3)),
                     static_cast<uint64_t>(q.Int(4)), static_cast<uint32_t>(q.Int(5)), g.info.dim));
    values.push_back(std::move(v));
  }
  std::vector<float> c = values.size() >= 2 ? TemplateCentroid(values) : std::vector<float>{};
  for (auto& v : values) std::fill(v.begin(), v.end(), 0.0f);
  if (c.empty()) {
    g.centroids->Erase(srow);  // one template (or a degenerate mean): the template index scores it
  } else {
    g.centroids->Set(srow, first, std::move(c));
  }
  return OkStatus();
}

Status StoreImpl::RefreshCentroids(GalleryState& g, const std::vector<PreparedSubject>& prepared) {
  if (!g.centroids) return OkStatus();
  for (const PreparedSubject& p : prepared) {
    // A new subject with one template has no centroid (the template index
    // scores it): nothing to read back, which keeps bulk imports of one photo
    // a subject as fast as under "max".
    if (p.is_new && p.template_ids.size() == 1) continue;
    if (Status s = RefreshCentroid(g, p.subject_row); !s.ok()) {
      return InternalError("enrollment is durable but its subject's centroid was not updated: " +
                           s.ToString() + " (reopen the store to rebuild)");
    }
  }
  return OkStatus();
}

Status StoreImpl::SetSubjectScore(const std::string& gallery, const std::string& rule) {
  CANDOR_RETURN_IF_ERROR(RequireWritable());
  CANDOR_RETURN_IF_ERROR(ValidateSubjectScore(rule));
  std::lock_guard<std::mutex> w(write_mu_);
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  auto it = galleries_.find(gallery);
  if (it == galleries_.end()) return NotFoundError("no gallery named '" + gallery + "'");
  GalleryState& g = it->second;
  if (g.is_finger()) {
    return FailedPreconditionError("gallery '" + gallery +
                                   "' holds fingerprints: subject_score applies to faces");
  }
  if (g.info.subject_score == rule) return OkStatus();
  if (rule == kSubjectScoreCentroid) {
    // Built before the setting is stored: a failure leaves the gallery as it was.
    g.centroids = std::make_unique<gallery::SubjectCentroids>();
    if (Status s = LoadCentroids(g); !s.ok()) {
      g.centroids.reset();
      return s.WithContext("subject score not changed");
    }
  }
  if (Status s = PutDocumentRow(g.row, kSettingsDocument, SettingsBody(rule)); !s.ok()) {
    if (rule == kSubjectScoreCentroid) g.centroids.reset();
    return s.WithContext("subject score not changed");
  }
  if (rule != kSubjectScoreCentroid) g.centroids.reset();
  g.info.subject_score = rule;
  return OkStatus();
}

Status StoreImpl::RetuneGallery(const std::string& gallery, bool wait) {
  CANDOR_RETURN_IF_ERROR(RequireWritable());
  search::IvfPqIndex* ivf = nullptr;
  {
    // A trained compressed index is never replaced while the store is open:
    // the pointer outlives the lock (WaitRetrain must not hold it: enrollments
    // and deletions go on during the retrain).
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
    ivf = dynamic_cast<search::IvfPqIndex*>(g->index.get());
    if (ivf == nullptr || !ivf->trained()) {
      return FailedPreconditionError(
          "gallery '" + gallery + "' is searched exactly (" +
          (g->index ? g->index->Describe() : std::string("no templates yet")) +
          "): there is no setting to tune (give --index Auto or IVF...,PQ...x4fs for a compressed index)");
    }
    CANDOR_RETURN_IF_ERROR(ivf->StartRetrain());
  }
  return wait ? ivf->WaitRetrain() : OkStatus();
}

StatusOr<Store::StoredDocument> StoreImpl::GetGalleryDocument(const std::string& gallery,
                                                              const std::string& kind) const {
  CANDOR_RETURN_IF_ERROR(ValidDocumentKind(kind));
  int64_t grow = 0;
  {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
    grow = g->row;
  }
  auto none = NotFoundError("gallery '" + gallery + "' has no stored " + kind + " document");
  if (!has_extra_tables_) return none;
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, "SELECT body, stored_at, row_mac FROM gallery_calibrations "
                                  "WHERE gallery_id = ? AND kind = ?"));
  q.Bind(1, grow).Bind(2, kind);
  CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return none;
  gallery::RowEncoder enc;
  CANDOR_RETURN_IF_ERROR(row_mac_.Check(
      enc.Encode(gallery::CalibrationRow{grow, kind, q.TextView(0), q.TextView(1)}), q.Blob(2),
      "gallery_calibrations", grow, "gallery '" + gallery + "' " + kind + " document"));
  return StoredDocument{q.Text(0), q.Text(1)};
}

StatusOr<std::string> StoreImpl::SubjectRef(const std::string& gallery,
                                            const std::string& subject_id) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, "SELECT id, wrapped_key FROM subjects WHERE gallery_id = ? AND "
                                  "external_id = ?"));
  q.Bind(1, g->row).Bind(2, subject_id);
  CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return NotFoundError("no such subject in gallery '" + gallery + "'");
  CANDOR_ASSIGN_OR_RETURN(
      Key key, gallery::UnwrapSubjectKey(master_, q.Blob(1), {q.Int(0), g->row, subject_id}));
  return gallery::SubjectRefFor(key, gallery, subject_id);
}

StatusOr<std::string> StoreImpl::SubjectIdForRef(const std::string& gallery,
                                                 const std::string& ref) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, "SELECT id, external_id, wrapped_key FROM subjects WHERE "
                                  "gallery_id = ?"));
  q.Bind(1, g->row);
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string id = q.Text(1);
    auto key = gallery::UnwrapSubjectKey(master_, q.Blob(2), {q.Int(0), g->row, id});
    if (!key.ok()) continue;  // a damaged row names no one
    if (gallery::SubjectRefFor(*key, gallery, id) == ref) return id;
  }
  return NotFoundError("no subject of gallery '" + gallery +
                       "' has this reference (deleted, or another gallery's)");
}

StatusOr<VerifyResult> StoreImpl::Verify(const std::string& gallery,
                                         const std::string& subject_id, const Template& probe,
                                         const VerifyParams& params) const {
  if (!std::isfinite(params.threshold)) return InvalidArgumentError("threshold must be finite");
  std::vector<float> p = probe.values;
  CANDOR_RETURN_IF_ERROR(Normalize(p).WithContext("probe"));
  std::string rule;
  {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
    CANDOR_RETURN_IF_ERROR(CheckProbe(*g, probe));
    rule = g->info.subject_score;
  }
  CANDOR_ASSIGN_OR_RETURN(SubjectInfo s, GetSubject(gallery, subject_id, true));
  VerifyResult r;
  r.threshold = params.threshold;
  std::vector<std::vector<float>> values;
  for (StoredTemplate& t : s.templates) values.push_back(std::move(t.values));
  if (!values.empty()) {
    size_t best = 0;
    r.score = SubjectScore(p, values, rule, &best);
    r.best_template_id = s.templates[best].template_id;
    r.templates_compared = static_cast<int>(values.size());
  }
  for (auto& v : values) std::fill(v.begin(), v.end(), 0.0f);
  r.match = r.templates_compared > 0 && r.score >= params.threshold;
  if (params.fmr) r.fmr = params.fmr(r.score);
  return r;
}

StatusOr<IdentifyResult> StoreImpl::Identify(const std::string& gallery, const Template& probe,
                                             const IdentifyParams& params) const {
  if (params.k < 1 || params.k > 1000) return InvalidArgumentError("k must be in [1, 1000]");
  if (!std::isfinite(params.threshold)) return InvalidArgumentError("threshold must be finite");
  std::vector<float> p = probe.values;
  CANDOR_RETURN_IF_ERROR(Normalize(p).WithContext("probe"));
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
  CANDOR_RETURN_IF_ERROR(CheckProbe(*g, probe));
  IdentifyResult out;
  out.threshold = params.threshold;
  out.gallery_subjects = g->info.subjects;
  out.gallery_templates = g->info.templates;
  if (!g->index || g->index->size() == 0) return out;
  // Columns: 0..12 the template row, 13..19 its subject's row.
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kTemplateCols, ", ", kSubjectCols,
                                       " FROM templates t JOIN subjects s ON s.id = "
                                       "t.subject_id WHERE t.id = ?"})));
  // Several templates may belong to one subject: widen the search until k
  // distinct subjects are found or the index is exhausted.
  int want = params.k * 2;
  while (true) {
    SearchParams sp;
    sp.k = static_cast<int>(std::min<int64_t>(want, g->index->size()));
    sp.threshold = params.threshold;
    sp.threads = params.threads;
    CANDOR_ASSIGN_OR_RETURN(std::vector<Candidate> hits, g->index->Search(p, sp));
    out.candidates.clear();
    std::set<int64_t> seen;
    for (const Candidate& c : hits) {
      q.Reset();
      q.Bind(1, c.id);
      CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) {
        // A reader's index is a snapshot: the writer deleted this subject since.
        if (options_.read_only) continue;
        return InternalError("index holds template " + std::to_string(c.id) +
                             " that the metadata does not");
      }
      CANDOR_RETURN_IF_ERROR(CheckTemplateRow(q, 0));
      CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, kTemplateColCount));
      if (q.Int(2) != g->row) {
        return DataLossError("metadata: template " + std::to_string(c.id) +
                             " moved to another gallery");
      }
      if (!seen.insert(q.Int(kTemplateColCount)).second) continue;
      if (g->centroids && g->centroids->Contains(q.Int(kTemplateColCount))) continue;
      IdentifyCandidate cand;
      cand.subject_id = q.Text(kTemplateColCount + 2);
      cand.record_ref = q.Text(kTemplateColCount + 3);
      cand.score = c.score;
      cand.template_id = c.id;
      if (params.fpir) cand.fpir = params.fpir(c.score, out.gallery_subjects);
      out.candidates.push_back(std::move(cand));
      if (static_cast<int>(out.candidates.size()) == params.k) break;
    }
    if (static_cast<int>(out.candidates.size()) == params.k ||
        static_cast<int>(hits.size()) < sp.k || sp.k >= g->index->size()) {
      break;
    }
    want *= 4;
  }
  if (g->centroids && g->centroids->size() > 0) {
    return MergeCentroidHits(*g, p, params, std::move(out));
  }
  out.no_candidate_above_threshold = out.candidates.empty();
  return out;
}

// Identify under "centroid": the template index's candidates (subjects with
// one template) merged with the best centroids, the best k overall.
StatusOr<IdentifyResult> StoreImpl::MergeCentroidHits(const GalleryState& g,
                                                      std::span<const float> probe,
                                                      const IdentifyParams& params,
                                                      IdentifyResult out) const {
  CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kSubjectCols,
                                                           " FROM subjects s WHERE s.id = ?"})));
  for (const auto& h : g.centroids->Search(probe, params.k, params.threshold)) {
    q.Reset();
    q.Bind(1, h.subject_row);
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return InternalError("centroid of a subject the metadata does not hold");
    CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, 0));
    IdentifyCandidate cand;
    cand.subject_id = q.Text(2);
    cand.record_ref = q.Text(3);
    cand.score = h.score;
    cand.template_id = h.template_id;
    if (params.fpir) cand.fpir = params.fpir(h.score, out.gallery_subjects);
    out.candidates.push_back(std::move(cand));
  }
  std::stable_sort(out.candidates.begin(), out.candidates.end(),
                   [](const IdentifyCandidate& a, const IdentifyCandidate& b) {
                     return a.score > b.score;
                   });
  if (static_cast<int>(out.candidates.size()) > params.k) out.candidates.resize(params.k);
  out.no_candidate_above_threshold = out.candidates.empty();
  return out;
}

StatusOr<const GalleryState*> StoreImpl::FindFingerGallery(const std::string& name) const {
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(name));
  if (!g->is_finger()) {
    return FailedPreconditionError("gallery '" + name +
                                   "' holds faces; a fingerprint cannot be compared with it");
  }
  return g;
}

StatusOr<VerifyResult> StoreImpl::VerifyFingers(const std::string& gallery,
                                                const std::string& subject_id,
                                                std::span<const finger::FingerTemplate> probe,
                                                const VerifyParams& params) const {
  if (!std::isfinite(params.threshold)) return InvalidArgumentError("threshold must be finite");
  if (probe.empty()) return InvalidArgumentError("no probe finger");
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindFingerGallery(gallery));
  // The subject's row is checked like every read (and an unknown id is NOT_FOUND).
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kSubjectCols,
                                       ", (SELECT count(*) FROM finger_templates f WHERE "
                                       "f.subject_id = s.id) FROM subjects s WHERE "
                                       "s.gallery_id = ? AND s.external_id = ?"})));
  q.Bind(1, g->row).Bind(2, subject_id);
  CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return NotFoundError("no such subject in gallery '" + gallery + "'");
  CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, 0));
  VerifyResult r;
  r.threshold = params.threshold;
  r.templates_compared = static_cast<int>(q.Int(7));
  auto c = g->fingers->CompareSubject(subject_id, probe);
  if (c.ok()) {
    r.score = static_cast<float>(c->score);
  } else if (c.status().code() != Code::kNotFound) {
    return c.status();
  }
  r.match = r.templates_compared > 0 && c.ok() && r.score >= params.threshold;
  if (params.fmr) r.fmr = params.fmr(r.score);
  return r;
}

StatusOr<IdentifyResult> StoreImpl::IdentifyFingers(const std::string& gallery,
                                                    std::span<const finger::FingerTemplate> probe,
                                                    const IdentifyParams& params) const {
  if (params.k < 1 || params.k > 1000) return InvalidArgumentError("k must be in [1, 1000]");
  if (!std::isfinite(params.threshold)) return InvalidArgumentError("threshold must be finite");
  if (probe.empty()) return InvalidArgumentError("no probe finger");
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindFingerGallery(gallery));
  IdentifyResult out;
  out.threshold = params.threshold;
  out.gallery_subjects = g->info.subjects;
  out.gallery_templates = g->info.templates;
  if (g->fingers->size() == 0) return out;
  finger::FingerSearchOptions o;
  o.candidates = params.k;
  o.rescore = std::max(200, 4 * params.k);
  CANDOR_ASSIGN_OR_RETURN(std::vector<finger::FingerCandidate> hits, g->fingers->Search(probe, o));
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_, Sql({"SELECT ", kSubjectCols,
                                       " FROM subjects s WHERE s.gallery_id = ? AND "
                                       "s.external_id = ?"})));
  for (const finger::FingerCandidate& h : hits) {
    const float score = static_cast<float>(h.score);
    if (score < params.threshold) continue;
    q.Reset();
    q.Bind(1, g->row).Bind(2, h.subject);
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return InternalError("the finger index holds a subject the metadata does not");
    CANDOR_RETURN_IF_ERROR(CheckSubjectRow(q, 0));
    IdentifyCandidate cand;
    cand.subject_id = h.subject;
    cand.record_ref = q.Text(3);
    cand.score = score;
    if (params.fpir) cand.fpir = params.fpir(score, out.gallery_subjects);
    out.candidates.push_back(std::move(cand));
  }
  out.no_candidate_above_threshold = out.candidates.empty();
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& options) {
  if (dir.empty()) return InvalidArgumentError("store directory is empty");
  auto store = std::make_unique<StoreImpl>(dir, options);
  CANDOR_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace candor
