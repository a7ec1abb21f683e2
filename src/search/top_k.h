// Copyright 2026 The Candor Authors.
//
// TopK: keeps the k best (id, score) pairs offered to it, where "better" means a
// higher score, and on equal scores the smaller id, so results never depend on
// scan order or thread count.
//
// Thread safety: none; each scanning thread owns its own TopK, merged after.

#ifndef CANDOR_SEARCH_TOP_K_H_
#define CANDOR_SEARCH_TOP_K_H_

#include <algorithm>
#include <cstddef>
#include <limits>
#include <vector>

#include "candor/index.h"

namespace candor::search {

// True if a ranks before b.
inline bool Better(const Candidate& a, const Candidate& b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

class TopK {
 public:
  // Keeps at most k (>= 1) candidates with score >= threshold. `reserve` bounds
  // the up-front allocation (pass the number of rows that will be offered).
  TopK(size_t k, float threshold, size_t reserve) : k_(k), threshold_(threshold) {
    heap_.reserve(std::min(k, reserve));
  }

  // Scores below this can never enter; callers use it to skip Offer cheaply.
  float accept() const { return accept_; }

  void Offer(int64_t id, float score) {
    if (score < accept_) return;
    const Candidate c{id, score};
    if (heap_.size() < k_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), Better);  // heap top = worst kept
      if (heap_.size() == k_) accept_ = heap_.front().score;
      return;
    }
    if (!Better(c, heap_.front())) return;
    std::pop_heap(heap_.begin(), heap_.end(), Better);
    heap_.back() = c;
    std::push_heap(heap_.begin(), heap_.end(), Better);
    accept_ = heap_.front().score;
  }

  // Moves the kept candidates out (unordered); the TopK is then empty.
  std::vector<Candidate> Take() { return std::move(heap_); }

 private:
  size_t k_;
  float threshold_;
  float accept_ = threshold_;
  std::vector<Candidate> heap_;
};

// Merges per-thread results into the final best-first list of at most k.
inline std::vector<Candidate> MergeTopK(std::vector<std::vector<Candidate>>& parts, size_t k) {
  std::vector<Candidate> all;
  size_t total = 0;
  for (const auto& p : parts) total += p.size();
  all.reserve(total);
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  const size_t keep = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    Better);
  all.resize(keep);
  return all;
}

}  // namespace candor::search

#endif  // CANDOR_SEARCH_TOP_K_H_
