// Copyright 2026 The Candor Authors.

#include "tfjs_graph_model.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>

namespace candor::convert {
namespace {

std::string Base64Decode(const std::string& in) {
  static const std::string kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : in) {
    if (c == '=') break;
    size_t p = kChars.find(c);
    if (p == std::string::npos) continue;
    val = (val << 6) + static_cast<int>(p);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

int64_t ToInt(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_string()) return std::stoll(j.get<std::string>());
  return 0;
}

StatusOr<std::string> ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + p.string());
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return UnavailableError("cannot read " + p.string());
  return s;
}

}  // namespace

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3FF;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

const TfNode* TfGraphModel::Find(const std::string& name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &nodes[it->second];
}

std::string AttrString(const TfNode& n, const std::string& key, const std::string& def) {
  if (!n.attr.contains(key) || !n.attr[key].contains("s")) return def;
  return Base64Decode(n.attr[key]["s"].get<std::string>());
}

std::vector<std::string> AttrStrings(const TfNode& n, const std::string& key) {
  std::vector<std::string> out;
  if (!n.attr.contains(key)) return out;
  const auto& a = n.attr[key];
  if (a.contains("list") && a["list"].contains("s"))
    for (const auto& s : a["list"]["s"]) out.push_back(Base64Decode(s.get<std::string>()));
  return out;
}

std::vector<int64_t> AttrInts(const TfNode& n, const std::string& key) {
  std::vector<int64_t> out;
  if (!n.attr.contains(key)) return out;
  const auto& a = n.attr[key];
  if (a.contains("list") && a["list"].contains("i"))
    for (const auto& v : a["list"]["i"]) out.push_back(ToInt(v));
  return out;
}

int64_t AttrInt(const TfNode& n, const std::string& key, int64_t def) {
  if (!n.attr.contains(key) || !n.attr[key].contains("i")) return def;
  return ToInt(n.attr[key]["i"]);
}

float AttrFloat(const TfNode& n, const std::string& key, float def) {
  if (!n.attr.contains(key) || !n.attr[key].contains("f")) return def;
  const auto& f = n.attr[key]["f"];
  return f.is_number() ? f.get<float>() : std::stof(f.get<std::string>());
}

bool AttrBool(const TfNode& n, const std::string& key, bool def) {
  if (!n.attr.contains(key) || !n.attr[key].contains("b")) return def;
  return n.attr[key]["b"].get<bool>();
}

