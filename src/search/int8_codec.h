// Copyright 2026 The Candor Authors.
//
// Int8Codec: one signed byte per vector component with one global, symmetric
// scale (step = clip / 127), stored offset by +128 as an unsigned byte so the
// AVX-512 VNNI instruction (unsigned x signed bytes) can consume stored rows
// directly. The query is quantised per query with its own scale
// (max|q| / 127, never clipped); the +128 offset is removed exactly with one
// per-query integer correction (128 * sum of query codes), so no per-template
// side data is stored: a template costs exactly dim bytes.
//
// Why one global scale of 1/127 (clip 1.0, the whole range a component of a
// unit vector can take): no template can ever be clipped, so the error bound
// below holds for every valid input, and no training pass is needed before the
// first Add. Real MobileFaceNet LFW templates had components up to 0.55 (dim
// 192), so the tighter data-independent clip 6/sqrt(dim) = 0.43 first tried here
// clipped 3 % of templates (max score error 0.057); clip 1.0 costs a slightly
// larger typical error (mean |error| ~0.002) and lost no rank-1 hit. The
// measurements are in docs/BENCHMARKS.md (search section).
//
// Thread safety: immutable after construction; all methods are const.

#ifndef CANDOR_SEARCH_INT8_CODEC_H_
#define CANDOR_SEARCH_INT8_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "search/kernels.h"

namespace candor::search {

class Int8Codec {
 public:
  using Code = uint8_t;
  struct Query {
    std::vector<int8_t> codes;  // dim signed bytes in [-127, 127]
    float scale = 0;            // score = (raw + offset) * scale
    int32_t offset = 0;         // -128 * sum(codes)
    float maxabs = 0;           // max |q_d| of the float query
  };

  // The default clip: 1.0 for every dimension (see above). `dim` is kept so a
  // dimension-dependent choice stays a one-line change.
  static float DefaultClip(int dim);

  // `clip` in (0, 1]: components beyond +-clip are saturated.
  Int8Codec(int dim, Kernels kernels, float clip);

  int dim() const { return dim_; }
  size_t code_size() const { return static_cast<size_t>(dim_); }  // Codes per row
  float clip() const { return clip_; }
  float step() const { return step_; }
  std::string name() const { return "int8"; }

  // Encodes one row of dim floats into dim codes. Returns how many components
  // were clipped (0 for typical embeddings).
  int Encode(const float* x, Code* out) const;
  // The float value a stored code stands for.
  float Decode(Code c) const { return (static_cast<int>(c) - 128) * step_; }

  Query Prepare(const float* q) const;

  // scores[i] = approximate inner product of row i with the query, for n rows.
  // `scratch` holds at least n int32.
  void Score(const Code* rows, size_t n, const Query& q, float* scores, int32_t* scratch) const;

  // The score of one raw kernel result (kernels().dot_u8s8 with q.codes):
  // exactly the value Score() gives for that row.
  static float ScoreOf(int32_t raw, const Query& q) {
    return static_cast<float>(raw + q.offset) * q.scale;
  }
  // A raw cut for filtering before any float work: every raw < RawCut(accept, q)
  // has ScoreOf(raw, q) < accept, so only rows at or above the cut need the
  // exact float compare. INT32_MIN when nothing can be excluded (accept -inf,
  // NaN, or below every possible score).
  static int32_t RawCut(float accept, const Query& q);

  const Kernels& kernels() const { return kernels_; }

 private:
  int dim_;
  Kernels kernels_;
  float clip_;
  float step_;
  float inv_step_;
};

// Upper bound on |int8 score - exact inner product| for a unit query whose
// largest |component| is query_maxabs, against a unit row with no component
// beyond `clip`: each stored component errs by at most step/2 and each query
// component by at most query_maxabs/254, so by Cauchy-Schwarz the error is at
// most sqrt(dim) * (qstep/2) * (1 + sqrt(dim) * step/2) + sqrt(dim) * step/2.
double Int8ScoreErrorBound(int dim, float clip, float query_maxabs);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_INT8_CODEC_H_
