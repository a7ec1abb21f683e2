// Copyright 2026 The Candor Authors.
//
// A Calibration turns a similarity score into the error rate it stands for, and
// a target error rate into a threshold, for one specific model:
//   - 1:1: score -> FMR (fraction of impostor comparisons scoring >= t), with a
//     95 % Wilson interval;
//   - 1:N: (score, gallery size N) -> FPIR (fraction of non-mated searches whose
//     best candidate scores >= t), measured empirically for N up to the size of
//     the calibration gallery and extrapolated beyond it from the 1:1 impostor
//     distribution (independence model, FPIR = 1 - (1 - FMR)^N) whose far tail
//     is a generalised-Pareto fit (ISO/IEC 5152 spirit). Extrapolated values
//     are always flagged.
//   - the lowest rate the data supports: with n impostor comparisons no FMR
//     below 3 / n is claimed (rule of three); estimates below it are clamped to
//     it and flagged, and a threshold for a lower target is refused unless the
//     caller asks for the extrapolated tail.
//
// The calibration stores derived statistics only (counts on a score grid, the
// tail fit, FPIR tables), never scores of identifiable pairs, images or
// embeddings. It names the model (id + SHA-256 of the model file) it belongs to;
// CheckModel refuses any other model.
//
// File format: JSON, documented in docs/EVALUATION.md ("format":
// "candor-calibration", "version": 1). Load validates every field and returns
// DATA_LOSS for a corrupt or inconsistent file, NOT_FOUND for a missing one.
// Save writes atomically (temp file, fsync, rename).
//
// Thread safety: a const Calibration may be shared between threads.

#ifndef CANDOR_CALIBRATION_H_
#define CANDOR_CALIBRATION_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor {

// What a calibration is built from. All scores are similarities (higher = more
// alike). NaN scores (failed comparisons) are ignored and counted.
struct CalibrationInput {
  std::string model_id;      // e.g. "mobilefacenet-192"
  std::string model_sha256;  // 64 hex characters of the model file's SHA-256
  std::vector<double> impostor_scores;  // 1:1 comparisons of different people
  std::vector<double> genuine_scores;   // optional: 1:1 comparisons of the same person
  // Optional: non-mated searches, each the scores of one probe against every
  // entry of a gallery of identities it is not in. All rows the same length M.
  std::vector<std::vector<double>> nonmated_searches;
  // Optional, instead of nonmated_searches: only the best score of each
  // non-mated search, all made against galleries of `nonmated_top_gallery_size`
  // entries (in-gallery calibration: each sampled subject searched against the
  // rest of its own gallery). Gives the empirical FPIR at exactly that size;
  // smaller sizes use it too (conservative: FPIR grows with N). NaN = a search
  // that returned nothing (never a false positive, still in the denominator).
  std::vector<double> nonmated_top_scores;
  uint64_t nonmated_top_gallery_size = 0;
  // Optional, with nonmated_top_scores (same length each): who searched and
  // who its best candidate was (any ids; the same id = the same subject;
  // best == self for a search without a candidate). In-gallery searches are
  // not independent: two subjects that are each other's best candidate are
  // one piece of evidence counted twice, and searches sharing a best
  // candidate share its template. At each threshold the searches at or above
  // it are linked to their best candidates; the linked groups are clusters,
  // and FPIR intervals use the cluster-robust variance (a design effect per
  // threshold, Wilson at the Kish effective sample size). Searches below the
  // threshold are not linked, so two subjects that always agree give a design
  // effect of 2 - FPIR rather than 2: close at the small FPIRs thresholds are
  // set for (docs/EVALUATION.md, "In-gallery calibration").
  std::vector<uint64_t> nonmated_top_self;
  std::vector<uint64_t> nonmated_top_best;
  // Free-form provenance written into the file (dataset, split, seed, counts).
  std::map<std::string, std::string> provenance;
  double score_step = 0.001;   // grid resolution for the tables
  double tail_fraction = 0.01; // fraction of impostor scores used in the tail fit
};

// An error rate with its 95 % interval and how it was obtained.
struct RateEstimate {
  double value = 0;
  double lower = 0;
  double upper = 1;
  bool extrapolated = false;   // from the tail fit / independence model, not counted
  bool below_support = false;  // the data cannot support a value this low: value was clamped
};

