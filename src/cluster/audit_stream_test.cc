// Copyright 2026 The Candor Authors.
//
// The front end's audit log replicated on JetStream (OpenAuditStream), against
// a real 3-node JetStream (Debian's nats-server on 127.0.0.1, free ports, a
// scratch directory; the audit stream with 3 replicas): losing the audit file
// loses no acknowledged entry (it is recovered byte for byte from the stream
// and verifies), and records forged, replaced or re-chained in the stream are
// detected. Skips when nats-server is not installed.

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <filesystem>

#include "candor/audit.h"
#include "candor/cluster.h"
#include "cluster/nats_conn.h"
#include "cluster/nats_test_cluster.h"
#include "gallery/test_util.h"
#include "govern/audit_record.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using cluster::testing::NatsTestCluster;

AuditEntry Entry(int i) {
  AuditEntry e;
  e.actor = "alice";
  e.role = "investigator";
  e.action = "search.identify";
  e.authorization_id = "auth-" + std::to_string(i % 3);
  e.gallery = "licences";
  e.probe_hash = std::string(64, 'a');
  e.candidates_returned = i % 11;
  e.decision = "allow";
  e.outcome = "candidates";
  e.reason = "entry " + std::to_string(i);
  return e;
}

// One 3-node JetStream for the suite (its start-up is most of the time);
// each test writes its own log id.
class AuditStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new gallery::testing::ScratchDir();
    auto nats = NatsTestCluster::Start(3, dir_->path() + "/nats");
    if (!nats.ok()) {
      start_error_ = new Status(nats.status());
      return;
    }
    nats_ = std::move(nats).value().release();
  }
  static void TearDownTestSuite() {
    delete nats_;
    nats_ = nullptr;
    delete dir_;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    if (start_error_ && start_error_->code() == Code::kNotFound) {
      GTEST_SKIP() << "nats-server is not installed (scripts/setup.sh installs it): "
                   << start_error_->ToString();
    }
    ASSERT_EQ(start_error_, nullptr) << start_error_->ToString();
    options_.servers = nats_->urls();
    options_.stream_replicas = 3;
    options_.publish_timeout_ms = 3000;
    options_.audit_log_id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    key_ = GenerateAuditKey();
    log_ = fs::path(dir_->path()) / options_.audit_log_id / "audit.log";
    fs::create_directories(log_.parent_path());
  }

  StatusOr<std::unique_ptr<AuditLog>> OpenLog() {
    CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<AuditMirror> mirror, OpenAuditStream(options_));
    AuditLogOptions o;
    o.checkpoint_every = 8;
    o.mirror = std::move(mirror);
    return AuditLog::Open(log_, key_, o);
  }

  // Publishes raw bytes on the log's subject, as anyone allowed to publish
  // there could (with a forged record number header).
  void Forge(const std::string& bytes, uint64_t record_number) {
    auto conn = cluster::NatsConn::Connect(options_);
    ASSERT_TRUE(conn.ok());
    natsMsg* m = nullptr;
    ASSERT_EQ(natsMsg_Create(&m, ("candor.audit." + options_.audit_log_id).c_str(), nullptr, bytes.data(),
                             static_cast<int>(bytes.size())),
              NATS_OK);
    natsMsgHeader_Set(m, "Candor-Audit-Record", std::to_string(record_number).c_str());
    jsPubAck* ack = nullptr;
    ASSERT_EQ(js_PublishMsg(&ack, (*conn)->js(), m, nullptr, nullptr), NATS_OK);
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(m);
  }

  static inline gallery::testing::ScratchDir* dir_ = nullptr;
  static inline NatsTestCluster* nats_ = nullptr;
  static inline Status* start_error_ = nullptr;
  ClusterOptions options_;
  AuditSigningKey key_;
  fs::path log_;
};

