// Copyright 2026 The Candor Authors.
//
// A shard replica: applies its shard's part of the enrollment log to a local
// gallery store, in stream order, and answers that shard's requests.
//
// Applied position: after each applied batch the stream sequence of its last
// entry is written durably to <store>/cluster.applied (write temp, fsync,
// rename). At start the durable consumer is re-created to deliver from that
// sequence + 1, so entries are applied exactly in log order; an entry applied
// but not yet recorded before a crash is applied again, which is harmless
// (an enrollment replayed is ALREADY_EXISTS, a deletion replayed NOT_FOUND).
//
// No gaps: a message JetStream delivered to a pull request whose reply was
// lost (a NATS node killed or partitioned mid-fetch) would otherwise only come
// back after the ack wait, behind later entries. Each delivery's consumer
// sequence must be the previous one + 1; on any jump (or an apply error, or a
// lost consumer) the consumer is re-created from the applied sequence + 1.

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "candor/cluster.h"
#include "cluster/bus_codec.h"
#include "cluster/nats_conn.h"
#include "common/file_util.h"

namespace candor {
namespace {

using cluster::Json;
using cluster::MsgPtr;
using cluster::NatsConn;
using cluster::NatsError;

constexpr char kAppliedFile[] = "cluster.applied";
// Which stream (by name and creation time), cluster size and shard the
// store's contents come from: a snapshot restored elsewhere is checked
// against it.
constexpr char kIdentityFile[] = "cluster.shard";
// Present when the store's template ids come from the log (TemplateIdOf):
// written when a replica starts on a store without templates, copied with a
// snapshot. A store filled otherwise (before this numbering, or directly, as
// bench/cluster_bench does) keeps numbering its own templates.
constexpr char kLogIdsFile[] = "cluster.ids";

namespace fs = std::filesystem;

Status SyncFile(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InternalError("cannot open " + p.string() + " to sync it");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? OkStatus() : InternalError("fsync " + p.string() + " failed");
}

// Copies a store directory (not its lock file or SQLite's shared-memory
// index, which are per process) and syncs every file and directory.
Status CopyStoreTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return InternalError("cannot create " + to.string() + ": " + ec.message());
  for (const fs::directory_entry& e : fs::directory_iterator(from, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "LOCK" || name.ends_with("-shm")) continue;
    const fs::path dst = to / name;
    if (e.is_directory()) {
      CANDOR_RETURN_IF_ERROR(CopyStoreTree(e.path(), dst));
    } else {
      fs::copy_file(e.path(), dst, fs::copy_options::overwrite_existing, ec);
      if (ec) return InternalError("cannot copy " + e.path().string() + ": " + ec.message());
      CANDOR_RETURN_IF_ERROR(SyncFile(dst));
    }
  }
  if (ec) return InternalError("cannot list " + from.string() + ": " + ec.message());
  return SyncDir(to);
}

bool EmptyOrMissing(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

StatusOr<int64_t> StreamCreated(cluster::NatsConn& conn, const std::string& stream) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, conn.js(), stream.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return cluster::NatsError(s, "cannot read stream " + stream, jerr);
  const int64_t created = si->Created;
  jsStreamInfo_Destroy(si);
  return created;
}

bool Transient(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
    case Code::kAlreadyExists:
    case Code::kNotFound:
    case Code::kInvalidArgument:
    case Code::kFailedPrecondition:
    case Code::kOutOfRange:
      return false;
    default:
      return true;
  }
}

class ShardReplicaImpl final : public ShardReplica {
 public:
  explicit ShardReplicaImpl(const ShardReplicaOptions& o)
      : o_(o), bus_(cluster::BusKey(o.key)), durable_("shard" + std::to_string(o.shard) + "-r" +
                                                       std::to_string(o.replica)) {}
  ~ShardReplicaImpl() override { Stop(); }

  Status Init();

  uint64_t applied_seq() const override { return applied_.load(); }
  bool caught_up() const override { return caught_up_.load(); }
  uint64_t entries_applied() const override { return entries_applied_.load(); }
  const Store& store() const override { return *store_; }
  StatusOr<uint64_t> Snapshot(const std::string& dir) override;
  void Stop() override;

