// Copyright 2026 The Candor Authors.

#include "calibrate/truth_corrections.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "calibrate/photo_duplicates.h"
#include "common/paths.h"

namespace candor::eval {
namespace {

EmbeddingSet Set(std::initializer_list<std::pair<const char*, const char*>> images) {
  EmbeddingSet s;
  for (const auto& [identity, path] : images) {
    EmbeddedImage e;
    e.identity = identity;
    e.path = path;
    e.ok = true;
    e.v = {1.0f, 0.0f};
    s.images.push_back(e);
  }
  return s;
}

std::multiset<std::string> Labels(const EmbeddingSet& s) {
  std::multiset<std::string> out;
  for (const auto& e : s.images) out.insert(e.identity + ":" + e.path);
  return out;
}

TEST(TruthCorrections, ParsesKindsCommentsBlankLinesAndCrlf) {
  auto c = ParseTruthCorrections(
      "# header\n\nalias\tA\tB\tname "
      "order\r\nsame-photo\tA/1.jpg\tC/1.jpg\nsame-person\tD/1.jpg\tE/2.jpg\twhy\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->lines.size(), 3u);
  EXPECT_EQ(c->lines[0].kind, TruthCorrection::Kind::kAlias);
  EXPECT_EQ(c->lines[0].b, "B");
  EXPECT_EQ(c->lines[0].reason, "name order");
  EXPECT_EQ(c->lines[1].kind, TruthCorrection::Kind::kSamePhoto);
  EXPECT_EQ(c->lines[1].reason, "");
  EXPECT_EQ(c->lines[2].kind, TruthCorrection::Kind::kSamePerson);
}

TEST(TruthCorrections, BadLinesAreRefusedWithTheirLineNumber) {
  for (const char* bad : {"# ok\nrename\tA\tB\n", "# ok\nalias\tA\n", "# ok\nalias\t\tB\n",
                          "# ok\nalias\tA\tA\n", "# ok\nalias A B\n"}) {
    auto c = ParseTruthCorrections(bad);
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(c.status().message().find("line 2"), std::string::npos) << c.status().message();
  }
  EXPECT_EQ(LoadTruthCorrections("/nonexistent/corrections.tsv").status().code(), Code::kNotFound);
}

TEST(TruthCorrections, AliasesMergeAndPhotosFiledUnderTwoNamesAreDropped) {
  EmbeddingSet s = Set({{"Ann", "Ann/1.jpg"},
                        {"Ann", "Ann/2.jpg"},
                        {"Anne", "Anne/1.jpg"},
                        {"Bob", "Bob/1.jpg"},
                        {"Cid", "Cid/1.jpg"},
                        {"Dee", "Dee/1.jpg"},
                        {"Dee", "Dee/2.jpg"},
                        {"Eve", "Eve/1.jpg"},
                        {"Fay", "Fay/1.jpg"}});
  auto c = ParseTruthCorrections(
      "alias\tAnn\tAnne\n"
      "same-photo\tBob/1.jpg\tCid/1.jpg\n"   // two names: both dropped
      "same-photo\tDee/1.jpg\tDee/2.jpg\n"   // one name: the second copy dropped
      "same-photo\tAnn/2.jpg\tAnne/1.jpg\n"  // one person after the alias: the copy only
      "same-person\tEve/1.jpg\tFay/1.jpg\n"  // mislabelled: both dropped
      "alias\tGus\tGustav\n"                 // not in this set
      "same-photo\tX/1.jpg\tY/1.jpg\n");
  ASSERT_TRUE(c.ok());
  const TruthCorrectionReport r = ApplyTruthCorrections(*c, &s);
  EXPECT_EQ(Labels(s),
            (std::multiset<std::string>{"Ann:Ann/1.jpg", "Ann:Ann/2.jpg", "Dee:Dee/1.jpg"}));
  EXPECT_EQ(r.identities_merged, 1u);
  EXPECT_EQ(r.images_relabelled, 1u);
  EXPECT_EQ(r.images_dropped, 6u);
  EXPECT_EQ(r.not_in_set, 2u);
  EXPECT_EQ(r.ToJson()["images_dropped"], 6);
}

// The committed LFW file parses, names only what LFW holds, and the model-free
// detector agrees with its kinds: same-photo pairs are one photograph,
// same-person pairs two.
TEST(TruthCorrectionsData, TheLfwFileMatchesTheData) {
  auto c = LoadTruthCorrections(SourceDir() / "calibration/lfw-truth-corrections.tsv");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_GE(c->lines.size(), 20u);
  auto data = DataDir();
  const auto lfw = data ? *data / "faces/lfw" : std::filesystem::path();
  if (!data || !std::filesystem::is_directory(lfw))
    GTEST_SKIP() << "LFW not found (set CANDOR_DATA)";
  std::vector<LabelledImage> photos;
  for (const TruthCorrection& t : c->lines) {
    if (t.kind == TruthCorrection::Kind::kAlias) {
      EXPECT_TRUE(std::filesystem::is_directory(lfw / t.a)) << t.a;
      EXPECT_TRUE(std::filesystem::is_directory(lfw / t.b)) << t.b;
      continue;
    }
    EXPECT_TRUE(std::filesystem::exists(lfw / t.a)) << t.a;
    EXPECT_TRUE(std::filesystem::exists(lfw / t.b)) << t.b;
    auto found = FindPhotoDuplicates(lfw, {{"a", t.a}, {"b", t.b}});
    ASSERT_TRUE(found.ok());
    const bool one_photo = t.kind == TruthCorrection::Kind::kSamePhoto;
    EXPECT_EQ(found->pairs.size(), one_photo ? 1u : 0u)
        << t.a << " and " << t.b << (one_photo ? " are not one photograph" : " are one photograph");
  }
}

}  // namespace
}  // namespace candor::eval
