// Copyright 2026 The Candor Authors.

#include "search_desk/thresholds.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "candor/gallery_calibration.h"
#include "common/hash.h"
#include "common/paths.h"

namespace candor {
namespace {

std::string BasisOf(const RateEstimate& r) {
  return r.below_support ? "upper_bound" : r.extrapolated ? "extrapolated" : "measured";
}

class CalibratedSource final : public SearchCalibration {
 public:
  CalibratedSource(const Store& store, SearchCalibrationOptions o)
      : store_(store), o_(std::move(o)) {}

  StatusOr<Threshold> ThresholdFor(const GalleryInfo& g, SearchKind kind) const override {
    if (o_.fixed_threshold > 0) {
      return Threshold{o_.fixed_threshold, kFromFixedThreshold,
                       "fixed threshold set by the operator (no calibration)", false};
    }
    const int64_t n = std::max<int64_t>(1, g.subjects);
    const bool finger = g.modality == kFingerModality;
    const double target_fpir = finger ? o_.finger_target_fpir : o_.target_fpir;
    const double target_fmr = finger ? o_.finger_target_fmr : o_.target_fmr;
    if (kind == SearchKind::kVerify) {
      CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Calibration> c, Model(g));
      CANDOR_ASSIGN_OR_RETURN(ThresholdChoice t, c->ThresholdForFmr(target_fmr));
      return Threshold{static_cast<float>(t.threshold), kFromModelCalibration,
                       ModelWords(g) + " (1:1 thresholds come from the model's calibration)",
                       false};
    }
    std::string why;
    CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<const GalleryCalibration> stored, OfGallery(g, &why));
    if (stored) {
      CANDOR_ASSIGN_OR_RETURN(ThresholdDecision d, stored->ThresholdForFpir(target_fpir, n));
      return Threshold{static_cast<float>(d.threshold), kFromGalleryCalibration,
                       d.source + (d.stale ? " (stale: recalibrate)" : ""), d.stale};
    }
    CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Calibration> c, Model(g));
    CANDOR_ASSIGN_OR_RETURN(ThresholdChoice t,
                            c->ThresholdForFpir(target_fpir, static_cast<uint64_t>(n)));
    return Threshold{static_cast<float>(t.threshold), kFromModelCalibration,
                     ModelWords(g) + " (no in-gallery calibration" + why + ")", false};
  }

  StatusOr<ScoreRate> RateOf(const GalleryInfo& g, SearchKind kind, double score,
                             int64_t gallery_size) const override {
    if (kind != SearchKind::kVerify) {
      std::string why;
      CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<const GalleryCalibration> stored,
                              OfGallery(g, &why));
      if (stored) {
        const RateEstimate r = stored->FpirAt(score, std::max<int64_t>(1, gallery_size));
        return ScoreRate{r.value, BasisOf(r)};
      }
    }
    CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Calibration> c, Model(g));
    const RateEstimate r =
        kind != SearchKind::kVerify
            ? c->FpirAt(score, static_cast<uint64_t>(std::max<int64_t>(1, gallery_size)))
            : c->FmrAt(score);
    return ScoreRate{r.value, BasisOf(r)};
  }

  StatusOr<std::shared_ptr<const Calibration>> ModelCalibration(
      const GalleryInfo& g) const override {
    return Model(g);
  }

  void Invalidate(const std::string& gallery) const override {
    std::lock_guard<std::mutex> lock(mu_);
    galleries_.erase(gallery);
  }

 private:
  std::string ModelWords(const GalleryInfo& g) const {
    if (ExplicitFileFor(g)) return "model calibration " + o_.model_calibration;
    std::string words = "model calibration calibration/" + g.model_id + ".json";
    if (!o_.model_calibration.empty()) {
      words += " (the given " + o_.model_calibration + " is for model '" + ExplicitModel() +
               "', not this gallery's)";
    }
    return words;
  }

  // The model the explicit calibration file (--calibration) was built for,
  // read once; "" when there is none or it cannot be read (then it is used
  // for every gallery and its load error is the answer).
  std::string ExplicitModel() const {
    std::call_once(explicit_once_, [this] {
      if (o_.model_calibration.empty()) return;
      auto c = Calibration::Load(o_.model_calibration);
      if (c.ok()) explicit_model_ = c->model_id();
    });
    return explicit_model_;
  }
  // The explicit file is scoped to the galleries of its model: a gallery of
  // another model (e.g. a finger gallery beside faces) uses its own
  // calibration/<model>.json, and its source says so.
  bool ExplicitFileFor(const GalleryInfo& g) const {
    if (o_.model_calibration.empty()) return false;
    const std::string m = ExplicitModel();
    return m.empty() || m == g.model_id;
  }

  // The model's calibration, loaded once per model (load errors are not kept).
  StatusOr<std::shared_ptr<const Calibration>> Model(const GalleryInfo& g) const {
    if (g.model_id.empty()) return FailedPreconditionError("gallery '" + g.name + "' is empty");
    const std::string key = g.model_id + "@" + HexEncode(g.model_sha256);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = models_.find(key); it != models_.end()) return it->second;
    }
    StatusOr<Calibration> c = o_.load_model
                                  ? o_.load_model(g)
                                  : LoadCalibrationFor(ExplicitFileFor(g) ? o_.model_calibration
                                                                          : std::string(),
                                                       g.model_id, g.model_sha256);
    if (!c.ok()) return c.status();
    auto shared = std::make_shared<const Calibration>(std::move(c).value());
    std::lock_guard<std::mutex> lock(mu_);
    models_.emplace(key, shared);
    return shared;
  }

  // The gallery's stored calibration for its current model, or null (then
  // `why` may say why one was not used). Parsed once; absence is kept too.
  StatusOr<std::shared_ptr<const GalleryCalibration>> OfGallery(const GalleryInfo& g,
                                                                std::string* why) const {
    if (!o_.gallery_calibrations) return std::shared_ptr<const GalleryCalibration>();
    std::shared_ptr<const GalleryCalibration> c;
    bool cached = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = galleries_.find(g.name); it != galleries_.end()) {
        c = it->second;
        cached = true;
      }
    }
    if (!cached) {
      auto loaded = LoadGalleryCalibration(store_, g.name);
      if (loaded.ok()) {
        c = std::make_shared<const GalleryCalibration>(std::move(loaded).value());
      } else if (loaded.status().code() != Code::kNotFound &&
                 loaded.status().code() != Code::kUnimplemented) {
        return loaded.status();
      }
      std::lock_guard<std::mutex> lock(mu_);
      galleries_[g.name] = c;
    }
    if (c && !c->CheckModel(g.model_id, HexEncode(g.model_sha256)).ok()) {
      *why = "; the stored gallery calibration is for another model: recalibrate";
      return std::shared_ptr<const GalleryCalibration>();
    }
    if (c && c->subject_score != g.subject_score) {
      *why = "; the stored gallery calibration scored subjects by '" + c->subject_score +
             "', the gallery now by '" + g.subject_score + "': recalibrate";
      return std::shared_ptr<const GalleryCalibration>();
    }
    if (!c && g.subject_score != kSubjectScoreMax) {
      *why += "; it compares single templates, this gallery scores subjects by '" +
              g.subject_score + "': calibrate the gallery";
    }
    return c;
  }

  const Store& store_;
  const SearchCalibrationOptions o_;
  mutable std::mutex mu_;
  mutable std::once_flag explicit_once_;
  mutable std::string explicit_model_;
  mutable std::map<std::string, std::shared_ptr<const Calibration>> models_;
  mutable std::map<std::string, std::shared_ptr<const GalleryCalibration>> galleries_;
};

}  // namespace

StatusOr<Calibration> LoadCalibrationFor(const std::string& explicit_path,
                                         const std::string& model_id,
                                         const Sha256Bytes& model_sha256) {
  std::filesystem::path path = explicit_path;
  if (path.empty()) {
    const char* env = std::getenv("CANDOR_CALIBRATION_DIR");
    const std::filesystem::path dir =
        (env && *env) ? std::filesystem::path(env) : SourceDir() / "calibration";
    path = dir / (model_id + ".json");
  }
  auto cal = Calibration::Load(path);
  if (!cal.ok()) {
    return FailedPreconditionError("no usable calibration for model '" + model_id + "' (" +
                                   cal.status().message() +
                                   "): thresholds come from a calibration, never a fixed number; "
                                   "pass --calibration FILE");
  }
  CANDOR_RETURN_IF_ERROR(cal->CheckModel(model_id, HexEncode(model_sha256)));
  return cal;
}

std::shared_ptr<SearchCalibration> OpenSearchCalibration(const Store& store,
                                                         SearchCalibrationOptions options) {
  return std::make_shared<CalibratedSource>(store, std::move(options));
}

}  // namespace candor
