// Copyright 2026 The Candor Authors.
//
// The front end's audit log, replicated on JetStream (candor/cluster.h,
// OpenAuditStream and friends; docs/CLUSTER.md).

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "candor/cluster.h"
#include "cluster/nats_conn.h"
#include "common/file_util.h"

namespace candor {
namespace {

using cluster::MsgPtr;
using cluster::NatsConn;
using cluster::NatsError;

constexpr char kRecordHeader[] = "Candor-Audit-Record";
constexpr size_t kRecordHeaderBytes = 9;  // length:u32le crc:u32le type:u8

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status CheckLogId(const std::string& id) {
  if (id.empty() || id.size() > 64 ||
      !std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) {
    return InvalidArgumentError("audit log id must be 1-64 of [A-Za-z0-9_-]");
  }
  return OkStatus();
}

std::string AuditSubject(const ClusterOptions& o) { return "candor.audit." + o.audit_log_id; }

Status EnsureAuditStream(NatsConn& conn, const ClusterOptions& o) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = o.audit_stream.c_str();
  const char* subjects[] = {"candor.audit.>"};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = o.stream_replicas;
  cfg.Retention = js_LimitsPolicy;
  cfg.Discard = js_DiscardNew;  // never drop an audit record to make room
  cfg.MaxMsgSize = 2 << 20;     // a record is at most 1 MiB + its header
  cfg.Duplicates = static_cast<int64_t>(120) * 1000 * 1000 * 1000;  // 2 min, in ns
  cfg.DenyDelete = true;        // no API removes an audit record
  cfg.DenyPurge = true;
  return AddStreamIfMissing(conn, cfg, "the audit stream " + o.audit_stream);
}

// The record number a message carries (0 if none).
uint64_t RecordNumber(natsMsg* m) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(m, kRecordHeader, &v) != NATS_OK || !v) return 0;
  return std::strtoull(v, nullptr, 10);
}

