// Copyright 2026 The Candor Authors.
//
// Demographic differentials on synthetic groups with known error rates,
// including the edge cases: an empty group, a group of one identity, a group
// with no false matches.

#include "candor/demographics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace candor::metrics {
namespace {

// A group of `ids` identities with every within-group impostor pair accepted
// with probability `fmr` and each identity's genuine pairs rejected with `fnmr`.
std::vector<LabelledPair> Group(int64_t first_id, int ids, double fmr, double fnmr, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution fm(fmr), fnm(fnmr);
  std::vector<LabelledPair> out;
  for (int a = 0; a < ids; ++a) {
    for (int k = 0; k < 4; ++k) out.push_back({fnm(rng) ? 0.1 : 0.9, true, first_id + a, first_id + a});
    for (int b = a + 1; b < ids; ++b) {
      out.push_back({fm(rng) ? 0.9 : 0.1, false, first_id + a, first_id + b});
    }
  }
  return out;
}

TEST(DemographicsTest, RejectsBadArguments) {
  EXPECT_FALSE(ComputeDifferentials({}, 0.5).ok());
  DifferentialOptions o;
  o.bootstrap_replicates = 5;
  EXPECT_FALSE(ComputeDifferentials({{"a", Group(0, 40, 0.01, 0.02, 1)}}, 0.5, o).ok());
}

TEST(DemographicsTest, RecoversKnownRatesAndRatio) {
  std::map<std::string, std::vector<LabelledPair>> groups;
  groups["A"] = Group(0, 200, 0.04, 0.10, 1);
  groups["B"] = Group(1000, 200, 0.01, 0.05, 2);
  DifferentialOptions o;
  o.bootstrap_replicates = 200;
  auto r = ComputeDifferentials(groups, 0.5, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->groups.size(), 2u);
  const GroupRates& a = r->groups[0];
  EXPECT_EQ(a.group, "A");
  EXPECT_EQ(a.identities, 200u);
  EXPECT_NEAR(a.fmr.value, 0.04, 0.004);
  EXPECT_NEAR(a.fnmr.value, 0.10, 0.03);
  EXPECT_LT(a.fmr.lower, a.fmr.value);
  EXPECT_GT(a.fmr.upper, a.fmr.value);
  EXPECT_LE(a.fmr.lower, 0.04);
  EXPECT_GE(a.fmr.upper, 0.04);
  EXPECT_FALSE(a.too_small);
  EXPECT_NEAR(r->fmr_ratio.value, 4.0, 0.6);
  EXPECT_EQ(r->fmr_ratio.max_group, "A");
  EXPECT_EQ(r->fmr_ratio.min_group, "B");
  EXPECT_LT(r->fmr_ratio.lower, r->fmr_ratio.value);
  EXPECT_GT(r->fmr_ratio.upper, r->fmr_ratio.value);
  EXPECT_NEAR(r->fnmr_ratio.value, 2.0, 0.8);
}

TEST(DemographicsTest, IsDeterministicForASeed) {
  std::map<std::string, std::vector<LabelledPair>> groups = {{"A", Group(0, 50, 0.05, 0.1, 3)},
                                                              {"B", Group(100, 50, 0.02, 0.1, 4)}};
  DifferentialOptions o;
  o.bootstrap_replicates = 50;
  auto r1 = ComputeDifferentials(groups, 0.5, o), r2 = ComputeDifferentials(groups, 0.5, o);
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->fmr_ratio.lower, r2->fmr_ratio.lower);
  EXPECT_EQ(r1->groups[0].fnmr.upper, r2->groups[0].fnmr.upper);
}

TEST(DemographicsTest, EmptyAndSingleIdentityGroupsAreFlaggedNotCrashing) {
  std::map<std::string, std::vector<LabelledPair>> groups;
  groups["big"] = Group(0, 60, 0.02, 0.05, 5);
  groups["empty"] = {};
  groups["one"] = Group(500, 1, 0.5, 0.5, 6);  // genuine pairs only
  DifferentialOptions o;
  o.bootstrap_replicates = 50;
  auto r = ComputeDifferentials(groups, 0.5, o);
  ASSERT_TRUE(r.ok());
  const GroupRates& empty = r->groups[1];
  EXPECT_EQ(empty.group, "empty");
  EXPECT_TRUE(empty.too_small);
  EXPECT_TRUE(std::isnan(empty.fmr.value));
  EXPECT_TRUE(std::isnan(empty.fnmr.value));
  const GroupRates& one = r->groups[2];
  EXPECT_TRUE(one.too_small);
  EXPECT_EQ(one.identities, 1u);
  EXPECT_TRUE(std::isnan(one.fmr.value));
  EXPECT_FALSE(std::isnan(one.fnmr.value));
  EXPECT_FALSE(one.note.empty());
  // Only one group is large enough: no ratio is claimed.
  EXPECT_TRUE(std::isnan(r->fmr_ratio.value));
  EXPECT_FALSE(r->fmr_ratio.note.empty());
}

TEST(DemographicsTest, SmallGroupsAreExcludedFromTheRatio) {
  std::map<std::string, std::vector<LabelledPair>> groups;
  groups["A"] = Group(0, 100, 0.02, 0.05, 7);
  groups["B"] = Group(1000, 100, 0.02, 0.05, 8);
  groups["tiny"] = Group(2000, 10, 0.5, 0.05, 9);  // extreme but only 10 identities
  DifferentialOptions o;
  o.bootstrap_replicates = 100;
  auto r = ComputeDifferentials(groups, 0.5, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->groups[2].too_small);
  EXPECT_LT(r->fmr_ratio.value, 2.0);  // "tiny" would make it ~25
  EXPECT_NE(r->fmr_ratio.max_group, "tiny");
}

TEST(DemographicsTest, ZeroErrorsInAGroupGiveAnUnboundedRatio) {
  std::map<std::string, std::vector<LabelledPair>> groups;
  groups["A"] = Group(0, 50, 0.05, 0.05, 10);
  groups["B"] = Group(1000, 50, 0.0, 0.05, 11);
  DifferentialOptions o;
  o.bootstrap_replicates = 50;
  auto r = ComputeDifferentials(groups, 0.5, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isinf(r->fmr_ratio.value));
  EXPECT_NE(r->fmr_ratio.note.find("unbounded"), std::string::npos);
  EXPECT_EQ(r->groups[1].fmr.errors, 0u);
  EXPECT_DOUBLE_EQ(r->groups[1].fmr.upper, 0.0);
}

}  // namespace
}  // namespace candor::metrics
