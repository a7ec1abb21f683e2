// Copyright 2026 The Candor Authors.

#include "calibrate/lfw_pairs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/paths.h"

namespace candor::eval {
namespace {

class LfwPairsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("candor_lfw_pairs_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  std::filesystem::path path_;
};

TEST_F(LfwPairsTest, ParsesFoldsInFileOrder) {
  Write("2\t1\nAbel_Pacheco\t1\t4\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\n"
        "Zoe_Ball\t2\t3\nA_B\t12\tC_D\t104\n");
  auto pairs = ParseLfwPairs(path_);
  ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
  ASSERT_EQ(pairs->size(), 4u);
  EXPECT_EQ((*pairs)[0].a, "Abel_Pacheco/Abel_Pacheco_0001.jpg");
  EXPECT_EQ((*pairs)[0].b, "Abel_Pacheco/Abel_Pacheco_0004.jpg");
  EXPECT_TRUE((*pairs)[0].genuine);
  EXPECT_EQ((*pairs)[0].fold, 0);
  EXPECT_FALSE((*pairs)[1].genuine);
  EXPECT_EQ((*pairs)[1].b, "Dean_Barker/Dean_Barker_0001.jpg");
  EXPECT_EQ((*pairs)[3].a, "A_B/A_B_0012.jpg");
  EXPECT_EQ((*pairs)[3].b, "C_D/C_D_0104.jpg");
  EXPECT_EQ((*pairs)[3].fold, 1);

  auto first = ParseLfwPairs(path_, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 2u);
}

TEST_F(LfwPairsTest, RejectsMalformedFiles) {
  EXPECT_EQ(ParseLfwPairs(path_).status().code(), Code::kNotFound);
  Write("x y\n");
  EXPECT_EQ(ParseLfwPairs(path_).status().code(), Code::kInvalidArgument);
  Write("0 3\n");
  EXPECT_EQ(ParseLfwPairs(path_).status().code(), Code::kInvalidArgument);
  Write("1 1\nA 1 2\n");  // the different-person line is missing
  auto s = ParseLfwPairs(path_).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("truncated"), std::string::npos);
  Write("1 1\nA 1 2\nB one C 2\n");
  s = ParseLfwPairs(path_).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("B one C 2"), std::string::npos);
  // A later fold's error is found even when only the first fold is kept.
  Write("2 1\nA 1 2\nB 1 C 2\nD 1\n");
  EXPECT_EQ(ParseLfwPairs(path_, 1).status().code(), Code::kInvalidArgument);
}

// The official file parses to 10 folds of 300 + 300 pairs.
TEST(LfwPairsData, OfficialViewTwo) {
  auto data = DataDir();
  const auto file = data ? *data / "faces/lfw-protocol/pairs.txt" : std::filesystem::path();
  if (!data || !std::filesystem::exists(file)) GTEST_SKIP() << "LFW pairs.txt not found (set CANDOR_DATA)";
  auto pairs = ParseLfwPairs(file);
  ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
  ASSERT_EQ(pairs->size(), 6000u);
  int genuine = 0;
  for (const auto& p : *pairs) genuine += p.genuine;
  EXPECT_EQ(genuine, 3000);
  EXPECT_EQ(pairs->back().fold, 9);
}

}  // namespace
}  // namespace candor::eval