std::string DataOf(natsMsg* m) {
  return std::string(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
}

struct Last {
  uint64_t record = 0;      // its record number (0: the subject is empty)
  uint64_t stream_seq = 0;  // its stream sequence
  std::string bytes;
};

StatusOr<Last> ReadLast(NatsConn& conn, const ClusterOptions& o) {
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string subject = AuditSubject(o);
  natsStatus s =
      cluster::GetLastMsg(conn, o.audit_stream, subject, o.publish_timeout_ms, &raw, &jerr);
  if (s != NATS_OK) {
    if (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) return Last{};
    return NatsError(s, "cannot read the audit stream's last record", jerr);
  }
  MsgPtr m(raw);
  Last l;
  l.record = RecordNumber(raw);
  l.stream_seq = natsMsg_GetSequence(raw);
  l.bytes = DataOf(raw);
  return l;
}

class JetStreamAuditMirror final : public AuditMirror {
 public:
  explicit JetStreamAuditMirror(const ClusterOptions& o) : o_(o) {}

  Status Init() {
    CANDOR_RETURN_IF_ERROR(CheckLogId(o_.audit_log_id));
    CANDOR_ASSIGN_OR_RETURN(conn_, NatsConn::Connect(o_));
    return EnsureAuditStream(*conn_, o_);
  }

  StatusOr<Tail> ReadTail() override {
    CANDOR_ASSIGN_OR_RETURN(Last l, ReadLast(*conn_, o_));
    if (l.stream_seq != 0 && l.record == 0) {
      return DataLossError("the audit stream's last message of log '" + o_.audit_log_id +
                           "' carries no record number: it was not written by Candor");
    }
    last_seq_ = l.stream_seq;
    last_record_ = l.record;
    return Tail{l.record, std::move(l.bytes)};
  }

  // A batch that failed part-way is handed over again whole: the records
  // already stored (numbers up to last_record_) are skipped.
  Status Append(uint64_t first, const std::vector<std::string>& records) override {
    if (first > last_record_ + 1) {
      return FailedPreconditionError("audit stream holds record " + std::to_string(last_record_) +
                                     ", asked to append from " + std::to_string(first));
    }
    for (size_t i = 0; i < records.size(); ++i) {
      if (first + i <= last_record_) continue;
      CANDOR_RETURN_IF_ERROR(PublishOne(first + i, records[i]));
    }
    return OkStatus();
  }

 private:
  // Publishes record `n`, retrying with the same message id (JetStream stores
  // it once) while JetStream is unavailable, up to publish_timeout_ms.
  Status PublishOne(uint64_t n, const std::string& bytes) {
    const std::string subject = AuditSubject(o_);
    const std::string msg_id = o_.audit_log_id + "-" + std::to_string(n);
    const std::string number = std::to_string(n);
    const int64_t deadline = NowMs() + o_.publish_timeout_ms;
    Status last = UnavailableError("not published");
    while (true) {
      natsMsg* raw = nullptr;
      natsStatus s = natsMsg_Create(&raw, subject.c_str(), nullptr, bytes.data(),
                                    static_cast<int>(bytes.size()));
      if (s != NATS_OK) return NatsError(s, "audit record message");
      MsgPtr m(raw);
      s = natsMsgHeader_Set(raw, kRecordHeader, number.c_str());
      if (s != NATS_OK) return NatsError(s, "audit record header");
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = msg_id.c_str();
      if (last_seq_ == 0) {
        po.ExpectNoMessage = true;
      } else {
        po.ExpectLastSubjectSeq = last_seq_;
      }
      po.MaxWait = std::clamp<int64_t>(deadline - NowMs(), 1, 1000);
      jsPubAck* ack = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      s = js_PublishMsg(&ack, conn_->js(), raw, &po, &jerr);
      if (s == NATS_OK) {
        last_seq_ = ack->Sequence;
        last_record_ = n;
        jsPubAck_Destroy(ack);
        return OkStatus();
      }
      if (jerr == JSStreamWrongLastSequenceErr) {
        // Our own earlier attempt may have been stored (its ack lost); else
        // someone else writes on this log id.
        CANDOR_ASSIGN_OR_RETURN(Last l, ReadLast(*conn_, o_));
        if (l.record == n && l.bytes == bytes) {
          last_seq_ = l.stream_seq;
          last_record_ = n;
          return OkStatus();
        }
        return FailedPreconditionError(
            "the audit stream's log '" + o_.audit_log_id + "' was written by someone else (its "
            "last record is number " + std::to_string(l.record) + ", this front end's " +
            std::to_string(n - 1) + "): two front ends share a log id, or records were forged");
      }
      last = NatsError(s, "JetStream did not acknowledge the audit record", jerr);
      if (!cluster::PublishRetryable(s, jerr) || NowMs() >= deadline) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  ClusterOptions o_;
  std::unique_ptr<NatsConn> conn_;
  uint64_t last_seq_ = 0;     // stream sequence of our last record on the subject
  uint64_t last_record_ = 0;  // its record number
};

struct SubDeleter {
  void operator()(natsSubscription* s) const { natsSubscription_Destroy(s); }
};

// Every record, in stream order, up to the subject's last message when called.
StatusOr<std::vector<std::string>> ReadAll(NatsConn& conn, const ClusterOptions& o) {
  CANDOR_ASSIGN_OR_RETURN(Last last, ReadLast(conn, o));
  std::vector<std::string> out;
  if (last.stream_seq == 0) return out;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = o.audit_stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string subject = AuditSubject(o);
  natsStatus s = js_SubscribeSync(&raw, conn.js(), subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return NatsError(s, "cannot read the audit stream", jerr);
  std::unique_ptr<natsSubscription, SubDeleter> sub(raw);
  while (true) {
    natsMsg* m = nullptr;
    s = natsSubscription_NextMsg(&m, sub.get(), static_cast<int64_t>(o.publish_timeout_ms));
    if (s != NATS_OK) return NatsError(s, "reading the audit stream");
    MsgPtr msg(m);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) != NATS_OK) continue;  // not a stream message
    const uint64_t seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    out.push_back(DataOf(m));
    if (seq >= last.stream_seq) break;
  }
  natsSubscription_Unsubscribe(sub.get());
  return out;
}

// Framed records in `data`, by their headers; stops at a short tail.
std::vector<std::string_view> SplitRecords(std::string_view data) {
  std::vector<std::string_view> out;
  size_t off = 0;
  while (data.size() - off >= kRecordHeaderBytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + off);
    const uint64_t len = uint64_t{p[0]} | uint64_t{p[1]} << 8 | uint64_t{p[2]} << 16 |
                         uint64_t{p[3]} << 24;
    if (data.size() - off - kRecordHeaderBytes < len) break;
    out.push_back(data.substr(off, kRecordHeaderBytes + len));
    off += kRecordHeaderBytes + len;
  }
  return out;
}

}  // namespace

