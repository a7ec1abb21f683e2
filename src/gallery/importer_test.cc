// Copyright 2026 The Candor Authors.
//
// Bulk import of a template file (template_file.h, importer.h): round trip,
// resume after an interruption (with the same and with other batch bounds),
// progress, and bad files and bad input named by file and offset.

#include "gallery/importer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "gallery/template_file.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

using gallery::ImportOptions;
using gallery::ImportProgress;
using gallery::ImportTemplates;
using gallery::TemplateFileHeader;
using gallery::WriteTemplateFile;
using gallery::testing::ModelHash;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestGallery;
using gallery::testing::TestOptions;
using gallery::testing::kDim;

TemplateFileHeader Header() {
  TemplateFileHeader h;
  h.dim = kDim;
  h.model_id = "testnet";
  h.model_sha256 = ModelHash("testnet");
  return h;
}

// n subjects "imp<i>", template i = RandomTemplate(i + 100) scaled by 3 (not normalised).
std::string MakeFile(const ScratchDir& d, int n, const std::string& name = "templates.bin") {
  std::vector<std::string> ids;
  std::vector<float> values;
  for (int i = 0; i < n; ++i) {
    ids.push_back("imp" + std::to_string(i));
    for (float v : RandomTemplate(static_cast<uint64_t>(i) + 100).values) values.push_back(3 * v);
  }
  const std::string path = d.path() + "/" + name;
  EXPECT_TRUE(WriteTemplateFile(path, Header(), ids, values).ok());
  return path;
}

std::unique_ptr<Store> NewStore(const ScratchDir& d) {
  auto s = Store::Open(d.store(), TestOptions());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE((*s)->CreateGallery(TestGallery()).ok());
  return std::move(*s);
}

void ExpectAllThere(Store& store, int n) {
  auto g = store.GetGallery("licences");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->subjects, n);
  EXPECT_EQ(g->templates, n);
  for (int i : {0, n / 2, n - 1}) {
    auto s = store.GetSubject("licences", "imp" + std::to_string(i), true);
    ASSERT_TRUE(s.ok()) << i;
    const auto want = RandomTemplate(static_cast<uint64_t>(i) + 100).values;
    for (int e = 0; e < kDim; ++e) ASSERT_NEAR(s->templates[0].values[e], want[e], 1e-6f);
    IdentifyParams ip;
    ip.threshold = 0.9f;
    auto r = store.Identify("licences", RandomTemplate(static_cast<uint64_t>(i) + 100), ip);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->candidates.size(), 1u);
    EXPECT_EQ(r->candidates[0].subject_id, "imp" + std::to_string(i));
  }
}

TEST(Import, EnrollsEveryRecordWithProgress) {
  ScratchDir d;
  const std::string file = MakeFile(d, 1000);
  auto store = NewStore(d);
  std::vector<ImportProgress> seen;
  ImportOptions o;
  o.batch = 300;
  o.on_batch = [&](const ImportProgress& p) {
    seen.push_back(p);
    return true;
  };
  auto p = ImportTemplates(*store, "licences", file, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->imported, 1000u);
  EXPECT_EQ(p->skipped, 0u);
  EXPECT_EQ(p->batches, 4u);
  EXPECT_EQ(p->bytes, p->file_bytes);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].read, 300u);
  EXPECT_EQ(seen[3].read, 1000u);
  EXPECT_EQ(seen[0].total, 1000u);
  ExpectAllThere(*store, 1000);
  // The gallery took the file's model.
  EXPECT_EQ(store->GetGallery("licences")->model_id, "testnet");
}

