// Copyright 2026 The Candor Authors.

#include "search/ivf_pq_spec.h"

#include <gtest/gtest.h>

namespace candor::search {
namespace {

constexpr int kDim = 192;

IvfPqSpec ParseOrDie(std::string_view text) {
  auto s = ParseIvfPqSpec(text, kDim);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? *s : IvfPqSpec{};
}

// The parsed spec says whether it had a Retrain part: absent (the index
// never retrains unless given a policy: the store gives its own), Retrain0
// (never, said explicitly) and Retrain<x> are three different values.
TEST(IvfPqSpecTest, TellsAnAbsentRetrainPartFromRetrain0) {
  EXPECT_FALSE(ParseOrDie("IVF16,PQ16x4fs").retrain_growth.has_value());
  EXPECT_FALSE(ParseOrDie("Auto,Recall99").retrain_growth.has_value());
  const IvfPqSpec never = ParseOrDie("IVF16,PQ16x4fs,Retrain0");
  ASSERT_TRUE(never.retrain_growth.has_value());
  EXPECT_EQ(*never.retrain_growth, 0.0);
  const IvfPqSpec twice = ParseOrDie("Auto,Retrain2");
  ASSERT_TRUE(twice.retrain_growth.has_value());
  EXPECT_EQ(*twice.retrain_growth, 2.0);
  EXPECT_EQ(ParseOrDie("IVF16,PQ16x4fs,Retrain1000").retrain_growth, 1000.0);
  // The part may stand anywhere after the partition.
  EXPECT_EQ(ParseOrDie("IVF16,PQ16x4fs,Retrain5,Recall99").retrain_growth, 5.0);
}

TEST(IvfPqSpecTest, RefusesBadRetrainValues) {
  for (const char* bad : {"IVF16,PQ16x4fs,Retrain1", "IVF16,PQ16x4fs,Retrain", "IVF16,PQ16x4fs,Retrain-2",
                          "IVF16,PQ16x4fs,Retrain2.5", "IVF16,PQ16x4fs,Retrain1001", "IVF16,PQ16x4fs,Retrainx",
                          "Auto,Retrain 2", "Auto,retrain2", "Auto,Retrain2,"}) {
    auto r = ParseIvfPqSpec(bad, kDim);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  // The error names the bad part.
  const Status st = ParseIvfPqSpec("Auto,Retrain1", kDim).status();
  EXPECT_NE(st.message().find("bad part 'Retrain1'"), std::string::npos) << st.ToString();
}

// Canonical texts come back unchanged, and every text the formatter writes
// parses back to the same spec.
TEST(IvfPqSpecTest, FormatsACanonicalSpecBackToItsText) {
  for (const char* text :
       {"Auto", "Auto,Retrain0", "Auto,Retrain2", "Auto,Recall99.9,Retrain3", "IVF16,PQ16x4fs",
        "IVF16,PQ16x4fs,Retrain0", "IVF16,PQ16x4fs,TrainAt2000,Retrain2",
        "IVF1024,PQ64x4fs,Rerank200,Probe16,Recall99.9,TrainAt50000,Retrain8", "IVF4096,PQ64x4fs,Recall100"}) {
    const IvfPqSpec s = ParseOrDie(text);
    EXPECT_EQ(FormatIvfPqSpec(s), text);
    EXPECT_EQ(ParseOrDie(FormatIvfPqSpec(s)), s) << text;
  }
  EXPECT_EQ(FormatRetrainPart(2), "Retrain2");
  EXPECT_EQ(FormatRetrainPart(0), "Retrain0");
}

// Other spellings of the same settings format to the canonical text: parts in
// the grammar's order, defaults left out, numbers as the parser reads them.
TEST(IvfPqSpecTest, FormatsOtherSpellingsCanonically) {
  const struct {
    const char* text;
    const char* canonical;
  } cases[] = {{"IVF16,PQ16x4fs,Retrain3,Rerank8", "IVF16,PQ16x4fs,Rerank8,Retrain3"},
               {"IVF16,PQ16x4fs,TrainAt20000", "IVF16,PQ16x4fs"},  // max(64 * 16, 20000)
               {"IVF1024,PQ64x4fs,TrainAt65536", "IVF1024,PQ64x4fs"},
               {"IVF16,PQ16x4fs,Recall99.50", "IVF16,PQ16x4fs"},
               {"Auto,Recall099.0,Retrain02", "Auto,Recall99,Retrain2"}};
  for (const auto& c : cases) {
    const IvfPqSpec s = ParseOrDie(c.text);
    EXPECT_EQ(FormatIvfPqSpec(s), c.canonical) << c.text;
    EXPECT_EQ(ParseOrDie(c.canonical), s) << c.text;
  }
  // A spec built in code, without a parse.
  IvfPqSpec built;
  built.nlist = 64;
  built.m = 32;
  built.train_at = 5000;
  built.retrain_growth = 4;
  EXPECT_EQ(FormatIvfPqSpec(built), "IVF64,PQ32x4fs,TrainAt5000,Retrain4");
  EXPECT_EQ(ParseOrDie(FormatIvfPqSpec(built)), built);
}

}  // namespace
}  // namespace candor::search
