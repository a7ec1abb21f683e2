// Copyright 2026 The Candor Authors.
//
// Metadata row integrity (gallery/row_mac.h): a row of store.db altered
// outside Candor is DATA_LOSS naming the table and the row, at open and while
// the store is open; a version-1 store (no row MACs) is upgraded by its first
// writer open.

#include "gallery/row_mac.h"

#include <gtest/gtest.h>

#include <functional>

#include "candor/gallery.h"
#include "common/sqlite.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::testing::Input;
using gallery::testing::InputWithImage;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestKey;
using gallery::testing::TestOptions;

TEST(RowMac, EncodingIsUnambiguousAndKeyed) {
  const StoreKey raw = TestKey();
  gallery::Key master{std::span<const uint8_t, 32>(raw)};
  gallery::RowMac mac(master);
  gallery::RowEncoder e1, e2;
  const gallery::SubjectRow a{1, 2, "ab", "c", {}, "t"};
  const gallery::SubjectRow b{1, 2, "a", "bc", {}, "t"};
  auto ea = e1.Encode(a);
  auto eb = e2.Encode(b);
  EXPECT_NE(std::vector<uint8_t>(ea.begin(), ea.end()), std::vector<uint8_t>(eb.begin(), eb.end()));
  EXPECT_NE(mac.Compute(ea), mac.Compute(eb));
  EXPECT_TRUE(mac.Matches(ea, mac.Compute(ea)));
  const StoreKey other_raw = TestKey(9);
  gallery::RowMac other(gallery::Key{std::span<const uint8_t, 32>(other_raw)});
  EXPECT_FALSE(other.Matches(ea, mac.Compute(ea)));
  EXPECT_FALSE(mac.Matches(ea, {}));  // a missing MAC never matches
}

struct Fixture {
  ScratchDir dir;
  int64_t victim_template = 0;
  int64_t victim_row = 0;

  Fixture() {
    auto store = Store::Open(dir.store(), TestOptions());
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE((*store)->CreateGallery(TestGallery()).ok());
    std::vector<EnrollRequest> batch;
    for (int i = 0; i < 20; ++i) {
      EnrollRequest r;
      r.subject_id = "s" + std::to_string(i);
      r.record_ref = "ref-" + std::to_string(i);
      r.templates = {InputWithImage(100 + i, 500), Input(200 + i)};
      batch.push_back(r);
    }
    EXPECT_TRUE((*store)->Enroll("licences", batch).ok());
    auto s = (*store)->GetSubject("licences", "s7", false);
    EXPECT_TRUE(s.ok());
    victim_template = s->templates[0].template_id;
    auto db = Db();
    auto q = sqlite::Stmt::Prepare(*db, "SELECT id FROM subjects WHERE external_id = 's7'");
    EXPECT_TRUE(q.ok() && *q->Step());
    victim_row = q->Int(0);
  }
  std::unique_ptr<sqlite::Db> Db() {
    auto db = sqlite::Db::Open(dir.store() + "/store.db", {.create = false});
    EXPECT_TRUE(db.ok());
    return std::move(*db);
  }
  // Runs `sql` with ?1 bound to `id` outside Candor.
  void Tamper(const std::string& sql, int64_t id) {
    auto db = Db();
    auto q = sqlite::Stmt::Prepare(*db, sql);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    q->Bind(1, id);
    ASSERT_TRUE(q->Run().ok());
    ASSERT_EQ(db->Changes(), 1) << sql;
  }
};

TEST(RowMac, EveryAlteredTemplateColumnIsDetectedAtOpenNamingTheRecord) {
  const std::vector<std::string> edits = {
      "UPDATE templates SET capture_date = '1999-01-01' WHERE id = ?1",
      "UPDATE templates SET quality = quality + 0.5 WHERE id = ?1",
      "UPDATE templates SET image_sha256 = zeroblob(32) WHERE id = ?1",
      "UPDATE templates SET model_id = 'othernet' WHERE id = ?1",
      "UPDATE templates SET model_sha256 = zeroblob(32) WHERE id = ?1",
      "UPDATE templates SET enrolled_at = '2000-01-01T00:00:00Z' WHERE id = ?1",
      "UPDATE templates SET row_mac = NULL WHERE id = ?1",
  };
  for (const std::string& sql : edits) {
    Fixture f;
    f.Tamper(sql, f.victim_template);
    auto s = Store::Open(f.dir.store(), TestOptions());
    ASSERT_FALSE(s.ok()) << sql << " went unnoticed";
    EXPECT_EQ(s.status().code(), Code::kDataLoss) << s.status().ToString();
    const std::string want = "template " + std::to_string(f.victim_template) +
                             " (store.db table templates, row " +
                             std::to_string(f.victim_template) + ")";
    EXPECT_NE(s.status().message().find(want), std::string::npos)
        << sql << ": " << s.status().message();
  }
}

