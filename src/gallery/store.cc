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
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "candor/gallery.h"
#include "candor/index.h"
#include "gallery/crypto.h"
#include "gallery/env.h"
#include "gallery/lock_file.h"
#include "gallery/segment.h"
#include "gallery/sqlite_util.h"
#include "gallery/template_record.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using gallery::Db;
using gallery::Key;
using gallery::Stmt;

constexpr int kStoreFormatVersion = 1;
constexpr char kKeyCheckPlain[] = "candor-store-key-check-v1";

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool ValidSubjectId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
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

// A read-only mapping of one segment file (for the bulk load at open).
class Mapping {
 public:
  static StatusOr<std::unique_ptr<Mapping>> Map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return DataLossError("segment " + path + " referenced by the metadata is missing: " +
                           std::strerror(errno));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return gallery::ErrnoStatus("cannot stat", path, errno);
    }
    auto m = std::unique_ptr<Mapping>(new Mapping());
    m->size_ = static_cast<size_t>(st.st_size);
    if (m->size_ > 0) {
      void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        return gallery::ErrnoStatus("cannot map", path, errno);
      }
      ::madvise(p, m->size_, MADV_SEQUENTIAL);
      m->data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
    return m;
  }
  ~Mapping() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  Mapping() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct GalleryState {
  int64_t row = 0;
  GalleryInfo info;
  std::unique_ptr<Index> index;
};

class StoreImpl final : public Store {
 public:
  StoreImpl(std::string dir, const StoreOptions& o)
      : dir_(std::move(dir)),
        seg_dir_(dir_ + "/segments"),
        options_(o),
        master_(std::span<const uint8_t, 32>(o.master_key)),
        env_(o.env ? static_cast<gallery::Env*>(o.env) : gallery::PosixEnv()) {}

  Status Init();

  Status CreateGallery(const GalleryInfo& info) override;
  StatusOr<std::vector<GalleryInfo>> ListGalleries() const override;
  StatusOr<GalleryInfo> GetGallery(const std::string& name) const override;
  Status Enroll(const std::string& gallery, std::span<const EnrollRequest> requests) override;
  StatusOr<bool> HasImage(const std::string& gallery, const Sha256Bytes& sha) const override;
  StatusOr<SubjectInfo> GetSubject(const std::string& gallery, const std::string& subject_id,
                                   bool with_values) const override;
  Status DeleteSubject(const std::string& gallery, const std::string& subject_id) override;
  StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                const Template& probe, const VerifyParams& params) const override;
  StatusOr<IdentifyResult> Identify(const std::string& gallery, const Template& probe,
                                    const IdentifyParams& params) const override;
  const OpenStats& open_stats() const override { return stats_; }

 private:
  Status Pragmas();
  Status CreateSchema();
  Status CheckKey();
  Status LoadGalleries();
  Status LoadTemplates(std::map<uint32_t, uint64_t>& seg_ends);
  Status OpenWriter(const std::map<uint32_t, uint64_t>& seg_ends);
  Status Checkpoint();
  Status RequireWritable() const {
    if (options_.read_only) return FailedPreconditionError("store " + dir_ + " is open read-only");
    return OkStatus();
  }
  StatusOr<const GalleryState*> FindGallery(const std::string& name) const;
  Status CheckProbe(const GalleryState& g, const Template& probe) const;
  StatusOr<std::unique_ptr<Index>> NewIndex(int dim) const {
    return MakeIndex(options_.index_spec, dim);
  }
  StatusOr<std::vector<float>> ReadTemplate(const Key& key, int64_t tid, int64_t subject_row,
                                            uint32_t seg, uint64_t off, uint32_t len,
                                            int dim) const;

  const std::string dir_;
  const std::string seg_dir_;
  const StoreOptions options_;
  const Key master_;
  gallery::Env* env_;

  std::unique_ptr<gallery::LockFile> lock_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<gallery::SegmentWriter> writer_;
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
    CANDOR_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                     " PRAGMA journal_size_limit=0;"));
  }
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
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subjects(
  id INTEGER PRIMARY KEY, gallery_id INTEGER NOT NULL REFERENCES galleries(id),
  external_id TEXT NOT NULL, record_ref TEXT NOT NULL DEFAULT '', wrapped_key BLOB NOT NULL,
  created_at TEXT NOT NULL, UNIQUE(gallery_id, external_id));
