// Copyright 2026 The Candor Authors.
//
// In-gallery calibration: error rates measured on the gallery a deployment
// actually searches, without labels (issue 10; method in docs/EVALUATION.md,
// "In-gallery calibration").
//
//   - Gallery side. A deterministic sample of enrolled subjects is searched,
//     each with its first template, against the rest of the gallery at its full
//     size (its own templates excluded). These are non-mated searches in the
//     deployment's own domain: their best scores give FPIR(t) at that N; the
//     pairs among the sampled subjects give FMR(t). Pairs scoring at or above
//     a very high `duplicate_score` are probable duplicates (one person
//     enrolled twice): they are listed for review, excluded, and counted.
//   - Groups (matched impostors, NIST FRVT Part 3 practice). When subjects
//     carry the attribute `group_attribute` (sealed, candor/gallery.h), each
//     group gets its own calibration: FMR from same-group pairs, FPIR from the
//     group's probes against the whole gallery.
//   - Finger galleries (modality "finger") are measured with their own
//     search: the sampled subject's first finger as a one-finger probe through
//     Store::IdentifyFingers, pairs through Store::VerifyFingers (MCC, fused as
//     a search fuses). They have no probe side (AddProbeSide: UNIMPLEMENTED).
//   - Probe side. Probe-like photos of people known not to be enrolled
//     (supplied by the operator) are searched against the gallery (FPIR) and
//     compared with sampled gallery subjects (FMR).
//   - Reviewed outcomes (candor/reviewed_outcomes.h): the candidates
//     reviewers rejected in past searches of the gallery, the deployment's own
//     field probes. They give FPIR only at and above the highest threshold
//     their searches ran at (nothing below it was ever shown).
//
// The result is stored with the gallery (Store::PutGalleryDocument, kind
// "calibration") as one JSON document: model, gallery size, sample, seed,
// date, duplicates excluded, the pooled / per-group / probe-side
// calibrations and the threshold policy. Thresholds for the gallery come from
// it (GalleryCalibration::ThresholdForFpir), with their provenance.
//
// Errors: NOT_FOUND unknown gallery; FAILED_PRECONDITION a gallery too small to
// calibrate (fewer than 16 subjects) or without a model; INVALID_ARGUMENT bad
// options; the store's errors.
// Thread safety: CalibrateGallery only reads the store (safe alongside
// searches); a const GalleryCalibration may be shared between threads.

#ifndef CANDOR_GALLERY_CALIBRATION_H_
#define CANDOR_GALLERY_CALIBRATION_H_

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "candor/calibration.h"
#include "candor/demographics.h"
#include "candor/gallery.h"
#include "candor/reviewed_outcomes.h"
#include "candor/template.h"