TEST(Import, ResumesWhereAnInterruptedRunStopped) {
  ScratchDir d;
  const std::string file = MakeFile(d, 1000);
  auto store = NewStore(d);
  ImportOptions stop;
  stop.batch = 300;
  int batches = 0;
  stop.on_batch = [&](const ImportProgress&) { return ++batches < 2; };  // stops after 600
  auto p = ImportTemplates(*store, "licences", file, stop);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->imported, 600u);
  EXPECT_EQ(store->GetGallery("licences")->subjects, 600);
  // Resumed with other batch bounds: 250-record batches straddle the 600 mark.
  ImportOptions resume;
  resume.batch = 250;
  p = ImportTemplates(*store, "licences", file, resume);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->skipped, 600u);
  EXPECT_EQ(p->imported, 400u);
  ExpectAllThere(*store, 1000);
  // A third run finds everything done.
  p = ImportTemplates(*store, "licences", file, resume);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->skipped, 1000u);
  EXPECT_EQ(p->imported, 0u);
  EXPECT_EQ(p->batches, 0u);
}

TEST(Import, DamagedFilesAreNamedWithTheirOffset) {
  ScratchDir d;
  const std::string file = MakeFile(d, 10);
  auto bytes = gallery::testing::ReadAll(file);
  auto write = [&](const std::vector<uint8_t>& b) {
    const std::string p = d.path() + "/bad.bin";
    std::FILE* f = std::fopen(p.c_str(), "wb");
    std::fwrite(b.data(), 1, b.size(), f);
    std::fclose(f);
    return p;
  };
  auto store = NewStore(d);
  auto code = [&](const std::vector<uint8_t>& b, std::string* msg) {
    auto p = ImportTemplates(*store, "licences", write(b), {});
    *msg = p.status().message();
    return p.status().code();
  };
  std::string msg;
  auto flipped = bytes;
  flipped[bytes.size() - 100] ^= 1;  // inside the last record
  EXPECT_EQ(code(flipped, &msg), Code::kDataLoss);
  EXPECT_NE(msg.find("checksum mismatch (corrupt record)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at offset"), std::string::npos) << msg;
  auto truncated = bytes;
  truncated.resize(bytes.size() - 7);
  EXPECT_EQ(code(truncated, &msg), Code::kDataLoss);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(code(longer, &msg), Code::kDataLoss);
  EXPECT_NE(msg.find("after its last record"), std::string::npos) << msg;
  auto magic = bytes;
  magic[0] = 'X';
  EXPECT_EQ(code(magic, &msg), Code::kDataLoss);
  auto header = bytes;
  header[13] ^= 1;  // the dimension: the header CRC fails
  EXPECT_EQ(code(header, &msg), Code::kDataLoss);
  EXPECT_EQ(ImportTemplates(*store, "licences", d.path() + "/none.bin", {}).status().code(), Code::kNotFound);
  EXPECT_EQ(ImportTemplates(*store, "no-such-gallery", file, {}).status().code(), Code::kNotFound);
  // A repeated subject id: the batch is refused, what came before stays.
  std::vector<std::string> ids{"a", "b", "a"};
  std::vector<float> v;
  for (int i = 0; i < 3; ++i) for (float x : RandomTemplate(static_cast<uint64_t>(i)).values) v.push_back(x);
  ASSERT_TRUE(WriteTemplateFile(d.path() + "/dup.bin", Header(), ids, v).ok());
  EXPECT_EQ(ImportTemplates(*store, "licences", d.path() + "/dup.bin", {}).status().code(),
            Code::kInvalidArgument);
  // Another model than the gallery's.
  ASSERT_TRUE(ImportTemplates(*store, "licences", file, {}).ok());
  TemplateFileHeader other = Header();
  other.model_id = "othernet";
  other.model_sha256 = ModelHash("othernet");
  std::vector<std::string> one{"z"};
  ASSERT_TRUE(WriteTemplateFile(d.path() + "/other.bin", other, one, RandomTemplate(5).values).ok());
  auto p = ImportTemplates(*store, "licences", d.path() + "/other.bin", {});
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_NE(p.status().message().find("othernet"), std::string::npos);
}

}  // namespace
}  // namespace candor
