// Copyright 2026 The Candor Authors.
//
// The probe side of in-gallery calibration from the reviewed outcomes of past
// searches (issue 10 item 2; method in docs/EVALUATION.md, "Reviewed
// outcomes"). A candidate that a qualified reviewer rejected in a search of
// the gallery is a non-mated (probe, candidate) comparison with the
// deployment's own field probes: the photos officers actually search with.
//
// What it estimates: for a threshold t at or above `score_floor()` (the
// highest threshold any of the searches ran at), FPIR(t) as the fraction of
// completed searches with a rejected candidate scoring >= t. Every search
// counts in the denominator, mated or not: in a mated search the other
// candidates are a non-mated search of the other N - 1 subjects, so the rate
// of "a stranger scored >= t" is FPIR(t) whatever the share of mated searches.
// Intervals: Wilson at the Kish effective sample size, the design effect from
// clusters of searches that rejected the same subject (one look-alike
// rejected in many searches is one piece of evidence seen many times).
//
// What it cannot estimate, by construction (the sample is censored):
//   - FPIR below the score floor: candidates under the threshold in force
//     were never shown to anyone, so nothing is known of them;
//   - FNIR: a mate under the threshold was never shown either; the confirmed
//     candidates only say how many of the mates that were found a stricter
//     threshold would have lost (ConfirmedBelow), a lower bound on its cost;
//   - FMR (no pairs are scored) and per-group rates (probes carry no
//     attributes);
//   - anything about searches whose review is incomplete, purged, from
//     another model or scoring rule: they are left out and counted.
// It also assumes the reviewers were right: a wrongly rejected mate
// overstates FPIR (the safe side), a wrongly confirmed stranger understates it.
//
// Stored: counts on a score grid from the floor up, never a subject id or
// the score of a named candidate.
//
// Errors: FAILED_PRECONDITION fewer completed searches than
// `min_searches` (the message gives the count, never a number for the rate);
// INVALID_ARGUMENT bad options; DATA_LOSS a corrupt document.
// Thread safety: a const ReviewedOutcomes may be shared between threads.

#ifndef CANDOR_REVIEWED_OUTCOMES_H_
#define CANDOR_REVIEWED_OUTCOMES_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "candor/calibration.h"
#include "candor/status.h"

namespace candor {

// One completed 1:N search of the gallery: every candidate it listed has a
// reviewer's decision (or it listed none).
struct ReviewedSearch {
  int64_t created_ms = 0;
  int64_t gallery_subjects = 0;  // N when searched
  double threshold = 0;          // the threshold the search ran at
  // Candidates a reviewer rejected: (subject, score). The subject links
  // searches that rejected the same person; it is never stored.
  std::vector<std::pair<std::string, double>> rejected;
  std::vector<double> confirmed;  // scores of candidates confirmed and not rejected
};

// Searches left out of the estimate, and why (reported beside it).
struct ReviewedSearchesSkipped {
  uint64_t review_incomplete = 0;   // a candidate without a decision yet
  uint64_t other_scoring = 0;       // another model, or another subject_score rule
  uint64_t unrecorded_scoring = 0;  // recorded before searches kept their scoring
  uint64_t purged = 0;              // candidates dropped by the retention purge
};

struct ReviewedOutcomesOptions {
  uint64_t min_searches = 100;
  double score_step = 0.001;
};

class ReviewedOutcomes {
 public:
  static StatusOr<ReviewedOutcomes> Build(std::span<const ReviewedSearch> searches,
                                          const ReviewedSearchesSkipped& skipped,
                                          const std::string& source,
                                          const ReviewedOutcomesOptions& options);

  uint64_t searches() const { return searches_; }
  uint64_t searches_with_candidates() const { return with_candidates_; }
  uint64_t rejected_candidates() const { return rejected_; }
  uint64_t confirmed_candidates() const { return confirmed_; }
  const ReviewedSearchesSkipped& skipped() const { return skipped_; }
  const std::string& source() const { return source_; }
  const std::string& first_search() const { return first_; }  // UTC ISO-8601
  const std::string& last_search() const { return last_; }
  int64_t min_gallery_subjects() const { return min_n_; }
  int64_t max_gallery_subjects() const { return max_n_; }
  // The highest threshold any counted search ran at: no FPIR below it.
  double score_floor() const { return floor_; }
  // 3 / searches: the lowest FPIR these searches can support.
  double MinSupportedFpir() const;

  // FPIR at t >= score_floor() as measured (galleries of min..max subjects;
  // the caller scales for a larger gallery, taking min as the size).
  // OUT_OF_RANGE below the floor. A value below MinSupportedFpir() is clamped
  // to it and flagged below_support, as Calibration does.
  StatusOr<RateEstimate> FpirAt(double t) const;
  // The lowest grid threshold >= score_floor() whose FPIR <= target. When
  // that is the floor itself the searches agree with the target there and
  // can say nothing lower. OUT_OF_RANGE for a target below MinSupportedFpir().
  StatusOr<ThresholdChoice> ThresholdForFpir(double target) const;
  // Confirmed candidates scoring below t (what a threshold t would have lost).
  uint64_t ConfirmedBelow(double t) const;

  std::string ToJson() const;  // the document part (docs/EVALUATION.md)
  static StatusOr<ReviewedOutcomes> FromJson(const std::string& json);
  // One line: "<n> reviewed searches of <from> .. <to> (<k> rejected candidates), FPIR from t >=
  // <floor>".
  std::string Describe() const;

 private:
  long GridIndexAtOrBelow(double t) const;
  uint64_t searches_ = 0, with_candidates_ = 0, rejected_ = 0, confirmed_ = 0;
  ReviewedSearchesSkipped skipped_;
  std::string source_, first_, last_;
  int64_t min_n_ = 0, max_n_ = 0;
  double floor_ = 0, step_ = 0.001;
  std::vector<uint64_t> rejected_ge_;   // searches whose best rejected score >= grid t
  std::vector<double> deff_;            // design effect per grid point
  std::vector<uint64_t> confirmed_ge_;  // confirmed candidates scoring >= grid t
};

}  // namespace candor

#endif  // CANDOR_REVIEWED_OUTCOMES_H_