StatusOr<TfGraphModel> LoadTfjsGraphModel(const std::filesystem::path& model_json) {
  CANDOR_ASSIGN_OR_RETURN(std::string text, ReadAll(model_json));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgumentError(model_json.string() + ": not valid JSON");
  if (!j.contains("modelTopology") || !j["modelTopology"].is_object() ||
      !j["modelTopology"].contains("node") || !j["modelTopology"]["node"].is_array())
    return InvalidArgumentError(model_json.string() +
                                ": not a TF.js graph model (no modelTopology.node[])");
  if (!j.contains("weightsManifest") || !j["weightsManifest"].is_array())
    return InvalidArgumentError(model_json.string() + ": no weightsManifest");

  TfGraphModel m;
  try {
    for (const auto& jn : j["modelTopology"]["node"]) {
      TfNode n;
      n.name = jn.at("name").get<std::string>();
      n.op = jn.at("op").get<std::string>();
      if (jn.contains("input")) {
        for (const auto& in : jn["input"]) {
          std::string s = in.get<std::string>();
          if (!s.empty() && s[0] == '^') continue;  // control dependency
          if (s.size() > 2 && s.compare(s.size() - 2, 2, ":0") == 0) s.resize(s.size() - 2);
          n.inputs.push_back(s);
        }
      }
      if (jn.contains("attr")) n.attr = jn["attr"];
      if (m.index.count(n.name)) return InvalidArgumentError("duplicate node name " + n.name);
      m.index[n.name] = m.nodes.size();
      m.nodes.push_back(std::move(n));
    }
    if (j.contains("signature")) {
      m.signature = j["signature"];
    } else if (j.contains("userDefinedMetadata") && j["userDefinedMetadata"].is_object() &&
               j["userDefinedMetadata"].contains("signature")) {
      m.signature = j["userDefinedMetadata"]["signature"];
    }

    const std::filesystem::path dir = model_json.parent_path();
    for (const auto& group : j["weightsManifest"]) {
      std::string buf;
      for (const auto& p : group.at("paths")) {
        const std::filesystem::path rel = p.get<std::string>();
        bool escapes = rel.is_absolute();
        for (const auto& part : rel) escapes = escapes || part == "..";
        if (escapes) return InvalidArgumentError("weight shard path escapes the model directory: " + rel.string());
        const std::filesystem::path shard = dir / rel;
        CANDOR_ASSIGN_OR_RETURN(std::string bytes, ReadAll(shard));
        buf += bytes;
        m.shard_paths.push_back(shard);
      }
      size_t off = 0;
      for (const auto& w : group.at("weights")) {
        TfWeight t;
        const std::string name = w.at("name").get<std::string>();
        for (const auto& d : w.at("shape")) t.shape.push_back(d.get<int64_t>());
        int64_t count = 1;
        for (int64_t d : t.shape) {
          if (d < 0 || d > (int64_t{1} << 31)) return InvalidArgumentError("weight " + name + ": bad shape");
          count *= d;
        }
        if (count > (int64_t{1} << 31)) return InvalidArgumentError("weight " + name + ": too large");
        const std::string dtype = w.at("dtype").get<std::string>();
        std::string qdtype;
        float scale = 1.f, min = 0.f;
        if (w.contains("quantization") && w["quantization"].is_object()) {
          const auto& q = w["quantization"];
          qdtype = q.at("dtype").get<std::string>();
          if (q.contains("scale")) scale = q["scale"].get<float>();
          if (q.contains("min")) min = q["min"].get<float>();
        }
        size_t elem = 4;
        if (qdtype == "uint8" || (qdtype.empty() && dtype == "bool")) elem = 1;
        else if (qdtype == "uint16" || qdtype == "float16") elem = 2;
        else if (!qdtype.empty()) return InvalidArgumentError("weight " + name + ": unsupported quantization " + qdtype);
        const size_t nbytes = elem * static_cast<size_t>(count);
        if (off + nbytes > buf.size())
          return DataLossError("weight shards end before weight " + name + " (need " +
                               std::to_string(off + nbytes) + " bytes, have " + std::to_string(buf.size()) + ")");
        const unsigned char* p = reinterpret_cast<const unsigned char*>(buf.data() + off);
        if (dtype == "int32" || dtype == "bool") {
          if (!qdtype.empty()) return InvalidArgumentError("weight " + name + ": quantized integers are not supported");
          t.is_int = true;
          t.i.resize(count);
          for (int64_t k = 0; k < count; ++k) {
            if (dtype == "bool") {
              t.i[k] = p[k] != 0;
            } else {
              int32_t v;
              std::memcpy(&v, p + 4 * k, 4);
              t.i[k] = v;
            }
          }
        } else if (dtype == "float32") {
          t.f.resize(count);
          for (int64_t k = 0; k < count; ++k) {
            if (qdtype == "uint8") {
              t.f[k] = static_cast<float>(p[k]) * scale + min;
            } else if (qdtype == "uint16") {
              uint16_t v;
              std::memcpy(&v, p + 2 * k, 2);
              t.f[k] = static_cast<float>(v) * scale + min;
            } else if (qdtype == "float16") {
              uint16_t v;
              std::memcpy(&v, p + 2 * k, 2);
              t.f[k] = HalfToFloat(v);
            } else {
              std::memcpy(&t.f[k], p + 4 * k, 4);
            }
          }
        } else {
          return InvalidArgumentError("weight " + name + ": unsupported dtype " + dtype);
        }
        off += nbytes;
        m.weights[name] = std::move(t);
      }
      if (off != buf.size())
        return DataLossError("weight shards hold " + std::to_string(buf.size()) + " bytes but the manifest describes " +
                             std::to_string(off));
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(model_json.string() + ": malformed graph model: " + e.what());
  }
  return m;
}

}  // namespace candor::convert
