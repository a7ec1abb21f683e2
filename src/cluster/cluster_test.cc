// Copyright 2026 The Candor Authors.
//
// The cluster against a real single-node JetStream, 2 shards x 2 replicas
// in-process (cluster_test_fixture.h). Skips when nats-server is not installed.

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "candor/cluster.h"
#include "cluster/cluster_test_fixture.h"

namespace candor::cluster_test {
namespace {

TEST_F(ClusterTest, SearchesEqualASingleNodeSearchOfTheSameGallery) {
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  ASSERT_TRUE(single_->CreateGallery(Info()).ok());
  EXPECT_EQ(front_->CreateGallery(Info()).code(), Code::kAlreadyExists);
  EnrollBoth(0, 400);

  for (int q = 0; q < 40; ++q) {
    // Mated probes at three noise levels, then probes near nobody.
    const Template probe = q < 30 ? Probe(q * 13 % 400, 0.2f + 0.3f * static_cast<float>(q % 3))
                                  : RandomTemplate(77777 + static_cast<uint64_t>(q));
    for (int k : {1, 10, 50}) {
      auto c = front_->Identify(kGallery, probe, Params(k));
      auto s = single_->Identify(kGallery, probe, Params(k));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      ExpectSameResult(*c, *s, "probe " + std::to_string(q) + " k " + std::to_string(k));
    }
  }
  // A threshold: only the candidates above it, the same on both.
  IdentifyParams p = Params(10);
  p.threshold = 0.5f;
  auto c = front_->Identify(kGallery, Probe(5, 0.3f), p);
  auto s = single_->Identify(kGallery, Probe(5, 0.3f), p);
  ASSERT_TRUE(c.ok() && s.ok());
  ExpectSameResult(*c, *s, "threshold 0.5");
  ASSERT_FALSE(c->candidates.empty());
  EXPECT_EQ(c->candidates[0].subject_id, "person-5");

  // Both shards hold a part; each subject is on exactly its shard's replicas.
  auto g = front_->GetGallery(kGallery);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->subjects, 400);
  EXPECT_EQ(g->model_id, "testnet");
  int64_t per_shard[kShards] = {0, 0};
  for (int i = 0; i < 400; ++i) ++per_shard[ShardOf(kGallery, "person-" + std::to_string(i), kShards)];
  EXPECT_GT(per_shard[0], 150);
  EXPECT_GT(per_shard[1], 150);
  for (int sh = 0; sh < kShards; ++sh) {
    for (int r = 0; r < kReplicas; ++r) {
      auto info = Replica(sh, r)->store().GetGallery(kGallery);
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info->subjects, per_shard[sh]) << "shard " << sh << " replica " << r;
    }
  }

  // Verify and GetSubject go to the subject's shard.
  VerifyParams vp;
  vp.threshold = 0.5f;
  auto v = front_->Verify(kGallery, "person-7", Probe(7, 0.2f), vp);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->match);
  auto subj = front_->GetSubject(kGallery, "person-9", true);
  ASSERT_TRUE(subj.ok());
  EXPECT_EQ(subj->record_ref, "rec-9");
  ASSERT_EQ(subj->templates.size(), 2u);
  EXPECT_EQ(front_->GetSubject(kGallery, "nobody", false).status().code(), Code::kNotFound);
}

TEST_F(ClusterTest, EnrollmentsAreValidatedBeforeTheLogAndDuplicatesRefused) {
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  ASSERT_TRUE(front_->Enroll(kGallery, std::vector{Subject(1)}).ok());
  Status dup = front_->Enroll(kGallery, std::vector{Subject(1)});
  EXPECT_EQ(dup.code(), Code::kAlreadyExists) << dup.ToString();
  EnrollRequest other = Subject(2);
  other.templates[0].tmpl = RandomTemplate(5, 128, "othernet");
  EXPECT_EQ(front_->Enroll(kGallery, std::vector{other}).code(), Code::kFailedPrecondition);
  EnrollRequest shorter = Subject(3);
  shorter.templates[0].tmpl = RandomTemplate(5, 64);
  EXPECT_EQ(front_->Enroll(kGallery, std::vector{shorter}).code(), Code::kFailedPrecondition);
  EnrollRequest bad_id = Subject(4);
  bad_id.subject_id = "";
  EXPECT_EQ(front_->Enroll(kGallery, std::vector{bad_id}).code(), Code::kInvalidArgument);
  EnrollRequest append = Subject(9);  // not enrolled
  append.append_to_existing = true;
  EXPECT_EQ(front_->Enroll(kGallery, std::vector{append}).code(), Code::kNotFound);
  append.templates[0].tmpl = RandomTemplate(5, 128, "othernet");  // checked before the log too
  append.subject_id = Subject(1).subject_id;
  EXPECT_EQ(front_->Enroll(kGallery, std::vector{append}).code(), Code::kFailedPrecondition);
  EXPECT_EQ(front_->Enroll("nope", std::vector{Subject(6)}).code(), Code::kNotFound);
  auto g = front_->GetGallery(kGallery);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->subjects, 1);
}

