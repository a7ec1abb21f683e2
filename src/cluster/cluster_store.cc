// Copyright 2026 The Candor Authors.
//
// The front end's Store over the cluster (candor/cluster.h): writes are
// sealed log entries published to JetStream and acknowledged after its
// publish ack; reads and searches are scatter-gathered over the shards.

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "candor/cluster.h"
#include "cluster/bus_codec.h"
#include "cluster/merge.h"
#include "cluster/nats_conn.h"
#include "cluster/scatter.h"
#include "common/hash.h"
#include "gallery/subject_ref.h"

namespace candor {
namespace {

using cluster::Json;
using cluster::MsgPtr;
using cluster::NatsConn;
using cluster::NatsError;
using cluster::Op;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr char kNoFingers[] =
    "fingerprint galleries are not supported on the cluster (docs/CLUSTER.md): the bus carries "
    "face templates only; keep finger galleries on a single-node store";

class ClusterStore final : public Store {
 public:
  ClusterStore(const ClusterOptions& o, const StoreKey& key)
      : o_(o), bus_(cluster::BusKey(key)), last_seq_(static_cast<size_t>(o.shards)) {
    for (auto& s : last_seq_) s = 0;
  }

  Status Init() {
    if (o_.shards < 1 || o_.shards > 4096) return InvalidArgumentError("shards must be in [1, 4096]");
    if (o_.replicas < 1 || o_.replicas > 16) return InvalidArgumentError("replicas must be in [1, 16]");
    CANDOR_ASSIGN_OR_RETURN(conn_, NatsConn::Connect(o_, /*shared_delivery=*/true));
    return cluster::EnsureStream(*conn_, o_);
  }

  Status CreateGallery(const GalleryInfo& info) override;
  StatusOr<std::vector<GalleryInfo>> ListGalleries() const override;
  StatusOr<GalleryInfo> GetGallery(const std::string& name) const override;
  Status Enroll(const std::string& gallery, std::span<const EnrollRequest> requests) override;
  StatusOr<bool> HasImage(const std::string& gallery, const Sha256Bytes& sha) const override;
  StatusOr<SubjectInfo> GetSubject(const std::string& gallery, const std::string& subject_id,
                                   bool with_values) const override;
  StatusOr<std::vector<uint8_t>> GetImage(const std::string& gallery,
                                          const std::string& subject_id,
                                          int64_t template_id) const override;
  Status DeleteSubject(const std::string& gallery, const std::string& subject_id) override;
  StatusOr<VerifyResult> Verify(const std::string& gallery, const std::string& subject_id,
                                const Template& probe, const VerifyParams& params) const override;
  StatusOr<IdentifyResult> Identify(const std::string& gallery, const Template& probe,
                                    const IdentifyParams& params) const override;
  // Once seen, a gallery exists for good (galleries are never deleted):
  // answered without a fan-out after the first (counts as first seen).
  StatusOr<GalleryInfo> CheckGallery(const std::string& name) const override;
  // The subject_score rule goes to every shard's log (SettingsSubject) and
  // each replica applies it to its store. Exact on the cluster: a subject's
  // templates all live on one shard (ShardOf(gallery, subject_id)), so each
  // shard scores whole subjects and the fan-out merge keeps one score per
  // subject, as one node would. Reads after it wait for every shard to have
  // applied it. Interrupted between shards (one did not acknowledge), the
  // call fails and the shards may disagree until it is repeated.
  Status SetSubjectScore(const std::string& gallery, const std::string& rule) override;
  // One request per shard: each answers its top k at no threshold with its
  // view of the gallery; the threshold comes from the summed gallery and
  // filters the merged list (exact: a shard's top k at threshold t is its
  // top k filtered by t).
  StatusOr<GallerySearch> IdentifyWithGallery(const std::string& gallery, const Template& probe,
                                              const IdentifyParams& params,
                                              const ThresholdOf& threshold_of) const override;
  // A fingerprint gallery is refused: the bus carries face templates only.
  StatusOr<IdentifyResult> IdentifyFingers(const std::string& gallery,
                                           std::span<const finger::FingerTemplate> probe,
                                           const IdentifyParams& params) const override {
    return UnimplementedError(kNoFingers);
  }
  StatusOr<VerifyResult> VerifyFingers(const std::string& gallery, const std::string& subject_id,
                                       std::span<const finger::FingerTemplate> probe,
                                       const VerifyParams& params) const override {
    return UnimplementedError(kNoFingers);
  }
  const OpenStats& open_stats() const override { return stats_; }
  // Keyed by the subject's own reference key, a random key kept only in its
  // (sealed) log entries and erased with them when the subject is deleted: the
  // reference then dies as the single store's does with the subject's data
  // key. (Subjects enrolled before reference keys existed: keyed with the bus
  // key.)
  StatusOr<std::string> SubjectRef(const std::string& gallery,
                                   const std::string& subject_id) const override;
  // A scan of the log's enrollment entries (occasional look-ups only).
  StatusOr<std::string> SubjectIdForRef(const std::string& gallery,
                                        const std::string& ref) const override;

