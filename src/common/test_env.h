// Copyright 2026 The Candor Authors.
//
// Test helpers for tests that need real data or converted models: they skip
// (never pass vacuously) with a message naming what is missing.

#ifndef CANDOR_COMMON_TEST_ENV_H_
#define CANDOR_COMMON_TEST_ENV_H_

#include <gtest/gtest.h>

#include <filesystem>

#include "common/paths.h"

// Declares `std::filesystem::path var` = the data directory, or skips the test.
#define CANDOR_REQUIRE_DATA(var)                                                      \
  auto var##_opt_ = ::candor::DataDir();                                              \
  if (!var##_opt_) GTEST_SKIP() << "test data not found: set CANDOR_DATA (default "   \
                                   "../shared/data beside the source tree)";          \
  const std::filesystem::path var = *var##_opt_

// Skips the test unless model file `name` (e.g. "mobilefacenet.onnx") exists in ModelDir().
#define CANDOR_REQUIRE_MODEL(name)                                                    \
  if (!std::filesystem::exists(::candor::ModelDir() / (name)))                        \
  GTEST_SKIP() << "model " << (name) << " not found in " << ::candor::ModelDir()      \
               << ": run scripts/setup.sh to fetch and convert the models"

#endif  // CANDOR_COMMON_TEST_ENV_H_
