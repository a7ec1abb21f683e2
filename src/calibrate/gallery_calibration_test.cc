// Copyright 2026 The Candor Authors.
//
// In-gallery calibration against a real store: its FPIR prediction agrees
// with labelled non-mated truth (fresh probes never enrolled), self-matches
// and duplicates are excluded, the stored document round-trips and is
// integrity-checked, the worst-group policy follows the worst group, growth
// and the probe side raise the threshold (never lower it silently).

#include "candor/gallery_calibration.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <random>
#include <set>

#include "calibrate/gallery_agreement.h"
#include "calibrate/labelled_set.h"
#include "calibrate/stats.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::testing::Input;
using gallery::testing::kDim;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;

// A unit template mixing a shared direction (weight `w`) into a random one:
// templates sharing the direction look alike (a "group" with high impostor
// scores).
Template Mixed(uint64_t seed, const Template& shared, double w) {
  Template t = RandomTemplate(seed);
  double n = 0;
  for (int i = 0; i < kDim; ++i) {
    t.values[i] = static_cast<float>(w * shared.values[i] + std::sqrt(1 - w * w) * t.values[i]);
    n += double(t.values[i]) * t.values[i];
  }
  for (float& v : t.values) v = static_cast<float>(v / std::sqrt(n));
  return t;
}

EnrollRequest Subject(const std::string& id, const Template& t, SubjectAttributes attrs = {}) {
  EnrollRequest r;
  r.subject_id = id;
  TemplateInput in = Input(0);
  in.tmpl = t;
  in.image_sha256 = Sha256(id);
  r.templates.push_back(in);
  r.attributes = std::move(attrs);
  return r;
}

class GalleryCalibrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.store(), TestOptions());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->CreateGallery(TestGallery("g")).ok());
  }
  void Enroll(std::vector<EnrollRequest> r) {
    ASSERT_TRUE(store_->Enroll("g", r).ok());
  }
  // n random subjects, optionally a share of them in a look-alike group.
  void EnrollRandom(int n, uint64_t seed0, bool with_groups = false) {
    const Template shared = RandomTemplate(999);
    std::vector<EnrollRequest> rs;
    for (int i = 0; i < n; ++i) {
      const bool b = with_groups && i % 2 == 1;
      const Template t = b ? Mixed(seed0 + i, shared, 0.45) : RandomTemplate(seed0 + i);
      SubjectAttributes a;
      if (with_groups) a["group"] = b ? "B" : "A";
      rs.push_back(Subject("s" + std::to_string(seed0 + i), t, a));
    }
    Enroll(rs);
  }
  GalleryCalibrationOptions Options() {
    GalleryCalibrationOptions o;
    o.duplicate_score = 0.9;
    o.bootstrap_replicates = 100;
    o.operating_fpir = 0.05;
    return o;
  }
  // FPIR at t of `probes` fresh non-enrolled templates: the labelled truth.
  std::pair<uint64_t, uint64_t> TruthFpir(const std::vector<Template>& probes, double t) {
    uint64_t hits = 0;
    for (const Template& p : probes) {
      IdentifyParams ip;
      ip.k = 1;
      ip.threshold = static_cast<float>(t);
      auto r = store_->Identify("g", p, ip);
      EXPECT_TRUE(r.ok());
      hits += r.ok() && !r->candidates.empty() ? 1 : 0;
    }
    return {hits, probes.size()};
  }
  ScratchDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(GalleryCalibrationTest, PredictsFpirOfNeverEnrolledProbesWithinIntervals) {
  EnrollRandom(600, 1000);
  auto o = Options();
  o.sample_subjects = 600;
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const GalleryCalibration& c = run->calibration;
  EXPECT_EQ(c.sampled_subjects, 600u);
  EXPECT_EQ(c.gallery_subjects, 600);
  EXPECT_EQ(c.duplicates_excluded, 0u);
  EXPECT_EQ(c.pooled->calibration_gallery_size(), 599u);  // itself excluded
  std::vector<Template> probes;
  for (int i = 0; i < 1500; ++i) probes.push_back(RandomTemplate(500000 + i));
  for (double target : {0.3, 0.1, 0.03}) {
    auto d = c.ThresholdForFpir(target, 600);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    const auto [hits, n] = TruthFpir(probes, d->threshold);
    const auto truth = stats::Wilson(hits, n);
    const double measured = double(hits) / double(n);
    // The two 95 % intervals overlap, and the prediction is near the target.
    EXPECT_LE(d->rate.lower, truth.upper) << target << " truth " << measured;
    EXPECT_GE(d->rate.upper, truth.lower) << target << " truth " << measured;
    EXPECT_NEAR(d->rate.value, target, target * 0.35);
    EXPECT_EQ(d->deciding_side, "gallery-side");
    EXPECT_EQ(d->policy, "pooled");  // no attributes: pooled
  }
}