 private:
  Status CheckIdentity(const std::string& dir, std::optional<int64_t> created) const;
  Status RestoreSnapshot();
  // Template ids from the log unless the store already numbered its own.
  Status ChooseTemplateIds();
  Status Subscribe();
  bool LogDrained();
  void ConsumeLoop();
  Status ApplyBatch(natsMsgList& list);
  Status FlushPuts(const std::string& gallery, std::vector<EnrollRequest>& puts);
  Status ApplyAppend(const std::string& gallery, EnrollRequest r);
  Status PersistApplied(uint64_t seq);
  static void OnRequestCb(natsConnection*, natsSubscription*, natsMsg* msg, void* self) {
    auto* r = static_cast<ShardReplicaImpl*>(self);
    ++r->in_flight_;
    if (!r->stop_.load()) r->OnRequest(MsgPtr(msg));
    else natsMsg_Destroy(msg);
    --r->in_flight_;
  }
  void OnRequest(MsgPtr msg);
  StatusOr<Json> Dispatch(const Json& req);

  ShardReplicaOptions o_;
  gallery::Key bus_;
  std::string durable_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<NatsConn> conn_;
  natsSubscription* pull_ = nullptr;
  natsSubscription* requests_ = nullptr;
  std::thread consumer_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> applied_{0};
  std::atomic<bool> caught_up_{false};
  bool log_ids_ = false;  // template ids from the log (kLogIdsFile)
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> entries_applied_{0};
  std::mutex apply_mu_;     // held while a batch is applied (Snapshot pauses it)
  uint64_t next_dseq_ = 1;  // the consumer sequence due next (consume thread only)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

Status ShardReplicaImpl::Init() {
  if (o_.shard < 0 || o_.shard >= o_.cluster.shards || o_.replica < 0) {
    return InvalidArgumentError("shard " + std::to_string(o_.shard) + " replica " +
                                std::to_string(o_.replica) + " is outside the cluster's " +
                                std::to_string(o_.cluster.shards) + " shards");
  }
  if (o_.rebuild && fs::exists(fs::path(o_.store_dir) / "store.db")) {
    return FailedPreconditionError("--rebuild needs an empty store directory; " + o_.store_dir +
                                   " already holds a store");
  }
  if (!o_.snapshot.empty()) CANDOR_RETURN_IF_ERROR(RestoreSnapshot());
  StoreOptions so;
  so.master_key = o_.key;
  so.create_if_missing = true;
  so.index_spec = o_.index_spec;
  CANDOR_ASSIGN_OR_RETURN(store_, Store::Open(o_.store_dir, so));
  std::fill(so.master_key.begin(), so.master_key.end(), 0);
  CANDOR_RETURN_IF_ERROR(CheckIdentity(o_.store_dir, std::nullopt));
  CANDOR_RETURN_IF_ERROR(ChooseTemplateIds());
  const fs::path applied_path = fs::path(o_.store_dir) / kAppliedFile;
  if (fs::exists(applied_path)) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(applied_path, 64));
    applied_ = std::strtoull(std::string(bytes.begin(), bytes.end()).c_str(), nullptr, 10);
  }
  ClusterOptions co = o_.cluster;
  co.client_name = durable_;
  CANDOR_ASSIGN_OR_RETURN(conn_, NatsConn::Connect(co));
  // The stream and the consumer are (re)made by the consume loop, which
  // retries while JetStream is unavailable (e.g. a leader election).
  const std::string subject = cluster::RequestSubject(o_.shard, o_.replica);
  natsStatus s = natsConnection_Subscribe(&requests_, conn_->nc(), subject.c_str(),
                                          &ShardReplicaImpl::OnRequestCb, this);
  if (s != NATS_OK) return NatsError(s, "cannot subscribe to " + subject);
  consumer_ = std::thread([this] { ConsumeLoop(); });
  return OkStatus();
}

