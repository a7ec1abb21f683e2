// Copyright 2026 The Candor Authors.

#include "common/attributes_csv.h"

#include <sstream>
#include <vector>

#include "common/file_util.h"

namespace candor {
namespace {

std::vector<std::string> SplitCommas(const std::string& line) {
  std::vector<std::string> f;
  for (std::size_t p = 0;;) {
    const std::size_t q = line.find(',', p);
    f.push_back(line.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) return f;
    p = q + 1;
  }
}

}  // namespace

StatusOr<AttributesById> ParseAttributesCsv(std::string_view text, const std::string& where) {
  AttributesById out;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string at = where + ":" + std::to_string(n) + ": ";
    const std::vector<std::string> f = SplitCommas(line);
    if (f[0].empty()) return InvalidArgumentError(at + "empty id");
    if (out.count(f[0])) return InvalidArgumentError(at + "\"" + f[0] + "\" is listed twice");
    auto& attributes = out[f[0]];
    for (std::size_t i = 1; i < f.size(); ++i) {
      const std::size_t eq = f[i].find('=');
      if (eq == std::string::npos) return InvalidArgumentError(at + "expected key=value");
      if (eq == 0 || eq + 1 == f[i].size()) return InvalidArgumentError(at + "empty key or value");
      attributes[f[i].substr(0, eq)] = f[i].substr(eq + 1);
    }
  }
  return out;
}

StatusOr<AttributesById> ReadAttributesCsv(const std::filesystem::path& file) {
  auto bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.status().WithContext("attributes file " + file.string());
  return ParseAttributesCsv(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), file.string());
}

}  // namespace candor
