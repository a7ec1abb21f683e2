// Copyright 2026 The Candor Authors.
//
// The audit log: append, reopen, verify; one test per kind of tampering; torn
// tails; SIGKILL crashes that must lose no acknowledged entry.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "candor/audit.h"
#include "common/file_util.h"
#include "common/hash.h"
#include "govern/audit_record.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using namespace audit_internal;

StatusOr<std::vector<uint8_t>> ParseHexDigestForTest(const std::string& hex) {
  CANDOR_ASSIGN_OR_RETURN(Sha256Digest d, ParseHexDigest(hex));
  return std::vector<uint8_t>(d.begin(), d.end());
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("candor_audit_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    key_ = GenerateAuditKey();
    log_ = dir_ / "audit.log";
    anchor_ = fs::path(log_.string() + ".anchor");
  }
  void TearDown() override { fs::remove_all(dir_); }

  AuditEntry Entry(int i) {
    AuditEntry e;
    e.actor = "alice";
    e.role = "investigator";
    e.action = "search.identify";
    e.authorization_id = "auth-" + std::to_string(i % 3);
    e.gallery = "licences";
    e.probe_hash = std::string(64, 'a');
    e.candidates_returned = i % 11;
    e.decision = i % 4 == 0 ? "deny" : "allow";
    e.outcome = "candidates";
    e.reason = "entry " + std::to_string(i);
    return e;
  }

  // Writes n entries with a checkpoint every `every`.
  void WriteEntries(int n, uint64_t every = 4) {
    AuditLogOptions o;
    o.checkpoint_every = every;
    auto log = AuditLog::Open(log_, key_, o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < n; ++i) ASSERT_TRUE((*log)->Append(Entry(i)).ok());
  }

  std::string ReadAll() {
    auto raw = ReadFile(log_);
    EXPECT_TRUE(raw.ok());
    return std::string(raw->begin(), raw->end());
  }
  void WriteAll(const std::string& s) {
    std::ofstream(log_, std::ios::binary | std::ios::trunc) << s;
  }
  std::vector<Record> Records() { return ScanRecords(ReadAll()).records; }
  void WriteRecords(const std::vector<Record>& recs) {
    std::string out;
    for (const Record& r : recs) out += EncodeRecord(r.type, r.payload);
    WriteAll(out);
  }
  // Index of the record holding entry `seq`.
  size_t IndexOfSeq(const std::vector<Record>& recs, uint64_t seq) {
    for (size_t i = 0; i < recs.size(); ++i) {
      if (recs[i].type != kTypeEntry) continue;
      auto e = DecodeEntry(recs[i].payload, nullptr);
      if (e.ok() && e->seq == seq) return i;
    }
    ADD_FAILURE() << "no seq " << seq;
    return 0;
  }
  AuditVerifyReport Verify(bool with_anchor = true) {
    auto r = VerifyAuditLog(log_, key_.public_key, with_anchor ? anchor_ : fs::path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  fs::path dir_, log_, anchor_;
  AuditSigningKey key_;
};

TEST_F(AuditLogTest, AppendReopenAndVerify) {
  WriteEntries(10);
  {
    auto log = AuditLog::Open(log_, key_);
    ASSERT_TRUE(log.ok());
    EXPECT_EQ((*log)->size(), 10u);
    auto seq = (*log)->Append(Entry(10));
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 11u);
  }
  AuditVerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 11u);
  EXPECT_GE(r.checkpoints, 3u);
  auto entries = ReadAuditEntries(log_);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 11u);
  EXPECT_EQ((*entries)[3].reason, "entry 3");
  EXPECT_EQ((*entries)[3].seq, 4u);
  EXPECT_EQ((*entries)[4].decision, "deny");
  EXPECT_EQ((*entries)[3].candidates_returned, 3);
}

