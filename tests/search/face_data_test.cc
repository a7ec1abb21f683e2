// Copyright 2026 The Candor Authors.
//
// bench/face_data.h LfwFitted on an embedding cache of any width: the 192-D
// default model's and the 320-D fusion's, whose templates are two parts of
// fixed norm ([sqrt(w_m) e_m, sqrt(w_r) e_r], include/candor/embedder.h). The
// caches here are written by the test from a known generative model (no LFW
// needed): identities = normalise(centre + noise) per part, images = the
// identity plus within-identity noise, then each part normalised and scaled.
// Checked: the dimension comes from the cache; the parts and their norms are
// found; every drawn row and probe has those part norms; synthetic mated and
// non-mated cosines come close to the cache's real ones; the genuine-cosine
// quantiles are 64, sorted, with the real mates' mean; the real LFW rows sit
// at row j * stride and their probes are the identities' second images; an
// unreadable cache or one without embeddings is an error.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "calibrate/embedding_set.h"
#include "face_data.h"

namespace bench {
namespace {

namespace fs = std::filesystem;

// Writes a cache of `ids` identities with `per_id` images each, parts of the
// given widths and squared norms; returns its path.
std::string WriteCache(const std::string& name, int ids, int per_id, const std::vector<int>& widths,
                       const std::vector<float>& norm2, float within) {
  int dim = 0;
  for (int w : widths) dim += w;
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  candor::eval::EmbeddingSet set;
  set.model_id = widths.size() > 1 ? "fusion" : "mobilefacenet";
  set.model_sha256 = std::string(64, 'a');
  set.settings = "test";
  for (int i = 0; i < ids; ++i) {
    std::vector<float> centre(static_cast<size_t>(dim));
    for (auto& c : centre) c = g(rng);
    for (int k = 0; k < per_id; ++k) {
      candor::eval::EmbeddedImage e;
      e.identity = "id" + std::to_string(i);
      e.path = e.identity + "/" + std::to_string(k) + ".jpg";
      e.ok = true;
      e.v = centre;
      for (auto& x : e.v) x += within * g(rng);
      // As MobileFaceNet's last two dimensions: almost 0 in every image.
      if (widths.size() > 1) e.v[widths[0] - 1] *= 1e-3f, e.v[widths[0] - 2] *= 1e-3f;
      int at = 0;
      for (size_t p = 0; p < widths.size(); ++p) {
        Normalise(e.v.data() + at, widths[p]);
        for (int d = at; d < at + widths[p]; ++d) e.v[d] *= std::sqrt(norm2[p]);
        at += widths[p];
      }
      set.images.push_back(std::move(e));
    }
  }
  const fs::path file = fs::path(::testing::TempDir()) / name;
  EXPECT_TRUE(candor::eval::SaveEmbeddingSet(set, file).ok());
  return file.string();
}

double PartNorm2(const std::vector<float>& v, int begin, int end) {
  double s = 0;
  for (int d = begin; d < end; ++d) s += static_cast<double>(v[d]) * v[d];
  return s;
}

TEST(LfwFittedTest, FusionWidthCacheGivesTwoPartsOfTheirOwnNorm) {
  const std::string cache = WriteCache("fusion320.bin", 400, 3, {192, 128}, {0.1925f, 0.8075f}, 0.6f);
  std::string error;
  auto f = LfwFitted::Fit(cache, 32, &error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->dim(), 320);
  ASSERT_EQ(f->parts().size(), 2u);
  EXPECT_EQ(f->parts()[0].begin, 0);
  EXPECT_EQ(f->parts()[0].end, 192);
  EXPECT_NEAR(f->parts()[0].norm2, 0.1925, 1e-4);
  EXPECT_EQ(f->parts()[1].end, 320);
  EXPECT_NEAR(f->parts()[1].norm2, 0.8075, 1e-4);

  f->Place(10000);
  std::vector<float> row(320), probe(320);
  for (int64_t i : {1, 7, 4321, 9999}) {
    f->Row(i, row.data());
    f->Probe(i, 3, probe.data());
    EXPECT_NEAR(PartNorm2(row, 0, 192), 0.1925, 1e-4) << i;
    EXPECT_NEAR(PartNorm2(row, 192, 320), 0.8075, 1e-4) << i;
    EXPECT_NEAR(PartNorm2(probe, 0, 192), 0.1925, 1e-4) << i;
    EXPECT_NEAR(PartNorm2(probe, 0, 320), 1.0, 1e-4) << i;
  }
  // The generator's scores come close to the cache's own.
  const auto& c = f->fit_check();
  EXPECT_GT(c.real_mate, c.real_nonmate + 0.2);
  EXPECT_NEAR(c.synthetic_mate, c.real_mate, 0.08);
  EXPECT_NEAR(c.synthetic_nonmate, c.real_nonmate, 0.08);
  EXPECT_NE(f->Describe().find("192-D of norm^2 0.1925 + 128-D of norm^2 0.8075"), std::string::npos)
      << f->Describe();
  // The genuine-cosine table the recall tuner can draw its probes from.
  const auto& q = f->mate_cosines();
  ASSERT_EQ(q.size(), 64u);
  EXPECT_TRUE(std::is_sorted(q.begin(), q.end()));
  double mean = 0;
  for (float x : q) mean += x / 64.0;
  EXPECT_NEAR(mean, c.real_mate, 0.03);
  EXPECT_LT(q.front(), q.back());
}

TEST(LfwFittedTest, RealMatesSitAtTheirRowsWithTheSecondImageAsProbe) {
  const std::string cache = WriteCache("fusion320_real.bin", 300, 2, {192, 128}, {0.1925f, 0.8075f}, 0.6f);
  std::string error;
  auto f = LfwFitted::Fit(cache, 32, &error);
  ASSERT_NE(f, nullptr) << error;
  auto set = candor::eval::LoadEmbeddingSet(cache);
  ASSERT_TRUE(set.ok());
  const int64_t n = 30000;
  f->Place(n);
  const auto real = f->RealProbes(n);
  ASSERT_EQ(real.size(), 300u);
  std::vector<float> row(320);
  int exact_rows = 0;
  for (size_t j = 0; j < real.size(); ++j) {
    EXPECT_EQ(real[j].first, static_cast<int64_t>(j) * (n / 301));
    f->Row(real[j].first, row.data());
    // The row is some identity's first image and the probe its second.
    for (size_t k = 0; k + 1 < set->images.size(); k += 2) {
      if (set->images[k].v == row) {
        ++exact_rows;
        EXPECT_EQ(set->images[k + 1].v, real[j].second);
      }
    }
  }
  EXPECT_EQ(exact_rows, 300);
  // A synthetic row between them is not a real image.
  f->Row(1, row.data());
  for (const auto& im : set->images) EXPECT_NE(im.v, row);
}

TEST(LfwFittedTest, DefaultWidthCacheKeepsOnePartOfNormOne) {
  const std::string cache = WriteCache("mfn192.bin", 300, 3, {192}, {1.0f}, 0.6f);
  std::string error;
  auto f = LfwFitted::Fit(cache, 32, &error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->dim(), 192);
  ASSERT_EQ(f->parts().size(), 1u);
  EXPECT_EQ(f->parts()[0].norm2, 1.0f);
  std::vector<float> row(192);
  f->Row(5, row.data());
  EXPECT_NEAR(PartNorm2(row, 0, 192), 1.0, 1e-5);
  EXPECT_NEAR(f->fit_check().synthetic_mate, f->fit_check().real_mate, 0.08);
}

TEST(LfwFittedTest, BadCachesAreErrors) {
  std::string error;
  EXPECT_EQ(LfwFitted::Fit((fs::path(::testing::TempDir()) / "absent.bin").string(), 32, &error), nullptr);
  EXPECT_FALSE(error.empty());
  // Not a cache: a text file.
  const fs::path junk = fs::path(::testing::TempDir()) / "junk.bin";
  std::ofstream(junk) << "candor-embeddings 1\nnot json\n";
  error.clear();
  EXPECT_EQ(LfwFitted::Fit(junk.string(), 32, &error), nullptr);
  EXPECT_FALSE(error.empty());
  // A cache whose every image failed to acquire a face.
  candor::eval::EmbeddingSet none;
  none.model_id = "fusion";
  none.model_sha256 = std::string(64, 'b');
  none.images.push_back({"a/1.jpg", "a", false, {}});
  const fs::path empty = fs::path(::testing::TempDir()) / "no_faces.bin";
  ASSERT_TRUE(candor::eval::SaveEmbeddingSet(none, empty).ok());
  error.clear();
  EXPECT_EQ(LfwFitted::Fit(empty.string(), 32, &error), nullptr);
  EXPECT_NE(error.find("no embeddings"), std::string::npos) << error;
}

}  // namespace
}  // namespace bench