CREATE TABLE IF NOT EXISTS templates(
  id INTEGER PRIMARY KEY, subject_id INTEGER NOT NULL REFERENCES subjects(id),
  gallery_id INTEGER NOT NULL, segment INTEGER NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, capture_date TEXT NOT NULL, quality REAL NOT NULL,
  image_sha256 BLOB NOT NULL, model_id TEXT NOT NULL, model_sha256 BLOB NOT NULL,
  enrolled_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS templates_by_subject ON templates(subject_id);
CREATE INDEX IF NOT EXISTS templates_by_image ON templates(gallery_id, image_sha256);
COMMIT;)sql"));
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
  if (*version != kStoreFormatVersion) {
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
                            "(SELECT count(*) FROM subjects s WHERE s.gallery_id = g.id) "
                            "FROM galleries g"));
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
    if (g.info.dim > 0) {
      CANDOR_ASSIGN_OR_RETURN(g.index, NewIndex(g.info.dim));
    }
    std::string name = g.info.name;
    galleries_.emplace(name, std::move(g));
  }
  return OkStatus();
}

Status StoreImpl::LoadTemplates(std::map<uint32_t, uint64_t>& seg_ends) {
  std::unordered_map<int64_t, GalleryState*> by_row;
  for (auto& [name, g] : galleries_) by_row[g.row] = &g;
  struct Batch {
    std::vector<float> values;
    std::vector<int64_t> ids;
  };
  std::unordered_map<int64_t, Batch> batches;
  auto flush = [&](int64_t gallery_row, Batch& b) -> Status {
    if (b.ids.empty()) return OkStatus();
    GalleryState* g = by_row[gallery_row];
    Status s = g->index->Add(b.values, b.ids);
    if (!s.ok()) return s.WithContext("loading gallery " + g->info.name);
    g->info.templates += static_cast<int64_t>(b.ids.size());
    b.values.clear();
    b.ids.clear();
    return OkStatus();
  };

  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_,
                            "SELECT t.id, t.subject_id, t.gallery_id, t.segment, t.offset, "
                            "t.length, s.wrapped_key, s.gallery_id, s.external_id FROM templates t "
                            "JOIN subjects s ON "
                            "s.id = t.subject_id ORDER BY t.id"));
  std::map<uint32_t, std::unique_ptr<Mapping>> maps;
  int64_t key_row = -1;
  Key key;
  std::vector<float> values;
  int64_t loaded = 0;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const int64_t tid = q.Int(0), srow = q.Int(1), grow = q.Int(2);
    const uint32_t seg = static_cast<uint32_t>(q.Int(3));
    const uint64_t off = static_cast<uint64_t>(q.Int(4));
    const uint32_t len = static_cast<uint32_t>(q.Int(5));
    auto git = by_row.find(grow);
    if (git == by_row.end() || git->second->info.dim <= 0) {
      return DataLossError("metadata: template " + std::to_string(tid) +
                           " belongs to an unknown or unbound gallery");
    }
    GalleryState& g = *git->second;
    if (srow != key_row) {
      if (q.Int(7) != grow) {
        return DataLossError("metadata: template " + std::to_string(tid) +
                             " and its subject disagree on the gallery");
      }
      const std::string ext = q.Text(8);
      CANDOR_ASSIGN_OR_RETURN(key, gallery::UnwrapSubjectKey(master_, q.Blob(6), {srow, grow, ext}));
      key_row = srow;
    }
    auto& m = maps[seg];
    const std::string path = gallery::SegmentPath(seg_dir_, seg);
    if (!m) {
      CANDOR_ASSIGN_OR_RETURN(m, Mapping::Map(path));
      CANDOR_RETURN_IF_ERROR(gallery::CheckSegmentHeader(m->bytes(), path, seg));
    }
    auto bytes = m->bytes();
    if (off < gallery::kSegmentHeaderBytes || off >= bytes.size()) {
      return DataLossError("template " + std::to_string(tid) + " points past the end of " +
                           path + " at offset " + std::to_string(off) +
                           " (acknowledged data lost)");
    }
    CANDOR_ASSIGN_OR_RETURN(auto payload,
                            gallery::DecodeRecord(bytes.subspan(off), path, off, len));
    values.resize(static_cast<size_t>(g.info.dim));
    CANDOR_RETURN_IF_ERROR(gallery::DecodeTemplateRecord(
        key, payload, tid, srow, values, path + " at offset " + std::to_string(off)));
    uint64_t end = off + gallery::kRecordHeaderBytes + len;
    seg_ends[seg] = std::max(seg_ends[seg], end);
    Batch& b = batches[grow];
    b.values.insert(b.values.end(), values.begin(), values.end());
    b.ids.push_back(tid);
    if (b.ids.size() >= 65536) CANDOR_RETURN_IF_ERROR(flush(grow, b));
    next_template_id_ = std::max(next_template_id_, tid + 1);
    ++loaded;
  }
  for (auto& [grow, b] : batches) CANDOR_RETURN_IF_ERROR(flush(grow, b));
  std::fill(values.begin(), values.end(), 0.0f);
  stats_.templates_loaded = loaded;

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