TEST_F(AuditLogTest, KeyFilesRoundTripAndWrongKeyFailsVerification) {
  ASSERT_TRUE(WriteAuditKey(key_, dir_ / "k.sec", dir_ / "k.pub").ok());
  EXPECT_EQ(WriteAuditKey(key_, dir_ / "k.sec", dir_ / "k.pub").code(), Code::kAlreadyExists);
  auto k = ReadAuditKey(dir_ / "k.sec");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->public_key, key_.public_key);
  auto pub = ReadAuditPublicKey(dir_ / "k.pub");
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, key_.public_key);
  EXPECT_EQ(fs::status(dir_ / "k.sec").permissions() & fs::perms::others_read, fs::perms::none);
  WriteEntries(5);
  auto r = VerifyAuditLog(log_, GenerateAuditKey().public_key, anchor_);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->problem.find("signature"), std::string::npos) << r->problem;
}

TEST_F(AuditLogTest, DetectsModifiedEntryWithRecomputedChecksum) {
  WriteEntries(12);
  auto recs = Records();
  size_t i = IndexOfSeq(recs, 6);
  auto pos = recs[i].payload.find("deny");
  if (pos == std::string::npos) pos = recs[i].payload.find("allow");
  ASSERT_NE(pos, std::string::npos);
  recs[i].payload.replace(pos, 4, "DENY");
  WriteRecords(recs);  // checksums are valid: only the chain can tell
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 7u) << r.problem;  // seq 7 no longer commits to seq 6
  EXPECT_EQ(r.break_offset, recs[IndexOfSeq(recs, 7)].offset);
  EXPECT_NE(r.problem.find("seq 6 was modified"), std::string::npos) << r.problem;
  EXPECT_EQ(AuditLog::Open(log_, key_).status().code(), Code::kDataLoss);
}

