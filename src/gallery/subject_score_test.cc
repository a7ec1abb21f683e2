// Copyright 2026 The Candor Authors.
//
// How a gallery scores a subject with several templates (candor/
// subject_score.h): the rule itself, and the store's "centroid" galleries
// (Identify, Verify, enrolment, appending, deletion, the setting kept across
// reopen and changed by SetSubjectScore); new face galleries default to
// "centroid", finger galleries to "max", and a gallery stored without a
// recorded rule (by an older build) keeps "max" and its scores.

#include <gtest/gtest.h>

#include <cmath>

#include "candor/gallery.h"
#include "candor/subject_score.h"
#include "common/sqlite.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::testing::Input;
using gallery::testing::kDim;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;

std::vector<float> Unit(std::vector<float> v) {
  double n = 0;
  for (float x : v) n += double(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
  return v;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

// b made orthogonal to a (Gram-Schmidt), unit norm.
std::vector<float> OrthogonalTo(const std::vector<float>& a, std::vector<float> b) {
  const double d = Dot(a, b);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(b[i] - d * a[i]);
  return Unit(b);
}

std::vector<float> Sum(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> s(a.size());
  for (size_t i = 0; i < a.size(); ++i) s[i] = a[i] + b[i];
  return s;
}

TemplateInput InputOf(const std::vector<float>& v, uint64_t tag) {
  TemplateInput in = Input(tag);
  in.tmpl.values = v;
  return in;
}

Template ProbeOf(const std::vector<float>& v) {
  Template t = RandomTemplate(1);
  t.values = v;
  return t;
}

EnrollRequest SubjectWith(const std::string& id, const std::vector<std::vector<float>>& templates,
                          uint64_t tag) {
  EnrollRequest r;
  r.subject_id = id;
  for (size_t i = 0; i < templates.size(); ++i) r.templates.push_back(InputOf(templates[i], tag + i));
  return r;
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir) {
  auto s = Store::Open(dir, TestOptions());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// The score the store gave `subject` for `probe` (NaN when not a candidate).
double ScoreOf(const Store& store, const std::vector<float>& probe, const std::string& subject,
               float threshold = -1.0f) {
  IdentifyParams p;
  p.k = 10;
  p.threshold = threshold;
  auto r = store.Identify("licences", ProbeOf(probe), p);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return std::nan("");
  for (const auto& c : r->candidates) {
    if (c.subject_id == subject) return c.score;
  }
  return std::nan("");
}

TEST(SubjectScore, MaxIsTheBestTemplateCentroidTheNormalisedMean) {
  const std::vector<float> a = RandomTemplate(11).values;
  const std::vector<float> b = RandomTemplate(12).values;
  const std::vector<float> p = RandomTemplate(13).values;
  const std::vector<std::vector<float>> both = {a, b};
  size_t best = 9;
  EXPECT_NEAR(SubjectScore(p, both, kSubjectScoreMax, &best), std::max(Dot(p, a), Dot(p, b)), 1e-6);
  EXPECT_EQ(best, Dot(p, a) > Dot(p, b) ? 0u : 1u);
  const double centroid = (Dot(p, a) + Dot(p, b)) / std::sqrt(2.0 + 2.0 * Dot(a, b));
  EXPECT_NEAR(SubjectScore(p, both, kSubjectScoreCentroid), centroid, 1e-6);
  // One template: the centroid is the template itself.
  EXPECT_NEAR(SubjectScore(p, std::vector<std::vector<float>>{a}, kSubjectScoreCentroid), Dot(p, a),
              1e-6);
  // Opposite templates have no centroid: the best template is used.
  std::vector<float> minus_a = a;
  for (float& x : minus_a) x = -x;
  EXPECT_TRUE(TemplateCentroid(std::vector<std::vector<float>>{a, minus_a}).empty());
  EXPECT_NEAR(SubjectScore(p, std::vector<std::vector<float>>{a, minus_a}, kSubjectScoreCentroid),
              std::abs(Dot(p, a)), 1e-6);
  EXPECT_TRUE(ValidateSubjectScore("max").ok());
  EXPECT_TRUE(ValidateSubjectScore("centroid").ok());
  EXPECT_EQ(ValidateSubjectScore("mean").code(), Code::kInvalidArgument);
}

TEST(SubjectScore, CentroidGalleryScoresTwoTemplatesByTheirMeanAcrossReopen) {
  ScratchDir dir;
  const std::vector<float> a = RandomTemplate(21).values;
  const std::vector<float> b = OrthogonalTo(a, RandomTemplate(22).values);
  const std::vector<float> c = RandomTemplate(23).values;
  const std::vector<float> between = Unit(Sum(a, b));  // cos 0.707 with a and with b
  {
    auto store = OpenOrDie(dir.store());
    GalleryInfo g = TestGallery();
    g.subject_score = kSubjectScoreCentroid;
    ASSERT_TRUE(store->CreateGallery(g).ok());
    std::vector<EnrollRequest> batch = {SubjectWith("two", {a, b}, 100), SubjectWith("one", {c}, 200)};
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
    EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreCentroid);
    // The probe equal to one template: max would give 1, the centroid 1/sqrt(2).
    EXPECT_NEAR(ScoreOf(*store, a, "two"), std::sqrt(0.5), 1e-5);
    // Between the two photos: each template 0.707, the centroid 1. A threshold
    // of 0.9 that no single template reaches still finds the subject.
    EXPECT_NEAR(ScoreOf(*store, between, "two", 0.9f), 1.0, 1e-5);
    // A one-template subject is scored by its template as before.
    EXPECT_NEAR(ScoreOf(*store, c, "one"), 1.0, 1e-5);
    VerifyParams vp;
    vp.threshold = 0.9f;
    auto v = store->Verify("licences", "two", ProbeOf(between), vp);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_NEAR(v->score, 1.0, 1e-5);
    EXPECT_TRUE(v->match);
    EXPECT_EQ(v->templates_compared, 2);
  }
  // Kept with the gallery: the centroids are rebuilt from the sealed templates.
  auto store = OpenOrDie(dir.store());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreCentroid);
  EXPECT_NEAR(ScoreOf(*store, a, "two"), std::sqrt(0.5), 1e-5);
  EXPECT_NEAR(ScoreOf(*store, between, "two", 0.9f), 1.0, 1e-5);
  // Back to max: the probe equal to a template scores 1, the one between 0.707.
  ASSERT_TRUE(store->SetSubjectScore("licences", kSubjectScoreMax).ok());
  EXPECT_NEAR(ScoreOf(*store, a, "two"), 1.0, 1e-5);
  EXPECT_TRUE(std::isnan(ScoreOf(*store, between, "two", 0.9f)));
  store.reset();
  store = OpenOrDie(dir.store());
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreMax);
  EXPECT_NEAR(ScoreOf(*store, a, "two"), 1.0, 1e-5);
}

