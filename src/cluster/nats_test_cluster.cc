// Copyright 2026 The Candor Authors.

#include "cluster/nats_test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "candor/cluster.h"
#include "cluster/nats_conn.h"

namespace candor::cluster::testing {
namespace fs = std::filesystem;

std::optional<std::string> FindNatsServer() {
  if (const char* env = std::getenv("CANDOR_NATS_SERVER"); env && *env) {
    if (::access(env, X_OK) == 0) return std::string(env);
    return std::nullopt;
  }
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    size_t b = 0;
    while (b <= p.size()) {
      size_t e = p.find(':', b);
      if (e == std::string::npos) e = p.size();
      const std::string cand = p.substr(b, e - b) + "/nats-server";
      if (e > b && ::access(cand.c_str(), X_OK) == 0) return cand;
      b = e + 1;
    }
  }
  if (::access("/usr/sbin/nats-server", X_OK) == 0) return std::string("/usr/sbin/nats-server");
  return std::nullopt;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

StatusOr<std::unique_ptr<Child>> Child::Spawn(const std::vector<std::string>& argv,
                                              const std::string& log_file) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return InternalError("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  auto c = std::unique_ptr<Child>(new Child());
  c->pid_ = pid;
  return c;
}

Child::~Child() { Kill(SIGKILL); }

void Child::Kill(int sig) {
  if (pid_ <= 0) return;
  ::kill(pid_, sig);
  if (sig == SIGKILL) {
    ::kill(pid_, SIGCONT);  // a stopped process dies on SIGKILL anyway; be explicit
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }
}

int Child::Terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill(SIGKILL);
  return -1;
}

StatusOr<std::unique_ptr<NatsTestCluster>> NatsTestCluster::Start(int nodes,
                                                                  const std::string& dir) {
  auto bin = FindNatsServer();
  if (!bin) return NotFoundError("nats-server is not installed (apt-get install nats-server)");
  auto c = std::unique_ptr<NatsTestCluster>(new NatsTestCluster());
  c->binary_ = *bin;
  std::vector<int> ports, cluster_ports;
  for (int i = 0; i < nodes; ++i) {
    ports.push_back(FreePort());
    cluster_ports.push_back(FreePort());
  }
  for (int i = 0; i < nodes; ++i) {
    Node n;
    n.name = "n" + std::to_string(i + 1);
    n.port = ports[static_cast<size_t>(i)];
    const fs::path base = fs::path(dir) / n.name;
    fs::create_directories(base);
    n.conf = (base / "nats.conf").string();
    n.log = (base / "nats.log").string();
    std::ofstream conf(n.conf);
    conf << "server_name: " << n.name << "\n"
         << "listen: 127.0.0.1:" << n.port << "\n"
         << "max_payload: 20MB\n"
         << "jetstream {\n  store_dir: \"" << (base / "js").string() << "\"\n"
         << "  max_memory_store: 64MB\n  max_file_store: 4GB\n}\n";
    if (nodes > 1) {
      conf << "cluster {\n  name: candor\n  listen: 127.0.0.1:" << cluster_ports[static_cast<size_t>(i)]
           << "\n  routes: [";
      const char* sep = "";
      for (int j = 0; j < nodes; ++j) {
        if (j == i) continue;
        conf << sep << " nats://127.0.0.1:" << cluster_ports[static_cast<size_t>(j)];
        sep = ",";
      }
      conf << " ]\n}\n";
    }
    c->nodes_.push_back(std::move(n));
  }
  for (Node& n : c->nodes_) CANDOR_RETURN_IF_ERROR(c->StartNode(n));
  CANDOR_RETURN_IF_ERROR(c->WaitReady(30'000));
  return c;
}

NatsTestCluster::~NatsTestCluster() {
  for (Node& n : nodes_) n.proc.reset();
}

Status NatsTestCluster::StartNode(Node& n) {
  CANDOR_ASSIGN_OR_RETURN(n.proc, Child::Spawn({binary_, "-c", n.conf}, n.log));
  return OkStatus();
}

std::string NatsTestCluster::url(int i) const {
  return "nats://127.0.0.1:" + std::to_string(nodes_[static_cast<size_t>(i)].port);
}

std::vector<std::string> NatsTestCluster::urls() const {
  std::vector<std::string> u;
  for (int i = 0; i < size(); ++i) u.push_back(url(i));
  return u;
}

void NatsTestCluster::Kill(int i) { nodes_[static_cast<size_t>(i)].proc->Kill(SIGKILL); }
void NatsTestCluster::Pause(int i) { ::kill(nodes_[static_cast<size_t>(i)].proc->pid(), SIGSTOP); }
void NatsTestCluster::Resume(int i) { ::kill(nodes_[static_cast<size_t>(i)].proc->pid(), SIGCONT); }

Status NatsTestCluster::Restart(int i) {
  Node& n = nodes_[static_cast<size_t>(i)];
  n.proc.reset();
  return StartNode(n);
}

Status NatsTestCluster::WaitReady(int timeout_ms) const {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Status last = UnavailableError("not tried");
  ClusterOptions o;
  o.servers = urls();
  o.client_name = "candor-test-probe";
  while (std::chrono::steady_clock::now() < end) {
    auto conn = NatsConn::Connect(o);
    if (conn.ok()) {
      jsAccountInfo* ai = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      natsStatus s = js_GetAccountInfo(&ai, (*conn)->js(), nullptr, &jerr);
      if (s == NATS_OK) {
        jsAccountInfo_Destroy(ai);
        return OkStatus();
      }
      last = NatsError(s, "JetStream account info", jerr);
    } else {
      last = conn.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return UnavailableError("JetStream did not become ready: " + last.message());
}

}  // namespace candor::cluster::testing
