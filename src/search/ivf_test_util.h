// Copyright 2026 The Candor Authors.
//
// Shared by the compressed-index tests: structured data, ids, and an exact
// Flat,int8 reference holding the same templates.

#ifndef CANDOR_SEARCH_IVF_TEST_UTIL_H_
#define CANDOR_SEARCH_IVF_TEST_UTIL_H_

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "candor/index.h"
#include "search/synthetic_data.h"

namespace candor::search::testing {

inline std::vector<int64_t> Ids(int64_t first, int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = first + i;
  return v;
}

// normalise(row + noise) for a mate cosine of about `cosine`.
inline std::vector<float> Noisy(std::span<const float> row, int dim, float cosine, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.0f, NoiseForProbeCosine(cosine) / std::sqrt(static_cast<float>(dim)));
  std::vector<float> out(row.begin(), row.end());
  for (float& x : out) x += g(rng);
  NormaliseRows(out, dim);
  return out;
}

inline std::span<const float> Row(const std::vector<float>& v, int dim, size_t i) {
  return std::span<const float>(v).subspan(i * static_cast<size_t>(dim), static_cast<size_t>(dim));
}

// A fresh directory under the test temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("candor_ivf_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::vector<uint8_t> TestKey() {
  std::vector<uint8_t> k(32);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(7 * i + 1);
  return k;
}

}  // namespace candor::search::testing

#endif  // CANDOR_SEARCH_IVF_TEST_UTIL_H_
