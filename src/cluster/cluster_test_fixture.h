// Copyright 2026 The Candor Authors.
//
// The fixture of the cluster tests (cluster_test.cc, cluster_search_test.cc):
// a real single-node JetStream (Debian's nats-server on 127.0.0.1, a free
// port, a scratch directory), 2 shards x 2 replicas in-process, and a
// single-node store to compare with. Skips when nats-server is not installed.

#ifndef CANDOR_CLUSTER_CLUSTER_TEST_FIXTURE_H_
#define CANDOR_CLUSTER_CLUSTER_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "candor/cluster.h"
#include "cluster/local_cluster.h"
#include "gallery/test_util.h"

namespace candor::cluster_test {

namespace fs = std::filesystem;
using cluster::testing::LocalCluster;
using cluster::testing::NatsTestCluster;
using gallery::testing::RandomTemplate;
using gallery::testing::ScratchDir;
using gallery::testing::TestKey;

constexpr char kGallery[] = "licences";

inline GalleryInfo Info() {
  GalleryInfo g;
  g.name = kGallery;
  g.description = "test licence photos";
  g.legal_basis = "statute 1";
  g.retention_class = "P10Y";
  g.allowed_search_bases = {"warrant"};
  return g;
}

// Info() scored by the best template, for tests whose probe is one of a
// subject's templates and whose candidate names that template.
inline GalleryInfo MaxInfo() {
  GalleryInfo g = Info();
  g.subject_score = kSubjectScoreMax;
  return g;
}

inline EnrollRequest Subject(int i) {
  EnrollRequest r;
  r.subject_id = "person-" + std::to_string(i);
  r.record_ref = "rec-" + std::to_string(i);
  const int templates = i % 3 == 0 ? 2 : 1;
  for (int t = 0; t < templates; ++t) {
    TemplateInput in;
    in.tmpl = RandomTemplate(1000 + static_cast<uint64_t>(i) * 7 + static_cast<uint64_t>(t));
    in.capture_date = "2026-01-01";
    in.quality = 80;
    in.image_sha256 = Sha256("image " + std::to_string(i) + "/" + std::to_string(t));
    r.templates.push_back(std::move(in));
  }
  return r;
}

// A probe near subject i (its first template plus noise), or far from all.
inline Template Probe(int i, float noise) {
  Template t = Subject(i).templates[0].tmpl;
  Template n = RandomTemplate(900000 + static_cast<uint64_t>(i));
  double s = 0;
  for (size_t d = 0; d < t.values.size(); ++d) {
    t.values[d] += noise * n.values[d];
    s += double{t.values[d]} * t.values[d];
  }
  for (float& v : t.values) v = static_cast<float>(v / std::sqrt(s));
  return t;
}

// Identical scores, rank by rank, and identical subjects, except that among
// candidates with exactly the same score (int8 scores are integers times one
// scale, so ties happen) the single node orders by template id and the cluster
// by subject id; at the last rank a tie may be filled by either subject.
inline void ExpectSameResult(const IdentifyResult& cluster, const IdentifyResult& single,
                      const std::string& what) {
  EXPECT_EQ(cluster.gallery_subjects, single.gallery_subjects) << what;
  EXPECT_EQ(cluster.gallery_templates, single.gallery_templates) << what;
  ASSERT_EQ(cluster.candidates.size(), single.candidates.size()) << what;
  const size_t n = cluster.candidates.size();
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(cluster.candidates[i].score, single.candidates[i].score) << what << " #" << i;
  }
  for (size_t b = 0; b < n;) {
    size_t e = b;
    std::set<std::pair<std::string, std::string>> a, s;
    while (e < n && cluster.candidates[e].score == cluster.candidates[b].score) {
      a.insert({cluster.candidates[e].subject_id, cluster.candidates[e].record_ref});
      s.insert({single.candidates[e].subject_id, single.candidates[e].record_ref});
      ++e;
    }
    if (e < n) EXPECT_EQ(a, s) << what << " ranks " << b << ".." << e - 1;
    if (e == n && e - b == 1) EXPECT_EQ(a, s) << what << " last rank";
    b = e;
  }
}

class ClusterTest : public ::testing::Test {
 protected:
  static constexpr int kShards = 2;
  static constexpr int kReplicas = 2;

  void SetUp() override {
    LocalCluster::Spec spec;
    spec.shards = kShards;
    spec.replicas = kReplicas;
    auto lc = LocalCluster::Start(spec, dir_.path(), TestKey());
    if (!lc.ok() && lc.status().code() == Code::kNotFound) {
      GTEST_SKIP() << "nats-server is not installed (scripts/setup.sh installs it): "
                   << lc.status().ToString();
    }
    ASSERT_TRUE(lc.ok()) << lc.status().ToString();
    lc_ = std::move(lc).value();
    nats_ = &lc_->nats();
    options_ = lc_->options();
    front_ = &lc_->front();
    StoreOptions so = gallery::testing::TestOptions();
    so.index_spec = "Flat,int8";  // the default; its scores do not depend on a row's position
    auto single = Store::Open(dir_.path() + "/single", so);
    ASSERT_TRUE(single.ok()) << single.status().ToString();
    single_ = std::move(single).value();
  }

  std::string ReplicaDir(int s, int r) const { return lc_->ReplicaDir(s, r); }
  std::unique_ptr<ShardReplica>& Replica(int s, int r) { return lc_->replica(s, r); }
  void StartReplica(int s, int r, bool rebuild = false, std::string dir = "",
                    std::string snapshot = "") {
    Status st = lc_->StartReplica(s, r, [&](ShardReplicaOptions& o) {
      if (!dir.empty()) o.store_dir = dir;
      o.rebuild = rebuild;
      o.snapshot = snapshot;
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // Enrolls subjects [from, to) in both the cluster and the single store.
  void EnrollBoth(int from, int to) {
    for (int b = from; b < to; b += 25) {
      std::vector<EnrollRequest> batch;
      for (int i = b; i < std::min(to, b + 25); ++i) batch.push_back(Subject(i));
      ASSERT_TRUE(front_->Enroll(kGallery, batch).ok());
      ASSERT_TRUE(single_->Enroll(kGallery, batch).ok());
    }
  }

  IdentifyParams Params(int k = 10) const {
    IdentifyParams p;
    p.k = k;
    p.threshold = -1.0f;
    return p;
  }

  ScratchDir dir_;
  std::unique_ptr<LocalCluster> lc_;
  NatsTestCluster* nats_ = nullptr;
  ClusterOptions options_;
  Store* front_ = nullptr;
  std::unique_ptr<Store> single_;
};

}  // namespace candor::cluster_test

#endif  // CANDOR_CLUSTER_CLUSTER_TEST_FIXTURE_H_
