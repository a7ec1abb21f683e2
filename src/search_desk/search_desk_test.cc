// Copyright 2026 The Candor Authors.
//
// The search desk over a real store, governance and sealed record: a search
// writes one sealed record (ids, scores and rates there; governance holds
// only keyed references), a refused search never touches the probe and
// records nothing, a probe failure after the gate is audited, the threshold
// and the rates come from the gallery's own calibration where it has one
// (parsed once, re-read after Invalidate, never skipped when corrupt), and a
// 1:1 of an unknown subject answers like a non-match; a review (server and
// CLI alike, review.h) leaves governance a reference and a placeholder, the
// notes in the sealed record, and blank notes are refused.

#include "search_desk/search_desk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>

#include "candor/finger.h"
#include "candor/gallery_calibration.h"
#include "common/file_util.h"
#include "common/hash.h"
#include "common/test_env.h"
#include "gallery/test_util.h"
#include "govern/governance_test_util.h"
#include "search_desk/desk_test_util.h"
#include "search_desk/finger_modality.h"
#include "search_desk/recalibrate.h"
#include "search_desk/review.h"

namespace candor {
namespace {

using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestKey;
using gallery::testing::TestOptions;

constexpr int kSubjects = desk_testing::kDeskSubjects;

using desk_testing::Subjects;
using desk_testing::TestModelCalibration;

// A face modality that counts how often the probe was made.
struct Counted {
  int probes = 0;
  Template tmpl;
  Status fail;
  FaceModality Over(const Store& store) {
    return FaceModality(store, [this]() -> StatusOr<Template> {
      ++probes;
      if (!fail.ok()) return fail;
      return tmpl;
    });
  }
};

class SearchDeskTest : public desk_testing::DeskTest {
 protected:
  Template Enrolled(int i) { return RandomTemplate(100 + static_cast<uint64_t>(i)); }

