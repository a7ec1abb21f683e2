// Copyright 2026 The Candor Authors.
//
// candor: the command-line front end. Subcommands live in cmd_*.cc.

#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <string>
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
  std::map<std::string, CLI::App*> top;  // top-level commands by name
  for (const cli::Command& command : cli::RegisteredCommands()) {
    // A name "parent child" (e.g. "eval identify") adds a subcommand to the
    // command "parent" (created if absent); names sort parents first.
    CLI::App* parent = &app;
    std::string name = command.name;
    if (const auto sp = name.find(' '); sp != std::string::npos) {
      const std::string head = name.substr(0, sp);
      auto it = top.find(head);
      if (it == top.end()) {
        it = top.emplace(head, app.add_subcommand(head, "")).first;
        it->second->fallthrough();
      }
      parent = it->second;
      name = name.substr(sp + 1);
    }
    CLI::App* sub = parent->add_subcommand(name, command.description);
    sub->fallthrough();  // --json may follow the subcommand
    if (parent == &app) top.emplace(name, sub);
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
      if (!sub->parsed()) continue;
      // A parent does not run when one of its registered children was parsed.
      bool child_parsed = false;
      for (auto& [other, unused] : runs) child_parsed |= other->get_parent() == sub && other->parsed();
      if (!child_parsed) status = fn();
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
