// Copyright 2026 The Candor Authors.
//
// Crash safety of the persistent compressed index, proven with SIGKILL: a child
// adds batches (and trains the index when it reaches TrainAt) and removes
// earlier templates, reporting each acknowledged add and removal on a pipe;
// the parent kills it at a random moment, reopens the index and checks that
// every acknowledged add is present, every acknowledged removal is absent and
// never returned by a search, and nothing else appeared.
//
// The snapshot (ivf_snapshot.h) the same way: a child opens the index (writing
// the snapshot when it is missing) and then removes templates (each removal
// also overwrites the row's codes in the snapshot); killed at any moment, the
// next open loses nothing, every acknowledged removal stays removed, and the
// snapshot then on disk holds no code of a removed row.
//
// A background retrain the same way: a child opens a trained index, retrains
// it again and again while it adds and removes (the retrain paused briefly in
// the middle of writing the new records and before the swap, so kills land
// there); killed at any moment, the next open finds the old generation or the
// new one (never a mix: every live template is found by itself with all lists
// searched), no other generation's files, and no record of a removed template.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "candor/index.h"
#include "search/ivf_pq_index.h"
#include "search/ivf_test_util.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

using testing::DiskManifest;
using testing::GenerationFiles;
using testing::Ids;
using testing::RecordIds;
using testing::SnapshotCopies;
using testing::TempDir;
using testing::TestKey;

constexpr int kDim = 32;
constexpr char kSpec[] = "IVF16,PQ16x4fs,TrainAt2000";
constexpr int64_t kPending = int64_t{1} << 50;

// The template of id n (deterministic, so both processes know it).
std::vector<float> Vec(int64_t n) {
  return RandomUnitVectors(1, kDim, static_cast<uint64_t>(n) * 7 + 1);
}

// One step of a child: add a batch of 1-max_batch new ids (from *next),
// report them; every third step (b % 3 == 2) remove one acknowledged live id
// with the pending/ack protocol (report id | kPending, remove, report -id).
void AddAndRemove(Index& index, std::mt19937_64& rng, int64_t* next, int max_batch, int b, int fd,
                  std::vector<int64_t>& live) {
  const int n = 1 + static_cast<int>(rng() % static_cast<uint64_t>(max_batch));
  std::vector<float> v;
  std::vector<int64_t> ids;
  for (int i = 0; i < n; ++i, ++*next) {
    const auto x = Vec(*next);
    v.insert(v.end(), x.begin(), x.end());
    ids.push_back(*next);
  }
  if (!index.Add(v, ids).ok()) _exit(4);
  for (int64_t id : ids) {
    if (::write(fd, &id, sizeof(id)) != sizeof(id)) _exit(5);
    live.push_back(id);
  }
  if (b % 3 == 2 && !live.empty()) {
    const size_t at = static_cast<size_t>(rng() % live.size());
    const int64_t id = live[at];
    live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    const int64_t intent = id | kPending;  // the removal may land without its report
    if (::write(fd, &intent, sizeof(intent)) != sizeof(intent)) _exit(5);
    if (!index.Remove(std::vector<int64_t>{id}).ok()) _exit(6);
    const int64_t neg = -id;
    if (::write(fd, &neg, sizeof(neg)) != sizeof(neg)) _exit(5);
  }
}

// Adds ids [first, last] (their Vec templates) in one batch; into *live too.
void AddRange(Index& index, int64_t first, int64_t last, std::set<int64_t>* live) {
  std::vector<float> v;
  std::vector<int64_t> ids;
  for (int64_t id = first; id <= last; ++id) {
    const auto x = Vec(id);
    v.insert(v.end(), x.begin(), x.end());
    ids.push_back(id);
    live->insert(id);
  }
  ASSERT_TRUE(index.Add(v, ids).ok());
}

// What a child of AddAndRemove reported before it was killed: acknowledged
// adds go to *live, acknowledged removals to *removed; `pending` is a removal
// announced but not acknowledged (0 if none); `last_added` the newest add.
struct ChildReports {
  std::set<int64_t>* live;
  std::set<int64_t>* removed;
  int64_t last_added;
  int64_t pending = 0;

  void Consume(int64_t v) {
    if (v >= kPending) {
      pending = v & (kPending - 1);
      live->erase(pending);
    } else if (v > 0) {
      live->insert(v);
      last_added = v;
    } else {
      removed->insert(-v);
      pending = 0;
    }
  }
};

