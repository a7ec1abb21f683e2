// Copyright 2026 The Candor Authors.
//
// IdMap: live id -> row, for Remove and the duplicate check of Add, in 8 bytes
// per slot (no heap node per template). An open-addressing table with linear
// probing whose slots hold row + 1 (0 = empty); the key of a slot is read from
// the index's own ids array, so the table stores no copy of the ids.
// Deletion shifts later entries back (no tombstones), so probe chains stay short.
// Load factor is kept at or below 1/2 when growing (8-16 bytes per id).
//
// Thread safety: none; FlatIndex guards it with its lock.

#ifndef CANDOR_SEARCH_ID_MAP_H_
#define CANDOR_SEARCH_ID_MAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace candor::search {

class IdMap {
 public:
  // `ids` is the row -> id array the map indexes; it must outlive the map and
  // hold the id of every row inserted (the map reads ids[row]).
  explicit IdMap(const std::vector<int64_t>* ids) : ids_(ids) {}

  size_t size() const { return size_; }
  size_t bytes() const { return slots_.capacity() * sizeof(uint64_t); }

  // Makes room for `n` entries in total (may rehash). Throws std::bad_alloc.
  void Reserve(size_t n);
  // Row of `id`, or -1.
  int64_t Find(int64_t id) const;
  // Inserts id(row) = (*ids)[row]. Precondition: not present, Reserve'd room.
  void Insert(int64_t row);
  // Removes `id`; returns false if absent.
  bool Erase(int64_t id);
  // Forgets everything, keeps the capacity.
  void Clear();

  // The slot table, for persisting it (a snapshot of the index: ivf_snapshot.h).
  const std::vector<uint64_t>& slots() const { return slots_; }
  // Takes over a persisted slot table over the same ids array. Returns false
  // (and leaves the map unchanged) unless the table is a power of two in size
  // and every slot is empty or names a row below `rows`, and `size` slots are
  // used; a table that passes is safe to probe (no out-of-range read).
  bool Adopt(std::vector<uint64_t> slots, size_t size, size_t rows);

 private:
  static uint64_t Hash(int64_t id) {
    uint64_t z = static_cast<uint64_t>(id) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int64_t KeyOf(uint64_t slot) const { return (*ids_)[slot - 1]; }

  const std::vector<int64_t>* ids_;
  std::vector<uint64_t> slots_;  // power-of-two size; 0 = empty, else row + 1
  size_t size_ = 0;
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_ID_MAP_H_
