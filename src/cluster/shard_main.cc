// Copyright 2026 The Candor Authors.
//
// candor_shard: one shard replica process (the body of `candor shard`),
// standalone so the fault tests can spawn and SIGKILL it without the CLI's
// face pipeline. Exit 0 on SIGTERM, 1 on error.

#include <iostream>

#include "cluster/shard_flags.h"

int main(int argc, char** argv) {
  CLI::App app{"A Candor shard replica (docs/CLUSTER.md)"};
  candor::cluster::ShardFlags f;
  candor::cluster::AddShardFlags(app, &f);
  CLI11_PARSE(app, argc, argv);
  candor::Status s = candor::cluster::RunShard(f);
  if (!s.ok()) {
    std::cerr << "candor_shard: " << s.ToString() << std::endl;
    return 1;
  }
  return 0;
}
