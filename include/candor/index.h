// Copyright 2026 The Candor Authors.
//
// 1:N search over face templates: the Index interface and its factory.
//
// An Index holds L2-normalised template vectors of a fixed dimension, each under
// a caller-chosen int64 id, and answers "the k stored templates with the highest
// inner product (cosine) with this probe, at or above a threshold".
//
// Exactness contract. The Flat indexes are exact over the stored codes: no
// template is skipped, the only error is the quantisation of the stored codes
// (bounded; see MakeIndex). The compressed index ("IVF...,PQ...x4fs", "Auto"
// once trained) is approximate in one way only: it may MISS a template (one in
// a partition it did not probe, or ranked below the re-rank depth by its 4-bit
// code). Every candidate it returns carries the exact Flat,int8 score (re-ranked
// against the stored int8 template), so scores, ties and thresholds mean the
// same as with Flat,int8, and a removed template is never returned. How often
// it misses is a measured setting, not a guess: at training the index searches
// 2,000 held-back probes of real mated-pair strength (stored templates moved to
// a cosine drawn from the model's genuine-pair distribution on LFW, along
// directions the gallery itself varies in: src/search/mate_probes.h) and picks
// the probe count and re-rank depth whose rank-1 answer agrees with exact
// search on at least the target fraction (default 99.5 %) of them; Recall()
// reports the measured agreement, its 95 % lower bound and the setting. The
// bound is statistical and holds for probes like the held-back ones (checked
// against real LFW mates in bench/ivf_bench, docs/BENCHMARKS.md); templates
// added after training are placed in the trained partition and are not
// re-measured until Tune/Train runs again.
//
// Composition follows faiss: a flat storage + scan layer (fp32 or int8 codes,
// SIMD kernels chosen at run time: AVX-512 VNNI, AVX2 or scalar), an id map with
// tombstoned removal, and MakeIndex() building one from a spec string.
//
// Thread safety: any number of concurrent Search/SearchBatch calls are safe; Add
// and Remove take an internal exclusive lock (they wait for running searches and
// block new ones while they run; so does the first training of the compressed
// index, while its background retraining holds it only to swap the result in).
// dim() never changes; size() is a snapshot.
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

// How the index's answers relate to exact search (see the contract above).
struct RecallReport {
  bool exact = true;          // Flat indexes, and the compressed one before training
  double target = 0;          // the stated target: rank-1 agreement with exact search
  double measured = 0;        // agreement measured on the held-back probes (0..1)
  double lower95 = 0;         // Wilson 95 % lower bound of `measured`
  int probes = 0;             // held-back probes searched
  float mate_cosine = 0;      // mean cosine of each probe to its stored mate
  int nprobe = 0;             // partitions searched per query (setting chosen)
  int nlist = 0;              // partitions in the index
  int rerank = 0;             // candidates re-ranked exactly per query (setting chosen)
  int64_t measured_at = 0;    // live templates when measured
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

  // The exactness of this index's answers (exact = true for Flat).
  virtual RecallReport Recall() const { return {}; }
};

// Builds an empty index from a spec string:
//   "Flat,int8" (also "" or "Flat"): exact scan over 1-byte codes, dim bytes per
//       template (plus id and id map, ~22 bytes). Scores differ from fp32 by at
//       most Int8ScoreErrorBound() (src/search/int8_codec.h; typically ~0.002).
//   "Flat,fp32": exact scan over the float vectors, 4 * dim bytes per template.
//   "IVF<n>,PQ<m>x4fs[,Rerank<r>][,Probe<p>][,Recall<percent>][,TrainAt<rows>]
//    [,Retrain<x>]":
//       the compressed index (src/search/ivf_pq_index.h): n partitions trained by
//       k-means on the gallery's own templates, m 4-bit codes per template (m/2
//       bytes, m even, <= dim) scanned with fast-scan kernels, and an exact int8
//       re-rank. Until TrainAt rows (default max(64 n, 20000)) have been added it
//       scans exactly; the Add that reaches TrainAt trains it and measures the
//       recall setting (Rerank/Probe fix a setting instead; Recall sets the
//       target, default 99.5). About m/2 + 30 bytes of RAM per template plus the
//       int8 templates (dim bytes each; on disk with CreateIndex). Retrain<x>
//       (x >= 2): when the live templates reach x times the count the setting
//       was last measured at, or one partition holds 8 times its share, the
//       index retrains in the background while searches, adds and removals go
//       on (src/search/ivf_pq_index.h, StartRetrain); without it, it never
//       retrains by itself.
//   "Auto": Flat,int8 while the gallery is small enough to scan exactly (below
//       2,000,000 templates: ~15 ms at 192-D on this 2-core host), then the
//       compressed index with 4096 partitions and m = dim / 3 (even).
// Errors: INVALID_ARGUMENT for an unknown spec or dim outside [1, 4096].
StatusOr<std::unique_ptr<Index>> MakeIndex(std::string_view spec, int dim);

// OK if MakeIndex(spec, dim) takes the spec and dimension, else its
// INVALID_ARGUMENT (naming the bad part). Only parses: builds nothing, so a
// caller can refuse a spec before it touches anything. Thread-safe.
[[nodiscard]] Status ValidateIndexSpec(std::string_view spec, int dim);

// True for the compressed specs ("IVF...", "Auto", "Auto,..."): the ones
// CreateIndex keeps on disk.
bool IsCompressedIndexSpec(std::string_view spec);

// Where a persistent (compressed) index keeps its files, and the 32-byte key
// they are encrypted with (ChaCha20, from the gallery store's master key; see
// docs/STORE.md). An empty key keeps the files in plaintext (tests, benches).
struct IndexFiles {
  std::string dir;
  std::vector<uint8_t> key;
  // OpenIndex only: open for searching beside a live writer (another process);
  // no file is written, truncated or created, and Add/Remove/training fail
  // with FAILED_PRECONDITION. The reader sees the rows committed when it opened.
  bool read_only = false;
};

// A new persistent compressed index in files.dir (created; must not already hold
// an index): spec as MakeIndex ("IVF..." or "Auto"). Every acknowledged Add and
// Remove is durable; the int8 templates stay on disk, memory-mapped.
// Errors: INVALID_ARGUMENT (spec, dim, key length), ALREADY_EXISTS (an index is
// there), I/O errors as INTERNAL / RESOURCE_EXHAUSTED (disk full).
StatusOr<std::unique_ptr<Index>> CreateIndex(std::string_view spec, int dim,
                                             const IndexFiles& files);

// Reopens an index made by CreateIndex (mmap; the compact codes, ids and id
// map come from the encrypted snapshot when it is valid for the committed rows,
// else from the per-row records, read and checked, after which a writer writes
// a fresh snapshot: docs/STORE.md). Errors: NOT_FOUND (no index),
// UNAUTHENTICATED (wrong key), DATA_LOSS naming the file and offset of a
// corrupt or missing part (a damaged snapshot is not an error: the records are
// used instead).
StatusOr<std::unique_ptr<Index>> OpenIndex(const IndexFiles& files);

}  // namespace candor

#endif  // CANDOR_INDEX_H_
