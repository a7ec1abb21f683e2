// Copyright 2026 The Candor Authors.
//
// IvfFiles: the on-disk form of a persistent compressed index (docs/STORE.md,
// "Index files"). A directory holds
//   MANIFEST          the commit point: dimension, spec, committed row count,
//                     current file generation, nonces, key check, recall
//                     setting; text lines ending with a CRC-32C line; replaced
//                     only by write-temp, fsync, rename, fsync(dir).
//   vectors.i8        the int8 templates, dim bytes per row, append-only,
//                     memory-mapped; read one row at a time for the re-rank.
//   records.<gen>     one fixed-size record per row: id, partition, CRC of the
//                     row's int8 template, 4-bit codes, CRC of the record.
//                     Rewritten whole (new generation) when the index trains.
//   train.<gen>       coarse centroids and product-quantiser codebooks.
// A new generation is written beside the live one (IvfPendingGeneration: a
// retrain writes it while searches, adds and removals go on against the old
// one), synced, and committed by the manifest's rename; a crash before that
// rename leaves the old generation, and the writer's next Open removes the
// files of any generation the manifest does not name.
//   tombstones.log    one record (row, id, CRC) per removal, fsync'ed before
//                     Remove returns; replayed at open.
// With a key, every byte of vectors.i8, records.* and train.* is encrypted
// with ChaCha20 (IETF, key = the 32-byte index key, a random nonce per file
// generation, counter = byte offset / 64), so any row decrypts on its own.
// Integrity is CRC-32C over the plaintext (corruption, not tampering).
//
// Rows past the committed count (an Add that crashed before its manifest
// commit) are cut off at open. A removed row is overwritten with zeros in
// vectors.i8 and records (Shred) after its tombstone is durable.
//
// Read-only (IndexFiles::read_only; a reader beside a live writer): the files
// are opened O_RDONLY, rows past the manifest's count are ignored rather than
// cut, a torn tombstone is ignored rather than truncated; the writing calls
// fail (the index refuses them first).
//
// Thread safety: Append/Rewrite/AppendTombstones/Shred/SaveManifest need
// external exclusion (the index's write lock); ReadRow/ReadRows/RowShredded are
// safe concurrently with each other and with those (the mapping is reserved
// once and never moves; a row being shredded may read as either).

#ifndef CANDOR_SEARCH_IVF_FILES_H_
#define CANDOR_SEARCH_IVF_FILES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "candor/index.h"
#include "candor/status.h"

namespace candor::search {

using Nonce = std::array<uint8_t, 12>;

struct IvfManifest {
  int dim = 0;
  int m = 0;                 // sub-quantisers (fixes the record size)
  std::string spec;
  int64_t rows = 0;          // committed rows
  uint64_t generation = 1;   // of records.<gen> and train.<gen>
  bool trained = false;
  uint32_t train_crc = 0;
  uint64_t train_bytes = 0;
  Nonce vec_nonce{}, rec_nonce{}, train_nonce{};
  std::string key_check;  // hex keyed BLAKE2b of a fixed string; empty: no key
  RecallReport recall;
};

// Record layout (little-endian): id int64 | list uint32 | vector crc uint32 |
// m/2 bytes of codes | record crc uint32 (masked CRC-32C of the bytes before).
inline size_t RecordBytes(int m) { return 20 + static_cast<size_t>(m) / 2; }
inline constexpr uint32_t kNoList = 0xFFFFFFFFu;
// The masked CRC-32C a valid record (m sub-quantisers, plaintext) ends with.
uint32_t RecordCrc(const uint8_t* record, int m);

struct RowRecord {
  int64_t id = 0;
  uint32_t list = kNoList;
  uint32_t vec_crc = 0;
  const uint8_t* codes = nullptr;  // m/2 bytes (packed nibbles), valid during the callback
};

class IvfFiles;

// The files of the next generation (records.<g+1>, train.<g+1>) being written
// beside the live one. Created by IvfFiles::BeginGeneration, filled with
// WriteRecords (any order, any number of calls), committed by
// IvfFiles::CommitGeneration; destroyed uncommitted, it removes its files.
// Thread safety: one thread at a time; independent of the IvfFiles calls
// (its own descriptor and nonce; the key and record size are fixed).
class IvfPendingGeneration {
 public:
  ~IvfPendingGeneration();
  IvfPendingGeneration(const IvfPendingGeneration&) = delete;
  IvfPendingGeneration& operator=(const IvfPendingGeneration&) = delete;