TEST_F(AuditStreamTest, ALostAuditFileIsRecoveredFromTheStreamAndVerifies) {
  std::vector<AuditEntry> written;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 30; ++i) {
      auto seq = (*log)->Append(Entry(i));
      ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    }
    // Acknowledged means in the stream too: the copies match while it runs.
    auto check = VerifyAuditStream(options_, key_.public_key, log_, {});
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    EXPECT_TRUE(check->stream.ok) << check->stream.problem;
    EXPECT_EQ(check->stream.entries, 30u);
    EXPECT_TRUE(check->file_matches) << check->problem;
    EXPECT_EQ(check->stream_records, check->file_records);
  }  // Close writes a last checkpoint, also to the stream.
  auto before = ReadAuditEntries(log_);
  ASSERT_TRUE(before.ok());
  auto file_report = VerifyAuditLog(log_, key_.public_key);
  ASSERT_TRUE(file_report.ok() && file_report->ok);

  // The front end loses its disk: the log and its anchor are gone.
  fs::remove(log_);
  fs::remove(log_.string() + ".anchor");
  // Starting over with an empty file would hide the loss: refused.
  auto fresh = OpenLog();
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.status().code(), Code::kDataLoss) << fresh.status().ToString();
  EXPECT_NE(fresh.status().message().find("candor audit recover"), std::string::npos);
  fs::remove(log_);
  fs::remove(log_.string() + ".anchor");

  auto recovered = RecoverAuditLog(options_, log_);
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  auto report = VerifyAuditLog(log_, key_.public_key);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, 30u);
  EXPECT_EQ(report->head_hex, file_report->head_hex);
  EXPECT_EQ(report->checkpoints, file_report->checkpoints);
  auto after = ReadAuditEntries(log_);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].reason, (*before)[i].reason);
    EXPECT_EQ((*after)[i].time_ms, (*before)[i].time_ms);
  }
  // The recovered file carries on: new entries reach both copies.
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*log)->Append(Entry(30)).ok());
  }
  auto check = VerifyAuditStream(options_, key_.public_key, log_, log_.string() + ".anchor");
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->stream.ok) << check->stream.problem;
  EXPECT_EQ(check->stream.entries, 31u);
  EXPECT_TRUE(check->file_matches) << check->problem;
}

TEST_F(AuditStreamTest, RecordsForgedOrReplacedInTheStreamAreDetected) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 12; ++i) ASSERT_TRUE((*log)->Append(Entry(i)).ok());
  }
  auto records = ReadAuditStream(options_);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_GE(records->size(), 13u);  // 12 entries, 1+ checkpoints

  // The stream refuses to delete or purge an audit record.
  {
    auto conn = cluster::NatsConn::Connect(options_);
    ASSERT_TRUE(conn.ok());
    jsErrCode jerr = static_cast<jsErrCode>(0);
    EXPECT_NE(js_DeleteMsg((*conn)->js(), options_.audit_stream.c_str(), 3, nullptr, &jerr),
              NATS_OK);
    EXPECT_NE(js_PurgeStream((*conn)->js(), options_.audit_stream.c_str(), nullptr, &jerr),
              NATS_OK);
  }

  // Someone with publish rights "replaces" entry 3: a well-formed record with
  // a changed reason, published as record 3 again.
  std::string prev;
  auto scan = audit_internal::ScanRecords((*records)[2]);
  ASSERT_EQ(scan.records.size(), 1u);
  auto e3 = audit_internal::DecodeEntry(scan.records[0].payload, &prev);
  ASSERT_TRUE(e3.ok());
  e3->reason = "nothing to see";
  std::vector<uint8_t> prev_head(32);
  for (size_t i = 0; i < 32; ++i) prev_head[i] = static_cast<uint8_t>(std::stoi(prev.substr(2 * i, 2), nullptr, 16));
  Forge(audit_internal::EncodeRecord(audit_internal::kTypeEntry,
                                     audit_internal::EncodeEntry(*e3, prev_head)),
        3);

  auto check = VerifyAuditStream(options_, key_.public_key, log_, {});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_FALSE(check->stream.ok);
  EXPECT_NE(check->stream.problem.find("expected entry seq 13 but found seq 3"), std::string::npos)
      << check->stream.problem;
  EXPECT_FALSE(check->file_matches);
  EXPECT_NE(check->problem.find("the file lacks records"), std::string::npos) << check->problem;

  // The front end notices the foreign record at its next start.
  auto reopened = OpenLog();
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), Code::kDataLoss) << reopened.status().ToString();
}