// Child: open (or create) and loop forever: add a batch of 1-40 new ids,
// report them; every third batch remove one acknowledged live id, report -id.
[[noreturn]] void Child(const IndexFiles& files, int round, int fd, std::vector<int64_t> live) {
  auto index = OpenIndex(files);
  if (!index.ok() && index.status().code() == Code::kNotFound) index = CreateIndex(kSpec, kDim, files);
  if (!index.ok()) _exit(3);
  std::mt19937_64 rng(static_cast<uint64_t>(round));
  int64_t next = static_cast<int64_t>(round) * 1000000 + 1;
  for (int b = 0;; ++b) AddAndRemove(**index, rng, &next, 40, b, fd, live);
}

TEST(IvfCrashTest, AcknowledgedAddsAndRemovalsSurviveSigkill) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  std::set<int64_t> live, removed;
  std::mt19937 rng(2026);
  bool saw_trained = false;
  {
    // 1990 templates: the first child's first batches reach TrainAt2000, so
    // kills also land during training and in the trained index's adds.
    auto index = CreateIndex(kSpec, kDim, files);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    AddRange(**index, 1, 1990, &live);
  }
  for (int round = 1; round <= 24; ++round) {
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      Child(files, round, pipefd[1], std::vector<int64_t>(live.begin(), live.end()));
    }
    ::close(pipefd[1]);
    ::usleep(20000 + rng() % 180000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself, code " << WEXITSTATUS(status);
    ChildReports reports{&live, &removed, static_cast<int64_t>(round) * 1000000};
    int64_t v;
    while (::read(pipefd[0], &v, sizeof(v)) == sizeof(v)) reports.Consume(v);
    ::close(pipefd[0]);
    const int64_t pending = reports.pending, last_added = reports.last_added;

    auto index = OpenIndex(files);
    if (live.empty() && removed.empty() && !index.ok()) continue;  // killed before the first commit
    ASSERT_TRUE(index.ok()) << "round " << round << ": " << index.status().ToString();
    saw_trained |= !(*index)->Recall().exact;
    // A removal killed before its report may or may not have landed: either
    // way the id is live after this Add (re-added if it was gone).
    if (pending != 0) {
      const Status st = (*index)->Add(Vec(pending), std::vector<int64_t>{pending});
      ASSERT_TRUE(st.ok() || st.code() == Code::kAlreadyExists) << st.ToString();
      live.insert(pending);
    }
    // Every acknowledged add is there (Add of it is refused, nothing changes).
    for (int64_t id : live) {
      ASSERT_EQ((*index)->Add(Vec(id), std::vector<int64_t>{id}).code(), Code::kAlreadyExists)
          << "round " << round << ": acknowledged id " << id << " lost";
    }
    // Every acknowledged removal stays removed and is never returned.
    for (int64_t id : removed) {
      ASSERT_EQ((*index)->Remove(std::vector<int64_t>{id}).code(), Code::kNotFound)
          << "round " << round << ": removed id " << id << " is back";
      auto r = (*index)->Search(Vec(id), {.k = 5});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const Candidate& c : *r) ASSERT_NE(c.id, id) << "round " << round;
    }
    // At most the one unacknowledged batch (<= 40 ids after the last
    // acknowledged one) may be there too; after adding that range, the index
    // holds exactly `live`.
    const int64_t extra = (*index)->size() - static_cast<int64_t>(live.size());
    EXPECT_GE(extra, 0) << "round " << round;
    EXPECT_LE(extra, 40) << "round " << round;
    for (int64_t id = last_added + 1; id <= last_added + 40; ++id) {
      const Status st = (*index)->Add(Vec(id), std::vector<int64_t>{id});
      ASSERT_TRUE(st.ok() || st.code() == Code::kAlreadyExists) << st.ToString();
      live.insert(id);
    }
    EXPECT_EQ((*index)->size(), static_cast<int64_t>(live.size())) << "round " << round;
  }
  EXPECT_TRUE(saw_trained) << "no round reached training: the test did not cover the trained path";
}


constexpr int kSnapRows = 60000;
constexpr char kSnapSpec[] = "IVF64,PQ16x4fs,TrainAt2000";

// Child: open (a missing snapshot is written here), report it, then remove
// ids round*1000 + 1, 2, ... one at a time with the pending/ack protocol.
[[noreturn]] void SnapshotChild(const IndexFiles& files, int round, int fd) {
  auto index = OpenIndex(files);
  if (!index.ok()) _exit(3);
  const int64_t opened = 0;
  if (::write(fd, &opened, sizeof(opened)) != sizeof(opened)) _exit(5);
  for (int64_t id = static_cast<int64_t>(round) * 1000 + 1;; ++id) {
    const int64_t intent = id | kPending;
    if (::write(fd, &intent, sizeof(intent)) != sizeof(intent)) _exit(5);
    if (!(*index)->Remove(std::vector<int64_t>{id}).ok()) _exit(6);
    const int64_t neg = -id;
    if (::write(fd, &neg, sizeof(neg)) != sizeof(neg)) _exit(5);
  }
}