// A gallery scoring subjects by their centroid is calibrated on centroid
// scores: its pairs and searches are the ones its Identify gives, so its
// prediction agrees with never-enrolled probes searched through that Identify;
// the same templates scored by max need (and get) a higher threshold.
TEST_F(GalleryCalibrationTest, CentroidGalleryIsCalibratedOnTheScoresItsSearchesGive) {
  // Calibrated first under max (explicitly: new face galleries default to centroid).
  ASSERT_TRUE(store_->SetSubjectScore("g", kSubjectScoreMax).ok());
  std::vector<EnrollRequest> rs;
  for (int i = 0; i < 400; ++i) {
    const Template face = RandomTemplate(70000 + i);
    EnrollRequest r = Subject("c" + std::to_string(i), Mixed(71000 + i, face, 0.8));
    TemplateInput second = Input(0);
    second.tmpl = Mixed(72000 + i, face, 0.8);
    second.image_sha256 = Sha256("second" + std::to_string(i));
    r.templates.push_back(second);
    rs.push_back(std::move(r));
  }
  Enroll(rs);
  auto o = Options();
  o.sample_subjects = 400;
  auto as_max = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(as_max.ok()) << as_max.status().ToString();
  EXPECT_EQ(as_max->calibration.subject_score, kSubjectScoreMax);
  ASSERT_TRUE(store_->SetSubjectScore("g", kSubjectScoreCentroid).ok());
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const GalleryCalibration& c = run->calibration;
  EXPECT_EQ(c.subject_score, kSubjectScoreCentroid);
  EXPECT_EQ(c.pooled->provenance().at("subject_score"), kSubjectScoreCentroid);
  auto back = GalleryCalibration::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->subject_score, kSubjectScoreCentroid);
  std::vector<Template> probes;
  for (int i = 0; i < 1500; ++i) probes.push_back(RandomTemplate(600000 + i));
  for (double target : {0.3, 0.1}) {
    auto d = c.ThresholdForFpir(target, 400);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    const auto [hits, n] = TruthFpir(probes, d->threshold);
    const auto truth = stats::Wilson(hits, n);
    EXPECT_LE(d->rate.lower, truth.upper) << target;
    EXPECT_GE(d->rate.upper, truth.lower) << target;
    auto m = as_max->calibration.ThresholdForFpir(target, 400);
    ASSERT_TRUE(m.ok());
    // Two templates are two chances for a stranger under max; one under centroid.
    EXPECT_GT(m->threshold, d->threshold + 0.005) << target;
  }
}