  // The gallery's in-gallery calibration, made and stored.
  StatusOr<GalleryCalibrationRun> CalibrateAndSave() {
    GalleryCalibrationOptions o;
    o.duplicate_score = 0.9;
    o.bootstrap_replicates = 50;
    auto run = CalibrateGallery(*store_, "licences", o);
    if (run.ok()) CANDOR_RETURN_IF_ERROR(SaveGalleryCalibration(*store_, run->calibration));
    return run;
  }
};

TEST_F(SearchDeskTest, IdentifyWritesOneSealedRecordAndGovernanceHoldsOnlyReferences) {
  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  Counted probe{0, Enrolled(17), OkStatus()};
  auto done = desk_->Identify(alice_, Identify("licences", auth), probe.Over(*store_));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(probe.probes, 1);
  ASSERT_TRUE(done->recorded.ok()) << done->recorded.ToString();
  ASSERT_FALSE(done->result.candidates.empty());
  EXPECT_EQ(done->result.candidates[0].subject_id, "s17");
  EXPECT_EQ(done->threshold.calibration, kFromModelCalibration);
  EXPECT_EQ(done->threshold.source.rfind("model calibration", 0), 0u) << done->threshold.source;

  // The sealed record: ids, the template, the rate of each score from the
  // calibration the threshold came from, and the requester's view.
  auto rec = book_->Get(done->ticket.search_id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(rec->candidates.size(), done->result.candidates.size());
  EXPECT_EQ(rec->candidates[0].subject_id, "s17");
  EXPECT_EQ(rec->candidates[0].template_id, done->result.candidates[0].template_id);
  auto g = store_->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  auto want = calibration_->RateOf(*g, SearchKind::kIdentify, rec->candidates[0].score, kSubjects);
  ASSERT_TRUE(want.ok());
  ASSERT_TRUE(rec->candidates[0].fpir.has_value());
  EXPECT_DOUBLE_EQ(*rec->candidates[0].fpir, want->value);
  EXPECT_EQ(rec->summary["threshold_calibration"], "model");
  EXPECT_EQ(rec->summary["status"], "pending_review");
  EXPECT_EQ(rec->summary["case_id"], "case-7");
  EXPECT_EQ(rec->summary["gallery_size"], kSubjects);

  // Governance knows the candidate only by its keyed reference.
  auto gr = gov_->GetSearchForReview(eve_, done->ticket.search_id);
  ASSERT_TRUE(gr.ok()) << gr.status().ToString();
  ASSERT_EQ(gr->candidates.size(), rec->candidates.size());
  EXPECT_EQ(gr->candidates[0].subject_ref, rec->candidates[0].subject_ref);
  EXPECT_EQ(gr->candidates[0].subject_ref.rfind("sref:", 0), 0u);
  EXPECT_EQ(gr->candidates[0].subject_ref.find("s17"), std::string::npos);
}

TEST_F(SearchDeskTest, RefusedSearchNeverMakesTheProbeAndRecordsNothing) {
  Counted probe{0, Enrolled(3), OkStatus()};
  auto no_auth = desk_->Identify(alice_, Identify("licences", ""), probe.Over(*store_));
  EXPECT_EQ(no_auth.status().code(), Code::kPermissionDenied) << no_auth.status().ToString();
  auto no_gallery = desk_->Identify(alice_, Identify("nowhere", ""), probe.Over(*store_));
  EXPECT_EQ(no_gallery.status().code(), Code::kNotFound);
  EXPECT_EQ(probe.probes, 0);
  auto all = book_->List("", "");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(LastAudit("search.identify").decision, "deny");
}

TEST_F(SearchDeskTest, ProbeFailureAfterTheGateIsAuditedAndNotRecorded) {
  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  Counted probe{0, {}, NotFoundError("no face in the probe")};
  auto r = desk_->Identify(alice_, Identify("licences", auth), probe.Over(*store_));
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(probe.probes, 1);
  const AuditEntry e = LastAudit("search.probe_failed");
  EXPECT_EQ(e.outcome, "error");
  EXPECT_NE(e.reason.find("no face"), std::string::npos) << e.reason;
  auto all = book_->List("", "");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(SearchDeskTest, GalleryCalibrationSetsThresholdAndRatesAndIsParsedOnce) {
  auto run = CalibrateAndSave();
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  auto g = store_->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  auto stored = run->calibration.ThresholdForFpir(0.05, kSubjects);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();

  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  Counted probe{0, Enrolled(40), OkStatus()};
  auto done = desk_->Identify(alice_, Identify("licences", auth), probe.Over(*store_));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->threshold.calibration, kFromGalleryCalibration);
  EXPECT_FLOAT_EQ(done->threshold.value, static_cast<float>(stored->threshold));
  EXPECT_NE(done->threshold.source.find("in-gallery calibration"), std::string::npos);
  auto rec = book_->Get(done->ticket.search_id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->summary["threshold_calibration"], "gallery");
  ASSERT_FALSE(rec->candidates.empty());
  ASSERT_TRUE(rec->candidates[0].fpir.has_value());
  EXPECT_DOUBLE_EQ(*rec->candidates[0].fpir,
                   run->calibration.FpirAt(rec->candidates[0].score, kSubjects).value)
      << "the candidate's FPIR must come from the calibration that set the threshold";

  // Replaced underneath (as only the recalibration path may): the parsed one
  // is kept until Invalidate; then a document failing to parse is an error.
  ASSERT_TRUE(store_->PutGalleryDocument("licences", kGalleryCalibrationDocument, "{}").ok());
  auto cached = calibration_->ThresholdFor(*g, SearchKind::kIdentify);
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_FLOAT_EQ(cached->value, done->threshold.value);
  calibration_->Invalidate("licences");
  auto reread = calibration_->ThresholdFor(*g, SearchKind::kIdentify);
  EXPECT_FALSE(reread.ok());
  EXPECT_EQ(reread.status().code(), Code::kDataLoss) << reread.status().ToString();
}

// Which index answered is part of the sealed record (and so of the examiner's
// view): the exhaustive Flat index of the fixture, then a compressed index
// trained at 1,000 templates, with the recall it measured on itself.
TEST_F(SearchDeskTest, TheSealedRecordNamesTheIndexThatAnswered) {
  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  Counted probe{0, Enrolled(9), OkStatus()};
  auto flat = desk_->Identify(alice_, Identify("licences", auth), probe.Over(*store_));
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  auto rec = book_->Get(flat->ticket.search_id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->summary["index"]["name"], "Flat,fp32");
  EXPECT_EQ(rec->summary["index"]["exact"], true);
  EXPECT_FALSE(rec->summary["index"].contains("recall"));

  ScratchDir dir;
  StoreOptions o = TestOptions();
  o.index_spec = "IVF16,PQ16x4fs,TrainAt1000";
  auto s = Store::Open(dir.store(), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::unique_ptr<Store> large = std::move(s).value();
  // The same gallery name in a second store (governance knows galleries by name).
  ASSERT_TRUE(large->CreateGallery(TestGallery("licences")).ok());
  ASSERT_TRUE(large->Enroll("licences", Subjects(1000)).ok());
  auto g = large->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  ASSERT_FALSE(g->index_recall.exact) << g->index;
  SearchCalibrationOptions co;
  co.load_model = TestModelCalibration;
  co.target_fpir = 0.5;  // what the test calibration supports at N = 1,000
  co.target_fmr = 1e-3;
  SearchDesk desk(*gov_, *large, OpenSearchCalibration(*large, co), book_.get());
  auto approx = desk.Identify(alice_, Identify("licences", auth), probe.Over(*large));
  ASSERT_TRUE(approx.ok()) << approx.status().ToString();
  ASSERT_FALSE(approx->result.candidates.empty());
  EXPECT_EQ(approx->result.candidates[0].subject_id, "s9");
  rec = book_->Get(approx->ticket.search_id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const nlohmann::json& ix = rec->summary["index"];
  // The store adds its retrain policy (Retrain2) to the spec it was given: the
  // record names the index as the gallery reports it.
  EXPECT_EQ(ix["name"], "IVF16,PQ16x4fs,TrainAt1000,Retrain2");
  EXPECT_EQ(g->index.rfind(ix["name"].get<std::string>() + " ", 0), 0u) << g->index;
  EXPECT_EQ(ix["exact"], false);
  ASSERT_TRUE(ix.contains("recall")) << ix.dump();
  EXPECT_DOUBLE_EQ(ix["recall"]["target"].get<double>(), g->index_recall.target);
  EXPECT_DOUBLE_EQ(ix["recall"]["measured"].get<double>(), g->index_recall.measured);
  EXPECT_EQ(ix["recall"]["nprobe"], g->index_recall.nprobe);
  EXPECT_EQ(ix["recall"]["nlist"], 16);
  EXPECT_EQ(ix["recall"]["measured_at"], 1000);
}

TEST_F(SearchDeskTest, GalleryCalibrationUnderAnotherSubjectScoreIsNotUsed) {
  // A gallery scored by max (as every gallery created before the centroid
  // default), calibrated, then switched to centroid.
  ASSERT_TRUE(store_->SetSubjectScore("licences", kSubjectScoreMax).ok());
  auto run = CalibrateAndSave();
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(store_->SetSubjectScore("licences", kSubjectScoreCentroid).ok());
  calibration_->Invalidate("licences");
  auto g = store_->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  auto t = calibration_->ThresholdFor(*g, SearchKind::kIdentify);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->calibration, kFromModelCalibration);
  EXPECT_NE(t->source.find("scored subjects by 'max', the gallery now by 'centroid'"),
            std::string::npos)
      << t->source;
  // Recalibrated under the gallery's rule, it is used again.
  ASSERT_TRUE(CalibrateAndSave().ok());
  calibration_->Invalidate("licences");
  auto t2 = calibration_->ThresholdFor(*g, SearchKind::kIdentify);
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(t2->calibration, kFromGalleryCalibration);
}

TEST_F(SearchDeskTest, VerifyOfAnUnknownSubjectAnswersLikeANonMatch) {
  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  SearchRequest req = Identify("licences", auth);
  req.kind = SearchKind::kVerify;
  Counted mate{0, Enrolled(5), OkStatus()};
  auto match = desk_->Verify(alice_, req, "s5", mate.Over(*store_));
  ASSERT_TRUE(match.ok()) << match.status().ToString();
  EXPECT_TRUE(match->verify.match);
  ASSERT_EQ(match->record.candidates.size(), 1u);  // to review, not to the requester
  EXPECT_FALSE(match->record.summary.contains("score"));

  auto other = desk_->Verify(alice_, req, "s6", mate.Over(*store_));
  auto ghost = desk_->Verify(alice_, req, "nobody", mate.Over(*store_));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE(ghost.ok()) << ghost.status().ToString();
  auto shape = [](nlohmann::json j) {
    for (const char* k : {"id", "created_at"}) j.erase(k);
    return j;
  };
  EXPECT_EQ(shape(ghost->record.summary), shape(other->record.summary));
  EXPECT_EQ(ghost->record.summary["status"], "no_candidate");
  EXPECT_TRUE(ghost->record.candidates.empty());
}

// A synthetic finger: 40 minutiae spread over a 300 x 300 frame (MCC
// compares local minutia structures; an identical copy scores at the top).
finger::FingerTemplate SyntheticFinger(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> pos(40.0f, 260.0f), dir(0.0f, 6.2831853f);
  finger::FingerTemplate t;
  t.width = t.height = 300;
  for (int i = 0; i < 40; ++i) {
    finger::Minutia m;
    m.x = pos(rng);
    m.y = pos(rng);
    m.direction = dir(rng);
    m.type = i % 2 ? finger::MinutiaType::kEnding : finger::MinutiaType::kBifurcation;
    m.quality = 80;
    t.minutiae.push_back(m);
  }
  return t;
}

// Fingerprints take the same desk: the gate first (a refused search never
// makes the probe), thresholds at the finger targets from the finger
// gallery's own model calibration, the sealed record with the mate, and a
// print never searches a face gallery (refused before the probe is made).
TEST_F(SearchDeskTest, FingerSearchesTakeTheSameDeskAtTheFingerTargets) {
  ASSERT_TRUE(gov_->SetGalleryPolicy(admin_, {"tenprints", {LegalBasis::kWarrant}, "standard"}).ok());
  GalleryInfo tg = TestGallery("tenprints");
  tg.modality = kFingerModality;
  ASSERT_TRUE(store_->CreateGallery(tg).ok());
  std::vector<EnrollRequest> rs;
  for (int i = 0; i < 5; ++i) {
    EnrollRequest r;
    r.subject_id = "f" + std::to_string(i);
    TemplateInput in;
    in.finger = SyntheticFinger(700 + static_cast<uint64_t>(i));
    in.image_sha256 = Sha256("print" + std::to_string(i));
    r.templates.push_back(std::move(in));
    rs.push_back(std::move(r));
  }
  ASSERT_TRUE(store_->Enroll("tenprints", rs).ok());
  // A model calibration per modality: the finger one of MCC-like scores in [0, 1].
  SearchCalibrationOptions o;
  o.load_model = [](const GalleryInfo& g) -> StatusOr<Calibration> {
    if (g.modality != kFingerModality) return TestModelCalibration(g);
    CalibrationInput in;
    in.model_id = g.model_id;
    in.model_sha256 = HexEncode(g.model_sha256);
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> d(0.0, 0.1);
    for (int i = 0; i < 20000; ++i) in.impostor_scores.push_back(d(rng));
    return Calibration::Build(in);
  };
  o.target_fpir = 1e-3;
  o.target_fmr = 1e-4;
  o.finger_target_fpir = 5e-2;
  o.finger_target_fmr = 2e-2;
  auto calibration = OpenSearchCalibration(*store_, o);
  SearchDesk desk(*gov_, *store_, calibration, book_.get());
  auto g = store_->GetGallery("tenprints");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto model = o.load_model(*g);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto want_1n = model->ThresholdForFpir(5e-2, 5);
  auto want_11 = model->ThresholdForFmr(2e-2);
  ASSERT_TRUE(want_1n.ok() && want_11.ok());

  int probes = 0;
  const finger::FingerTemplate mate = SyntheticFinger(703);
  FingerModality print(*store_, [&]() -> StatusOr<std::vector<finger::FingerTemplate>> {
    ++probes;
    return std::vector<finger::FingerTemplate>{mate};
  });
  auto refused = desk.Identify(alice_, Identify("tenprints", ""), print);
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied) << refused.status().ToString();
  EXPECT_EQ(probes, 0);

  const std::string auth = Authorize(LegalBasis::kWarrant, {"tenprints", "licences"});
  auto done = desk.Identify(alice_, Identify("tenprints", auth), print);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(probes, 1);
  EXPECT_FLOAT_EQ(done->threshold.value, static_cast<float>(want_1n->threshold));
  ASSERT_FALSE(done->result.candidates.empty());
  EXPECT_EQ(done->result.candidates[0].subject_id, "f3");
  auto rec = book_->Get(done->ticket.search_id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_FALSE(rec->candidates.empty());
  EXPECT_EQ(rec->candidates[0].subject_id, "f3");
  EXPECT_EQ(LastAudit("search.identify").decision, "allow");

  SearchRequest v = Identify("tenprints", auth);
  v.kind = SearchKind::kVerify;
  auto ver = desk.Verify(alice_, v, "f3", print);
  ASSERT_TRUE(ver.ok()) << ver.status().ToString();
  EXPECT_TRUE(ver->verify.match);
  EXPECT_FLOAT_EQ(ver->threshold.value, static_cast<float>(want_11->threshold));
  auto other = desk.Verify(alice_, v, "f1", print);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_FALSE(other->verify.match);

  // A print against the face gallery, a face against the finger gallery:
  // refused before the gate (audited, the authorization's count untouched),
  // and no probe is made.
  const int before = probes;
  auto counted = gov_->GetAuthorization(auth);
  ASSERT_TRUE(counted.ok());
  auto wrong = desk.Identify(alice_, Identify("licences", auth), print);
  EXPECT_EQ(wrong.status().code(), Code::kFailedPrecondition) << wrong.status().ToString();
  EXPECT_EQ(probes, before);
  AuditEntry refusal = LastAudit("search.identify");
  EXPECT_EQ(refusal.decision, "deny");
  EXPECT_NE(refusal.reason.find("a fingerprint cannot search it"), std::string::npos)
      << refusal.reason;
  Counted face{0, Enrolled(3), OkStatus()};
  auto face_on_prints = desk.Identify(alice_, Identify("tenprints", auth), face.Over(*store_));
  EXPECT_EQ(face_on_prints.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(face.probes, 0);
  EXPECT_NE(LastAudit("search.identify").reason.find("holds fingerprints"), std::string::npos);
  auto used = gov_->GetAuthorization(auth);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->searches_used, counted->searches_used);
}

// Reviews of a recorded search: governance gets the candidate's keyed
// reference and a placeholder for the notes (which name the subject here),
// the sealed record the notes and the id; blank notes are refused (and
// audited) as governance refuses them without a record: before, the
// placeholder stood in for any non-empty notes, "   " included (found by
// scripts/attack_check.mjs). A subject that is no candidate is refused
// without its id reaching any record.
TEST_F(SearchDeskTest, ReviewNotesGoToTheSealedRecordAndBlankOnesAreRefused) {
  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  Counted probe{0, Enrolled(17), OkStatus()};
  auto done = desk_->Identify(alice_, Identify("licences", auth), probe.Over(*store_));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_FALSE(done->result.candidates.empty());
  const std::string id = done->ticket.search_id;
  auto review = [&](const Principal& who, const std::string& subject, const std::string& notes) {
    return RecordReview(*gov_, book_.get(), who,
                        ReviewRequest{id, subject, ReviewDecision::kConfirm, notes, now_});
  };
  for (const std::string blank : {"", "   ", " \t\r\n"}) {
    auto r = review(eve_, "s17", blank);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << "'" << blank << "'";
  }
  EXPECT_EQ(review(eve_, "s17", std::string(4097, 'x')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(review(eve_, "s99", "not a candidate").status().code(), Code::kInvalidArgument)
      << "s99 is no candidate of this search";
  auto ok = review(eve_, "s17", "ear shape and scar match s17");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->sealed);
  EXPECT_TRUE(ok->kept.ok()) << ok->kept.ToString();
  EXPECT_EQ(ok->subject_id, "s17");

  ASSERT_TRUE(review(sam_, "s17", "agree with eve about s17").ok());
  auto lead = gov_->ReleaseLead(alice_, id);
  ASSERT_TRUE(lead.ok()) << lead.status().ToString();
  ASSERT_EQ(lead->reviews.size(), 2u);
  for (const Review& r : lead->reviews) {
    EXPECT_EQ(r.notes, kNotesKeptSealed);
    EXPECT_EQ(r.subject_ref, ok->subject_ref);
  }
  EXPECT_EQ(ok->subject_ref.rfind("sref:", 0), 0u);
  auto rec = book_->Get(id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(rec->reviews.size(), 2u);
  EXPECT_EQ(rec->StatusName(), "lead_released");
  EXPECT_EQ(rec->reviews[0].notes, "ear shape and scar match s17");
  EXPECT_EQ(rec->reviews[0].subject_id, "s17");
  EXPECT_EQ(rec->reviews[0].reviewer, "eve");
  // Nothing in govern.db or the audit log names the subject.
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir_)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("match s17"), std::string::npos) << f.path();
  }
}

// A calibration file given for one model (`candor serve --calibration FILE`)
// is scoped to that model's galleries: a finger gallery beside them takes its
// own calibration/finger-mcc.json, and its threshold source says the given
// file was not its own; the face gallery takes the given file.
TEST_F(SearchDeskTest, AGivenCalibrationFileIsScopedToItsModel) {
  auto face_model = TestModelCalibration(GalleryInfo{});
  ASSERT_TRUE(face_model.ok());
  const std::string file = store_dir_.path() + "/testnet-calibration.json";
  ASSERT_TRUE(face_model->Save(file).ok());
  GalleryInfo tg = TestGallery("tenprints");
  tg.modality = kFingerModality;
  ASSERT_TRUE(store_->CreateGallery(tg).ok());
  EnrollRequest r;
  r.subject_id = "f0";
  TemplateInput in;
  in.finger = SyntheticFinger(700);
  in.image_sha256 = Sha256("print0");
  r.templates.push_back(std::move(in));
  ASSERT_TRUE(store_->Enroll("tenprints", {&r, 1}).ok());

  SearchCalibrationOptions o;
  o.model_calibration = file;
  o.gallery_calibrations = false;
  o.target_fpir = 0.05;
  auto calibration = OpenSearchCalibration(*store_, o);
  auto faces = store_->GetGallery("licences");
  auto prints = store_->GetGallery("tenprints");
  ASSERT_TRUE(faces.ok() && prints.ok());
  auto face_t = calibration->ThresholdFor(*faces, SearchKind::kIdentify);
  ASSERT_TRUE(face_t.ok()) << face_t.status().ToString();
  EXPECT_NE(face_t->source.find(file), std::string::npos) << face_t->source;
  auto want_face = face_model->ThresholdForFpir(0.05, kSubjects);
  ASSERT_TRUE(want_face.ok());
  EXPECT_FLOAT_EQ(face_t->value, static_cast<float>(want_face->threshold));

  auto finger_t = calibration->ThresholdFor(*prints, SearchKind::kVerify);
  ASSERT_TRUE(finger_t.ok()) << finger_t.status().ToString();
  EXPECT_NE(finger_t->source.find("calibration/finger-mcc.json"), std::string::npos)
      << finger_t->source;
  EXPECT_NE(finger_t->source.find("is for model 'testnet', not this gallery's"), std::string::npos)
      << finger_t->source;
  auto finger_model = LoadCalibrationFor("", kFingerModelId, FingerModelSha256());
  ASSERT_TRUE(finger_model.ok()) << finger_model.status().ToString();
  auto want_finger = finger_model->ThresholdForFmr(1e-2);
  ASSERT_TRUE(want_finger.ok());
  EXPECT_FLOAT_EQ(finger_t->value, static_cast<float>(want_finger->threshold));
  auto rate = calibration->RateOf(*prints, SearchKind::kVerify, finger_t->value, 1);
  ASSERT_TRUE(rate.ok()) << rate.status().ToString();
  EXPECT_DOUBLE_EQ(rate->value, finger_model->FmrAt(finger_t->value).value);
}

// In-gallery calibration of a finger gallery (issue 13, item 5): 20 real
// FVC2002 DB1-B prints (the 10 fingers' first impressions and, as 10 more
// fingers, their second impressions mirrored: a mirrored print is no rotation
// of any finger, so MCC scores it as another finger). The recalibration runs
// the gallery's own one-finger searches (MCC, its pre-filter and fusion), the
// duplicate score comes from calibration/finger-mcc.json, and a finger search
// afterwards takes its threshold and its candidates' FPIR from the gallery's
// calibration. Probe-side photos are refused for a finger gallery.
TEST_F(SearchDeskTest, FingerGalleryRecalibratedInGalleryGivesTheSearchItsThreshold) {
  CANDOR_REQUIRE_DATA(data);
  const std::filesystem::path fvc = data / "fingerprints" / "fvc2002-db1-b";
  if (!std::filesystem::exists(fvc / "110_8.tif")) {
    GTEST_SKIP() << "no FVC2002 DB1-B prints under " << fvc;
  }
  auto print = [&](int finger, int impression) -> finger::FingerTemplate {
    auto bytes = ReadFile(fvc / (std::to_string(100 + finger) + "_" + std::to_string(impression) + ".tif"));
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto x = finger::ExtractFinger(*bytes);
    EXPECT_TRUE(x.ok()) << x.status().ToString();
    return x.ok() ? x->tmpl : finger::FingerTemplate{};
  };
  auto mirrored = [](finger::FingerTemplate t) {
    for (finger::Minutia& m : t.minutiae) {
      m.x = static_cast<float>(t.width - 1) - m.x;
      m.direction = std::fmod(3.f * 3.14159265f - m.direction, 2.f * 3.14159265f);
    }
    return t;
  };
  ASSERT_TRUE(gov_->SetGalleryPolicy(admin_, {"tenprints", {LegalBasis::kWarrant}, "standard"}).ok());
  GalleryInfo tg = TestGallery("tenprints");
  tg.modality = kFingerModality;
  ASSERT_TRUE(store_->CreateGallery(tg).ok());
  std::vector<EnrollRequest> rs;
  for (int i = 0; i < 20; ++i) {
    EnrollRequest r;
    r.subject_id = "f" + std::to_string(i);
    TemplateInput in;
    in.finger = i < 10 ? print(i + 1, 1) : mirrored(print(i - 9, 2));
    in.finger->finger_position = 1;
    in.image_sha256 = Sha256("print" + std::to_string(i));
    r.templates.push_back(std::move(in));
    rs.push_back(std::move(r));
  }
  ASSERT_TRUE(store_->Enroll("tenprints", rs).ok());

  SearchCalibrationOptions o;  // the finger gallery's model file: calibration/finger-mcc.json
  o.finger_target_fpir = 0.3;  // 20 searches support no FPIR much lower
  auto calibration = OpenSearchCalibration(*store_, o);
  auto g = store_->GetGallery("tenprints");
  ASSERT_TRUE(g.ok());
  auto before = calibration->ThresholdFor(*g, SearchKind::kIdentify);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->calibration, kFromModelCalibration);

  RecalibrationRequest req;
  req.gallery = "tenprints";
  req.options.bootstrap_replicates = 50;
  req.probes.resize(12);  // face-side probes: refused for prints, nothing stored
  auto refused = RecalibrateGallery(*store_, req, *calibration);
  EXPECT_EQ(refused.status().code(), Code::kUnimplemented) << refused.status().ToString();
  EXPECT_EQ(LoadGalleryCalibration(*store_, "tenprints").status().code(), Code::kNotFound);
  req.probes.clear();
  auto done = RecalibrateGallery(*store_, req, *calibration);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->summary["searches"], 20);
  EXPECT_EQ(done->summary["impostor_pairs"].get<int>() +
                static_cast<int>(done->summary["probable_duplicates"].size()),
            190);
  EXPECT_TRUE(done->summary["probable_duplicates"].empty()) << done->summary.dump();
  auto stored = LoadGalleryCalibration(*store_, "tenprints");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->model_id, kFingerModelId);
  ASSERT_TRUE(stored->pooled.has_value());
  // The duplicate score: finger-mcc.json has no tail fit, so its median mate
  // score (above all of its impostor scores, the highest 0.0435).
  EXPECT_GT(stored->duplicate_score, 0.0435);
  EXPECT_NE(done->summary["notes"].dump().find("median mate score"), std::string::npos)
      << done->summary.dump();
  auto want = stored->ThresholdForFpir(0.3, 20);
  ASSERT_TRUE(want.ok()) << want.status().ToString();

