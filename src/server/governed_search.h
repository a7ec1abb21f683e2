// Copyright 2026 The Candor Authors.
//
// The one path every search takes, from the server and from the CLI alike:
//   1. Governance::BeginSearch (authorization, role, training, gallery bases,
//      search limit, exigent window; audits allow and deny);
//   2. only then the probe is turned into a template (`make_probe`), so no
//      biometric processing happens for a refused request;
//   3. the store's 1:N Identify / 1:1 Verify at the calibrated threshold;
//   4. Governance::RecordResult with what was returned (empty = "no candidate
//      above threshold"), audited with the count. Governance records each
//      candidate by its keyed reference (Store::SubjectRef), never its id:
//      govern.db must not name a subject after the subject is deleted.
// A probe failure (no face, undecodable) after an allowed gate is audited as
// "search.probe_failed" and returned. Errors are the first failing step's.
// Thread safety: as safe as the Governance and Store passed in (both are).

#ifndef CANDOR_SERVER_GOVERNED_SEARCH_H_
#define CANDOR_SERVER_GOVERNED_SEARCH_H_

#include <functional>
#include <string>
#include <vector>

#include "candor/gallery.h"
#include "candor/govern.h"
#include "candor/template.h"

namespace candor {

using ProbeFactory = std::function<StatusOr<Template>()>;
using GalleryThreshold = std::function<StatusOr<float>(const GalleryInfo&, SearchKind)>;

struct GovernedIdentifyResult {
  SearchTicket ticket;
  IdentifyResult result;
  std::vector<std::string> candidate_refs;  // Store::SubjectRef of each candidate, in order
};

// `request.kind` must be kIdentify or kDuplicateCheck (the same 1:N search
// under its own authorization); request.probe_hash is the hex SHA-256 of the
// probe bytes. NOT_FOUND if the gallery does not exist (audited).
StatusOr<GovernedIdentifyResult> GovernedIdentify(Governance& gov, const Store& store,
                                                  const Principal& who,
                                                  const SearchRequest& request,
                                                  const ProbeFactory& make_probe,
                                                  const GalleryThreshold& threshold);

struct GovernedVerifyResult {
  SearchTicket ticket;
  VerifyResult result;
  std::string subject_ref;  // Store::SubjectRef of the subject when it matched, else empty
};

// `request.kind` must be kVerify. A subject the gallery does not hold answers
// exactly as a non-match (match false, no templates compared, recorded as "no
// candidate above threshold"): a 1:1 tells no one whether a person is
// enrolled. Who sees the score is the caller's policy (IsOperatorDecision).
StatusOr<GovernedVerifyResult> GovernedVerify(Governance& gov, const Store& store,
                                              const Principal& who, const SearchRequest& request,
                                              const std::string& subject_id,
                                              const ProbeFactory& make_probe,
                                              const GalleryThreshold& threshold);

// True for a 1:1 under the subject's recorded consent (no authorization; the
// gallery accepts consent): its decision goes to the operator who ran it, and
// nobody reviews it. Every other 1:1 is a lead for review like a 1:N search:
// its requester sees no score and no decision (docs/GOVERNANCE.md).
inline bool IsOperatorDecision(const SearchRequest& r) {
  return r.kind == SearchKind::kVerify && r.consent_verify && r.authorization_id.empty();
}

}  // namespace candor

#endif  // CANDOR_SERVER_GOVERNED_SEARCH_H_
