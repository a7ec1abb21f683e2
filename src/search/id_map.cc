// Copyright 2026 The Candor Authors.

#include "search/id_map.h"

#include <algorithm>
#include <utility>

namespace candor::search {

void IdMap::Reserve(size_t n) {
  size_t cap = slots_.size();
  if (n * 10 <= cap * 7 && cap > 0) return;  // load stays <= 0.7
  size_t want = 16;
  while (want < 2 * n) want *= 2;
  std::vector<uint64_t> old(want, 0);
  old.swap(slots_);  // slots_ is now the new, empty table
  const uint64_t mask = want - 1;
  for (uint64_t s : old) {
    if (s == 0) continue;
    uint64_t i = Hash(KeyOf(s)) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

int64_t IdMap::Find(int64_t id) const {
  if (slots_.empty()) return -1;
  const uint64_t mask = slots_.size() - 1;
  for (uint64_t i = Hash(id) & mask;; i = (i + 1) & mask) {
    const uint64_t s = slots_[i];
    if (s == 0) return -1;
    if (KeyOf(s) == id) return static_cast<int64_t>(s - 1);
  }
}

void IdMap::Insert(int64_t row) {
  const uint64_t mask = slots_.size() - 1;
  uint64_t i = Hash((*ids_)[static_cast<size_t>(row)]) & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = static_cast<uint64_t>(row) + 1;
  ++size_;
}

bool IdMap::Erase(int64_t id) {
  if (slots_.empty()) return false;
  const uint64_t mask = slots_.size() - 1;
  uint64_t i = Hash(id) & mask;
  for (;; i = (i + 1) & mask) {
    if (slots_[i] == 0) return false;
    if (KeyOf(slots_[i]) == id) break;
  }
  // Backward-shift deletion (Knuth 6.4, Algorithm R).
  uint64_t hole = i;
  for (uint64_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const uint64_t home = Hash(KeyOf(slots_[j])) & mask;
    // Move j into the hole if its home is not cyclically in (hole, j].
    const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = 0;
  --size_;
  return true;
}

bool IdMap::Adopt(std::vector<uint64_t> slots, size_t size, size_t rows) {
  const size_t n = slots.size();
  if (n == 0 ? size != 0 : (n & (n - 1)) != 0 || size >= n) return false;
  size_t used = 0;
  for (uint64_t s : slots) {
    if (s > rows) return false;
    used += s != 0;
  }
  if (used != size) return false;
  slots_ = std::move(slots);
  size_ = size;
  return true;
}

void IdMap::Clear() {
  std::fill(slots_.begin(), slots_.end(), 0);
  size_ = 0;
}

}  // namespace candor::search