TEST_F(GalleryCalibrationTest, ListsAndExcludesProbableDuplicates) {
  EnrollRandom(200, 2000);
  // The same person enrolled twice under two ids, with a slightly different photo.
  const Template t = RandomTemplate(77);
  Enroll({Subject("dup-a", t), Subject("dup-b", Mixed(78, t, 0.98))});
  auto o = Options();
  o.sample_subjects = 202;
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->duplicates.size(), 1u);
  EXPECT_EQ(run->duplicates[0].subject_a, "dup-a");
  EXPECT_EQ(run->duplicates[0].subject_b, "dup-b");
  EXPECT_GE(run->duplicates[0].score, 0.9);
  EXPECT_EQ(run->calibration.duplicates_excluded, 1u);
  // Excluded from the searches: no search's best score is the duplicate's.
  EXPECT_TRUE(run->calibration.pooled->FpirAt(0.9, 201).below_support);

  EXPECT_EQ(run->calibration.pooled->impostor_count(), 202u * 201 / 2 - 1);
  // Without exclusion (a threshold above every score) the pair counts.
  o.duplicate_score = 1.5;
  auto kept = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->duplicates.empty());
  EXPECT_EQ(kept->calibration.pooled->impostor_count(), 202u * 201 / 2);
}

TEST_F(GalleryCalibrationTest, MutualBestCandidatesAreOneClusterInTheFpirInterval) {
  // 20 look-alike pairs (cosine ~0.8, below the duplicate score) among 160
  // random subjects: each member is the other's best candidate, so at 0.6 the
  // positives come in pairs (design effect 2 - p, p = 40 / 200).
  EnrollRandom(160, 6000);
  std::vector<EnrollRequest> rs;
  for (int i = 0; i < 20; ++i) {
    const Template t = RandomTemplate(7000 + i);
    rs.push_back(Subject("pa" + std::to_string(i), t));
    rs.push_back(Subject("pb" + std::to_string(i), Mixed(8000 + i, t, 0.8)));
  }
  Enroll(rs);
  auto o = Options();
  o.sample_subjects = 200;
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->duplicates.empty());
  const Calibration& c = *run->calibration.pooled;
  const RateEstimate r = c.FpirAt(0.6, 199);
  EXPECT_NEAR(r.value, 40.0 / 200, 1e-9);
  EXPECT_NEAR(c.FpirDesignEffect(0.6), 1.8, 0.05);
  const auto naive = stats::Wilson(40, 200);
  EXPECT_GT(r.upper - r.lower, 1.25 * (naive.upper - naive.lower));
  // Survives the stored document.
  auto back = GalleryCalibration::FromJson(run->calibration.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_DOUBLE_EQ(back->pooled->FpirDesignEffect(0.6), c.FpirDesignEffect(0.6));
}

TEST_F(GalleryCalibrationTest, StoredDocumentRoundTripsAndIsIntegrityChecked) {
  EnrollRandom(100, 3000);
  auto o = Options();
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(LoadGalleryCalibration(*store_, "g").status().code(), Code::kNotFound);
  ASSERT_TRUE(SaveGalleryCalibration(*store_, run->calibration).ok());
  auto want = run->calibration.ThresholdForFpir(0.1, 100);
  ASSERT_TRUE(want.ok());
  store_.reset();
  StoreOptions ro = TestOptions();
  ro.read_only = true;
  auto reopened = Store::Open(dir_.store(), ro);
  ASSERT_TRUE(reopened.ok());
  auto loaded = LoadGalleryCalibration(**reopened, "g");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->created_at, run->calibration.created_at);
  EXPECT_EQ(loaded->sampled_subjects, 100u);
  EXPECT_EQ(loaded->model_id, "testnet");
  EXPECT_TRUE(loaded->CheckModel("testnet", HexEncode(gallery::testing::ModelHash("testnet"))).ok());
  EXPECT_EQ(loaded->CheckModel("othernet", loaded->model_sha256).code(),
            Code::kFailedPrecondition);
  auto got = loaded->ThresholdForFpir(0.1, 100);
  ASSERT_TRUE(got.ok());
  EXPECT_DOUBLE_EQ(got->threshold, want->threshold);
  EXPECT_NE(got->source.find(run->calibration.created_at), std::string::npos);
  reopened->reset();

  // A body changed outside Candor fails its row MAC.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.store() + "/store.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE gallery_calibrations SET body = replace(body, "
                         "'\"policy\": \"pooled\"', '\"policy\": \"worst-group\"') "
                         "WHERE kind = 'calibration'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  auto again = Store::Open(dir_.store(), ro);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(LoadGalleryCalibration(**again, "g").status().code(), Code::kDataLoss);
}