 private:
  // Publishes a sealed log entry; retries (same message id, so JetStream
  // de-duplicates) until publish_timeout_ms while JetStream is unavailable.
  // `expect_last`: the stream sequence the subject's last message must have
  // (0: the subject must hold none); FAILED_PRECONDITION "exists" otherwise.
  // On OK, *seq is the entry's stream sequence.
  Status Publish(const std::string& subject, const Json& body,
                 std::optional<uint64_t> expect_last, uint64_t* seq);
  // The newest log entry of a subject's enrollment (its put, or its last
  // added templates): NOT_FOUND when the subject is not enrolled.
  struct PutEntry {
    uint64_t seq = 0;
    Json body;
  };
  StatusOr<PutEntry> LastPut(const std::string& gallery, const std::string& subject_id) const;
  void Acked(int shard, uint64_t seq) {
    uint64_t cur = last_seq_[static_cast<size_t>(shard)].load();
    while (cur < seq && !last_seq_[static_cast<size_t>(shard)].compare_exchange_weak(cur, seq)) {
    }
  }
  std::vector<StatusOr<Json>> ScatterAll(const Json& req) const;
  StatusOr<Json> Call(int shard, const Json& req) const;
  StatusOr<GalleryInfo> ModelOf(const std::string& gallery);
  StatusOr<std::optional<GalleryInfo>> ReadModelRecord(const std::string& gallery) const;
  Status EraseEntry(const std::string& subject);