Status StoreImpl::OpenWriter(const std::map<uint32_t, uint64_t>& seg_ends) {
  uint32_t active = 1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(seg_dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() == 12 && name.ends_with(".seg")) {
      uint32_t n = static_cast<uint32_t>(std::strtoul(name.c_str(), nullptr, 10));
      active = std::max(active, n);
    }
  }
  if (ec) return UnavailableError("cannot list " + seg_dir_ + ": " + ec.message());
  if (!seg_ends.empty()) active = std::max(active, seg_ends.rbegin()->first);
  auto it = seg_ends.find(active);
  const uint64_t end = it == seg_ends.end() ? 0 : it->second;
  uint64_t truncated = 0;
  CANDOR_ASSIGN_OR_RETURN(writer_,
                          gallery::SegmentWriter::Open(env_, seg_dir_, active, end,
                                                       options_.max_segment_bytes, &truncated));
  stats_.tail_bytes_truncated = truncated;
  return OkStatus();
}

Status StoreImpl::Checkpoint() {
  int log = 0, ckpt = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
  if (rc != SQLITE_OK) return db_->Error(rc, "WAL checkpoint failed");
  return OkStatus();
}

Status StoreImpl::Init() {
  const auto t0 = std::chrono::steady_clock::now();
  CANDOR_RETURN_IF_ERROR(gallery::InitCrypto());
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
  CANDOR_ASSIGN_OR_RETURN(db_, Db::Open(dir_ + "/store.db", options_.read_only, !exists));
  CANDOR_RETURN_IF_ERROR(Pragmas());
  if (options_.check_metadata) {
    CANDOR_ASSIGN_OR_RETURN(Stmt q, Stmt::Prepare(*db_, "PRAGMA quick_check"));
    CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && q.Text(0) != "ok") {
      return DataLossError("metadata database " + db_->path() + " is corrupt: " + q.Text(0));
    }
  }
  if (!exists) CANDOR_RETURN_IF_ERROR(CreateSchema());
  CANDOR_RETURN_IF_ERROR(CheckKey());
  // Finishes any crypto-shredding a crash interrupted: old WAL frames go.
  if (!options_.read_only) CANDOR_RETURN_IF_ERROR(Checkpoint());
  CANDOR_RETURN_IF_ERROR(LoadGalleries());
  std::map<uint32_t, uint64_t> seg_ends;
  CANDOR_RETURN_IF_ERROR(LoadTemplates(seg_ends));
  if (!options_.read_only) CANDOR_RETURN_IF_ERROR(OpenWriter(seg_ends));
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
  g.info = info;
  g.info.subjects = g.info.templates = 0;
  g.info.created_at = NowUtc();
  if (g.info.dim > 0) {
    CANDOR_ASSIGN_OR_RETURN(g.index, NewIndex(g.info.dim));
  }
  CANDOR_ASSIGN_OR_RETURN(
      Stmt ins, Stmt::Prepare(*db_,
                              "INSERT INTO galleries(name, description, legal_basis, "
                              "retention_class, search_bases, model_id, model_sha256, dim, "
                              "created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins.Bind(1, info.name).Bind(2, info.description).Bind(3, info.legal_basis);
  ins.Bind(4, info.retention_class).Bind(5, JoinBases(info.allowed_search_bases));
  ins.Bind(6, info.model_id).BindBlob(7, info.model_sha256).Bind(8, int64_t{info.dim});
  ins.Bind(9, g.info.created_at);
  CANDOR_RETURN_IF_ERROR(ins.Run());
  g.row = db_->LastInsertRowid();
  galleries_.emplace(info.name, std::move(g));
  return OkStatus();
}

StatusOr<std::vector<GalleryInfo>> StoreImpl::ListGalleries() const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  std::vector<GalleryInfo> out;
  for (const auto& [name, g] : galleries_) out.push_back(g.info);
  return out;
}