StatusOr<std::shared_ptr<AuditMirror>> OpenAuditStream(const ClusterOptions& options) {
  auto m = std::make_shared<JetStreamAuditMirror>(options);
  CANDOR_RETURN_IF_ERROR(m->Init());
  return std::shared_ptr<AuditMirror>(std::move(m));
}

StatusOr<std::vector<std::string>> ReadAuditStream(const ClusterOptions& options) {
  CANDOR_RETURN_IF_ERROR(CheckLogId(options.audit_log_id));
  CANDOR_ASSIGN_OR_RETURN(auto conn, NatsConn::Connect(options));
  return ReadAll(*conn, options);
}

StatusOr<AuditStreamCheck> VerifyAuditStream(const ClusterOptions& options,
                                             const std::vector<uint8_t>& public_key,
                                             const std::filesystem::path& log_path,
                                             const std::filesystem::path& anchor_path) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<std::string> records, ReadAuditStream(options));
  std::string data;
  for (const std::string& r : records) data += r;
  AuditStreamCheck c;
  c.stream_records = records.size();
  CANDOR_ASSIGN_OR_RETURN(c.stream, VerifyAuditBytes(data, public_key, anchor_path));
  if (log_path.empty()) return c;
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, ReadFile(log_path, 64ull << 30));
  const std::string file(raw.begin(), raw.end());
  const std::vector<std::string_view> mine = SplitRecords(file);
  c.file_records = mine.size();
  for (size_t i = 0; i < records.size(); ++i) {
    if (i >= mine.size()) {
      c.problem = "the file lacks records " + std::to_string(i + 1) + "-" +
                  std::to_string(records.size()) +
                  " that the stream holds: the file was truncated or lost them";
      return c;
    }
    if (mine[i] != records[i]) {
      c.problem = "record " + std::to_string(i + 1) +
                  " differs between the file and the stream: one copy was modified, or a "
                  "record was inserted or removed before it in one of them";
      return c;
    }
  }
  if (mine.size() > records.size()) {
    c.problem = "the stream lacks the file's records " + std::to_string(records.size() + 1) +
                "-" + std::to_string(mine.size()) +
                " (not acknowledged by JetStream yet: the front end is running, or stopped "
                "before their acknowledgement and republishes them when it starts; else "
                "they were removed from the stream)";
    return c;
  }
  c.file_matches = true;
  return c;
}

StatusOr<uint64_t> RecoverAuditLog(const ClusterOptions& options,
                                   const std::filesystem::path& log_path) {
  std::error_code ec;
  if (std::filesystem::exists(log_path, ec)) {
    return AlreadyExistsError(log_path.string() + " exists; recover into a new file");
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<std::string> records, ReadAuditStream(options));
  if (records.empty()) {
    return NotFoundError("the audit stream holds no record of log '" + options.audit_log_id + "'");
  }
  std::string data;
  for (const std::string& r : records) data += r;
  if (log_path.has_parent_path()) std::filesystem::create_directories(log_path.parent_path(), ec);
  CANDOR_RETURN_IF_ERROR(WriteFileAtomic(log_path, data));
  return records.size();
}

}  // namespace candor
