// Copyright 2026 The Candor Authors.
//
// How a face gallery scores a subject that holds several templates (a gallery
// setting, GalleryInfo::subject_score; docs/STORE.md, docs/EVALUATION.md):
//  - "max": the best cosine over the subject's templates (the rule of galleries
//    created before "centroid" became the face default, and of finger galleries).
//  - "centroid" (the default for new face galleries, DefaultSubjectScore in
//    candor/gallery.h): the cosine with the subject's centroid, the L2-normalised
//    mean of its unit-norm templates (a subject with one template scores that
//    template). One score per subject whatever its number of photos, so a
//    subject enrolled five times does not get five chances to match a stranger
//    (the max rule's FPIR grows with the templates per subject), and averaging
//    the photos cancels part of each photo's pose and light (on all of LFW with
//    two photos per subject: FNIR at FPIR 1 % 4.39 % against 5.18 % for max;
//    docs/ACCURACY.md).
// Verify, Identify and the in-gallery calibration all score through these
// functions, so a threshold calibrated for a gallery holds for its searches.
//
// Errors: INVALID_ARGUMENT for an unknown rule name. Thread safety: pure
// functions.

#ifndef CANDOR_SUBJECT_SCORE_H_
#define CANDOR_SUBJECT_SCORE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor {

inline constexpr const char* kSubjectScoreMax = "max";
inline constexpr const char* kSubjectScoreCentroid = "centroid";

// OK for "max" or "centroid", INVALID_ARGUMENT (naming both) otherwise.
Status ValidateSubjectScore(std::string_view rule);

// The unit-norm mean of `templates` (each unit-norm, all of one dimension).
// Empty input or a mean of zero norm (opposite templates) gives an empty vector
// (SubjectScore and the store then fall back to the best template).
std::vector<float> TemplateCentroid(std::span<const std::vector<float>> templates);

// A unit-norm probe's score against a subject's unit-norm templates under
// `rule` ("max" or "centroid"; anything else scores as "max"). No templates: -1.
// `best_index` (optional) receives the index of the best single template.
float SubjectScore(std::span<const float> probe, std::span<const std::vector<float>> templates,
                   std::string_view rule, size_t* best_index = nullptr);

}  // namespace candor

#endif  // CANDOR_SUBJECT_SCORE_H_