TEST_F(GalleryCalibrationTest, WorstGroupIsTheDefaultWithAttributesAndFollowsTheWorstGroup) {
  EnrollRandom(400, 4000, /*with_groups=*/true);
  auto o = Options();
  o.sample_subjects = 400;
  o.group_attribute = "group";
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const GalleryCalibration& c = run->calibration;
  EXPECT_EQ(c.policy, ThresholdPolicy::kWorstGroup);
  ASSERT_EQ(c.groups.size(), 2u);
  ASSERT_TRUE(c.groups[0].calibration && c.groups[1].calibration);
  auto d = c.ThresholdForFpir(0.05, 399);  // N - 1: no growth scaling
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->policy, "worst-group");
  EXPECT_NE(d->source.find("group=B"), std::string::npos) << d->source;
  // B's look-alikes need the higher threshold; the decision is B's.
  auto tb = c.groups[1].calibration->ThresholdForFpir(0.05, 399);
  auto ta = c.groups[0].calibration->ThresholdForFpir(0.05, 399);
  ASSERT_TRUE(tb.ok() && ta.ok());
  EXPECT_GT(tb->threshold, ta->threshold + 0.05);
  EXPECT_DOUBLE_EQ(d->threshold, tb->threshold);
  // Per-group rates at the operating threshold: B's same-group FMR is higher.
  ASSERT_EQ(c.group_rates.size(), 2u);
  EXPECT_EQ(c.group_rates[1].group, "B");
  EXPECT_GT(c.group_rates[1].fmr.value, c.group_rates[0].fmr.value);
  EXPECT_LE(c.group_rates[1].fmr.lower, c.group_rates[1].fmr.value);
  EXPECT_GE(c.group_rates[1].fmr.upper, c.group_rates[1].fmr.value);
  EXPECT_NEAR(c.group_rates[1].fpir.value, 0.05, 0.04);  // B meets the target at B's threshold

  // Pooled when asked: a lower threshold, and B's FPIR above target there.
  o.policy = ThresholdPolicy::kPooled;
  auto pooled = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(pooled.ok());
  auto dp = pooled->calibration.ThresholdForFpir(0.05, 399);
  ASSERT_TRUE(dp.ok());
  EXPECT_LT(dp->threshold, d->threshold);
  EXPECT_GT(pooled->calibration.group_rates[1].fpir.value, 0.05);

  // The document keeps the policy and the groups.
  auto back = GalleryCalibration::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->policy, ThresholdPolicy::kWorstGroup);
  EXPECT_DOUBLE_EQ(back->ThresholdForFpir(0.05, 399)->threshold, d->threshold);
}

