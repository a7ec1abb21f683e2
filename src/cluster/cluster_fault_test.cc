// Copyright 2026 The Candor Authors.
//
// Fault tests on real processes: a 3-node JetStream cluster (Debian's
// nats-server on 127.0.0.1, free ports, a scratch directory) and 2 shards x 2
// replicas as `candor_shard` processes, with the front end in the test. During
// a burst of enrollments and searches one NATS node and one shard replica are
// SIGKILLed (or one node and one replica SIGSTOPped); afterwards every acknowledged enrollment
// must be on every replica of its shard, every search must have answered the
// right list or UNAVAILABLE (503), and the killed replica must have caught up.
// Every process started is SIGKILLed by the destructors, even on failure.
// Skips when nats-server is not installed.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "candor/cluster.h"
#include "cluster/nats_conn.h"
#include "cluster/nats_test_cluster.h"
#include "common/hash.h"
#include "gallery/test_util.h"

namespace candor {
namespace {

namespace fs = std::filesystem;
using cluster::testing::Child;
using cluster::testing::NatsTestCluster;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestKey;
using Clock = std::chrono::steady_clock;

constexpr char kGallery[] = "passports";
constexpr int kShards = 2;
constexpr int kReplicas = 2;

EnrollRequest Subject(int i) {
  EnrollRequest r;
  r.subject_id = "p" + std::to_string(i);
  TemplateInput in;
  in.tmpl = RandomTemplate(50000 + static_cast<uint64_t>(i));
  in.image_sha256 = Sha256("img" + std::to_string(i));
  r.templates.push_back(std::move(in));
  return r;
}

class ClusterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto nats = NatsTestCluster::Start(3, dir_.path() + "/nats");
    if (!nats.ok() && nats.status().code() == Code::kNotFound) {
      GTEST_SKIP() << nats.status().ToString();
    }
    ASSERT_TRUE(nats.ok()) << nats.status().ToString();
    nats_ = std::move(nats).value();
    key_file_ = dir_.path() + "/store.key";
    {
      std::ofstream k(key_file_);
      k << HexEncode(TestKey());
    }
    ::chmod(key_file_.c_str(), 0600);
    options_.servers = nats_->urls();
    options_.shards = kShards;
    options_.replicas = kReplicas;
    options_.stream_replicas = 3;
    options_.request_timeout_ms = 1000;
    options_.publish_timeout_ms = 8000;
    ASSERT_TRUE(EnsureClusterStream(options_).ok());
    procs_.resize(kShards * kReplicas);
    for (int s = 0; s < kShards; ++s) {
      for (int r = 0; r < kReplicas; ++r) StartReplica(s, r);
    }
    auto front = OpenClusterStore(options_, TestKey());
    ASSERT_TRUE(front.ok()) << front.status().ToString();
    front_ = std::move(front).value();
    GalleryInfo g;
    g.name = kGallery;
    g.description = "passport photos";
    g.legal_basis = "statute";
    g.retention_class = "P10Y";
    g.allowed_search_bases = {"warrant"};
    ASSERT_TRUE(front_->CreateGallery(g).ok());
    // Ready when every shard answers.
    const auto end = Clock::now() + std::chrono::seconds(20);
    while (!front_->GetGallery(kGallery).ok() && Clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(front_->GetGallery(kGallery).ok());
  }

  // On failure, the end of every replica's log (they are in the scratch
  // directory, which the destructor removes).
  void TearDown() override {
    if (!HasFailure()) return;
    for (int s = 0; s < kShards; ++s) {
      for (int r = 0; r < kReplicas; ++r) {
        std::ifstream in(ReplicaDir(s, r) + ".log");
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) lines.push_back(l);
        std::fprintf(stderr, "--- shard %d replica %d log (last 12 lines):\n", s, r);
        for (size_t i = lines.size() > 12 ? lines.size() - 12 : 0; i < lines.size(); ++i) {
          std::fprintf(stderr, "%s\n", lines[i].c_str());
        }
      }
    }
  }

  std::string ReplicaDir(int s, int r) const {
    return dir_.path() + "/shard" + std::to_string(s) + "-r" + std::to_string(r);
  }
  std::unique_ptr<Child>& Proc(int s, int r) { return procs_[static_cast<size_t>(s * kReplicas + r)]; }

  void StartReplica(int s, int r) {
    std::string urls;
    for (const std::string& u : nats_->urls()) urls += (urls.empty() ? "" : ",") + u;
    auto c = Child::Spawn({CANDOR_SHARD_BIN, "--nats", urls, "--shards", std::to_string(kShards),
                           "--replicas", std::to_string(kReplicas), "--stream-replicas", "3",
                           "--shard", std::to_string(s), "--replica", std::to_string(r),
                           "--store", ReplicaDir(s, r), "--key-file", key_file_, "--index",
                           "Flat,fp32"},
                          ReplicaDir(s, r) + ".log");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    Proc(s, r) = std::move(c).value();
  }

