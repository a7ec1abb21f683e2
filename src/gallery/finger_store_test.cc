// Copyright 2026 The Candor Authors.
//
// Fingerprint galleries in the store: the modality is recorded and enforced,
// finger templates are sealed, durable and searchable after a reopen, several
// fingers per subject fuse, deletion forgets them, and damage to a sealed
// finger record or its row is DATA_LOSS, while a torn tail is recovered.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "candor/gallery.h"
#include "finger/synthetic.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using finger::FingerTemplate;
using finger::SyntheticMate;
using finger::SyntheticTemplate;
using gallery::testing::AnyFileContains;
using gallery::testing::FakeImage;
using gallery::testing::Input;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;

GalleryInfo FingerGallery(std::string name = "tenprints") {
  GalleryInfo g = TestGallery(std::move(name));
  g.description = "booking tenprints";
  g.modality = kFingerModality;
  return g;
}

// Subject s's finger at `position` (1..10): a synthetic template per (s, position).
FingerTemplate Finger(int s, int position) {
  FingerTemplate t = SyntheticTemplate(static_cast<uint64_t>(s) * 10 + position);
  t.finger_position = position;
  return t;
}

TemplateInput FingerInput(int s, int position, bool with_image = false) {
  TemplateInput in;
  in.finger = Finger(s, position);
  in.capture_date = "2026-11-30";
  in.quality = 61;
  if (with_image) in.image = FakeImage(s * 10 + position, 900);
  in.image_sha256 = with_image ? Sha256(std::span<const uint8_t>(in.image))
                               : Sha256("finger " + std::to_string(s * 10 + position));
  return in;
}

EnrollRequest FingerSubject(int s, bool with_image = false) {
  EnrollRequest r;
  r.subject_id = "p" + std::to_string(s);
  r.record_ref = "booking-" + std::to_string(s);
  r.templates = {FingerInput(s, 1, with_image), FingerInput(s, 2)};
  return r;
}