double OpenSeconds(const IndexFiles& files) {
  const auto t = std::chrono::steady_clock::now();
  auto index = OpenIndex(files);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST(IvfCrashTest, SnapshotWriteAndShredSurviveSigkill) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const std::string snap = dir.path() + "/snapshot";
  const auto data = StructuredVectors(kSnapRows, kDim, 40, 0.9f, 3);
  {
    auto index = CreateIndex(kSnapSpec, kDim, files);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    for (int64_t at = 0; at < kSnapRows; at += 10000) {
      ASSERT_TRUE((*index)->Add(std::span<const float>(data).subspan(static_cast<size_t>(at) * kDim, 10000 * kDim),
                                Ids(at + 1, 10000)).ok());
    }
  }
  // When the snapshot write happens: after a records load (a read-only open
  // loads the same way and writes nothing), before a writer's open returns.
  IndexFiles ro = files;
  ro.read_only = true;
  const double t_load = OpenSeconds(ro);
  const double t_write = OpenSeconds(files);  // writes it
  ASSERT_TRUE(std::filesystem::exists(snap));
  std::set<int64_t> removed;
  std::mt19937 rng(11);
  int killed_writing = 0, killed_removing = 0, rounds = 0;
  double aim = (t_load + t_write) / 2;
  for (int round = 1; round <= 60; ++round) {
    ++rounds;
    const bool rewrite = round % 2 == 1;  // odd rounds: the child writes the snapshot
    if (rewrite) std::filesystem::remove(snap);
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      SnapshotChild(files, round, pipefd[1]);
    }
    ::close(pipefd[1]);
    // Odd rounds aim at the write (the aim moves after each: later if the
    // kill came before it, earlier if after), even ones at the first removals.
    const double at = rewrite ? aim * std::uniform_real_distribution<double>(0.85, 1.15)(rng)
                              : std::uniform_real_distribution<double>(0.1 * t_load, 0.2 * t_load + 0.3)(rng);
    ::usleep(static_cast<useconds_t>(at * 1e6));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself, code " << WEXITSTATUS(status);
    bool opened = false;
    int64_t v, pending = 0;
    while (::read(pipefd[0], &v, sizeof(v)) == sizeof(v)) {
      if (v == 0) {
        opened = true;
      } else if (v >= kPending) {
        pending = v & (kPending - 1);
      } else {
        removed.insert(-v);
        pending = 0;
      }
    }
    ::close(pipefd[0]);
    if (!opened && std::filesystem::exists(dir.path() + "/snapshot.tmp")) ++killed_writing;
    if (rewrite) aim *= opened ? 0.85 : std::filesystem::exists(dir.path() + "/snapshot.tmp") ? 1.0 : 1.15;
    if (opened && pending != 0) ++killed_removing;

    auto opened_again = OpenIndex(files);
    ASSERT_TRUE(opened_again.ok()) << "round " << round << ": " << opened_again.status().ToString();
    auto& index = *opened_again;
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/snapshot.tmp")) << "round " << round;
    // A removal killed before its ack may or may not have landed: finish it.
    if (pending != 0) {
      const Status st = index->Remove(std::vector<int64_t>{pending});
      ASSERT_TRUE(st.ok() || st.code() == Code::kNotFound) << st.ToString();
      removed.insert(pending);
    }
    ASSERT_EQ(index->size(), kSnapRows - static_cast<int64_t>(removed.size())) << "round " << round;
    for (int64_t id : removed) {
      ASSERT_EQ(index->Remove(std::vector<int64_t>{id}).code(), Code::kNotFound) << "round " << round;
      auto r = index->Search(std::span<const float>(data).subspan(static_cast<size_t>(id - 1) * kDim, kDim), {.k = 3});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const Candidate& c : *r) ASSERT_NE(c.id, id) << "round " << round;
    }
    // Live rows are all there (a few spot checks by their own template).
    for (int64_t id : {int64_t{59999}, int64_t{12345}, int64_t{777}}) {
      if (removed.count(id)) continue;
      auto r = index->Search(std::span<const float>(data).subspan(static_cast<size_t>(id - 1) * kDim, kDim), {.k = 1});
      ASSERT_TRUE(r.ok() && r->size() == 1 && (*r)[0].id == id) << "round " << round << ": id " << id;
    }
    // The snapshot on disk now holds no code and no template CRC of a removed row.
    index.reset();
    std::vector<uint64_t> rows;
    for (int64_t id : removed) rows.push_back(static_cast<uint64_t>(id - 1));
    const auto held = SnapshotCopies(files, 64, 16, rows);
    for (size_t k = 0; k < rows.size(); ++k) {
      ASSERT_TRUE(!held[k].found || held[k].codes_zero) << "round " << round << ": row " << rows[k];
      ASSERT_EQ(held[k].vec_crc, 0u) << "round " << round << ": row " << rows[k];
    }
    if (round >= 12 && killed_writing > 0 && killed_removing > 0) break;
  }
  std::printf("%d rounds: %d killed while writing the snapshot, %d while removing (load %.2f s, write %.2f s)\n",
              rounds, killed_writing, killed_removing, t_load, t_write);
  EXPECT_GT(killed_writing, 0) << "no kill landed during a snapshot write: the test did not cover it";
  EXPECT_GT(killed_removing, 0) << "no kill landed during a removal";
}


