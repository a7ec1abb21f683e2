// Copyright 2026 The Candor Authors.
//
// SearchBook: entries survive reopening, stay sealed on disk (no subject id,
// score or note in clear; a document moved to another row or opened with
// another key is DATA_LOSS), the lead status follows the two-person rule, and
// a purge leaves neither the entry's case data nor its old ciphertext behind.

#include "search_desk/search_book.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace candor {
namespace {

namespace fs = std::filesystem;

std::string FileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class SearchBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() /
           ("candor_book_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    randombytes_buf(key_.data(), key_.size());
  }
  void TearDown() override { fs::remove_all(dir_); }

  static BookedSearch Search(const std::string& id, const std::string& requester) {
    BookedSearch s;
    s.id = id;
    s.requester = requester;
    s.created_ms = 1'800'000'000'000;
    s.summary = {{"id", id}, {"status", "pending_review"}, {"gallery", "bookings"}};
    s.candidates = {{"Zelda_Quintero", "REC-77", 0.61, 12, 2.5e-5, "measured"},
                    {"Yusuf_Okafor", "", 0.41, 3, std::nullopt, ""}};
    return s;
  }
  static BookedReview Rev(const std::string& who, const std::string& role,
                          const std::string& subject, const std::string& decision) {
    return {who, role, subject, decision, "compared the ear shape of " + subject, 1};
  }

  fs::path path() const { return dir_ / "searches.db"; }
  fs::path dir_;
  StoreKey key_{};
};

TEST_F(SearchBookTest, EntriesSurviveReopenAndRoundTrip) {
  {
    auto book = SearchBook::Open(path(), key_);
    ASSERT_TRUE(book.ok()) << book.status().ToString();
    ASSERT_TRUE((*book)->Put(Search("s-1", "ivan")).ok());
    ASSERT_TRUE((*book)->Put(Search("s-2", "olga")).ok());
    ASSERT_TRUE((*book)
                    ->Update("s-1",
                             [](BookedSearch& b) {
                               b.reviews.push_back(
                                   Rev("erin", "examiner", "Zelda_Quintero", "confirm"));
                               return OkStatus();
                             })
                    .ok());
  }
  auto book = SearchBook::Open(path(), key_);
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  auto s = (*book)->Get("s-1");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->requester, "ivan");
  EXPECT_EQ(s->created_ms, 1'800'000'000'000);
  EXPECT_EQ(s->summary["gallery"], "bookings");
  ASSERT_EQ(s->candidates.size(), 2u);
  EXPECT_EQ(s->candidates[0].record_ref, "REC-77");
  EXPECT_EQ(s->candidates[0].template_id, 12);
  EXPECT_DOUBLE_EQ(s->candidates[0].fpir.value(), 2.5e-5);
  EXPECT_EQ(s->candidates[0].fpir_basis, "measured");
  EXPECT_FALSE(s->candidates[1].fpir.has_value());
  ASSERT_EQ(s->reviews.size(), 1u);
  EXPECT_EQ(s->reviews[0].reviewer, "erin");
  EXPECT_EQ((*book)->Get("s-3").status().code(), Code::kNotFound);
  EXPECT_EQ((*book)->Get("../etc").status().code(), Code::kInvalidArgument);
  EXPECT_EQ((*book)->Update("s-3", [](BookedSearch&) { return OkStatus(); }).code(),
            Code::kNotFound);

  auto mine = (*book)->List("ivan", "");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].id, "s-1");
  auto pending = (*book)->List("", "pending_review");
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 2u);
  // A failing change writes nothing.
  EXPECT_EQ((*book)
                ->Update("s-2",
                         [](BookedSearch& b) {
                           b.reviews.push_back(Rev("x", "examiner", "Yusuf_Okafor", "reject"));
                           return InvalidArgumentError("no");
                         })
                .code(),
            Code::kInvalidArgument);
  EXPECT_TRUE((*book)->Get("s-2")->reviews.empty());
}