TEST_F(AuditLogTest, DetectsModifiedLastEntryViaSignedCheckpoint) {
  WriteEntries(8);  // checkpoints after 4 and 8: entry 8 is covered by a checkpoint
  auto recs = Records();
  size_t i = IndexOfSeq(recs, 8);
  recs[i].payload.replace(recs[i].payload.find("entry 7"), 7, "entry X");
  WriteRecords(recs);
  AuditVerifyReport r = Verify(/*with_anchor=*/false);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 8u);
  EXPECT_NE(r.problem.find("signed checkpoint"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DetectsFlippedByteViaChecksum) {
  WriteEntries(6);
  std::string s = ReadAll();
  auto recs = Records();
  size_t off = recs[IndexOfSeq(recs, 2)].offset + kHeaderSize + 5;
  s[off] ^= 0x20;
  WriteAll(s);
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 2u);
  EXPECT_NE(r.problem.find("checksum"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DetectsDeletedEntry) {
  WriteEntries(12);
  auto recs = Records();
  recs.erase(recs.begin() + static_cast<long>(IndexOfSeq(recs, 5)));
  WriteRecords(recs);
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 5u);
  EXPECT_NE(r.problem.find("deleted"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DetectsDeletedEntryEvenWithRenumberedSeq) {
  // A careful forger renumbers the following entries; the chain still breaks.
  WriteEntries(6, /*every=*/100);
  auto recs = Records();
  std::vector<Record> out;
  uint64_t seq = 0;
  for (const Record& rec : recs) {
    if (rec.type != kTypeEntry) continue;
    std::string prev;
    auto e = DecodeEntry(rec.payload, &prev);
    if (e->seq == 3) continue;
    AuditEntry f = *e;
    f.seq = ++seq;
    auto p = *ParseHexDigestForTest(prev);
    out.push_back(Record{kTypeEntry, EncodeEntry(f, p), 0});
  }
  WriteRecords(out);
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 3u) << r.problem;
  EXPECT_NE(r.problem.find("hash chain breaks"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DetectsInsertedEntry) {
  WriteEntries(12);
  auto recs = Records();
  size_t i = IndexOfSeq(recs, 5);
  // Forge an entry claiming seq 6 that chains correctly to seq 5.
  std::vector<uint8_t> head(32, 0);
  for (size_t k = 0; k <= i; ++k) {
    if (recs[k].type == kTypeEntry) head = ChainStep(head, recs[k].payload);
  }
  AuditEntry forged = Entry(99);
  forged.seq = 6;
  forged.reason = "forged";
  recs.insert(recs.begin() + static_cast<long>(i) + 1,
              Record{kTypeEntry, EncodeEntry(forged, head), 0});
  WriteRecords(recs);
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  // The forged seq 6 chains, so the break shows at the genuine seq 6 after it.
  EXPECT_EQ(r.break_seq, 7u) << r.problem;
  EXPECT_NE(r.problem.find("inserted"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DetectsReorderedEntries) {
  WriteEntries(12);
  auto recs = Records();
  size_t a = IndexOfSeq(recs, 9), b = IndexOfSeq(recs, 10);
  std::swap(recs[a], recs[b]);
  WriteRecords(recs);
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 9u);
  EXPECT_NE(r.problem.find("found seq 10"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, DetectsTruncationAfterLastCheckpointViaAnchor) {
  WriteEntries(11);  // checkpoints at 4 and 8; entries 9..11 after the last one
  auto recs = Records();
  recs.resize(IndexOfSeq(recs, 10));  // drop seq 10 and 11 (clean record boundary)
  WriteRecords(recs);
  // Without the anchor the shorter log is self-consistent...
  AuditVerifyReport plain = Verify(/*with_anchor=*/false);
  EXPECT_TRUE(plain.ok);
  EXPECT_NE(plain.problem.find("not yet attested"), std::string::npos);
  // ...the signed anchor exposes the truncation and says where.
  AuditVerifyReport r = Verify(/*with_anchor=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 10u);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;
  // And the writer refuses to continue on a truncated log.
  EXPECT_EQ(AuditLog::Open(log_, key_).status().code(), Code::kDataLoss);
}

TEST_F(AuditLogTest, DetectsTruncationBeforeACheckpoint) {
  WriteEntries(12);
  auto recs = Records();
  recs.resize(IndexOfSeq(recs, 3));
  WriteRecords(recs);
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 3u);
}

TEST_F(AuditLogTest, DetectsRewrittenChainWithoutTheKey) {
  // A forger rebuilds the whole chain consistently but cannot re-sign checkpoints.
  WriteEntries(8);
  auto recs = Records();
  std::vector<Record> out;
  std::vector<uint8_t> head(32, 0);
  for (const Record& rec : recs) {
    if (rec.type == kTypeEntry) {
      AuditEntry e = *DecodeEntry(rec.payload, nullptr);
      if (e.seq == 2) e.actor = "mallory";
      std::string p = EncodeEntry(e, head);
      head = ChainStep(head, p);
      out.push_back(Record{kTypeEntry, p, 0});
    } else {
      out.push_back(rec);
    }
  }
  WriteRecords(out);
  AuditVerifyReport r = Verify(false);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.break_seq, 4u);  // the first checkpoint no longer matches
  EXPECT_NE(r.problem.find("signed checkpoint"), std::string::npos) << r.problem;
  // Replacing the checkpoints with ones signed by another key fails the signature.
  AuditSigningKey other = GenerateAuditKey();
  for (Record& rec : out) {
    if (rec.type != kTypeCheckpoint) continue;
    auto c = *DecodeCheckpoint(rec.payload);
    rec.payload = EncodeCheckpoint(c.count, *ParseHexDigestForTest(c.head_hex), c.time_ms, other);
  }
  WriteRecords(out);
  r = Verify(false);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("invalid signature"), std::string::npos) << r.problem;
}

TEST_F(AuditLogTest, TornTailIsTruncatedOnOpenAndTheTruncationAudited) {
  WriteEntries(5, /*every=*/100);
  std::string s = ReadAll();
  std::string extra = EncodeRecord(kTypeEntry, "{\"partial\":");
  WriteAll(s + extra.substr(0, extra.size() - 3));  // a torn append
  AuditVerifyReport before = Verify(false);
  EXPECT_FALSE(before.ok);
  EXPECT_NE(before.problem.find("torn tail"), std::string::npos);
  {
    auto log = AuditLog::Open(log_, key_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ((*log)->size(), 6u);  // 5 + the recovery entry
  }
  AuditVerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  auto entries = *ReadAuditEntries(log_);
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries.back().action, "audit.recovered");
  EXPECT_NE(entries.back().reason.find("torn tail"), std::string::npos);
}

TEST_F(AuditLogTest, ZeroFilledTailIsTornNotCorrupt) {
  WriteEntries(3, 100);
  WriteAll(ReadAll() + std::string(4096, '\0'));
  auto log = AuditLog::Open(log_, key_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->size(), 4u);
}

TEST_F(AuditLogTest, CorruptionInTheMiddleIsNeverTruncatedAway) {
  WriteEntries(6, 100);
  std::string s = ReadAll();
  auto recs = Records();
  s[recs[IndexOfSeq(recs, 3)].offset + kHeaderSize + 2] ^= 1;
  WriteAll(s);
  EXPECT_EQ(AuditLog::Open(log_, key_).status().code(), Code::kDataLoss);
  EXPECT_EQ(ReadAll(), s);  // nothing was removed
}

TEST_F(AuditLogTest, TornAnchorSlotFallsBackToTheOtherSlot) {
  WriteEntries(7, /*every=*/100);  // slots alternate: both hold a recent count
  auto raw = *ReadFile(anchor_);
  ASSERT_EQ(raw.size(), 2 * kAnchorSlotSize);
  auto slot1 = DecodeCheckpoint(std::string_view(
      reinterpret_cast<const char*>(raw.data()) + kAnchorSlotSize, kAnchorSlotSize));
  ASSERT_TRUE(slot1.ok());
  for (size_t i = 0; i < 100; ++i) raw[i] = 'x';  // torn slot 0
  std::ofstream(anchor_, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  auto c = ParseAnchor(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()),
                       key_.public_key);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->count, slot1->count);
  EXPECT_GE(c->count, 6u);
  EXPECT_TRUE(Verify().ok);
  // Both slots destroyed: the anchor is reported, not silently ignored.
  std::ofstream(anchor_, std::ios::binary | std::ios::trunc) << std::string(1024, 'x');
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("anchor"), std::string::npos);
}

TEST_F(AuditLogTest, ConcurrentAppendsShareSyncsAndKeepTheChain) {
  AuditLogOptions o;
  o.checkpoint_every = 7;
  auto log = AuditLog::Open(log_, key_, o);
  ASSERT_TRUE(log.ok());
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        auto seq = (*log)->Append(Entry(t * 100 + i));
        ASSERT_TRUE(seq.ok());
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_TRUE(seqs.insert(*seq).second);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(seqs.size(), 320u);
  EXPECT_EQ(*seqs.rbegin(), 320u);
  log->reset();
  AuditVerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 320u);
  EXPECT_GE(r.checkpoints, 45u);
}

// Readers while others append (the server's auditor routes run beside every
// other request). Before VerifyLive, verifying read the log and then the anchor,
// so an append in between made a live, intact log look truncated ("the signed
// anchor attests 66 entries but the log holds 65"), as CI's browser test saw.
TEST_F(AuditLogTest, VerifyingWhileOthersAppendNeverReportsABreak) {
  AuditLogOptions o;
  o.checkpoint_every = 5;
  auto log = AuditLog::Open(log_, key_, o);
  ASSERT_TRUE(log.ok());
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) ASSERT_TRUE((*log)->Append(Entry(t * 1000 + i)).ok());
    });
  }
  std::thread stopper([&] {
    for (auto& w : writers) w.join();
    done = true;
  });
  int live_runs = 0, file_runs = 0, reads = 0;
  uint64_t last_live = 0;
  while (!done) {
    auto live = (*log)->VerifyLive(key_.public_key);
    ASSERT_TRUE(live.ok()) << live.status().message();
    ASSERT_TRUE(live->ok) << live->problem;
    EXPECT_GE(live->entries, last_live);  // a later view never holds fewer entries
    last_live = live->entries;
    ++live_runs;
    auto file = VerifyAuditLog(log_, key_.public_key, anchor_);
    ASSERT_TRUE(file.ok()) << file.status().message();
    ASSERT_TRUE(file->ok) << file->problem;
    ++file_runs;
    auto entries = (*log)->ReadLive();
    ASSERT_TRUE(entries.ok()) << entries.status().message();
    for (size_t i = 0; i < entries->size(); ++i) ASSERT_EQ((*entries)[i].seq, i + 1);
    ++reads;
  }
  stopper.join();
  EXPECT_GT(live_runs, 0);
  EXPECT_GT(file_runs, 0);
  EXPECT_GT(reads, 0);
  auto final_view = (*log)->VerifyLive(key_.public_key);
  ASSERT_TRUE(final_view.ok());
  EXPECT_TRUE(final_view->ok) << final_view->problem;
  EXPECT_EQ(final_view->entries, 450u);
}

