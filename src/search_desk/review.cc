// Copyright 2026 The Candor Authors.

#include "search_desk/review.h"

#include <optional>
#include <utility>

namespace candor {

namespace {

// Notes governance accepts (govern/searches.cc): non-blank, at most 4096 bytes.
bool AcceptableNotes(const std::string& notes) {
  return notes.size() <= 4096 && notes.find_first_not_of(" \t\r\n") != std::string::npos;
}

}  // namespace

StatusOr<RecordedReview> RecordReview(Governance& gov, SearchBook* book, const Principal& who,
                                      const ReviewRequest& request,
                                      const SubjectRefFn& unrecorded_ref) {
  std::optional<BookedSearch> booked;
  if (book != nullptr) {
    auto b = book->Get(request.search_id);
    if (b.ok()) booked = std::move(b).value();
  }
  RecordedReview out;
  std::string governance_notes = request.notes;
  if (booked) {
    // Governance checks the rest (role, requester, purge, second reviewer);
    // an id that is no candidate is refused without reaching any record.
    for (const BookedCandidate& c : booked->candidates) {
      if (c.subject_id == request.subject || c.GovernanceRef() == request.subject) {
        out.subject_ref = c.GovernanceRef();
        out.subject_id = c.subject_id;
      }
    }
    if (out.subject_ref.empty()) out.subject_ref = "sref:not-a-candidate";
    if (AcceptableNotes(request.notes)) governance_notes = kNotesKeptSealed;
  } else if (request.subject.rfind("sref:", 0) == 0 || !unrecorded_ref) {
    out.subject_ref = request.subject;
  } else {
    CANDOR_ASSIGN_OR_RETURN(SearchRecord rec, gov.GetSearchForReview(who, request.search_id));
    auto ref = unrecorded_ref(rec.gallery, request.subject);
    if (ref.ok()) {
      out.subject_ref = *ref;
      out.subject_id = request.subject;
    } else if (ref.status().code() == Code::kNotFound) {
      // Not a subject of the gallery (now): governance refuses (and audits)
      // it as "not a candidate", without the id.
      out.subject_ref = "sref:unknown-subject";
    } else {
      return ref.status();
    }
  }
  CANDOR_RETURN_IF_ERROR(gov.ReviewCandidate(who, request.search_id, out.subject_ref,
                                             request.decision, governance_notes));
  if (!booked) return out;
  // Governance accepted (and audited) the review: keep it beside the search.
  out.sealed = true;
  BookedReview r{
      who.username,   std::string(RoleName(who.role)),
      out.subject_id, request.decision == ReviewDecision::kConfirm ? "confirm" : "reject",
      request.notes,  request.now_ms};
  out.kept = book->Update(request.search_id, [&r](BookedSearch& b) {
    b.reviews.push_back(r);
    return OkStatus();
  });
  return out;
}

}  // namespace candor