TEST_F(SearchBookTest, LeadStatusFollowsTheTwoPersonRule) {
  BookedSearch s = Search("s-1", "ivan");
  EXPECT_EQ(s.StatusName(), "pending_review");
  s.reviews.push_back(Rev("erin", "examiner", "Zelda_Quintero", "confirm"));
  EXPECT_EQ(s.StatusName(), "pending_review");  // one person
  s.reviews.push_back(Rev("ivan", "supervisor", "Zelda_Quintero", "confirm"));
  EXPECT_EQ(s.StatusName(), "pending_review");  // the requester never counts
  s.reviews.push_back(Rev("sam", "supervisor", "Yusuf_Okafor", "confirm"));
  EXPECT_EQ(s.StatusName(), "pending_review");  // another candidate
  s.reviews.push_back(Rev("sam", "supervisor", "Zelda_Quintero", "confirm"));
  EXPECT_EQ(s.StatusName(), "lead_released");
  EXPECT_EQ(s.ConfirmedSubjects(), std::vector<std::string>{"Zelda_Quintero"});
  s.reviews.push_back(Rev("emil", "examiner", "Zelda_Quintero", "reject"));
  EXPECT_EQ(s.StatusName(), "pending_review");  // any rejection blocks it

  BookedSearch two_supervisors = Search("s-2", "ivan");
  two_supervisors.reviews = {Rev("sam", "supervisor", "Zelda_Quintero", "confirm"),
                             Rev("sue", "supervisor", "Zelda_Quintero", "confirm")};
  EXPECT_EQ(two_supervisors.StatusName(), "pending_review");  // needs an examiner

  BookedSearch none = Search("s-3", "ivan");
  none.candidates.clear();
  none.summary["status"] = "no_candidate";
  EXPECT_EQ(none.StatusName(), "no_candidate");
}

TEST_F(SearchBookTest, SealedOnDiskAndBoundToItsRow) {
  {
    auto book = SearchBook::Open(path(), key_);
    ASSERT_TRUE(book.ok());
    BookedSearch s = Search("s-1", "ivan");
    s.reviews.push_back(Rev("erin", "examiner", "Zelda_Quintero", "confirm"));
    ASSERT_TRUE((*book)->Put(s).ok());
    ASSERT_TRUE((*book)->Put(Search("s-2", "ivan")).ok());
  }
  const std::string bytes = FileBytes(path());
  ASSERT_FALSE(bytes.empty());
  for (const char* secret : {"Zelda_Quintero", "REC-77", "ear shape", "bookings", "0.61"}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " is in clear on disk";
  }
  // Another key cannot open it.
  StoreKey other{};
  randombytes_buf(other.data(), other.size());
  {
    auto book = SearchBook::Open(path(), other);
    ASSERT_TRUE(book.ok());
    EXPECT_EQ((*book)->Get("s-1").status().code(), Code::kDataLoss);
  }
  // A document copied onto another row fails to open there.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE searches SET sealed = (SELECT sealed FROM searches WHERE "
                         "id = 's-1') WHERE id = 's-2'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto book = SearchBook::Open(path(), key_);
  ASSERT_TRUE(book.ok());
  EXPECT_TRUE((*book)->Get("s-1").ok());
  EXPECT_EQ((*book)->Get("s-2").status().code(), Code::kDataLoss);
}

TEST_F(SearchBookTest, PurgeDropsCaseDataAndOverwritesOldCiphertext) {
  auto book = SearchBook::Open(path(), key_);
  ASSERT_TRUE(book.ok());
  BookedSearch s = Search("s-1", "ivan");
  s.reviews.push_back(Rev("erin", "examiner", "Zelda_Quintero", "confirm"));
  ASSERT_TRUE((*book)->Put(s).ok());
  // The sealed document as stored before the purge.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sealed FROM searches WHERE id='s-1'", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  const std::string before(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                           sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  ASSERT_GT(before.size(), 64u);
  ASSERT_NE(FileBytes(path()).find(before.substr(24, 40)), std::string::npos);

  ASSERT_TRUE((*book)->Purge("s-1").ok());
  ASSERT_TRUE((*book)->Purge("never-there").ok());
  auto after = (*book)->Get("s-1");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->purged);
  EXPECT_TRUE(after->candidates.empty());
  EXPECT_TRUE(after->reviews.empty());
  EXPECT_EQ(after->StatusName(), "purged");
  EXPECT_EQ(after->summary["status"], "purged");
  EXPECT_EQ(FileBytes(path()).find(before.substr(24, 40)), std::string::npos)
      << "the purged entry's old ciphertext is still in the file";
}

TEST_F(SearchBookTest, InMemoryBookWorksWithoutAFile) {
  auto book = SearchBook::Open("", key_);
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  ASSERT_TRUE((*book)->Put(Search("s-1", "ivan")).ok());
  EXPECT_TRUE((*book)->Get("s-1").ok());
  EXPECT_FALSE(fs::exists(path()));
}

TEST_F(SearchBookTest, CorruptFileIsDataLossNotACrash) {
  fs::create_directories(dir_);
  {
    std::ofstream out(path(), std::ios::binary);
    out << std::string(8192, '\x5a');
  }
  auto book = SearchBook::Open(path(), key_);
  EXPECT_FALSE(book.ok());
  EXPECT_EQ(book.status().code(), Code::kDataLoss) << book.status().ToString();
}

}  // namespace
}  // namespace candor