TEST(SubjectScore, AppendingAndDeletingKeepTheCentroidsCurrent) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  GalleryInfo g = TestGallery();
  g.subject_score = kSubjectScoreMax;  // switched below: SetSubjectScore builds the centroids
  ASSERT_TRUE(store->CreateGallery(g).ok());
  ASSERT_TRUE(store->SetSubjectScore("licences", kSubjectScoreCentroid).ok());
  const std::vector<float> a = RandomTemplate(31).values;
  const std::vector<float> b = OrthogonalTo(a, RandomTemplate(32).values);
  std::vector<EnrollRequest> first = {SubjectWith("s", {a}, 300)};
  for (int i = 0; i < 20; ++i) first.push_back(SubjectWith("o" + std::to_string(i), {RandomTemplate(40 + i).values}, 400 + 10 * i));
  ASSERT_TRUE(store->Enroll("licences", first).ok());
  EXPECT_NEAR(ScoreOf(*store, a, "s"), 1.0, 1e-5);  // one template: itself
  EnrollRequest more = SubjectWith("s", {b}, 500);
  more.append_to_existing = true;
  ASSERT_TRUE(store->Enroll("licences", std::vector<EnrollRequest>{more}).ok());
  EXPECT_NEAR(ScoreOf(*store, a, "s"), std::sqrt(0.5), 1e-5);  // now the centroid of a and b
  // Candidates stay ordered by score across the two sources, k distinct subjects.
  IdentifyParams p;
  p.k = 3;
  p.threshold = -1.0f;
  auto r = store->Identify("licences", ProbeOf(a), p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->candidates.size(), 3u);
  EXPECT_EQ(r->candidates[0].subject_id, "s");
  EXPECT_GE(r->candidates[0].score, r->candidates[1].score);
  EXPECT_GE(r->candidates[1].score, r->candidates[2].score);
  ASSERT_TRUE(store->DeleteSubject("licences", "s").ok());
  EXPECT_TRUE(std::isnan(ScoreOf(*store, a, "s")));
}

