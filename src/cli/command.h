// Copyright 2026 The Candor Authors.
//
// The `candor` CLI is a list of subcommands, one per file (cmd_*.cc), each of
// which registers itself here at static-initialisation time. main.cc only
// parses and dispatches, as thin as leveldb's leveldbutil.
//
// A command's Setup adds its options to `sub` and returns the function to run
// once parsing succeeded. That function returns a Status; main maps it to the
// documented exit code (candor::ExitCode) and prints it (as JSON with --json).

#ifndef CANDOR_CLI_COMMAND_H_
#define CANDOR_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::cli {

// Options every command sees.
struct GlobalOptions {
  bool json = false;  // --json: machine-readable output on stdout
};

using RunFn = std::function<Status()>;
using SetupFn = std::function<RunFn(CLI::App& sub, const GlobalOptions& global)>;

struct Command {
  std::string name;
  std::string description;
  SetupFn setup;
};

// Registers a command; returns true so it can initialise a static.
bool RegisterCommand(Command command);

// All registered commands, sorted by name.
std::vector<Command> RegisteredCommands();

}  // namespace candor::cli

#endif  // CANDOR_CLI_COMMAND_H_