namespace retrain {

constexpr int64_t kMarker = int64_t{1} << 52;
enum : int64_t { kOpened = 1, kWriting = 2, kBeforeSwap = 3, kSwapped = 4 };

void Report(int fd, int64_t v) {
  if (::write(fd, &v, sizeof(v)) != sizeof(v)) _exit(5);
}

// Child: open, retrain in the background over and over (each retrain pauses
// 60 ms in the middle of writing its records and 60 ms before its swap), and
// meanwhile add batches of 1-10 new ids and remove acknowledged ones.
[[noreturn]] void Child(const IndexFiles& files, int round, int fd, std::vector<int64_t> live) {
  auto opened = OpenIndex(files);
  if (!opened.ok()) _exit(3);
  auto* index = static_cast<IvfPqIndex*>(opened->get());
  Report(fd, kMarker | kOpened);
  index->SetRetrainHook([fd](IvfPqIndex::RetrainPhase p) {
    if (p == IvfPqIndex::RetrainPhase::kViewTaken) return;
    Report(fd, kMarker | (p == IvfPqIndex::RetrainPhase::kWritingRecords ? kWriting : kBeforeSwap));
    ::usleep(60000);
  });
  if (!index->StartRetrain().ok()) _exit(7);
  std::mt19937_64 rng(static_cast<uint64_t>(round));
  int64_t next = static_cast<int64_t>(round) * 1000000 + 1;
  for (int b = 0, seen = 0;; ++b) {
    AddAndRemove(*index, rng, &next, 10, b, fd, live);
    if (index->retrains() > seen) {
      ++seen;
      if (!index->WaitRetrain().ok()) _exit(8);
      Report(fd, kMarker | kSwapped);
      if (!index->StartRetrain().ok()) _exit(7);
    }
    ::usleep(20000);  // the gallery grows by ~250 a second, not more: a round stays short
  }
}

}  // namespace retrain

