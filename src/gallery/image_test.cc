// Copyright 2026 The Candor Authors.
//
// Kept source images (TemplateInput::image, Store::GetImage): round trip,
// NOT_FOUND cases, bad input, no plaintext on disk, disk full, corruption and
// swapped records.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "candor/gallery.h"
#include "common/sqlite.h"
#include "gallery/row_mac.h"
#include "gallery/segment.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::testing::AnyFileContains;
using gallery::testing::FakeImage;
using gallery::testing::Input;
using gallery::testing::InputWithImage;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;

std::unique_ptr<Store> OpenOrDie(const std::string& dir, StoreOptions o = TestOptions()) {
  auto s = Store::Open(dir, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// Subject `id` with a kept image on its first template only.
EnrollRequest WithImage(const std::string& id, uint64_t seed, size_t bytes) {
  EnrollRequest r;
  r.subject_id = id;
  r.templates = {InputWithImage(seed, bytes), Input(seed + 1)};
  return r;
}

int64_t TemplateId(Store& store, const std::string& id, int i) {
  auto s = store.GetSubject("licences", id, false);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? s->templates.at(static_cast<size_t>(i)).template_id : -1;
}

TEST(StoredImages, RoundTripAcrossReopenAndReadOnly) {
  ScratchDir dir;
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    std::vector<EnrollRequest> batch = {WithImage("a", 10, 5000), WithImage("b", 20, 70000)};
    EnrollRequest plain;
    plain.subject_id = "c";
    plain.templates = {Input(30)};
    batch.push_back(plain);
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
    auto a = store->GetSubject("licences", "a", false);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->templates[0].has_image);
    EXPECT_FALSE(a->templates[1].has_image);
    auto img = store->GetImage("licences", "a", a->templates[0].template_id);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    EXPECT_EQ(*img, FakeImage(10, 5000));
  }
  for (bool read_only : {false, true}) {
    StoreOptions o = TestOptions();
    o.read_only = read_only;
    auto store = OpenOrDie(dir.store(), o);
    ASSERT_NE(store, nullptr);
    auto b = store->GetImage("licences", "b", TemplateId(*store, "b", 0));
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(*b, FakeImage(20, 70000));
    // NOT_FOUND: a template without a kept image, another subject's template,
    // an unknown template, subject or gallery.
    EXPECT_EQ(store->GetImage("licences", "b", TemplateId(*store, "b", 1)).status().code(),
              Code::kNotFound);
    EXPECT_EQ(store->GetImage("licences", "c", TemplateId(*store, "c", 0)).status().code(),
              Code::kNotFound);
    EXPECT_EQ(store->GetImage("licences", "a", TemplateId(*store, "b", 0)).status().code(),
              Code::kNotFound);
    EXPECT_EQ(store->GetImage("licences", "a", 999999).status().code(), Code::kNotFound);
    EXPECT_EQ(store->GetImage("licences", "nobody", 1).status().code(), Code::kNotFound);
    EXPECT_EQ(store->GetImage("nope", "a", 1).status().code(), Code::kNotFound);
  }
}

TEST(StoredImages, BadImagesAreRefusedAndNothingIsStored) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.store());
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  // Bytes that do not hash to image_sha256.
  std::vector<EnrollRequest> bad = {WithImage("x", 1, 1000)};
  bad[0].templates[0].image[17] ^= 1;
  Status s = store->Enroll("licences", bad);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("image_sha256"), std::string::npos) << s.message();
  // Over the size limit.
  std::vector<EnrollRequest> big = {WithImage("y", 2, kMaxStoredImageBytes + 1)};
  EXPECT_EQ(store->Enroll("licences", big).code(), Code::kInvalidArgument);
  EXPECT_EQ(store->GetSubject("licences", "x", false).status().code(), Code::kNotFound);
  EXPECT_EQ(store->GetSubject("licences", "y", false).status().code(), Code::kNotFound);
  // The largest allowed image is kept.
  std::vector<EnrollRequest> max = {WithImage("z", 3, kMaxStoredImageBytes)};
  ASSERT_TRUE(store->Enroll("licences", max).ok());
  auto img = store->GetImage("licences", "z", TemplateId(*store, "z", 0));
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->size(), kMaxStoredImageBytes);
}