  SearchDesk desk(*gov_, *store_, calibration, book_.get());
  const finger::FingerTemplate mate = print(3, 4);  // finger 103, another impression
  FingerModality probe(*store_, [&]() -> StatusOr<std::vector<finger::FingerTemplate>> {
    return std::vector<finger::FingerTemplate>{mate};
  });
  const std::string auth = Authorize(LegalBasis::kWarrant, {"tenprints"});
  auto search = desk.Identify(alice_, Identify("tenprints", auth), probe);
  ASSERT_TRUE(search.ok()) << search.status().ToString();
  EXPECT_EQ(search->threshold.calibration, kFromGalleryCalibration);
  EXPECT_NE(search->threshold.source.find("in-gallery calibration"), std::string::npos)
      << search->threshold.source;
  EXPECT_FLOAT_EQ(search->threshold.value, static_cast<float>(want->threshold));
  auto rec = book_->Get(search->ticket.search_id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->summary["threshold_calibration"], "gallery");
  ASSERT_FALSE(rec->candidates.empty());
  EXPECT_EQ(rec->candidates[0].subject_id, "f2");
  ASSERT_TRUE(rec->candidates[0].fpir.has_value());
  EXPECT_DOUBLE_EQ(*rec->candidates[0].fpir, stored->FpirAt(rec->candidates[0].score, 20).value);
}

}  // namespace
}  // namespace candor

