// Copyright 2026 The Candor Authors.

#include "calibrate/embedding_set.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/hash.h"

namespace candor::eval {
namespace {
constexpr const char* kMagic = "candor-embeddings 1";
}

Status SaveEmbeddingSet(const EmbeddingSet& set, const std::filesystem::path& file) {
  std::size_t dim = 0;
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : set.images) {
    if (e.ok) {
      if (dim == 0) dim = e.v.size();
      if (e.v.size() != dim || dim == 0) return InvalidArgumentError("embeddings differ in length");
    }
    nlohmann::json entry = {{"path", e.path}, {"identity", e.identity}, {"ok", e.ok}};
    if (e.quality >= 0) entry["q"] = e.quality;
    entries.push_back(std::move(entry));
  }
  nlohmann::json header = {{"model_id", set.model_id}, {"model_sha256", set.model_sha256},
                           {"settings", set.settings}, {"dim", dim},
                           {"entries", entries}};
  std::string out = std::string(kMagic) + "\n" + header.dump() + "\n";
  for (const auto& e : set.images) {
    if (e.ok) out.append(reinterpret_cast<const char*>(e.v.data()), e.v.size() * sizeof(float));
  }
  const uint32_t crc = Crc32cMask(Crc32c(out));
  out.append(reinterpret_cast<const char*>(&crc), 4);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  return WriteFileAtomic(file, out);
}

StatusOr<EmbeddingSet> LoadEmbeddingSet(const std::filesystem::path& file) {
  CANDOR_ASSIGN_OR_RETURN(auto bytes, ReadFile(file, 4ull << 30));
  auto bad = [&](const std::string& why) {
    return DataLossError("embedding cache " + file.string() + ": " + why);
  };
  if (bytes.size() < 4) return bad("truncated");
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  const std::string_view body(reinterpret_cast<const char*>(bytes.data()), bytes.size() - 4);
  if (Crc32cUnmask(stored) != Crc32c(body)) return bad("checksum mismatch");
  const auto nl1 = body.find('\n');
  if (nl1 == std::string_view::npos || body.substr(0, nl1) != kMagic) return bad("not a cache");
  const auto nl2 = body.find('\n', nl1 + 1);
  if (nl2 == std::string_view::npos) return bad("no header");
  EmbeddingSet set;
  try {
    const auto h = nlohmann::json::parse(body.substr(nl1 + 1, nl2 - nl1 - 1));
    set.model_id = h.at("model_id").get<std::string>();
    set.model_sha256 = h.at("model_sha256").get<std::string>();
    set.settings = h.at("settings").get<std::string>();
    const std::size_t dim = h.at("dim").get<std::size_t>();
    const char* p = body.data() + nl2 + 1;
    const char* end = body.data() + body.size();
    for (const auto& e : h.at("entries")) {
      EmbeddedImage img;
      img.path = e.at("path").get<std::string>();
      img.identity = e.at("identity").get<std::string>();
      img.ok = e.at("ok").get<bool>();
      if (e.contains("q")) {
        img.quality = e.at("q").get<int>();
        if (img.quality < 0 || img.quality > 100) return bad("quality out of range");
      }
      if (img.ok) {
        if (static_cast<std::size_t>(end - p) < dim * sizeof(float)) return bad("vectors truncated");
        img.v.resize(dim);
        std::memcpy(img.v.data(), p, dim * sizeof(float));
        p += dim * sizeof(float);
      }
      set.images.push_back(std::move(img));
    }
    if (p != end) return bad("trailing bytes");
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  return set;
}

}  // namespace candor::eval
