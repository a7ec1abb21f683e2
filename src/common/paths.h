// Copyright 2026 The Candor Authors.
//
// Where Candor finds its inputs at run time. Each reads an environment variable
// first and falls back to a documented default; none of them touch the disk
// beyond checking that a directory exists. Thread-safe (read-only environment).

#ifndef CANDOR_COMMON_PATHS_H_
#define CANDOR_COMMON_PATHS_H_

#include <filesystem>
#include <optional>

namespace candor {

// $CANDOR_MODELS, else the models/ folder that set-up fills (compiled in).
std::filesystem::path ModelDir();

// $CANDOR_DATA, else ../shared/data beside the source tree; nullopt when that is
// not an existing directory (tests then skip with a message).
std::optional<std::filesystem::path> DataDir();

// The source tree this binary was built from (for test fixtures).
std::filesystem::path SourceDir();

}  // namespace candor

#endif  // CANDOR_COMMON_PATHS_H_