std::vector<FingerTemplate> Probe(int s, uint64_t seed) {
  std::vector<FingerTemplate> p = {SyntheticMate(Finger(s, 1), seed),
                                   SyntheticMate(Finger(s, 2), seed + 1)};
  p[0].finger_position = 1;
  p[1].finger_position = 2;
  return p;
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir) {
  auto s = Store::Open(dir, TestOptions());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

std::unique_ptr<Store> FingerStore(const ScratchDir& d, int subjects) {
  auto store = OpenOrDie(d.store());
  EXPECT_TRUE(store->CreateGallery(FingerGallery()).ok());
  std::vector<EnrollRequest> reqs;
  for (int s = 0; s < subjects; ++s) reqs.push_back(FingerSubject(s, s == 0));
  Status e = store->Enroll("tenprints", reqs);
  EXPECT_TRUE(e.ok()) << e.ToString();
  return store;
}

TEST(FingerGallery, RecordsItsModalityAndRefusesTheOther) {
  ScratchDir d;
  auto store = FingerStore(d, 2);
  ASSERT_TRUE(store->CreateGallery(TestGallery("faces")).ok());
  auto g = store->GetGallery("tenprints");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->modality, kFingerModality);
  EXPECT_EQ(g->model_id, kFingerModelId);
  EXPECT_EQ(g->model_sha256, FingerModelSha256());
  EXPECT_EQ(g->subjects, 2);
  EXPECT_EQ(g->templates, 4);
  EXPECT_EQ(store->GetGallery("faces")->modality, kFaceModality);

  // A face template in a finger gallery, a finger in a face gallery: refused.
  EnrollRequest face;
  face.subject_id = "f1";
  face.templates = {Input(1)};
  EXPECT_EQ(store->Enroll("tenprints", {&face, 1}).code(), Code::kFailedPrecondition);
  EnrollRequest finger = FingerSubject(9);
  EXPECT_EQ(store->Enroll("faces", {&finger, 1}).code(), Code::kFailedPrecondition);
  // Searching the wrong modality is refused, not answered with nothing.
  IdentifyParams ip;
  ip.threshold = 0.1f;
  EXPECT_EQ(store->Identify("tenprints", Input(1).tmpl, ip).status().code(),
            Code::kFailedPrecondition);
  const auto probe = Probe(0, 5);
  EXPECT_EQ(store->IdentifyFingers("faces", probe, ip).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(store->IdentifyFingers("tenprints", {}, ip).status().code(),
            Code::kInvalidArgument);
  // A finger gallery cannot be declared with a face model.
  GalleryInfo bad = FingerGallery("odd");
  bad.model_id = "mobilefacenet";
  bad.dim = 192;
  EXPECT_EQ(store->CreateGallery(bad).code(), Code::kInvalidArgument);
  GalleryInfo wrong = TestGallery("odd2");
  wrong.modality = "iris";
  EXPECT_EQ(store->CreateGallery(wrong).code(), Code::kInvalidArgument);
}

TEST(FingerGallery, SealedDurableAndSearchableAfterReopen) {
  ScratchDir d;
  constexpr int kSubjects = 12;
  IdentifyParams ip;
  ip.k = 3;
  ip.threshold = 0.05f;
  float before = 0;
  {
    auto store = FingerStore(d, kSubjects);
    auto r = store->IdentifyFingers("tenprints", Probe(4, 77), ip);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_FALSE(r->candidates.empty());
    EXPECT_EQ(r->candidates[0].subject_id, "p4");
    EXPECT_EQ(r->candidates[0].record_ref, "booking-4");
    EXPECT_EQ(r->gallery_subjects, kSubjects);
    before = r->candidates[0].score;
  }
  // Nothing of a template is readable on disk: look for the first minutia's
  // ISO bytes (x, y) of a known template in every file.
  const FingerTemplate known = Finger(3, 1);
  auto iso = finger::ExportIso19794_2(std::span<const FingerTemplate>(&known, 1));
  ASSERT_TRUE(iso.ok());
  const std::vector<uint8_t> minutiae(iso->begin() + 28 + 4, iso->begin() + 28 + 4 + 18);
  EXPECT_FALSE(AnyFileContains(d.store(), minutiae));
  EXPECT_TRUE(std::filesystem::exists(d.store() + "/fingers/00000001.seg"));

  auto store = OpenOrDie(d.store());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->open_stats().templates_loaded, 2 * kSubjects);
  auto g = store->GetGallery("tenprints");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->modality, kFingerModality);
  EXPECT_EQ(g->templates, 2 * kSubjects);
  auto r = store->IdentifyFingers("tenprints", Probe(4, 77), ip);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->candidates.empty());
  EXPECT_EQ(r->candidates[0].subject_id, "p4");
  EXPECT_FLOAT_EQ(r->candidates[0].score, before);
  for (size_t i = 1; i < r->candidates.size(); ++i) {
    EXPECT_LE(r->candidates[i].score, r->candidates[i - 1].score);
  }

  // The stored templates come back exactly, with the image kept for p0.
  auto s = store->GetSubject("tenprints", "p3", true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->templates.size(), 2u);
  EXPECT_EQ(s->templates[0].finger_position, 1);
  EXPECT_EQ(s->templates[0].model_id, kFingerModelId);
  ASSERT_TRUE(s->templates[0].finger.has_value());
  ASSERT_EQ(s->templates[0].finger->minutiae.size(), known.minutiae.size());
  auto p0 = store->GetSubject("tenprints", "p0", false);
  ASSERT_TRUE(p0.ok());
  EXPECT_FALSE(p0->templates[0].finger.has_value());
  ASSERT_TRUE(p0->templates[0].has_image);
  auto img = store->GetImage("tenprints", "p0", p0->templates[0].template_id);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(*img, FakeImage(1, 900));

  // 1:1: the mate matches, another subject does not, unknown is NOT_FOUND.
  VerifyParams vp;
  vp.threshold = 0.2f;
  auto v = store->VerifyFingers("tenprints", "p4", Probe(4, 77), vp);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->match);
  EXPECT_FLOAT_EQ(v->score, before);
  EXPECT_EQ(v->templates_compared, 2);
  v = store->VerifyFingers("tenprints", "p5", Probe(4, 77), vp);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->match);
  EXPECT_LT(v->score, before);
  EXPECT_EQ(store->VerifyFingers("tenprints", "nobody", Probe(4, 77), vp).status().code(),
            Code::kNotFound);
}

