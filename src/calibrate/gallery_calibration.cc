// Copyright 2026 The Candor Authors.
//
// CalibrateGallery and AddProbeSide (include/candor/gallery_calibration.h):
// the measurements. The stored document and the thresholds drawn from it are
// in gallery_calibration_doc.cc.

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <span>

#include "calibrate/stats.h"
#include "candor/gallery_calibration.h"
#include "common/hash.h"

namespace candor {
namespace {

struct Sampled {
  std::string id;
  std::vector<std::vector<float>> templates;  // unit-norm, first = the probe
  // What a probe is scored against under the gallery's subject_score rule:
  // the templates (best of them), or the one centroid (candor/subject_score.h).
  std::vector<std::vector<float>> scored;
  std::vector<finger::FingerTemplate> fingers;  // finger galleries: first = the probe
  std::string group;                          // "" when not labelled
};

bool Usable(const Sampled& s) { return !s.templates.empty() || !s.fingers.empty(); }

// Fills x.scored as the store scores the subject.
void ScoreAs(const std::string& rule, Sampled& x) {
  x.scored = x.templates;
  if (rule == kSubjectScoreCentroid && x.templates.size() >= 2) {
    std::vector<float> c = TemplateCentroid(x.templates);
    if (!c.empty()) x.scored = {std::move(c)};
  }
}

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= a.size(); i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < a.size(); ++i) s0 += a[i] * b[i];
  return static_cast<double>((s0 + s1) + (s2 + s3));
}

// The score of `probe` against `other` as the gallery scores subjects.
double BestScore(const std::vector<float>& probe, const Sampled& other) {
  double best = -2;
  for (const auto& t : other.scored) best = std::max(best, Dot(probe, t));
  return best;
}

StatusOr<Template> ProbeTemplate(const GalleryInfo& g, std::vector<float> values) {
  return MakeTemplate(g.model_id, g.model_sha256, std::move(values), kTemplateL2Normalized);
}

struct TopCandidate {
  double score = std::nan("");  // NaN: nothing but itself and duplicates
  std::string subject;
};

// The best candidate of a search other than `self` and scoring below
// `duplicate_score`; candidates at or above it are appended to `duplicates`.
// `search` runs the gallery's own 1:N search (faces: Store::Identify; fingers:
// Store::IdentifyFingers, its pre-filter and fusion included) at these params.
using GallerySearch = std::function<StatusOr<IdentifyResult>(const IdentifyParams&)>;
StatusOr<TopCandidate> TopNonMated(const GallerySearch& search, const std::string& self,
                                   double duplicate_score,
                                   std::vector<ProbableDuplicate>* duplicates) {
  for (int k = 8;; k *= 4) {
    IdentifyParams p;
    p.k = std::min(k, 1000);
    p.threshold = -2.0f;
    CANDOR_ASSIGN_OR_RETURN(IdentifyResult r, search(p));
    std::vector<ProbableDuplicate> found;
    for (const IdentifyCandidate& c : r.candidates) {
      if (c.subject_id == self) continue;
      if (c.score >= duplicate_score) {
        found.push_back({std::min(self, c.subject_id), std::max(self, c.subject_id), c.score});
        continue;
      }
      if (duplicates) duplicates->insert(duplicates->end(), found.begin(), found.end());
      return TopCandidate{static_cast<double>(c.score), c.subject_id};
    }
    if (static_cast<int>(r.candidates.size()) < p.k || p.k == 1000) {
      if (duplicates) duplicates->insert(duplicates->end(), found.begin(), found.end());
      return TopCandidate{};
    }
  }
}

// Dense ids for the searchers and their best candidates (the calibration
// links them per threshold: CalibrationInput::nonmated_top_self / _best).
struct SearchLinks {
  std::vector<uint64_t> self, best;
};
SearchLinks LinkSearches(const std::vector<Sampled>& sample, const std::vector<std::string>& best) {
  std::map<std::string, uint64_t> id;
  auto of = [&](const std::string& s) { return id.emplace(s, id.size()).first->second; };
  SearchLinks links;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    links.self.push_back(of(sample[i].id));
    links.best.push_back(best[i].empty() ? links.self.back() : of(best[i]));
  }
  return links;
}

CalibrationInput BaseInput(const GalleryInfo& g, const GalleryCalibrationOptions& o,
                           const std::string& what) {
  CalibrationInput in;
  in.model_id = g.model_id;
  in.model_sha256 = HexEncode(g.model_sha256);
  in.score_step = o.score_step;
  in.provenance["kind"] = what;
  in.provenance["gallery"] = g.name;
  in.provenance["gallery_subjects"] = std::to_string(g.subjects);
  in.provenance["sample_seed"] = o.seed;
  in.provenance["subject_score"] = g.subject_score;
  return in;
}