// (Re-)creates the durable consumer so that it delivers from applied_ + 1.
Status ShardReplicaImpl::Subscribe() {
  if (pull_) {
    natsSubscription_Destroy(pull_);
    pull_ = nullptr;
  }
  next_dseq_ = 1;
  CANDOR_RETURN_IF_ERROR(cluster::EnsureStream(*conn_, o_.cluster));
  CANDOR_ASSIGN_OR_RETURN(int64_t created, StreamCreated(*conn_, o_.cluster.stream));
  CANDOR_RETURN_IF_ERROR(CheckIdentity(o_.store_dir, created));
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteConsumer(conn_->js(), o_.cluster.stream.c_str(), durable_.c_str(),
                                   nullptr, &jerr);
  if (s != NATS_OK && jerr != JSConsumerNotFoundErr) {
    return NatsError(s, "cannot reset consumer " + durable_, jerr);
  }
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = o_.cluster.stream.c_str();
  so.Config.Durable = durable_.c_str();
  so.Config.AckPolicy = js_AckExplicit;
  so.Config.AckWait = static_cast<int64_t>(10) * 1000 * 1000 * 1000;
  so.Config.MaxAckPending = 65536;
  if (applied_.load() > 0) {
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = applied_.load() + 1;
  } else {
    so.Config.DeliverPolicy = js_DeliverAll;
  }
  const std::string filter = cluster::ShardFilter(o_.shard);
  jerr = static_cast<jsErrCode>(0);
  s = js_PullSubscribe(&pull_, conn_->js(), filter.c_str(), durable_.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return NatsError(s, "cannot create durable consumer " + durable_, jerr);
  return OkStatus();
}

// True when JetStream says this replica's consumer has no message left to
// deliver. A fetch that times out is not proof of it: on a loaded host a new
// consumer's first delivery can take longer than the fetch's wait, and a
// replica rebuilt from the log would then say it had caught up with nothing
// applied (seen once in a fresh-clone run of ClusterTest).
bool ShardReplicaImpl::LogDrained() {
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (natsSubscription_GetConsumerInfo(&ci, pull_, nullptr, &jerr) != NATS_OK || ci == nullptr) {
    return false;
  }
  const bool drained = ci->NumPending == 0;
  jsConsumerInfo_Destroy(ci);
  return drained;
}

void ShardReplicaImpl::ConsumeLoop() {
  while (!stop_.load()) {
    if (!pull_) {
      Status r = Subscribe();
      if (!r.ok()) {
        spdlog::warn("shard {} replica {}: {}; retrying", o_.shard, o_.replica, r.ToString());
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        continue;
      }
    }
    natsMsgList list{};
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_Fetch(&list, pull_, 512, 200, &jerr);
    if (stop_.load()) {
      natsMsgList_Destroy(&list);
      break;
    }
    if (s == NATS_TIMEOUT || (s == NATS_OK && list.Count == 0)) {
      natsMsgList_Destroy(&list);
      if (!caught_up_.load() && !LogDrained()) continue;  // a quiet fetch is not proof
      if (!caught_up_.exchange(true)) {
        spdlog::info("shard {} replica {}: caught up at sequence {}", o_.shard, o_.replica,
                     applied_.load());
        cv_.notify_all();
      }
      continue;
    }
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    Status st;
    {
      std::lock_guard<std::mutex> apply(apply_mu_);
      st = ApplyBatch(list);
    }
    natsMsgList_Destroy(&list);
    if (!st.ok()) {
      if (st.code() != Code::kAborted) {
        spdlog::error("shard {} replica {}: {}", o_.shard, o_.replica, st.ToString());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      spdlog::info("shard {} replica {}: re-reading the log from sequence {}", o_.shard,
                   o_.replica, applied_.load() + 1);
      natsSubscription_Destroy(pull_);
      pull_ = nullptr;
    }
  }
}

Status ShardReplicaImpl::FlushPuts(const std::string& gallery, std::vector<EnrollRequest>& puts) {
  if (puts.empty()) return OkStatus();
  Status s = store_->Enroll(gallery, puts);
  if (!s.ok()) {
    // One by one: a replayed entry is ALREADY_EXISTS, the rest must still go in.
    for (const EnrollRequest& r : puts) {
      Status one = store_->Enroll(gallery, std::span(&r, 1));
      if (Transient(one)) return one;
      if (!one.ok() && one.code() != Code::kAlreadyExists) {
        spdlog::error("shard {} replica {}: enrollment skipped: {}", o_.shard, o_.replica,
                      one.ToString());
      }
    }
  }
  puts.clear();
  return OkStatus();
}

// Templates added to an enrolled subject. Applied again after a crash, it
// must not add them twice: templates whose image the subject already holds
// are left out (the same photo twice is the same template).
Status ShardReplicaImpl::ApplyAppend(const std::string& gallery, EnrollRequest r) {
  auto have = store_->GetSubject(gallery, r.subject_id, /*with_values=*/false);
  if (!have.ok()) {
    if (Transient(have.status())) return have.status();
    spdlog::error("shard {} replica {}: added templates skipped: {}", o_.shard, o_.replica,
                  have.status().ToString());
    return OkStatus();
  }
  std::erase_if(r.templates, [&](const TemplateInput& t) {
    return std::any_of(have->templates.begin(), have->templates.end(),
                       [&](const StoredTemplate& s) { return s.image_sha256 == t.image_sha256; });
  });
  if (r.templates.empty()) return OkStatus();
  Status s = store_->Enroll(gallery, std::span(&r, 1));
  if (Transient(s)) return s;
  if (!s.ok()) {
    spdlog::error("shard {} replica {}: added templates skipped: {}", o_.shard, o_.replica,
                  s.ToString());
  }
  return OkStatus();
}

Status ShardReplicaImpl::ApplyBatch(natsMsgList& list) {
  std::string put_gallery;
  std::vector<EnrollRequest> puts;
  uint64_t last = applied_.load();
  bool reached_end = false;  // the batch ends at the log's end
  std::vector<natsMsg*> done;
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* m = list.Msgs[i];
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) != NATS_OK) continue;
    const uint64_t seq = meta->Sequence.Stream;
    const uint64_t dseq = meta->Sequence.Consumer;
    const uint64_t pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
    if (dseq != next_dseq_) {
      // A delivery was lost or this one is a redelivery: apply what came
      // before it, then re-read from there.
      CANDOR_RETURN_IF_ERROR(FlushPuts(put_gallery, puts));
      if (last != applied_.load()) CANDOR_RETURN_IF_ERROR(PersistApplied(last));
      {
        std::lock_guard<std::mutex> lock(mu_);
        applied_ = last;
      }
      cv_.notify_all();
      for (natsMsg* d : done) natsMsg_Ack(d, nullptr);
      return AbortedError("delivery " + std::to_string(dseq) + " where " +
                          std::to_string(next_dseq_) + " was due");
    }
    ++next_dseq_;
    done.push_back(m);
    if (seq <= last) continue;  // redelivered: already applied
    const std::string subject = natsMsg_GetSubject(m);
    auto body = cluster::OpenJson(
        bus_,
        std::span(reinterpret_cast<const uint8_t*>(natsMsg_GetData(m)),
                  static_cast<size_t>(natsMsg_GetDataLength(m))),
        subject);
    ++entries_applied_;
    if (!body.ok()) {
      spdlog::error("shard {} replica {}: log entry {} skipped: {}", o_.shard, o_.replica, seq,
                    body.status().ToString());
      last = seq;
      continue;
    }
    const bool is_put = subject.size() > 4 && subject.compare(subject.size() - 4, 4, ".put") == 0;
    const bool is_del = subject.size() > 4 && subject.compare(subject.size() - 4, 4, ".del") == 0;
    try {
      const std::string gallery = body->at("gallery").get<std::string>();
      if (!is_put || gallery != put_gallery) {
        CANDOR_RETURN_IF_ERROR(FlushPuts(put_gallery, puts));
        applied_ = last;
      }
      EnrollRequest put;
      if (is_put) {
        put = cluster::EnrollFrom(body->at("request"));
        for (size_t j = 0; log_ids_ && j < put.templates.size(); ++j) {
          put.templates[j].template_id = cluster::TemplateIdOf(seq, j);
        }
      }
      if (is_put && put.append_to_existing) {
        CANDOR_RETURN_IF_ERROR(FlushPuts(put_gallery, puts));
        CANDOR_RETURN_IF_ERROR(ApplyAppend(gallery, std::move(put)));
      } else if (is_put) {
        put_gallery = gallery;
        puts.push_back(std::move(put));
      } else if (is_del) {
        Status s = store_->DeleteSubject(gallery, body->at("subject").get<std::string>());
        if (!s.ok() && s.code() != Code::kNotFound && s.code() != Code::kUnavailable) return s;
      } else if (body->contains("subject_score")) {  // the gallery's settings
        Status s = store_->SetSubjectScore(gallery, body->at("subject_score").get<std::string>());
        if (Transient(s)) return s;
        if (!s.ok()) {
          spdlog::error("shard {} replica {}: gallery setting skipped: {}", o_.shard, o_.replica,
                        s.ToString());
        }
      } else {
        Status s = store_->CreateGallery(cluster::GalleryFrom(body->at("info")));
        if (Transient(s)) return s;
      }
    } catch (const std::exception& e) {
      spdlog::error("shard {} replica {}: malformed log entry {} skipped: {}", o_.shard,
                    o_.replica, seq, e.what());
    }
    last = seq;
    if (pending == 0 && i + 1 == list.Count) reached_end = true;
  }
  CANDOR_RETURN_IF_ERROR(FlushPuts(put_gallery, puts));
  CANDOR_RETURN_IF_ERROR(PersistApplied(last));
  {
    std::lock_guard<std::mutex> lock(mu_);
    applied_ = last;
  }
  // Caught up only once the batch's enrollments are in the store: a read
  // between the last entry and FlushPuts saw a store without them.
  if (reached_end) caught_up_ = true;
  cv_.notify_all();
  for (natsMsg* m : done) natsMsg_Ack(m, nullptr);
  return OkStatus();
}