namespace candor {

inline constexpr char kGalleryCalibrationDocument[] = "calibration";

enum class ThresholdPolicy { kPooled, kWorstGroup };
const char* ThresholdPolicyName(ThresholdPolicy p);
StatusOr<ThresholdPolicy> ParseThresholdPolicy(const std::string& name);

struct GalleryCalibrationOptions {
  size_t sample_subjects = 5000;  // non-mated searches, one per sampled subject
  size_t pair_subjects = 3000;    // all pairs among the first this many sampled subjects
  std::string seed = "candor-gallery-calibration-1";
  // Required (finite): pairs at or above it are probable duplicates. See
  // DefaultDuplicateScore.
  double duplicate_score = std::numeric_limits<double>::quiet_NaN();
  // "" (none), "sex", "age_band" or "group": calibrate per group of this attribute.
  std::string group_attribute;
  // Unset: worst-group when group_attribute is set and groups were found, else pooled.
  std::optional<ThresholdPolicy> policy;
  // A stored calibration is stale once the gallery has grown by this fraction.
  double refresh_growth = 0.1;
  size_t min_group_subjects = 30;  // smaller groups are reported, not calibrated
  // Per-group rates are reported at the threshold the policy sets for this FPIR.
  double operating_fpir = 1e-3;
  int bootstrap_replicates = 1000;
  double score_step = 0.001;
};

struct ProbableDuplicate {
  std::string subject_a, subject_b;
  double score = 0;
};

// A duplicate threshold no impostor pair should reach in this calibration:
// the score where `model` (the model's own calibration) puts FMR at
// 1 / (searches x gallery size) (tail extrapolation allowed), and never below
// its FMR-1e-6 threshold.
StatusOr<double> DefaultDuplicateScore(const Calibration& model, uint64_t searches,
                                       uint64_t gallery_size);

struct GroupCalibration {
  std::string group;
  uint64_t sampled_subjects = 0;
  std::optional<Calibration> calibration;  // absent: too few subjects or pairs
  std::string note;                        // why absent
};

struct ThresholdDecision {
  double threshold = 0;
  RateEstimate rate;          // FPIR expected at the threshold (the side that set it)
  std::string source;         // e.g. "gallery calibration of 2026-12-05T16:00:00Z (worst-group: F)"
  std::string policy;         // "pooled" | "worst-group"
  std::string deciding_side;  // "gallery-side" | "probe-side" | "reviewed-outcomes"
  std::optional<double> gallery_side_threshold, probe_side_threshold;
  // FPIR at `threshold` by the gallery-side and probe-side estimates, and
  // their ratio (max / min): how far the two disagree.
  std::optional<double> gallery_side_fpir, probe_side_fpir, disagreement;
  // Reviewed outcomes: the threshold they would set for the target (absent
  // when they cannot: too few searches for the target), their FPIR at
  // `threshold` with its interval (absent below their score floor), and its
  // ratio (max / min) to the gallery side's FPIR there.
  std::optional<double> reviewed_threshold;
  std::optional<RateEstimate> reviewed_fpir;
  std::optional<double> reviewed_disagreement;
  bool stale = false;  // the gallery has grown past the refresh fraction
  std::vector<std::string> notes;
};

class GalleryCalibration {
 public:
  std::string gallery;
  std::string model_id, model_sha256;  // hex
  int64_t gallery_subjects = 0;         // N when calibrated
  std::string created_at;               // UTC ISO-8601
  std::string seed;
  uint64_t sampled_subjects = 0, pair_subjects = 0;
  double duplicate_score = 0;
  uint64_t duplicates_excluded = 0;     // pairs
  double refresh_growth = 0.1;
  ThresholdPolicy policy = ThresholdPolicy::kPooled;
  std::string group_attribute;
  // How the gallery scored subjects when calibrated (GalleryInfo::
  // subject_score): thresholds from this document hold only under that rule.
  std::string subject_score = kSubjectScoreMax;
  std::optional<Calibration> pooled;   // gallery side, all sampled subjects
  std::vector<GroupCalibration> groups;
  std::optional<Calibration> probe_side;
  std::string probe_side_source;       // what the operator supplied, in words
  // The reviewed outcomes of past searches of the gallery (absent: none, or
  // too few; reviewed_note says which).
  std::optional<ReviewedOutcomes> reviewed;
  std::string reviewed_note;
  // Per-group FMR (same-group pairs; identity-bootstrap 95 % intervals) and
  // FPIR (the group's probes; Wilson intervals) at the operating threshold.
  struct GroupRate {
    std::string group;
    uint64_t subjects = 0;
    metrics::RateWithInterval fmr, fpir;
    bool too_small = false;
  };
  double operating_fpir = 0, operating_threshold = 0;
  std::vector<GroupRate> group_rates;

  // The threshold for a target FPIR at the gallery's current size: the
  // policy's gallery-side threshold (pooled, or the highest over groups that
  // can support the target), then the higher of it and the probe-side one,
  // then the higher of that and the reviewed outcomes' one (the higher
  // threshold protects people; a lower one is never used silently: `notes`,
  // `deciding_side` and the disagreements say so). For a gallery grown
  // beyond N the target is scaled as 1 - (1 - target)^(N / n) (conservative;
  // for reviewed outcomes N is the smallest gallery size they searched).
  StatusOr<ThresholdDecision> ThresholdForFpir(double target, int64_t current_subjects) const;
  // FPIR of a candidate's score at the current size: the highest of the
  // pooled gallery side, the probe side and the reviewed outcomes (these only
  // at or above their score floor), as the threshold is chosen.
  RateEstimate FpirAt(double score, int64_t current_subjects) const;
  bool Stale(int64_t current_subjects) const;
  std::string Describe() const;  // "gallery calibration of <date> (N=..., sample ...)"

  std::string ToJson() const;
  static StatusOr<GalleryCalibration> FromJson(const std::string& json);
  // OK when made for exactly this model, FAILED_PRECONDITION otherwise.
  Status CheckModel(const std::string& model_id, const std::string& model_sha256_hex) const;
};

struct GalleryCalibrationRun {
  GalleryCalibration calibration;
  std::vector<ProbableDuplicate> duplicates;  // for review; never stored
  std::vector<std::string> notes;
};

// Measures the gallery side (and groups). Reads only.
StatusOr<GalleryCalibrationRun> CalibrateGallery(const Store& store, const std::string& gallery,
                                                 const GalleryCalibrationOptions& options);

// Adds the probe side: each probe (people known not to be enrolled) searched
// against the whole gallery and compared with up to `pair_subjects` sampled
// subjects. INVALID_ARGUMENT for fewer than 10 probes or probes of another model.
Status AddProbeSide(const Store& store, const std::vector<Template>& probes,
                    const std::string& source, GalleryCalibration& calibration);

// Store / load the document (kind kGalleryCalibrationDocument).
Status SaveGalleryCalibration(Store& store, const GalleryCalibration& calibration);
StatusOr<GalleryCalibration> LoadGalleryCalibration(const Store& store, const std::string& gallery);

}  // namespace candor

#endif  // CANDOR_GALLERY_CALIBRATION_H_
