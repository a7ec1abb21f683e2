// Copyright 2026 The Candor Authors.

#include "search_desk/report_sources.h"

namespace candor {

Status AddThresholdSources(const SearchBook& book, const Store& store,
                           const SearchCalibration& calibration, TransparencyReport& report) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<BookedSearch> all, book.List("", ""));
  for (const BookedSearch& b : all) {
    if (b.created_ms < report.from_ms || b.created_ms >= report.to_ms) continue;
    const std::string from = b.summary.is_object()
                                 ? b.summary.value("threshold_calibration", std::string())
                                 : std::string();
    ++report.by_threshold_calibration[from.empty() ? "unrecorded" : from];
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<GalleryInfo> galleries, store.ListGalleries());
  for (const GalleryInfo& g : galleries) {
    auto t = calibration.ThresholdFor(g, SearchKind::kIdentify);
    report.threshold_sources[g.name] =
        t.ok() ? t->calibration + ": " + t->source : "no threshold: " + t.status().message();
  }
  return OkStatus();
}

}  // namespace candor
