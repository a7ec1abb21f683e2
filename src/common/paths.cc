// Copyright 2026 The Candor Authors.
#include "common/paths.h"

#include <cstdlib>
#include <system_error>

namespace candor {

std::filesystem::path SourceDir() { return std::filesystem::path(CANDOR_SOURCE_DIR); }

std::filesystem::path ModelDir() {
  if (const char* env = std::getenv("CANDOR_MODELS"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env);
  }
  return std::filesystem::path(CANDOR_DEFAULT_MODEL_DIR);
}

std::optional<std::filesystem::path> DataDir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("CANDOR_DATA"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = SourceDir() / ".." / "shared" / "data";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
  return std::filesystem::weakly_canonical(dir, ec);
}

}  // namespace candor
