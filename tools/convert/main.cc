// Copyright 2026 The Candor Authors.
//
// candor-convert: converts the project's models into ONNX for OpenCV 4.6 DNN.
//   candor-convert tfjs-graph --model models/blazeface.json --out models/blazeface-256.onnx ...
// One subcommand per source format (see converter_registry.h). Exit codes as
// candor::ExitCode: 0 OK, 2 invalid argument, 3 not found, 1 other.

#include <cstdio>
#include <exception>
#include <memory>

#include "converter_registry.h"

int main(int argc, char** argv) {
  CLI::App app{"candor-convert: converts face models (TF.js graph, TFLite, face-api) to ONNX"};
  app.set_version_flag("--version", std::string("candor-convert ") + CANDOR_VERSION);
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::unique_ptr<candor::convert::ConvertFn>>> subs;
  for (const auto& c : candor::convert::RegisteredConverters()) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    subs.emplace_back(sub, std::make_unique<candor::convert::ConvertFn>(c.setup(*sub)));
  }
  CLI11_PARSE(app, argc, argv);
  for (auto& [sub, fn] : subs) {
    if (!sub->parsed()) continue;
    candor::Status s;
    try {
      s = (*fn)();
    } catch (const std::exception& e) {
      s = candor::InternalError(std::string("unexpected exception: ") + e.what());
    }
    if (!s.ok()) {
      std::fprintf(stderr, "candor-convert %s: %s\n", sub->get_name().c_str(), s.ToString().c_str());
      return candor::ExitCode(s.code());
    }
    return 0;
  }
  return 2;
}
