// Copyright 2026 The Candor Authors.
//
// Store behaviour: data model validation, enrollment, reopen, verify and
// identify, bad input, wrong key, single writer, disk full, corruption and
// concurrent readers.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "candor/gallery.h"
#include "gallery/segment.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::testing::AnyFileContains;
using gallery::testing::Input;
using gallery::testing::kDim;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;

EnrollRequest Subject(const std::string& id, uint64_t seed, int templates = 1) {
  EnrollRequest r;
  r.subject_id = id;
  r.record_ref = "rec-" + id;
  for (int i = 0; i < templates; ++i) r.templates.push_back(Input(seed * 100 + i));
  return r;
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir, StoreOptions o = TestOptions()) {
  auto s = Store::Open(dir, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(GalleryInfo, ValidatesEveryField) {
  EXPECT_TRUE(ValidateGalleryInfo(TestGallery()).ok());
  auto bad = [](auto mutate) {
    GalleryInfo g = TestGallery();
    mutate(g);
    return ValidateGalleryInfo(g).code();
  };
  EXPECT_EQ(bad([](GalleryInfo& g) { g.name = "bad name"; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.description.clear(); }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.legal_basis.clear(); }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.retention_class = "forever"; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.allowed_search_bases.clear(); }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.allowed_search_bases = {"a", "a"}; }),
            Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.allowed_search_bases = {"No Caps"}; }),
            Code::kInvalidArgument);
  EXPECT_EQ(bad([](GalleryInfo& g) { g.retention_class = "indefinite"; }), Code::kOk);
}

TEST(Store, MissingStoreIsNotFoundUnlessCreated) {
  ScratchDir dir;
  StoreOptions o = TestOptions();
  o.create_if_missing = false;
  EXPECT_EQ(Store::Open(dir.store(), o).status().code(), Code::kNotFound);
}

TEST(Store, EnrollPersistsAndReloadsAcrossReopen) {
  ScratchDir dir;
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    EXPECT_EQ(store->CreateGallery(TestGallery()).code(), Code::kAlreadyExists);
    std::vector<EnrollRequest> batch;
    for (int i = 0; i < 50; ++i) batch.push_back(Subject("s" + std::to_string(i), i, 1 + i % 3));
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
  }
  auto store = OpenOrDie(dir.store());
  EXPECT_EQ(store->open_stats().templates_loaded, 17 * 1 + 17 * 2 + 16 * 3);
  auto g = store->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->subjects, 50);
  EXPECT_EQ(g->model_id, "testnet");
  EXPECT_EQ(g->dim, kDim);
  EXPECT_EQ(g->retention_class, "P10Y");
  EXPECT_EQ(g->allowed_search_bases, (std::vector<std::string>{"warrant", "court-order"}));
  auto s = store->GetSubject("licences", "s7", true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->record_ref, "rec-s7");
  ASSERT_EQ(s->templates.size(), 2u);
  EXPECT_EQ(s->templates[1].values, RandomTemplate(701).values);
  EXPECT_EQ(s->templates[0].image_sha256, Sha256(std::to_string(700)));
  auto has = store->HasImage("licences", Sha256(std::to_string(700)));
  ASSERT_TRUE(has.ok());
  EXPECT_TRUE(*has);
  EXPECT_FALSE(*store->HasImage("licences", Sha256("never enrolled")));
}

