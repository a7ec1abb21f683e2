// Copyright 2026 The Candor Authors.

#include "gallery/loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "gallery/env.h"
#include "gallery/segment.h"
#include "gallery/template_record.h"

namespace candor::gallery {

using sqlite::Stmt;

namespace {

constexpr size_t kChunkRows = 32768;

double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A read-only mapping of one segment file.
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
      const int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot stat", path, err);
    }
    auto m = std::unique_ptr<Mapping>(new Mapping());
    m->path_ = path;
    m->size_ = static_cast<size_t>(st.st_size);
    if (m->size_ > 0) {
      void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return ErrnoStatus("cannot map", path, err);
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
  const std::string& path() const { return path_; }

 private:
  Mapping() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Bytes copied into a chunk's arena (offsets: the arena may reallocate).
struct Slice {
  uint32_t off = 0, len = 0;
};

struct SubjectJob {
  int64_t srow = 0, grow = 0;
  Slice row, mac, wrapped, external_id;
};

struct TemplateJob {
  int64_t tid = 0, srow = 0;
  uint32_t subject = 0;  // index into Chunk::subjects
  uint64_t off = 0;
  uint32_t len = 0;
  const Mapping* seg = nullptr;
  Slice row, mac;
  LoadGallery* gallery = nullptr;
  size_t value_off = 0;  // into Chunk::values
};

struct Chunk {
  std::vector<uint8_t> arena;
  std::vector<SubjectJob> subjects;
  std::vector<TemplateJob> jobs;
  std::vector<float> values;
  std::vector<int64_t> ids;

  void Clear() {
    arena.clear();
    subjects.clear();
    jobs.clear();
    std::fill(values.begin(), values.end(), 0.0f);
    values.clear();
    ids.clear();
  }
  Slice Put(std::span<const uint8_t> b) {
    Slice s{static_cast<uint32_t>(arena.size()), static_cast<uint32_t>(b.size())};
    arena.insert(arena.end(), b.begin(), b.end());
    return s;
  }
  Slice Put(std::string_view t) {
    return Put(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(t.data()), t.size()));
  }
  std::span<const uint8_t> Get(Slice s) const { return {arena.data() + s.off, s.len}; }
  std::string_view Text(Slice s) const {
    return {reinterpret_cast<const char*>(arena.data()) + s.off, s.len};
  }
};

// What one worker found and spent.
struct WorkerResult {
  Status status;
  size_t failed_at = SIZE_MAX;  // job index of the first error
  LoadStageTimes cpu;
};

std::string Where(const TemplateJob& j) {
  return j.seg->path() + " at offset " + std::to_string(j.off);
}

// Verifies and decrypts jobs [begin, end) of `c`, in four timed passes.
void Work(const Chunk& c, size_t begin, size_t end, const LoadRequest& req, WorkerResult& out) {
  auto fail = [&](size_t i, Status s) {
    if (i < out.failed_at) {
      out.failed_at = i;
      out.status = std::move(s);
    }
  };
  // 1. Row MACs: each subject once, every template row.
  double t = ThreadCpu();
  uint32_t last_subject = UINT32_MAX;
  for (size_t i = begin; i < end && out.status.ok(); ++i) {
    const TemplateJob& j = c.jobs[i];
    if (j.subject != last_subject) {
      last_subject = j.subject;
      const SubjectJob& s = c.subjects[j.subject];
      if (!req.row_mac->Matches(c.Get(s.row), c.Get(s.mac))) {
        fail(i, req.row_mac->Check(c.Get(s.row), c.Get(s.mac), "subjects", s.srow,
                                   "subject row " + std::to_string(s.srow)));
      }
    }
    if (!req.row_mac->Matches(c.Get(j.row), c.Get(j.mac))) {
      fail(i, req.row_mac->Check(c.Get(j.row), c.Get(j.mac), "templates", j.tid,
                                 "template " + std::to_string(j.tid)));
    }
  }
  double t2 = ThreadCpu();
  out.cpu.row_mac += t2 - t;
  t = t2;
  // 2. Unwrap each subject's data key once.
  std::vector<Key> keys;
  const uint32_t first_subject = begin < end ? c.jobs[begin].subject : 0;
  last_subject = UINT32_MAX;
  for (size_t i = begin; i < end && out.status.ok(); ++i) {
    const TemplateJob& j = c.jobs[i];
    if (j.subject == last_subject) continue;
    last_subject = j.subject;
    const SubjectJob& s = c.subjects[j.subject];
    keys.resize(j.subject - first_subject + 1);
    auto k = UnwrapSubjectKey(*req.master, c.Get(s.wrapped),
                              {s.srow, s.grow, c.Text(s.external_id)});
    if (!k.ok()) {
      fail(i, k.status());
      break;
    }
    keys[j.subject - first_subject] = *k;
  }
  t2 = ThreadCpu();
  out.cpu.unwrap += t2 - t;
  t = t2;
  // 3. Bounds and CRC of every record.
  std::vector<std::span<const uint8_t>> payloads(end - begin);
  for (size_t i = begin; i < end && out.status.ok(); ++i) {
    const TemplateJob& j = c.jobs[i];
    auto bytes = j.seg->bytes();
    if (j.off < kSegmentHeaderBytes || j.off >= bytes.size()) {
      fail(i, DataLossError("template " + std::to_string(j.tid) + " points past the end of " +
                            Where(j) + " (acknowledged data lost)"));
      break;
    }
    auto p = DecodeRecord(bytes.subspan(j.off), j.seg->path(), j.off, j.len);
    if (!p.ok()) {
      fail(i, p.status());
      break;
    }
    payloads[i - begin] = *p;
  }
  t2 = ThreadCpu();
  out.cpu.crc += t2 - t;
  t = t2;
  // 4. Decrypt.
  float* values = const_cast<float*>(c.values.data());  // disjoint ranges per worker
  for (size_t i = begin; i < end && out.status.ok(); ++i) {
    const TemplateJob& j = c.jobs[i];
    std::span<float> dst(values + j.value_off, static_cast<size_t>(j.gallery->dim));
    Status s = DecodeTemplateRecord(keys[j.subject - first_subject], payloads[i - begin], j.tid,
                                    j.srow, dst, Where(j));
    if (!s.ok()) {
      fail(i, s);
      break;
    }
  }
  out.cpu.decrypt += ThreadCpu() - t;
}

class Loader {
 public:
  Loader(const LoadRequest& req, LoadResult& out) : req_(req), out_(out) {}

