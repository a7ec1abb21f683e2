// Copyright 2026 The Candor Authors.
//
// The cluster's governed-search call (Store::IdentifyWithGallery: the
// threshold from the gallery as the search finds it, one request per shard),
// equal to a single node's; fingerprint galleries refused clearly. A real
// single-node JetStream, 2 shards x 2 replicas (cluster_test_fixture.h).

#include <chrono>
#include <set>
#include <thread>

#include "cluster/cluster_test_fixture.h"

namespace candor::cluster_test {
namespace {

using cluster::testing::RequestCounter;

TEST_F(ClusterTest, ASearchThresholdedByItsGalleryIsOneRequestPerShardAndEqualsOneNode) {
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  ASSERT_TRUE(single_->CreateGallery(Info()).ok());
  EnrollBoth(0, 300);
  RequestCounter requests(nats_->url(0));
  ASSERT_TRUE(requests.ok());
  auto checked = front_->CheckGallery(kGallery);  // seen by EnrollBoth: no request
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->modality, kFaceModality);
  EXPECT_EQ(requests.Take(), 0);

  int searches = 0, filtered = 0;
  for (int q = 0; q < 20; ++q) {
    const Template probe = q < 12 ? Probe(q * 23 % 300, 0.3f + 0.2f * static_cast<float>(q % 3))
                                  : RandomTemplate(55555 + static_cast<uint64_t>(q));
    for (int k : {1, 10, 50}) {
      // A threshold that depends on the gallery's size, as a calibrated one
      // does: 0.1 + 1e-4 per subject (0.13 here, about 1.5 sigma of the
      // impostor scores of 128-D random templates, so lists are cut part-way).
      int calls = 0;
      GalleryInfo seen_c, seen_s;
      auto threshold = [&calls](GalleryInfo* seen) {
        return [&calls, seen](const GalleryInfo& g) -> StatusOr<float> {
          ++calls;
          *seen = g;
          return 0.1f + 1e-4f * static_cast<float>(g.subjects);
        };
      };
      IdentifyParams p = Params(k);
      p.threshold = 5.0f;  // ignored: the function's threshold applies
      auto c = front_->IdentifyWithGallery(kGallery, probe, p, threshold(&seen_c));
      auto s = single_->IdentifyWithGallery(kGallery, probe, p, threshold(&seen_s));
      ++searches;
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_EQ(calls, 2);
      const std::string what = "probe " + std::to_string(q) + " k " + std::to_string(k);
      ExpectSameResult(c->result, s->result, what);
      EXPECT_EQ(c->result.threshold, s->result.threshold) << what;
      EXPECT_FLOAT_EQ(c->result.threshold, 0.13f) << what;
      for (const auto& cand : c->result.candidates) EXPECT_GE(cand.score, 0.13f) << what;
      if (static_cast<int>(c->result.candidates.size()) < k) ++filtered;
      // The gallery the threshold saw: the sum over the shards, as one node's.
      for (const GalleryInfo* g : {&seen_c, &c->gallery}) {
        EXPECT_EQ(g->name, kGallery);
        EXPECT_EQ(g->subjects, 300) << what;
        EXPECT_EQ(g->templates, seen_s.templates) << what;
        EXPECT_EQ(g->model_id, seen_s.model_id) << what;
        EXPECT_EQ(g->model_sha256, seen_s.model_sha256) << what;
        EXPECT_EQ(g->dim, seen_s.dim) << what;
        EXPECT_EQ(g->allowed_search_bases, seen_s.allowed_search_bases) << what;
      }
    }
  }
  EXPECT_GT(filtered, 10);  // the threshold cut lists, so the filter was exercised
  // One request per shard and search: no separate gallery read.
  EXPECT_EQ(requests.Take(), searches * kShards);

