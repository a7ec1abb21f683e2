// Copyright 2026 The Candor Authors.
//
// FingerIndex: pre-filter every entry by its code, re-score the best entries'
// subjects by MCC, fuse over the probe's fingers.

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "candor/finger.h"

namespace candor::finger {
namespace {

bool Compatible(int probe_position, int gallery_position) {
  return probe_position == 0 || gallery_position == 0 || probe_position == gallery_position;
}

}  // namespace

Status FingerIndex::AddPrebuilt(const std::string& subject, const FingerTemplate& finger,
                                const PrefilterCode& code) {
  if (subject.empty()) return InvalidArgumentError("finger index: empty subject id");
  if (finger.finger_position < 0 || finger.finger_position > kMaxFingerPosition) {
    return InvalidArgumentError("finger index: finger position outside 0..10");
  }
  auto [it, inserted] = subject_ids_.emplace(subject, static_cast<int>(subjects_.size()));
  if (inserted) {
    subjects_.push_back(subject);
    subject_entries_.emplace_back();
  }
  subject_entries_[it->second].push_back(static_cast<int>(entries_.size()));
  entries_.push_back({it->second, finger.finger_position, finger});
  codes_.push_back(code);
  return OkStatus();
}

Status FingerIndex::Add(const std::string& subject, const FingerTemplate& finger) {
  return AddPrebuilt(subject, finger, MakePrefilterCode(BuildMcc(finger, params_)));
}

FingerCandidate FingerIndex::Score(int s, std::span<const FingerTemplate> probe,
                                   std::span<const MccTemplate> probe_mcc,
                                   std::span<const PrefilterCode> probe_codes,
                                   bool prefilter_only) const {
  FingerCandidate c;
  c.subject = subjects_[s];
  c.finger_scores.assign(probe.size(), 0.0);
  for (int e : subject_entries_[s]) {
    const Entry& entry = entries_[e];
    MccTemplate g;
    if (!prefilter_only) g = BuildMcc(entry.finger, params_);
    for (size_t f = 0; f < probe.size(); ++f) {
      if (!Compatible(probe[f].finger_position, entry.position)) continue;
      const double sc = prefilter_only ? ComparePrefilter(probe_codes[f], codes_[e])
                                       : CompareMcc(probe_mcc[f], g).score;
      c.finger_scores[f] = std::max(c.finger_scores[f], sc);
    }
  }
  double sum = 0;
  for (double v : c.finger_scores) sum += v;
  c.score = sum / static_cast<double>(probe.size());
  return c;
}

Status FingerIndex::Remove(const std::string& subject) {
  auto it = subject_ids_.find(subject);
  if (it == subject_ids_.end()) return NotFoundError("finger index: no such subject");
  const int gone = it->second;
  // Compact the entries and renumber the subjects after `gone`.
  std::vector<Entry> entries;
  std::vector<PrefilterCode> codes;
  for (size_t e = 0; e < entries_.size(); ++e) {
    if (entries_[e].subject == gone) continue;
    Entry kept = std::move(entries_[e]);
    if (kept.subject > gone) --kept.subject;
    entries.push_back(std::move(kept));
    codes.push_back(codes_[e]);
  }
  entries_ = std::move(entries);
  codes_ = std::move(codes);
  subjects_.erase(subjects_.begin() + gone);
  subject_ids_.clear();
  subject_entries_.assign(subjects_.size(), {});
  for (size_t s = 0; s < subjects_.size(); ++s) subject_ids_[subjects_[s]] = static_cast<int>(s);
  for (size_t e = 0; e < entries_.size(); ++e) {
    subject_entries_[entries_[e].subject].push_back(static_cast<int>(e));
  }
  return OkStatus();
}

StatusOr<FingerCandidate> FingerIndex::CompareSubject(
    const std::string& subject, std::span<const FingerTemplate> probe) const {
  if (probe.empty()) return InvalidArgumentError("finger comparison: no probe finger");
  auto it = subject_ids_.find(subject);
  if (it == subject_ids_.end()) return NotFoundError("finger index: no such subject");
  std::vector<MccTemplate> probe_mcc;
  for (const FingerTemplate& f : probe) probe_mcc.push_back(BuildMcc(f, params_));
  return Score(it->second, probe, probe_mcc, {}, false);
}

StatusOr<std::vector<FingerCandidate>> FingerIndex::Search(std::span<const FingerTemplate> probe,
                                                           const FingerSearchOptions& options) const {
  if (probe.empty()) return InvalidArgumentError("finger search: no probe finger");
  if (options.candidates < 1 || options.rescore < 1) {
    return InvalidArgumentError("finger search: candidates and rescore must be at least 1");
  }
  std::vector<MccTemplate> probe_mcc;
  std::vector<PrefilterCode> probe_codes;
  for (const FingerTemplate& f : probe) {
    probe_mcc.push_back(BuildMcc(f, params_));
    probe_codes.push_back(MakePrefilterCode(probe_mcc.back()));
  }
  // 1. Pre-filter: the best code similarity of each entry to any compatible probe finger.
  std::vector<std::pair<float, int>> pre;
  pre.reserve(entries_.size());
  for (size_t e = 0; e < entries_.size(); ++e) {
    float best = -1;
    for (size_t f = 0; f < probe.size(); ++f) {
      if (!Compatible(probe[f].finger_position, entries_[e].position)) continue;
      best = std::max(best, static_cast<float>(ComparePrefilter(probe_codes[f], codes_[e])));
    }
    if (best >= 0) pre.emplace_back(best, static_cast<int>(e));
  }
  const size_t keep = std::min(pre.size(), static_cast<size_t>(options.rescore));
  std::partial_sort(pre.begin(), pre.begin() + keep, pre.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  pre.resize(keep);

  // 2. The subjects reached, scored per probe finger (best compatible entry) and fused.
  std::vector<int> reached;
  for (const auto& [score, e] : pre) {
    if (std::find(reached.begin(), reached.end(), entries_[e].subject) == reached.end()) {
      reached.push_back(entries_[e].subject);
    }
  }
  std::vector<FingerCandidate> out;
  for (int s : reached) {
    out.push_back(Score(s, probe, probe_mcc, probe_codes, options.prefilter_only));
  }
  std::sort(out.begin(), out.end(), [](const FingerCandidate& a, const FingerCandidate& b) {
    return a.score > b.score || (a.score == b.score && a.subject < b.subject);
  });
  if (out.size() > static_cast<size_t>(options.candidates)) out.resize(options.candidates);
  return out;
}

}  // namespace candor::finger
