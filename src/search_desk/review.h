// Copyright 2026 The Candor Authors.
//
// RecordReview: a reviewer's decision on one candidate of a search, the one
// path of the server's POST /v1/searches/{id}/reviews and the CLI's
// `candor review confirm|reject` (docs/GOVERNANCE.md, "Subjects are named by
// keyed references outside the store").
//
// When the search's sealed record (SearchBook) holds the search, governance
// (govern.db, in clear) gets the candidate's keyed reference and, instead of
// the notes (which may name the subject), a placeholder; the notes and the
// subject id go to the sealed record beside the search. Notes governance
// would refuse (blank, over 4096 bytes) are passed on unchanged, so it
// refuses and audits them as it would without a record. A subject that is no
// candidate of a recorded search becomes "sref:not-a-candidate" (refused and
// audited by governance without the id). Without a record (a search from
// before the record, or no book) the subject is mapped by `unrecorded_ref`
// (an id to its reference; none: used as given) and the notes go to
// governance as they are.
//
// Errors: governance's refusal (audited by it). The record's own failure
// after governance accepted is not an error of the review: it is returned in
// `kept` for the caller to report.

#ifndef CANDOR_SEARCH_DESK_REVIEW_H_
#define CANDOR_SEARCH_DESK_REVIEW_H_

#include <cstdint>
#include <functional>
#include <string>

#include "candor/govern.h"
#include "search_desk/search_book.h"

namespace candor {

// What governance holds in place of notes kept in the sealed record.
inline constexpr char kNotesKeptSealed[] = "(kept sealed in the service's search record)";

struct ReviewRequest {
  std::string search_id;
  std::string subject;  // the candidate's subject id (or its reference sref:...)
  ReviewDecision decision = ReviewDecision::kConfirm;
  std::string notes;
  int64_t now_ms = 0;  // when the review is recorded in the sealed record
};

struct RecordedReview {
  std::string subject_ref;  // the reference governance recorded
  std::string subject_id;   // the id, when the record or the caller knew it
  bool sealed = false;      // the notes and id went to the sealed record
  Status kept;              // the sealed record's write, when `sealed`
};

using SubjectRefFn =
    std::function<StatusOr<std::string>(const std::string& gallery, const std::string& subject_id)>;

// `book` may be null (no sealed record). `unrecorded_ref`: see above.
StatusOr<RecordedReview> RecordReview(Governance& gov, SearchBook* book, const Principal& who,
                                      const ReviewRequest& request,
                                      const SubjectRefFn& unrecorded_ref = nullptr);

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_REVIEW_H_
