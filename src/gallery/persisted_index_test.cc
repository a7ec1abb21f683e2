// Copyright 2026 The Candor Authors.
//
// The store's compressed index kept on disk (gallery/persisted_index.h):
// reopened without decrypting the segments, adds searchable at once, deletes
// unfindable at once and after every crash window between the metadata commit
// and the index (simulated by putting back the index files of before), a
// reader beside the writer, damaged files rebuilt from the sealed segments, a
// spec that does not parse refused before any file is touched.

#include "gallery/persisted_index.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "candor/gallery.h"
#include "common/hash.h"
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
  EXPECT_EQ(with_policy("IVF8,Bogus"), "IVF8,Bogus");  // CheckIndexSpec refuses it:
  EXPECT_EQ(gallery::CheckIndexSpec("IVF8,Bogus", gallery::testing::kDim).code(), Code::kInvalidArgument);
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

namespace candor {
namespace {

// Every file under `dir`: its path below it, size, SHA-256, inode and mtime.
std::map<std::string, std::string> FilesOf(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    struct stat st {};
    EXPECT_EQ(::stat(e.path().c_str(), &st), 0) << e.path();
    auto sha = Sha256File(e.path());
    EXPECT_TRUE(sha.ok()) << sha.status().ToString();
    out[fs::relative(e.path(), dir).string()] =
        std::to_string(st.st_size) + " " + (sha.ok() ? HexDigest(*sha) : "?") + " inode " +
        std::to_string(st.st_ino) + " mtime " + std::to_string(st.st_mtim.tv_sec) + "." +
        std::to_string(st.st_mtim.tv_nsec);
  }
  return out;
}

// The full candidate lists for subjects `ns`' own templates.
std::vector<std::string> Answers(Store& store, const std::vector<int>& ns) {
  std::vector<std::string> out;
  for (int n : ns) {
    IdentifyParams ip;
    ip.k = 5;
    auto r = store.Identify("licences", RandomTemplate(static_cast<uint64_t>(n) * 7 + 1), ip);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::string line;
    if (r.ok()) {
      for (const auto& c : r->candidates) line += c.subject_id + ":" + std::to_string(c.score) + " ";
    }
    out.push_back(line);
  }
  return out;
}

// A spec that does not parse (or does not fit the gallery's dimension) is
// refused with INVALID_ARGUMENT naming the bad part before anything on disk
// is touched, by a writer and a reader alike: the index files stay
// byte-identical (same inodes, same mtimes), and the next open with the good
// spec, or with none, reuses them without a rebuild.
TEST(PersistedIndex, ABadSpecIsRefusedBeforeTheIndexFilesAreTouched) {
  ScratchDir d;
  Fill(d.store(), 1200);
  const std::vector<int> probes{0, 17, 611, 1199};
  std::vector<std::string> answers;
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    ASSERT_NE(store, nullptr);
    answers = Answers(*store, probes);
  }
  const auto before = FilesOf(IndexDir(d));
  ASSERT_TRUE(before.count("MANIFEST")) << before.size();
  const std::pair<const char*, const char*> bad[] = {
      {"IVF8,PQ16x4fs,TrainAt1000,Bogus", "'Bogus'"},
      {"IVF4096,PQ64x4fs,Bogus", "'Bogus'"},
      {"Retrain1", "'Retrain1'"},
      {"IVF8,PQ256x4fs,TrainAt1000", "'PQ256x4fs'"},  // parses, but not for 128 dimensions
      {"Flat,int4", "'Flat,int4'"},
      {"Auto,TrainAt1000", "'TrainAt1000'"},
  };
  for (bool read_only : {false, true}) {
    for (const auto& [spec, part] : bad) {
      StoreOptions o = IvfOptions(spec);
      o.read_only = read_only;
      auto s = Store::Open(d.store(), o);
      ASSERT_FALSE(s.ok()) << spec;
      EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << s.status().ToString();
      EXPECT_NE(s.status().message().find(part), std::string::npos) << s.status().ToString();
      ASSERT_EQ(FilesOf(IndexDir(d)), before) << spec << (read_only ? " (reader)" : "");
    }
  }
  StoreOptions none = IvfOptions("");
  for (const StoreOptions& o : {IvfOptions(), none}) {
    auto store = OpenOrDie(d.store(), o);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->open_stats().index_rebuilt.empty()) << store->open_stats().index_rebuilt;
    EXPECT_EQ(store->open_stats().templates_from_index, 1200);
    EXPECT_EQ(store->open_stats().templates_loaded, 0);
    EXPECT_EQ(Answers(*store, probes), answers);
  }
}