TEST_F(GalleryCalibrationTest, GrowthAndTheProbeSideOnlyRaiseTheThreshold) {
  EnrollRandom(300, 5000);
  auto o = Options();
  o.sample_subjects = 300;
  auto run = CalibrateGallery(*store_, "g", o);
  ASSERT_TRUE(run.ok());
  GalleryCalibration c = run->calibration;
  auto at_n = c.ThresholdForFpir(0.1, 300);
  auto grown = c.ThresholdForFpir(0.1, 600);
  ASSERT_TRUE(at_n.ok() && grown.ok());
  EXPECT_FALSE(at_n->stale);
  EXPECT_TRUE(grown->stale);
  EXPECT_FALSE(c.ThresholdForFpir(0.1, 330)->stale);
  EXPECT_GT(grown->threshold, at_n->threshold);
  EXPECT_FALSE(grown->notes.empty());

  // Probes from the same population: the gallery side decides.
  std::vector<Template> same;
  for (int i = 0; i < 400; ++i) same.push_back(RandomTemplate(700000 + i));
  ASSERT_TRUE(AddProbeSide(*store_, same, "fresh photos", c).ok());
  auto d1 = c.ThresholdForFpir(0.1, 300);
  ASSERT_TRUE(d1.ok());
  ASSERT_TRUE(d1->disagreement.has_value());
  EXPECT_LT(*d1->disagreement, 2.0);
  // Probes that resemble everyone (another camera, another domain): the probe
  // side needs a higher threshold, takes it, and says so.
  const Template shared = RandomTemplate(31337);
  GalleryCalibration c2 = run->calibration;
  std::vector<Template> other;
  for (int i = 0; i < 400; ++i) other.push_back(Mixed(800000 + i, shared, 0.4));
  // The gallery shares the direction a little too, so these probes score high.
  std::vector<EnrollRequest> more;
  for (int i = 0; i < 30; ++i) more.push_back(Subject("x" + std::to_string(i), Mixed(900000 + i, shared, 0.6)));
  Enroll(more);
  ASSERT_TRUE(AddProbeSide(*store_, other, "field phone photos", c2).ok());
  auto d2 = c2.ThresholdForFpir(0.1, 330);
  ASSERT_TRUE(d2.ok()) << d2.status().ToString();
  EXPECT_EQ(d2->deciding_side, "probe-side");
  EXPECT_GT(d2->threshold, *d2->gallery_side_threshold);
  EXPECT_GT(*d2->disagreement, 1.5);
  EXPECT_NE(d2->source.find("field phone photos"), std::string::npos);
  EXPECT_FALSE(d2->notes.empty());
}