TEST_F(AuditStreamTest, ARechainedStreamFailsItsSignedCheckpoints) {
  // The stream under another log id, rewritten by someone who holds no audit
  // signing key: entry 2 changed and every later entry re-chained so the hash
  // chain is consistent; the signed checkpoints, copied over, no longer match.
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->Append(Entry(i)).ok());
  }
  auto records = ReadAuditStream(options_);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  std::vector<uint8_t> head(32, 0);
  std::vector<std::string> forged;
  for (const std::string& r : *records) {
    auto scan = audit_internal::ScanRecords(r);
    ASSERT_EQ(scan.records.size(), 1u);
    if (scan.records[0].type != audit_internal::kTypeEntry) {
      forged.push_back(r);
      continue;
    }
    auto e = audit_internal::DecodeEntry(scan.records[0].payload, nullptr);
    ASSERT_TRUE(e.ok());
    if (e->seq == 2) e->reason = "rewritten";
    const std::string payload = audit_internal::EncodeEntry(*e, head);
    head = audit_internal::ChainStep(head, payload);
    forged.push_back(audit_internal::EncodeRecord(audit_internal::kTypeEntry, payload));
  }
  options_.audit_log_id += "-forged";
  {
    auto mirror = OpenAuditStream(options_);
    ASSERT_TRUE(mirror.ok());
    auto tail = (*mirror)->ReadTail();
    ASSERT_TRUE(tail.ok() && tail->count == 0);
    ASSERT_TRUE((*mirror)->Append(1, forged).ok());
    // Handed over again (as after a failure part-way): nothing stored twice.
    ASSERT_TRUE((*mirror)->Append(1, forged).ok());
    EXPECT_EQ((*mirror)->Append(forged.size() + 2, forged).code(), Code::kFailedPrecondition);
  }
  auto stored = ReadAuditStream(options_);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, forged);
  auto check = VerifyAuditStream(options_, key_.public_key, {}, {});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_FALSE(check->stream.ok);
  EXPECT_NE(check->stream.problem.find("signed checkpoint"), std::string::npos)
      << check->stream.problem;
  EXPECT_EQ(check->stream.entries, 8u);  // the first checkpoint (8 entries) breaks
}

TEST_F(AuditStreamTest, AnEntryIsAcknowledgedOnlyOnceJetStreamHoldsIt) {
  // Killing a node may kill the stream's leader: the election that follows
  // takes seconds on a loaded host, and an append may wait that long.
  options_.publish_timeout_ms = 10'000;
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE((*log)->Append(Entry(0)).ok());
  // One node down: the stream (3 replicas) keeps a majority; appends go on.
  nats_->Kill(2);
  ASSERT_TRUE((*log)->Append(Entry(1)).ok());
  // Two down: no majority, no acknowledgement. The entry is in the file but
  // the append fails (the action it records is refused).
  nats_->Kill(1);
  auto refused = (*log)->Append(Entry(2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
  ASSERT_TRUE(nats_->Restart(1).ok());
  ASSERT_TRUE(nats_->Restart(2).ok());
  ASSERT_TRUE(nats_->WaitReady(30'000).ok());
  // Back to a majority: the held-back entry goes out with the next one.
  Status next = UnavailableError("not tried");
  for (int attempt = 0; attempt < 20 && !next.ok(); ++attempt) {
    next = (*log)->Append(Entry(3 + attempt)).status();
  }
  ASSERT_TRUE(next.ok()) << next.ToString();
  auto check = VerifyAuditStream(options_, key_.public_key, log_, {});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->stream.ok) << check->stream.problem;
  EXPECT_TRUE(check->file_matches) << check->problem;
  EXPECT_EQ(check->stream.entries, (*log)->size());
}

}  // namespace
}  // namespace candor