// Template ids given by the caller (a cluster replica numbers templates from
// the log): kept, found by searches, kept across a reopen; they only grow, and
// the store numbers its own after them.
TEST(Store, TemplateIdsGivenByTheCallerOnlyGrow) {
  ScratchDir dir;
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    EnrollRequest a = Subject("a", 1, 2);
    a.templates[0].template_id = 5000;
    a.templates[1].template_id = 5001;
    EnrollRequest b = Subject("b", 2);
    b.templates[0].template_id = 9000;
    ASSERT_TRUE(store->Enroll("licences", std::vector{a, b}).ok());
    // Below the next id: refused, nothing written.
    EnrollRequest low = Subject("c", 3);
    low.templates[0].template_id = 8999;
    const Status refused = store->Enroll("licences", std::vector{low});
    EXPECT_EQ(refused.code(), Code::kInvalidArgument) << refused.ToString();
    EXPECT_NE(refused.message().find("below the store's next id 9001"), std::string::npos)
        << refused.message();
    EXPECT_EQ(store->GetSubject("licences", "c", false).status().code(), Code::kNotFound);
    ASSERT_TRUE(store->Enroll("licences", std::vector{Subject("d", 4)}).ok());  // numbered by the store
  }
  auto store = OpenOrDie(dir.store());
  auto a = store->GetSubject("licences", "a", false);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->templates.size(), 2u);
  EXPECT_EQ(a->templates[0].template_id, 5000);
  EXPECT_EQ(a->templates[1].template_id, 5001);
  auto d = store->GetSubject("licences", "d", false);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->templates[0].template_id, 9001);
  IdentifyParams p;
  p.threshold = 0.9f;
  auto hit = store->Identify("licences", RandomTemplate(200), p);  // b's template
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  ASSERT_EQ(hit->candidates.size(), 1u);
  EXPECT_EQ(hit->candidates[0].subject_id, "b");
  EXPECT_EQ(hit->candidates[0].template_id, 9000);
  EnrollRequest next = Subject("e", 5);
  next.templates[0].template_id = 9001;  // taken by d: below the next id after the reopen too
  EXPECT_EQ(store->Enroll("licences", std::vector{next}).code(), Code::kInvalidArgument);
}

// The compressed index behind the store: identification still finds the mate,
// and GetGallery reports which index answers and its measured recall.
TEST(Store, IdentifiesThroughTheCompressedIndex) {
  ScratchDir dir;
  StoreOptions o = TestOptions();
  o.index_spec = "IVF8,PQ16x4fs,TrainAt1000";
  {
    auto store = OpenOrDie(dir.store(), o);
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    auto g = store->GetGallery("licences");
    ASSERT_TRUE(g.ok());
    EXPECT_TRUE(g->index.empty());  // no template yet, no index
    std::vector<EnrollRequest> batch;
    for (int i = 0; i < 600; ++i) batch.push_back(Subject("s" + std::to_string(i), i, 2));
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
  }
  auto store = OpenOrDie(dir.store(), o);  // reloaded templates train the index again
  auto g = store->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->index.rfind("IVF8,PQ16x4fs", 0), 0u) << g->index;
  EXPECT_FALSE(g->index_recall.exact);
  EXPECT_EQ(g->index_recall.nlist, 8);
  EXPECT_EQ(g->index_recall.measured_at, 1200);
  EXPECT_GE(g->index_recall.measured, 0.995);
  Template probe = RandomTemplate(4201);
  Template noise = RandomTemplate(999999);
  for (int i = 0; i < kDim; ++i) probe.values[i] = 0.8f * probe.values[i] + 0.6f * noise.values[i];
  IdentifyParams ip;
  ip.k = 5;
  ip.threshold = 0.5f;
  auto r = store->Identify("licences", probe, ip);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0].subject_id, "s42");
  ASSERT_TRUE(store->DeleteSubject("licences", "s42").ok());
  r = store->Identify("licences", probe, ip);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->candidates.empty());
}