StatusOr<GalleryInfo> StoreImpl::GetGallery(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(name));
  return g->info;
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

Status StoreImpl::Enroll(const std::string& gallery_name,
                         std::span<const EnrollRequest> requests) {
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
  // Validate everything before touching any file. The model binding may be
  // set by this batch's first template.
  GalleryInfo binding = g->info;
  struct Prepared {
    int64_t subject_row;
    bool is_new;
    Key key;
    std::vector<std::vector<float>> values;
    std::vector<int64_t> template_ids;
    std::vector<gallery::RecordLocation> locs;
  };
  std::vector<Prepared> prepared(requests.size());
  std::set<std::string> batch_ids;
  CANDOR_ASSIGN_OR_RETURN(
      Stmt find, Stmt::Prepare(*db_,
                               "SELECT id, wrapped_key FROM subjects WHERE gallery_id = ? AND "
                               "external_id = ?"));
  for (size_t i = 0; i < requests.size(); ++i) {
    const EnrollRequest& r = requests[i];
    const std::string which = "subject '" + r.subject_id + "'";
    if (!ValidSubjectId(r.subject_id)) {
      return InvalidArgumentError("subject id must be 1-128 printable characters (request " +
                                  std::to_string(i) + ")");
    }
    if (r.record_ref.size() > 256) return InvalidArgumentError(which + ": record_ref too long");
    if (r.templates.empty()) return InvalidArgumentError(which + ": no template to enroll");
    if (!batch_ids.insert(r.subject_id).second) {
      return InvalidArgumentError(which + " appears twice in one enrollment batch");
    }
    for (const TemplateInput& t : r.templates) {
      if (binding.model_id.empty()) {
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
      CANDOR_RETURN_IF_ERROR(CheckProbe(probe_check, t.tmpl).WithContext(which));
      std::vector<float> v = t.tmpl.values;
      CANDOR_RETURN_IF_ERROR(Normalize(v).WithContext(which));
      prepared[i].values.push_back(std::move(v));
    }
    find.Reset();
    find.Bind(1, g->row).Bind(2, r.subject_id);
    CANDOR_ASSIGN_OR_RETURN(bool exists, find.Step());
    if (exists && !r.append_to_existing) {
      return AlreadyExistsError(which + " is already enrolled in gallery '" + gallery_name + "'");
    }
    if (exists) {
      prepared[i].subject_row = find.Int(0);
      prepared[i].is_new = false;
      CANDOR_ASSIGN_OR_RETURN(
          prepared[i].key,
          gallery::UnwrapSubjectKey(master_, find.Blob(1),
                                    {prepared[i].subject_row, g->row, r.subject_id}));
    } else {
      prepared[i].is_new = true;
      prepared[i].key = Key::Random();
    }
  }
  find.Reset();

  // 1. Seal and append every record; one fsync for the whole batch.
  const int64_t first_subject_row = next_subject_row_, first_template_id = next_template_id_;
  int64_t subject_row = next_subject_row_, template_id = next_template_id_;
  const gallery::RecordLocation mark = writer_->Mark();
  auto undo = [&](const Status& cause) -> Status {
    Status rb = writer_->Rollback(mark);
    if (!rb.ok()) {
      return DataLossError(cause.ToString() + "; and rolling back the segment failed: " +
                           rb.ToString() + " (reopen the store to recover)");
    }
    return cause;
  };
  std::vector<uint8_t> payload;
  for (Prepared& p : prepared) {
    if (p.is_new) p.subject_row = subject_row++;
    for (const auto& v : p.values) {
      payload.clear();
      const int64_t tid = template_id++;
      gallery::EncodeTemplateRecord(p.key, tid, p.subject_row, v, payload);
      auto loc = writer_->Append(payload);
      if (!loc.ok()) return undo(loc.status().WithContext("enrollment not stored"));
      p.template_ids.push_back(tid);
      p.locs.push_back(*loc);
    }
  }
  std::fill(payload.begin(), payload.end(), 0);
  if (Status s = writer_->Sync(); !s.ok()) return undo(s.WithContext("enrollment not stored"));

  // 2. Commit the metadata (the commit point), then publish to the index,
  // with readers held off so they see all of the batch or none of it.
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  auto fail = [&](const Status& cause) -> Status {
    db_->Exec("ROLLBACK").IgnoreError();
    return undo(cause.WithContext("enrollment not stored"));
  };
  if (Status s = db_->Exec("BEGIN IMMEDIATE"); !s.ok()) return undo(s);
  const std::string now = NowUtc();
  if (g->info.model_id.empty()) {
    auto up = Stmt::Prepare(*db_,
                            "UPDATE galleries SET model_id = ?, model_sha256 = ?, dim = ? WHERE "
                            "id = ?");
    if (!up.ok()) return fail(up.status());
    up->Bind(1, binding.model_id).BindBlob(2, binding.model_sha256);
    up->Bind(3, int64_t{binding.dim}).Bind(4, g->row);
    if (Status s = up->Run(); !s.ok()) return fail(s);
  }
  auto ins_s = Stmt::Prepare(*db_,
                             "INSERT INTO subjects(id, gallery_id, external_id, record_ref, "
                             "wrapped_key, created_at) VALUES(?, ?, ?, ?, ?, ?)");
  auto ins_t = Stmt::Prepare(*db_,
                             "INSERT INTO templates(id, subject_id, gallery_id, segment, offset, "
                             "length, capture_date, quality, image_sha256, model_id, "
                             "model_sha256, enrolled_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins_s.ok()) return fail(ins_s.status());
  if (!ins_t.ok()) return fail(ins_t.status());
  for (size_t i = 0; i < prepared.size(); ++i) {
    const Prepared& p = prepared[i];
    const EnrollRequest& r = requests[i];
    if (p.is_new) {
      ins_s->Reset();
      ins_s->Bind(1, p.subject_row).Bind(2, g->row).Bind(3, r.subject_id).Bind(4, r.record_ref);
      ins_s->BindBlob(5, gallery::WrapSubjectKey(master_, p.key, {p.subject_row, g->row, r.subject_id}));
      ins_s->Bind(6, now);
      if (Status s = ins_s->Run(); !s.ok()) return fail(s);
    }
    for (size_t j = 0; j < p.template_ids.size(); ++j) {
      const TemplateInput& t = r.templates[j];
      ins_t->Reset();
      ins_t->Bind(1, p.template_ids[j]).Bind(2, p.subject_row).Bind(3, g->row);
      ins_t->Bind(4, int64_t{p.locs[j].segment}).Bind(5, static_cast<int64_t>(p.locs[j].offset));
      ins_t->Bind(6, int64_t{p.locs[j].length}).Bind(7, t.capture_date);
      ins_t->Bind(8, static_cast<double>(t.quality)).BindBlob(9, t.image_sha256);
      ins_t->Bind(10, t.tmpl.model_id).BindBlob(11, t.tmpl.model_sha256).Bind(12, now);
      if (Status s = ins_t->Run(); !s.ok()) return fail(s);
    }
  }
  ins_s = Stmt::Prepare(*db_, "SELECT 1");  // finalize before COMMIT
  ins_t = Stmt::Prepare(*db_, "SELECT 1");
  if (Status s = db_->Exec("COMMIT"); !s.ok()) return fail(s);
  // Durable and acknowledged from here on.
  next_subject_row_ = subject_row;
  next_template_id_ = template_id;
  (void)first_subject_row;
  (void)first_template_id;
  if (g->info.model_id.empty()) {
    g->info.model_id = binding.model_id;
    g->info.model_sha256 = binding.model_sha256;
    g->info.dim = binding.dim;
  }
  if (!g->index) {
    auto idx = NewIndex(g->info.dim);
    if (!idx.ok()) return idx.status().WithContext("enrolled, but the index cannot be built");
    g->index = std::move(*idx);
  }
  std::vector<float> flat;
  std::vector<int64_t> ids;
  for (Prepared& p : prepared) {
    for (size_t j = 0; j < p.values.size(); ++j) {
      flat.insert(flat.end(), p.values[j].begin(), p.values[j].end());
      ids.push_back(p.template_ids[j]);
    }
    if (p.is_new) ++g->info.subjects;
  }
  g->info.templates += static_cast<int64_t>(ids.size());
  Status added = g->index->Add(flat, ids);
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
      Stmt q, Stmt::Prepare(*db_,
                            "SELECT 1 FROM templates WHERE gallery_id = ? AND image_sha256 = ? "
                            "LIMIT 1"));
  q.Bind(1, g->row).BindBlob(2, sha);
  return q.Step();
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
      Stmt q, Stmt::Prepare(*db_,
                            "SELECT id, record_ref, created_at, wrapped_key FROM subjects WHERE "
                            "gallery_id = ? AND external_id = ?"));
  q.Bind(1, g->row).Bind(2, subject_id);
  CANDOR_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return NotFoundError("no subject '" + subject_id + "' in gallery '" + gallery + "'");
  }
  SubjectInfo info;
  info.subject_id = subject_id;
  const int64_t srow = q.Int(0);
  info.record_ref = q.Text(1);
  info.created_at = q.Text(2);
  Key key;
  if (with_values) {
    CANDOR_ASSIGN_OR_RETURN(key,
                            gallery::UnwrapSubjectKey(master_, q.Blob(3), {srow, g->row, subject_id}));
  }
  CANDOR_ASSIGN_OR_RETURN(
      Stmt t, Stmt::Prepare(*db_,
                            "SELECT id, segment, offset, length, capture_date, quality, "
                            "image_sha256, model_id, model_sha256, enrolled_at FROM templates "
                            "WHERE subject_id = ? ORDER BY id"));
  t.Bind(1, srow);
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    StoredTemplate st;
    st.template_id = t.Int(0);
    st.capture_date = t.Text(4);
    st.quality = static_cast<float>(t.Double(5));
    auto img = t.Blob(6);
    if (img.size() == 32) std::copy(img.begin(), img.end(), st.image_sha256.begin());
    st.model_id = t.Text(7);
    auto msha = t.Blob(8);
    if (msha.size() == 32) std::copy(msha.begin(), msha.end(), st.model_sha256.begin());
    st.enrolled_at = t.Text(9);
    if (with_values) {
      CANDOR_ASSIGN_OR_RETURN(
          st.values, ReadTemplate(key, st.template_id, srow, static_cast<uint32_t>(t.Int(1)),
                                  static_cast<uint64_t>(t.Int(2)),
                                  static_cast<uint32_t>(t.Int(3)), g->info.dim));
    }
    info.templates.push_back(std::move(st));
  }
  return info;
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
      return NotFoundError("no subject '" + subject_id + "' in gallery '" + gallery + "'");
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
    Status s = run("DELETE FROM templates WHERE subject_id = ?");
    if (s.ok()) s = run("DELETE FROM subjects WHERE id = ?");
    if (s.ok()) s = db_->Exec("COMMIT");
    if (!s.ok()) {
      db_->Exec("ROLLBACK").IgnoreError();
      return s.WithContext("subject not deleted");
    }
    if (g.index && !tids.empty()) {
      Status r = g.index->Remove(tids);
      if (!r.ok()) return InternalError("subject deleted but the index kept it: " + r.ToString());
    }
    --g.info.subjects;
    g.info.templates -= static_cast<int64_t>(tids.size());
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

