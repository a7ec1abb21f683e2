// Copyright 2026 The Candor Authors.
//
// Fingerprints: the second modality. From an image of one finger to a minutiae
// template, its quality, the ISO/IEC 19794-2:2005 record, 1:1 comparison by
// Minutia Cylinder-Code (MCC) and 1:N search with a bit-code pre-filter and
// several fingers per subject (docs/FINGER.md describes every step and where
// each parameter came from).
//
// Coordinates: pixels of the image as rescaled to 500 dpi, x to the right, y
// down. A minutia direction is in radians in [0, 2*pi), measured from +x toward
// +y (clockwise on screen); the ISO record stores the counter-clockwise angle
// and the conversion is done on import/export. A ridge ending points away from
// its ridge; a bifurcation points along its single branch (the two are duals).
//
// Errors (Status codes):
//   INVALID_ARGUMENT   undecodable, empty, truncated image bytes (the image
//                      decoder's messages), an image smaller than 64x64 px or
//                      larger than 2048 px a side at 500 dpi, a dpi outside
//                      [250, 1200], a malformed template record;
//   FAILED_PRECONDITION an image with no usable ridge area (blank, all white,
//                      noise): "no fingerprint found";
//   RESOURCE_EXHAUSTED the image decoder's limits.
// Thread safety: every free function is a pure function of its arguments and
// may be called concurrently. FingerIndex: concurrent Search calls are safe;
// Add must not run concurrently with anything else on the same index.

#ifndef CANDOR_FINGER_H_
#define CANDOR_FINGER_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "candor/finger_template.h"
#include "candor/image.h"
#include "candor/status.h"