TEST(Store, IdentifyAndVerify) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  GalleryInfo g = TestGallery();
  g.subject_score = kSubjectScoreMax;  // scored by the best template (the probe is near one)
  ASSERT_TRUE(store->CreateGallery(g).ok());
  std::vector<EnrollRequest> batch;
  for (int i = 0; i < 200; ++i) batch.push_back(Subject("s" + std::to_string(i), i, 2));
  ASSERT_TRUE(store->Enroll("licences", batch).ok());

  // A probe near subject 42's second template.
  Template probe = RandomTemplate(4201);
  Template noise = RandomTemplate(999999);
  for (int i = 0; i < kDim; ++i) probe.values[i] = 0.8f * probe.values[i] + 0.6f * noise.values[i];
  IdentifyParams ip;
  ip.k = 5;
  ip.threshold = 0.5f;
  ip.fpir = [](float score, int64_t n) { return n * 1e-4 * (1.0 - score); };
  auto r = store->Identify("licences", probe, ip);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_FALSE(r->no_candidate_above_threshold);
  EXPECT_EQ(r->candidates[0].subject_id, "s42");
  EXPECT_EQ(r->candidates[0].record_ref, "rec-s42");
  EXPECT_NEAR(r->candidates[0].score, 0.8f, 0.15f);
  ASSERT_TRUE(r->candidates[0].fpir.has_value());
  EXPECT_EQ(r->gallery_subjects, 200);

  // k distinct subjects when the threshold admits everyone.
  ip.threshold = -1.0f;
  ip.k = 10;
  r = store->Identify("licences", probe, ip);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->candidates.size(), 10u);
  std::set<std::string> ids;
  for (const auto& c : r->candidates) ids.insert(c.subject_id);
  EXPECT_EQ(ids.size(), 10u);
  for (size_t i = 1; i < r->candidates.size(); ++i) {
    EXPECT_GE(r->candidates[i - 1].score, r->candidates[i].score);
  }

  // An unrelated probe: the explicit "no candidate above threshold" outcome.
  ip.threshold = 0.5f;
  r = store->Identify("licences", RandomTemplate(123456789), ip);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->no_candidate_above_threshold);
  EXPECT_TRUE(r->candidates.empty());

  VerifyParams vp;
  vp.threshold = 0.5f;
  vp.fmr = [](float s) { return 1.0 - s; };
  auto v = store->Verify("licences", "s42", probe, vp);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->match);
  EXPECT_EQ(v->templates_compared, 2);
  EXPECT_NEAR(v->score, 0.8f, 0.15f);
  ASSERT_TRUE(v->fmr.has_value());
  v = store->Verify("licences", "s43", probe, vp);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->match);
  EXPECT_LT(v->score, 0.4f);
  EXPECT_EQ(store->Verify("licences", "nobody", probe, vp).status().code(), Code::kNotFound);
}

TEST(Store, RefusesBadInput) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> one = {Subject("a", 1)};
  EXPECT_EQ(store->Enroll("nope", one).code(), Code::kNotFound);
  ASSERT_TRUE(store->Enroll("licences", one).ok());
  // Duplicate subject id.
  EXPECT_EQ(store->Enroll("licences", one).code(), Code::kAlreadyExists);
  // Same id twice in one batch.
  std::vector<EnrollRequest> twice = {Subject("b", 2), Subject("b", 3)};
  EXPECT_EQ(store->Enroll("licences", twice).code(), Code::kInvalidArgument);
  // Appending to an existing subject is explicit.
  one[0].append_to_existing = true;
  one[0].templates = {Input(77)};
  ASSERT_TRUE(store->Enroll("licences", one).ok());
  EXPECT_EQ(store->GetSubject("licences", "a", false)->templates.size(), 2u);

  // A template from another model, another build of the model, another
  // dimension or another format version is refused, and nothing is stored.
  std::vector<EnrollRequest> other = {Subject("c", 4)};
  other[0].templates[0].tmpl.model_id = "othernet";
  EXPECT_EQ(store->Enroll("licences", other).code(), Code::kFailedPrecondition);
  other = {Subject("c", 4)};
  other[0].templates[0].tmpl.model_sha256[0] ^= 1;
  EXPECT_EQ(store->Enroll("licences", other).code(), Code::kFailedPrecondition);
  other = {Subject("c", 4)};
  other[0].templates[0].tmpl = RandomTemplate(5, 64);
  EXPECT_EQ(store->Enroll("licences", other).code(), Code::kFailedPrecondition);
  other = {Subject("c", 4)};
  other[0].templates[0].tmpl.format_version = 2;
  EXPECT_EQ(store->Enroll("licences", other).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store->GetSubject("licences", "c", false).status().code(), Code::kNotFound);
  IdentifyParams ip;
  EXPECT_EQ(store->Identify("licences", RandomTemplate(1, 64), ip).status().code(),
            Code::kFailedPrecondition);
  // Malformed requests.
  std::vector<EnrollRequest> empty = {Subject("d", 5)};
  empty[0].templates.clear();
  EXPECT_EQ(store->Enroll("licences", empty).code(), Code::kInvalidArgument);
  std::vector<EnrollRequest> nan = {Subject("e", 6)};
  nan[0].templates[0].tmpl.values[3] = std::nanf("");
  EXPECT_EQ(store->Enroll("licences", nan).code(), Code::kInvalidArgument);
  std::vector<EnrollRequest> noid = {Subject("", 7)};
  EXPECT_EQ(store->Enroll("licences", noid).code(), Code::kInvalidArgument);
  ip.k = 0;
  EXPECT_EQ(store->Identify("licences", RandomTemplate(1), ip).status().code(),
            Code::kInvalidArgument);
}