  ClusterOptions o_;
  gallery::Key bus_;
  std::unique_ptr<NatsConn> conn_;
  std::vector<std::atomic<uint64_t>> last_seq_;
  mutable std::atomic<uint32_t> rr_{0};
  std::mutex model_mu_;
  std::map<std::string, GalleryInfo> models_;  // galleries whose model is fixed
  mutable std::mutex seen_mu_;
  mutable std::map<std::string, GalleryInfo> seen_;  // galleries known to exist
  OpenStats stats_;
};

Status ClusterStore::Publish(const std::string& subject, const Json& body,
                             std::optional<uint64_t> expect_last, uint64_t* seq) {
  std::vector<uint8_t> sealed = cluster::SealJson(bus_, body, subject);
  uint8_t id_raw[16];
  randombytes_buf(id_raw, sizeof(id_raw));
  const std::string msg_id = HexEncode(std::span<const uint8_t>(id_raw, sizeof(id_raw)));
  const int64_t deadline = NowMs() + o_.publish_timeout_ms;
  Status last = UnavailableError("not published");
  while (true) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id.c_str();
    if (expect_last && *expect_last == 0) po.ExpectNoMessage = true;
    if (expect_last && *expect_last > 0) po.ExpectLastSubjectSeq = *expect_last;
    po.MaxWait = std::clamp<int64_t>(deadline - NowMs(), 1, 1000);
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_Publish(&ack, conn_->js(), subject.c_str(), sealed.data(),
                              static_cast<int>(sealed.size()), &po, &jerr);
    if (s == NATS_OK) {
      *seq = ack->Sequence;
      jsPubAck_Destroy(ack);
      return OkStatus();
    }
    if (jerr == JSStreamWrongLastSequenceErr) return FailedPreconditionError("exists");
    last = NatsError(s, "JetStream did not acknowledge the log entry", jerr);
    if (!cluster::PublishRetryable(s, jerr) || NowMs() >= deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::vector<StatusOr<Json>> ClusterStore::ScatterAll(const Json& req) const {
  std::vector<cluster::ScatterTarget> t(static_cast<size_t>(o_.shards));
  for (int s = 0; s < o_.shards; ++s) t[static_cast<size_t>(s)] = {s, last_seq_[static_cast<size_t>(s)].load()};
  return cluster::Scatter(*conn_, bus_, o_, t, req, rr_++);
}

StatusOr<Json> ClusterStore::Call(int shard, const Json& req) const {
  std::vector<cluster::ScatterTarget> t{{shard, last_seq_[static_cast<size_t>(shard)].load()}};
  return std::move(cluster::Scatter(*conn_, bus_, o_, t, req, rr_++)[0]);
}

// Every shard must answer; the first failure is the answer (UNAVAILABLE first).
Status FirstFailure(const std::vector<StatusOr<Json>>& rs, const std::string& what) {
  for (const auto& r : rs) {
    if (!r.ok() && r.status().code() == Code::kUnavailable) {
      return UnavailableError(what + " needs every shard and one did not answer: " +
                              r.status().message());
    }
  }
  for (const auto& r : rs) {
    if (!r.ok()) return r.status();
  }
  return OkStatus();
}

Status ClusterStore::CreateGallery(const GalleryInfo& requested) {
  CANDOR_RETURN_IF_ERROR(ValidateGalleryInfo(requested));
  if (requested.modality != kFaceModality) return UnimplementedError(kNoFingers);
  // The default rule is resolved here, once: every shard's log gets the same
  // explicit rule, whatever build each shard runs.
  const GalleryInfo info = WithDefaultSubjectScore(requested);
  const std::string gtok = cluster::GalleryToken(bus_, info.name);
  const Json body = {{"gallery", info.name}, {"info", cluster::ToJson(info)}};
  for (int s = 0; s < o_.shards; ++s) {
    uint64_t seq = 0;
    Status st = Publish(cluster::GallerySubject(s, gtok), body, 0, &seq);
    if (!st.ok() && st.code() == Code::kFailedPrecondition) {
      if (s == 0) return AlreadyExistsError("gallery '" + info.name + "' already exists");
      continue;  // an earlier, interrupted creation reached this shard
    }
    CANDOR_RETURN_IF_ERROR(st);
    Acked(s, seq);
  }
  if (!info.model_id.empty()) {
    uint64_t seq = 0;
    const Json model = {{"gallery", info.name}, {"info", cluster::ToJson(info)}};
    Status st = Publish(cluster::ModelSubject(gtok), model, 0, &seq);
    if (!st.ok() && st.code() != Code::kFailedPrecondition) return st;
  }
  return OkStatus();
}

Status ClusterStore::SetSubjectScore(const std::string& gallery, const std::string& rule) {
  CANDOR_RETURN_IF_ERROR(ValidateSubjectScore(rule));
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, GetGallery(gallery));  // NOT_FOUND; every shard answers
  if (g.modality != kFaceModality) return UnimplementedError(kNoFingers);
  const std::string gtok = cluster::GalleryToken(bus_, gallery);
  const Json body = {{"gallery", gallery}, {"subject_score", rule}};
  for (int s = 0; s < o_.shards; ++s) {
    uint64_t seq = 0;
    CANDOR_RETURN_IF_ERROR(Publish(cluster::SettingsSubject(s, gtok), body, std::nullopt, &seq));
    Acked(s, seq);
  }
  std::lock_guard<std::mutex> lock(seen_mu_);
  if (auto it = seen_.find(gallery); it != seen_.end()) it->second.subject_score = rule;
  return OkStatus();
}

StatusOr<std::vector<GalleryInfo>> ClusterStore::ListGalleries() const {
  auto rs = ScatterAll({{"op", static_cast<int>(Op::kListGalleries)}});
  CANDOR_RETURN_IF_ERROR(FirstFailure(rs, "listing galleries"));
  std::map<std::string, GalleryInfo> merged;
  try {
    for (const auto& r : rs) {
      for (const Json& j : *r) {
        GalleryInfo g = cluster::GalleryFrom(j);
        auto [it, fresh] = merged.emplace(g.name, g);
        if (!fresh) cluster::AddGalleryPart(it->second, g);
      }
    }
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed gallery list from a shard: ") + e.what());
  }
  std::vector<GalleryInfo> out;
  for (auto& [name, g] : merged) {
    if (g.model_id.empty()) {
      CANDOR_ASSIGN_OR_RETURN(auto rec, ReadModelRecord(name));
      if (rec) {
        g.model_id = rec->model_id;
        g.model_sha256 = rec->model_sha256;
        g.dim = rec->dim;
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

StatusOr<GalleryInfo> ClusterStore::GetGallery(const std::string& name) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<GalleryInfo> all, ListGalleries());
  for (GalleryInfo& g : all) {
    if (g.name == name) {
      std::lock_guard<std::mutex> lock(seen_mu_);
      seen_[name] = g;
      return std::move(g);
    }
  }
  return NotFoundError("no gallery '" + name + "'");
}

StatusOr<GalleryInfo> ClusterStore::CheckGallery(const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(seen_mu_);
    if (auto it = seen_.find(name); it != seen_.end()) return it->second;
  }
  return GetGallery(name);
}

StatusOr<std::optional<GalleryInfo>> ClusterStore::ReadModelRecord(
    const std::string& gallery) const {
  const std::string subject = cluster::ModelSubject(cluster::GalleryToken(bus_, gallery));
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s =
      cluster::GetLastMsg(*conn_, o_.stream, subject, o_.publish_timeout_ms, &raw, &jerr);
  if (s != NATS_OK) {
    if (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) return std::optional<GalleryInfo>();
    return NatsError(s, "cannot read the gallery's model record", jerr);
  }
  MsgPtr m(raw);
  CANDOR_ASSIGN_OR_RETURN(
      Json j, cluster::OpenJson(bus_,
                                std::span(reinterpret_cast<const uint8_t*>(natsMsg_GetData(raw)),
                                          static_cast<size_t>(natsMsg_GetDataLength(raw))),
                                subject));
  try {
    return std::optional<GalleryInfo>(cluster::GalleryFrom(j.at("info")));
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed model record: ") + e.what());
  }
}

// The gallery with its model fixed: from the cache, the shards, the model
// record, or (first enrollment) nothing yet (model_id empty).
StatusOr<GalleryInfo> ClusterStore::ModelOf(const std::string& gallery) {
  {
    std::lock_guard<std::mutex> lock(model_mu_);
    auto it = models_.find(gallery);
    if (it != models_.end()) return it->second;
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, GetGallery(gallery));
  if (!g.model_id.empty()) {
    std::lock_guard<std::mutex> lock(model_mu_);
    models_[gallery] = g;
  }
  return g;
}

Status CheckTemplateAgainst(const GalleryInfo& g, const Template& t, const std::string& which) {
  if (t.format_version != kTemplateFormatVersion) {
    return FailedPreconditionError(which + ": template format version " +
                                   std::to_string(t.format_version) + " is not supported");
  }
  if (t.model_id != g.model_id || t.model_sha256 != g.model_sha256) {
    return FailedPreconditionError(which + ": template from model '" + t.model_id +
                                   "' but gallery '" + g.name + "' holds model '" + g.model_id +
                                   "' (or another build of it)");
  }
  if (static_cast<int>(t.values.size()) != g.dim) {
    return FailedPreconditionError(which + ": template dimension " +
                                   std::to_string(t.values.size()) + " but the gallery's is " +
                                   std::to_string(g.dim));
  }
  double n = 0;
  for (float v : t.values) {
    if (!std::isfinite(v)) return InvalidArgumentError(which + ": template value not finite");
    n += double{v} * v;
  }
  if (n <= 0) return InvalidArgumentError(which + ": template is all zeros");
  return OkStatus();
}

Status ClusterStore::Enroll(const std::string& gallery, std::span<const EnrollRequest> requests) {
  std::set<std::string> ids;
  for (size_t i = 0; i < requests.size(); ++i) {
    const EnrollRequest& r = requests[i];
    // Messages name the request's position, never the id (they reach audit entries).
    const std::string which = "subject of request " + std::to_string(i);
    if (!r.attributes.empty()) {
      return UnimplementedError(which + ": subject attributes are not carried by the cluster "
                                "yet; enroll without them");
    }
    if (Status v = ValidateSubjectId(r.subject_id); !v.ok()) {
      return InvalidArgumentError(v.message() + " (request " + std::to_string(i) + ")");
    }
    if (r.record_ref.size() > 256) return InvalidArgumentError(which + ": record_ref too long");
    if (r.templates.empty()) return InvalidArgumentError(which + ": no template to enroll");
    if (r.templates.size() > static_cast<size_t>(cluster::kMaxTemplatesPerEntry)) {
      return InvalidArgumentError(which + ": more than " +
                                  std::to_string(cluster::kMaxTemplatesPerEntry) +
                                  " templates in one enrollment");
    }
    if (!ids.insert(r.subject_id).second) {
      return InvalidArgumentError(which + " appears twice in one enrollment batch");
    }
    for (const TemplateInput& t : r.templates) {
      if (t.finger) return UnimplementedError(which + ": " + kNoFingers);
      if (t.image.size() > kMaxStoredImageBytes) {
        return InvalidArgumentError(which + ": image larger than 16 MiB");
      }
      if (!t.image.empty() && Sha256(t.image) != t.image_sha256) {
        return InvalidArgumentError(which + ": image bytes do not hash to image_sha256");
      }
    }
  }
  if (requests.empty()) return OkStatus();
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, ModelOf(gallery));
  if (g.model_id.empty()) {
    // First enrollment: fix the gallery's model for the whole cluster, once.
    const Template& t = requests[0].templates[0].tmpl;
    if (t.model_id.empty() || t.values.empty() || t.values.size() > kMaxTemplateDim) {
      return InvalidArgumentError("template without a model id or values");
    }
    GalleryInfo fixed = g;
    fixed.model_id = t.model_id;
    fixed.model_sha256 = t.model_sha256;
    fixed.dim = static_cast<int>(t.values.size());
    uint64_t seq = 0;
    const Json model = {{"gallery", gallery}, {"info", cluster::ToJson(fixed)}};
    Status st = Publish(cluster::ModelSubject(cluster::GalleryToken(bus_, gallery)), model, 0,
                        &seq);
    if (!st.ok() && st.code() != Code::kFailedPrecondition) return st;
    CANDOR_ASSIGN_OR_RETURN(auto rec, ReadModelRecord(gallery));
    if (!rec) return UnavailableError("the gallery's model record is not readable yet");
    g.model_id = rec->model_id;
    g.model_sha256 = rec->model_sha256;
    g.dim = rec->dim;
    std::lock_guard<std::mutex> lock(model_mu_);
    models_[gallery] = g;
  }
  for (const EnrollRequest& r : requests) {
    for (const TemplateInput& t : r.templates) {
      CANDOR_RETURN_IF_ERROR(CheckTemplateAgainst(g, t.tmpl, "subject '" + r.subject_id + "'"));
    }
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    const EnrollRequest& r = requests[i];
    const int shard = ShardOf(gallery, r.subject_id, o_.shards);
    const std::string subject =
        cluster::PutSubject(shard, cluster::SubjectToken(bus_, gallery, r.subject_id));
    uint64_t seq = 0;
    Json body = {{"gallery", gallery}, {"request", cluster::ToJson(r)}};
    const std::string before =
        i == 0 ? "" : " (the " + std::to_string(i) + " requests before it are enrolled)";
    Status st;
    if (!r.append_to_existing) {
      // The subject's reference key (SubjectRef): random, only in its log
      // entries, erased with them when the subject is deleted.
      const gallery::Key ref_key = gallery::Key::Random();
      body["refkey"] = Json::binary(std::vector<uint8_t>(ref_key.bytes().begin(),
                                                         ref_key.bytes().end()));
      st = Publish(subject, body, 0, &seq);
      if (!st.ok() && st.code() == Code::kFailedPrecondition) {
        return AlreadyExistsError("subject '" + r.subject_id + "' already exists in gallery '" +
                                  gallery + "'" + before);
      }
    } else {
      // Added templates follow the subject's newest entry on the same log
      // subject (so a deletion erases them too); a deletion or another
      // addition in between makes JetStream refuse this one.
      auto last = LastPut(gallery, r.subject_id);
      if (!last.ok()) return Status(last.status().code(), last.status().message() + before);
      if (last->body.contains("refkey")) body["refkey"] = last->body["refkey"];
      st = Publish(subject, body, last->seq, &seq);
      if (!st.ok() && st.code() == Code::kFailedPrecondition) {
        return AbortedError("subject '" + r.subject_id +
                            "' changed while templates were added (deleted, or added to by "
                            "another request); nothing was added, try again" + before);
      }
    }
    if (!st.ok()) return Status(st.code(), st.message() + before);
    Acked(shard, seq);
  }
  return OkStatus();
}

StatusOr<ClusterStore::PutEntry> ClusterStore::LastPut(const std::string& gallery,
                                                      const std::string& subject_id) const {
  const int shard = ShardOf(gallery, subject_id, o_.shards);
  const std::string subject =
      cluster::PutSubject(shard, cluster::SubjectToken(bus_, gallery, subject_id));
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s =
      cluster::GetLastMsg(*conn_, o_.stream, subject, o_.publish_timeout_ms, &raw, &jerr);
  if (s != NATS_OK) {
    if (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) {
      return NotFoundError("no such subject in gallery '" + gallery + "'");
    }
    return NatsError(s, "cannot read the subject's log entry", jerr);
  }
  MsgPtr m(raw);
  PutEntry e;
  e.seq = natsMsg_GetSequence(raw);
  CANDOR_ASSIGN_OR_RETURN(
      e.body, cluster::OpenJson(bus_,
                                std::span(reinterpret_cast<const uint8_t*>(natsMsg_GetData(raw)),
                                          static_cast<size_t>(natsMsg_GetDataLength(raw))),
                                subject));
  return e;
}

// The reference key of a put entry's body (the bus key for entries from
// before reference keys).
gallery::Key RefKeyOf(const Json& body, const gallery::Key& bus) {
  if (!body.contains("refkey") || !body["refkey"].is_binary() ||
      body["refkey"].get_binary().size() != gallery::kKeyBytes) {
    return bus;
  }
  return gallery::Key(std::span<const uint8_t, gallery::kKeyBytes>(
      body["refkey"].get_binary().data(), gallery::kKeyBytes));
}

StatusOr<std::string> ClusterStore::SubjectRef(const std::string& gallery,
                                               const std::string& subject_id) const {
  CANDOR_ASSIGN_OR_RETURN(PutEntry e, LastPut(gallery, subject_id));
  return gallery::SubjectRefFor(RefKeyOf(e.body, bus_), gallery, subject_id);
}

StatusOr<std::string> ClusterStore::SubjectIdForRef(const std::string& gallery,
                                                    const std::string& ref) const {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = o_.stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverLastPerSubject;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&sub, conn_->js(), "candor.e.*.*.put", nullptr, &so, &jerr);
  if (s != NATS_OK) return NatsError(s, "cannot read the enrollment log", jerr);
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> own(sub, natsSubscription_Destroy);
  while (true) {
    natsMsg* raw = nullptr;
    s = natsSubscription_NextMsg(&raw, sub, 2000);
    if (s == NATS_TIMEOUT) break;  // an empty log delivers nothing
    if (s != NATS_OK) return NatsError(s, "reading the enrollment log");
    MsgPtr m(raw);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, raw) != NATS_OK) continue;
    const uint64_t pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
    auto body = cluster::OpenJson(
        bus_,
        std::span(reinterpret_cast<const uint8_t*>(natsMsg_GetData(raw)),
                  static_cast<size_t>(natsMsg_GetDataLength(raw))),
        natsMsg_GetSubject(raw));
    if (body.ok() && body->value("gallery", "") == gallery) {
      try {
        const std::string id = body->at("request").at("id").get<std::string>();
        if (gallery::SubjectRefFor(RefKeyOf(*body, bus_), gallery, id) == ref) return id;
      } catch (const std::exception&) {
        // a malformed entry names no one
      }
    }
    if (pending == 0) break;
  }
  return NotFoundError("no subject of gallery '" + gallery +
                       "' has this reference (deleted, or another gallery's)");
}