namespace candor::finger {

// Sample quality in the spirit of NFIQ 2 (docs/FINGER.md): each measure in
// [0, 1] unless noted, the combined score 0..100, and plain-words issues.
struct FingerQuality {
  int score = 0;
  double orientation_certainty = 0;  // mean coherence of the gradient field over the print
  double ridge_clarity = 0;          // agreement of the image with its enhanced ridges
  double frequency_consistency = 0;  // 1 - spread of the local ridge frequency
  double usable_area = 0;            // fraction of the image that is print
  double usable_area_mm2 = 0;        // at the stated dpi
  int minutia_count = 0;
  double mean_ridge_period_px = 0;   // at 500 dpi (about 9-10 px for adults)
  std::vector<std::string> issues;   // "small area", "low orientation certainty",
                                     // "unclear ridges", "inconsistent ridge frequency",
                                     // "few minutiae"
};

struct ExtractOptions {
  double dpi = 500;        // the image's resolution; others are rescaled to 500
  int max_minutiae = 100;  // the best by quality are kept (ISO allows 255)
  int finger_position = 0;
  DecodeLimits limits;     // for byte input
};

// Extraction result; the intermediate images are for display and tests.
struct FingerExtraction {
  FingerTemplate tmpl;
  FingerQuality quality;
  cv::Mat mask;         // CV_8U, 255 = print, at 500 dpi
  cv::Mat orientation;  // CV_32F ridge direction in [0, pi) per pixel
  cv::Mat enhanced;     // CV_8U, contextual Gabor output (ridges dark)
  cv::Mat skeleton;     // CV_8U, 255 = thinned ridge
};

// Decodes `bytes` with the project's image decoder (TIFF, PNG, BMP, JPEG, ...)
// and extracts. See the header comment for errors.
StatusOr<FingerExtraction> ExtractFinger(std::span<const uint8_t> bytes,
                                         const ExtractOptions& options = {});
// The same from a decoded image (CV_8UC1 or CV_8UC3).
StatusOr<FingerExtraction> ExtractFingerImage(const cv::Mat& image,
                                              const ExtractOptions& options = {});

// ---- Records ---------------------------------------------------------------

// ISO/IEC 19794-2:2005 finger minutiae record ("FMR\0", version " 20\0"), one
// finger view per template, no extended data. Export fails (INVALID_ARGUMENT)
// for more than 255 minutiae, coordinates outside 0..16383 or an invalid
// position; import returns every view and rejects (INVALID_ARGUMENT, with the
// offset) anything malformed: wrong magic, version, lengths, counts, types,
// coordinates outside the declared image. Extended data blocks are skipped.
StatusOr<std::vector<uint8_t>> ExportIso19794_2(std::span<const FingerTemplate> views);
StatusOr<std::vector<FingerTemplate>> ImportIso19794_2(std::span<const uint8_t> bytes);

// Candor's sealed finger template: magic "CNDF", format version, the ISO
// record, CRC-32C. Parse gives DATA_LOSS for a bad checksum and INVALID_ARGUMENT
// for any other malformed input.
inline constexpr uint16_t kFingerTemplateVersion = 1;
StatusOr<std::vector<uint8_t>> SerializeFingerTemplate(const FingerTemplate& t);
StatusOr<FingerTemplate> ParseFingerTemplate(std::span<const uint8_t> bytes);

// ---- 1:1 matching: Minutia Cylinder-Code -----------------------------------

// Parameters from Cappelli, Ferrara, Maltoni, "Minutia Cylinder-Code: a new
// representation and matching technique for fingerprint recognition", IEEE
// TPAMI 32(12), 2010, Table 1 and Section 5 (defaults = the paper's values).
struct MccParams {
  double radius = 70;             // R
  int ns = 16;                    // cells per side
  int nd = 6;                     // direction sections
  double sigma_s = 28.0 / 3.0;
  double sigma_d = 2.0 * 3.14159265358979323846 / 9.0;
  double mu_psi = 0.01;
  double tau_psi = 400;
  double omega = 50;              // convex-hull enlargement (px)
  double min_vc = 0.75;           // valid cells for a valid cylinder
  int min_m = 2;                  // minutiae contributing to a valid cylinder
  double min_me = 0.60;           // matchable cells for a comparable pair
  double delta_theta = 3.14159265358979323846 / 2;  // max direction difference
  // LSS-R consolidation (paper Section 4 and Table 1).
  int min_np = 4, max_np = 12;
  double mu_p = 20, tau_p = 0.4;
  int relaxation_iterations = 5;
  double w_r = 0.5;
  double mu_rho1 = 5, tau_rho1 = -1.6;
  double mu_rho2 = 3.14159265358979323846 / 12, tau_rho2 = -30;
  double mu_rho3 = 3.14159265358979323846 / 12, tau_rho3 = -30;
  bool bits = false;              // MCC16b (bit cells, popcount) instead of float cells
};

// A template's cylinders, built once and compared many times (immutable).
struct MccTemplate {
  struct Cylinder {
    int minutia = 0;              // index into `minutiae`
    std::vector<float> cells;     // ns*ns*nd, cell (i, j, k) at (k*ns + i)*ns + j
    std::vector<uint64_t> bits;   // cells > mu_psi, same order, padded to 64
    std::vector<uint64_t> valid;  // ns*ns*nd valid-cell mask, same layout as bits
    float norm = 0;
  };
  std::vector<Minutia> minutiae;
  std::vector<Cylinder> cylinders;  // valid cylinders only
  MccParams params;
};

MccTemplate BuildMcc(const FingerTemplate& t, const MccParams& params = {});

// A paired minutia (indices into each FingerTemplate's minutiae) and the
// relaxed local similarity that selected it.
struct MinutiaPair {
  int a = 0;
  int b = 0;
  float similarity = 0;
};

struct MatchResult {
  double score = 0;  // in [0, 1]; 0 when either side has no valid cylinder
  std::vector<MinutiaPair> pairs;  // the pairs the score averages (for review)
};

// MCC local similarities + LSS-R global consolidation. Both templates must be
// built with the same params (else the score is 0).
MatchResult CompareMcc(const MccTemplate& a, const MccTemplate& b);
// Convenience: BuildMcc both and compare.
MatchResult CompareFingers(const FingerTemplate& a, const FingerTemplate& b,
                           const MccParams& params = {});

// ---- 1:N ------------------------------------------------------------------

// The pre-filter code: MCC bit codes compared by popcount. Each of the
// template's first 24 valid cylinders (extraction orders minutiae by quality)
// is OR-pooled over 2x2 spatial cells to 8x8x6 = 384 bits; two codes score the
// mean of the 6 best per-cylinder similarities (MCC's bit similarity, each
// probe cylinder against its best gallery cylinder). Fixed size (1.2 KB),
// translation and rotation invariant like MCC. Pooling, 24 and 6 were chosen
// on FVC2002 DB1-B (docs/FINGER.md).
inline constexpr int kPrefilterCylinders = 24;
inline constexpr int kPrefilterWords = 6;  // per cylinder
struct PrefilterCode {
  uint8_t count = 0;
  uint16_t ones[kPrefilterCylinders] = {};
  uint64_t bits[kPrefilterCylinders][kPrefilterWords] = {};
};
// BuildMcc must have used ns = 16, nd = 6 (else the code is empty).
PrefilterCode MakePrefilterCode(const MccTemplate& t);
// In [0, 1]; 0 when either code is empty.
double ComparePrefilter(const PrefilterCode& a, const PrefilterCode& b);

struct FingerSearchOptions {
  int candidates = 20;        // returned subjects
  int rescore = 200;          // best pre-filter finger entries re-scored by MCC
  bool prefilter_only = false;
};

struct FingerCandidate {
  std::string subject;
  double score = 0;             // fused over the probe's fingers, [0, 1]
  std::vector<double> finger_scores;  // per probe finger (0 when not compared)
};

// Several fingers per subject. Fusion: a probe of several fingers is compared
// finger by finger with the subject's finger at the same position (or with
// every finger of the subject when a position is 0), keeping the best per
// probe finger; the subject's score is the mean over the probe's fingers (sum
// rule). Only subjects reached by the pre-filter are scored.
class FingerIndex {
 public:
  explicit FingerIndex(MccParams params = {}) : params_(params) {}

