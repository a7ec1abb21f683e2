// Copyright 2026 The Candor Authors.
//
// The reviewed outcomes of past searches as the probe side of a gallery's
// calibration, end to end over a real store, governance and sealed search
// record: searches through the search desk, an examiner's reviews
// (confirming mates, rejecting strangers), then RecalibrateGallery reads the
// completed reviews. Too few give a note, not a number; enough field probes
// that resemble enrolled people raise the threshold the gallery side set,
// the decision says which side decided and why, and the next search runs at
// the raised threshold. Searches with an open review or of another scoring
// rule are left out and counted.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "candor/gallery_calibration.h"
#include "common/hash.h"
#include "gallery/test_util.h"
#include "govern/governance_test_util.h"
#include "search_desk/desk_test_util.h"
#include "search_desk/recalibrate.h"
#include "search_desk/review.h"
#include "search_desk/search_desk.h"

namespace candor {
namespace {

using gallery::testing::RandomTemplate;

constexpr int kSubjects = desk_testing::kDeskSubjects;

// A unit template at cosine about `c` to subject `j`'s (seed 100 + j).
Template Near(int j, double c, uint64_t seed) {
  Template t = RandomTemplate(100 + static_cast<uint64_t>(j));
  const Template r = RandomTemplate(seed);
  double s = 0;
  for (size_t i = 0; i < t.values.size(); ++i) {
    t.values[i] = static_cast<float>(c * t.values[i] + std::sqrt(1 - c * c) * r.values[i]);
    s += double{t.values[i]} * t.values[i];
  }
  for (float& v : t.values) v = static_cast<float>(v / std::sqrt(s));
  return t;
}

class ReviewedOutcomesFlowTest : public desk_testing::DeskTest {
 protected:
  void SetUp() override {
    DeskTest::SetUp();
    auth_ = Authorize(LegalBasis::kWarrant, {"licences"}, /*max_searches=*/1000);
    // The gallery side first: thresholds come from the gallery's own calibration.
    auto first = Recalibrate(/*with_book=*/false);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
  }

  StatusOr<RecalibrationResult> Recalibrate(bool with_book) {
    RecalibrationRequest r;
    r.gallery = "licences";
    r.options.duplicate_score = 0.9;
    r.options.bootstrap_replicates = 50;
    r.book = with_book ? book_.get() : nullptr;
    r.reviewed.min_searches = 50;
    return RecalibrateGallery(*store_, r, *calibration_);
  }

  // One search with `probe`; an examiner then decides every candidate:
  // `mate` (if >= 0) confirmed, everyone else rejected. `review` false
  // leaves the review open. Returns the search's threshold.
  double SearchAndReview(const Template& probe, int mate, bool review = true) {
    FaceModality m(*store_, [probe]() -> StatusOr<Template> { return probe; });
    auto done = desk_->Identify(alice_, Identify("licences", auth_), m);
    EXPECT_TRUE(done.ok()) << done.status().ToString();
    if (!done.ok()) return NAN;
    for (const auto& c : done->result.candidates) {
      if (!review) break;
      const bool is_mate = c.subject_id == "s" + std::to_string(mate);
      auto r =
          RecordReview(*gov_, book_.get(), eve_,
                       ReviewRequest{done->ticket.search_id, c.subject_id,
                                     is_mate ? ReviewDecision::kConfirm : ReviewDecision::kReject,
                                     is_mate ? "same person" : "different person", now_});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      rejected_ += is_mate ? 0 : 1;
    }
    now_ += kHour;
    return done->threshold.value;
  }

  // `n` field searches: every other one a stranger who resembles enrolled
  // subject k (cosine 0.40 .. 0.78), the rest mates (cosine 0.85) of
  // enrolled subjects.
  void FieldSearches(int n, int from) {
    for (int i = from; i < from + n; ++i) {
      if (i % 2 == 0) {
        thresholds_.push_back(
            SearchAndReview(Near(i % kSubjects, 0.40 + (i % 20) * 0.02, 9000 + i), -1));
      } else {
        thresholds_.push_back(SearchAndReview(Near(i % kSubjects, 0.85, 9000 + i), i % kSubjects));
      }
    }
  }

