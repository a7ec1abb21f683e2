// Copyright 2026 The Candor Authors.
//
// The sidecar that every conversion writes: provenance read from the enclosing
// npm package, hashes that match the files on disk, and errors for missing
// sources (no ONNX file is written then).

#include "model_sidecar.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace candor::convert {
namespace {

namespace fs = std::filesystem;

class ModelSidecarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("candor_sidecar_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "pkg" / "package" / "models");
    std::ofstream(dir_ / "pkg" / "package" / "package.json") << R"({"name":"@x/models","version":"1.2.3"})";
    std::ofstream(dir_ / "pkg" / "package" / "models" / "m.json") << "{}";
    std::ofstream(dir_ / "pkg" / "package" / "models" / "m.bin") << "weights";
    b_.AddInput("x", {kDynamic, 3, 4, 4});
    b_.AddOutput(b_.Op("Relu", {"x"}, {}, "y"), {kDynamic, 3, 4, 4});
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  OnnxBuilder b_{"m"};
};

TEST_F(ModelSidecarTest, RecordsProvenanceAndHashesThatMatchTheFiles) {
  Provenance p;
  p.id = "model-x";
  p.source_file = dir_ / "pkg" / "package" / "models" / "m.json";
  p.extra_files = {dir_ / "pkg" / "package" / "models" / "m.bin"};
  FillPackageFromPath(p.source_file, p);
  EXPECT_EQ(p.source_package, "@x/models");
  EXPECT_EQ(p.source_version, "1.2.3");
  EXPECT_EQ(p.source_file_label, "models/m.json");
  TensorSpec in{"x", {-1, 3, 4, 4}, "NCHW RGB", "x / 255", "", "x:0"};
  TensorSpec out{"y", {-1, 3, 4, 4}, "", "", "relu of x", "y:0"};
  const fs::path onnx = dir_ / "out" / "model-x.onnx";
  ASSERT_TRUE(SaveModelWithSidecar(b_, onnx, p, in, {out}).ok());

  std::ifstream f(dir_ / "out" / "model-x.json");
  const nlohmann::json j = nlohmann::json::parse(f);
  EXPECT_EQ(j["id"], "model-x");
  EXPECT_EQ(j["file"], "model-x.onnx");
  EXPECT_EQ(j["source_package"], "@x/models");
  EXPECT_EQ(j["source_version"], "1.2.3");
  EXPECT_EQ(j["source_file"], "models/m.json");
  EXPECT_EQ(j["onnx_sha256"], *Sha256OfFile(onnx));
  EXPECT_EQ(j["source_sha256"], Sha256Hex("{}"));
  EXPECT_EQ(j["source_extra_sha256"]["m.bin"], Sha256Hex("weights"));
  EXPECT_EQ(j["input"]["shape"], (std::vector<int64_t>{-1, 3, 4, 4}));
  EXPECT_EQ(j["input"]["preprocessing"], "x / 255");
  EXPECT_EQ(j["outputs"][0]["description"], "relu of x");
  EXPECT_EQ(j["outputs"][0]["source"], "y:0");
  EXPECT_EQ(j["opset"], 10);
}

TEST_F(ModelSidecarTest, MissingSourceIsNotFoundAndWritesNothing) {
  Provenance p;
  p.id = "model-y";
  p.source_file = dir_ / "absent.json";
  const fs::path onnx = dir_ / "out2" / "model-y.onnx";
  Status s = SaveModelWithSidecar(b_, onnx, p, {}, {});
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_FALSE(fs::exists(onnx));
  EXPECT_FALSE(fs::exists(dir_ / "out2" / "model-y.json"));
}

}  // namespace
}  // namespace candor::convert
