// Copyright 2026 The Candor Authors.
//
// IvfSnapshot: DIR/snapshot, a list-ordered image of a trained persistent
// compressed index's in-RAM state, so that OpenIndex loads it with bulk reads,
// decryption and memcpy instead of reading, checking and scattering every
// row's record (docs/STORE.md, "Index files"; figures in docs/BENCHMARKS.md).
//
// It holds, for the first rows() committed rows: the list sizes, each row's id
// and template CRC, the tombstone bits, every list's rows and its 4-bit codes
// in the fast-scan block layout (pq4_layout.h), and the id map's slot table.
//
//   bytes [0, 128)      header, plaintext: shape (dim, m, nlist), the records
//                       generation and row count it covers, section sizes,
//                       nonce; CRC-32C (masked) of the header.
//   bytes [4096, ...)   the sections, then a table of one CRC-32C per 64 KiB
//                       chunk of their plaintext and a CRC of that table. All
//                       ChaCha20-encrypted under the index key (IETF, a random
//                       nonce per snapshot, counter = file offset / 64), as
//                       vectors.i8 and records.* are (ivf_files.h).
//
// Valid only for the records generation it names and at most the committed
// row count: rows added after it (the tail) are read from their records and
// the tombstone log is replayed over it by the caller. Written the leveldb
// way (snapshot.tmp, fdatasync, rename, fsync(dir)); a crash leaves the old
// snapshot or none. Load refuses with NOT_FOUND (no file), FAILED_PRECONDITION
// (another generation or shape, or more rows than are committed: stale) or
// DATA_LOSS (any checksum, size or range check fails); the caller then falls
// back to the records. Shred overwrites a removed row's codes and template
// CRC in the file with (encrypted) zeros, keeping the checksums right.
//
// The writer must hand over lists that hold no removed row (their codes would
// be written) and zero template CRCs for removed rows.
//
// Thread safety: none; the index calls it under its exclusive lock (or before
// the index is shared, at open).

#ifndef CANDOR_SEARCH_IVF_SNAPSHOT_H_
#define CANDOR_SEARCH_IVF_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "candor/status.h"
#include "search/code_buffer.h"
#include "search/id_map.h"
#include "search/ivf_files.h"

namespace candor::search {

// One partition of the compressed index: its rows (ascending) and their codes.
struct IvfList {
  CodeBuffer codes;            // blocks of 64 (pq4_layout.h)
  std::vector<uint32_t> rows;  // row of each vector
};

// The index state a snapshot holds: the index's own members (written from,
// or loaded into: vectors are resized, the map adopts the loaded slots).
struct IvfState {
  std::vector<int64_t>* ids;       // row -> id
  std::vector<uint32_t>* vec_crc;  // row -> CRC-32C of its int8 template
  std::vector<uint64_t>* dead;     // tombstone bits
  std::vector<IvfList>* lists;
  IdMap* map;  // over *ids
};

class IvfSnapshot {
 public:
  ~IvfSnapshot();
  IvfSnapshot(const IvfSnapshot&) = delete;
  IvfSnapshot& operator=(const IvfSnapshot&) = delete;

  // Replaces DIR/snapshot with the state, which must cover exactly the
  // committed rows (state.ids->size() == files.manifest().rows).
  static StatusOr<std::unique_ptr<IvfSnapshot>> Write(const IvfFiles& files, int nlist,
                                                      const IvfState& state);
  // Loads DIR/snapshot into the state (errors above; on error the state is
  // partly overwritten and must be rebuilt by the caller).
  static StatusOr<std::unique_ptr<IvfSnapshot>> Load(const IvfFiles& files, int nlist,
                                                     const IvfState& state);
  // Removes DIR/snapshot and a leftover snapshot.tmp (synced); OK if absent.
  static Status Delete(const std::string& dir);

  uint64_t rows() const { return rows_; }
  // Entries of list l the snapshot holds (the first ones of the list in RAM).
  uint64_t list_size(size_t l) const { return list_size_[l]; }

  struct Where {
    uint64_t row;   // < rows()
    uint32_t list;  // its partition
    uint64_t pos;   // its position in the list, < list_size(list)
  };
  // Overwrites the codes and template CRC of these rows with zeros in the
  // file (checksums updated, synced). DATA_LOSS if a chunk it rewrites does
  // not match its checksum (nothing of that chunk is written).
  Status Shred(const std::vector<Where>& rows);

 private:
  struct Extent {
    uint64_t off;  // in the data region
    uint64_t len;
    uint8_t* ptr;
  };
  IvfSnapshot() = default;
  // Section offsets, sizes and code offsets from the list sizes.
  void Layout();
  // The extents covering the data region, in offset order.
  std::vector<Extent> Extents(const IvfState& s, uint8_t* sizes) const;
  uint64_t Chunks() const;
  uint64_t TableOffset() const;
  Status WriteTable();

  const IvfFiles* files_ = nullptr;
  std::string path_;
  int fd_ = -1;
  Nonce nonce_{};
  uint32_t dim_ = 0, m_ = 0, nlist_ = 0;
  uint64_t generation_ = 0, rows_ = 0, live_ = 0, slots_ = 0, listed_ = 0, data_bytes_ = 0;
  std::vector<uint64_t> list_size_;
  std::vector<uint64_t> code_off_;  // data offset of each list's codes
  uint64_t off_ids_ = 0, off_crc_ = 0, off_dead_ = 0, off_rows_ = 0, off_codes_ = 0, off_slots_ = 0;
  std::vector<uint32_t> table_;  // CRC-32C of each chunk's plaintext
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_IVF_SNAPSHOT_H_
