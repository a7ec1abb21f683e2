// Copyright 2026 The Candor Authors.
//
// Test and benchmark helper: real nats-server processes (Debian's nats-server)
// with JetStream on 127.0.0.1, in a scratch directory, on free ports the
// helper picks. Children get PR_SET_PDEATHSIG(SIGKILL), and the destructor
// SIGKILLs and reaps every process it started, so nothing outlives a test,
// even one that fails or crashes. Not thread-safe.

#ifndef CANDOR_CLUSTER_NATS_TEST_CLUSTER_H_
#define CANDOR_CLUSTER_NATS_TEST_CLUSTER_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::cluster::testing {

// The nats-server binary: $CANDOR_NATS_SERVER, else on PATH, else
// /usr/sbin/nats-server; nullopt if none is executable.
std::optional<std::string> FindNatsServer();

// A port on 127.0.0.1 that was free a moment ago (bind to port 0, close).
int FreePort();

// A child process started with fork/exec; SIGKILLed and reaped on destruction.
class Child {
 public:
  // argv[0] is the program path; stdout and stderr go to `log_file`.
  static StatusOr<std::unique_ptr<Child>> Spawn(const std::vector<std::string>& argv,
                                                const std::string& log_file);
  ~Child();
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  void Kill(int sig);  // SIGKILL also reaps
  // Sends SIGTERM and waits up to timeout_ms for exit (then SIGKILL).
  // Returns the exit status (waitpid's) or -1.
  int Terminate(int timeout_ms);

 private:
  pid_t pid_ = -1;
};

class NatsTestCluster {
 public:
  // `nodes` = 1: a single JetStream server; 3: a cluster with routes.
  static StatusOr<std::unique_ptr<NatsTestCluster>> Start(int nodes, const std::string& dir);
  ~NatsTestCluster();

  int size() const { return static_cast<int>(nodes_.size()); }
  std::vector<std::string> urls() const;  // nats://127.0.0.1:<port> of every node
  std::string url(int i) const;
  void Kill(int i);            // SIGKILL
  void Pause(int i);           // SIGSTOP
  void Resume(int i);          // SIGCONT
  Status Restart(int i);       // start a killed node again (same ports, same store)
  // Waits until JetStream answers through `urls()` (meta leader elected).
  Status WaitReady(int timeout_ms) const;

 private:
  struct Node {
    std::string name, conf, log;
    int port = 0;
    std::unique_ptr<Child> proc;
  };
  Status StartNode(Node& n);
  std::string binary_;
  std::vector<Node> nodes_;
};

}  // namespace candor::cluster::testing

#endif  // CANDOR_CLUSTER_NATS_TEST_CLUSTER_H_
