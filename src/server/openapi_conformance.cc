// Copyright 2026 The Candor Authors.

#include "server/openapi_conformance.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "server/json_util.h"

namespace candor::server {

namespace {
std::vector<std::string> Segments(const std::string& p) {
  std::vector<std::string> out;
  std::stringstream ss(p);
  std::string s;
  while (std::getline(ss, s, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}
}  // namespace

OpenApiSpec OpenApiSpec::Load() {
  const char* src = std::getenv("CANDOR_SOURCE_DIR");
  std::string root = src ? src : CANDOR_SOURCE_DIR;
  std::ifstream in(root + "/docs/openapi.yaml");
  if (!in) throw std::runtime_error("cannot open docs/openapi.yaml");
  OpenApiSpec spec;
  spec.doc_ = nlohmann::json::parse(in);  // JSON syntax is valid YAML 1.2
  return spec;
}

std::string OpenApiSpec::Template(const std::string& path) const {
  const auto xs = Segments(path);
  std::string best;
  int best_literals = -1;
  for (auto it = doc_["paths"].begin(); it != doc_["paths"].end(); ++it) {
    const auto ps = Segments(it.key());
    // x-greedy-tail: the last parameter takes the rest of the path.
    const bool greedy = it.value().value("x-greedy-tail", false);
    if (greedy ? xs.size() < ps.size() : ps.size() != xs.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < ps.size() && ok; ++i) {
      if (ps[i].front() == '{') continue;
      if (ps[i] != xs[i]) ok = false;
      ++literals;
    }
    if (ok && literals > best_literals) {
      best = it.key();
      best_literals = literals;
    }
  }
  return best;
}

std::string OpenApiSpec::Validate(const nlohmann::json& v, const nlohmann::json& schema,
                                  const std::string& where) const {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];  // "#/components/schemas/X"
    const std::string name = ref.substr(ref.rfind('/') + 1);
    return Validate(v, doc_["components"]["schemas"][name], where);
  }
  const std::string type = schema.value("type", "");
  if (type == "object") {
    if (!v.is_object()) return where + ": expected an object";
    for (const auto& r : schema.value("required", nlohmann::json::array())) {
      if (!v.contains(r.get<std::string>()))
        return where + ": missing required '" + r.get<std::string>() + "'";
    }
    const auto props = schema.value("properties", nlohmann::json::object());
    const bool closed = schema.contains("additionalProperties") &&
                        schema["additionalProperties"].is_boolean() &&
                        !schema["additionalProperties"].get<bool>();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props.contains(it.key())) {
        std::string e = Validate(it.value(), props[it.key()], where + "." + it.key());
        if (!e.empty()) return e;
      } else if (closed) {
        return where + ": property '" + it.key() + "' is not in the spec";
      }
    }
    return "";
  }
  if (type == "array") {
    if (!v.is_array()) return where + ": expected an array";
    for (size_t i = 0; i < v.size(); ++i) {
      std::string e = Validate(v[i], schema.value("items", nlohmann::json::object()),
                               where + "[" + std::to_string(i) + "]");
      if (!e.empty()) return e;
    }
    return "";
  }
  if (type == "string") {
    if (!v.is_string()) return where + ": expected a string";
    if (schema.value("format", "") == "date-time" && !ParseIsoTime(v.get<std::string>()).ok()) {
      return where + ": not an ISO-8601 date-time: " + v.get<std::string>();
    }
  } else if (type == "integer") {
    if (!v.is_number_integer()) return where + ": expected an integer";
  } else if (type == "number") {
    if (!v.is_number()) return where + ": expected a number";
  } else if (type == "boolean") {
    if (!v.is_boolean()) return where + ": expected a boolean";
  }
  if (schema.contains("enum")) {
    const auto& e = schema["enum"];
    if (std::find(e.begin(), e.end(), v) == e.end())
      return where + ": " + v.dump() + " not in enum";
  }
  return "";
}

std::string OpenApiSpec::Check(const std::string& method, const std::string& path, int status,
                               const std::string& content_type, const std::string& body) const {
  const std::string code = std::to_string(status);
  // `resp`: the spec's response object for this answer; `label` names it in errors.
  auto check = [&](const nlohmann::json& resp, const std::string& label) -> std::string {
    if (!resp.contains("content")) {
      return body.empty() ? "" : label + ": spec has no body, got one";
    }
    const std::string media = content_type.substr(0, content_type.find(';'));
    if (!resp["content"].contains(media)) {
      return label + ": content type " + media + " not in the spec";
    }
    if (media != "application/json") return "";
    auto v = nlohmann::json::parse(body, nullptr, false);
    if (v.is_discarded()) return label + ": body is not JSON";
    std::string e = Validate(v, resp["content"][media]["schema"], "body");
    return e.empty() ? "" : label + ": " + e;
  };
  // A request no operation matches: only the spec's x-unrouted-responses
  // (404 for an unknown path, 405 for a method the path does not take).
  static const nlohmann::json kNone = nlohmann::json::object();
  const auto& unrouted =
      doc_.contains("x-unrouted-responses") ? doc_["x-unrouted-responses"] : kNone;
  const std::string tmpl = Template(path);
  std::string m = method;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  if (tmpl.empty() || !doc_["paths"][tmpl].contains(m)) {
    const std::string want = tmpl.empty() ? "404" : "405";
    if (code == want && unrouted.contains(code)) {
      return check(unrouted[code], method + " " + path + " (unrouted) " + code);
    }
    if (code == want) return "spec has no x-unrouted-responses " + code;
    return tmpl.empty() ? "no spec path for " + path : "spec has no " + method + " " + tmpl;
  }
  const auto& responses = doc_["paths"][tmpl][m]["responses"];
  if (!responses.contains(code))
    return method + " " + tmpl + ": status " + code + " not in the spec";
  return check(responses[code], method + " " + tmpl + " " + code);
}

}  // namespace candor::server
