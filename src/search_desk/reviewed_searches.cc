// Copyright 2026 The Candor Authors.

#include "search_desk/reviewed_searches.h"

#include "common/hash.h"

namespace candor {
namespace {

bool Qualified(const BookedReview& r) {
  return r.reviewer_role == "examiner" || r.reviewer_role == "supervisor";
}

}  // namespace

StatusOr<CollectedReviews> CollectReviewedSearches(const SearchBook& book, const GalleryInfo& g) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<BookedSearch> all, book.List("", ""));
  const std::string sha = HexEncode(g.model_sha256);
  CollectedReviews out;
  for (const BookedSearch& b : all) {
    const nlohmann::json& s = b.summary;
    if (!s.is_object() || s.value("gallery", std::string()) != g.name ||
        s.value("kind", std::string()) != "identify" ||
        s.value("status", std::string()) == "refused") {
      continue;
    }
    if (b.purged) {
      ++out.skipped.purged;
      continue;
    }
    if (!b.scoring.is_object()) {
      ++out.skipped.unrecorded_scoring;
      continue;
    }
    if (b.scoring.value("model_sha256", std::string()) != sha ||
        b.scoring.value("model_id", std::string()) != g.model_id ||
        b.scoring.value("subject_score", std::string()) != g.subject_score) {
      ++out.skipped.other_scoring;
      continue;
    }
    if (!s.contains("threshold") || !s["threshold"].is_number() || !s.contains("gallery_size") ||
        !s["gallery_size"].is_number_integer()) {
      ++out.skipped.unrecorded_scoring;
      continue;
    }
    ReviewedSearch r;
    r.created_ms = b.created_ms;
    r.threshold = s["threshold"].get<double>();
    r.gallery_subjects = s["gallery_size"].get<int64_t>();
    bool complete = true;
    for (const BookedCandidate& c : b.candidates) {
      bool rejected = false, confirmed = false;
      for (const BookedReview& v : b.reviews) {
        if (v.subject_id != c.subject_id || !Qualified(v)) continue;
        rejected |= v.decision == "reject";
        confirmed |= v.decision == "confirm";
      }
      if (rejected) {
        r.rejected.push_back({c.subject_id, c.score});
      } else if (confirmed) {
        r.confirmed.push_back(c.score);
      } else {
        complete = false;
        break;
      }
    }
    if (!complete) {
      ++out.skipped.review_incomplete;
      continue;
    }
    out.searches.push_back(std::move(r));
  }
  return out;
}

}  // namespace candor