// A spec that one gallery's dimension cannot take is refused before any
// gallery's files change, also those of a gallery opened before it that could
// take it (and would be rebuilt under it).
TEST(PersistedIndex, ASpecOneGalleryCannotTakeChangesNoGallerysFiles) {
  ScratchDir d;
  Fill(d.store(), 1200);  // "licences", 128 dimensions
  {
    auto store = OpenOrDie(d.store(), IvfOptions());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateGallery(TestGallery("zz")).ok());
    EnrollRequest r;
    r.subject_id = "narrow";
    r.templates.push_back(Input(3, 32));
    r.templates[0].tmpl = RandomTemplate(3, 32, "narrownet");
    ASSERT_TRUE(store->Enroll("zz", std::vector<EnrollRequest>{r}).ok());
  }
  const auto before = FilesOf(d.store() + "/index");
  ASSERT_EQ(before.count("1/MANIFEST") + before.count("2/MANIFEST"), 2u) << before.size();
  {
    auto s = Store::Open(d.store(), IvfOptions("IVF8,PQ64x4fs,TrainAt1000"));  // fits 128, not 32
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << s.status().ToString();
    EXPECT_NE(s.status().message().find("gallery 'zz'"), std::string::npos) << s.status().ToString();
    EXPECT_NE(s.status().message().find("'PQ64x4fs'"), std::string::npos) << s.status().ToString();
  }
  EXPECT_EQ(FilesOf(d.store() + "/index"), before);
  auto store = OpenOrDie(d.store(), IvfOptions());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->open_stats().index_rebuilt.empty()) << store->open_stats().index_rebuilt;
  EXPECT_EQ(store->open_stats().templates_from_index, 1201);
  EXPECT_EQ(Best(*store, 611), "s611");
}

// A new store is not created under a spec that does not parse.
TEST(PersistedIndex, ABadSpecCreatesNoStore) {
  ScratchDir d;
  auto made = Store::Open(d.store(), IvfOptions("IVF8,Bogus"));
  EXPECT_EQ(made.status().code(), Code::kInvalidArgument) << made.status().ToString();
  EXPECT_NE(made.status().message().find("'Bogus'"), std::string::npos) << made.status().ToString();
  EXPECT_FALSE(fs::exists(d.store()));
}

// A gallery bound to its model by its first enrollment refuses a spec that
// does not fit the model's dimension before it stores anything (the store
// opened under it: it had no bound gallery to check it against).
TEST(PersistedIndex, AFirstEnrollmentRefusesASpecTheModelCannotTake) {
  ScratchDir d;
  {
    auto store = OpenOrDie(d.store(), IvfOptions("IVF8,PQ256x4fs,TrainAt1000"));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    const Status s = store->Enroll("licences", std::vector<EnrollRequest>{Subject(1)});
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("'PQ256x4fs'"), std::string::npos) << s.ToString();
    auto g = store->GetGallery("licences");
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->templates, 0);
    EXPECT_EQ(g->subjects, 0);
    EXPECT_TRUE(g->model_id.empty()) << g->model_id;  // not bound either
  }
  auto store = OpenOrDie(d.store(), IvfOptions());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetGallery("licences")->subjects, 0);
  ASSERT_TRUE(store->Enroll("licences", std::vector<EnrollRequest>{Subject(1)}).ok());
  EXPECT_EQ(Best(*store, 1), "s1");
}

}  // namespace
}  // namespace candor