float Dot(std::span<const float> a, std::span<const float> b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(s);
}

StatusOr<VerifyResult> StoreImpl::Verify(const std::string& gallery,
                                         const std::string& subject_id, const Template& probe,
                                         const VerifyParams& params) const {
  if (!std::isfinite(params.threshold)) return InvalidArgumentError("threshold must be finite");
  std::vector<float> p = probe.values;
  CANDOR_RETURN_IF_ERROR(Normalize(p).WithContext("probe"));
  {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    CANDOR_ASSIGN_OR_RETURN(const GalleryState* g, FindGallery(gallery));
    CANDOR_RETURN_IF_ERROR(CheckProbe(*g, probe));
  }
  CANDOR_ASSIGN_OR_RETURN(SubjectInfo s, GetSubject(gallery, subject_id, true));
  VerifyResult r;
  r.threshold = params.threshold;
  for (const StoredTemplate& t : s.templates) {
    const float score = Dot(p, t.values);
    if (r.templates_compared == 0 || score > r.score) {
      r.score = score;
      r.best_template_id = t.template_id;
    }
    ++r.templates_compared;
  }
  for (auto& t : s.templates) std::fill(t.values.begin(), t.values.end(), 0.0f);
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
  CANDOR_ASSIGN_OR_RETURN(
      Stmt q, Stmt::Prepare(*db_,
                            "SELECT s.id, s.external_id, s.record_ref FROM templates t JOIN "
                            "subjects s ON s.id = t.subject_id WHERE t.id = ?"));
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
      if (!row) return InternalError("index holds template " + std::to_string(c.id) +
                                     " that the metadata does not");
      if (!seen.insert(q.Int(0)).second) continue;
      IdentifyCandidate cand;
      cand.subject_id = q.Text(1);
      cand.record_ref = q.Text(2);
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
