// Copyright 2026 The Candor Authors.
//
// candor: the command-line front end. Subcommands live in cmd_*.cc.

#include <cstdio>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"

int main(int argc, char** argv) {
  using namespace candor;
  CLI::App app{"Candor: accountable face identification. Results are investigative leads "
               "for trained human review, never identifications."};
  app.set_version_flag("--version", std::string("candor ") + CANDOR_VERSION);
  app.require_subcommand(1);
  cli::GlobalOptions global;
  app.add_flag("--json", global.json, "Print machine-readable JSON on stdout");

  cli::RunFn run;
  std::vector<std::pair<CLI::App*, cli::SetupFn>> subs;
  for (const cli::Command& command : cli::RegisteredCommands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    sub->fallthrough();  // --json may follow the subcommand
    subs.emplace_back(sub, command.setup);
  }
  std::vector<std::pair<CLI::App*, cli::RunFn>> runs;
  for (auto& [sub, setup] : subs) runs.emplace_back(sub, setup(*sub, global));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors exit 2
  }

  Status status;
  try {
    for (auto& [sub, fn] : runs) {
      if (sub->parsed()) status = fn();
    }
  } catch (const std::exception& e) {  // last-resort boundary: never crash
    status = InternalError(std::string("unexpected exception: ") + e.what());
  }
  if (!status.ok()) {
    if (global.json) {
      nlohmann::json err = {{"error", {{"code", std::string(CodeName(status.code()))},
                                       {"message", status.message()}}}};
      std::cout << err.dump(2) << std::endl;
    }
    std::cerr << "candor: " << status.ToString() << std::endl;
  }
  return ExitCode(status.code());
}
