// Copyright 2026 The Candor Authors.
//
// Shared by the compressed-index tests: structured data, ids, and an exact
// Flat,int8 reference holding the same templates.

#ifndef CANDOR_SEARCH_IVF_TEST_UTIL_H_
#define CANDOR_SEARCH_IVF_TEST_UTIL_H_

#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "candor/index.h"
#include "search/id_map.h"
#include "search/ivf_files.h"
#include "search/ivf_snapshot.h"
#include "search/pq4_layout.h"
#include "search/synthetic_data.h"

namespace candor::search::testing {

inline std::vector<int64_t> Ids(int64_t first, int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = first + i;
  return v;
}

// normalise(row + noise) for a mate cosine of about `cosine`.
inline std::vector<float> Noisy(std::span<const float> row, int dim, float cosine, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.0f, NoiseForProbeCosine(cosine) / std::sqrt(static_cast<float>(dim)));
  std::vector<float> out(row.begin(), row.end());
  for (float& x : out) x += g(rng);
  NormaliseRows(out, dim);
  return out;
}

inline std::span<const float> Row(const std::vector<float>& v, int dim, size_t i) {
  return std::span<const float>(v).subspan(i * static_cast<size_t>(dim), static_cast<size_t>(dim));
}

// A fresh directory under the test temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("candor_ivf_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::vector<uint8_t> TestKey() {
  std::vector<uint8_t> k(32);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(7 * i + 1);
  return k;
}

// What the snapshot on disk (ivf_snapshot.h, loaded with IvfSnapshot itself)
// holds of a row: whether a list holds it, whether its 4-bit codes there are
// all zero, and its template CRC.
struct SnapshotCopy {
  bool found = false;
  bool codes_zero = false;
  uint32_t vec_crc = 0;
};
inline std::vector<SnapshotCopy> SnapshotCopies(const IndexFiles& files, int nlist, int m,
                                                const std::vector<uint64_t>& rows) {
  IndexFiles ro = files;
  ro.read_only = true;
  auto f = IvfFiles::Open(ro);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  std::vector<int64_t> ids;
  std::vector<uint32_t> crc;
  std::vector<uint64_t> dead;
  std::vector<IvfList> lists;
  IdMap map(&ids);
  std::vector<SnapshotCopy> out(rows.size());
  if (!f.ok()) return out;
  auto snap = IvfSnapshot::Load(**f, nlist, {&ids, &crc, &dead, &lists, &map});
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return out;
  for (size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] < crc.size()) out[k].vec_crc = crc[rows[k]];
    for (const IvfList& l : lists) {
      const auto it = std::lower_bound(l.rows.begin(), l.rows.end(), static_cast<uint32_t>(rows[k]));
      if (it == l.rows.end() || *it != rows[k]) continue;
      const size_t i = static_cast<size_t>(it - l.rows.begin());
      const uint8_t* c = l.codes.data() + i / kPq4Block * Pq4BlockBytes(static_cast<size_t>(m)) + i % kPq4Block;
      out[k].found = true;
      out[k].codes_zero = true;
      for (int p = 0; p < m / 2; ++p) out[k].codes_zero &= c[p * kPq4Block] == 0;
    }
  }
  return out;
}

// The manifest on disk (read-only open; nothing is changed).
inline IvfManifest DiskManifest(const IndexFiles& files) {
  IndexFiles ro = files;
  ro.read_only = true;
  auto f = IvfFiles::Open(ro);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? (*f)->manifest() : IvfManifest{};
}

// The ids held by valid records of the records file the manifest names: what
// anyone with the key could read back from it (a removed row's must be none).
inline std::set<int64_t> RecordIds(const IndexFiles& files) {
  IndexFiles ro = files;
  ro.read_only = true;
  auto f = IvfFiles::Open(ro);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  std::set<int64_t> ids;
  if (!f.ok()) return ids;
  const IvfManifest& man = (*f)->manifest();
  std::ifstream in(files.dir + "/records." + std::to_string(man.generation), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t rb = RecordBytes(man.m);
  for (size_t off = 0; off + rb <= bytes.size(); off += rb) {
    uint8_t* r = bytes.data() + off;
    (*f)->Crypt(r, rb, off, man.rec_nonce);
    uint32_t crc;
    std::memcpy(&crc, r + rb - 4, 4);
    if (crc != RecordCrc(r, man.m)) continue;
    int64_t id;
    std::memcpy(&id, r, 8);
    ids.insert(id);
  }
  return ids;
}

// The records.<g> and train.<g> files in the directory, by name.
inline std::set<std::string> GenerationFiles(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("records.", 0) == 0 || n.rfind("train.", 0) == 0) out.insert(n);
  }
  return out;
}

}  // namespace candor::search::testing

#endif  // CANDOR_SEARCH_IVF_TEST_UTIL_H_