// One rule for subject ids, applied by Enroll (the API and the CLI both enroll
// through it): ids that would not survive a URL path, a file name or a CSV
// field unquoted are refused, without echoing the id.
TEST(Store, SubjectIdsFollowOneDocumentedRule) {
  for (const char* good : {"a", "Aaron_Peirsol", "s1", "A-1:b@c.d", "0"}) {
    EXPECT_TRUE(ValidateSubjectId(good).ok()) << good;
  }
  const std::string longest(kMaxSubjectIdBytes, 'x');
  EXPECT_TRUE(ValidateSubjectId(longest).ok());
  for (const std::string bad :
       {std::string(), longest + "x", std::string("a/b"), std::string("../x"),
        std::string("x y"), std::string("-x"), std::string(".hidden"), std::string("a?b"),
        std::string("a%2Fb"), std::string("caf\xc3\xa9"), std::string("a\nb"),
        std::string("a,b"), std::string("a\"b")}) {
    Status s = ValidateSubjectId(bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    if (bad.size() > 1) EXPECT_EQ(s.message().find(bad), std::string::npos) << s.message();
  }
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> slash = {Subject("a/b", 1)};
  Status s = store->Enroll("licences", slash);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("[A-Za-z0-9._:@-]"), std::string::npos) << s.ToString();
  EXPECT_EQ(store->GetGallery("licences")->subjects, 0);
}

TEST(Store, WrongKeyIsRefusedClearly) {
  ScratchDir dir;
  { ASSERT_TRUE(OpenOrDie(dir.store())->CreateGallery(TestGallery()).ok()); }
  auto s = Store::Open(dir.store(), TestOptions(/*key_seed=*/8));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnauthenticated);
  EXPECT_NE(s.status().message().find("wrong key"), std::string::npos);
}

TEST(Store, SecondWriterIsRefusedReadersAreNot) {
  ScratchDir dir;
  auto writer = OpenOrDie(dir.store());
  ASSERT_TRUE(writer->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> one = {Subject("a", 1)};
  ASSERT_TRUE(writer->Enroll("licences", one).ok());
  auto second = Store::Open(dir.store(), TestOptions());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())),
            std::string::npos)
      << second.status().message();
  StoreOptions ro = TestOptions();
  ro.read_only = true;
  auto reader = OpenOrDie(dir.store(), ro);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->open_stats().templates_loaded, 1);
  EXPECT_EQ(reader->Enroll("licences", one).code(), Code::kFailedPrecondition);
  writer.reset();
  EXPECT_TRUE(Store::Open(dir.store(), TestOptions()).ok());
}