  std::string auth_;
  std::vector<double> thresholds_;
  int rejected_ = 0;
};

TEST_F(ReviewedOutcomesFlowTest, TooFewReviewedSearchesGiveANoteNotANumber) {
  FieldSearches(30, 0);
  auto r = Recalibrate(true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& ro = r->summary["reviewed_outcomes"];
  EXPECT_FALSE(ro["used"].get<bool>());
  EXPECT_NE(ro["note"].get<std::string>().find("30 completed 1:N searches"), std::string::npos)
      << ro.dump();
  EXPECT_NE(ro["note"].get<std::string>().find("50 needed"), std::string::npos);
  for (const auto& row : r->summary["thresholds"]) {
    EXPECT_FALSE(row.contains("reviewed_fpir")) << row.dump();
    EXPECT_NE(row.value("deciding_side", std::string()), "reviewed-outcomes");
  }
  EXPECT_NE(r->audit_detail.find("no reviewed outcomes"), std::string::npos) << r->audit_detail;
  // The stored document says why there is no estimate.
  auto stored = LoadGalleryCalibration(*store_, "licences");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_FALSE(stored->reviewed.has_value());
  EXPECT_NE(stored->reviewed_note.find("fewer than the 50"), std::string::npos);
}

TEST_F(ReviewedOutcomesFlowTest, RejectedCandidatesRaiseTheThresholdAndSaySo) {
  FieldSearches(80, 0);
  // Left out and counted: one search whose review is still open.
  SearchAndReview(Near(3, 0.7, 777), -1, /*review=*/false);
  ASSERT_GT(rejected_, 30);
  const double searched_at = *std::max_element(thresholds_.begin(), thresholds_.end());

  auto r = Recalibrate(true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& ro = r->summary["reviewed_outcomes"];
  ASSERT_TRUE(ro["used"].get<bool>()) << ro.dump();
  EXPECT_EQ(ro["searches"], 80);
  EXPECT_EQ(ro["rejected_candidates"], rejected_);
  EXPECT_EQ(ro["confirmed_candidates"], 40);
  EXPECT_EQ(ro["left_out"]["review_incomplete"], 1);
  EXPECT_NEAR(ro["score_floor"].get<double>(), searched_at, 0.0011);
  EXPECT_EQ(ro["first_search"].get<std::string>().substr(0, 10), "2027-01-15");
  // Half the field searches were strangers listed above the threshold: the
  // reviewed outcomes put FPIR there near 50 %, the gallery side near 5 %.
  EXPECT_GT(ro["fpir_at_floor"]["value"].get<double>(), 0.4);
  EXPECT_NE(r->audit_detail.find("reviewed outcomes of 80 searches"), std::string::npos);

  const auto& rows = r->summary["thresholds"];
  ASSERT_EQ(rows.size(), 3u);
  const auto& ten = rows[0];  // FPIR 10 %: 8 of 80 searches may list a stranger
  ASSERT_EQ(ten["target_fpir"], 0.1);
  EXPECT_EQ(ten["deciding_side"], "reviewed-outcomes") << ten.dump();
  EXPECT_GT(ten["threshold"].get<double>(), ten["gallery_side_threshold"].get<double>() + 0.2);
  EXPECT_LE(ten["reviewed_fpir"]["value"].get<double>(), 0.1);
  EXPECT_GT(ten["reviewed_disagreement"].get<double>(), 1.0);
  EXPECT_EQ(ten["source"].get<std::string>().rfind("reviewed outcomes (80 reviewed searches", 0),
            0u);
  bool said = false;
  for (const auto& n : ten["notes"])
    said |= n.get<std::string>().find("is raised to") != std::string::npos;
  EXPECT_TRUE(said) << ten.dump();
  EXPECT_TRUE(ten.contains("confirmed_candidates_below"));
  // FPIR 3 % is below what 80 searches support (3/80): they set nothing and
  // say so, and warn that at the gallery side's threshold they see far more.
  auto stored = LoadGalleryCalibration(*store_, "licences");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_TRUE(stored->reviewed.has_value());
  auto three = stored->ThresholdForFpir(0.03, kSubjects);
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(three->deciding_side, "gallery-side");
  EXPECT_FALSE(three->reviewed_threshold.has_value());
  bool cannot = false, warned = false;
  for (const std::string& n : three->notes) {
    cannot |= n.find("cannot set a threshold") != std::string::npos;
    warned |= n.rfind("warning: reviewed outcomes", 0) == 0;
  }
  EXPECT_TRUE(cannot && warned) << ::testing::PrintToString(three->notes);

  // The rate shown beside a score is the highest estimate that can speak
  // for it: at 0.5 the reviewed outcomes' (about 30 %), not the gallery
  // side's (near 0).
  EXPECT_GT(stored->FpirAt(0.5, kSubjects).value, 0.2);
  EXPECT_DOUBLE_EQ(stored->FpirAt(0.5, kSubjects).value, stored->reviewed->FpirAt(0.5)->value);

  // The next search runs at the raised threshold (FPIR 5 %: at most 4 of 80)
  // and its record says where it came from.
  FaceModality m(*store_, []() -> StatusOr<Template> { return Near(5, 0.5, 4242); });
  auto next = desk_->Identify(alice_, Identify("licences", auth_), m);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_GT(next->threshold.value, searched_at + 0.2);
  EXPECT_EQ(next->threshold.source.rfind("reviewed outcomes", 0), 0u) << next->threshold.source;
  EXPECT_TRUE(next->result.candidates.empty()) << "a look-alike at 0.5 is no longer listed";
}

// A search made while the gallery scored by another rule says nothing of
// the scores under the current one: left out and counted.
TEST_F(ReviewedOutcomesFlowTest, SearchesUnderAnotherScoringRuleAreLeftOut) {
  // Searched while the gallery scored by max (as every gallery created before
  // the centroid default), then switched to centroid.
  ASSERT_TRUE(store_->SetSubjectScore("licences", kSubjectScoreMax).ok());
  ASSERT_TRUE(Recalibrate(/*with_book=*/false).ok());  // the gallery side, under max
  FieldSearches(60, 0);
  ASSERT_TRUE(store_->SetSubjectScore("licences", kSubjectScoreCentroid).ok());
  auto r = Recalibrate(true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& ro = r->summary["reviewed_outcomes"];
  EXPECT_FALSE(ro["used"].get<bool>());
  EXPECT_NE(ro["note"].get<std::string>().find("0 completed"), std::string::npos) << ro.dump();
  EXPECT_NE(ro["note"].get<std::string>().find("60 of another model or scoring rule"),
            std::string::npos)
      << ro.dump();
}

}  // namespace
}  // namespace candor