// The deleting front end never finds a deleted subject again (its searches
// wait for the replica to have applied the deletion); another front end finds
// it at most until the replicas have applied the deletion: measured here and
// bounded by the 1 s the test allows.
TEST_F(ClusterTest, DeletedSubjectsAreNotFoundAfterTheAcknowledgementAndCanReEnroll) {
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  ASSERT_TRUE(single_->CreateGallery(Info()).ok());
  EnrollBoth(0, 100);
  auto other = OpenClusterStore(options_, TestKey());
  ASSERT_TRUE(other.ok());
  double worst_other_ms = 0;
  for (int i = 0; i < 100; i += 5) {
    const std::string id = "person-" + std::to_string(i);
    ASSERT_TRUE(front_->DeleteSubject(kGallery, id).ok());
    ASSERT_TRUE(single_->DeleteSubject(kGallery, id).ok());
    const auto deleted_at = std::chrono::steady_clock::now();
    auto r = front_->Identify(kGallery, Subject(i).templates[0].tmpl, Params(5));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& c : r->candidates) EXPECT_NE(c.subject_id, id) << "found after deletion";
    // The other front end: poll until it stops finding the subject.
    while (true) {
      auto o = (*other)->Identify(kGallery, Subject(i).templates[0].tmpl, Params(1));
      ASSERT_TRUE(o.ok()) << o.status().ToString();
      if (o->candidates.empty() || o->candidates[0].subject_id != id) break;
      ASSERT_LT(std::chrono::steady_clock::now() - deleted_at, std::chrono::seconds(1))
          << id << " still found by another front end 1 s after its deletion";
    }
    worst_other_ms = std::max(
        worst_other_ms, std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - deleted_at).count());
  }
  std::printf("deleted subject found by another front end for at most %.1f ms\n", worst_other_ms);
  EXPECT_EQ(front_->DeleteSubject(kGallery, "person-0").code(), Code::kNotFound);
  for (int q = 0; q < 10; ++q) {
    auto c = front_->Identify(kGallery, Probe(q * 10, 0.3f), Params(10));
    auto s = single_->Identify(kGallery, Probe(q * 10, 0.3f), Params(10));
    ASSERT_TRUE(c.ok() && s.ok());
    ExpectSameResult(*c, *s, "after deletions, probe " + std::to_string(q));
  }
  // Every replica of the shard applied every deletion.
  for (int i = 0; i < 100; i += 5) {
    const std::string id = "person-" + std::to_string(i);
    const int sh = ShardOf(kGallery, id, kShards);
    for (int r = 0; r < kReplicas; ++r) {
      for (int tries = 0; tries < 100 && Replica(sh, r)->store().GetSubject(kGallery, id, false).ok();
           ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      EXPECT_EQ(Replica(sh, r)->store().GetSubject(kGallery, id, false).status().code(),
                Code::kNotFound) << id << " on replica " << r;
    }
  }
  // The sealed enrollment left the log, so the subject may enroll again.
  ASSERT_TRUE(front_->Enroll(kGallery, std::vector{Subject(5)}).ok());
  auto again = front_->Identify(kGallery, Subject(5).templates[0].tmpl, Params(1));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->candidates.size(), 1u);
  EXPECT_EQ(again->candidates[0].subject_id, "person-5");
}