  Status Run() {
    // Templates and subjects are both scanned in id order and merge-joined
    // (a template's subject is almost always at or just past the subject
    // cursor); a template added later to an older subject falls back to a
    // point lookup. This replaces a b-tree search per row with a sequential scan.
    CANDOR_ASSIGN_OR_RETURN(
        Stmt q, Stmt::Prepare(*req_.db,
                              "SELECT t.id, t.subject_id, t.gallery_id, t.segment, t.offset, "
                              "t.length, t.capture_date, t.quality, t.image_sha256, t.model_id, "
                              "t.model_sha256, t.enrolled_at, t.row_mac FROM templates t "
                              "WHERE t.id >= ? ORDER BY t.id"));
    q.Bind(1, req_.min_template_id);
    q_.emplace(std::move(q));
    constexpr char kSubjectCols[] =
        "SELECT id, gallery_id, external_id, record_ref, wrapped_key, created_at, row_mac "
        "FROM subjects ";
    CANDOR_ASSIGN_OR_RETURN(
        Stmt sq, Stmt::Prepare(*req_.db, std::string(kSubjectCols) + "ORDER BY id"));
    subjects_.emplace(std::move(sq));
    CANDOR_ASSIGN_OR_RETURN(
        Stmt pq, Stmt::Prepare(*req_.db, std::string(kSubjectCols) + "WHERE id = ?"));
    lookup_.emplace(std::move(pq));
    const int threads = std::max(1, req_.threads);
    Chunk chunks[2];
    int cur = 0;
    Status read = Read(chunks[cur]);
    while (read.ok() && !chunks[cur].jobs.empty()) {
      Chunk& c = chunks[cur];
      std::vector<WorkerResult> results(static_cast<size_t>(threads));
      std::vector<std::thread> pool;
      const size_t n = c.jobs.size();
      for (int w = 0; w < threads; ++w) {
        const size_t b = n * static_cast<size_t>(w) / static_cast<size_t>(threads);
        const size_t e = n * static_cast<size_t>(w + 1) / static_cast<size_t>(threads);
        pool.emplace_back(Work, std::cref(c), b, e, std::cref(req_),
                          std::ref(results[static_cast<size_t>(w)]));
      }
      // Overlap: read the next chunk while the workers verify this one.
      Chunk& next = chunks[1 - cur];
      next.Clear();
      read = Read(next);
      for (auto& t : pool) t.join();
      const WorkerResult* first = nullptr;
      for (const WorkerResult& r : results) {
        out_.cpu.row_mac += r.cpu.row_mac;
        out_.cpu.unwrap += r.cpu.unwrap;
        out_.cpu.crc += r.cpu.crc;
        out_.cpu.decrypt += r.cpu.decrypt;
        if (!r.status.ok() && (first == nullptr || r.failed_at < first->failed_at)) first = &r;
      }
      if (first != nullptr) return first->status;
      CANDOR_RETURN_IF_ERROR(AddToIndexes(c));
      c.Clear();
      cur = 1 - cur;
    }
    return read;
  }

