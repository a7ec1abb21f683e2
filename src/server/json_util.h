// Copyright 2026 The Candor Authors.
//
// Strict JSON request parsing for the service: a body must be a JSON object
// whose fields all appear in the schema with the right type; unknown fields,
// missing required fields and wrong types are INVALID_ARGUMENT naming the
// field. Plus ISO-8601 UTC time formatting/parsing. Pure functions.

#ifndef CANDOR_SERVER_JSON_UTIL_H_
#define CANDOR_SERVER_JSON_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "candor/status.h"
#include "common/iso_time.h"

namespace candor::server {

enum class JType { kString, kInt, kNumber, kBool, kStringArray };

struct FieldSpec {
  const char* name;
  JType type;
  bool required;
};

// Parses `body` as a JSON object and checks it against `fields`.
StatusOr<nlohmann::json> ParseStrict(const std::string& body,
                                     std::initializer_list<FieldSpec> fields);

// ISO-8601 UTC times (common/iso_time.h).
using ::candor::IsoTime;
using ::candor::ParseIsoTime;

// Standard base64 (padding optional) -> bytes. INVALID_ARGUMENT if malformed.
StatusOr<std::string> DecodeBase64(const std::string& b64);

}  // namespace candor::server

#endif  // CANDOR_SERVER_JSON_UTIL_H_
