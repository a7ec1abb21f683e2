// Copyright 2026 The Candor Authors.
//
// Fp32Codec: stores the float vectors as they are (4 * dim bytes per template);
// the exact reference the quantised codecs are measured against.
//
// Thread safety: immutable after construction; all methods are const.

#ifndef CANDOR_SEARCH_FP32_CODEC_H_
#define CANDOR_SEARCH_FP32_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "search/kernels.h"

namespace candor::search {

class Fp32Codec {
 public:
  using Code = float;
  struct Query {
    std::vector<float> values;
  };

  Fp32Codec(int dim, Kernels kernels) : dim_(dim), kernels_(kernels) {}

  int dim() const { return dim_; }
  size_t code_size() const { return static_cast<size_t>(dim_); }
  std::string name() const { return "fp32"; }

  int Encode(const float* x, Code* out) const {
    for (int d = 0; d < dim_; ++d) out[d] = x[d];
    return 0;
  }
  Query Prepare(const float* q) const { return Query{std::vector<float>(q, q + dim_)}; }
  void Score(const Code* rows, size_t n, const Query& q, float* scores, int32_t*) const {
    kernels_.dot_f32(rows, n, static_cast<size_t>(dim_), q.values.data(), scores);
  }
  const Kernels& kernels() const { return kernels_; }

 private:
  int dim_;
  Kernels kernels_;
};

}  // namespace candor::search

#endif  // CANDOR_SEARCH_FP32_CODEC_H_