 private:
  // Reads up to kChunkRows rows into `c` (empty at the end).
  Status Read(Chunk& c) {
    const double t0 = ThreadCpu();
    Status s = ReadRows(c);
    out_.cpu.row_read += ThreadCpu() - t0;
    return s;
  }

  Status ReadRows(Chunk& c) {
    if (done_) return OkStatus();
    size_t value_floats = 0;
    int64_t last_srow = -1;
    while (c.jobs.size() < kChunkRows) {
      CANDOR_ASSIGN_OR_RETURN(bool row, q_->Step());
      if (!row) {
        done_ = true;
        break;
      }
      TemplateJob j;
      j.tid = q_->Int(0);
      j.srow = q_->Int(1);
      const int64_t grow = q_->Int(2);
      const uint32_t seg = static_cast<uint32_t>(q_->Int(3));
      j.off = static_cast<uint64_t>(q_->Int(4));
      j.len = static_cast<uint32_t>(q_->Int(5));
      auto git = req_.galleries.find(grow);
      if (git == req_.galleries.end() || git->second->dim <= 0) {
        return DataLossError("metadata: template " + std::to_string(j.tid) +
                             " (store.db table templates) belongs to an unknown or unbound "
                             "gallery");
      }
      j.gallery = git->second;
      if (j.gallery->only != nullptr &&
          !std::binary_search(j.gallery->only->begin(), j.gallery->only->end(), j.tid)) {
        continue;  // already in the gallery's reopened index
      }
      if (j.srow != last_srow || c.subjects.empty()) {
        CANDOR_ASSIGN_OR_RETURN(const Stmt* sr, SubjectRowFor(j.srow));
        if (sr == nullptr) {
          return DataLossError("metadata: template " + std::to_string(j.tid) +
                               " (store.db table templates) refers to subject row " +
                               std::to_string(j.srow) + ", which does not exist");
        }
        if (sr->Int(1) != grow) {
          return DataLossError("metadata: template " + std::to_string(j.tid) +
                               " and its subject disagree on the gallery");
        }
        SubjectJob s;
        s.srow = j.srow;
        s.grow = grow;
        SubjectRow r{j.srow, grow, sr->TextView(2), sr->TextView(3), sr->Blob(4),
                     sr->TextView(5)};
        s.row = c.Put(enc_.Encode(r));
        s.mac = c.Put(sr->Blob(6));
        s.wrapped = c.Put(sr->Blob(4));
        s.external_id = c.Put(sr->TextView(2));
        c.subjects.push_back(s);
        last_srow = j.srow;
      }
      j.subject = static_cast<uint32_t>(c.subjects.size() - 1);
      TemplateRow tr{j.tid,          j.srow,         grow,           seg,
                     static_cast<int64_t>(j.off),    int64_t{j.len}, q_->TextView(6),
                     q_->Double(7),   q_->Blob(8),     q_->TextView(9), q_->Blob(10),
                     q_->TextView(11)};
      j.row = c.Put(enc_.Encode(tr));
      j.mac = c.Put(q_->Blob(12));
      auto& m = maps_[seg];
      if (!m) {
        const std::string path = SegmentPath(req_.seg_dir, seg);
        CANDOR_ASSIGN_OR_RETURN(m, Mapping::Map(path));
        CANDOR_RETURN_IF_ERROR(CheckSegmentHeader(m->bytes(), path, seg));
      }
      j.seg = m.get();
      uint64_t& end = out_.seg_ends[seg];
      end = std::max(end, j.off + kRecordHeaderBytes + j.len);
      j.value_off = value_floats;
      value_floats += static_cast<size_t>(j.gallery->dim);
      out_.max_template_id = std::max(out_.max_template_id, j.tid);
      c.ids.push_back(j.tid);
      c.jobs.push_back(j);
    }
    c.values.resize(value_floats);
    return OkStatus();
  }

