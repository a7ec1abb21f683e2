// Copyright 2026 The Candor Authors.
//
// `candor-convert <format> ...`: each source format is a subcommand defined in
// its own file (cmd_<format>.cc, compiled into the candor-convert binary) that
// registers itself at static-initialisation time, like src/cli/command.h.
//
// Setup adds the subcommand's options to `sub` and returns the function to run
// after parsing; that function returns a Status (printed by main, mapped to the
// exit code with candor::ExitCode).
// Thread safety: registration happens during static initialisation only.

#ifndef CANDOR_TOOLS_CONVERT_CONVERTER_REGISTRY_H_
#define CANDOR_TOOLS_CONVERT_CONVERTER_REGISTRY_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::convert {

using ConvertFn = std::function<Status()>;

struct Converter {
  std::string name;         // subcommand, e.g. "tfjs-graph"
  std::string description;  // one line for --help
  std::function<ConvertFn(CLI::App& sub)> setup;
};

// Registers a converter; returns true so it can initialise a static bool.
bool RegisterConverter(Converter converter);

// All registered converters, sorted by name.
std::vector<Converter> RegisteredConverters();

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_CONVERTER_REGISTRY_H_