TEST_F(AuditLogTest, VerifyLiveStillDetectsTampering) {
  auto log = AuditLog::Open(log_, key_);
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->Append(Entry(i)).ok());
  // Flip one byte of the first entry's payload behind the writer's back.
  {
    std::fstream f(log_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(20);
    char c = 0;
    f.read(&c, 1);
    c ^= 0x01;
    f.seekp(20);
    f.write(&c, 1);
  }
  auto r = (*log)->VerifyLive(key_.public_key);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->break_seq, 1u) << r->problem;
}

TEST_F(AuditLogTest, SecondWriterIsRefused) {
  auto a = AuditLog::Open(log_, key_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(AuditLog::Open(log_, key_).status().code(), Code::kUnavailable);
}

// A child appends entries and reports each acknowledged seq through a pipe; the
// parent SIGKILLs it at a random moment, reopens, and checks that the chain
// verifies and that every acknowledged entry is present. Repeated.
TEST_F(AuditLogTest, SigkillNeverLosesAnAcknowledgedEntry) {
  std::mt19937 rng(12345);
  uint64_t max_acked = 0;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      AuditLogOptions o;
      o.checkpoint_every = 5;
      auto log = AuditLog::Open(log_, key_, o);
      if (!log.ok()) ::_exit(3);
      for (int i = 0;; ++i) {
        auto seq = (*log)->Append(Entry(i));
        if (!seq.ok()) ::_exit(4);
        uint64_t v = *seq;
        if (::write(fds[1], &v, sizeof(v)) != sizeof(v)) ::_exit(5);
      }
    }
    ::close(fds[1]);
    const int wait_acks = 3 + static_cast<int>(rng() % 40);
    uint64_t v = 0;
    for (int k = 0; k < wait_acks && ::read(fds[0], &v, sizeof(v)) == sizeof(v); ++k) {
      max_acked = std::max(max_acked, v);
    }
    ::kill(pid, SIGKILL);
    while (::read(fds[0], &v, sizeof(v)) == sizeof(v)) max_acked = std::max(max_acked, v);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited by itself with " << WEXITSTATUS(status);

    // Half the rounds also simulate a torn last write.
    if (round % 2 == 1) {
      std::string s = ReadAll();
      WriteAll(s + EncodeRecord(kTypeEntry, std::string(100, 'x')).substr(0, 50));
    }
    auto log = AuditLog::Open(log_, key_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_GE((*log)->size(), max_acked) << "round " << round;
    log->reset();
    AuditVerifyReport r = Verify();
    ASSERT_TRUE(r.ok) << "round " << round << ": " << r.problem;
    auto entries = *ReadAuditEntries(log_);
    std::set<uint64_t> seqs;
    for (const auto& e : entries) seqs.insert(e.seq);
    for (uint64_t s = 1; s <= max_acked; ++s) ASSERT_TRUE(seqs.count(s)) << "lost seq " << s;
  }
  EXPECT_GT(max_acked, 12u);
}

}  // namespace
}  // namespace candor