// How a gallery scores: a sampled subject's search against the gallery and
// its score against another sampled subject, exactly as the gallery's
// searches score. Faces: the first template's cosine (the best over the
// other's templates). Fingers: the first finger as a one-finger probe, MCC
// against the other's fingers at the same position fused as a search fuses
// (Store::IdentifyFingers / VerifyFingers).
struct GalleryScoring {
  const Store& store;
  const GalleryInfo& g;
  bool finger() const { return g.modality == kFingerModality; }

  StatusOr<TopCandidate> Top(const Sampled& s, double duplicate_score,
                             std::vector<ProbableDuplicate>* duplicates) const {
    if (finger()) {
      const std::span<const finger::FingerTemplate> probe(s.fingers.data(), 1);
      return TopNonMated([&](const IdentifyParams& p) { return store.IdentifyFingers(g.name, probe, p); },
                         s.id, duplicate_score, duplicates);
    }
    CANDOR_ASSIGN_OR_RETURN(Template probe, ProbeTemplate(g, s.templates[0]));
    return TopNonMated([&](const IdentifyParams& p) { return store.Identify(g.name, probe, p); },
                       s.id, duplicate_score, duplicates);
  }

  StatusOr<double> Pair(const Sampled& a, const Sampled& b) const {
    if (!finger()) return BestScore(a.templates[0], b);
    VerifyParams p;
    p.threshold = 1.0f;
    CANDOR_ASSIGN_OR_RETURN(
        VerifyResult r,
        store.VerifyFingers(g.name, b.id, std::span<const finger::FingerTemplate>(a.fingers.data(), 1), p));
    return static_cast<double>(r.score);
  }
};

}  // namespace

StatusOr<double> DefaultDuplicateScore(const Calibration& model, uint64_t searches,
                                       uint64_t gallery_size) {
  const double comparisons = std::max(1.0, double(searches) * double(gallery_size));
  auto floor = model.ThresholdForFmr(1e-6, /*allow_extrapolation=*/true);
  auto rare = model.ThresholdForFmr(std::min(1e-6, 1.0 / comparisons), true);
  if (!floor.ok()) return floor.status();
  if (!rare.ok()) return floor->threshold;
  return std::max(floor->threshold, rare->threshold);
}

