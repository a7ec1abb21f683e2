// Copyright 2026 The Candor Authors.
//
// SearchBook: the one sealed record of each search, written by the search
// desk (search_desk.h) for the server's searches and the CLI's alike, and
// kept across restarts in <store>/searches.db. One entry per search:
//   - the requester's view (the Search JSON of docs/openapi.yaml, without
//     candidates, with the threshold and the calibration it came from),
//     returned by GET /v1/searches[/{id}] to the requester;
//   - the candidates as the store returned them, with the template each came
//     from and the estimated FPIR of each score at the gallery's size then;
//   - the reviews recorded through Governance::ReviewCandidate.
// Governance (govern.db) keeps only what its decisions need, by keyed subject
// references (who may see or review a search, when a lead is released); the
// case data is here. Scores, subject ids and reviewers' notes are
// case data: each entry's document is sealed (XChaCha20-Poly1305 AEAD, key
// derived from the store key, the search id as associated data so a document
// moved to another row fails to open). Only the id, requester, creation time
// and status are kept in clear, to list searches without opening them all.
//
// Storage: one SQLite file (synchronous=FULL, rollback journal, secure_delete:
// a purged entry's old ciphertext is overwritten, not left in free pages).
// An empty path keeps the book in memory only (tests, tools).
//
// Errors: NOT_FOUND (no such entry), DATA_LOSS (a document fails to open: wrong
// key, tampering or corruption), INVALID_ARGUMENT (bad id), storage errors as
// the SQLite layer maps them. Thread-safe: one internal mutex.

#ifndef CANDOR_SEARCH_DESK_SEARCH_BOOK_H_
#define CANDOR_SEARCH_DESK_SEARCH_BOOK_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "candor/gallery.h"
#include "candor/status.h"

namespace candor {

struct BookedCandidate {
  std::string subject_id;
  std::string record_ref;
  double score = 0;
  int64_t template_id = 0;
  std::optional<double> fpir;  // estimated FPIR of `score` at the gallery's size
  std::string fpir_basis;      // "measured", "extrapolated" or "upper_bound"
  // The keyed reference governance holds for this candidate (Store::SubjectRef);
  // empty in entries from before references (governance then holds the id).
  std::string subject_ref;
  // The reference governance knows this candidate by.
  const std::string& GovernanceRef() const { return subject_ref.empty() ? subject_id : subject_ref; }
};

struct BookedReview {
  std::string reviewer, reviewer_role, subject_id, decision, notes;  // decision: confirm|reject
  int64_t created_ms = 0;
};

struct BookedSearch {
  std::string id;
  std::string requester;
  int64_t created_ms = 0;
  nlohmann::json summary;  // the requester's view (Search schema, no candidates)
  std::vector<BookedCandidate> candidates;
  std::vector<BookedReview> reviews;
  bool purged = false;
  // How the scores were made, in the sealed record only (not the requester's
  // view): {"model_id", "model_sha256" (hex), "subject_score"}. Null in
  // entries from before it was kept. Reviewed outcomes (reviewed_searches.h)
  // use a search only under the gallery's current model and rule.
  nlohmann::json scoring;

  // "purged", "no_candidate", "lead_released" (a candidate has an examiner's
  // confirmation and a second, different qualified person's, and no
  // rejection: the rule Governance::ReleaseLead applies) or "pending_review";
  // "refused"/other states come from the summary.
  std::string StatusName() const;
  // Subjects meeting the release rule, in candidate order.
  std::vector<std::string> ConfirmedSubjects() const;
  // The two-person state for the screens (schema ReviewState in
  // docs/openapi.yaml), without subject ids: `confirmations` of the
  // best-confirmed candidate not rejected (0..2 of `required` 2), who gave
  // them, whether an examiner's is still missing, who rejected a candidate,
  // and everyone who reviewed this search (they cannot give its second review).
  nlohmann::json ReviewState() const;
};

// Where a store keeps its book: <store_dir>/searches.db.
inline std::filesystem::path SearchBookPath(const std::filesystem::path& store_dir) {
  return store_dir / "searches.db";
}

class SearchBook {
 public:
  // Opens or creates the book at `path` (empty: in memory). `key` is the
  // store key; the book seals with a sub-key derived from it.
  static StatusOr<std::unique_ptr<SearchBook>> Open(const std::filesystem::path& path,
                                                    const StoreKey& key);
  ~SearchBook();

  // Inserts or replaces the entry `s.id`.
  Status Put(const BookedSearch& s);
  StatusOr<BookedSearch> Get(const std::string& id) const;
  // Reads, changes and writes back one entry atomically with respect to the
  // other calls (NOT_FOUND if absent; nothing written if `change` fails).
  Status Update(const std::string& id, const std::function<Status(BookedSearch&)>& change);
  // Entries whose requester is `requester` (empty: any) and, if `status` is
  // non-empty, whose status is `status`; oldest first.
  StatusOr<std::vector<BookedSearch>> List(const std::string& requester,
                                           const std::string& status) const;
  // Drops the candidates and reviews of an entry and marks it purged (the
  // retention purge). OK if there is no such entry.
  Status Purge(const std::string& id);

 private:
  struct Impl;
  explicit SearchBook(std::unique_ptr<Impl> impl);
  Status PutLocked(const BookedSearch& s);
  StatusOr<BookedSearch> GetLocked(const std::string& id) const;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
};

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_SEARCH_BOOK_H_
