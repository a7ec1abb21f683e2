// Copyright 2026 The Candor Authors.
//
// The store's compressed index kept on disk (gallery/persisted_index.h):
// reopened without decrypting the segments, adds searchable at once, deletes
// unfindable at once and after every crash window between the metadata commit
// and the index (simulated by putting back the index files of before), a
// reader beside the writer, damaged files rebuilt from the sealed segments.

#include "gallery/persisted_index.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "candor/gallery.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using gallery::testing::Input;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;

constexpr char kSpec[] = "IVF8,PQ16x4fs,TrainAt1000";

StoreOptions IvfOptions(const std::string& spec = kSpec) {
  StoreOptions o = TestOptions();
  o.index_spec = spec;
  return o;
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir, const StoreOptions& o) {
  auto s = Store::Open(dir, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

EnrollRequest Subject(int n) {
  EnrollRequest r;
  r.subject_id = "s" + std::to_string(n);
  r.templates.push_back(Input(static_cast<uint64_t>(n) * 7 + 1));
  return r;
}

// The best candidate's subject for subject n's own template ("" if none).
std::string Best(Store& store, int n) {
  IdentifyParams ip;
  ip.k = 3;
  ip.threshold = 0.5f;
  auto r = store.Identify("licences", RandomTemplate(static_cast<uint64_t>(n) * 7 + 1), ip);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && !r->candidates.empty() ? r->candidates[0].subject_id : "";
}

// A store with `n` subjects s0..s{n-1} behind a trained, persisted index.
void Fill(const std::string& dir, int n) {
  auto store = OpenOrDie(dir, IvfOptions());
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> batch;
  for (int i = 0; i < n; ++i) batch.push_back(Subject(i));
  ASSERT_TRUE(store->Enroll("licences", batch).ok());
}

std::string IndexDir(const ScratchDir& d) { return gallery::GalleryIndexDir(d.store(), 1); }

void CopyDir(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

TEST(PersistedIndex, ReopensFromItsFilesWithoutReadingTheSegments) {
  ScratchDir d;
  Fill(d.store(), 1200);
  ASSERT_TRUE(fs::exists(IndexDir(d) + "/MANIFEST"));
  // Default options (index_spec ""): the gallery's own index files are used.
  StoreOptions dflt = TestOptions(7);
  dflt.index_spec = "";
  auto store = OpenOrDie(d.store(), dflt);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->open_stats().templates_from_index, 1200);
  EXPECT_EQ(store->open_stats().templates_loaded, 0);
  EXPECT_TRUE(store->open_stats().index_rebuilt.empty()) << store->open_stats().index_rebuilt;
  auto g = store->GetGallery("licences");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->templates, 1200);
  EXPECT_EQ(g->index.rfind(kSpec, 0), 0u) << g->index;
  EXPECT_NE(g->index.find("files=encrypted"), std::string::npos) << g->index;
  EXPECT_FALSE(g->index_recall.exact);
  for (int n : {0, 17, 611, 1199}) EXPECT_EQ(Best(*store, n), "s" + std::to_string(n));
}

TEST(PersistedIndex, AddsAndDeletesAreSearchedAtOnceAndSurviveReopen) {
  ScratchDir d;
  Fill(d.store(), 1200);
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    ASSERT_TRUE(store->Enroll("licences", std::vector<EnrollRequest>{Subject(5000)}).ok());
    EXPECT_EQ(Best(*store, 5000), "s5000");
    ASSERT_TRUE(store->DeleteSubject("licences", "s17").ok());
    EXPECT_EQ(Best(*store, 17), "");
  }
  auto store = OpenOrDie(d.store(), IvfOptions());
  EXPECT_EQ(store->open_stats().templates_from_index, 1200);  // 1200 + 1 - 1, none decrypted
  EXPECT_EQ(store->open_stats().templates_loaded, 0);
  EXPECT_EQ(Best(*store, 5000), "s5000");
  EXPECT_EQ(Best(*store, 17), "");
  EXPECT_EQ(Best(*store, 18), "s18");
}

// A crash after the metadata commit of an enrollment, before the index add:
// the index files of before come back; the open adds what they lack.
TEST(PersistedIndex, EnrollmentTheIndexMissedIsAddedAtOpen) {
  ScratchDir d;
  Fill(d.store(), 1200);
  const std::string saved = d.path() + "/saved-index";
  CopyDir(IndexDir(d), saved);
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    std::vector<EnrollRequest> batch{Subject(7000), Subject(7001)};
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
  }
  CopyDir(saved, IndexDir(d));
  auto store = OpenOrDie(d.store(), IvfOptions());
  EXPECT_EQ(store->open_stats().templates_loaded, 2);
  EXPECT_EQ(store->open_stats().templates_from_index, 1200);
  EXPECT_EQ(Best(*store, 7000), "s7000");
  EXPECT_EQ(Best(*store, 7001), "s7001");
  EXPECT_EQ(store->GetGallery("licences")->templates, 1202);
}