// Erases every entry on `subject` (the put and any added templates), newest
// first, until none is left.
Status ClusterStore::EraseEntry(const std::string& subject) {
  for (int i = 0; i < 1 << 20; ++i) {
    natsMsg* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s =
        cluster::GetLastMsg(*conn_, o_.stream, subject, o_.publish_timeout_ms, &raw, &jerr);
    if (s != NATS_OK) {
      if (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) return OkStatus();
      return NatsError(s, "cannot find the subject's log entry", jerr);
    }
    const uint64_t seq = natsMsg_GetSequence(raw);
    natsMsg_Destroy(raw);
    jerr = static_cast<jsErrCode>(0);
    s = js_EraseMsg(conn_->js(), o_.stream.c_str(), seq, nullptr, &jerr);
    if (s != NATS_OK) return NatsError(s, "cannot erase the subject's log entry", jerr);
  }
  return InternalError("the subject's log entries do not run out");
}

Status ClusterStore::DeleteSubject(const std::string& gallery, const std::string& subject_id) {
  const int shard = ShardOf(gallery, subject_id, o_.shards);
  const std::string token = cluster::SubjectToken(bus_, gallery, subject_id);
  auto found = GetSubject(gallery, subject_id, false);
  if (!found.ok()) {
    // A deletion interrupted after its log entry may have left the sealed
    // enrollment entry behind: erase it now.
    if (found.status().code() == Code::kNotFound) {
      CANDOR_RETURN_IF_ERROR(EraseEntry(cluster::PutSubject(shard, token)));
    }
    return found.status();
  }
  uint64_t seq = 0;
  CANDOR_RETURN_IF_ERROR(Publish(cluster::DelSubject(shard, token),
                                 {{"gallery", gallery}, {"subject", subject_id}}, std::nullopt,
                                 &seq));
  Acked(shard, seq);
  // The enrollment entry (the sealed template) leaves the log; JetStream
  // overwrites it in its files (secure erase), and the subject may enroll again.
  Status erased = EraseEntry(cluster::PutSubject(shard, token));
  if (!erased.ok()) {
    return Status(erased.code(), "subject deleted on every replica's log, but " +
                                     erased.message() + "; repeat the deletion to erase it");
  }
  return OkStatus();
}