TEST(SubjectScore, BadSettingsAreRefused) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  GalleryInfo g = TestGallery();
  g.subject_score = "mean";
  EXPECT_EQ(store->CreateGallery(g).code(), Code::kInvalidArgument);
  GalleryInfo f = TestGallery("prints");
  f.modality = kFingerModality;
  f.subject_score = kSubjectScoreCentroid;
  EXPECT_EQ(store->CreateGallery(f).code(), Code::kInvalidArgument);
  f.subject_score = kSubjectScoreMax;
  ASSERT_TRUE(store->CreateGallery(f).ok());
  EXPECT_EQ(store->SetSubjectScore("prints", kSubjectScoreCentroid).code(),
            Code::kFailedPrecondition);
  GalleryInfo m = TestGallery();
  m.subject_score = kSubjectScoreMax;  // so that a write of "centroid" would show
  ASSERT_TRUE(store->CreateGallery(m).ok());
  EXPECT_EQ(store->SetSubjectScore("licences", "mean").code(), Code::kInvalidArgument);
  EXPECT_EQ(store->SetSubjectScore("nope", kSubjectScoreCentroid).code(), Code::kNotFound);
  // The settings document is the store's own.
  EXPECT_EQ(store->PutGalleryDocument("licences", "settings", "subject_score=centroid\n").code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreMax);
}

// A two-template subject "two" ({a, b}, orthogonal) and a one-template "one".
struct TwoAndOne {
  std::vector<float> a = RandomTemplate(61).values;
  std::vector<float> b = OrthogonalTo(a, RandomTemplate(62).values);
  std::vector<float> c = RandomTemplate(63).values;
  std::vector<EnrollRequest> Batch() const {
    return {SubjectWith("two", {a, b}, 600), SubjectWith("one", {c}, 700)};
  }
};

// The library's default (GalleryInfo::subject_score left empty): "centroid"
// for a new face gallery, recorded so that it holds across reopen; "max" for
// a finger gallery; an explicit "max" is kept.
TEST(SubjectScore, NewFaceGalleriesDefaultToCentroidFingersToMaxAnExplicitMaxIsKept) {
  EXPECT_STREQ(DefaultSubjectScore(kFaceModality), kSubjectScoreCentroid);
  EXPECT_STREQ(DefaultSubjectScore(kFingerModality), kSubjectScoreMax);
  GalleryInfo unset = TestGallery();
  ASSERT_TRUE(unset.subject_score.empty());
  EXPECT_TRUE(ValidateGalleryInfo(unset).ok());
  EXPECT_EQ(WithDefaultSubjectScore(unset).subject_score, kSubjectScoreCentroid);
  unset.subject_score = kSubjectScoreMax;
  EXPECT_EQ(WithDefaultSubjectScore(unset).subject_score, kSubjectScoreMax);

  ScratchDir dir;
  const TwoAndOne s;
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    GalleryInfo m = TestGallery("bookings");
    m.subject_score = kSubjectScoreMax;
    ASSERT_TRUE(store->CreateGallery(m).ok());
    GalleryInfo f = TestGallery("prints");
    f.modality = kFingerModality;
    ASSERT_TRUE(store->CreateGallery(f).ok());
    EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreCentroid);
    EXPECT_EQ(store->GetGallery("bookings")->subject_score, kSubjectScoreMax);
    EXPECT_EQ(store->GetGallery("prints")->subject_score, kSubjectScoreMax);
    ASSERT_TRUE(store->Enroll("licences", s.Batch()).ok());
    // Scored by the centroid: the probe equal to one template gets 1/sqrt(2), not 1.
    EXPECT_NEAR(ScoreOf(*store, s.a, "two"), std::sqrt(0.5), 1e-5);
    EXPECT_NEAR(ScoreOf(*store, s.c, "one"), 1.0, 1e-5);
  }
  auto store = OpenOrDie(dir.store());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreCentroid);
  EXPECT_EQ(store->GetGallery("bookings")->subject_score, kSubjectScoreMax);
  EXPECT_EQ(store->GetGallery("prints")->subject_score, kSubjectScoreMax);
  EXPECT_NEAR(ScoreOf(*store, s.a, "two"), std::sqrt(0.5), 1e-5);
  // Each new gallery records its rule, "max" included.
  for (const char* name : {"licences", "bookings", "prints"}) {
    auto doc = store->GetGalleryDocument(name, "settings");
    ASSERT_TRUE(doc.ok()) << name << ": " << doc.status().ToString();
    EXPECT_EQ(doc->body, "subject_score=" + store->GetGallery(name)->subject_score + "\n");
  }
}

