// Copyright 2026 The Candor Authors.
//
// SearchDesk: the one path every search takes, for the server's routes, the
// CLI's identify / verify and enrolment's duplicate checks alike (a library
// below src/server and src/cli; docs/ARCHITECTURE.md). One call runs a whole
// search:
//   1. the gallery must exist (else NOT_FOUND) and hold the probe's modality
//      (SearchModality::Accepts, else FAILED_PRECONDITION), audited as refusals;
//   2. Governance::BeginSearch: authorization, role, training, gallery bases,
//      search limit, exigent window (audits allow and deny);
//   3. only then the modality (modality.h): probe -> template, index query,
//      at the threshold from SearchCalibration (thresholds.h; with its source)
//      for the gallery as the query finds it (SearchModality::
//      IdentifyWithGallery: one request per shard on a cluster);
//   4. Governance::RecordResult with each candidate's keyed reference
//      (Store::SubjectRef) and score, never a subject id: govern.db must not
//      name a subject after the subject is deleted (audited with the count);
//   5. the one sealed record of the search (SearchBook, search_book.h): the
//      requester's view (the Search schema of docs/openapi.yaml, with the
//      threshold and where it came from), the candidates with their ids, the
//      template each came from and the error rate of each score, from the
//      same calibration as the threshold. Reviews are added to it later.
// Any failure after an allowed gate (no face, undecodable probe, a shard
// down, no calibration) is audited as "search.probe_failed" and returned.
// Errors are the first failing step's, as Status values; nothing throws.
//
// What the requester may see is the caller's to show from
// CompletedSearch::record.summary: under IsOperatorDecision a 1:1's decision,
// otherwise only the search's id, status and count (candidates go to review).
//
// Ownership: borrows the Governance, Store and SearchBook (which must outlive
// it); shares the SearchCalibration. A null book records nothing sealed (the
// result's `recorded` says so): the server and the CLI always pass one.
// Thread safety: as safe as the Governance, Store and SearchBook (all are).

#ifndef CANDOR_SEARCH_DESK_SEARCH_DESK_H_
#define CANDOR_SEARCH_DESK_SEARCH_DESK_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "candor/gallery.h"
#include "candor/govern.h"
#include "search_desk/modality.h"
#include "search_desk/search_book.h"
#include "search_desk/thresholds.h"

namespace candor {

struct SearchDeskOptions {
  std::function<int64_t()> clock;  // Unix ms of the record; default: governance's clock
};

struct CompletedSearch {
  SearchTicket ticket;
  Threshold threshold;           // the value used and the calibration it came from
  IdentifyResult result;         // 1:N: the candidates (empty: none above threshold)
  VerifyResult verify;           // 1:1 only
  std::vector<std::string> candidate_refs;  // Store::SubjectRef of each 1:N candidate
  std::string subject_ref;       // 1:1: the subject's reference when it matched
  BookedSearch record;           // the sealed record as written (summary: requester's view)
  Status recorded;               // why the sealed record was not written, if it was not
};

class SearchDesk {
 public:
  SearchDesk(Governance& gov, const Store& store,
             std::shared_ptr<const SearchCalibration> calibration, SearchBook* book,
             SearchDeskOptions options = {});

  // `request.kind` must be kIdentify or kDuplicateCheck (the same 1:N search
  // under its own authorization); request.probe_hash is the hex SHA-256 of the
  // probe bytes. NOT_FOUND if the gallery does not exist (audited).
  StatusOr<CompletedSearch> Identify(const Principal& who, const SearchRequest& request,
                                     const SearchModality& modality) const;

  // `request.kind` must be kVerify. A subject the gallery does not hold
  // answers exactly as a non-match (match false, recorded as "no candidate
  // above threshold"): a 1:1 tells no one whether a person is enrolled.
  StatusOr<CompletedSearch> Verify(const Principal& who, const SearchRequest& request,
                                   const std::string& subject_id,
                                   const SearchModality& modality) const;

  const SearchCalibration& calibration() const { return *calibration_; }

 private:
  StatusOr<GalleryInfo> GalleryOrRefuse(const Principal& who, const SearchRequest& r,
                                        const SearchModality& modality, bool current) const;
  Status Failed(const Principal& who, const SearchRequest& r, const std::string& search_id,
                const Status& why) const;
  void Seal(CompletedSearch& done) const;
  int64_t Now() const;

  Governance& gov_;
  const Store& store_;
  std::shared_ptr<const SearchCalibration> calibration_;
  SearchBook* book_;
  SearchDeskOptions options_;
};

// True for a 1:1 under the subject's recorded consent (no authorization; the
// gallery accepts consent): its decision goes to the operator who ran it, and
// nobody reviews it. Every other 1:1 is a lead for review like a 1:N search:
// its requester sees no score and no decision (docs/GOVERNANCE.md).
inline bool IsOperatorDecision(const SearchRequest& r) {
  return r.kind == SearchKind::kVerify && r.consent_verify && r.authorization_id.empty();
}

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_SEARCH_DESK_H_