TEST_F(ClusterTest, ASearchWithoutAReplicaOfEveryShardFailsUnavailableNeverPartial) {
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  ASSERT_TRUE(single_->CreateGallery(Info()).ok());
  EnrollBoth(0, 120);
  const Template probe = Probe(11, 0.3f);
  // One replica of shard 1 down: the other answers, results unchanged.
  Replica(1, 0)->Stop();
  for (int q = 0; q < 4; ++q) {  // round robin reaches the stopped replica too
    auto c = front_->Identify(kGallery, probe, Params(10));
    auto s = single_->Identify(kGallery, probe, Params(10));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ExpectSameResult(*c, *s, "one replica down");
  }
  // Both down: 503, naming the shard; never a partial list.
  Replica(1, 1)->Stop();
  const auto t0 = std::chrono::steady_clock::now();
  auto down = front_->Identify(kGallery, probe, Params(10));
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Code::kUnavailable);
  EXPECT_EQ(HttpStatus(down.status().code()), 503);
  EXPECT_NE(down.status().message().find("shard 1"), std::string::npos) << down.status().message();
  EXPECT_LT(ms, 1500.0);
  EXPECT_EQ(front_->GetGallery(kGallery).status().code(), Code::kUnavailable);

  // Enrollments are still acknowledged (the log takes them) while shard 1 is
  // down; a replica that comes back catches up before it answers.
  EnrollBoth(120, 160);
  Replica(1, 0).reset();
  Replica(1, 1).reset();
  StartReplica(1, 0);
  // Until it has caught up it answers UNAVAILABLE (the front end's searches
  // are 503s meanwhile, never a list without the new enrollments).
  for (int t = 0; t < 1000 && !Replica(1, 0)->caught_up(); ++t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(Replica(1, 0)->caught_up());
  for (int q = 0; q < 5; ++q) {
    const Template p = Probe(120 + q * 7, 0.3f);
    auto c = front_->Identify(kGallery, p, Params(10));
    auto s = single_->Identify(kGallery, p, Params(10));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ExpectSameResult(*c, *s, "after catch-up, probe " + std::to_string(q));
  }
  // A replica rebuilt from the whole log into an empty directory holds the
  // same subjects as the running one.
  StartReplica(1, 1, /*rebuild=*/true, dir_.path() + "/rebuilt");
  auto c = front_->Identify(kGallery, probe, Params(10));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  for (int tries = 0; tries < 1500 && !Replica(1, 1)->caught_up(); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // up to 15 s on a loaded host
  }
  ASSERT_TRUE(Replica(1, 1)->caught_up());
  auto a = Replica(1, 0)->store().GetGallery(kGallery);
  auto b = Replica(1, 1)->store().GetGallery(kGallery);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->subjects, b->subjects);
  EXPECT_EQ(a->templates, b->templates);
  Replica(1, 1).reset();
  ShardReplicaOptions o;
  o.cluster = options_;
  o.shard = 1;
  o.replica = 1;
  o.store_dir = dir_.path() + "/rebuilt";
  o.key = TestKey();
  o.rebuild = true;
  EXPECT_EQ(ShardReplica::Start(o).status().code(), Code::kFailedPrecondition);
}