TEST(StoredImages, NoPlaintextImageReachesTheDisk) {
  ScratchDir dir;
  const std::vector<uint8_t> image = FakeImage(4242, 20000);
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    std::vector<EnrollRequest> one = {WithImage("p", 4242, 20000)};
    ASSERT_TRUE(store->Enroll("licences", one).ok());
    for (size_t off : {size_t{0}, size_t{9000}, size_t{19968}}) {
      std::string where;
      EXPECT_FALSE(AnyFileContains(dir.store(), std::span(image.data() + off, 32), &where))
          << where;
    }
    EXPECT_EQ(*store->GetImage("licences", "p", TemplateId(*store, "p", 0)), image);
  }
  std::string where;
  EXPECT_FALSE(AnyFileContains(dir.store(), std::span(image.data(), 32), &where)) << where;
}

TEST(StoredImages, DiskFullWhileKeepingAnImageLeavesNothingHalfWritten) {
  ScratchDir dir;
  gallery::testing::FullDiskEnv env;
  StoreOptions o = TestOptions();
  o.env = &env;
  auto store = OpenOrDie(dir.store(), o);
  ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
  std::vector<EnrollRequest> first = {WithImage("kept", 1, 3000)};
  ASSERT_TRUE(store->Enroll("licences", first).ok());
  const std::string seg = gallery::SegmentPath(dir.store() + "/segments", 1);
  const std::string img = gallery::SegmentPath(dir.store() + "/images", 1);
  const auto seg_before = std::filesystem::file_size(seg);
  const auto img_before = std::filesystem::file_size(img);
  // Each subject appends a 640-byte template record, a 3,080-byte image
  // record, then another template record: the disk fills in the middle of the
  // second subject's image (after 4,360 + 640 bytes).
  env.FailAfter(6500);
  std::vector<EnrollRequest> batch = {WithImage("x", 2, 3000), WithImage("y", 3, 3000),
                                      WithImage("z", 4, 3000)};
  Status s = store->Enroll("licences", batch);
  EXPECT_EQ(s.code(), Code::kResourceExhausted) << s.ToString();
  EXPECT_EQ(std::filesystem::file_size(seg), seg_before);
  EXPECT_EQ(std::filesystem::file_size(img), img_before);
  for (const char* id : {"x", "y", "z"}) {
    EXPECT_EQ(store->GetSubject("licences", id, false).status().code(), Code::kNotFound);
  }
  env.Reset();
  ASSERT_TRUE(store->Enroll("licences", batch).ok());
  store.reset();
  auto again = OpenOrDie(dir.store(), o);
  EXPECT_EQ(again->open_stats().tail_bytes_truncated, 0u);
  EXPECT_EQ(*again->GetImage("licences", "y", TemplateId(*again, "y", 0)), FakeImage(3, 3000));
  EXPECT_EQ(*again->GetImage("licences", "kept", TemplateId(*again, "kept", 0)),
            FakeImage(1, 3000));
}