TEST(FingerGallery, SeveralFingersFuseAndOneFingerStillFinds) {
  ScratchDir d;
  auto store = FingerStore(d, 8);
  IdentifyParams ip;
  ip.threshold = 0.0f;
  auto two = store->IdentifyFingers("tenprints", Probe(6, 11), ip);
  ASSERT_TRUE(two.ok());
  ASSERT_FALSE(two->candidates.empty());
  EXPECT_EQ(two->candidates[0].subject_id, "p6");
  std::vector<FingerTemplate> one = {Probe(6, 11)[1]};
  auto single = store->IdentifyFingers("tenprints", one, ip);
  ASSERT_TRUE(single.ok());
  ASSERT_FALSE(single->candidates.empty());
  EXPECT_EQ(single->candidates[0].subject_id, "p6");
  // Appending a third finger to a subject makes it searchable at once.
  EnrollRequest more;
  more.subject_id = "p6";
  more.append_to_existing = true;
  more.templates = {FingerInput(6, 3)};
  ASSERT_TRUE(store->Enroll("tenprints", {&more, 1}).ok());
  std::vector<FingerTemplate> third = {SyntheticMate(Finger(6, 3), 3)};
  third[0].finger_position = 3;
  auto r = store->IdentifyFingers("tenprints", third, ip);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->candidates.empty());
  EXPECT_EQ(r->candidates[0].subject_id, "p6");
  EXPECT_EQ(store->GetSubject("tenprints", "p6", false)->templates.size(), 3u);
}

TEST(FingerGallery, DeleteForgetsTheSubjectAcrossReopen) {
  ScratchDir d;
  {
    auto store = FingerStore(d, 5);
    ASSERT_TRUE(store->DeleteSubject("tenprints", "p2").ok());
    IdentifyParams ip;
    ip.threshold = 0.0f;
    auto r = store->IdentifyFingers("tenprints", Probe(2, 9), ip);
    ASSERT_TRUE(r.ok());
    for (const auto& c : r->candidates) EXPECT_NE(c.subject_id, "p2");
    VerifyParams vp;
    EXPECT_EQ(store->VerifyFingers("tenprints", "p2", Probe(2, 9), vp).status().code(),
              Code::kNotFound);
    EXPECT_EQ(store->GetGallery("tenprints")->templates, 8);
  }
  auto store = OpenOrDie(d.store());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetGallery("tenprints")->subjects, 4);
  EXPECT_EQ(store->GetGallery("tenprints")->templates, 8);
  EXPECT_EQ(store->GetSubject("tenprints", "p2", false).status().code(), Code::kNotFound);
  // Enrollment goes on after a delete and a reopen.
  EnrollRequest again = FingerSubject(7);
  ASSERT_TRUE(store->Enroll("tenprints", {&again, 1}).ok());
}

TEST(FingerGallery, TornTailRecoveredDamageIsDataLoss) {
  ScratchDir d;
  { FingerStore(d, 3); }
  const std::string seg = d.store() + "/fingers/00000001.seg";
  const auto size = std::filesystem::file_size(seg);
  {  // A torn append (crash mid-write): garbage after the last committed record.
    std::ofstream f(seg, std::ios::binary | std::ios::app);
    f << "torn half-record";
  }
  {
    auto store = OpenOrDie(d.store());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->open_stats().tail_bytes_truncated, 16u);
    EXPECT_EQ(std::filesystem::file_size(seg), size);
    EnrollRequest more = FingerSubject(5);
    ASSERT_TRUE(store->Enroll("tenprints", {&more, 1}).ok());
  }
  {  // One flipped ciphertext byte in the first finger record.
    std::fstream f(seg, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(16 + 8 + 40);
    char c;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    f.seekp(16 + 8 + 40);
    f.write(&c, 1);
  }
  auto bad = Store::Open(d.store(), TestOptions());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kDataLoss);
  EXPECT_NE(bad.status().message().find("fingers/00000001.seg"), std::string::npos)
      << bad.status().ToString();
}

}  // namespace
}  // namespace candor