TEST_F(ClusterTest, TemplatesAddedToAnEnrolledSubjectAndReferencesThatDieWithIt) {
  // Max: the added template, searched, scores 1 against its subject.
  ASSERT_TRUE(front_->CreateGallery(MaxInfo()).ok());
  ASSERT_TRUE(single_->CreateGallery(MaxInfo()).ok());
  EnrollBoth(0, 60);
  const std::string id = Subject(5).subject_id;  // one template
  auto ref = front_->SubjectRef(kGallery, id);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->rfind("sref:", 0), 0u);

  EnrollRequest add;
  add.subject_id = id;
  add.append_to_existing = true;
  TemplateInput t;
  t.tmpl = RandomTemplate(55555);
  t.image_sha256 = Sha256(std::string_view("an added photo"));
  add.templates.push_back(t);
  ASSERT_TRUE(front_->Enroll(kGallery, std::span(&add, 1)).ok());
  ASSERT_TRUE(single_->Enroll(kGallery, std::span(&add, 1)).ok());
  auto info = front_->GetSubject(kGallery, id, false);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->templates.size(), 2u);
  // The added template finds the subject, as on one node.
  auto c = front_->Identify(kGallery, t.tmpl, Params(10));
  auto s1 = single_->Identify(kGallery, t.tmpl, Params(10));
  ASSERT_TRUE(c.ok() && s1.ok());
  ASSERT_FALSE(c->candidates.empty());
  EXPECT_EQ(c->candidates[0].subject_id, id);
  EXPECT_GE(c->candidates[0].score, 0.999f);
  ExpectSameResult(*c, *s1, "added template");
  // Every replica of the subject's shard applied it once.
  const int shard = ShardOf(kGallery, id, kShards);
  for (int r = 0; r < kReplicas; ++r) {
    for (int w = 0; w < 300; ++w) {
      auto got = Replica(shard, r)->store().GetSubject(kGallery, id, false);
      if (got.ok() && got->templates.size() == 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto got = Replica(shard, r)->store().GetSubject(kGallery, id, false);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->templates.size(), 2u) << "replica " << r;
  }
  add.subject_id = "nobody-here";
  EXPECT_EQ(front_->Enroll(kGallery, std::span(&add, 1)).code(), Code::kNotFound);

  // The reference: stable, the same from another front end, mapped back.
  auto again = front_->SubjectRef(kGallery, id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *ref);
  auto other = OpenClusterStore(options_, TestKey());
  ASSERT_TRUE(other.ok());
  auto from_other = (*other)->SubjectRef(kGallery, id);
  ASSERT_TRUE(from_other.ok());
  EXPECT_EQ(*from_other, *ref);
  auto back = front_->SubjectIdForRef(kGallery, *ref);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, id);
  EXPECT_NE(*front_->SubjectRef(kGallery, Subject(6).subject_id), *ref);

  // Deleted: the reference names no one any more, and a re-enrolment of the
  // same id gets a new one.
  ASSERT_TRUE(front_->DeleteSubject(kGallery, id).ok());
  EXPECT_EQ(front_->SubjectRef(kGallery, id).status().code(), Code::kNotFound);
  EXPECT_EQ(front_->SubjectIdForRef(kGallery, *ref).status().code(), Code::kNotFound);
  EnrollRequest re = Subject(5);
  ASSERT_TRUE(front_->Enroll(kGallery, std::span(&re, 1)).ok());
  auto fresh = front_->SubjectRef(kGallery, id);
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(*fresh, *ref);
  auto info2 = front_->GetSubject(kGallery, id, false);
  ASSERT_TRUE(info2.ok());
  EXPECT_EQ(info2->templates.size(), 1u);  // the added template went with the deletion
}

