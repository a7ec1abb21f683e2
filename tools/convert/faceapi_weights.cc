// Copyright 2026 The Candor Authors.

#include "faceapi_weights.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace candor::convert {
namespace {

float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) { mant <<= 1; --exp; }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

StatusOr<std::vector<uint8_t>> ReadBytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return NotFoundError("cannot open " + p.string());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

StatusOr<WeightMap> ParseImpl(const nlohmann::json& manifest, const std::vector<uint8_t>& bytes) {
  if (!manifest.is_array()) return DataLossError("weights manifest is not a JSON array");
  WeightMap out;
  size_t pos = 0;
  for (const auto& group : manifest) {
    if (!group.is_object() || !group.contains("weights") || !group["weights"].is_array()) {
      return DataLossError("weights manifest group without a 'weights' array");
    }
    for (const auto& w : group["weights"]) {
      if (!w.is_object() || !w.contains("name") || !w["name"].is_string() ||
          !w.contains("shape") || !w["shape"].is_array()) {
        return DataLossError("weight entry without name or shape");
      }
      const std::string name = w["name"];
      WeightTensor t;
      uint64_t count = 1;
      for (const auto& d : w["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (1 << 30)) {
          return DataLossError("weight '" + name + "' has a bad dimension");
        }
        t.shape.push_back(d.get<int64_t>());
        count *= static_cast<uint64_t>(t.shape.back());
        if (count > (uint64_t{1} << 32)) return DataLossError("weight '" + name + "' too large");
      }
      const std::string dtype = w.value("dtype", "");
      if (dtype != "float32") {
        return UnimplementedError("weight '" + name + "' has dtype '" + dtype + "' (want float32)");
      }
      std::string qtype;
      double scale = 1, min = 0;
      if (w.contains("quantization")) {
        const auto& q = w["quantization"];
        if (!q.is_object() || !q.contains("dtype") || !q["dtype"].is_string()) {
          return DataLossError("weight '" + name + "' has a bad quantization entry");
        }
        qtype = q["dtype"];
        if (qtype == "uint8" || qtype == "uint16") {
          if (!q.contains("scale") || !q["scale"].is_number() || !q.contains("min") ||
              !q["min"].is_number()) {
            return DataLossError("weight '" + name + "' quantized without scale and min");
          }
          scale = q["scale"];
          min = q["min"];
        } else if (qtype != "float16") {
          return UnimplementedError("weight '" + name + "' quantized as '" + qtype + "'");
        }
      }
      const size_t width = qtype.empty() ? 4 : (qtype == "uint8" ? 1 : 2);
      if (pos > bytes.size() || count * width > bytes.size() - pos) {
        return DataLossError("weight shards end inside '" + name + "' (" +
                             std::to_string(bytes.size()) + " bytes)");
      }
      t.values.resize(count);
      const uint8_t* p = bytes.data() + pos;
      for (size_t i = 0; i < count; ++i) {
        if (qtype.empty()) {
          std::memcpy(&t.values[i], p + 4 * i, 4);
        } else if (qtype == "uint8") {
          t.values[i] = static_cast<float>(p[i] * scale + min);
        } else {
          uint16_t v;
          std::memcpy(&v, p + 2 * i, 2);
          t.values[i] = qtype == "float16" ? HalfBitsToFloat(v) : static_cast<float>(v * scale + min);
        }
      }
      pos += count * width;
      if (!out.emplace(name, std::move(t)).second) {
        return DataLossError("weight '" + name + "' appears twice in the manifest");
      }
    }
  }
  if (pos != bytes.size()) {
    return DataLossError("weight shards hold " + std::to_string(bytes.size()) +
                         " bytes, the manifest declares " + std::to_string(pos));
  }
  return out;
}

}  // namespace

StatusOr<WeightMap> ParseLayersWeights(const std::string& manifest_json,
                                       const std::vector<uint8_t>& shard_bytes) {
  nlohmann::json j = nlohmann::json::parse(manifest_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return DataLossError("weights manifest is not valid JSON");
  return ParseImpl(j, shard_bytes);
}

StatusOr<WeightMap> ReadLayersWeights(const std::filesystem::path& manifest) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> text, ReadBytes(manifest));
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return DataLossError(manifest.string() + ": not valid JSON");
  if (!j.is_array()) return DataLossError(manifest.string() + ": not a weights manifest");
  std::vector<uint8_t> bytes;
  for (const auto& group : j) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array()) {
      return DataLossError(manifest.string() + ": group without 'paths'");
    }
    for (const auto& p : group["paths"]) {
      if (!p.is_string()) return DataLossError(manifest.string() + ": bad shard path");
      const std::string rel = p;
      if (rel.find("..") != std::string::npos || (!rel.empty() && rel[0] == '/')) {
        return DataLossError(manifest.string() + ": shard path '" + rel + "' leaves its folder");
      }
      CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> shard, ReadBytes(manifest.parent_path() / rel));
      bytes.insert(bytes.end(), shard.begin(), shard.end());
    }
  }
  auto m = ParseImpl(j, bytes);
  if (!m.ok()) return m.status().WithContext(manifest.string());
  return m;
}

}  // namespace candor::convert
