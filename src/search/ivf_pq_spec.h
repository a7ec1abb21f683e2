// Copyright 2026 The Candor Authors.
//
// IvfPqSpec: the settings of a compressed index (ivf_pq_index.h) and the one
// place its spec text is read and written: "IVF<n>,PQ<m>x4fs[,Rerank<r>]
// [,Probe<p>][,Recall<pct>][,TrainAt<rows>][,Retrain<x>]" or
// "Auto[,Recall<pct>][,Retrain<x>]".
//
// Thread safety: plain values and pure functions.

#ifndef CANDOR_SEARCH_IVF_PQ_SPEC_H_
#define CANDOR_SEARCH_IVF_PQ_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"
#include "search/mate_probes.h"

namespace candor::search {

// The deepest re-rank a spec (Rerank<r>) or a pinned setting may ask for.
inline constexpr int kMaxRerank = 4096;

struct IvfPqSpec {
  int nlist = 0;                  // 0: 4096 (Auto)
  int m = 0;                      // 0: dim / 3 rounded down to even (Auto)
  int rerank = 0;                 // 0: chosen by Tune
  int nprobe = 0;                 // 0: chosen by Tune
  double target_recall = 0.995;   // rank-1 agreement with exact search
  int64_t train_at = 0;           // 0: max(64 * nlist, 20000)
  // The held-back probes (mate_probes.h): their noise, and their cosine to the
  // mate, fixed (> 0) or drawn per probe from `mate_cosines` (sorted quantiles
  // of the model's genuine-pair cosines; empty: DefaultMateCosines()). Not
  // part of the spec text.
  ProbeNoise noise = ProbeNoise::kGalleryShaped;
  float mate_cosine = 0;
  std::vector<float> mate_cosines;
  int tune_probes = 2000;         // held-back probes per measurement
  // Retrain<x>: retrain in the background at x times the templates last
  // measured (or 8x list imbalance); 0 (Retrain0): never. nullopt: the spec
  // has no Retrain part, so the index never retrains unless given a policy
  // after it is made (IvfPqIndex::SetRetrainGrowth; the store gives its own).
  std::optional<double> retrain_growth;
  bool auto_spec = false;

  bool operator==(const IvfPqSpec&) const = default;
};

// Parses a spec (above) for templates of `dim` dimensions; absent parts take
// their defaults (Auto: 4096 lists, m = dim / 3 rounded down to even, training
// at 2,000,000). INVALID_ARGUMENT naming the bad part.
StatusOr<IvfPqSpec> ParseIvfPqSpec(std::string_view spec, int dim);

// The spec text of `s`: "Auto" or "IVF<n>,PQ<m>x4fs", then, in the order of
// the grammar above, only the parts whose value is not the parser's default
// (Auto: only Recall and Retrain). ParseIvfPqSpec(FormatIvfPqSpec(s), dim)
// gives back every field the text holds, and formatting a parsed spec gives
// the text it came from when that text was written in this canonical form.
std::string FormatIvfPqSpec(const IvfPqSpec& s);

// The Retrain part for `growth` ("Retrain2"), as FormatIvfPqSpec writes it;
// for a caller that keeps its own spec text and adds a policy to it.
std::string FormatRetrainPart(double growth);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_IVF_PQ_SPEC_H_
