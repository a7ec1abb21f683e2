// Copyright 2026 The Candor Authors.

#include "search/ivf_snapshot.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/file_util.h"
#include "common/hash.h"
#include "search/pq4_layout.h"
#include "search/thread_pool.h"

namespace candor::search {
namespace {

constexpr char kMagic[8] = {'C', 'N', 'D', 'R', 'S', 'N', 'P', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 128;
constexpr uint64_t kDataStart = 4096;
constexpr uint64_t kChunk = 65536;

uint32_t Crc(const uint8_t* p, size_t n) { return Crc32c(std::span<const uint8_t>(p, n)); }

void Put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void Put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t Get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

int Tasks(uint64_t chunks) {
  const uint64_t hw = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::clamp<uint64_t>(chunks / 16, 1, hw));
}

// Runs fn(t) for t in [0, tasks) on the shared pool (inline for one task).
void Parallel(int tasks, const std::function<void(int)>& fn) {
  if (tasks == 1) {
    fn(0);
  } else {
    ThreadPool::Shared().ParallelFor(tasks, fn);
  }
}

// Sizes `v` to n zeros, asking for transparent huge pages before the first
// touch when it is large: materialising fresh memory page by page dominated
// the load on this VM (one fault per 4 KiB); advice only, never contents.
template <typename T>
void AssignZeros(std::vector<T>& v, size_t n) {
  v.clear();
  v.shrink_to_fit();
  v.reserve(n);
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t b = (reinterpret_cast<uintptr_t>(v.data()) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(v.data() + n)) & ~(kHuge - 1);
  if (e > b) (void)::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
  v.resize(n);
}

}  // namespace

IvfSnapshot::~IvfSnapshot() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t IvfSnapshot::Chunks() const { return (data_bytes_ + kChunk - 1) / kChunk; }
uint64_t IvfSnapshot::TableOffset() const { return kDataStart + data_bytes_; }

void IvfSnapshot::Layout() {
  const uint64_t bb = Pq4BlockBytes(m_);
  off_ids_ = uint64_t{nlist_} * 8;
  off_crc_ = off_ids_ + rows_ * 8;
  off_dead_ = off_crc_ + rows_ * 4;
  off_rows_ = off_dead_ + (rows_ + 63) / 64 * 8;
  off_codes_ = off_rows_ + listed_ * 4;
  code_off_.assign(nlist_, 0);
  uint64_t at = off_codes_;
  for (size_t l = 0; l < nlist_; ++l) {
    code_off_[l] = at;
    at += (list_size_[l] + kPq4Block - 1) / kPq4Block * bb;
  }
  off_slots_ = at;
  data_bytes_ = off_slots_ + slots_ * 8;
}

std::vector<IvfSnapshot::Extent> IvfSnapshot::Extents(const IvfState& s, uint8_t* sizes) const {
  std::vector<Extent> e;
  e.reserve(2 * size_t{nlist_} + 8);
  const auto add = [&](uint64_t off, uint64_t len, void* p) {
    if (len > 0) e.push_back({off, len, static_cast<uint8_t*>(p)});
  };
  add(0, uint64_t{nlist_} * 8, sizes);
  add(off_ids_, rows_ * 8, s.ids->data());
  add(off_crc_, rows_ * 4, s.vec_crc->data());
  add(off_dead_, (rows_ + 63) / 64 * 8, s.dead->data());
  uint64_t at = off_rows_;
  for (size_t l = 0; l < nlist_; ++l) {
    add(at, list_size_[l] * 4, (*s.lists)[l].rows.data());
    at += list_size_[l] * 4;
  }
  for (size_t l = 0; l < nlist_; ++l) {
    const uint64_t len = (l + 1 < nlist_ ? code_off_[l + 1] : off_slots_) - code_off_[l];
    add(code_off_[l], len, (*s.lists)[l].codes.data());
  }
  add(off_slots_, slots_ * 8, const_cast<uint64_t*>(s.map->slots().data()));
  return e;
}

Status IvfSnapshot::WriteTable() {
  std::vector<uint8_t> t(table_.size() * 4 + 4);
  std::memcpy(t.data(), table_.data(), table_.size() * 4);
  Put32(t.data() + table_.size() * 4, Crc32cMask(Crc(t.data(), table_.size() * 4)));
  files_->Crypt(t.data(), t.size(), TableOffset(), nonce_);
  return IndexPWrite(fd_, t.data(), t.size(), TableOffset(), path_);
}

StatusOr<std::unique_ptr<IvfSnapshot>> IvfSnapshot::Write(const IvfFiles& files, int nlist,
                                                          const IvfState& s) {
  const IvfManifest& man = files.manifest();
  std::unique_ptr<IvfSnapshot> snap(new IvfSnapshot());
  snap->files_ = &files;
  snap->path_ = files.dir() + "/snapshot";
  snap->dim_ = static_cast<uint32_t>(man.dim);
  snap->m_ = static_cast<uint32_t>(man.m);
  snap->nlist_ = static_cast<uint32_t>(nlist);
  snap->generation_ = man.generation;
  snap->rows_ = s.ids->size();
  if (snap->rows_ != static_cast<uint64_t>(man.rows) ||
      s.lists->size() != static_cast<size_t>(nlist) || s.vec_crc->size() != snap->rows_ ||
      s.dead->size() != (snap->rows_ + 63) / 64) {
    return InternalError("index snapshot: the state does not match the committed rows");
  }
  snap->list_size_.resize(static_cast<size_t>(nlist));
  for (size_t l = 0; l < snap->list_size_.size(); ++l) {
    snap->list_size_[l] = (*s.lists)[l].rows.size();
    snap->listed_ += snap->list_size_[l];
  }
  snap->live_ = s.map->size();
  snap->slots_ = s.map->slots().size();
  snap->Layout();
  randombytes_buf(snap->nonce_.data(), snap->nonce_.size());
  snap->table_.assign(snap->Chunks(), 0);
  std::vector<uint64_t> sizes = snap->list_size_;
  const std::vector<Extent> ext = snap->Extents(s, reinterpret_cast<uint8_t*>(sizes.data()));

  const std::string tmp = files.dir() + "/snapshot.tmp";
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IndexIoError("create", tmp);
  snap->fd_ = fd;
  const auto fail = [&](Status st) {
    ::close(snap->fd_);
    snap->fd_ = -1;
    ::unlink(tmp.c_str());
    return st;
  };
  uint8_t h[kHeaderBytes] = {0};
  std::memcpy(h, kMagic, 8);
  Put32(h + 8, kVersion);
  Put32(h + 12, snap->dim_);
  Put32(h + 16, snap->m_);
  Put32(h + 20, snap->nlist_);
  Put64(h + 24, snap->generation_);
  Put64(h + 32, snap->rows_);
  Put64(h + 40, snap->live_);
  Put64(h + 48, snap->slots_);
  Put32(h + 56, static_cast<uint32_t>(kChunk));
  std::memcpy(h + 64, snap->nonce_.data(), 12);
  Put64(h + 80, snap->listed_);
  Put64(h + 88, snap->data_bytes_);
  Put32(h + kHeaderBytes - 4, Crc32cMask(Crc(h, kHeaderBytes - 4)));
  Status st = IndexPWrite(fd, h, kHeaderBytes, 0, tmp);
  if (!st.ok()) return fail(st);

  const uint64_t chunks = snap->Chunks();
  const int tasks = Tasks(chunks);
  std::vector<Status> errors(static_cast<size_t>(tasks));
  IvfSnapshot* sp = snap.get();
  Parallel(tasks, [&](int t) {
    std::vector<uint8_t> buf(kChunk);
    const uint64_t c_end = chunks * static_cast<uint64_t>(t + 1) / static_cast<uint64_t>(tasks);
    for (uint64_t c = chunks * static_cast<uint64_t>(t) / static_cast<uint64_t>(tasks); c < c_end;
         ++c) {
      const uint64_t begin = c * kChunk, end = std::min(begin + kChunk, sp->data_bytes_);
      auto it = std::partition_point(ext.begin(), ext.end(),
                                     [&](const Extent& x) { return x.off + x.len <= begin; });
      for (; it != ext.end() && it->off < end; ++it) {
        const uint64_t from = std::max(begin, it->off), to = std::min(end, it->off + it->len);
        std::memcpy(buf.data() + (from - begin), it->ptr + (from - it->off), to - from);
      }
      const size_t len = static_cast<size_t>(end - begin);
      sp->table_[c] = Crc(buf.data(), len);
      files.Crypt(buf.data(), len, kDataStart + begin, sp->nonce_);
      Status w = IndexPWrite(fd, buf.data(), len, kDataStart + begin, tmp);
      if (!w.ok()) {
        errors[static_cast<size_t>(t)] = w;
        return;
      }
    }
  });
  for (const Status& e : errors) {
    if (!e.ok()) return fail(e);
  }
  snap->path_ = tmp;
  st = snap->WriteTable();
  snap->path_ = files.dir() + "/snapshot";
  if (!st.ok()) return fail(st);
  if (::fdatasync(fd) != 0) return fail(IndexIoError("fdatasync", tmp));
  if (::rename(tmp.c_str(), snap->path_.c_str()) != 0) return fail(IndexIoError("rename", tmp));
  CANDOR_RETURN_IF_ERROR(SyncDir(files.dir()));
  return snap;
}

StatusOr<std::unique_ptr<IvfSnapshot>> IvfSnapshot::Load(const IvfFiles& files, int nlist,
                                                         const IvfState& s) {
  const IvfManifest& man = files.manifest();
  std::unique_ptr<IvfSnapshot> snap(new IvfSnapshot());
  snap->files_ = &files;
  snap->path_ = files.dir() + "/snapshot";
  const std::string& path = snap->path_;
  snap->fd_ = ::open(path.c_str(), (files.read_only() ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (snap->fd_ < 0) {
    if (errno == ENOENT) return NotFoundError("no index snapshot " + path);
    return IndexIoError("open", path);
  }
  const int fd = snap->fd_;
  const auto corrupt = [&](const std::string& why) {
    return DataLossError("index snapshot " + path + ": " + why);
  };
  uint8_t h[kHeaderBytes];
  CANDOR_RETURN_IF_ERROR(IndexPRead(fd, h, kHeaderBytes, 0, path));
  if (std::memcmp(h, kMagic, 8) != 0 ||
      Get32(h + kHeaderBytes - 4) != Crc32cMask(Crc(h, kHeaderBytes - 4))) {
    return corrupt("header checksum mismatch");
  }
  if (Get32(h + 8) != kVersion || Get32(h + 56) != kChunk)
    return FailedPreconditionError("index snapshot version");
  snap->dim_ = Get32(h + 12);
  snap->m_ = Get32(h + 16);
  snap->nlist_ = Get32(h + 20);
  snap->generation_ = Get64(h + 24);
  snap->rows_ = Get64(h + 32);
  snap->live_ = Get64(h + 40);
  snap->slots_ = Get64(h + 48);
  std::memcpy(snap->nonce_.data(), h + 64, 12);
  snap->listed_ = Get64(h + 80);
  const uint64_t data_bytes = Get64(h + 88);
  if (snap->dim_ != static_cast<uint32_t>(man.dim) || snap->m_ != static_cast<uint32_t>(man.m) ||
      snap->nlist_ != static_cast<uint32_t>(nlist) || snap->generation_ != man.generation ||
      snap->rows_ > static_cast<uint64_t>(man.rows)) {
    return FailedPreconditionError(
        "index snapshot is stale (generation " + std::to_string(snap->generation_) + ", " +
        std::to_string(snap->rows_) + " rows; the index has generation " +
        std::to_string(man.generation) + ", " + std::to_string(man.rows) + " rows)");
  }
  const uint64_t slots = snap->slots_;
  if (snap->listed_ > snap->rows_ || snap->live_ > snap->rows_ || (slots & (slots - 1)) != 0 ||
      (slots == 0) != (snap->live_ == 0) || slots > (uint64_t{1} << 40)) {
    return corrupt("header values out of range");
  }
  // The list sizes fix the layout: the data size must agree, and so must the file's.
  snap->data_bytes_ = data_bytes;
  const uint64_t chunks = snap->Chunks();
  struct stat st;
  if (::fstat(fd, &st) != 0) return IndexIoError("stat", path);
  if (data_bytes > (uint64_t{1} << 44) ||
      static_cast<uint64_t>(st.st_size) != snap->TableOffset() + chunks * 4 + 4) {
    return corrupt("size " + std::to_string(st.st_size) +
                   " does not match its header (truncated?)");
  }
  {
    std::vector<uint8_t> t(chunks * 4 + 4);
    CANDOR_RETURN_IF_ERROR(IndexPRead(fd, t.data(), t.size(), snap->TableOffset(), path));
    files.Crypt(t.data(), t.size(), snap->TableOffset(), snap->nonce_);
    if (Get32(t.data() + chunks * 4) != Crc32cMask(Crc(t.data(), chunks * 4)))
      return corrupt("checksum table mismatch");
    snap->table_.resize(chunks);
    std::memcpy(snap->table_.data(), t.data(), chunks * 4);
  }
  const auto read_chunk = [&](uint64_t c, uint8_t* buf, size_t* len) -> Status {
    const uint64_t begin = c * kChunk;
    *len = static_cast<size_t>(std::min(kChunk, snap->data_bytes_ - begin));
    CANDOR_RETURN_IF_ERROR(IndexPRead(fd, buf, *len, kDataStart + begin, path));
    files.Crypt(buf, *len, kDataStart + begin, snap->nonce_);
    if (Crc(buf, *len) != snap->table_[c])
      return corrupt("checksum mismatch at offset " + std::to_string(kDataStart + begin));
    return OkStatus();
  };
  // The list sizes (the first section).
  std::vector<uint64_t> sizes(snap->nlist_);
  {
    const uint64_t bytes = sizes.size() * 8;
    if (bytes > data_bytes) return corrupt("too short for its list sizes");
    std::vector<uint8_t> buf(kChunk);
    for (uint64_t c = 0; c * kChunk < bytes; ++c) {
      size_t len = 0;
      CANDOR_RETURN_IF_ERROR(read_chunk(c, buf.data(), &len));
      const size_t take = static_cast<size_t>(std::min<uint64_t>(len, bytes - c * kChunk));
      std::memcpy(reinterpret_cast<uint8_t*>(sizes.data()) + c * kChunk, buf.data(), take);
    }
  }
  uint64_t listed = 0;
  for (uint64_t n : sizes) {
    if (n > snap->rows_) return corrupt("a list larger than the index");
    listed += n;
  }
  if (listed != snap->listed_) return corrupt("list sizes do not add up");
  snap->list_size_ = sizes;
  snap->Layout();
  if (snap->data_bytes_ != data_bytes) return corrupt("layout does not match its header");

  const size_t rows = static_cast<size_t>(snap->rows_);
  AssignZeros(*s.ids, rows);
  AssignZeros(*s.vec_crc, rows);
  AssignZeros(*s.dead, (rows + 63) / 64);
  s.lists->assign(snap->nlist_, IvfList{});
  std::vector<CodeBuffer*> code_bufs(snap->nlist_);
  std::vector<size_t> code_bytes(snap->nlist_);
  for (size_t l = 0; l < snap->nlist_; ++l) {
    (*s.lists)[l].rows.resize(sizes[l]);
    code_bufs[l] = &(*s.lists)[l].codes;
    code_bytes[l] = (sizes[l] + kPq4Block - 1) / kPq4Block * Pq4BlockBytes(snap->m_);
  }
  AllocateListCodes(code_bufs, code_bytes);
  std::vector<uint64_t> slot_table;
  AssignZeros(slot_table, static_cast<size_t>(slots));
  // Extents() reads the slot table through the map: point it at slot_table.
  std::vector<Extent> ext = snap->Extents(s, reinterpret_cast<uint8_t*>(sizes.data()));
  if (slots > 0) ext.back().ptr = reinterpret_cast<uint8_t*>(slot_table.data());
  // The sizes were read above: let the bulk pass write them to a scratch copy.
  std::vector<uint64_t> sizes_again(sizes.size());
  if (!sizes.empty()) ext.front().ptr = reinterpret_cast<uint8_t*>(sizes_again.data());

  const int tasks = Tasks(chunks);
  std::vector<Status> errors(static_cast<size_t>(tasks));
  Parallel(tasks, [&](int t) {
    std::vector<uint8_t> buf(kChunk);
    const uint64_t c_end = chunks * static_cast<uint64_t>(t + 1) / static_cast<uint64_t>(tasks);
    for (uint64_t c = chunks * static_cast<uint64_t>(t) / static_cast<uint64_t>(tasks); c < c_end;
         ++c) {
      size_t len = 0;
      Status r = read_chunk(c, buf.data(), &len);
      if (!r.ok()) {
        errors[static_cast<size_t>(t)] = r;
        return;
      }
      const uint64_t begin = c * kChunk, end = begin + len;
      auto it = std::partition_point(ext.begin(), ext.end(),
                                     [&](const Extent& x) { return x.off + x.len <= begin; });
      for (; it != ext.end() && it->off < end; ++it) {
        const uint64_t from = std::max(begin, it->off), to = std::min(end, it->off + it->len);
        std::memcpy(it->ptr + (from - it->off), buf.data() + (from - begin), to - from);
      }
    }
  });
  for (const Status& e : errors) CANDOR_RETURN_IF_ERROR(e);
  // Checks that keep a damaged (or altered) file from causing out-of-range
  // reads: list rows in range and ascending, the id map's slots in range.
  std::vector<char> bad(snap->nlist_, 0);
  Parallel(tasks, [&](int t) {
    for (size_t l = static_cast<size_t>(t); l < snap->nlist_; l += static_cast<size_t>(tasks)) {
      const auto& r = (*s.lists)[l].rows;
      for (size_t i = 0; i < r.size(); ++i) {
        if (r[i] >= rows || (i > 0 && r[i] <= r[i - 1])) {
          bad[l] = 1;
          break;
        }
      }
    }
  });
  if (std::find(bad.begin(), bad.end(), 1) != bad.end())
    return corrupt("a list names a row out of range");
  uint64_t dead = 0;
  for (uint64_t w : *s.dead) dead += static_cast<uint64_t>(__builtin_popcountll(w));
  if (snap->live_ + dead != snap->rows_) return corrupt("live and removed rows do not add up");
  if (!s.map->Adopt(std::move(slot_table), static_cast<size_t>(snap->live_), rows)) {
    return corrupt("id map out of range");
  }
  return snap;
}

Status IvfSnapshot::Shred(const std::vector<Where>& where) {
  if (where.empty()) return OkStatus();
  const uint64_t bb = Pq4BlockBytes(m_);
  std::vector<uint64_t> offs;
  offs.reserve(where.size() * (m_ / 2 + 4));
  for (const Where& w : where) {
    if (w.row >= rows_ || w.list >= nlist_ || w.pos >= list_size_[w.list]) {
      return InternalError("index snapshot: shred of a row it does not hold");
    }
    const uint64_t base = code_off_[w.list] + w.pos / kPq4Block * bb + w.pos % kPq4Block;
    for (uint64_t p = 0; p < m_ / 2; ++p) offs.push_back(base + p * kPq4Block);
    for (uint64_t b = 0; b < 4; ++b) offs.push_back(off_crc_ + w.row * 4 + b);
  }
  std::sort(offs.begin(), offs.end());
  std::vector<uint8_t> buf(kChunk);
  for (size_t i = 0; i < offs.size();) {
    const uint64_t c = offs[i] / kChunk, begin = c * kChunk;
    const size_t len = static_cast<size_t>(std::min(kChunk, data_bytes_ - begin));
    CANDOR_RETURN_IF_ERROR(IndexPRead(fd_, buf.data(), len, kDataStart + begin, path_));
    files_->Crypt(buf.data(), len, kDataStart + begin, nonce_);
    if (Crc(buf.data(), len) != table_[c]) {
      return DataLossError("index snapshot " + path_ + ": checksum mismatch at offset " +
                           std::to_string(kDataStart + begin));
    }
    for (; i < offs.size() && offs[i] / kChunk == c; ++i) buf[offs[i] - begin] = 0;
    table_[c] = Crc(buf.data(), len);
    files_->Crypt(buf.data(), len, kDataStart + begin, nonce_);
    CANDOR_RETURN_IF_ERROR(IndexPWrite(fd_, buf.data(), len, kDataStart + begin, path_));
  }
  CANDOR_RETURN_IF_ERROR(WriteTable());
  if (::fdatasync(fd_) != 0) return IndexIoError("fdatasync", path_);
  return OkStatus();
}

Status IvfSnapshot::Delete(const std::string& dir) {
  bool removed = false;
  for (const std::string name : {"/snapshot", "/snapshot.tmp"}) {
    if (::unlink((dir + name).c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT) {
      return IndexIoError("remove", dir + name);
    }
  }
  return removed ? SyncDir(dir) : OkStatus();
}

}  // namespace candor::search
