// Copyright 2026 The Candor Authors.
//
// candor_image_seeds DIR: writes testing_images::SeedImages() into DIR (the
// fuzzers' image seed corpus; fuzz/run_fuzzers.sh). Exit 0, or 1 with a message.

#include <filesystem>
#include <iostream>

#include "common/file_util.h"
#include "image/test_images.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: candor_image_seeds DIR\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(argv[1], ec);
  for (const auto& [name, bytes] : candor::testing_images::SeedImages()) {
    if (bytes.empty()) {
      std::cerr << "candor_image_seeds: could not encode " << name << "\n";
      return 1;
    }
    const candor::Status s = candor::WriteFileAtomic(std::filesystem::path(argv[1]) / name, bytes);
    if (!s.ok()) {
      std::cerr << "candor_image_seeds: " << s.ToString() << "\n";
      return 1;
    }
  }
  return 0;
}
