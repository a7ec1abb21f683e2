// Copyright 2026 The Candor Authors.

#include "server/json_util.h"

#include <sodium.h>

#include <cstdio>
#include <ctime>
#include <set>

namespace candor::server {

namespace {
bool TypeOk(const nlohmann::json& v, JType t) {
  switch (t) {
    case JType::kString:
      return v.is_string();
    case JType::kInt:
      return v.is_number_integer();
    case JType::kNumber:
      return v.is_number();
    case JType::kBool:
      return v.is_boolean();
    case JType::kStringArray:
      if (!v.is_array()) return false;
      for (const auto& e : v) {
        if (!e.is_string()) return false;
      }
      return true;
  }
  return false;
}
const char* TypeName(JType t) {
  switch (t) {
    case JType::kString:
      return "a string";
    case JType::kInt:
      return "an integer";
    case JType::kNumber:
      return "a number";
    case JType::kBool:
      return "a boolean";
    case JType::kStringArray:
      return "an array of strings";
  }
  return "?";
}
}  // namespace

StatusOr<nlohmann::json> ParseStrict(const std::string& body,
                                     std::initializer_list<FieldSpec> fields) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("request body is not valid JSON");
  if (!j.is_object()) return InvalidArgumentError("request body must be a JSON object");
  std::set<std::string> known;
  for (const auto& f : fields) {
    known.insert(f.name);
    auto it = j.find(f.name);
    if (it == j.end()) {
      if (f.required) return InvalidArgumentError(std::string("missing field '") + f.name + "'");
      continue;
    }
    if (!TypeOk(*it, f.type)) {
      return InvalidArgumentError(std::string("field '") + f.name + "' must be " +
                                  TypeName(f.type));
    }
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!known.count(it.key())) return InvalidArgumentError("unknown field '" + it.key() + "'");
  }
  return j;
}

StatusOr<std::string> DecodeBase64(const std::string& b64) {
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), "\r\n", &len, &end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      (end != b64.data() + b64.size() &&
       std::string_view(end, b64.data() + b64.size() - end).find_first_not_of("=") !=
           std::string_view::npos)) {
    return InvalidArgumentError("field 'image' is not valid base64");
  }
  out.resize(len);
  return out;
}

}  // namespace candor::server
