// Copyright 2026 The Candor Authors.
//
// Exact 1:N search over face templates: the Index interface and its factory.
//
// An Index holds L2-normalised template vectors of a fixed dimension, each under
// a caller-chosen int64 id, and answers "the k stored templates with the highest
// inner product (cosine) with this probe, at or above a threshold". Search is
// exact over the stored codes: no template is skipped, the only error is the
// quantisation of the stored codes (bounded; see MakeIndex).
//
// Composition follows faiss: a flat storage + scan layer (fp32 or int8 codes,
// SIMD kernels chosen at run time: AVX-512 VNNI, AVX2 or scalar), an id map with
// tombstoned removal, and MakeIndex() building one from a spec string.
//
// Thread safety: any number of concurrent Search/SearchBatch calls are safe; Add
// and Remove take an internal exclusive lock (they wait for running searches and
// block new ones while they run). dim() never changes; size() is a snapshot.
//
// Ownership: the Index copies (and encodes) the vectors passed to Add; it keeps
// no reference to caller memory after a call returns.

#ifndef CANDOR_INDEX_H_
#define CANDOR_INDEX_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor {

// One search result: the stored id and its similarity to the probe (an inner
// product of unit vectors, so in [-1, 1] up to quantisation error).
struct Candidate {
  int64_t id;
  float score;
};

struct SearchParams {
  int k = 10;               // at most k candidates are returned; must be >= 1
  float threshold = -1.0f;  // only candidates with score >= threshold are returned
  int threads = 0;          // threads to scan with; 0 = all cores
};

class Index {
 public:
  virtual ~Index() = default;

  // The vector dimension fixed at construction.
  virtual int dim() const = 0;

  // Number of live (added and not removed) templates.
  virtual int64_t size() const = 0;

  // Adds n = ids.size() templates; `vectors` holds n * dim() floats, row-major,
  // each row L2-normalised (norm within 1e-3 of 1). All-or-nothing: on error
  // nothing is added.
  // Errors: INVALID_ARGUMENT if vectors.size() != n * dim(), a value is not
  // finite, a row is not unit-norm, or an id repeats within the batch;
  // ALREADY_EXISTS if an id is already live in the index; RESOURCE_EXHAUSTED if
  // the index would exceed its capacity (2^40 templates) or memory runs out.
  virtual Status Add(std::span<const float> vectors, std::span<const int64_t> ids) = 0;

  // Removes the templates with these ids (tombstoned at once, storage reclaimed
  // by compaction when a quarter of the rows are dead). All-or-nothing.
  // Errors: NOT_FOUND naming the first id that is not live (nothing removed);
  // INVALID_ARGUMENT if an id repeats within the call.
  virtual Status Remove(std::span<const int64_t> ids) = 0;

  // The top-k live templates by score, best first, only those with
  // score >= p.threshold. Ties are broken by ascending id, so results are
  // deterministic. An empty result is a valid answer ("no candidate above
  // threshold"), as is a search over an empty index.
  // Errors: INVALID_ARGUMENT if query.size() != dim(), the query is not finite
  // or not unit-norm, p.k < 1, or p.threads < 0.
  virtual StatusOr<std::vector<Candidate>> Search(std::span<const float> query,
                                                  const SearchParams& p) const = 0;

  // Searches nq = queries.size() / dim() probes at once (one pass over the
  // gallery serves all of them, so a batch is much cheaper than nq Searches).
  // Result i belongs to query i. Errors as Search, plus INVALID_ARGUMENT if
  // queries.size() is not a multiple of dim().
  virtual StatusOr<std::vector<std::vector<Candidate>>> SearchBatch(
      std::span<const float> queries, const SearchParams& p) const = 0;

  // Bytes of memory held per live template (codes + id + id map), for capacity
  // planning; a description of the index such as "Flat,int8 dim=128 isa=avx512vnni".
  virtual double BytesPerTemplate() const = 0;
  virtual std::string Describe() const = 0;
};

// Builds an empty index from a spec string:
//   "Flat,int8" (also "" or "Flat"): exact scan over 1-byte codes, dim bytes per
//       template (plus id and id map, ~22 bytes). Scores differ from fp32 by at
//       most Int8ScoreErrorBound() (src/search/int8_codec.h; typically ~0.002).
//   "Flat,fp32": exact scan over the float vectors, 4 * dim bytes per template.
// Errors: INVALID_ARGUMENT for an unknown spec or dim outside [1, 4096].
StatusOr<std::unique_ptr<Index>> MakeIndex(std::string_view spec, int dim);

}  // namespace candor

#endif  // CANDOR_INDEX_H_