StatusOr<SubjectInfo> ClusterStore::GetSubject(const std::string& gallery,
                                               const std::string& subject_id,
                                               bool with_values) const {
  const int shard = ShardOf(gallery, subject_id, o_.shards);
  CANDOR_ASSIGN_OR_RETURN(Json j, Call(shard, {{"op", static_cast<int>(Op::kGetSubject)},
                                               {"gallery", gallery},
                                               {"subject", subject_id},
                                               {"values", with_values}}));
  try {
    return cluster::SubjectFrom(j);
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed subject from a shard: ") + e.what());
  }
}

StatusOr<std::vector<uint8_t>> ClusterStore::GetImage(const std::string& gallery,
                                                      const std::string& subject_id,
                                                      int64_t template_id) const {
  const int shard = ShardOf(gallery, subject_id, o_.shards);
  CANDOR_ASSIGN_OR_RETURN(Json j, Call(shard, {{"op", static_cast<int>(Op::kGetImage)},
                                               {"gallery", gallery},
                                               {"subject", subject_id},
                                               {"template", template_id}}));
  if (!j.is_binary()) return DataLossError("malformed image from a shard");
  return j.get_binary();
}

StatusOr<bool> ClusterStore::HasImage(const std::string& gallery, const Sha256Bytes& sha) const {
  auto rs = ScatterAll({{"op", static_cast<int>(Op::kHasImage)},
                        {"gallery", gallery},
                        {"sha", Json::binary(std::vector<uint8_t>(sha.begin(), sha.end()))}});
  CANDOR_RETURN_IF_ERROR(FirstFailure(rs, "checking for an image"));
  for (const auto& r : rs) {
    if (r->is_boolean() && r->get<bool>()) return true;
  }
  return false;
}