TEST(Store, DiskFullFailsCleanlyAndLeavesNothingHalfWritten) {
  ScratchDir dir;
  gallery::testing::FullDiskEnv env;
  StoreOptions o = TestOptions();
  o.env = &env;
  auto store = OpenOrDie(dir.store(), o);
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> first = {Subject("kept", 1)};
  ASSERT_TRUE(store->Enroll("licences", first).ok());
  const std::string seg = gallery::SegmentPath(dir.store() + "/segments", 1);
  const auto size_before = std::filesystem::file_size(seg);
  // The disk fills part-way through the second record of a three-subject batch.
  env.FailAfter(900);
  std::vector<EnrollRequest> batch = {Subject("x", 2), Subject("y", 3), Subject("z", 4)};
  Status s = store->Enroll("licences", batch);
  EXPECT_EQ(s.code(), Code::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find("disk full"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(seg), size_before);
  for (const char* id : {"x", "y", "z"}) {
    EXPECT_EQ(store->GetSubject("licences", id, false).status().code(), Code::kNotFound);
  }
  // Space comes back: the store goes on working, and reopens with exactly the
  // acknowledged subjects.
  env.Reset();
  ASSERT_TRUE(store->Enroll("licences", batch).ok());
  store.reset();
  auto again = OpenOrDie(dir.store(), o);
  EXPECT_EQ(again->open_stats().templates_loaded, 4);
  EXPECT_EQ(again->open_stats().tail_bytes_truncated, 0u);
  EXPECT_EQ(again->GetSubject("licences", "y", true)->templates[0].values,
            RandomTemplate(300).values);
}

TEST(Store, TornTailIsTruncatedMiddleCorruptionIsDataLoss) {
  ScratchDir dir;
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    std::vector<EnrollRequest> batch;
    for (int i = 0; i < 10; ++i) batch.push_back(Subject("s" + std::to_string(i), i));
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
  }
  const std::string seg = gallery::SegmentPath(dir.store() + "/segments", 1);
  const auto size = std::filesystem::file_size(seg);
  {  // A crash mid-append leaves half a record at the tail.
    std::ofstream out(seg, std::ios::binary | std::ios::app);
    std::string half(300, '\x5a');
    out.write(half.data(), static_cast<std::streamsize>(half.size()));
  }
  {
    auto store = OpenOrDie(dir.store());
    EXPECT_EQ(store->open_stats().tail_bytes_truncated, 300u);
    EXPECT_EQ(store->open_stats().templates_loaded, 10);
  }
  EXPECT_EQ(std::filesystem::file_size(seg), size);

  // Flip a byte inside the fourth record: DATA_LOSS naming file and offset.
  const uint64_t rec = gallery::kRecordHeaderBytes + 24 + kDim * 4 + 40;
  const uint64_t offset = gallery::kSegmentHeaderBytes + 3 * rec;
  {
    // XOR, not overwrite: ciphertext bytes are random and may already hold any value.
    std::fstream f(seg, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(static_cast<std::streamoff>(offset + 100));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(offset + 100));
    f.put(static_cast<char>(c ^ 0x01));
  }
  auto s = Store::Open(dir.store(), TestOptions());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kDataLoss);
  EXPECT_NE(s.status().message().find(seg + " at offset " + std::to_string(offset)),
            std::string::npos)
      << s.status().message();
  // The file was not "repaired" by truncation: the evidence stays.
  EXPECT_EQ(std::filesystem::file_size(seg), size);

  // A missing segment is also DATA_LOSS.
  std::filesystem::remove(seg);
  EXPECT_EQ(Store::Open(dir.store(), TestOptions()).status().code(), Code::kDataLoss);
}

// Where a string occurs in a file, or -1.
int64_t FindInFile(const std::string& path, std::string_view needle) {
  auto bytes = gallery::testing::ReadAll(path);
  auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  return it == bytes.end() ? -1 : it - bytes.begin();
}