  uint64_t generation() const { return gen_; }
  // Writes n packed records (IvfFiles::PackRecord) for rows [first, first + n).
  Status WriteRecords(uint64_t first, const uint8_t* records, size_t n);
  // Writes zero records (a removed row, as Shred leaves it) for these rows.
  Status ZeroRecords(const std::vector<uint64_t>& rows);
  // fdatasync of the records written so far.
  Status Sync();

 private:
  friend class IvfFiles;
  IvfPendingGeneration() = default;
  const IvfFiles* files_ = nullptr;
  uint64_t gen_ = 0;
  size_t rb_ = 0;  // record bytes
  Nonce rec_nonce_{}, train_nonce_{};
  uint32_t train_crc_ = 0;
  uint64_t train_bytes_ = 0;
  uint64_t end_ = 0;  // bytes of records.<gen> written (the furthest end)
  int rfd_ = -1;
  std::string rpath_, tpath_;
  bool committed_ = false;
};

class IvfFiles {
 public:
  ~IvfFiles();
  IvfFiles(const IvfFiles&) = delete;
  IvfFiles& operator=(const IvfFiles&) = delete;

  static StatusOr<std::unique_ptr<IvfFiles>> Create(const IndexFiles& files, IvfManifest m);
  static StatusOr<std::unique_ptr<IvfFiles>> Open(const IndexFiles& files);

  const IvfManifest& manifest() const { return man_; }
  const std::string& dir() const { return dir_; }
  bool encrypted() const { return !key_.empty(); }
  // Opened with IndexFiles::read_only: nothing is written, truncated or created.
  bool read_only() const { return read_only_; }

  // Packs a record (codes: m/2 packed bytes) into `out` (RecordBytes(m)).
  // Safe concurrently with every other call (m is fixed at Create/Open).
  void PackRecord(const RowRecord& r, uint8_t* out) const;

