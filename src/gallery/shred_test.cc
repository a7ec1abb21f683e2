// Copyright 2026 The Candor Authors.
//
// Crypto-shredding, proven: after DeleteSubject, nothing in any file of the
// store (database, WAL, shared memory, segments, lock) holds the subject's
// wrapped or raw data key, its plaintext template or image bytes, its ids or
// its image hashes, and its ciphertext (templates and the kept source image),
// still present in the segments, cannot be opened with the master key or any
// remaining subject key.

#include <gtest/gtest.h>

#include <filesystem>

#include "candor/gallery.h"
#include "common/sqlite.h"
#include "gallery/crypto.h"
#include "gallery/image_record.h"
#include "gallery/segment.h"
#include "gallery/template_record.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::testing::AnyFileContains;
using gallery::testing::FakeImage;
using gallery::testing::Input;
using gallery::testing::InputWithImage;
using gallery::testing::ReadAll;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestKey;
using gallery::testing::TestOptions;

struct Loc {
  int64_t id;
  uint32_t segment;
  uint64_t offset;
  uint32_t length;
};

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(CryptoShredding, DeletedSubjectIsUnrecoverableWithMasterKeyAndEveryFile) {
  ScratchDir dir;
  const std::string victim = "victim-subject-0001";
  const std::string victim_ref = "record-ref-of-the-victim";
  std::vector<TemplateInput> victim_templates = {InputWithImage(424242, 30000), Input(424243)};
  const std::vector<uint8_t> victim_image = FakeImage(424242, 30000);
  auto store_or = Store::Open(dir.store(), TestOptions());
  ASSERT_TRUE(store_or.ok());
  auto& store = *store_or;
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> batch;
  for (int i = 0; i < 30; ++i) {
    EnrollRequest r;
    r.subject_id = "keep-" + std::to_string(i);
    r.templates = {InputWithImage(1000 + i, 2000)};
    batch.push_back(r);
    if (i == 15) {
      EnrollRequest v;
      v.subject_id = victim;
      v.record_ref = victim_ref;
      v.templates = victim_templates;
      batch.push_back(v);
    }
  }
  ASSERT_TRUE(store->Enroll("licences", batch).ok());

  // What an attacker would need: the victim's wrapped key row and record locations.
  std::vector<uint8_t> wrapped;
  int64_t srow = 0, grow = 0;
  std::vector<Loc> locs;
  Loc image_loc{};
  {
    auto db = sqlite::Db::Open(dir.store() + "/store.db", {.read_only = true, .create = false});
    ASSERT_TRUE(db.ok());
    auto q = sqlite::Stmt::Prepare(**db,
                                   "SELECT id, gallery_id, wrapped_key FROM subjects "
                                   "WHERE external_id = ?");
    ASSERT_TRUE(q.ok());
    q->Bind(1, victim);
    ASSERT_TRUE(*q->Step());
    srow = q->Int(0);
    grow = q->Int(1);
    wrapped.assign(q->Blob(2).begin(), q->Blob(2).end());
    auto t = sqlite::Stmt::Prepare(**db,
                                   "SELECT id, segment, offset, length FROM templates "
                                   "WHERE subject_id = ? ORDER BY id");
    ASSERT_TRUE(t.ok());
    t->Bind(1, srow);
    while (*t->Step()) {
      locs.push_back({t->Int(0), static_cast<uint32_t>(t->Int(1)),
                      static_cast<uint64_t>(t->Int(2)), static_cast<uint32_t>(t->Int(3))});
    }
    auto i = sqlite::Stmt::Prepare(**db,
                                   "SELECT template_id, segment, offset, length FROM "
                                   "images WHERE subject_id = ?");
    ASSERT_TRUE(i.ok());
    i->Bind(1, srow);
    ASSERT_TRUE(*i->Step());
    image_loc = {i->Int(0), static_cast<uint32_t>(i->Int(1)), static_cast<uint64_t>(i->Int(2)),
                 static_cast<uint32_t>(i->Int(3))};
  }
  ASSERT_EQ(locs.size(), 2u);
  ASSERT_EQ(image_loc.id, locs[0].id);
  const StoreKey master_bytes = TestKey();
  const gallery::Key master{std::span<const uint8_t, 32>(master_bytes)};
  auto data_key = gallery::UnwrapSubjectKey(master, wrapped, {srow, grow, victim});
  ASSERT_TRUE(data_key.ok());
  // Before deletion the key is on disk (wrapped) and opens the records.
  ASSERT_TRUE(AnyFileContains(dir.store(), wrapped));
  ASSERT_TRUE(AnyFileContains(dir.store(), Bytes(victim)));

  ASSERT_TRUE(*store->GetImage("licences", victim, image_loc.id) == victim_image);
  ASSERT_TRUE(store->DeleteSubject("licences", victim).ok());
  EXPECT_EQ(store->GetImage("licences", victim, image_loc.id).status().code(), Code::kNotFound);
  EXPECT_EQ(store->GetSubject("licences", victim, false).status().code(), Code::kNotFound);
  EXPECT_EQ(store->DeleteSubject("licences", victim).code(), Code::kNotFound);

  auto scan = [&](const char* when) {
    std::string where;
    EXPECT_FALSE(AnyFileContains(dir.store(), wrapped, &where)) << when << ": wrapped key in " << where;
    EXPECT_FALSE(AnyFileContains(dir.store(), data_key->bytes(), &where)) << when << ": key in " << where;
    EXPECT_FALSE(AnyFileContains(dir.store(), Bytes(victim), &where)) << when << ": id in " << where;
    EXPECT_FALSE(AnyFileContains(dir.store(), Bytes(victim_ref), &where)) << when << ": ref in " << where;
    for (const TemplateInput& t : victim_templates) {
      auto* p = reinterpret_cast<const uint8_t*>(t.tmpl.values.data());
      EXPECT_FALSE(AnyFileContains(dir.store(), std::span(p, 32), &where)) << when << ": template in " << where;
      EXPECT_FALSE(AnyFileContains(dir.store(), t.image_sha256, &where)) << when << ": image hash in " << where;
    }
    for (size_t off : {size_t{0}, size_t{15000}, size_t{29968}}) {
      EXPECT_FALSE(AnyFileContains(dir.store(), std::span(victim_image.data() + off, 32), &where))
          << when << ": image bytes in " << where;
    }
  };
  scan("store open");
  store.reset();
  scan("store closed");

  // The ciphertext is still in the segment, intact; only the destroyed key opens it.
  std::vector<gallery::Key> remaining;
  {
    auto db = sqlite::Db::Open(dir.store() + "/store.db", {.read_only = true, .create = false});
    ASSERT_TRUE(db.ok());
    auto q = sqlite::Stmt::Prepare(**db,
                                   "SELECT id, gallery_id, external_id, wrapped_key FROM subjects");
    ASSERT_TRUE(q.ok());
    while (*q->Step()) {
      auto k = gallery::UnwrapSubjectKey(master, q->Blob(3), {q->Int(0), q->Int(1), q->Text(2)});
      ASSERT_TRUE(k.ok());
      remaining.push_back(*k);
    }
  }
  EXPECT_EQ(remaining.size(), 30u);
  for (const Loc& l : locs) {
    const std::string path = gallery::SegmentPath(dir.store() + "/segments", l.segment);
    auto seg = ReadAll(path);
    auto payload = gallery::DecodeRecord(std::span<const uint8_t>(seg).subspan(l.offset), path,
                                         l.offset, l.length);
    ASSERT_TRUE(payload.ok()) << payload.status().ToString();
    std::vector<float> out(gallery::testing::kDim);
    EXPECT_FALSE(gallery::DecodeTemplateRecord(master, *payload, l.id, srow, out, path).ok());
    for (const gallery::Key& k : remaining) {
      EXPECT_FALSE(gallery::DecodeTemplateRecord(k, *payload, l.id, srow, out, path).ok());
    }
    // Control: the destroyed key (which exists only in this test's memory) opens it.
    EXPECT_TRUE(gallery::DecodeTemplateRecord(*data_key, *payload, l.id, srow, out, path).ok());
  }

  // The sealed image is still in the image segment, intact; no key that
  // still exists opens it.
  {
    const std::string path = gallery::SegmentPath(dir.store() + "/images", image_loc.segment);
    auto seg = ReadAll(path);
    auto payload = gallery::DecodeRecord(std::span<const uint8_t>(seg).subspan(image_loc.offset),
                                         path, image_loc.offset, image_loc.length);
    ASSERT_TRUE(payload.ok()) << payload.status().ToString();
    const gallery::ImageBinding who{image_loc.id, srow, grow};
    EXPECT_FALSE(gallery::DecodeImageRecord(master, *payload, who, path).ok());
    for (const gallery::Key& k : remaining) {
      EXPECT_FALSE(gallery::DecodeImageRecord(k, *payload, who, path).ok());
    }
    auto control = gallery::DecodeImageRecord(*data_key, *payload, who, path);
    ASSERT_TRUE(control.ok());
    EXPECT_EQ(*control, victim_image);
  }

  // The store reopens with everyone else intact.
  auto again = Store::Open(dir.store(), TestOptions());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->open_stats().templates_loaded, 30);
  EXPECT_EQ((*again)->GetSubject("licences", "keep-16", true)->templates[0].values,
            Input(1016).tmpl.values);
  auto kept = (*again)->GetSubject("licences", "keep-16", false);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*(*again)->GetImage("licences", "keep-16", kept->templates[0].template_id),
            FakeImage(1016, 2000));
}

}  // namespace
}  // namespace candor