// A threshold found for a target rate.
struct ThresholdChoice {
  double threshold = 0;
  RateEstimate rate;  // the rate expected at that threshold
};

class Calibration {
 public:
  // Builds from scores. INVALID_ARGUMENT when there are fewer than 100 usable
  // impostor scores, the model hash is not 64 hex characters, the model id is
  // empty, the non-mated rows differ in length, or both non-mated forms (rows
  // and top scores) are given, or top scores come without a gallery size.
  static StatusOr<Calibration> Build(const CalibrationInput& input);

  static StatusOr<Calibration> Load(const std::filesystem::path& path);
  static StatusOr<Calibration> FromJson(const std::string& json);
  Status Save(const std::filesystem::path& path) const;
  std::string ToJson() const;

  // OK when this calibration was made for exactly this model; FAILED_PRECONDITION
  // naming both models otherwise.
  Status CheckModel(const std::string& model_id, const std::string& model_sha256) const;

  const std::string& model_id() const { return model_id_; }
  const std::string& model_sha256() const { return model_sha256_; }
  uint64_t impostor_count() const { return impostor_count_; }
  uint64_t genuine_count() const { return genuine_count_; }
  uint64_t nonmated_searches() const { return fpir_probes_; }
  uint64_t calibration_gallery_size() const { return fpir_gallery_; }

  // 3 / impostor_count: the lowest FMR these data can support.
  double MinSupportedFmr() const;
  // 3 / non-mated searches (1 when there are none).
  double MinSupportedFpir() const;

  // FMR at threshold t (accept iff score >= t).
  RateEstimate FmrAt(double threshold) const;
  // FNMR at t from the genuine table (value NaN without genuine scores).
  RateEstimate FnmrAt(double threshold) const;
  // FPIR for a gallery of `gallery_size` entries (>= 1).
  RateEstimate FpirAt(double threshold, uint64_t gallery_size) const;
  // The design effect (>= 1) of the empirical FPIR at `threshold`: 1 unless
  // the searches were linked (CalibrationInput::nonmated_top_self / _best).
  double FpirDesignEffect(double threshold) const;

  // The lowest grid threshold with FMR <= target. OUT_OF_RANGE when target is
  // below MinSupportedFmr() and allow_extrapolation is false; with it, the
  // tail fit gives the threshold (flagged extrapolated).
  StatusOr<ThresholdChoice> ThresholdForFmr(double target, bool allow_extrapolation = false) const;
  // The same for FPIR at gallery size N.
  StatusOr<ThresholdChoice> ThresholdForFpir(double target, uint64_t gallery_size,
                                             bool allow_extrapolation = false) const;

  const std::map<std::string, std::string>& provenance() const { return provenance_; }

 private:
  double GridScore(std::size_t i) const { return grid_min_ + step_ * static_cast<double>(i); }
  // Index of the largest grid point <= t (conservative: FMR there >= FMR(t)).
  long GridIndexAtOrBelow(double t) const;
  RateEstimate FmrFromModel(double t) const;
  RateEstimate FpirFromModel(double t, uint64_t n) const;

  std::string model_id_, model_sha256_, method_;
  std::map<std::string, std::string> provenance_;
  uint64_t impostor_count_ = 0, genuine_count_ = 0, failed_scores_ = 0;
  double grid_min_ = 0, step_ = 0.001;
  std::vector<uint64_t> impostor_ge_;  // impostor scores >= GridScore(i)
  std::vector<uint64_t> genuine_ge_;   // genuine scores >= GridScore(i) (may be empty)
  double impostor_max_ = 0;
  // Tail fit.
  bool tail_valid_ = false;
  double tail_u_ = 0, tail_sigma_ = 0, tail_xi_ = 0;
  uint64_t tail_exceedances_ = 0;
  // Empirical FPIR: fpir_[j][i] for gallery size fpir_n_[j] at GridScore(i).
  uint64_t fpir_probes_ = 0, fpir_gallery_ = 0;
  std::vector<uint64_t> fpir_n_;
  std::vector<std::vector<double>> fpir_;
  std::vector<double> fpir_deff_;  // per grid point; empty = independent searches
};

}  // namespace candor

#endif  // CANDOR_CALIBRATION_H_