StatusOr<GalleryCalibrationRun> CalibrateGallery(const Store& store, const std::string& gallery,
                                                 const GalleryCalibrationOptions& o) {
  if (!std::isfinite(o.duplicate_score)) {
    return InvalidArgumentError("in-gallery calibration needs a finite duplicate score");
  }
  if (o.sample_subjects < 16 || o.pair_subjects < 16) {
    return InvalidArgumentError("sample at least 16 subjects");
  }
  if (!(o.refresh_growth > 0) || !(o.operating_fpir > 0 && o.operating_fpir < 1)) {
    return InvalidArgumentError("refresh growth must be > 0 and the operating FPIR in (0, 1)");
  }
  if (!o.group_attribute.empty()) {
    CANDOR_RETURN_IF_ERROR(ValidateSubjectAttributes({{o.group_attribute, "x"}}));
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store.GetGallery(gallery));
  if (g.model_id.empty()) return FailedPreconditionError("gallery '" + gallery + "' is empty");
  if (g.subjects < 16) {
    return FailedPreconditionError("gallery '" + gallery + "' has " + std::to_string(g.subjects) +
                                   " subjects; in-gallery calibration needs at least 16");
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          store.SampleSubjects(gallery, o.sample_subjects, o.seed));
  std::vector<Sampled> sample;
  sample.reserve(ids.size());
  for (const std::string& id : ids) {
    CANDOR_ASSIGN_OR_RETURN(SubjectInfo s, store.GetSubject(gallery, id, /*with_values=*/true));
    Sampled x;
    x.id = id;
    for (auto& t : s.templates) {
      if (t.finger) {
        x.fingers.push_back(std::move(*t.finger));
      } else if (!t.values.empty()) {
        x.templates.push_back(std::move(t.values));
      }
    }
    if (!Usable(x)) continue;
    ScoreAs(g.subject_score, x);
    if (!o.group_attribute.empty()) {
      if (auto it = s.attributes.find(o.group_attribute); it != s.attributes.end()) {
        x.group = it->second;
      }
    }
    sample.push_back(std::move(x));
  }

  GalleryCalibrationRun run;
  // Non-mated searches at the gallery's full size.
  std::vector<double> top(sample.size());
  std::vector<std::string> best(sample.size());
  const GalleryScoring scoring{store, g};
  for (std::size_t i = 0; i < sample.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(TopCandidate t,
                            scoring.Top(sample[i], o.duplicate_score, &run.duplicates));
    top[i] = t.score;
    best[i] = std::move(t.subject);
  }
  const SearchLinks links = LinkSearches(sample, best);
  // Pairs among the first pair_subjects sampled subjects.
  const std::size_t m = std::min(o.pair_subjects, sample.size());
  std::vector<double> pairs;
  pairs.reserve(m * (m - 1) / 2);
  std::map<std::string, std::vector<metrics::LabelledPair>> group_pairs;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = i + 1; j < m; ++j) {
      CANDOR_ASSIGN_OR_RETURN(const double s, scoring.Pair(sample[i], sample[j]));
      if (s >= o.duplicate_score) {
        run.duplicates.push_back({std::min(sample[i].id, sample[j].id),
                                  std::max(sample[i].id, sample[j].id), s});
        continue;
      }
      pairs.push_back(s);
      if (!sample[i].group.empty() && sample[i].group == sample[j].group) {
        group_pairs[sample[i].group].push_back(
            {s, false, static_cast<int64_t>(i), static_cast<int64_t>(j)});
      }
    }
  }
  // One entry per unordered pair (a search and the pair scan may both find it).
  std::sort(run.duplicates.begin(), run.duplicates.end(),
            [](const ProbableDuplicate& a, const ProbableDuplicate& b) {
              return std::tie(a.subject_a, a.subject_b, b.score) <
                     std::tie(b.subject_a, b.subject_b, a.score);
            });
  run.duplicates.erase(std::unique(run.duplicates.begin(), run.duplicates.end(),
                                   [](const ProbableDuplicate& a, const ProbableDuplicate& b) {
                                     return a.subject_a == b.subject_a &&
                                            a.subject_b == b.subject_b;
                                   }),
                       run.duplicates.end());

  GalleryCalibration& c = run.calibration;
  c.gallery = gallery;
  c.model_id = g.model_id;
  c.model_sha256 = HexEncode(g.model_sha256);
  c.gallery_subjects = g.subjects;
  c.created_at = NowUtc();
  c.seed = o.seed;
  c.sampled_subjects = sample.size();
  c.pair_subjects = m;
  c.duplicate_score = o.duplicate_score;
  c.duplicates_excluded = run.duplicates.size();
  c.refresh_growth = o.refresh_growth;
  c.group_attribute = o.group_attribute;
  c.subject_score = g.subject_score;
  const uint64_t n0 = static_cast<uint64_t>(g.subjects - 1);

  CalibrationInput in = BaseInput(g, o, "in-gallery, pooled");
  in.impostor_scores = pairs;
  in.nonmated_top_scores = top;
  in.nonmated_top_self = links.self;
  in.nonmated_top_best = links.best;
  in.nonmated_top_gallery_size = n0;
  in.provenance["searches"] = std::to_string(sample.size());
  in.provenance["pair_subjects"] = std::to_string(m);
  in.provenance["duplicates_excluded"] = std::to_string(run.duplicates.size());
  if (scoring.finger()) {
    in.provenance["probe"] =
        "each sampled subject's first finger (a one-finger search), its own fingers excluded";
  } else {
    in.provenance["probe"] = "each sampled subject's first template, its own templates excluded";
    in.provenance["scored_against"] = g.subject_score == kSubjectScoreCentroid
                                          ? "each other subject's centroid (one template: itself)"
                                          : "each other subject's best template";
  }
  CANDOR_ASSIGN_OR_RETURN(Calibration pooled, Calibration::Build(in));
  c.pooled = std::move(pooled);

  // Groups: same-group pairs (FMR), the group's probes against everyone (FPIR).
  std::map<std::string, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    if (!sample[i].group.empty()) members[sample[i].group].push_back(i);
  }
  for (const auto& [group, idx] : members) {
    GroupCalibration gc;
    gc.group = group;
    gc.sampled_subjects = idx.size();
    if (idx.size() < o.min_group_subjects) {
      gc.note = "too few sampled subjects (" + std::to_string(idx.size()) + " < " +
                std::to_string(o.min_group_subjects) + ")";
    } else {
      CalibrationInput gi = BaseInput(g, o, "in-gallery, group " + o.group_attribute + "=" + group);
      for (const auto& p : group_pairs[group]) gi.impostor_scores.push_back(p.score);
      for (std::size_t i : idx) {
        gi.nonmated_top_scores.push_back(top[i]);
        gi.nonmated_top_self.push_back(links.self[i]);
        gi.nonmated_top_best.push_back(links.best[i]);
      }
      gi.nonmated_top_gallery_size = n0;
      gi.provenance["searches"] = std::to_string(idx.size());
      auto built = Calibration::Build(gi);
      if (built.ok()) {
        gc.calibration = std::move(*built);
      } else {
        gc.note = built.status().message();
      }
    }
    c.groups.push_back(std::move(gc));
  }
  const bool any_group = std::any_of(c.groups.begin(), c.groups.end(),
                                     [](const GroupCalibration& x) { return x.calibration.has_value(); });
  c.policy = o.policy.value_or(any_group ? ThresholdPolicy::kWorstGroup : ThresholdPolicy::kPooled);
  if (c.policy == ThresholdPolicy::kWorstGroup && !any_group) {
    run.notes.push_back("worst-group policy asked for, but no group could be calibrated: pooled");
    c.policy = ThresholdPolicy::kPooled;
  }

  // Per-group rates at the operating threshold.
  c.operating_fpir = o.operating_fpir;
  auto op = c.ThresholdForFpir(o.operating_fpir, g.subjects);
  if (!op.ok()) {
    run.notes.push_back("no operating threshold for FPIR " + std::to_string(o.operating_fpir) +
                        ": " + op.status().message());
    return run;
  }
  c.operating_threshold = op->threshold;
  auto gc_deff = [&](const std::string& group, double t) {
    for (const GroupCalibration& x : c.groups) {
      if (x.group == group && x.calibration) return x.calibration->FpirDesignEffect(t);
    }
    return 1.0;
  };
  if (!members.empty()) {
    std::map<std::string, std::vector<metrics::LabelledPair>> by_group;
    for (const auto& [group, idx] : members) by_group[group] = group_pairs[group];
    metrics::DifferentialOptions dopt;
    dopt.bootstrap_replicates = std::max(10, o.bootstrap_replicates);
    dopt.min_identities = o.min_group_subjects;
    CANDOR_ASSIGN_OR_RETURN(metrics::DifferentialReport d,
                            metrics::ComputeDifferentials(by_group, op->threshold, dopt));
    for (const metrics::GroupRates& gr : d.groups) {
      GalleryCalibration::GroupRate r;
      r.group = gr.group;
      r.subjects = members[gr.group].size();
      r.fmr = gr.fmr;
      r.too_small = r.subjects < o.min_group_subjects;  // (no genuine pairs here by design)
      uint64_t hits = 0;
      for (std::size_t i : members[gr.group]) hits += top[i] >= op->threshold ? 1 : 0;
      const double deff = gc_deff(gr.group, op->threshold);
      const auto ci = stats::WilsonEffective(double(hits) / deff, double(r.subjects) / deff);
      r.fpir = {double(hits) / double(r.subjects), ci.lower, ci.upper, hits, r.subjects};
      c.group_rates.push_back(r);
    }
  }
  return run;
}