TEST(StoredImages, TornImageTailIsTruncatedCorruptionIsDataLossNamingFileAndOffset) {
  ScratchDir dir;
  {
    auto store = OpenOrDie(dir.store());
    ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
    std::vector<EnrollRequest> batch;
    for (int i = 0; i < 4; ++i) batch.push_back(WithImage("s" + std::to_string(i), 100 + i, 2000));
    ASSERT_TRUE(store->Enroll("licences", batch).ok());
  }
  const std::string img = gallery::SegmentPath(dir.store() + "/images", 1);
  const auto size = std::filesystem::file_size(img);
  {  // A crash mid-append leaves part of an image record at the tail.
    std::ofstream out(img, std::ios::binary | std::ios::app);
    std::string half(1234, '\x5a');
    out.write(half.data(), static_cast<std::streamsize>(half.size()));
  }
  {
    auto store = OpenOrDie(dir.store());
    EXPECT_EQ(store->open_stats().tail_bytes_truncated, 1234u);
  }
  EXPECT_EQ(std::filesystem::file_size(img), size);

  // Flip one byte inside the third image record.
  const uint64_t rec = gallery::kRecordHeaderBytes + 32 + 2000 + 40;
  const uint64_t offset = gallery::kSegmentHeaderBytes + 2 * rec;
  {
    // XOR, not overwrite: ciphertext bytes are random and may already hold any value.
    std::fstream f(img, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(static_cast<std::streamoff>(offset + 500));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(offset + 500));
    f.put(static_cast<char>(c ^ 0x01));
  }
  auto store = OpenOrDie(dir.store());
  auto bad = store->GetImage("licences", "s2", TemplateId(*store, "s2", 0));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kDataLoss);
  EXPECT_NE(bad.status().message().find(img + " at offset " + std::to_string(offset)),
            std::string::npos)
      << bad.status().message();
  // The others are intact.
  EXPECT_EQ(*store->GetImage("licences", "s1", TemplateId(*store, "s1", 0)), FakeImage(101, 2000));
  EXPECT_EQ(*store->GetImage("licences", "s3", TemplateId(*store, "s3", 0)), FakeImage(103, 2000));
}

TEST(StoredImages, ARecordPointedAtAnotherSubjectsImageIsDataLoss) {
  // Twice: once by someone who can only edit store.db (the images row's MAC
  // fails), once by someone who also holds the master key and recomputes
  // that MAC (the sealed record's associated data names another template).
  for (bool recompute_mac : {false, true}) {
    ScratchDir dir;
    int64_t t0 = 0, t1 = 0, s1 = 0;
    {
      auto store = OpenOrDie(dir.store());
      ASSERT_TRUE(store->CreateGallery(TestGallery()).ok());
      std::vector<EnrollRequest> batch = {WithImage("s0", 1, 900), WithImage("s1", 2, 900)};
      ASSERT_TRUE(store->Enroll("licences", batch).ok());
      t0 = TemplateId(*store, "s0", 0);
      t1 = TemplateId(*store, "s1", 0);
    }
    {
      auto db = sqlite::Db::Open(dir.store() + "/store.db", {.create = false});
      ASSERT_TRUE(db.ok());
      auto up = sqlite::Stmt::Prepare(
          **db,
          "UPDATE images SET offset = (SELECT offset FROM images WHERE template_id = ?) "
          "WHERE template_id = ?");
      ASSERT_TRUE(up.ok());
      up->Bind(1, t0).Bind(2, t1);
      ASSERT_TRUE(up->Run().ok());
      if (recompute_mac) {
        auto q = sqlite::Stmt::Prepare(
            **db, "SELECT subject_id, segment, offset, length FROM images WHERE template_id = ?");
        ASSERT_TRUE(q.ok());
        q->Bind(1, t1);
        ASSERT_TRUE(*q->Step());
        s1 = q->Int(0);
        const gallery::ImageRow row{t1, s1, q->Int(1), q->Int(2), q->Int(3)};
        const StoreKey raw = gallery::testing::TestKey();
        gallery::RowMac mac(gallery::Key{std::span<const uint8_t, 32>(raw)});
        gallery::RowEncoder enc;
        auto fix =
            sqlite::Stmt::Prepare(**db, "UPDATE images SET row_mac = ? WHERE template_id = ?");
        ASSERT_TRUE(fix.ok());
        fix->BindBlob(1, mac.Compute(enc.Encode(row))).Bind(2, t1);
        ASSERT_TRUE(fix->Run().ok());
      }
    }
    auto store = OpenOrDie(dir.store());
    auto img = store->GetImage("licences", "s1", t1);
    ASSERT_FALSE(img.ok());
    EXPECT_EQ(img.status().code(), Code::kDataLoss) << img.status().ToString();
    const std::string want = recompute_mac ? "belongs to template " + std::to_string(t0)
                                           : "store.db table images, row " + std::to_string(t1);
    EXPECT_NE(img.status().message().find(want), std::string::npos) << img.status().message();
  }
}

}  // namespace
}  // namespace candor
