// Copyright 2026 The Candor Authors.

#include "search/ivf_files.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "common/file_util.h"
#include "common/hash.h"
#include "search/thread_pool.h"

namespace candor::search {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMapReserve = size_t{1} << 40;  // virtual only: 1 TiB of templates
constexpr size_t kTombBytes = 20;
constexpr char kMagic[] = "candor-ivf-index 1";

Status Sync(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return IndexIoError("fdatasync", path);
  return OkStatus();
}

StatusOr<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return IndexIoError("stat", path);
  return static_cast<uint64_t>(st.st_size);
}

std::string Hex(const uint8_t* p, size_t n) { return HexEncode(std::span<const uint8_t>(p, n)); }

bool ParseHex(const std::string& h, uint8_t* out, size_t n) {
  if (h.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    unsigned v;
    if (std::sscanf(h.c_str() + 2 * i, "%2x", &v) != 1) return false;
    out[i] = static_cast<uint8_t>(v);
  }
  return true;
}

std::string KeyCheck(const std::vector<uint8_t>& key) {
  if (key.empty()) return "";
  static constexpr char kMsg[] = "candor index key check v1";
  uint8_t out[16];
  crypto_generichash(out, sizeof(out), reinterpret_cast<const uint8_t*>(kMsg), sizeof(kMsg) - 1,
                     key.data(), key.size());
  return Hex(out, sizeof(out));
}

void PutU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void PutI64(uint8_t* p, int64_t v) { std::memcpy(p, &v, 8); }
uint32_t GetU32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
int64_t GetI64(const uint8_t* p) { int64_t v; std::memcpy(&v, p, 8); return v; }

Status OpenFd(const std::string& path, int flags, int* fd) {
  *fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (*fd < 0) {
    if (errno == ENOENT) return DataLossError("index file missing: " + path);
    return IndexIoError("open", path);
  }
  return OkStatus();
}

// Removes records.<g> and train.<g> for every g but `keep`: a generation a
// crash left half written (never committed), or the one a commit replaced
// before it could delete it. Synced if anything went.
Status RemoveOtherGenerations(const std::string& dir, uint64_t keep) {
  std::error_code ec;
  bool removed = false;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t dot = name.find('.');
    if (dot == std::string::npos) continue;
    const std::string base = name.substr(0, dot), gen = name.substr(dot + 1);
    if ((base != "records" && base != "train") || gen.empty() ||
        gen.find_first_not_of("0123456789") != std::string::npos || gen.size() > 19) {
      continue;
    }
    if (std::stoull(gen) == keep) continue;
    std::error_code rm;
    removed |= fs::remove(e.path(), rm);
  }
  if (ec) return InternalError("cannot list index directory " + dir + ": " + ec.message());
  return removed ? SyncDir(dir) : OkStatus();
}

}  // namespace

Status IndexIoError(const std::string& what, const std::string& path) {
  const int e = errno;
  const std::string m = what + " " + path + ": " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT) return ResourceExhaustedError(m + " (disk full)");
  return InternalError(m);
}

uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

uint32_t Crc(const uint8_t* p, size_t n) { return Crc32c(std::span<const uint8_t>(p, n)); }

uint32_t RecordCrc(const uint8_t* record, int m) { return Mask(Crc(record, 16 + static_cast<size_t>(m) / 2)); }

Status IndexPWrite(int fd, const uint8_t* p, size_t n, uint64_t off, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return IndexIoError("write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return OkStatus();
}

Status IndexPRead(int fd, uint8_t* p, size_t n, uint64_t off, const std::string& path) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IndexIoError("read", path);
    }
    if (r == 0) return DataLossError("unexpected end of file " + path + " at offset " + std::to_string(off));
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return OkStatus();
}