TEST_F(ClusterTest, AReplicaRebuiltFromASnapshotAppliesOnlyTheLogsTail) {
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  ASSERT_TRUE(single_->CreateGallery(Info()).ok());
  EnrollBoth(0, 150);
  auto in_shard0 = [](int i) { return ShardOf(kGallery, Subject(i).subject_id, kShards) == 0; };
  int64_t before = 0;
  for (int i = 0; i < 150; ++i) before += in_shard0(i);
  for (int t = 0; t < 500; ++t) {  // replica (0, 0) has applied all of them
    auto g = Replica(0, 0)->store().GetGallery(kGallery);
    if (g.ok() && g->subjects == before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string snap = dir_.path() + "/snap0";
  auto seq = Replica(0, 0)->Snapshot(snap);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_GE(*seq, static_cast<uint64_t>(before));
  EXPECT_EQ(Replica(0, 0)->Snapshot(snap).status().code(), Code::kFailedPrecondition);

  // After the snapshot: enrollments, and deletions of subjects from before and
  // after it. Shard 0's tail: the enrollments still in the log (a deletion
  // erases its subject's enrollment entry) and the deletions.
  EnrollBoth(150, 210);
  uint64_t tail = 0;
  std::set<int> deleted;
  for (int i : {3, 10, 17, 24, 31, 38, 45, 160, 171, 182, 193}) {
    ASSERT_TRUE(front_->DeleteSubject(kGallery, Subject(i).subject_id).ok());
    ASSERT_TRUE(single_->DeleteSubject(kGallery, Subject(i).subject_id).ok());
    deleted.insert(i);
    tail += in_shard0(i);
  }
  for (int i = 150; i < 210; ++i) tail += in_shard0(i) && !deleted.count(i);

  Replica(0, 1).reset();
  const std::string restored = dir_.path() + "/restored";
  StartReplica(0, 1, false, restored, snap);
  for (int t = 0; t < 1000 && !Replica(0, 1)->caught_up(); ++t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(Replica(0, 1)->caught_up());
  EXPECT_EQ(Replica(0, 1)->entries_applied(), tail);  // the tail only, not the whole log
  auto a = Replica(0, 0)->store().GetGallery(kGallery);
  auto b = Replica(0, 1)->store().GetGallery(kGallery);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->subjects, b->subjects);
  EXPECT_EQ(a->templates, b->templates);
  for (int i : deleted) {
    if (!in_shard0(i)) continue;
    EXPECT_EQ(Replica(0, 1)->store().GetSubject(kGallery, Subject(i).subject_id, false)
                  .status().code(), Code::kNotFound) << i;
  }
  // Searches through the front end (both replicas of shard 0 in turn) equal one node's.
  for (int q = 0; q < 6; ++q) {
    const Template p = Probe(q * 37 % 210, 0.3f);
    auto c = front_->Identify(kGallery, p, Params(10));
    auto s1 = single_->Identify(kGallery, p, Params(10));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ExpectSameResult(*c, *s1, "restored replica, probe " + std::to_string(q));
  }

  // A snapshot restores only into an empty directory, and only as its shard.
  ShardReplicaOptions o;
  o.cluster = options_;
  o.shard = 1;
  o.replica = 1;
  o.store_dir = dir_.path() + "/wrong-shard";
  o.key = TestKey();
  o.snapshot = snap;
  auto wrong = ShardReplica::Start(o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kFailedPrecondition) << wrong.status().ToString();
  o.shard = 0;
  o.store_dir = restored;
  EXPECT_EQ(ShardReplica::Start(o).status().code(), Code::kFailedPrecondition);
}

// Nothing on the bus or in JetStream's files carries a template, a subject id
// or a record reference in clear.
TEST_F(ClusterTest, TheBusAndTheLogCarryNoPlaintextBiometricData) {
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, nats_->url(0).c_str()), NATS_OK);
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, nc, ">"), NATS_OK);
  ASSERT_TRUE(front_->CreateGallery(Info()).ok());
  std::vector<EnrollRequest> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(Subject(i));
  ASSERT_TRUE(front_->Enroll(kGallery, batch).ok());
  ASSERT_TRUE(front_->Identify(kGallery, Subject(3).templates[0].tmpl, Params(5)).ok());
  ASSERT_TRUE(front_->GetSubject(kGallery, "person-4", true).ok());

  auto contains = [](const std::string& hay, const void* needle, size_t n) {
    return hay.find(std::string(static_cast<const char*>(needle), n)) != std::string::npos;
  };
  auto check = [&](const std::string& bytes, const std::string& where) {
    for (int i = 0; i < 20; ++i) {
      const auto& v = Subject(i).templates[0].tmpl.values;
      EXPECT_FALSE(contains(bytes, v.data() + 8, 16)) << "template " << i << " in " << where;
      const std::string id = "person-" + std::to_string(i);
      EXPECT_FALSE(contains(bytes, id.data(), id.size())) << id << " in " << where;
      const std::string ref = "rec-" + std::to_string(i);
      EXPECT_FALSE(contains(bytes, ref.data(), ref.size())) << ref << " in " << where;
    }
  };
  int seen = 0;
  natsMsg* m = nullptr;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < end && natsSubscription_NextMsg(&m, sub, 100) == NATS_OK) {
    ++seen;
    check(std::string(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m))),
          std::string("message on ") + natsMsg_GetSubject(m));
    EXPECT_EQ(std::string(natsMsg_GetSubject(m)).find("person"), std::string::npos);
    natsMsg_Destroy(m);
  }
  EXPECT_GT(seen, 20);  // the log entries, the requests and the replies
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(nc);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_.path() + "/nats")) {
    if (!e.is_regular_file() || e.path().extension() == ".log") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    check(bytes, e.path().string());
    ++files;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace candor::cluster_test
