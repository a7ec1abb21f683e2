// Copyright 2026 The Candor Authors.

#include "common/iso_time.h"

#include <cstdio>
#include <ctime>

namespace candor {

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

}  // namespace candor
