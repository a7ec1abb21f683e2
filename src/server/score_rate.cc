// Copyright 2026 The Candor Authors.
//
// CalibratedScoreRate: the estimated error rate of a score, from the
// calibration of the gallery's model (candor/calibration.h), for the server's
// search results.

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "candor/calibration.h"
#include "candor/server.h"
#include "common/hash.h"

namespace candor {

ScoreRateFunction CalibratedScoreRate(
    std::function<StatusOr<Calibration>(const GalleryInfo& gallery)> load) {
  struct Cache {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<const Calibration>> by_model;
  };
  auto cache = std::make_shared<Cache>();
  return [cache, load = std::move(load)](const GalleryInfo& g, SearchKind kind, double score,
                                         int64_t gallery_size) -> StatusOr<ScoreRate> {
    const std::string key = g.model_id + "@" + HexEncode(g.model_sha256);
    std::shared_ptr<const Calibration> cal;
    {
      std::lock_guard<std::mutex> lock(cache->mu);
      if (auto it = cache->by_model.find(key); it != cache->by_model.end()) cal = it->second;
    }
    if (!cal) {
      CANDOR_ASSIGN_OR_RETURN(Calibration loaded, load(g));
      cal = std::make_shared<const Calibration>(std::move(loaded));
      std::lock_guard<std::mutex> lock(cache->mu);
      cache->by_model.emplace(key, cal);
    }
    const RateEstimate r =
        kind != SearchKind::kVerify
            ? cal->FpirAt(score, static_cast<uint64_t>(std::max<int64_t>(1, gallery_size)))
            : cal->FmrAt(score);
    ScoreRate out;
    out.value = r.value;
    out.basis = r.below_support ? "upper_bound" : r.extrapolated ? "extrapolated" : "measured";
    return out;
  };
}

}  // namespace candor