Status ShardReplicaImpl::ChooseTemplateIds() {
  const fs::path marker = fs::path(o_.store_dir) / kLogIdsFile;
  log_ids_ = fs::exists(marker);
  if (log_ids_) return OkStatus();
  CANDOR_ASSIGN_OR_RETURN(std::vector<GalleryInfo> galleries, store_->ListGalleries());
  int64_t templates = 0;
  for (const GalleryInfo& g : galleries) templates += g.templates;
  if (templates > 0) {
    spdlog::warn("shard {} replica {}: this store numbers its own template ids (it was filled "
                 "before ids came from the log); rebuild it (--rebuild) for ids equal to the "
                 "other replicas'", o_.shard, o_.replica);
    return OkStatus();
  }
  CANDOR_RETURN_IF_ERROR(WriteFileAtomic(marker, "log\n"));
  log_ids_ = true;
  return OkStatus();
}

Status ShardReplicaImpl::PersistApplied(uint64_t seq) {
  return WriteFileAtomic(std::filesystem::path(o_.store_dir) / kAppliedFile,
                         std::to_string(seq));
}

void ShardReplicaImpl::OnRequest(MsgPtr msg) {
  const char* reply = natsMsg_GetReply(msg.get());
  if (!reply || !*reply) return;
  const std::string subject = natsMsg_GetSubject(msg.get());
  Json out;
  auto req = cluster::OpenJson(
      bus_,
      std::span(reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg.get())),
                static_cast<size_t>(natsMsg_GetDataLength(msg.get()))),
      subject);
  if (!req.ok()) {
    out = {{"status", cluster::StatusJson(req.status())}};
  } else {
    StatusOr<Json> r = InternalError("unreachable");
    try {
      const uint64_t min_seq = req->at("min").get<uint64_t>();
      const int64_t wait_ms = std::clamp<int64_t>(req->at("wait").get<int64_t>(), 0, 60'000);
      std::unique_lock<std::mutex> lock(mu_);
      const bool ready = cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] {
        return stop_.load() || (caught_up_.load() && applied_.load() >= min_seq);
      });
      lock.unlock();
      if (!ready || stop_.load()) {
        r = UnavailableError("shard " + std::to_string(o_.shard) + " replica " +
                             std::to_string(o_.replica) + " has applied the log to sequence " +
                             std::to_string(applied_.load()) + ", not yet " +
                             std::to_string(min_seq));
      } else {
        r = Dispatch(*req);
      }
    } catch (const std::exception& e) {
      r = InvalidArgumentError(std::string("malformed request: ") + e.what());
    }
    out = {{"status", cluster::StatusJson(r.status())}};
    if (r.ok()) out["body"] = std::move(r).value();
  }
  std::vector<uint8_t> sealed = cluster::SealJson(bus_, out, "reply:" + subject);
  natsConnection_Publish(conn_->nc(), reply, sealed.data(), static_cast<int>(sealed.size()));
}