std::string EncodeManifest(const IvfManifest& m) {
  std::ostringstream o;
  o.precision(9);
  o << kMagic << "\n";
  o << "dim=" << m.dim << "\nm=" << m.m << "\nspec=" << m.spec << "\nrows=" << m.rows
    << "\ngeneration=" << m.generation << "\ntrained=" << (m.trained ? 1 : 0)
    << "\ntrain_crc=" << m.train_crc << "\ntrain_bytes=" << m.train_bytes
    << "\nvec_nonce=" << Hex(m.vec_nonce.data(), 12) << "\nrec_nonce=" << Hex(m.rec_nonce.data(), 12)
    << "\ntrain_nonce=" << Hex(m.train_nonce.data(), 12) << "\nkey_check=" << m.key_check
    << "\nrecall_exact=" << (m.recall.exact ? 1 : 0) << "\nrecall_target=" << m.recall.target
    << "\nrecall_measured=" << m.recall.measured << "\nrecall_lower95=" << m.recall.lower95
    << "\nrecall_probes=" << m.recall.probes << "\nrecall_mate_cosine=" << m.recall.mate_cosine
    << "\nrecall_nprobe=" << m.recall.nprobe << "\nrecall_nlist=" << m.recall.nlist
    << "\nrecall_rerank=" << m.recall.rerank << "\nrecall_at=" << m.recall.measured_at << "\n";
  std::string body = o.str();
  body += "crc=" + std::to_string(Crc32c(body)) + "\n";
  return body;
}

StatusOr<IvfManifest> DecodeManifest(const std::string& text, const std::string& path) {
  const size_t at = text.rfind("crc=");
  if (at == std::string::npos || text.rfind(kMagic, 0) != 0) {
    return DataLossError("index manifest is corrupt (no header or checksum): " + path);
  }
  const std::string body = text.substr(0, at);
  if (std::to_string(Crc32c(body)) + "\n" != text.substr(at + 4)) {
    return DataLossError("index manifest checksum mismatch: " + path);
  }
  std::map<std::string, std::string> kv;
  std::istringstream in(body);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  IvfManifest m;
  try {
    m.dim = std::stoi(kv.at("dim"));
    m.m = std::stoi(kv.at("m"));
    m.spec = kv.at("spec");
    m.rows = std::stoll(kv.at("rows"));
    m.generation = std::stoull(kv.at("generation"));
    m.trained = kv.at("trained") == "1";
    m.train_crc = static_cast<uint32_t>(std::stoul(kv.at("train_crc")));
    m.train_bytes = std::stoull(kv.at("train_bytes"));
    m.key_check = kv.at("key_check");
    if (!ParseHex(kv.at("vec_nonce"), m.vec_nonce.data(), 12) ||
        !ParseHex(kv.at("rec_nonce"), m.rec_nonce.data(), 12) ||
        !ParseHex(kv.at("train_nonce"), m.train_nonce.data(), 12)) {
      throw std::invalid_argument("nonce");
    }
    m.recall.exact = kv.at("recall_exact") == "1";
    m.recall.target = std::stod(kv.at("recall_target"));
    m.recall.measured = std::stod(kv.at("recall_measured"));
    m.recall.lower95 = std::stod(kv.at("recall_lower95"));
    m.recall.probes = std::stoi(kv.at("recall_probes"));
    m.recall.mate_cosine = std::stof(kv.at("recall_mate_cosine"));
    m.recall.nprobe = std::stoi(kv.at("recall_nprobe"));
    m.recall.nlist = std::stoi(kv.at("recall_nlist"));
    m.recall.rerank = std::stoi(kv.at("recall_rerank"));
    m.recall.measured_at = std::stoll(kv.at("recall_at"));
  } catch (const std::exception&) {
    return DataLossError("index manifest has a missing or malformed field: " + path);
  }
  if (m.dim < 1 || m.dim > 4096 || m.m < 2 || m.m > 256 || m.m % 2 != 0 || m.rows < 0) {
    return DataLossError("index manifest has out-of-range values: " + path);
  }
  return m;
}

