// Copyright 2026 The Candor Authors.

#include "cluster/shard_flags.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "candor/gallery.h"
#include "common/file_util.h"

namespace candor::cluster {

void AddClusterFlags(CLI::App& app, std::string* nats, ClusterOptions* c) {
  app.add_option("--nats", *nats, "NATS server URLs, comma-separated");
  app.add_option("--shards", c->shards, "Number of shards in the cluster")->check(CLI::Range(1, 4096));
  app.add_option("--replicas", c->replicas, "Replicas per shard")->check(CLI::Range(1, 16));
  app.add_option("--stream", c->stream, "The enrollment log's JetStream stream");
  app.add_option("--stream-replicas", c->stream_replicas, "JetStream replicas of the stream")
      ->check(CLI::Range(1, 5));
  app.add_option("--timeout-ms", c->request_timeout_ms, "Deadline of a scatter-gather request")
      ->check(CLI::Range(10, 600'000));
}

void AddAuditStreamFlags(CLI::App& app, ClusterOptions* c) {
  app.add_option("--audit-stream", c->audit_stream,
                 "JetStream stream holding the front ends' audit logs");
  app.add_option("--audit-log-id", c->audit_log_id,
                 "This front end's log in the audit stream (each front end its own)");
}

StatusOr<std::vector<std::string>> ParseNatsUrls(const std::string& list) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= list.size()) {
    size_t e = list.find(',', b);
    if (e == std::string::npos) e = list.size();
    if (e > b) out.push_back(list.substr(b, e - b));
    b = e + 1;
  }
  if (out.empty()) return InvalidArgumentError("--nats needs at least one URL");
  return out;
}

void AddShardFlags(CLI::App& app, ShardFlags* f) {
  AddClusterFlags(app, &f->nats, &f->cluster);
  app.add_option("--shard", f->shard, "This replica's shard (0-based)")->required();
  app.add_option("--replica", f->replica, "This replica's number within its shard (0-based)")
      ->required();
  app.add_option("--store", f->store, "This replica's own store directory")->required();
  app.add_option("--key-file", f->key_file,
                 "The store key (the same on every node; default $CANDOR_KEY_FILE)");
  app.add_option("--index", f->index_spec, "Search index spec (candor/index.h)");
  app.add_flag("--rebuild", f->rebuild,
               "Rebuild this replica from the whole log into an empty --store");
  app.add_option("--from-snapshot", f->from_snapshot,
                 "Rebuild this replica from a snapshot (of a replica of the same shard) plus "
                 "the log's tail, into an empty --store");
  app.add_option("--snapshot-dir", f->snapshot_dir,
                 "Write snapshots of this replica to DIR/<log sequence> (the newest two kept)");
  app.add_option("--snapshot-every-s", f->snapshot_every_s, "Seconds between snapshots")
      ->check(CLI::Range(1, 7 * 24 * 3600));
}

namespace {

// A snapshot into <dir>/<sequence, zero-padded>, then only the newest two kept.
void TakeSnapshot(ShardReplica& r, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path tmp = fs::path(dir) / "incoming";
  fs::remove_all(tmp, ec);
  auto seq = r.Snapshot(tmp.string());
  if (!seq.ok()) {
    std::cerr << "snapshot failed: " << seq.status().ToString() << std::endl;
    fs::remove_all(tmp, ec);
    return;
  }
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(*seq));
  const fs::path final_path = fs::path(dir) / name;
  if (fs::exists(final_path, ec)) {
    fs::remove_all(tmp, ec);  // nothing applied since the last one
    return;
  }
  fs::rename(tmp, final_path, ec);
  if (ec || !SyncDir(dir).ok()) {
    std::cerr << "snapshot rename failed: " << ec.message() << std::endl;
    return;
  }
  std::vector<fs::path> snaps;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && e.path().filename() != "incoming") snaps.push_back(e.path());
  }
  std::sort(snaps.begin(), snaps.end());
  for (size_t i = 0; i + 2 < snaps.size(); ++i) fs::remove_all(snaps[i], ec);
  std::cout << "snapshot at log sequence " << *seq << ": " << final_path.string() << std::endl;
}

}  // namespace

Status RunShard(const ShardFlags& f) {
  ShardReplicaOptions o;
  o.cluster = f.cluster;
  CANDOR_ASSIGN_OR_RETURN(o.cluster.servers, ParseNatsUrls(f.nats));
  o.shard = f.shard;
  o.replica = f.replica;
  o.store_dir = f.store;
  o.index_spec = f.index_spec;
  o.rebuild = f.rebuild;
  o.snapshot = f.from_snapshot;
  if (f.snapshot_every_s > 0 && f.snapshot_dir.empty()) {
    return InvalidArgumentError("--snapshot-every-s needs --snapshot-dir");
  }
  CANDOR_ASSIGN_OR_RETURN(o.key, LoadStoreKey(f.key_file));
  // Block the stop signals in every thread (libnats threads inherit the
  // mask), then wait for one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto replica = ShardReplica::Start(o);
  std::fill(o.key.begin(), o.key.end(), 0);
  if (!replica.ok()) return replica.status();
  std::cout << "candor shard " << f.shard << " replica " << f.replica << ": running (store "
            << f.store << ")" << std::endl;
  if (f.snapshot_every_s > 0) {
    timespec every{f.snapshot_every_s, 0};
    while (sigtimedwait(&set, nullptr, &every) < 0) {
      if (errno == EAGAIN) TakeSnapshot(**replica, f.snapshot_dir);
    }
  } else {
    int sig = 0;
    sigwait(&set, &sig);
  }
  (*replica)->Stop();
  return OkStatus();
}

}  // namespace candor::cluster
