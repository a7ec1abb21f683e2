// Copyright 2026 The Candor Authors.

#include "gallery/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "gallery/template_record.h"
#include "gallery/test_util.h"

namespace candor::gallery {
namespace {

std::span<const uint8_t> B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Crypto, SealOpenRoundTripAndTamperDetection) {
  ASSERT_TRUE(InitCrypto().ok());
  Key k = Key::Random();
  std::vector<uint8_t> sealed;
  Seal(k, B("template bytes"), B("ad"), sealed);
  ASSERT_EQ(sealed.size(), 14 + kSealOverhead);
  std::vector<uint8_t> plain(14);
  ASSERT_TRUE(Open(k, sealed, B("ad"), plain).ok());
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "template bytes");
  EXPECT_EQ(Open(Key::Random(), sealed, B("ad"), plain).code(), Code::kUnauthenticated);
  EXPECT_EQ(Open(k, sealed, B("other ad"), plain).code(), Code::kUnauthenticated);
  sealed[30] ^= 1;
  EXPECT_EQ(Open(k, sealed, B("ad"), plain).code(), Code::kUnauthenticated);
}

TEST(Crypto, ParseKeyAcceptsRawAndHexOnly) {
  std::vector<uint8_t> raw(32, 5);
  EXPECT_TRUE(ParseKey(raw, "t").ok());
  std::string hex(64, 'a');
  EXPECT_TRUE(ParseKey(B(hex + "\n"), "t").ok());
  EXPECT_EQ(ParseKey(B(std::string(63, 'a')), "t").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseKey(B(std::string(64, 'z')), "t").status().code(), Code::kInvalidArgument);
}

TEST(Crypto, KeyFileMustBePrivateAndIsRequired) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/store.key";
  ASSERT_TRUE(WriteNewKeyFile(path).ok());
  EXPECT_EQ(WriteNewKeyFile(path).code(), Code::kAlreadyExists);
  auto k = LoadMasterKey(path);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(LoadMasterKey(path).status().code(), Code::kPermissionDenied);
  ::unsetenv("CANDOR_KEY_FILE");
  ::unsetenv("CANDOR_KEY");
  EXPECT_EQ(LoadMasterKey("").status().code(), Code::kUnauthenticated);
  ::setenv("CANDOR_KEY", std::string(64, '3').c_str(), 1);
  EXPECT_TRUE(LoadMasterKey("").ok());
  ::unsetenv("CANDOR_KEY");
}

TEST(TemplateRecord, BindsIdsAndRejectsWrongKey) {
  ASSERT_TRUE(InitCrypto().ok());
  Key k = Key::Random();
  std::vector<float> v = {0.6f, 0.8f, 0.0f};
  std::vector<uint8_t> rec;
  EncodeTemplateRecord(k, 42, 7, v, rec);
  ASSERT_EQ(rec.size(), TemplateRecordSize(3));
  std::vector<float> out(3);
  ASSERT_TRUE(DecodeTemplateRecord(k, rec, 42, 7, out, "w").ok());
  EXPECT_EQ(out, v);
  EXPECT_EQ(DecodeTemplateRecord(k, rec, 43, 7, out, "w").code(), Code::kDataLoss);
  EXPECT_EQ(DecodeTemplateRecord(k, rec, 42, 8, out, "w").code(), Code::kDataLoss);
  EXPECT_EQ(DecodeTemplateRecord(Key::Random(), rec, 42, 7, out, "w").code(), Code::kDataLoss);

  Key master = Key::Random();
  auto wrapped = WrapSubjectKey(master, k, {7, 1, "alice"});
  auto back = UnwrapSubjectKey(master, wrapped, {7, 1, "alice"});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::equal(back->bytes().begin(), back->bytes().end(), k.bytes().begin()));
  EXPECT_FALSE(UnwrapSubjectKey(master, wrapped, {8, 1, "alice"}).ok());
  EXPECT_FALSE(UnwrapSubjectKey(master, wrapped, {7, 2, "alice"}).ok());
  EXPECT_FALSE(UnwrapSubjectKey(master, wrapped, {7, 1, "alicf"}).ok());
  EXPECT_FALSE(UnwrapSubjectKey(Key::Random(), wrapped, {7, 1, "alice"}).ok());
}

}  // namespace
}  // namespace candor::gallery