TEST(RowMac, AlteredSubjectAndGalleryRowsAreDetectedAtOpen) {
  {
    Fixture f;
    f.Tamper("UPDATE subjects SET record_ref = 'someone-else' WHERE id = ?1", f.victim_row);
    auto s = Store::Open(f.dir.store(), TestOptions());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), Code::kDataLoss);
    EXPECT_NE(s.status().message().find("subject row " + std::to_string(f.victim_row) +
                                        " (store.db table subjects"),
              std::string::npos)
        << s.status().message();
  }
  {
    // Widening who may search a gallery is exactly what must not go unnoticed.
    Fixture f;
    f.Tamper("UPDATE galleries SET search_bases = 'warrant,court-order,curiosity' WHERE id = ?1",
             1);
    auto s = Store::Open(f.dir.store(), TestOptions());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), Code::kDataLoss);
    EXPECT_NE(s.status().message().find("gallery 'licences' (store.db table galleries, row 1)"),
              std::string::npos)
        << s.status().message();
  }
}

TEST(RowMac, RowsAlteredWhileTheStoreIsOpenAreDetectedOnRead) {
  Fixture f;
  auto store = Store::Open(f.dir.store(), TestOptions());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->GetSubject("licences", "s7", true).ok());
  ASSERT_TRUE((*store)->GetImage("licences", "s7", f.victim_template).ok());
  f.Tamper("UPDATE templates SET quality = 1.0 WHERE id = ?1", f.victim_template);
  auto s = (*store)->GetSubject("licences", "s7", false);
  EXPECT_EQ(s.status().code(), Code::kDataLoss);
  EXPECT_NE(s.status().message().find("template " + std::to_string(f.victim_template)),
            std::string::npos)
      << s.status().message();
  EXPECT_EQ((*store)->GetImage("licences", "s7", f.victim_template).status().code(),
            Code::kDataLoss);
  EXPECT_EQ((*store)->HasImage("licences", Input(200 + 7).image_sha256).status().code(),
            Code::kOk);  // another, intact row
  // An image row moved (length altered) is caught by its own MAC.
  auto s3 = (*store)->GetSubject("licences", "s3", false);
  ASSERT_TRUE(s3.ok());
  const int64_t t3 = s3->templates[0].template_id;
  f.Tamper("UPDATE images SET length = length + 1 WHERE template_id = ?1", t3);
  auto img = (*store)->GetImage("licences", "s3", t3);
  EXPECT_EQ(img.status().code(), Code::kDataLoss);
  EXPECT_NE(img.status().message().find("store.db table images, row " + std::to_string(t3)),
            std::string::npos)
      << img.status().message();
  // Identify names a candidate only from intact rows.
  f.Tamper("UPDATE subjects SET record_ref = 'forged' WHERE id = ?1", f.victim_row);
  IdentifyParams ip;
  ip.k = 1;
  ip.threshold = 0.9f;
  auto r = (*store)->Identify("licences", Input(200 + 7).tmpl, ip);
  EXPECT_EQ(r.status().code(), Code::kDataLoss) << r.status().ToString();
}

TEST(RowMac, AVersionOneStoreIsUpgradedByItsFirstWriterOpen) {
  Fixture f;
  {  // Make it what format 1 was: no row MACs, no images table.
    auto db = f.Db();
    ASSERT_TRUE(db->Exec("ALTER TABLE galleries DROP COLUMN row_mac;"
                         "ALTER TABLE subjects DROP COLUMN row_mac;"
                         "ALTER TABLE templates DROP COLUMN row_mac;"
                         "DROP TABLE images;"
                         "UPDATE meta SET value = 1 WHERE key = 'format_version';")
                    .ok());
  }
  StoreOptions ro = TestOptions();
  ro.read_only = true;
  auto r = Store::Open(f.dir.store(), ro);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("format version 1"), std::string::npos);
  {
    auto w = Store::Open(f.dir.store(), TestOptions());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ((*w)->open_stats().templates_loaded, 40);
    auto s = (*w)->GetSubject("licences", "s7", true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->templates[1].values, Input(207).tmpl.values);
    EXPECT_FALSE(s->templates[0].has_image);  // format 1 kept no images
  }
  auto again = Store::Open(f.dir.store(), ro);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  f.Tamper("UPDATE templates SET capture_date = '1999-01-01' WHERE id = ?1", f.victim_template);
  EXPECT_EQ(Store::Open(f.dir.store(), TestOptions()).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace candor