TEST(Store, CorruptMetadataDatabaseIsAClearError) {
  // Three kinds of damage: the file header, a b-tree page header (caught by
  // quick_check) and a subject's external id inside a row (caught because the
  // wrapped key's AEAD binds the row).
  for (int kind = 0; kind < 3; ++kind) {
    ScratchDir dir;
    {
      auto store = OpenOrDie(dir.store());
      ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
      std::vector<EnrollRequest> batch;
      for (int i = 0; i < 300; ++i) batch.push_back(Subject("subject-" + std::to_string(i), i));
      ASSERT_TRUE(store->Enroll("licences", batch).ok());
    }
    const std::string db = dir.store() + "/store.db";
    int64_t where = kind == 0 ? 0 : kind == 1 ? 4096 : FindInFile(db, "subject-150");
    ASSERT_GE(where, 0);
    {
      std::fstream f(db, std::ios::binary | std::ios::in | std::ios::out);
      f.seekp(static_cast<std::streamoff>(where));
      std::string junk = kind == 2 ? std::string("subject-15X") : std::string(16, '\xa5');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto s = Store::Open(dir.store(), TestOptions());
    ASSERT_FALSE(s.ok()) << "corruption of kind " << kind << " went unnoticed";
    EXPECT_EQ(s.status().code(), Code::kDataLoss) << s.status().ToString();
    EXPECT_NE(s.status().message().find(kind == 2 ? "subject row" : "store.db"),
              std::string::npos)
        << s.status().message();
  }
}

TEST(Store, NoPlaintextTemplateReachesTheDisk) {
  ScratchDir dir;
  Template t = RandomTemplate(31337);
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    EnrollRequest r;
    r.subject_id = "p";
    r.templates.push_back(gallery::testing::Input(31337));
    std::vector<EnrollRequest> one = {r};
    ASSERT_TRUE(store->Enroll("licences", one).ok());
    // Still open (WAL not checkpointed on close yet): scan now and after.
    const auto* bytes = reinterpret_cast<const uint8_t*>(t.values.data());
    for (size_t off : {size_t{0}, size_t{200}}) {
      std::string where;
      EXPECT_FALSE(AnyFileContains(dir.store(), std::span(bytes + off, 32), &where)) << where;
    }
    auto back = store->GetSubject("licences", "p", true);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->templates[0].values, t.values);  // it is stored, just not in the clear
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(t.values.data());
  std::string where;
  EXPECT_FALSE(AnyFileContains(dir.store(), std::span(bytes, 32), &where)) << where;
}

TEST(Store, ConcurrentReadersNeverSeeAHalfEnrolledSubject) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  GalleryInfo g = TestGallery();
  g.subject_score = kSubjectScoreMax;  // the probe is one of the templates: scores 1 under max
  ASSERT_TRUE(store->CreateGallery(g).ok());
  std::atomic<bool> done{false};
  std::atomic<int> violations{0}, checks{0};
  // Every subject has 3 templates; the probe is its first template, so a
  // visible subject must verify with 3 templates compared.
  auto reader = [&] {
    IdentifyParams ip;
    ip.k = 1;
    ip.threshold = 0.99f;
    VerifyParams vp;
    vp.threshold = 0.99f;
    int i = 0;
    while (!done.load()) {
      const int n = i++ % 40;
      auto r = store->Identify("licences", RandomTemplate(n * 100ull), ip);
      if (!r.ok()) { ++violations; continue; }
      if (!r->candidates.empty()) {
        auto v = store->Verify("licences", "s" + std::to_string(n), RandomTemplate(n * 100ull), vp);
        if (!v.ok() || v->templates_compared != 3 || !v->match) ++violations;
        auto s = store->GetSubject("licences", "s" + std::to_string(n), false);
        if (!s.ok() || s->templates.size() != 3) ++violations;
        ++checks;
      }
    }
  };
  std::thread r1(reader), r2(reader);
  for (int i = 0; i < 40; ++i) {
    std::vector<EnrollRequest> one = {Subject("s" + std::to_string(i), i, 3)};
    ASSERT_TRUE(store->Enroll("licences", one).ok());
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(checks.load(), 0);
}

}  // namespace
}  // namespace candor