TEST(IvfCrashTest, SigkillDuringABackgroundRetrainLeavesTheOldOrTheNewIndex) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  std::set<int64_t> live, removed;
  {
    auto index = CreateIndex(kSpec, kDim, files);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    AddRange(**index, 1, 3000, &live);  // trains
    ASSERT_FALSE((*index)->Recall().exact);
  }
  std::mt19937 rng(7);
  int killed_writing = 0, killed_before_swap = 0, committed = 0, rounds = 0;
  for (int round = 1; round <= 24; ++round) {
    ++rounds;
    const uint64_t gen_before = DiskManifest(files).generation;
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      retrain::Child(files, round, pipefd[1], std::vector<int64_t>(live.begin(), live.end()));
    }
    ::close(pipefd[1]);
    ChildReports reports{&live, &removed, static_cast<int64_t>(round) * 1000000};
    int64_t phase = 0;
    uint64_t swaps = 0;
    const auto consume = [&](int64_t v) {
      if (v >= retrain::kMarker) {
        phase = v & (retrain::kMarker - 1);
        if (phase == retrain::kSwapped) ++swaps;
      } else {
        reports.Consume(v);
      }
    };
    // Rounds of four kinds: killed while the retrain is paused in the middle
    // of writing the new records (0-50 ms into its 60 ms pause); 30-150 ms
    // after it reached the swap (in the pause, waiting for the lock, or in
    // the exclusive section: the commit's syncs take longer on a busy disk);
    // 0-50 ms after a swap was reported (the new generation committed); at a
    // random moment (opening, training, adding).
    const int kind = round % 4;
    int64_t v;
    if (kind == 3) {
      ::usleep(std::uniform_int_distribution<useconds_t>(0, 1500000)(rng));
    } else {
      const int64_t target = kind == 0 ? retrain::kWriting : kind == 1 ? retrain::kBeforeSwap : retrain::kSwapped;
      pollfd p{pipefd[0], POLLIN, 0};
      while (phase != target && ::poll(&p, 1, 60000) == 1 && ::read(pipefd[0], &v, sizeof(v)) == sizeof(v)) {
        consume(v);
      }
      ASSERT_EQ(phase, target) << "round " << round << ": the child never reached the phase";
      ::usleep(kind == 1 ? std::uniform_int_distribution<useconds_t>(30000, 150000)(rng)
                         : std::uniform_int_distribution<useconds_t>(0, 50000)(rng));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself, code " << WEXITSTATUS(status);
    while (::read(pipefd[0], &v, sizeof(v)) == sizeof(v)) consume(v);
    ::close(pipefd[0]);
    const int64_t pending = reports.pending, last_added = reports.last_added;
    killed_writing += phase == retrain::kWriting;
    killed_before_swap += phase == retrain::kBeforeSwap;

    auto opened = OpenIndex(files);
    ASSERT_TRUE(opened.ok()) << "round " << round << ": " << opened.status().ToString();
    auto* index = static_cast<IvfPqIndex*>(opened->get());
    // The old generation or the new one: the swaps reported, plus the one a
    // kill in or after the swap's exclusive section may have committed.
    const uint64_t gen = DiskManifest(files).generation;
    EXPECT_GE(gen, gen_before + swaps) << "round " << round;
    EXPECT_LE(gen, gen_before + swaps + (phase == retrain::kBeforeSwap ? 1 : 0)) << "round " << round;
    committed += gen > gen_before;
    EXPECT_EQ(GenerationFiles(dir.path()),
              (std::set<std::string>{"records." + std::to_string(gen), "train." + std::to_string(gen)}))
        << "round " << round << ": files of another generation left behind";
    if (pending != 0) {
      const Status st = index->Add(Vec(pending), std::vector<int64_t>{pending});
      ASSERT_TRUE(st.ok() || st.code() == Code::kAlreadyExists) << st.ToString();
      live.insert(pending);
    }
    for (int64_t id : live) {
      ASSERT_EQ(index->Add(Vec(id), std::vector<int64_t>{id}).code(), Code::kAlreadyExists)
          << "round " << round << ": acknowledged id " << id << " lost";
    }
    const auto on_disk = RecordIds(files);
    for (int64_t id : removed) {
      ASSERT_EQ(index->Remove(std::vector<int64_t>{id}).code(), Code::kNotFound)
          << "round " << round << ": removed id " << id << " is back";
      ASSERT_EQ(on_disk.count(id), 0u) << "round " << round << ": removed id " << id << " has a record";
      auto r = index->Search(Vec(id), {.k = 5});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const Candidate& c : *r) ASSERT_NE(c.id, id) << "round " << round;
    }
    const int64_t extra = index->size() - static_cast<int64_t>(live.size());
    EXPECT_GE(extra, 0) << "round " << round;
    EXPECT_LE(extra, 10) << "round " << round;
    for (int64_t id = last_added + 1; id <= last_added + 10; ++id) {
      const Status st = index->Add(Vec(id), std::vector<int64_t>{id});
      ASSERT_TRUE(st.ok() || st.code() == Code::kAlreadyExists) << st.ToString();
      live.insert(id);
    }
    ASSERT_EQ(index->size(), static_cast<int64_t>(live.size())) << "round " << round;
    // Partition, codebooks and codes of one generation: with every list
    // searched, each live template is its own best match.
    index->SetSetting(16, 64);
    for (int64_t id : live) {
      auto r = index->Search(Vec(id), {.k = 1});
      ASSERT_TRUE(r.ok() && r->size() == 1) << "round " << round;
      ASSERT_EQ((*r)[0].id, id) << "round " << round << ": generation " << gen << " does not find " << id;
    }
    if (round >= 8 && killed_writing > 0 && killed_before_swap > 0 && committed > 0) break;
  }
  std::printf("%d rounds: %d killed while writing the new records, %d before or in the swap, %d committed "
              "a new generation\n",
              rounds, killed_writing, killed_before_swap, committed);
  EXPECT_GT(killed_writing, 0) << "no kill landed while the new records were written";
  EXPECT_GT(killed_before_swap, 0) << "no kill landed before or in the swap";
  EXPECT_GT(committed, 0) << "no retrain committed a new generation";
}

}  // namespace
}  // namespace candor::search