  // INVALID_ARGUMENT for an empty subject or a position outside 0..10.
  Status Add(const std::string& subject, const FingerTemplate& finger);
  // Adds a pre-built entry (benchmarks with synthetic galleries).
  Status AddPrebuilt(const std::string& subject, const FingerTemplate& finger,
                     const PrefilterCode& code);

  // Removes every finger of `subject` (NOT_FOUND if it has none).
  Status Remove(const std::string& subject);

  std::size_t size() const { return entries_.size(); }
  std::size_t subjects() const { return subject_ids_.size(); }

  // 1:1: the probe fingers against `subject`'s fingers, fused exactly as
  // Search fuses them (candidate.score). NOT_FOUND for a subject the index
  // does not hold; INVALID_ARGUMENT for no probe fingers.
  StatusOr<FingerCandidate> CompareSubject(const std::string& subject,
                                           std::span<const FingerTemplate> probe) const;

  // INVALID_ARGUMENT for no probe fingers.
  StatusOr<std::vector<FingerCandidate>> Search(std::span<const FingerTemplate> probe,
                                                const FingerSearchOptions& options = {}) const;

 private:
  struct Entry {
    int subject = 0;
    int position = 0;
    FingerTemplate finger;
  };
  // Scores subject `s` (an index into subjects_) against the probe.
  FingerCandidate Score(int s, std::span<const FingerTemplate> probe,
                        std::span<const MccTemplate> probe_mcc,
                        std::span<const PrefilterCode> probe_codes, bool prefilter_only) const;

  MccParams params_;
  std::vector<std::string> subjects_;
  std::unordered_map<std::string, int> subject_ids_;
  std::vector<std::vector<int>> subject_entries_;
  std::vector<Entry> entries_;
  std::vector<PrefilterCode> codes_;
};

}  // namespace candor::finger

#endif  // CANDOR_FINGER_H_