StatusOr<Json> ShardReplicaImpl::Dispatch(const Json& req) {
  const auto op = static_cast<cluster::Op>(req.at("op").get<int>());
  const std::string gallery = req.value("gallery", "");
  switch (op) {
    case cluster::Op::kIdentify: {
      IdentifyParams p;
      p.k = req.at("k").get<int>();
      p.threshold = req.at("threshold").get<float>();
      CANDOR_ASSIGN_OR_RETURN(IdentifyResult r,
                              store_->Identify(gallery, cluster::TemplateFrom(req.at("probe")), p));
      Json j = cluster::ToJson(r);
      if (req.value("with_gallery", false)) {  // the front end's threshold needs the gallery
        CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store_->GetGallery(gallery));
        g.subjects = r.gallery_subjects;  // as the search found it
        g.templates = r.gallery_templates;
        j["g"] = cluster::ToJson(g);
      }
      return j;
    }
    case cluster::Op::kListGalleries: {
      CANDOR_ASSIGN_OR_RETURN(std::vector<GalleryInfo> gs, store_->ListGalleries());
      Json a = Json::array();
      for (const GalleryInfo& g : gs) a.push_back(cluster::ToJson(g));
      return a;
    }
    case cluster::Op::kGetSubject: {
      CANDOR_ASSIGN_OR_RETURN(SubjectInfo s,
                              store_->GetSubject(gallery, req.at("subject").get<std::string>(),
                                                 req.at("values").get<bool>()));
      Json j = cluster::ToJson(s);
      for (auto& t : s.templates) std::fill(t.values.begin(), t.values.end(), 0.0f);
      return j;
    }
    case cluster::Op::kVerify: {
      VerifyParams p;
      p.threshold = req.at("threshold").get<float>();
      CANDOR_ASSIGN_OR_RETURN(VerifyResult r,
                              store_->Verify(gallery, req.at("subject").get<std::string>(),
                                             cluster::TemplateFrom(req.at("probe")), p));
      return cluster::ToJson(r);
    }
    case cluster::Op::kHasImage: {
      const auto& b = req.at("sha").get_binary();
      if (b.size() != 32) return InvalidArgumentError("image hash must be 32 bytes");
      Sha256Bytes sha;
      std::copy(b.begin(), b.end(), sha.begin());
      CANDOR_ASSIGN_OR_RETURN(bool has, store_->HasImage(gallery, sha));
      return Json(has);
    }
    case cluster::Op::kGetImage: {
      CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> img,
                              store_->GetImage(gallery, req.at("subject").get<std::string>(),
                                               req.at("template").get<int64_t>()));
      return Json::binary(std::move(img));
    }
  }
  return InvalidArgumentError("unknown request operation");
}

