// Copyright 2026 The Candor Authors.
//
// What travels on the bus, and how it is sealed (docs/CLUSTER.md, "Wire").
//
// Subjects
//   candor.e.<S>.<token>.put   enrollment of one subject in shard S (log)
//   candor.e.<S>.<token>.del   deletion of that subject (log)
//   candor.e.<S>.gal.<gtoken>  creation of a gallery, once per shard (log)
//   candor.m.<gtoken>          a gallery's model, fixed once for the cluster (log)
//   candor.q.<S>.<R>           requests to replica R of shard S (request/reply)
// <token> = hex of keyed BLAKE2b-128(gallery || 0x00 || subject id) under the
// bus key; <gtoken> the same over the gallery name: no subject id or gallery
// name appears in clear on the bus.
//
// Bodies are CBOR (nlohmann::json), templates as raw float32 bytes, sealed
// with XChaCha20-Poly1305 under the bus key with the NATS subject as
// associated data (a reply: "reply:" + the request's subject).
// Thread safety: all functions are pure or thread-safe.

#ifndef CANDOR_CLUSTER_BUS_CODEC_H_
#define CANDOR_CLUSTER_BUS_CODEC_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/gallery.h"
#include "candor/status.h"
#include "gallery/crypto.h"

namespace candor::cluster {

using Json = nlohmann::json;

// The bus key: crypto_kdf_derive_from_key(32, 1, "cndrbus_", store key).
gallery::Key BusKey(const StoreKey& store_key);

std::string SubjectToken(const gallery::Key& bus, std::string_view gallery,
                         std::string_view subject_id);
std::string GalleryToken(const gallery::Key& bus, std::string_view gallery);

std::string PutSubject(int shard, const std::string& token);
std::string DelSubject(int shard, const std::string& token);
std::string GallerySubject(int shard, const std::string& gtoken);
// A gallery's settings (its subject_score rule) on one shard's log; applied in
// log order, so a rebuilt replica ends with the last one.
std::string SettingsSubject(int shard, const std::string& gtoken);
std::string ModelSubject(const std::string& gtoken);
std::string RequestSubject(int shard, int replica);
std::string ShardFilter(int shard);  // candor.e.<S>.>

// Seals CBOR(j) with `ad`. Opens and parses; UNAUTHENTICATED if the key or
// bytes are wrong, DATA_LOSS if the plaintext is not valid CBOR.
std::vector<uint8_t> SealJson(const gallery::Key& bus, const Json& j, std::string_view ad);
StatusOr<Json> OpenJson(const gallery::Key& bus, std::span<const uint8_t> sealed,
                        std::string_view ad);

// A template's id on every replica of its shard: from the log position of
// the entry that carries it (stream sequence `seq`, its index `j` within the
// entry), so a replica rebuilt from the log (which no longer holds deleted
// subjects' entries) or restored from a snapshot numbers it as the others do.
// Ids only grow in stream order, as Store::Enroll requires of given ids.
inline constexpr int kMaxTemplatesPerEntry = 1024;
inline int64_t TemplateIdOf(uint64_t seq, size_t j) {
  return static_cast<int64_t>(seq) * kMaxTemplatesPerEntry + static_cast<int64_t>(j);
}

// Request operations (candor.q.*).
enum class Op : int {
  kIdentify = 1,
  kListGalleries = 2,
  kGetSubject = 3,
  kVerify = 4,
  kHasImage = 5,
  kGetImage = 6,
};

// Conversions; From* throw nlohmann::json exceptions on malformed input
// (callers catch at the message boundary).
Json ToJson(const Template& t);
Template TemplateFrom(const Json& j);
Json ToJson(const GalleryInfo& g);
GalleryInfo GalleryFrom(const Json& j);
Json ToJson(const EnrollRequest& r);
EnrollRequest EnrollFrom(const Json& j);
Json ToJson(const SubjectInfo& s);
SubjectInfo SubjectFrom(const Json& j);
Json ToJson(const IdentifyResult& r);
IdentifyResult IdentifyFrom(const Json& j);
Json ToJson(const VerifyResult& r);
VerifyResult VerifyFrom(const Json& j);
Json StatusJson(const Status& s);
Status StatusFrom(const Json& j);

}  // namespace candor::cluster

#endif  // CANDOR_CLUSTER_BUS_CODEC_H_