Status AddProbeSide(const Store& store, const std::vector<Template>& probes,
                    const std::string& source, GalleryCalibration& c) {
  if (probes.size() < 10) {
    return InvalidArgumentError("probe-side calibration needs at least 10 probes, got " +
                                std::to_string(probes.size()));
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store.GetGallery(c.gallery));
  if (g.modality == kFingerModality) {
    return UnimplementedError("gallery '" + c.gallery +
                              "' holds fingerprints: the probe side takes face photos and is not "
                              "available for a finger gallery (its gallery side is)");
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          store.SampleSubjects(c.gallery, c.pair_subjects, c.seed));
  std::vector<Sampled> sample;
  for (const std::string& id : ids) {
    CANDOR_ASSIGN_OR_RETURN(SubjectInfo s, store.GetSubject(c.gallery, id, true));
    Sampled x;
    x.id = id;
    for (auto& t : s.templates) x.templates.push_back(std::move(t.values));
    ScoreAs(g.subject_score, x);
    if (!x.templates.empty()) sample.push_back(std::move(x));
  }
  GalleryCalibrationOptions o;
  o.seed = c.seed;
  CalibrationInput in = BaseInput(g, o, "probe side");
  in.provenance["source"] = source;
  in.provenance["searches"] = std::to_string(probes.size());
  for (const Template& t : probes) {
    IdentifyParams p;
    p.k = 1;
    p.threshold = -2.0f;
    CANDOR_ASSIGN_OR_RETURN(IdentifyResult r, store.Identify(c.gallery, t, p));
    in.nonmated_top_scores.push_back(r.candidates.empty() ? std::nan("")
                                                          : double(r.candidates[0].score));
    std::vector<float> v = t.values;
    double norm = 0;
    for (float x : v) norm += double(x) * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    for (const Sampled& s : sample) in.impostor_scores.push_back(BestScore(v, s));
  }
  in.nonmated_top_gallery_size = static_cast<uint64_t>(g.subjects);
  CANDOR_ASSIGN_OR_RETURN(Calibration built, Calibration::Build(in));
  c.probe_side = std::move(built);
  c.probe_side_source = source;
  return OkStatus();
}

}  // namespace candor
