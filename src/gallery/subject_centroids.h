// Copyright 2026 The Candor Authors.
//
// The centroids of a "centroid" gallery's subjects that hold two or more
// templates (candor/subject_score.h), searched exactly (float32, every
// centroid scored). Subjects with one template are scored by the gallery's
// template index as before; a subject listed here is scored only here.
// Rebuilt from the sealed templates when the store opens and updated on
// every enrollment and deletion (StoreImpl), so nothing about it is stored.
//
// Memory: 4 * dim bytes per multi-template subject plus a hash map entry
// (about 0.8 KB per subject for MobileFaceNet): fine to 10^6 such subjects;
// larger galleries would need the centroids in the compressed index.
// Thread safety: none; the store mutates it under its exclusive lock and
// searches it under its shared lock.

#ifndef CANDOR_GALLERY_SUBJECT_CENTROIDS_H_
#define CANDOR_GALLERY_SUBJECT_CENTROIDS_H_

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace candor::gallery {

class SubjectCentroids {
 public:
  struct Hit {
    int64_t subject_row = 0;
    int64_t template_id = 0;  // the subject's first template (its candidate's photo)
    float score = 0.0f;
  };

  // Sets (or replaces) the subject's unit-norm centroid.
  void Set(int64_t subject_row, int64_t first_template_id, std::vector<float> centroid);
  void Erase(int64_t subject_row);
  bool Contains(int64_t subject_row) const { return rows_.count(subject_row) != 0; }
  size_t size() const { return rows_.size(); }

  // The k best centroids scoring >= threshold, best first (ties by subject row).
  std::vector<Hit> Search(std::span<const float> probe, int k, float threshold) const;

 private:
  struct Entry {
    int64_t first_template_id;
    std::vector<float> centroid;
  };
  std::unordered_map<int64_t, Entry> rows_;
};

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_SUBJECT_CENTROIDS_H_
