// Copyright 2026 The Candor Authors.

#include "cluster/bus_codec.h"

#include <sodium.h>

#include <cstring>

#include "candor/cluster.h"
#include "common/hash.h"

namespace candor {

int ShardOf(std::string_view gallery, std::string_view subject_id, int shards) {
  if (shards <= 1) return 0;
  std::string in(gallery);
  in.push_back('\0');
  in.append(subject_id);
  const Sha256Digest d = Sha256(in);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[static_cast<size_t>(i)];
  return static_cast<int>(v % static_cast<uint64_t>(shards));
}

namespace cluster {
namespace {

std::string KeyedToken(const gallery::Key& bus, std::string_view data) {
  uint8_t out[16];
  crypto_generichash(out, sizeof(out), reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                     bus.bytes().data(), bus.bytes().size());
  return HexEncode(std::span<const uint8_t>(out, sizeof(out)));
}

Json Bytes(std::span<const uint8_t> b) {
  return Json::binary(std::vector<uint8_t>(b.begin(), b.end()));
}
std::vector<uint8_t> BytesFrom(const Json& j) { return j.get_binary(); }

Json Floats(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return Json::binary(std::move(b));
}
std::vector<float> FloatsFrom(const Json& j) {
  const auto& b = j.get_binary();
  if (b.size() % sizeof(float) != 0) throw std::runtime_error("float array of odd length");
  std::vector<float> v(b.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

Json Sha(const Sha256Bytes& s) { return Bytes(s); }
Sha256Bytes ShaFrom(const Json& j) {
  const auto& b = j.get_binary();
  if (b.size() != 32) throw std::runtime_error("hash of wrong length");
  Sha256Bytes s;
  std::memcpy(s.data(), b.data(), 32);
  return s;
}

}  // namespace

gallery::Key BusKey(const StoreKey& store_key) {
  std::array<uint8_t, 32> out;
  crypto_kdf_derive_from_key(out.data(), out.size(), 1, "cndrbus_", store_key.data());
  gallery::Key k(out);
  sodium_memzero(out.data(), out.size());
  return k;
}

std::string SubjectToken(const gallery::Key& bus, std::string_view gallery,
                         std::string_view subject_id) {
  std::string in(gallery);
  in.push_back('\0');
  in.append(subject_id);
  return KeyedToken(bus, in);
}
std::string GalleryToken(const gallery::Key& bus, std::string_view gallery) {
  return KeyedToken(bus, std::string("gallery\0", 8) + std::string(gallery));
}

std::string PutSubject(int s, const std::string& t) {
  return "candor.e." + std::to_string(s) + "." + t + ".put";
}
std::string DelSubject(int s, const std::string& t) {
  return "candor.e." + std::to_string(s) + "." + t + ".del";
}
std::string GallerySubject(int s, const std::string& g) {
  return "candor.e." + std::to_string(s) + ".gal." + g;
}
std::string SettingsSubject(int s, const std::string& g) {
  return "candor.e." + std::to_string(s) + ".set." + g;
}
std::string ModelSubject(const std::string& g) { return "candor.m." + g; }
std::string RequestSubject(int s, int r) {
  return "candor.q." + std::to_string(s) + "." + std::to_string(r);
}
std::string ShardFilter(int s) { return "candor.e." + std::to_string(s) + ".>"; }

std::vector<uint8_t> SealJson(const gallery::Key& bus, const Json& j, std::string_view ad) {
  std::vector<uint8_t> plain = Json::to_cbor(j);
  std::vector<uint8_t> out;
  gallery::Seal(bus, plain, std::span(reinterpret_cast<const uint8_t*>(ad.data()), ad.size()),
                out);
  sodium_memzero(plain.data(), plain.size());
  return out;
}

StatusOr<Json> OpenJson(const gallery::Key& bus, std::span<const uint8_t> sealed,
                        std::string_view ad) {
  if (sealed.size() < gallery::kSealOverhead) {
    return UnauthenticatedError("bus message too short to be sealed");
  }
  std::vector<uint8_t> plain(sealed.size() - gallery::kSealOverhead);
  CANDOR_RETURN_IF_ERROR(gallery::Open(
      bus, sealed, std::span(reinterpret_cast<const uint8_t*>(ad.data()), ad.size()), plain));
  Json j = Json::from_cbor(plain, true, false);
  sodium_memzero(plain.data(), plain.size());
  if (j.is_discarded()) return DataLossError("bus message is not valid CBOR");
  return j;
}

Json ToJson(const Template& t) {
  return {{"v", t.format_version}, {"m", t.model_id}, {"h", Sha(t.model_sha256)},
          {"e", static_cast<int>(t.element_type)}, {"f", t.flags}, {"x", Floats(t.values)}};
}
Template TemplateFrom(const Json& j) {
  Template t;
  t.format_version = j.at("v").get<uint16_t>();
  t.model_id = j.at("m").get<std::string>();
  t.model_sha256 = ShaFrom(j.at("h"));
  t.element_type = static_cast<TemplateElementType>(j.at("e").get<int>());
  t.flags = j.at("f").get<uint32_t>();
  t.values = FloatsFrom(j.at("x"));
  return t;
}

Json ToJson(const GalleryInfo& g) {
  return {{"name", g.name},
          {"desc", g.description},
          {"basis", g.legal_basis},
          {"ret", g.retention_class},
          {"bases", g.allowed_search_bases},
          {"model", g.model_id},
          {"sha", Sha(g.model_sha256)},
          {"dim", g.dim},
          {"subjects", g.subjects},
          {"templates", g.templates},
          {"created", g.created_at},
          {"score", g.subject_score}};
}
GalleryInfo GalleryFrom(const Json& j) {
  GalleryInfo g;
  g.name = j.at("name").get<std::string>();
  g.description = j.at("desc").get<std::string>();
  g.legal_basis = j.at("basis").get<std::string>();
  g.retention_class = j.at("ret").get<std::string>();
  g.allowed_search_bases = j.at("bases").get<std::vector<std::string>>();
  g.model_id = j.at("model").get<std::string>();
  g.model_sha256 = ShaFrom(j.at("sha"));
  g.dim = j.at("dim").get<int>();
  g.subjects = j.at("subjects").get<int64_t>();
  g.templates = j.at("templates").get<int64_t>();
  g.created_at = j.at("created").get<std::string>();
  // Absent in log entries and answers from before the setting was carried: max.
  g.subject_score = j.value("score", std::string(kSubjectScoreMax));
  return g;
}

Json ToJson(const EnrollRequest& r) {
  Json ts = Json::array();
  for (const TemplateInput& t : r.templates) {
    ts.push_back({{"t", ToJson(t.tmpl)}, {"date", t.capture_date}, {"q", t.quality},
                  {"img_sha", Sha(t.image_sha256)}, {"img", Bytes(t.image)}});
  }
  return {{"id", r.subject_id},
          {"ref", r.record_ref},
          {"templates", std::move(ts)},
          {"append", r.append_to_existing}};
}
EnrollRequest EnrollFrom(const Json& j) {
  EnrollRequest r;
  r.subject_id = j.at("id").get<std::string>();
  r.record_ref = j.at("ref").get<std::string>();
  r.append_to_existing = j.value("append", false);
  for (const Json& t : j.at("templates")) {
    TemplateInput in;
    in.tmpl = TemplateFrom(t.at("t"));
    in.capture_date = t.at("date").get<std::string>();
    in.quality = t.at("q").get<float>();
    in.image_sha256 = ShaFrom(t.at("img_sha"));
    in.image = BytesFrom(t.at("img"));
    r.templates.push_back(std::move(in));
  }
  return r;
}

Json ToJson(const SubjectInfo& s) {
  Json ts = Json::array();
  for (const StoredTemplate& t : s.templates) {
    ts.push_back({{"id", t.template_id}, {"date", t.capture_date}, {"q", t.quality},
                  {"img_sha", Sha(t.image_sha256)}, {"model", t.model_id},
                  {"sha", Sha(t.model_sha256)}, {"at", t.enrolled_at}, {"has_img", t.has_image},
                  {"x", Floats(t.values)}});
  }
  return {{"id", s.subject_id}, {"ref", s.record_ref}, {"created", s.created_at},
          {"templates", std::move(ts)}};
}
SubjectInfo SubjectFrom(const Json& j) {
  SubjectInfo s;
  s.subject_id = j.at("id").get<std::string>();
  s.record_ref = j.at("ref").get<std::string>();
  s.created_at = j.at("created").get<std::string>();
  for (const Json& t : j.at("templates")) {
    StoredTemplate st;
    st.template_id = t.at("id").get<int64_t>();
    st.capture_date = t.at("date").get<std::string>();
    st.quality = t.at("q").get<float>();
    st.image_sha256 = ShaFrom(t.at("img_sha"));
    st.model_id = t.at("model").get<std::string>();
    st.model_sha256 = ShaFrom(t.at("sha"));
    st.enrolled_at = t.at("at").get<std::string>();
    st.has_image = t.at("has_img").get<bool>();
    st.values = FloatsFrom(t.at("x"));
    s.templates.push_back(std::move(st));
  }
  return s;
}

Json ToJson(const IdentifyResult& r) {
  Json cs = Json::array();
  for (const IdentifyCandidate& c : r.candidates) {
    cs.push_back({{"id", c.subject_id}, {"ref", c.record_ref}, {"s", c.score},
                  {"t", c.template_id}});
  }
  return {{"c", std::move(cs)}, {"thr", r.threshold}, {"subjects", r.gallery_subjects},
          {"templates", r.gallery_templates}};
}
IdentifyResult IdentifyFrom(const Json& j) {
  IdentifyResult r;
  for (const Json& c : j.at("c")) {
    IdentifyCandidate ic;
    ic.subject_id = c.at("id").get<std::string>();
    ic.record_ref = c.at("ref").get<std::string>();
    ic.score = c.at("s").get<float>();
    ic.template_id = c.at("t").get<int64_t>();
    r.candidates.push_back(std::move(ic));
  }
  r.no_candidate_above_threshold = r.candidates.empty();
  r.threshold = j.at("thr").get<float>();
  r.gallery_subjects = j.at("subjects").get<int64_t>();
  r.gallery_templates = j.at("templates").get<int64_t>();
  return r;
}

Json ToJson(const VerifyResult& r) {
  return {{"s", r.score}, {"m", r.match}, {"thr", r.threshold}, {"n", r.templates_compared},
          {"t", r.best_template_id}};
}
VerifyResult VerifyFrom(const Json& j) {
  VerifyResult r;
  r.score = j.at("s").get<float>();
  r.match = j.at("m").get<bool>();
  r.threshold = j.at("thr").get<float>();
  r.templates_compared = j.at("n").get<int>();
  r.best_template_id = j.at("t").get<int64_t>();
  return r;
}

Json StatusJson(const Status& s) {
  return {{"code", static_cast<int>(s.code())}, {"msg", s.message()}};
}
Status StatusFrom(const Json& j) {
  const int code = j.at("code").get<int>();
  if (code < 0 || code > static_cast<int>(Code::kUnauthenticated)) {
    return DataLossError("reply carries an unknown status code");
  }
  return Status(static_cast<Code>(code), j.at("msg").get<std::string>());
}

}  // namespace cluster
}  // namespace candor