  // The subjects row `srow` (positioned statement), or null if none.
  StatusOr<const Stmt*> SubjectRowFor(int64_t srow) {
    while (subject_live_ && subjects_->Int(0) < srow) {
      CANDOR_ASSIGN_OR_RETURN(subject_live_, subjects_->Step());
    }
    if (!subject_started_) {
      subject_started_ = true;
      CANDOR_ASSIGN_OR_RETURN(subject_live_, subjects_->Step());
      while (subject_live_ && subjects_->Int(0) < srow) {
        CANDOR_ASSIGN_OR_RETURN(subject_live_, subjects_->Step());
      }
    }
    if (subject_live_ && subjects_->Int(0) == srow) return &*subjects_;
    lookup_->Reset();
    lookup_->Bind(1, srow);
    CANDOR_ASSIGN_OR_RETURN(bool found, lookup_->Step());
    return found ? &*lookup_ : nullptr;
  }

  // Appends each run of same-gallery templates to its index, then wipes them.
  Status AddToIndexes(Chunk& c) {
    const double t0 = ThreadCpu();
    size_t i = 0;
    while (i < c.jobs.size()) {
      size_t e = i + 1;
      LoadGallery* g = c.jobs[i].gallery;
      while (e < c.jobs.size() && c.jobs[e].gallery == g) ++e;
      const size_t dim = static_cast<size_t>(g->dim);
      Status s = g->index->Add(
          std::span<const float>(c.values.data() + c.jobs[i].value_off, (e - i) * dim),
          std::span<const int64_t>(c.ids.data() + i, e - i));
      if (!s.ok()) return s.WithContext("loading gallery " + g->name);
      g->templates += static_cast<int64_t>(e - i);
      out_.templates += static_cast<int64_t>(e - i);
      i = e;
    }
    std::fill(c.values.begin(), c.values.end(), 0.0f);
    out_.cpu.index_add += ThreadCpu() - t0;
    return OkStatus();
  }

  const LoadRequest& req_;
  LoadResult& out_;
  std::optional<Stmt> q_;         // templates in id order
  std::optional<Stmt> subjects_;  // subjects in id order (merge-join cursor)
  std::optional<Stmt> lookup_;    // one subject by id (out-of-order templates)
  bool subject_started_ = false, subject_live_ = false;
  RowEncoder enc_;
  bool done_ = false;
  std::map<uint32_t, std::unique_ptr<Mapping>> maps_;
};

}  // namespace

Status LoadAllTemplates(const LoadRequest& request, LoadResult& result) {
  Loader loader(request, result);
  return loader.Run();
}

}  // namespace candor::gallery
