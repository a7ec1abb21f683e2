// Copyright 2026 The Candor Authors.
//
// 1:N: the pre-filter keeps mates, search finds them, fusion over fingers.

#include <gtest/gtest.h>

#include "candor/finger.h"
#include "finger/synthetic.h"

namespace candor::finger {
namespace {

TEST(PrefilterTest, MatesShareMoreBitsThanNonMates) {
  int wins = 0;
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    const FingerTemplate a = SyntheticTemplate(i), mate = SyntheticMate(a, i), other = SyntheticTemplate(500 + i);
    const PrefilterCode ca = MakePrefilterCode(BuildMcc(a));
    EXPECT_GT(ca.count, 0);
    wins += ComparePrefilter(ca, MakePrefilterCode(BuildMcc(mate))) >
            ComparePrefilter(ca, MakePrefilterCode(BuildMcc(other)));
  }
  EXPECT_GE(wins, n - 2);
  const PrefilterCode empty;
  EXPECT_EQ(ComparePrefilter(empty, empty), 0.0);
}

TEST(FingerIndexTest, FindsMatesAmongMany) {
  FingerIndex index;
  const int subjects = 60;
  for (int s = 0; s < subjects; ++s) {
    for (int f = 1; f <= 2; ++f) {
      FingerTemplate t = SyntheticTemplate(s * 10 + f);
      t.finger_position = f;
      ASSERT_TRUE(index.Add("s" + std::to_string(s), t).ok());
    }
  }
  EXPECT_EQ(index.size(), 2u * subjects);
  int top1 = 0;
  const int probes = 20;
  FingerSearchOptions o;
  o.rescore = 10;
  o.candidates = 5;
  for (int s = 0; s < probes; ++s) {
    FingerTemplate p = SyntheticMate(SyntheticTemplate(s * 10 + 1), 99 + s);
    p.finger_position = 1;
    auto r = index.Search(std::span<const FingerTemplate>(&p, 1), o);
    ASSERT_TRUE(r.ok());
    ASSERT_FALSE(r->empty());
    EXPECT_LE(r->size(), 5u);
    top1 += (*r)[0].subject == "s" + std::to_string(s);
  }
  EXPECT_GE(top1, probes - 1);
}

TEST(FingerIndexTest, FusesFingersAndHonoursPositions) {
  FingerIndex index;
  FingerTemplate a1 = SyntheticTemplate(1), a2 = SyntheticTemplate(2);
  a1.finger_position = 1;
  a2.finger_position = 2;
  ASSERT_TRUE(index.Add("alice", a1).ok());
  ASSERT_TRUE(index.Add("alice", a2).ok());
  FingerTemplate b1 = SyntheticTemplate(3);
  b1.finger_position = 1;
  ASSERT_TRUE(index.Add("bob", b1).ok());

  // Alice's finger 1 presented as position 2 is never compared with her finger 1.
  FingerTemplate wrong = a1;
  wrong.finger_position = 2;
  auto r = index.Search(std::span<const FingerTemplate>(&wrong, 1));
  ASSERT_TRUE(r.ok());
  for (const auto& c : *r) EXPECT_LT(c.score, 0.5) << c.subject;

  // Two fingers: the fused score is the mean of the per-finger scores.
  std::vector<FingerTemplate> probe = {SyntheticMate(a1, 5), SyntheticMate(a2, 6)};
  probe[0].finger_position = 1;
  probe[1].finger_position = 2;
  r = index.Search(probe);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->empty());
  const FingerCandidate& top = (*r)[0];
  EXPECT_EQ(top.subject, "alice");
  ASSERT_EQ(top.finger_scores.size(), 2u);
  EXPECT_NEAR(top.score, (top.finger_scores[0] + top.finger_scores[1]) / 2, 1e-12);
  EXPECT_GT(top.finger_scores[0], 0.1);
  EXPECT_GT(top.finger_scores[1], 0.1);
  if (r->size() > 1) EXPECT_GT(top.score, (*r)[1].score);
}

TEST(FingerIndexTest, CompareSubjectFusesLikeSearchAndRemoveForgets) {
  FingerIndex index;
  for (int s = 0; s < 5; ++s) {
    for (int f = 1; f <= 2; ++f) {
      FingerTemplate t = SyntheticTemplate(s * 10 + f);
      t.finger_position = f;
      ASSERT_TRUE(index.Add("s" + std::to_string(s), t).ok());
    }
  }
  std::vector<FingerTemplate> probe = {SyntheticMate(SyntheticTemplate(21), 7),
                                       SyntheticMate(SyntheticTemplate(22), 8)};
  probe[0].finger_position = 1;
  probe[1].finger_position = 2;
  auto search = index.Search(probe);
  ASSERT_TRUE(search.ok());
  ASSERT_FALSE(search->empty());
  ASSERT_EQ((*search)[0].subject, "s2");
  auto one = index.CompareSubject("s2", probe);
  ASSERT_TRUE(one.ok());
  EXPECT_DOUBLE_EQ(one->score, (*search)[0].score);
  auto other = index.CompareSubject("s3", probe);
  ASSERT_TRUE(other.ok());
  EXPECT_LT(other->score, one->score);
  EXPECT_EQ(index.CompareSubject("nobody", probe).status().code(), Code::kNotFound);
  EXPECT_EQ(index.CompareSubject("s2", {}).status().code(), Code::kInvalidArgument);

  ASSERT_TRUE(index.Remove("s2").ok());
  EXPECT_EQ(index.size(), 8u);
  EXPECT_EQ(index.subjects(), 4u);
  EXPECT_EQ(index.Remove("s2").code(), Code::kNotFound);
  EXPECT_EQ(index.CompareSubject("s2", probe).status().code(), Code::kNotFound);
  search = index.Search(probe);
  ASSERT_TRUE(search.ok());
  for (const auto& c : *search) EXPECT_NE(c.subject, "s2");
  // The others are intact after the renumbering: s4 still finds itself.
  std::vector<FingerTemplate> p4 = {SyntheticMate(SyntheticTemplate(41), 9)};
  p4[0].finger_position = 1;
  search = index.Search(p4);
  ASSERT_TRUE(search.ok());
  ASSERT_FALSE(search->empty());
  EXPECT_EQ((*search)[0].subject, "s4");
  EXPECT_DOUBLE_EQ((*search)[0].score, index.CompareSubject("s4", p4)->score);
}

TEST(FingerIndexTest, BadInputs) {
  FingerIndex index;
  EXPECT_EQ(index.Add("", SyntheticTemplate(1)).code(), Code::kInvalidArgument);
  FingerTemplate t = SyntheticTemplate(1);
  t.finger_position = 12;
  EXPECT_EQ(index.Add("x", t).code(), Code::kInvalidArgument);
  EXPECT_EQ(index.Search({}).status().code(), Code::kInvalidArgument);
  auto empty = index.Search(std::span<const FingerTemplate>(&t, 1));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace candor::finger