// A default ("centroid") gallery of one photo a subject has no centroid to
// build at open; a subject that gains a second photo after a reopen is scored
// by the centroid of both, before and after the next reopen.
TEST(SubjectScore, OneTemplateSubjectsGetACentroidWhenTheyGainASecondAfterReopen) {
  ScratchDir dir;
  const std::vector<float> a = RandomTemplate(91).values;
  const std::vector<float> b = OrthogonalTo(a, RandomTemplate(92).values);
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    std::vector<EnrollRequest> singles = {SubjectWith("s", {a}, 950)};
    for (int i = 0; i < 5; ++i) {
      singles.push_back(
          SubjectWith("o" + std::to_string(i), {RandomTemplate(93 + i).values}, 960 + 10 * i));
    }
    ASSERT_TRUE(store->Enroll("licences", singles).ok());
  }
  auto store = OpenOrDie(dir.store());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreCentroid);
  EXPECT_NEAR(ScoreOf(*store, a, "s"), 1.0, 1e-5);
  EnrollRequest more = SubjectWith("s", {b}, 990);
  more.append_to_existing = true;
  ASSERT_TRUE(store->Enroll("licences", std::vector<EnrollRequest>{more}).ok());
  EXPECT_NEAR(ScoreOf(*store, a, "s"), std::sqrt(0.5), 1e-5);
  store.reset();
  store = OpenOrDie(dir.store());
  EXPECT_NEAR(ScoreOf(*store, a, "s"), std::sqrt(0.5), 1e-5);
  EXPECT_NEAR(ScoreOf(*store, Unit(Sum(a, b)), "s", 0.9f), 1.0, 1e-5);
}

// A gallery an older build wrote has no settings document: it was scored by
// its best template and its stored calibration was made so. It reads as
// "max" and scores exactly as before, while a gallery created next to it
// gets the new default.
TEST(SubjectScore, AGalleryStoredWithoutASettingsDocumentKeepsMaxAndItsScores) {
  ScratchDir dir;
  const TwoAndOne s;
  const std::vector<float> between = Unit(Sum(s.a, s.b));
  std::vector<std::vector<float>> probes = {s.a, s.b, between, s.c};
  for (int i = 0; i < 4; ++i) probes.push_back(RandomTemplate(80 + i).values);
  std::vector<double> before;
  double verified = 0;
  VerifyParams vp;
  vp.threshold = 0.9f;
  {
    auto store = OpenOrDie(dir.store());
    GalleryInfo g = TestGallery();
    g.subject_score = kSubjectScoreMax;  // what every face gallery was, before
    ASSERT_TRUE(store->CreateGallery(g).ok());
    ASSERT_TRUE(store->Enroll("licences", s.Batch()).ok());
    for (const auto& p : probes) before.push_back(ScoreOf(*store, p, "two"));
    auto v = store->Verify("licences", "two", ProbeOf(s.a), vp);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    verified = v->score;
  }
  EXPECT_NEAR(before[0], 1.0, 1e-5);  // max: the probe equal to a template
  {
    // Older builds wrote no settings document for a "max" gallery.
    auto db = sqlite::Db::Open(dir.store() + "/store.db", {.create = false});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("DELETE FROM gallery_calibrations WHERE kind = 'settings'").ok());
    ASSERT_EQ((*db)->Changes(), 1);
  }
  auto store = OpenOrDie(dir.store());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetGalleryDocument("licences", "settings").status().code(), Code::kNotFound);
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreMax);
  for (size_t i = 0; i < probes.size(); ++i) {
    EXPECT_DOUBLE_EQ(ScoreOf(*store, probes[i], "two"), before[i]) << "probe " << i;
  }
  auto v = store->Verify("licences", "two", ProbeOf(s.a), vp);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_DOUBLE_EQ(v->score, verified);
  EXPECT_TRUE(v->match);
  // Appending to it keeps max too.
  EnrollRequest more = SubjectWith("one", {s.a}, 900);
  more.append_to_existing = true;
  ASSERT_TRUE(store->Enroll("licences", std::vector<EnrollRequest>{more}).ok());
  EXPECT_NEAR(ScoreOf(*store, s.a, "one"), 1.0, 1e-5);
  // A new gallery beside it gets the new default; the old one stays as it was.
  ASSERT_TRUE(store->CreateGallery(TestGallery("bookings")).ok());
  EXPECT_EQ(store->GetGallery("bookings")->subject_score, kSubjectScoreCentroid);
  store.reset();
  store = OpenOrDie(dir.store());
  EXPECT_EQ(store->GetGallery("licences")->subject_score, kSubjectScoreMax);
  EXPECT_EQ(store->GetGallery("bookings")->subject_score, kSubjectScoreCentroid);
  EXPECT_DOUBLE_EQ(ScoreOf(*store, probes[2], "two"), before[2]);
}

}  // namespace
}  // namespace candor
