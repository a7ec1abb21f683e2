// Copyright 2026 The Candor Authors.
//
// A governed search (the search desk's Identify: policy gate, search,
// audit) over the cluster store: answered from every shard, and when a shard
// has no replica, refused as UNAVAILABLE (HTTP 503) and audited with the
// reason, never a partial list. A real single-node JetStream; skips when
// nats-server is not installed.

#include <gtest/gtest.h>

#include "candor/cluster.h"
#include "cluster/local_cluster.h"
#include "gallery/test_util.h"
#include "govern/governance_test_util.h"
#include "search_desk/search_desk.h"

namespace candor {
namespace {

using gallery::testing::RandomTemplate;
using gallery::testing::TestKey;

class ClusterGovernedTest : public GovernanceTest {};

TEST_F(ClusterGovernedTest, AShardWithoutReplicaMakesTheSearchA503ThatIsAudited) {
  gallery::testing::ScratchDir dir;
  cluster::testing::LocalCluster::Spec spec;
  spec.shards = 2;
  spec.replicas = 1;
  spec.request_timeout_ms = 500;
  auto lc = cluster::testing::LocalCluster::Start(spec, dir.path(), TestKey());
  if (!lc.ok() && lc.status().code() == Code::kNotFound) {
    GTEST_SKIP() << "nats-server is not installed (scripts/setup.sh installs it): "
                 << lc.status().ToString();
  }
  ASSERT_TRUE(lc.ok()) << lc.status().ToString();
  Store* store = &(*lc)->front();
  GalleryInfo g;
  g.name = "licences";
  g.description = "licence photos";
  g.legal_basis = "statute";
  g.retention_class = "P10Y";
  g.allowed_search_bases = {"warrant"};
  ASSERT_TRUE(store->CreateGallery(g).ok());
  std::vector<EnrollRequest> subjects;
  for (int i = 0; i < 40; ++i) {
    EnrollRequest r;
    r.subject_id = "s" + std::to_string(i);
    TemplateInput in;
    in.tmpl = RandomTemplate(300 + static_cast<uint64_t>(i));
    in.image_sha256 = Sha256("i" + std::to_string(i));
    r.templates.push_back(std::move(in));
    subjects.push_back(std::move(r));
  }
  ASSERT_TRUE(store->Enroll("licences", subjects).ok());

  const std::string auth = Authorize(LegalBasis::kWarrant, {"licences"});
  const Template probe = subjects[17].templates[0].tmpl;
  FaceModality face(*store, [&]() -> StatusOr<Template> { return probe; });
  SearchCalibrationOptions fixed;
  fixed.fixed_threshold = 0.5f;
  auto book = SearchBook::Open("", TestKey());
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  SearchDesk desk(*gov_, *store, OpenSearchCalibration(*store, fixed), book->get());
  auto ok = desk.Identify(alice_, Identify("licences", auth), face);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->result.candidates.size(), 1u);
  EXPECT_EQ(ok->result.candidates[0].subject_id, "s17");
  EXPECT_EQ(ok->result.gallery_subjects, 40);
  // A governed search is one request per shard (the threshold comes with the
  // search's answer, not from a gallery read before it).
  cluster::testing::RequestCounter requests((*lc)->nats().url(0));
  ASSERT_TRUE(requests.ok());
  auto again = desk.Identify(alice_, Identify("licences", auth), face);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->result.candidates.size(), 1u);
  EXPECT_EQ(again->threshold.calibration, kFromFixedThreshold);
  EXPECT_EQ(requests.Take(), 2);

  (*lc)->replica(1, 0)->Stop();
  auto down = desk.Identify(alice_, Identify("licences", auth), face);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(HttpStatus(down.status().code()), 503) << down.status().ToString();
  // The search needs every shard: audited as the search's failure, naming the shard.
  bool audited = false;
  for (const AuditEntry& e : AuditEntries()) {
    if (e.action.rfind("search.", 0) == 0 && e.outcome != "ok" &&
        e.reason.find("shard 1") != std::string::npos) {
      audited = true;
    }
  }
  EXPECT_TRUE(audited) << "no audit entry names the missing shard";
}

}  // namespace
}  // namespace candor