IvfFiles::~IvfFiles() {
  if (map_ != nullptr) ::munmap(const_cast<uint8_t*>(map_), map_len_);
  for (int fd : {vec_fd_, rec_fd_, tomb_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

std::string IvfFiles::RecordsPath(uint64_t gen) const {
  return dir_ + "/records." + std::to_string(gen);
}
std::string IvfFiles::TrainPath(uint64_t gen) const { return dir_ + "/train." + std::to_string(gen); }

void IvfFiles::Crypt(uint8_t* buf, size_t len, uint64_t offset, const Nonce& n) const {
  if (key_.empty() || len == 0) return;
  uint64_t block = offset / 64;
  const size_t skip = static_cast<size_t>(offset % 64);
  if (skip != 0) {
    uint8_t ks[64] = {0};
    crypto_stream_chacha20_ietf_xor_ic(ks, ks, 64, n.data(), static_cast<uint32_t>(block), key_.data());
    const size_t take = std::min(len, 64 - skip);
    for (size_t i = 0; i < take; ++i) buf[i] ^= ks[skip + i];
    buf += take;
    len -= take;
    ++block;
  }
  if (len > 0) {
    crypto_stream_chacha20_ietf_xor_ic(buf, buf, len, n.data(), static_cast<uint32_t>(block), key_.data());
  }
}

Status IvfFiles::MapVectors() {
  void* p = ::mmap(nullptr, kMapReserve, PROT_READ, MAP_SHARED | MAP_NORESERVE, vec_fd_, 0);
  if (p == MAP_FAILED) return IndexIoError("mmap", dir_ + "/vectors.i8");
  map_ = static_cast<const uint8_t*>(p);
  map_len_ = kMapReserve;
  (void)::madvise(p, kMapReserve, MADV_RANDOM);
  return OkStatus();
}

Status IvfFiles::CommitManifest(const IvfManifest& m) {
  CANDOR_RETURN_IF_ERROR(WriteFileAtomic(dir_ + "/MANIFEST", EncodeManifest(m)));
  man_ = m;
  return OkStatus();
}

StatusOr<std::unique_ptr<IvfFiles>> IvfFiles::Create(const IndexFiles& files, IvfManifest m) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  if (!files.key.empty() && files.key.size() != crypto_stream_chacha20_ietf_KEYBYTES) {
    return InvalidArgumentError("index key must be 32 bytes, got " + std::to_string(files.key.size()));
  }
  std::error_code ec;
  fs::create_directories(files.dir, ec);
  if (ec) return InternalError("cannot create index directory " + files.dir + ": " + ec.message());
  if (fs::exists(files.dir + "/MANIFEST")) {
    return AlreadyExistsError("an index already exists in " + files.dir);
  }
  std::unique_ptr<IvfFiles> f(new IvfFiles());
  f->dir_ = files.dir;
  f->key_ = files.key;
  randombytes_buf(m.vec_nonce.data(), 12);
  randombytes_buf(m.rec_nonce.data(), 12);
  randombytes_buf(m.train_nonce.data(), 12);
  m.key_check = KeyCheck(files.key);
  m.rows = 0;
  m.generation = 1;
  const int flags = O_RDWR | O_CREAT | O_TRUNC;
  CANDOR_RETURN_IF_ERROR(OpenFd(f->dir_ + "/vectors.i8", flags, &f->vec_fd_));
  CANDOR_RETURN_IF_ERROR(OpenFd(f->RecordsPath(1), flags, &f->rec_fd_));
  CANDOR_RETURN_IF_ERROR(OpenFd(f->dir_ + "/tombstones.log", flags, &f->tomb_fd_));
  CANDOR_RETURN_IF_ERROR(SyncDir(f->dir_));
  CANDOR_RETURN_IF_ERROR(f->CommitManifest(m));
  f->row_dim_ = static_cast<size_t>(m.dim);
  f->vec_nonce_ = m.vec_nonce;
  f->code_bytes_ = static_cast<size_t>(m.m) / 2;
  CANDOR_RETURN_IF_ERROR(f->MapVectors());
  return f;
}

StatusOr<std::unique_ptr<IvfFiles>> IvfFiles::Open(const IndexFiles& files) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  const std::string mpath = files.dir + "/MANIFEST";
  auto bytes = ReadFile(mpath, 1 << 20);
  if (!bytes.ok()) {
    if (bytes.status().code() == Code::kNotFound) return NotFoundError("no index in " + files.dir);
    return bytes.status();
  }
  CANDOR_ASSIGN_OR_RETURN(IvfManifest m,
                          DecodeManifest(std::string(bytes->begin(), bytes->end()), mpath));
  if (m.key_check != KeyCheck(files.key)) {
    return UnauthenticatedError(files.key.empty() ? "index in " + files.dir + " is encrypted: key needed"
                                                  : "wrong key for index " + files.dir);
  }
  std::unique_ptr<IvfFiles> f(new IvfFiles());
  f->dir_ = files.dir;
  f->key_ = files.key;
  f->man_ = m;
  f->row_dim_ = static_cast<size_t>(m.dim);
  f->vec_nonce_ = m.vec_nonce;
  f->code_bytes_ = static_cast<size_t>(m.m) / 2;
  f->read_only_ = files.read_only;
  if (!files.read_only) CANDOR_RETURN_IF_ERROR(RemoveOtherGenerations(files.dir, m.generation));
  const int rw = files.read_only ? O_RDONLY : O_RDWR;
  CANDOR_RETURN_IF_ERROR(OpenFd(f->dir_ + "/vectors.i8", rw, &f->vec_fd_));
  CANDOR_RETURN_IF_ERROR(OpenFd(f->RecordsPath(m.generation), rw, &f->rec_fd_));
  if (files.read_only) {
    // A reader never creates or changes a file: no tombstone log reads as none.
    f->tomb_fd_ = ::open((f->dir_ + "/tombstones.log").c_str(), O_RDONLY | O_CLOEXEC);
  } else {
    CANDOR_RETURN_IF_ERROR(OpenFd(f->dir_ + "/tombstones.log", O_RDWR | O_CREAT, &f->tomb_fd_));
  }
  // Cut off rows of an Add that never committed; a file shorter than the
  // committed rows lost acknowledged data.
  const uint64_t vbytes = static_cast<uint64_t>(m.rows) * static_cast<uint64_t>(m.dim);
  const uint64_t rbytes = static_cast<uint64_t>(m.rows) * RecordBytes(m.m);
  struct Part { int fd; std::string path; uint64_t want; };
  for (const Part& p : {Part{f->vec_fd_, f->dir_ + "/vectors.i8", vbytes},
                        Part{f->rec_fd_, f->RecordsPath(m.generation), rbytes}}) {
    CANDOR_ASSIGN_OR_RETURN(uint64_t have, FileSize(p.fd, p.path));
    if (have < p.want) {
      return DataLossError("index file " + p.path + " is truncated: " + std::to_string(have) +
                           " bytes, " + std::to_string(p.want) + " committed");
    }
    if (have > p.want && !files.read_only && ::ftruncate(p.fd, static_cast<off_t>(p.want)) != 0) {
      return IndexIoError("truncate", p.path);
    }
  }
  CANDOR_RETURN_IF_ERROR(f->MapVectors());
  return f;
}

void IvfFiles::PackRecord(const RowRecord& r, uint8_t* out) const {
  const size_t code_bytes = code_bytes_;
  PutI64(out, r.id);
  PutU32(out + 8, r.list);
  PutU32(out + 12, r.vec_crc);
  if (r.codes != nullptr) {
    std::memcpy(out + 16, r.codes, code_bytes);
  } else {
    std::memset(out + 16, 0, code_bytes);
  }
  PutU32(out + 16 + code_bytes, Mask(Crc(out, 16 + code_bytes)));
}

Status IvfFiles::Append(const uint8_t* vectors, const uint8_t* records, size_t n) {
  if (n == 0) return OkStatus();
  const size_t dim = static_cast<size_t>(man_.dim);
  const size_t rb = RecordBytes(man_.m);
  const uint64_t row0 = static_cast<uint64_t>(man_.rows);
  if ((row0 + n) * dim > kMapReserve || (row0 + n) * rb / 64 >= (uint64_t{1} << 32)) {
    return ResourceExhaustedError("index files would exceed their size limit");
  }
  std::vector<uint8_t> buf;
  const std::string vpath = dir_ + "/vectors.i8", rpath = RecordsPath(man_.generation);
  buf.assign(vectors, vectors + n * dim);
  Crypt(buf.data(), buf.size(), row0 * dim, man_.vec_nonce);
  CANDOR_RETURN_IF_ERROR(IndexPWrite(vec_fd_, buf.data(), buf.size(), row0 * dim, vpath));
  buf.assign(records, records + n * rb);
  Crypt(buf.data(), buf.size(), row0 * rb, man_.rec_nonce);
  CANDOR_RETURN_IF_ERROR(IndexPWrite(rec_fd_, buf.data(), buf.size(), row0 * rb, rpath));
  CANDOR_RETURN_IF_ERROR(Sync(vec_fd_, vpath));
  CANDOR_RETURN_IF_ERROR(Sync(rec_fd_, rpath));
  IvfManifest next = man_;
  next.rows += static_cast<int64_t>(n);
  return CommitManifest(next);
}

Status IvfFiles::ForEachRecordFrom(uint64_t first_row, int tasks,
                                   const std::function<void(int, uint64_t, const RowRecord&)>& fn,
                                   const std::function<bool(uint64_t)>& skip) const {
  const size_t rb = RecordBytes(man_.m);
  const size_t code_bytes = static_cast<size_t>(man_.m) / 2;
  const std::string path = RecordsPath(man_.generation);
  tasks = std::max(1, tasks);
  const uint64_t rows = static_cast<uint64_t>(man_.rows);
  first_row = std::min(first_row, rows);
  const auto task_begin = [&](int t) {
    return first_row + (rows - first_row) * static_cast<uint64_t>(t) / static_cast<uint64_t>(tasks);
  };
  std::vector<Status> errors(static_cast<size_t>(tasks));
  auto run = [&](int t) {
    constexpr uint64_t kChunk = 16384;
    std::vector<uint8_t> buf;
    const uint64_t end = task_begin(t + 1);
    for (uint64_t first = task_begin(t); first < end; first += kChunk) {
      const size_t n = static_cast<size_t>(std::min(kChunk, end - first));
      buf.resize(n * rb);
      Status st = IndexPRead(rec_fd_, buf.data(), buf.size(), first * rb, path);
      if (!st.ok()) {
        errors[static_cast<size_t>(t)] = st;
        return;
      }
      Crypt(buf.data(), buf.size(), first * rb, man_.rec_nonce);
      for (size_t i = 0; i < n; ++i) {
        const uint8_t* r = buf.data() + i * rb;
        const uint64_t row = first + i;
        if (skip(row)) continue;
        if (GetU32(r + 16 + code_bytes) != Mask(Crc(r, 16 + code_bytes))) {
          errors[static_cast<size_t>(t)] = DataLossError("checksum mismatch (corrupt record) in " + path +
                                                         " at offset " + std::to_string(row * rb));
          return;
        }
        RowRecord rec;
        rec.id = GetI64(r);
        rec.list = GetU32(r + 8);
        rec.vec_crc = GetU32(r + 12);
        rec.codes = r + 16;
        fn(t, row, rec);
      }
    }
  };
  if (tasks == 1) {
    run(0);
  } else {
    ThreadPool::Shared().ParallelFor(tasks, run);
  }
  for (const Status& e : errors) CANDOR_RETURN_IF_ERROR(e);
  return OkStatus();
}

void IvfFiles::ReadRow(uint64_t row, uint8_t* out) const {
  ReadRows(row, 1, out);
}

void IvfFiles::WillNeed(const uint32_t* rows, size_t n) const {
  static const uint64_t kPage = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t dim = row_dim_;
  // A warm cache is the common case, and one madvise per page costs about
  // 3 us even when the page is resident (3 ms for a 1,024-row re-rank, 7 %
  // of a 45 ms search at 10^8): look at 16 of the pages first (mincore, about
  // 2 us each) and advise only when one of them is not in the cache.
  constexpr size_t kSample = 16;
  bool cold = false;
  for (size_t i = 0; i < std::min(n, kSample) && !cold; ++i) {
    const uint64_t pg = rows[i * n / std::min(n, kSample)] * dim / kPage;
    unsigned char in_core = 0;
    cold = ::mincore(const_cast<uint8_t*>(map_) + pg * kPage, kPage, &in_core) != 0 ||
           (in_core & 1) == 0;
  }
  if (!cold) return;
  std::vector<uint64_t> pages;
  pages.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t b = rows[i] * dim;
    pages.push_back(b / kPage);
    pages.push_back((b + dim - 1) / kPage);
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  for (size_t i = 0; i < pages.size();) {  // one call per run of adjacent pages
    size_t j = i + 1;
    while (j < pages.size() && pages[j] == pages[j - 1] + 1) ++j;
    (void)::madvise(const_cast<uint8_t*>(map_) + pages[i] * kPage, (j - i) * kPage,
                    MADV_WILLNEED);
    i = j;
  }
}

bool IvfFiles::RowShredded(uint64_t row) const {
  const size_t dim = row_dim_;
  const uint8_t* p = map_ + row * dim;
  return std::all_of(p, p + dim, [](uint8_t b) { return b == 0; });
}

void IvfFiles::ReadRows(uint64_t begin, size_t n, uint8_t* out) const {
  const size_t dim = row_dim_;
  std::memcpy(out, map_ + begin * dim, n * dim);
  Crypt(out, n * dim, begin * dim, vec_nonce_);
}

Status IvfFiles::Rewrite(const std::vector<uint8_t>& train, const std::vector<uint8_t>& records) {
  CANDOR_ASSIGN_OR_RETURN(auto next, BeginGeneration(man_.generation + 1, train));
  CANDOR_RETURN_IF_ERROR(next->WriteRecords(0, records.data(), records.size() / RecordBytes(man_.m)));
  return CommitGeneration(*next, man_.recall);
}

IvfPendingGeneration::~IvfPendingGeneration() {
  if (rfd_ >= 0) ::close(rfd_);
  if (!committed_ && files_ != nullptr) {
    std::error_code ec;
    fs::remove(rpath_, ec);
    fs::remove(tpath_, ec);
  }
}

Status IvfPendingGeneration::WriteRecords(uint64_t first, const uint8_t* records, size_t n) {
  if (n == 0) return OkStatus();
  const size_t rb = rb_;
  std::vector<uint8_t> buf(records, records + n * rb);
  files_->Crypt(buf.data(), buf.size(), first * rb, rec_nonce_);
  CANDOR_RETURN_IF_ERROR(IndexPWrite(rfd_, buf.data(), buf.size(), first * rb, rpath_));
  end_ = std::max<uint64_t>(end_, (first + n) * rb);
  return OkStatus();
}

Status IvfPendingGeneration::ZeroRecords(const std::vector<uint64_t>& rows) {
  const size_t rb = rb_;
  const std::vector<uint8_t> zeros(rb, 0);
  for (uint64_t row : rows) {
    CANDOR_RETURN_IF_ERROR(IndexPWrite(rfd_, zeros.data(), rb, row * rb, rpath_));
    end_ = std::max<uint64_t>(end_, (row + 1) * rb);
  }
  return OkStatus();
}

Status IvfPendingGeneration::Sync() { return candor::search::Sync(rfd_, rpath_); }

StatusOr<std::unique_ptr<IvfPendingGeneration>> IvfFiles::BeginGeneration(
    uint64_t next, const std::vector<uint8_t>& train) const {
  if (read_only_) return FailedPreconditionError("index " + dir_ + " is open read-only");
  std::unique_ptr<IvfPendingGeneration> p(new IvfPendingGeneration());
  p->gen_ = next;
  p->rb_ = 20 + code_bytes_;
  p->rpath_ = RecordsPath(next);
  p->tpath_ = TrainPath(next);
  randombytes_buf(p->rec_nonce_.data(), 12);
  randombytes_buf(p->train_nonce_.data(), 12);
  p->train_crc_ = Crc(train.data(), train.size());
  p->train_bytes_ = train.size();
  int tfd = -1;
  CANDOR_RETURN_IF_ERROR(OpenFd(p->tpath_, O_RDWR | O_CREAT | O_TRUNC, &tfd));
  p->files_ = this;  // from here on, the destructor removes the files
  std::vector<uint8_t> buf = train;
  Crypt(buf.data(), buf.size(), 0, p->train_nonce_);
  Status st = IndexPWrite(tfd, buf.data(), buf.size(), 0, p->tpath_);
  if (st.ok()) st = candor::search::Sync(tfd, p->tpath_);
  ::close(tfd);
  CANDOR_RETURN_IF_ERROR(st);
  CANDOR_RETURN_IF_ERROR(OpenFd(p->rpath_, O_RDWR | O_CREAT | O_TRUNC, &p->rfd_));
  return p;
}

Status IvfFiles::CommitGeneration(IvfPendingGeneration& p, const RecallReport& recall) {
  if (p.files_ != this || p.committed_ || p.gen_ != man_.generation + 1) {
    return FailedPreconditionError("index " + dir_ + ": generation " + std::to_string(p.gen_) +
                                   " is not the next one after " + std::to_string(man_.generation));
  }
  const uint64_t want = static_cast<uint64_t>(man_.rows) * RecordBytes(man_.m);
  if (p.end_ != want) {
    return FailedPreconditionError("index " + dir_ + ": generation " + std::to_string(p.gen_) + " holds " +
                                   std::to_string(p.end_) + " bytes of records, " + std::to_string(want) +
                                   " are committed");
  }
  CANDOR_RETURN_IF_ERROR(p.Sync());
  CANDOR_RETURN_IF_ERROR(SyncDir(dir_));
  IvfManifest next = man_;
  next.generation = p.gen_;
  next.rec_nonce = p.rec_nonce_;
  next.train_nonce = p.train_nonce_;
  next.trained = true;
  next.train_crc = p.train_crc_;
  next.train_bytes = p.train_bytes_;
  next.recall = recall;
  CANDOR_RETURN_IF_ERROR(CommitManifest(next));
  p.committed_ = true;
  ::close(rec_fd_);
  rec_fd_ = p.rfd_;
  p.rfd_ = -1;
  std::error_code ec;
  fs::remove(RecordsPath(p.gen_ - 1), ec);
  fs::remove(TrainPath(p.gen_ - 1), ec);
  return OkStatus();
}

StatusOr<std::vector<uint8_t>> IvfFiles::ReadTrain() const {
  const std::string path = TrainPath(man_.generation);
  auto read = ReadFile(path, uint64_t{4} << 30);
  if (!read.ok()) {
    if (read.status().code() == Code::kNotFound) return DataLossError("index file missing: " + path);
    return read.status();
  }
  std::vector<uint8_t> bytes = std::move(*read);
  if (bytes.size() != man_.train_bytes) {
    return DataLossError("index training file " + path + " has " + std::to_string(bytes.size()) +
                         " bytes, manifest says " + std::to_string(man_.train_bytes));
  }
  Crypt(bytes.data(), bytes.size(), 0, man_.train_nonce);
  if (Crc(bytes.data(), bytes.size()) != man_.train_crc) {
    return DataLossError("checksum mismatch (corrupt training data) in " + path);
  }
  return bytes;
}

Status IvfFiles::AppendTombstones(const std::vector<std::pair<uint64_t, int64_t>>& removed) {
  const std::string path = dir_ + "/tombstones.log";
  CANDOR_ASSIGN_OR_RETURN(uint64_t size, FileSize(tomb_fd_, path));
  size -= size % kTombBytes;  // a torn record of a crashed Remove is overwritten
  std::vector<uint8_t> buf(removed.size() * kTombBytes);
  for (size_t i = 0; i < removed.size(); ++i) {
    uint8_t* r = buf.data() + i * kTombBytes;
    PutI64(r, static_cast<int64_t>(removed[i].first));
    PutI64(r + 8, removed[i].second);
    PutU32(r + 16, Mask(Crc(r, 16)));
  }
  CANDOR_RETURN_IF_ERROR(IndexPWrite(tomb_fd_, buf.data(), buf.size(), size, path));
  return Sync(tomb_fd_, path);
}

StatusOr<std::vector<std::pair<uint64_t, int64_t>>> IvfFiles::ReadTombstones() {
  const std::string path = dir_ + "/tombstones.log";
  if (tomb_fd_ < 0) return std::vector<std::pair<uint64_t, int64_t>>{};
  CANDOR_ASSIGN_OR_RETURN(uint64_t size, FileSize(tomb_fd_, path));
  std::vector<uint8_t> buf(static_cast<size_t>(size));
  if (size > 0) CANDOR_RETURN_IF_ERROR(IndexPRead(tomb_fd_, buf.data(), buf.size(), 0, path));
  std::vector<std::pair<uint64_t, int64_t>> out;
  size_t off = 0;
  for (; off + kTombBytes <= buf.size(); off += kTombBytes) {
    const uint8_t* r = buf.data() + off;
    if (GetU32(r + 16) != Mask(Crc(r, 16))) break;
    const int64_t row = GetI64(r);
    if (row < 0 || row >= man_.rows) break;
    out.emplace_back(static_cast<uint64_t>(row), GetI64(r + 8));
  }
  // Only the last record may be torn (a Remove that never returned); damage
  // before it is corruption of acknowledged removals.
  if (buf.size() - off > kTombBytes) {
    return DataLossError("checksum mismatch (corrupt record) in " + path + " at offset " +
                         std::to_string(off));
  }
  if (off != buf.size() && !read_only_ && ::ftruncate(tomb_fd_, static_cast<off_t>(off)) != 0) {
    return IndexIoError("truncate", path);
  }
  return out;
}

Status IvfFiles::Shred(const std::vector<uint64_t>& rows) {
  const size_t dim = static_cast<size_t>(man_.dim);
  const size_t rb = RecordBytes(man_.m);
  const std::vector<uint8_t> zeros(std::max(dim, rb), 0);
  const std::string vpath = dir_ + "/vectors.i8", rpath = RecordsPath(man_.generation);
  for (uint64_t row : rows) {
    CANDOR_RETURN_IF_ERROR(IndexPWrite(vec_fd_, zeros.data(), dim, row * dim, vpath));
    CANDOR_RETURN_IF_ERROR(IndexPWrite(rec_fd_, zeros.data(), rb, row * rb, rpath));
  }
  CANDOR_RETURN_IF_ERROR(Sync(vec_fd_, vpath));
  return Sync(rec_fd_, rpath);
}

Status IvfFiles::SaveRecall(const RecallReport& r) {
  IvfManifest next = man_;
  next.recall = r;
  return CommitManifest(next);
}

}  // namespace candor::search
