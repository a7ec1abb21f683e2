// Copyright 2026 The Candor Authors.

#include "cluster/merge.h"

#include <algorithm>

namespace candor::cluster {

void AddGalleryPart(GalleryInfo& into, const GalleryInfo& part) {
  into.subjects += part.subjects;
  into.templates += part.templates;
  if (into.model_id.empty()) {
    into.model_id = part.model_id;
    into.model_sha256 = part.model_sha256;
    into.dim = part.dim;
  }
}

IdentifyResult MergeTopK(std::vector<IdentifyResult> parts, int k, float threshold,
                         const FpirFunction& fpir) {
  IdentifyResult out;
  out.threshold = threshold;
  for (IdentifyResult& part : parts) {
    out.gallery_subjects += part.gallery_subjects;
    out.gallery_templates += part.gallery_templates;
    for (IdentifyCandidate& c : part.candidates) {
      if (c.score >= threshold) out.candidates.push_back(std::move(c));
    }
  }
  std::sort(out.candidates.begin(), out.candidates.end(),
            [](const IdentifyCandidate& a, const IdentifyCandidate& b) {
              if (a.score != b.score) return a.score > b.score;
              return a.subject_id < b.subject_id;
            });
  if (out.candidates.size() > static_cast<size_t>(std::max(0, k))) {
    out.candidates.resize(static_cast<size_t>(std::max(0, k)));
  }
  if (fpir) {
    for (IdentifyCandidate& c : out.candidates) c.fpir = fpir(c.score, out.gallery_subjects);
  }
  out.no_candidate_above_threshold = out.candidates.empty();
  return out;
}

}  // namespace candor::cluster