  // Waits until every replica's durable consumer has nothing pending.
  void WaitAllApplied(int timeout_s) {
    auto conn = cluster::NatsConn::Connect(options_);
    ASSERT_TRUE(conn.ok());
    const auto end = Clock::now() + std::chrono::seconds(timeout_s);
    for (int s = 0; s < kShards; ++s) {
      for (int r = 0; r < kReplicas; ++r) {
        const std::string durable = "shard" + std::to_string(s) + "-r" + std::to_string(r);
        bool done = false;
        while (!done && Clock::now() < end) {
          jsConsumerInfo* ci = nullptr;
          jsErrCode jerr = static_cast<jsErrCode>(0);
          if (js_GetConsumerInfo(&ci, (*conn)->js(), options_.stream.c_str(), durable.c_str(),
                                 nullptr, &jerr) == NATS_OK) {
            done = ci->NumPending == 0 && ci->NumAckPending == 0;
            jsConsumerInfo_Destroy(ci);
          }
          if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_TRUE(done) << durable << " did not catch up in " << timeout_s << " s";
      }
    }
  }

  struct Burst {
    std::mutex mu;
    std::set<std::string> acked, attempted;
    std::atomic<int> searches_ok{0}, searches_503{0}, enroll_failed{0};
    std::vector<std::string> wrong;  // wrong lists or unexpected errors
  };

  // Enrolls subjects from `next` on, one by one, and searches for acknowledged
  // ones, until `stop`.
  void RunBurst(Burst& b, std::atomic<bool>& stop, int first) {
    std::thread enroller([&] {
      for (int i = first; !stop.load(); ++i) {
        const EnrollRequest r = Subject(i);
        {
          std::lock_guard<std::mutex> lock(b.mu);
          b.attempted.insert(r.subject_id);
        }
        Status s = front_->Enroll(kGallery, std::vector{r});
        std::lock_guard<std::mutex> lock(b.mu);
        if (s.ok()) {
          b.acked.insert(r.subject_id);
        } else if (s.code() == Code::kUnavailable) {
          ++b.enroll_failed;
        } else {
          b.wrong.push_back("enroll " + r.subject_id + ": " + s.ToString());
        }
      }
    });
    std::thread searcher([&] {
      int q = 0;
      while (!stop.load()) {
        std::string target;
        {
          std::lock_guard<std::mutex> lock(b.mu);
          if (!b.acked.empty()) {
            auto it = b.acked.begin();
            std::advance(it, (q++ * 7919) % static_cast<int>(b.acked.size()));
            target = *it;
          }
        }
        if (target.empty()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        const int i = std::stoi(target.substr(1));
        IdentifyParams p;
        p.k = 5;
        p.threshold = -1.0f;
        auto r = front_->Identify(kGallery, Subject(i).templates[0].tmpl, p);
        if (!r.ok()) {
          if (r.status().code() == Code::kUnavailable) {
            ++b.searches_503;
          } else {
            std::lock_guard<std::mutex> lock(b.mu);
            b.wrong.push_back("search: " + r.status().ToString());
          }
          continue;
        }
        ++b.searches_ok;
        std::lock_guard<std::mutex> lock(b.mu);
        if (r->candidates.empty() || r->candidates[0].subject_id != target ||
            r->candidates[0].score < 0.999f) {
          b.wrong.push_back("search for " + target + " answered " +
                            (r->candidates.empty() ? std::string("nothing")
                                                   : r->candidates[0].subject_id));
        }
        for (const auto& c : r->candidates) {
          if (!b.attempted.count(c.subject_id)) b.wrong.push_back("unknown " + c.subject_id);
        }
      }
    });
    enroller.join();
    searcher.join();
  }

  // After the faults: searches for `n` acknowledged subjects all answer the
  // right list (a 503 is retried, twice at most: the host may be loaded).
  void ExpectSearchesAnswer(const Burst& b, int n) {
    std::vector<std::string> ids(b.acked.begin(), b.acked.end());
    ASSERT_FALSE(ids.empty());
    for (int q = 0; q < n; ++q) {
      const std::string& id = ids[static_cast<size_t>(q * 7919) % ids.size()];
      IdentifyParams p;
      p.k = 5;
      p.threshold = -1.0f;
      auto r = front_->Identify(kGallery, Subject(std::stoi(id.substr(1))).templates[0].tmpl, p);
      for (int retry = 0; retry < 2 && !r.ok() && r.status().code() == Code::kUnavailable;
           ++retry) {
        r = front_->Identify(kGallery, Subject(std::stoi(id.substr(1))).templates[0].tmpl, p);
      }
      ASSERT_TRUE(r.ok()) << "search for " << id << ": " << r.status().ToString();
      ASSERT_FALSE(r->candidates.empty()) << id;
      EXPECT_EQ(r->candidates[0].subject_id, id);
      EXPECT_GE(r->candidates[0].score, 0.999f) << id;
    }
  }

  // Stops the replicas cleanly and checks each store holds every acknowledged
  // subject of its shard and nothing that was never attempted.
  void CheckEveryReplica(const Burst& b) {
    for (auto& p : procs_) EXPECT_EQ(p->Terminate(10'000), 0);
    for (int s = 0; s < kShards; ++s) {
      std::set<std::string> expect;
      for (const std::string& id : b.acked) {
        if (ShardOf(kGallery, id, kShards) == s) expect.insert(id);
      }
      for (int r = 0; r < kReplicas; ++r) {
        StoreOptions so;
        so.master_key = TestKey();
        so.read_only = true;
        so.index_spec = "Flat,fp32";
        auto store = Store::Open(ReplicaDir(s, r), so);
        ASSERT_TRUE(store.ok()) << store.status().ToString();
        int missing = 0;
        for (const std::string& id : expect) {
          if (!(*store)->GetSubject(kGallery, id, false).ok()) ++missing;
        }
        EXPECT_EQ(missing, 0) << "shard " << s << " replica " << r << " lacks " << missing
                              << " of " << expect.size() << " acknowledged enrollments";
        auto g = (*store)->GetGallery(kGallery);
        ASSERT_TRUE(g.ok());
        EXPECT_GE(g->subjects, static_cast<int64_t>(expect.size()));
        int64_t attempted_here = 0;
        for (const std::string& id : b.attempted) {
          if (ShardOf(kGallery, id, kShards) == s) ++attempted_here;
        }
        EXPECT_LE(g->subjects, attempted_here);
      }
    }
  }

  ScratchDir dir_;
  std::unique_ptr<NatsTestCluster> nats_;
  std::string key_file_;
  ClusterOptions options_;
  std::vector<std::unique_ptr<Child>> procs_;
  std::unique_ptr<Store> front_;
};

TEST_F(ClusterFaultTest, SigkillOfANatsNodeAndAShardReplicaDuringABurstLosesNothing) {
  Burst b;
  std::atomic<bool> stop{false};
  std::thread burst([&] { RunBurst(b, stop, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  nats_->Kill(0);
  Proc(0, 0)->Kill(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  StartReplica(0, 0);  // the killed replica restarts and catches up
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(nats_->Restart(0).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  burst.join();
  std::printf("acknowledged %zu of %zu enrollments (%d unavailable); searches: %d answered, "
              "%d unavailable (503)\n",
              b.acked.size(), b.attempted.size(), b.enroll_failed.load(), b.searches_ok.load(),
              b.searches_503.load());
  for (const std::string& w : b.wrong) ADD_FAILURE() << w;
  EXPECT_GT(b.acked.size(), 50u);
  // Searches answered during the burst (how many depends on the host's load;
  // each 503 costs a whole deadline).
  EXPECT_GT(b.searches_ok.load(), 0);
  WaitAllApplied(30);
  // After the faults, the cluster answers again with the whole gallery.
  auto g = front_->GetGallery(kGallery);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_GE(g->subjects, static_cast<int64_t>(b.acked.size()));
  ExpectSearchesAnswer(b, 20);
  CheckEveryReplica(b);
}

TEST_F(ClusterFaultTest, SigstopOfANatsNodeAndAShardReplicaDuringABurstLosesNothing) {
  Burst b;
  std::atomic<bool> stop{false};
  std::thread burst([&] { RunBurst(b, stop, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // A partition: the node and the replica are there but answer nothing (a
  // stopped replica costs its share of the deadline, then the other answers).
  nats_->Pause(1);
  Proc(1, 0)->Kill(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(4000));
  nats_->Resume(1);
  Proc(1, 0)->Kill(SIGCONT);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  burst.join();
  std::printf("acknowledged %zu of %zu enrollments (%d unavailable); searches: %d answered, "
              "%d unavailable (503)\n",
              b.acked.size(), b.attempted.size(), b.enroll_failed.load(), b.searches_ok.load(),
              b.searches_503.load());
  for (const std::string& w : b.wrong) ADD_FAILURE() << w;
  EXPECT_GT(b.acked.size(), 50u);
  EXPECT_GT(b.searches_ok.load(), 0);
  WaitAllApplied(30);
  ExpectSearchesAnswer(b, 20);
  CheckEveryReplica(b);
}

}  // namespace
}  // namespace candor