  // Appends n rows (vectors: n * dim int8 codes; records: n packed records),
  // syncs both files and commits the manifest with rows += n.
  Status Append(const uint8_t* vectors, const uint8_t* records, size_t n);
  // Calls fn(task, row, record) for every committed row; DATA_LOSS on a bad
  // record (file and offset named) unless `skip(row)` says the row is removed.
  // The rows are split into `tasks` contiguous ranges, task t taking the t-th
  // in row order, run in parallel (the callbacks of different tasks run
  // concurrently; within a task rows come in order).
  Status ForEachRecord(int tasks, const std::function<void(int, uint64_t, const RowRecord&)>& fn,
                       const std::function<bool(uint64_t)>& skip) const {
    return ForEachRecordFrom(0, tasks, fn, skip);
  }
  // The same over the committed rows from `first` on (the tail a snapshot does
  // not cover: ivf_snapshot.h); tasks split [first, rows).
  Status ForEachRecordFrom(uint64_t first, int tasks,
                           const std::function<void(int, uint64_t, const RowRecord&)>& fn,
                           const std::function<bool(uint64_t)>& skip) const;
  // Decrypts row `row` into out (dim bytes).
  void ReadRow(uint64_t row, uint8_t* out) const;
  // Asks the kernel to start reading the pages of rows[0..n) that are not in
  // the page cache (MADV_WILLNEED), all at once, so that the ReadRow calls
  // that follow wait for one round of parallel reads rather than one
  // synchronous page fault after another (the mapping is MADV_RANDOM). When
  // a sample of 16 of the rows' pages is all in the cache it does nothing
  // (about 30 us). Only advice: never fails, changes no data.
  void WillNeed(const uint32_t* rows, size_t n) const;
  // True if row's bytes on disk are all zero (Shred overwrote it).
  bool RowShredded(uint64_t row) const;
  // Decrypts rows [begin, begin + n) into out.
  void ReadRows(uint64_t begin, size_t n, uint8_t* out) const;
  // Training: writes train.<gen+1> (plaintext blob) and records.<gen+1> (all
  // rows, packed), then commits the manifest (trained) and deletes the old files.
  Status Rewrite(const std::vector<uint8_t>& train, const std::vector<uint8_t>& records);
  // The next generation, to be written beside this one: train.<next> is
  // written and synced now, records.<next> created empty. `next` must be
  // manifest().generation + 1 when CommitGeneration runs (read it under the
  // writer's lock; this call needs none: it touches only the new files).
  StatusOr<std::unique_ptr<IvfPendingGeneration>> BeginGeneration(uint64_t next,
                                                                  const std::vector<uint8_t>& train) const;
  // Commits it with this recall setting: syncs its records and the
  // directory, renames the manifest (generation, training, nonces, recall),
  // then deletes the old generation's files. FAILED_PRECONDITION (nothing
  // changed) if it is not the next generation or does not hold a record for
  // every committed row. Needs the writer's exclusion, as Append.
  Status CommitGeneration(IvfPendingGeneration& next, const RecallReport& recall);
  StatusOr<std::vector<uint8_t>> ReadTrain() const;
  // Durably logs removals (row, id pairs).
  Status AppendTombstones(const std::vector<std::pair<uint64_t, int64_t>>& removed);
  // The logged removals (a torn last record is dropped).
  StatusOr<std::vector<std::pair<uint64_t, int64_t>>> ReadTombstones();
  // Overwrites a removed row's template and record with zeros (synced).
  Status Shred(const std::vector<uint64_t>& rows);
  // Commits a new recall setting.
  Status SaveRecall(const RecallReport& r);
  // XORs `len` bytes at file offset `offset` with the ChaCha20 keystream of
  // nonce n under the index key (encrypts and decrypts; nothing without a key).
  void Crypt(uint8_t* buf, size_t len, uint64_t offset, const Nonce& n) const;

 private:
  IvfFiles() = default;
  Status CommitManifest(const IvfManifest& m);
  Status MapVectors();
  std::string RecordsPath(uint64_t gen) const;
  std::string TrainPath(uint64_t gen) const;

  std::string dir_;
  std::vector<uint8_t> key_;
  bool read_only_ = false;
  IvfManifest man_;
  int vec_fd_ = -1;
  int rec_fd_ = -1;
  int tomb_fd_ = -1;
  const uint8_t* map_ = nullptr;
  size_t map_len_ = 0;
  // Fixed at Create/Open (vectors.i8 keeps its nonce): ReadRow(s) and
  // RowShredded read only these, so a retrain's reads need no lock against
  // the writer's manifest commits.
  size_t row_dim_ = 0;
  Nonce vec_nonce_{};
  size_t code_bytes_ = 0;  // m / 2, fixed at Create/Open (PackRecord)
};

// Positioned I/O on the index files (retrying on EINTR; ivf_snapshot.cc uses
// them too): IndexPRead is DATA_LOSS at an unexpected end of file; errors from
// errno are INTERNAL, or RESOURCE_EXHAUSTED when the disk is full.
Status IndexIoError(const std::string& what, const std::string& path);
Status IndexPWrite(int fd, const uint8_t* p, size_t n, uint64_t off, const std::string& path);
Status IndexPRead(int fd, uint8_t* p, size_t n, uint64_t off, const std::string& path);

// Parses / prints a manifest (exposed for tests).
std::string EncodeManifest(const IvfManifest& m);
StatusOr<IvfManifest> DecodeManifest(const std::string& text, const std::string& path);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_IVF_FILES_H_
