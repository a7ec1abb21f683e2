// Copyright 2026 The Candor Authors.
#include "cli/command.h"

#include <algorithm>

namespace candor::cli {
namespace {
std::vector<Command>& Registry() {
  static std::vector<Command> registry;
  return registry;
}
}  // namespace

bool RegisterCommand(Command command) {
  Registry().push_back(std::move(command));
  return true;
}

std::vector<Command> RegisteredCommands() {
  std::vector<Command> all = Registry();
  std::sort(all.begin(), all.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return all;
}

}  // namespace candor::cli