TEST_F(GalleryCalibrationTest, RefusesBadInput) {
  EnrollRandom(10, 6000);
  auto o = Options();
  EXPECT_EQ(CalibrateGallery(*store_, "g", o).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(CalibrateGallery(*store_, "nope", o).status().code(), Code::kNotFound);
  o.duplicate_score = std::nan("");
  EXPECT_EQ(CalibrateGallery(*store_, "g", o).status().code(), Code::kInvalidArgument);
  o = Options();
  o.group_attribute = "shoe_size";
  EXPECT_EQ(CalibrateGallery(*store_, "g", o).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(GalleryCalibration::FromJson("{}").status().code(), Code::kDataLoss);
  EXPECT_EQ(GalleryCalibration::FromJson("not json").status().code(), Code::kDataLoss);
  EXPECT_EQ(store_->PutGalleryDocument("g", "Bad Kind", "x").code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->PutGalleryDocument("nope", "calibration", "x").code(), Code::kNotFound);
}

TEST(SubjectAttributes, SealedValidatedAndShreddedWithTheSubject) {
  ScratchDir dir;
  auto s = Store::Open(dir.store(), TestOptions());
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  ASSERT_TRUE(store.CreateGallery(TestGallery("g")).ok());
  EXPECT_TRUE(ValidateSubjectAttributes({{"sex", "F"}, {"age_band", "30-39"}}).ok());
  EXPECT_EQ(ValidateSubjectAttributes({{"race", "x"}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSubjectAttributes({{"sex", ""}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSubjectAttributes({{"sex", "a\nb"}}).code(), Code::kInvalidArgument);
  std::vector<EnrollRequest> bad = {Subject("a", RandomTemplate(1), {{"eye", "blue"}})};
  EXPECT_EQ(store.Enroll("g", bad).code(), Code::kInvalidArgument);
  const std::string marker = "Zyxwvut-group";
  std::vector<EnrollRequest> ok = {Subject("a", RandomTemplate(1), {{"group", marker}, {"sex", "F"}}),
                                   Subject("b", RandomTemplate(2))};
  ASSERT_TRUE(store.Enroll("g", ok).ok());
  auto a = store.GetSubject("g", "a", true);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->attributes, (SubjectAttributes{{"group", marker}, {"sex", "F"}}));
  EXPECT_TRUE(store.GetSubject("g", "a", false)->attributes.empty());  // sealed: values only
  EXPECT_TRUE(store.GetSubject("g", "b", true)->attributes.empty());
  // Appending templates cannot change attributes.
  std::vector<EnrollRequest> again = {Subject("a", RandomTemplate(3), {{"sex", "M"}})};
  again[0].append_to_existing = true;
  EXPECT_EQ(store.Enroll("g", again).code(), Code::kInvalidArgument);
  // Never in plaintext on disk.
  const std::vector<uint8_t> needle(marker.begin(), marker.end());
  EXPECT_FALSE(gallery::testing::AnyFileContains(dir.store(), needle));
  ASSERT_TRUE(store.DeleteSubject("g", "a").ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.store() + "/store.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM subject_attributes", -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

// The agreement harness applies the calibration's duplicate rule to the
// labelled truth: the same face filed under two names, one on each side of
// the split, is listed and not counted as a false positive.
TEST(GalleryAgreement, TruthExcludesProbableDuplicatesLikeTheCalibration) {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> nd;
  auto unit = [&]() {
    std::vector<float> v(64);
    double n = 0;
    for (float& x : v) {
      x = nd(rng);
      n += double(x) * x;
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
    return v;
  };
  eval::EmbeddingSet set;
  set.model_id = "testnet";
  set.model_sha256 = std::string(64, 'b');
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "person" + std::to_string(i);
    ids.insert(id);
    set.images.push_back({id + "/1.jpg", id, true, unit()});
  }
  // Two names for one face, on opposite sides of the split.
  std::string gallery_name, probe_name;
  for (int i = 0; gallery_name.empty() || probe_name.empty(); ++i) {
    const std::string id = "alias" + std::to_string(i);
    const auto side = eval::SplitByIdentity({id}, 0.5, "candor-split-2026-11-22");
    (side.calibration.empty() ? probe_name : gallery_name) = id;
  }
  const std::vector<float> face = unit();
  set.images.push_back({gallery_name + "/1.jpg", gallery_name, true, face});
  set.images.push_back({probe_name + "/1.jpg", probe_name, true, face});
  ids.insert(gallery_name);
  ids.insert(probe_name);
  const auto split = eval::SplitByIdentity(ids, 0.5, "candor-split-2026-11-22");

  eval::GalleryAgreementOptions o;
  o.calibration.duplicate_score = 0.9;
  o.calibration.bootstrap_replicates = 20;
  o.target_fpirs = {0.3, 0.1};
  auto report = eval::RunGalleryAgreement(set, nullptr, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const auto& r = *report;
  EXPECT_EQ(r["gallery_subjects"].get<int64_t>(), static_cast<int64_t>(split.calibration.size()));
  ASSERT_EQ(r["truth_probable_duplicates"].size(), 1u);
  EXPECT_EQ(r["truth_probable_duplicates"][0]["probe"], probe_name);
  EXPECT_EQ(r["truth_probable_duplicates"][0]["candidate"], gallery_name);
  ASSERT_EQ(r["agreement"].size(), 2u);
  for (const auto& row : r["agreement"]) {
    EXPECT_EQ(row["measured_searches"].get<uint64_t>(), split.evaluation.size() - 1);
    EXPECT_GE(row["predicted_design_effect"].get<double>(), 1.0);
    const double d = row["difference"]["value"], lo = row["difference"]["lower95"],
                 hi = row["difference"]["upper95"];
    EXPECT_LE(lo, d);
    EXPECT_GE(hi, d);
    EXPECT_EQ(row["agree"].get<bool>(), lo <= 0 && 0 <= hi);
  }
  // With nothing excluded the alias counts as a non-mated search (a false
  // positive at every threshold).
  ASSERT_FALSE(r["without_exclusion"].is_null());
  for (const auto& row : r["without_exclusion"]["agreement"]) {
    EXPECT_EQ(row["measured_searches"].get<uint64_t>(), split.evaluation.size());
    EXPECT_GE(row["measured_false_positives"].get<uint64_t>(), 1u);
  }
}

}  // namespace
}  // namespace candor