  // The threshold function's error is the search's; an unknown gallery is
  // NOT_FOUND, and so is CheckGallery's answer for it.
  auto refuse = [](const GalleryInfo&) -> StatusOr<float> {
    return FailedPreconditionError("no calibration");
  };
  EXPECT_EQ(front_->IdentifyWithGallery(kGallery, Probe(1, 0.3f), Params(), refuse).status().code(),
            Code::kFailedPrecondition);
  auto any = [](const GalleryInfo&) -> StatusOr<float> { return 0.5f; };
  EXPECT_EQ(front_->IdentifyWithGallery("nowhere", Probe(1, 0.3f), Params(), any).status().code(),
            Code::kNotFound);
  EXPECT_EQ(front_->CheckGallery("nowhere").status().code(), Code::kNotFound);
}

// Template ids come from the log (cluster::TemplateIdOf): every replica of a
// shard, one rebuilt from the log after deletions erased entries too, gives a
// template the same id, so a template id a search returned (the sealed search
// record keeps it) names the same photo whichever replica is asked later.
TEST_F(ClusterTest, TemplateIdsAreTheSameOnEveryReplicaAndAfterARebuild) {
  // Max: the search's template id is the matched template (under centroid it
  // names the subject's first photo).
  ASSERT_TRUE(front_->CreateGallery(MaxInfo()).ok());
  auto photo = [](int i, int t) {
    const std::string s = "photo " + std::to_string(i) + "/" + std::to_string(t);
    return std::vector<uint8_t>(s.begin(), s.end());
  };
  auto enroll = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      EnrollRequest r = Subject(i);
      for (size_t t = 0; t < r.templates.size(); ++t) {
        r.templates[t].image = photo(i, static_cast<int>(t));
        r.templates[t].image_sha256 = Sha256(r.templates[t].image);
      }
      ASSERT_TRUE(front_->Enroll(kGallery, std::span(&r, 1)).ok());
    }
  };
  enroll(0, 40);
  // Deletions erase the subjects' log entries: a rebuild never sees them.
  std::set<int> deleted;
  for (int i = 0; i < 40; i += 4) {
    ASSERT_TRUE(front_->DeleteSubject(kGallery, Subject(i).subject_id).ok());
    deleted.insert(i);
  }
  EnrollRequest add;
  add.subject_id = Subject(1).subject_id;
  add.append_to_existing = true;
  TemplateInput extra;
  extra.tmpl = RandomTemplate(4242);
  extra.image = photo(1, 9);
  extra.image_sha256 = Sha256(extra.image);
  add.templates.push_back(extra);
  ASSERT_TRUE(front_->Enroll(kGallery, std::span(&add, 1)).ok());
  enroll(40, 70);
  const int64_t live = 70 - static_cast<int64_t>(deleted.size());

  // Each shard's replica 1 replaced by one rebuilt from the log.
  auto subjects_on = [&](int s, int r) {
    auto g = Replica(s, r)->store().GetGallery(kGallery);
    return g.ok() ? g->subjects : -1;
  };
  int64_t per_shard[kShards] = {0, 0};
  for (int i = 0; i < 70; ++i) {
    if (!deleted.count(i)) ++per_shard[ShardOf(kGallery, Subject(i).subject_id, kShards)];
  }
  for (int s = 0; s < kShards; ++s) {
    StartReplica(s, 1, /*rebuild=*/true, dir_.path() + "/rebuilt" + std::to_string(s));
  }
  for (int s = 0; s < kShards; ++s) {
    for (int r = 0; r < kReplicas; ++r) {
      for (int w = 0; w < 1000 && subjects_on(s, r) != per_shard[s]; ++w) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ASSERT_EQ(subjects_on(s, r), per_shard[s]) << "shard " << s << " replica " << r;
    }
  }
  EXPECT_EQ(per_shard[0] + per_shard[1], live);

  std::set<int64_t> all_ids;
  for (int i = 0; i < 70; ++i) {
    if (deleted.count(i)) continue;
    const std::string id = Subject(i).subject_id;
    const int s = ShardOf(kGallery, id, kShards);
    auto running = Replica(s, 0)->store().GetSubject(kGallery, id, false);
    auto rebuilt = Replica(s, 1)->store().GetSubject(kGallery, id, false);
    ASSERT_TRUE(running.ok() && rebuilt.ok()) << id;
    ASSERT_EQ(running->templates.size(), rebuilt->templates.size()) << id;
    for (size_t t = 0; t < running->templates.size(); ++t) {
      EXPECT_EQ(running->templates[t].template_id, rebuilt->templates[t].template_id)
          << id << " template " << t;
      EXPECT_TRUE(all_ids.insert(running->templates[t].template_id).second) << "id reused";
    }
  }
  // A search's template id fetches that template's photo from either replica
  // (the front end's reads go round robin over them).
  auto hit = front_->Identify(kGallery, extra.tmpl, Params(1));
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  ASSERT_EQ(hit->candidates.size(), 1u);
  EXPECT_EQ(hit->candidates[0].subject_id, add.subject_id);
  for (int q = 0; q < 4; ++q) {
    auto image = front_->GetImage(kGallery, add.subject_id, hit->candidates[0].template_id);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    EXPECT_EQ(*image, extra.image) << "read " << q;
  }
}