// The identity file of `dir`: checked against this replica's cluster, shard
// and (when known) the stream's creation time; written where missing.
Status ShardReplicaImpl::CheckIdentity(const std::string& dir,
                                       std::optional<int64_t> created) const {
  const fs::path p = fs::path(dir) / kIdentityFile;
  Json want = {{"stream", o_.cluster.stream}, {"shards", o_.cluster.shards}, {"shard", o_.shard}};
  if (fs::exists(p)) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(p, 4096));
    Json have = Json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (have.is_discarded() || !have.is_object()) return DataLossError(p.string() + " is malformed");
    for (const char* k : {"stream", "shards", "shard"}) {
      if (have.value(k, Json()) != want[k]) {
        return FailedPreconditionError(
            dir + " holds a store of stream " + have.value("stream", Json("?")).dump() +
            ", shard " + have.value("shard", Json(-1)).dump() + " of " +
            have.value("shards", Json(-1)).dump() + "; this replica is shard " +
            std::to_string(o_.shard) + " of " + std::to_string(o_.cluster.shards) +
            " on stream " + o_.cluster.stream);
      }
    }
    if (!created) return OkStatus();
    if (!have.contains("created")) {
      have["created"] = *created;
      return WriteFileAtomic(p, have.dump());
    }
    if (have["created"] != Json(*created)) {
      return FailedPreconditionError(
          dir + " was made from an earlier stream " + o_.cluster.stream +
          " (re-created since: its log positions mean nothing now); rebuild the replica");
    }
    return OkStatus();
  }
  if (created) want["created"] = *created;
  return WriteFileAtomic(p, want.dump());
}