// A crash after a deletion's metadata commit, before the index removal: the
// index of before still holds the subject; the open removes it before any
// search, durably.
TEST(PersistedIndex, DeletionTheIndexMissedIsRemovedAtOpen) {
  ScratchDir d;
  Fill(d.store(), 1200);
  const std::string saved = d.path() + "/saved-index";
  CopyDir(IndexDir(d), saved);
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    ASSERT_TRUE(store->DeleteSubject("licences", "s42").ok());
  }
  CopyDir(saved, IndexDir(d));
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    EXPECT_EQ(store->open_stats().index_entries_removed, 1);
    EXPECT_EQ(Best(*store, 42), "");
    EXPECT_EQ(Best(*store, 43), "s43");
  }
  auto store = OpenOrDie(d.store(), IvfOptions());
  EXPECT_EQ(store->open_stats().index_entries_removed, 0);  // the removal was durable
  EXPECT_EQ(Best(*store, 42), "");
}

TEST(PersistedIndex, ReaderBesideTheWriterUsesTheFilesAndWritesNothing) {
  ScratchDir d;
  Fill(d.store(), 1200);
  auto writer = OpenOrDie(d.store(), IvfOptions());
  auto snapshot = [&] {
    std::vector<std::pair<std::string, uintmax_t>> v;
    for (const auto& e : fs::directory_iterator(IndexDir(d))) {
      v.emplace_back(e.path().filename().string(), e.file_size());
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  const auto before = snapshot();
  StoreOptions ro = TestOptions();
  ro.index_spec = "";
  ro.read_only = true;
  {
    auto reader = OpenOrDie(d.store(), ro);
    EXPECT_EQ(reader->open_stats().templates_from_index, 1200);
    EXPECT_EQ(Best(*reader, 99), "s99");
  }
  EXPECT_EQ(snapshot(), before);
  // The writer moves on: a reader opened now sees the new subject (the files
  // and the metadata agree again), and one that disagrees searches in memory.
  ASSERT_TRUE(writer->Enroll("licences", std::vector<EnrollRequest>{Subject(8000)}).ok());
  auto reader = OpenOrDie(d.store(), ro);
  EXPECT_EQ(Best(*reader, 8000), "s8000");
  ASSERT_TRUE(writer->DeleteSubject("licences", "s99").ok());
  EXPECT_EQ(Best(*reader, 99), "");  // removed by the writer after the reader opened
}

TEST(PersistedIndex, DamagedFilesAreRebuiltFromTheSealedSegments) {
  ScratchDir d;
  Fill(d.store(), 1200);
  {
    std::FILE* f = std::fopen((IndexDir(d) + "/MANIFEST").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 3, SEEK_SET);
    std::fputc('#', f);
    std::fclose(f);
  }
  auto store = OpenOrDie(d.store(), IvfOptions());
  EXPECT_NE(store->open_stats().index_rebuilt.find("gallery 'licences'"), std::string::npos);
  EXPECT_EQ(store->open_stats().templates_loaded, 1200);
  EXPECT_EQ(Best(*store, 300), "s300");
}

TEST(PersistedIndex, AFlatSpecRemovesTheFilesAndANewSpecRebuildsThem) {
  ScratchDir d;
  Fill(d.store(), 1200);
  {
    auto store = OpenOrDie(d.store(), IvfOptions("IVF4,PQ8x4fs,TrainAt1000"));
    EXPECT_NE(store->open_stats().index_rebuilt.find("is not the requested"), std::string::npos);
    EXPECT_EQ(store->GetGallery("licences")->index.rfind("IVF4,PQ8x4fs", 0), 0u);
    EXPECT_EQ(Best(*store, 5), "s5");
  }
  {
    auto store = OpenOrDie(d.store(), IvfOptions("Flat,int8"));
    EXPECT_FALSE(fs::exists(IndexDir(d)));
    EXPECT_EQ(Best(*store, 5), "s5");
  }
}

TEST(PersistedIndex, TheFilesHoldNoPlaintextTemplate) {
  ScratchDir d;
  Fill(d.store(), 1200);
  // The int8 code of a template as the index would write it in plaintext is
  // not in any file; the key is derived per gallery, not the master key.
  const auto files = gallery::GalleryIndexFiles(d.store(), gallery::Key(std::span<const uint8_t, 32>(
                                                                  TestOptions().master_key)),
                                                1, false);
  EXPECT_EQ(files.key.size(), 32u);
  EXPECT_FALSE(std::equal(files.key.begin(), files.key.end(), TestOptions().master_key.begin()));
  auto opened = OpenIndex({IndexDir(d), {}, true});
  EXPECT_EQ(opened.status().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace candor

namespace candor {
namespace {

// The store's retraining policy: the compressed indexes it makes carry
// Retrain2 (kStoreRetrainGrowth) unless the spec gives its own (Retrain0
// included), appended to the spec as the caller wrote it; a spec that differs
// only in it (wherever the part stands) reuses the files (no rebuild) and
// applies its policy; RetuneGallery re-trains and re-measures on request, and
// refuses an exact gallery, an unknown one, and a read-only store.
TEST(PersistedIndex, TheStoresIndexesCarryARetrainPolicyAndRetuneOnRequest) {
  const auto with_policy = [](std::string_view spec) {
    return gallery::WithRetrainPolicy(spec, gallery::testing::kDim);
  };
  EXPECT_EQ(with_policy("Auto"), "Auto,Retrain2");
  EXPECT_EQ(with_policy("IVF8,PQ16x4fs,Retrain5"), "IVF8,PQ16x4fs,Retrain5");
  EXPECT_EQ(with_policy("IVF8,PQ16x4fs,Retrain0,Recall99"), "IVF8,PQ16x4fs,Retrain0,Recall99");
  EXPECT_EQ(with_policy("IVF8,PQ16x4fs,TrainAt20000"), "IVF8,PQ16x4fs,TrainAt20000,Retrain2");
  EXPECT_EQ(with_policy("Flat,int8"), "Flat,int8");
  EXPECT_EQ(with_policy("IVF8,Bogus"), "IVF8,Bogus");  // CreateIndex refuses it
  EXPECT_TRUE(gallery::IsPersistentSpec("Auto,Retrain3"));

  ScratchDir d;
  Fill(d.store(), 1200);
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    auto g = store->GetGallery("licences");
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->index.rfind(std::string(kSpec) + ",Retrain2 ", 0), 0u) << g->index;
    EXPECT_NE(g->index.find("retrains in the background at 2x"), std::string::npos) << g->index;
    const RecallReport before = g->index_recall;
    ASSERT_FALSE(before.exact);
    ASSERT_TRUE(store->Enroll("licences", std::vector<EnrollRequest>{Subject(5000), Subject(5001)}).ok());
    ASSERT_TRUE(store->DeleteSubject("licences", "s17").ok());
    ASSERT_TRUE(store->RetuneGallery("licences", /*wait=*/true).ok());
    g = store->GetGallery("licences");
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->index_recall.measured_at, 1201);  // measured again, at the gallery's size
    EXPECT_GE(g->index_recall.measured, g->index_recall.target);
    EXPECT_EQ(Best(*store, 5001), "s5001");
    EXPECT_EQ(Best(*store, 17), "");
    EXPECT_EQ(Best(*store, 611), "s611");
    EXPECT_EQ(store->RetuneGallery("nowhere", true).code(), Code::kNotFound);
  }
  {
    // Another policy on the same files: reused as they are, the new policy in force.
    auto store = OpenOrDie(d.store(), IvfOptions("IVF8,PQ16x4fs,Retrain3,TrainAt1000"));
    EXPECT_TRUE(store->open_stats().index_rebuilt.empty()) << store->open_stats().index_rebuilt;
    EXPECT_EQ(store->open_stats().templates_from_index, 1201);
    auto g = store->GetGallery("licences");
    ASSERT_TRUE(g.ok());
    EXPECT_NE(g->index.find("retrains in the background at 3x"), std::string::npos) << g->index;
    EXPECT_EQ(g->index_recall.measured_at, 1201);  // the retune survived the reopen
    EXPECT_EQ(Best(*store, 17), "");
  }
  StoreOptions ro = IvfOptions();
  ro.read_only = true;
  auto reader = OpenOrDie(d.store(), ro);
  EXPECT_EQ(reader->RetuneGallery("licences", true).code(), Code::kFailedPrecondition);
  ScratchDir flat;
  auto exact = OpenOrDie(flat.store(), TestOptions());
  ASSERT_TRUE(exact->CreateGallery(TestGallery()).ok());
  ASSERT_TRUE(exact->Enroll("licences", std::vector<EnrollRequest>{Subject(1)}).ok());
  const Status st = exact->RetuneGallery("licences", true);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("searched exactly"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace candor