// A gallery that scores subjects by their centroid (candor/subject_score.h),
// created so and switched to max and back on the running cluster: every
// search equals the single node's, score for score, because a subject's
// templates all live on one shard (ShardOf) and each shard scores whole
// subjects; the setting reaches every shard through its log, and a replica
// rebuilt from the log ends with the last setting.
TEST_F(ClusterTest, CentroidSubjectScoreIsSetOnEveryShardAndMergesExactly) {
  GalleryInfo g = Info();
  g.subject_score = kSubjectScoreCentroid;
  ASSERT_TRUE(front_->CreateGallery(g).ok());
  ASSERT_TRUE(single_->CreateGallery(g).ok());
  EnrollBoth(0, 90);  // every third subject holds two templates
  std::set<int> shards_with_pairs;
  for (int i = 0; i < 90; i += 3)
    shards_with_pairs.insert(ShardOf(kGallery, Subject(i).subject_id, kShards));
  ASSERT_EQ(shards_with_pairs.size(), static_cast<size_t>(kShards)) << "both shards hold pairs";
  auto seen = front_->GetGallery(kGallery);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->subject_score, kSubjectScoreCentroid);

  auto compare = [&](const std::string& rule) {
    for (int q = 0; q < 12; ++q) {
      const Template probe =
          q < 9 ? Probe(q * 9 % 90, 0.4f) : RandomTemplate(77000 + static_cast<uint64_t>(q));
      auto c = front_->Identify(kGallery, probe, Params(10));
      auto s = single_->Identify(kGallery, probe, Params(10));
      ASSERT_TRUE(c.ok() && s.ok()) << c.status().ToString() << s.status().ToString();
      ExpectSameResult(*c, *s, rule + " probe " + std::to_string(q));
    }
    VerifyParams vp;
    vp.threshold = 0.3f;
    auto cv = front_->Verify(kGallery, "person-27", Probe(27, 0.4f), vp);
    auto sv = single_->Verify(kGallery, "person-27", Probe(27, 0.4f), vp);
    ASSERT_TRUE(cv.ok() && sv.ok());
    EXPECT_EQ(cv->score, sv->score) << rule;
  };
  compare("centroid");
  // Person 27 holds two templates: the probe near its first scores far lower
  // against their centroid than against that template (max).
  auto under_centroid = front_->Identify(kGallery, Probe(27, 0.2f), Params(1));
  ASSERT_TRUE(under_centroid.ok());
  ASSERT_EQ(under_centroid->candidates.at(0).subject_id, "person-27");

  ASSERT_TRUE(front_->SetSubjectScore(kGallery, kSubjectScoreMax).ok());
  ASSERT_TRUE(single_->SetSubjectScore(kGallery, kSubjectScoreMax).ok());
  EXPECT_EQ(front_->GetGallery(kGallery)->subject_score, kSubjectScoreMax);
  compare("max");
  auto under_max = front_->Identify(kGallery, Probe(27, 0.2f), Params(1));
  ASSERT_TRUE(under_max.ok());
  EXPECT_GT(under_max->candidates.at(0).score, under_centroid->candidates.at(0).score + 0.1f);

  ASSERT_TRUE(front_->SetSubjectScore(kGallery, kSubjectScoreCentroid).ok());
  ASSERT_TRUE(single_->SetSubjectScore(kGallery, kSubjectScoreCentroid).ok());
  // A replica rebuilt from the log replays creation, max, centroid.
  Replica(0, 0).reset();
  StartReplica(0, 0, /*rebuild=*/true, dir_.path() + "/rebuilt-0-0");
  for (int t = 0; t < 1000 && !Replica(0, 0)->caught_up(); ++t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(Replica(0, 0)->caught_up());
  auto rebuilt = Replica(0, 0)->store().GetGallery(kGallery);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->subject_score, kSubjectScoreCentroid);
  compare("centroid again, shard 0 rebuilt");

  EXPECT_EQ(front_->SetSubjectScore(kGallery, "mean").code(), Code::kInvalidArgument);
  EXPECT_EQ(front_->SetSubjectScore("nowhere", kSubjectScoreMax).code(), Code::kNotFound);
}

