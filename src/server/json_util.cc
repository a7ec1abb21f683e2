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

std::string IsoTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

StatusOr<int64_t> ParseIsoTime(const std::string& s) {
  int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
  std::tm tm{};
  if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
  } else if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) ==
                 6 &&
             n == 19) {
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    }
    if (pos + 1 != s.size() || s[pos] != 'Z') {
      return InvalidArgumentError("time '" + s +
                                  "' must be UTC ISO-8601 like 2027-01-15T08:00:00Z");
    }
  } else {
    return InvalidArgumentError("time '" + s.substr(0, 64) +
                                "' must be UTC ISO-8601 like 2027-01-15T08:00:00Z");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970 ||
      y > 9999) {
    return InvalidArgumentError("time '" + s + "' is out of range");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
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