StatusOr<VerifyResult> ClusterStore::Verify(const std::string& gallery,
                                            const std::string& subject_id, const Template& probe,
                                            const VerifyParams& params) const {
  const int shard = ShardOf(gallery, subject_id, o_.shards);
  CANDOR_ASSIGN_OR_RETURN(Json j, Call(shard, {{"op", static_cast<int>(Op::kVerify)},
                                               {"gallery", gallery},
                                               {"subject", subject_id},
                                               {"probe", cluster::ToJson(probe)},
                                               {"threshold", params.threshold}}));
  VerifyResult r;
  try {
    r = cluster::VerifyFrom(j);
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed verify reply: ") + e.what());
  }
  if (params.fmr) r.fmr = params.fmr(r.score);
  return r;
}

StatusOr<IdentifyResult> ClusterStore::Identify(const std::string& gallery, const Template& probe,
                                                const IdentifyParams& params) const {
  if (params.k < 1 || params.k > 1000) return InvalidArgumentError("k must be in [1, 1000]");
  if (!std::isfinite(params.threshold)) return InvalidArgumentError("threshold must be finite");
  auto rs = ScatterAll({{"op", static_cast<int>(Op::kIdentify)},
                        {"gallery", gallery},
                        {"probe", cluster::ToJson(probe)},
                        {"k", params.k},
                        {"threshold", params.threshold}});
  CANDOR_RETURN_IF_ERROR(FirstFailure(rs, "a search"));
  std::vector<IdentifyResult> parts;
  try {
    for (const auto& r : rs) parts.push_back(cluster::IdentifyFrom(*r));
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed search reply from a shard: ") + e.what());
  }
  return cluster::MergeTopK(std::move(parts), params.k, params.threshold, params.fpir);
}

