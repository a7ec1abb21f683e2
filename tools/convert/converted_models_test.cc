// Copyright 2026 The Candor Authors.
//
// The converted models as OpenCV 4.6 DNN imports them (ModelDir(); skips when
// a model is absent): the import prints no warning (an output name OpenCV
// cannot find was one: "can't find layer for output name 'embedding'"), and
// the importer had to insert no Padding layer in front of a convolution (the
// converter writes TF "SAME" padding as auto_pad; an explicit asymmetric pad
// costs a full tensor copy per convolution, see docs/BENCHMARKS.md).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <opencv2/dnn.hpp>

#include "common/paths.h"
#include "common/test_env.h"

namespace candor::convert {
namespace {

namespace fs = std::filesystem;

// Loads `path` with stderr captured; returns what OpenCV printed.
std::string LoadCapturingStderr(const fs::path& path, cv::dnn::Net* net) {
  const fs::path log = fs::temp_directory_path() / ("candor_import_" + std::to_string(::getpid()) + ".txt");
  std::fflush(stderr);
  const int saved = ::dup(2);
  FILE* f = std::fopen(log.c_str(), "w");
  ::dup2(::fileno(f), 2);
  *net = cv::dnn::readNetFromONNX(path.string());
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(f);
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  fs::remove(log);
  return ss.str();
}

class ConvertedModels : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvertedModels, ImportWithoutWarningsOrInsertedPadding) {
  const std::string file = std::string(GetParam()) + ".onnx";
  CANDOR_REQUIRE_MODEL(file);
  cv::dnn::Net net;
  const std::string printed = LoadCapturingStderr(ModelDir() / file, &net);
  ASSERT_FALSE(net.empty());
  EXPECT_EQ(printed.find("WARN"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("can't find layer"), std::string::npos) << printed;
  for (const auto& name : net.getLayerNames()) {
    // OpenCV names the Padding layer it splits off a convolution "<conv>/pad".
    EXPECT_EQ(name.find("/pad"), std::string::npos) << file << ": " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(All, ConvertedModels,
                         ::testing::Values("blazeface-256", "blazeface-front-128", "facemesh-468", "mobilefacenet",
                                           "mobilefacenet-human-repaired", "faceapi-resnet"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace candor::convert