// A gallery created on the cluster without a rule gets the face default,
// "centroid", on every replica of every shard (the front resolves it once and
// logs it); one created with "max" keeps max everywhere, and a replica rebuilt
// from the log ends with the same rules.
TEST_F(ClusterTest, NewGalleriesGetTheCentroidDefaultOnEveryShardAndAnExplicitMaxIsKept) {
  GalleryInfo g = Info();
  ASSERT_TRUE(g.subject_score.empty());
  ASSERT_TRUE(front_->CreateGallery(g).ok());
  GalleryInfo m = Info();
  m.name = "bookings";
  m.subject_score = kSubjectScoreMax;
  ASSERT_TRUE(front_->CreateGallery(m).ok());
  EXPECT_EQ(front_->GetGallery(kGallery)->subject_score, kSubjectScoreCentroid);
  EXPECT_EQ(front_->GetGallery("bookings")->subject_score, kSubjectScoreMax);
  auto rules_on = [&](ShardReplica& r) {
    std::string rules;
    for (const std::string& name : {std::string(kGallery), std::string("bookings")}) {
      auto info = r.store().GetGallery(name);
      rules += (info.ok() ? info->subject_score : info.status().ToString()) + ";";
    }
    return rules;
  };
  const std::string want = std::string(kSubjectScoreCentroid) + ";" + kSubjectScoreMax + ";";
  for (int s = 0; s < kShards; ++s) {
    for (int r = 0; r < kReplicas; ++r) {
      for (int t = 0; t < 1000 && rules_on(*Replica(s, r)) != want; ++t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      EXPECT_EQ(rules_on(*Replica(s, r)), want) << "shard " << s << " replica " << r;
    }
  }
  // Scored as the single node scores a centroid gallery.
  GalleryInfo c = Info();
  c.subject_score = kSubjectScoreCentroid;
  ASSERT_TRUE(single_->CreateGallery(c).ok());
  EnrollBoth(0, 30);  // every third subject holds two templates
  for (int q = 0; q < 6; ++q) {
    const Template probe = Probe(q * 3, 0.3f);
    auto cr = front_->Identify(kGallery, probe, Params(5));
    auto sr = single_->Identify(kGallery, probe, Params(5));
    ASSERT_TRUE(cr.ok() && sr.ok()) << cr.status().ToString() << sr.status().ToString();
    ExpectSameResult(*cr, *sr, "probe " + std::to_string(q));
  }
  Replica(1, 0).reset();
  StartReplica(1, 0, /*rebuild=*/true, dir_.path() + "/rebuilt-1-0");
  for (int t = 0; t < 1000 && !Replica(1, 0)->caught_up(); ++t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(Replica(1, 0)->caught_up());
  EXPECT_EQ(rules_on(*Replica(1, 0)), want);
}

TEST_F(ClusterTest, FingerprintGalleriesAreRefusedClearly) {
  GalleryInfo tenprints = Info();
  tenprints.name = "tenprints";
  tenprints.modality = kFingerModality;
  const Status created = front_->CreateGallery(tenprints);
  EXPECT_EQ(created.code(), Code::kUnimplemented) << created.ToString();
  EXPECT_NE(created.message().find("fingerprint galleries are not supported on the cluster"),
            std::string::npos)
      << created.message();
  EXPECT_EQ(front_->GetGallery("tenprints").status().code(), Code::kNotFound);  // nothing logged

  // A fingerprint template sent to a face gallery: refused before the log.
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  finger::FingerTemplate print;
  print.width = print.height = 400;
  print.finger_position = 2;
  print.minutiae.resize(30);
  EnrollRequest r;
  r.subject_id = "person-1";
  TemplateInput in;
  in.finger = print;
  in.image_sha256 = Sha256(std::string_view("print"));
  r.templates.push_back(std::move(in));
  const Status enrolled = front_->Enroll(kGallery, std::vector{r});
  EXPECT_EQ(enrolled.code(), Code::kUnimplemented) << enrolled.ToString();
  EXPECT_NE(enrolled.message().find("fingerprint"), std::string::npos) << enrolled.message();
  auto g = front_->GetGallery(kGallery);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->subjects, 0);

  // Finger searches: UNIMPLEMENTED with the same reason, not a face search.
  const std::vector<finger::FingerTemplate> probe{print};
  IdentifyParams ip = Params();
  auto id = front_->IdentifyFingers(kGallery, probe, ip);
  EXPECT_EQ(id.status().code(), Code::kUnimplemented);
  EXPECT_NE(id.status().message().find("not supported on the cluster"), std::string::npos);
  VerifyParams vp;
  EXPECT_EQ(front_->VerifyFingers(kGallery, "person-1", probe, vp).status().code(),
            Code::kUnimplemented);
}

}  // namespace
}  // namespace candor::cluster_test