StatusOr<Store::GallerySearch> ClusterStore::IdentifyWithGallery(
    const std::string& gallery, const Template& probe, const IdentifyParams& params,
    const ThresholdOf& threshold_of) const {
  if (params.k < 1 || params.k > 1000) return InvalidArgumentError("k must be in [1, 1000]");
  auto rs = ScatterAll({{"op", static_cast<int>(Op::kIdentify)},
                        {"gallery", gallery},
                        {"probe", cluster::ToJson(probe)},
                        {"k", params.k},
                        {"threshold", std::numeric_limits<float>::lowest()},
                        {"with_gallery", true}});
  CANDOR_RETURN_IF_ERROR(FirstFailure(rs, "a search"));
  GallerySearch out;
  std::vector<IdentifyResult> parts;
  try {
    for (size_t i = 0; i < rs.size(); ++i) {
      const GalleryInfo part = cluster::GalleryFrom(rs[i]->at("g"));
      if (i == 0) {
        out.gallery = part;
      } else {
        cluster::AddGalleryPart(out.gallery, part);
      }
      parts.push_back(cluster::IdentifyFrom(*rs[i]));
    }
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed search reply from a shard: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(seen_mu_);
    seen_[gallery] = out.gallery;
  }
  if (out.gallery.model_id.empty()) {  // no shard holds a template yet
    CANDOR_ASSIGN_OR_RETURN(auto rec, ReadModelRecord(gallery));
    if (rec) {
      out.gallery.model_id = rec->model_id;
      out.gallery.model_sha256 = rec->model_sha256;
      out.gallery.dim = rec->dim;
    }
  }
  CANDOR_ASSIGN_OR_RETURN(const float threshold, threshold_of(out.gallery));
  if (!std::isfinite(threshold)) return InvalidArgumentError("threshold must be finite");
  out.result = cluster::MergeTopK(std::move(parts), params.k, threshold, params.fpir);
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenClusterStore(const ClusterOptions& options,
                                                  const StoreKey& key) {
  auto s = std::make_unique<ClusterStore>(options, key);
  CANDOR_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace candor
