// Copyright 2026 The Candor Authors.
//
// The reviewed outcomes of a gallery's past searches, read from the sealed
// search record (search_book.h) for its calibration
// (candor/reviewed_outcomes.h, issue 10 item 2).
//
// A search counts when it is a 1:N identify of `gallery`, under the gallery's
// current model and subject_score rule (BookedSearch::scoring), and its
// review is complete: it listed no candidate, or every candidate it listed
// has a decision by a qualified reviewer (examiner or supervisor). A
// candidate any of them rejected is a rejected candidate (the safe side: it
// counts as a stranger); one only confirmed is a confirmed candidate.
// Enrolment's duplicate checks are not field probes and 1:1 searches are not
// 1:N: neither is read. Searches left out for another reason are counted by
// reason (ReviewedSearchesSkipped). Subject ids stay in memory (to link
// searches that rejected the same person) and are never written anywhere.
//
// Errors: the book's (DATA_LOSS for an entry that fails to open: never
// skipped). Thread safety: as the book's (one internal mutex).

#ifndef CANDOR_SEARCH_DESK_REVIEWED_SEARCHES_H_
#define CANDOR_SEARCH_DESK_REVIEWED_SEARCHES_H_

#include <vector>

#include "candor/gallery.h"
#include "candor/reviewed_outcomes.h"
#include "search_desk/search_book.h"

namespace candor {

struct CollectedReviews {
  std::vector<ReviewedSearch> searches;
  ReviewedSearchesSkipped skipped;
};

StatusOr<CollectedReviews> CollectReviewedSearches(const SearchBook& book,
                                                   const GalleryInfo& gallery);

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_REVIEWED_SEARCHES_H_