Status ShardReplicaImpl::RestoreSnapshot() {
  if (!EmptyOrMissing(o_.store_dir)) {
    return FailedPreconditionError("restoring a snapshot needs an empty store directory; " +
                                   o_.store_dir + " is not empty");
  }
  const fs::path snap(o_.snapshot);
  if (!fs::exists(snap / "store.db") || !fs::exists(snap / kAppliedFile) ||
      !fs::exists(snap / kIdentityFile)) {
    return NotFoundError(o_.snapshot + " is not a shard snapshot (no store.db, " +
                         std::string(kAppliedFile) + " or " + kIdentityFile + ")");
  }
  // The snapshot's stream must be today's (same creation time).
  ClusterOptions co = o_.cluster;
  co.client_name = durable_ + "-restore";
  CANDOR_ASSIGN_OR_RETURN(auto conn, NatsConn::Connect(co));
  CANDOR_ASSIGN_OR_RETURN(int64_t created, StreamCreated(*conn, o_.cluster.stream));
  CANDOR_RETURN_IF_ERROR(CheckIdentity(o_.snapshot, created));
  CANDOR_RETURN_IF_ERROR(CopyStoreTree(snap, o_.store_dir));
  // A restored replica's consumer starts afresh from the snapshot's position.
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteConsumer(conn->js(), o_.cluster.stream.c_str(), durable_.c_str(),
                                   nullptr, &jerr);
  if (s != NATS_OK && jerr != JSConsumerNotFoundErr) {
    return NatsError(s, "cannot reset consumer " + durable_, jerr);
  }
  return OkStatus();
}

StatusOr<uint64_t> ShardReplicaImpl::Snapshot(const std::string& dir) {
  if (!EmptyOrMissing(dir)) {
    return FailedPreconditionError("snapshot directory " + dir + " is not empty");
  }
  if (!caught_up_.load()) return UnavailableError("the replica has not caught up with the log yet");
  std::lock_guard<std::mutex> apply(apply_mu_);
  // Between batches: the store holds exactly the log up to applied_, which
  // cluster.applied records.
  CANDOR_RETURN_IF_ERROR(PersistApplied(applied_.load()));
  CANDOR_RETURN_IF_ERROR(CopyStoreTree(o_.store_dir, dir));
  return applied_.load();
}

void ShardReplicaImpl::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (requests_) {
    // Drain waits for a callback that is running; without a connection it
    // cannot, so fall back to unsubscribing and waiting for in-flight calls.
    if (natsSubscription_DrainTimeout(requests_, 2000) != NATS_OK ||
        natsSubscription_WaitForDrainCompletion(requests_, 3000) != NATS_OK) {
      natsSubscription_Unsubscribe(requests_);
    }
    while (in_flight_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    natsSubscription_Destroy(requests_);
    requests_ = nullptr;
  }
  if (consumer_.joinable()) consumer_.join();
  if (pull_) {
    natsSubscription_Destroy(pull_);
    pull_ = nullptr;
  }
  conn_.reset();
}

}  // namespace

StatusOr<std::unique_ptr<ShardReplica>> ShardReplica::Start(const ShardReplicaOptions& options) {
  auto r = std::make_unique<ShardReplicaImpl>(options);
  CANDOR_RETURN_IF_ERROR(r->Init());
  return std::unique_ptr<ShardReplica>(std::move(r));
}

}  // namespace candor
