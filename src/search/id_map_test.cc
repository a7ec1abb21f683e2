// Copyright 2026 The Candor Authors.
//
// IdMap against std::unordered_map under random inserts and erases (erase
// exercises backward shifting across wrap-around and long probe chains).

#include "search/id_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace candor::search {
namespace {

TEST(IdMapTest, AgreesWithUnorderedMapUnderRandomOps) {
  std::vector<int64_t> ids;
  IdMap map(&ids);
  std::unordered_map<int64_t, int64_t> ref;
  std::mt19937_64 rng(3);
  EXPECT_EQ(map.Find(5), -1);
  EXPECT_FALSE(map.Erase(5));
  for (int step = 0; step < 200000; ++step) {
    // Small key space so erases hit and keys come back.
    const int64_t id = static_cast<int64_t>(rng() % 5000) - 2500;
    if (rng() % 3 != 0) {
      if (ref.count(id)) {
        EXPECT_EQ(map.Find(id), ref[id]);
        continue;
      }
      ids.push_back(id);
      map.Reserve(map.size() + 1);
      map.Insert(static_cast<int64_t>(ids.size() - 1));
      ref[id] = static_cast<int64_t>(ids.size() - 1);
    } else {
      EXPECT_EQ(map.Erase(id), ref.erase(id) == 1) << id;
    }
    if (step % 10007 == 0) {
      for (int64_t k = -2500; k < 2500; ++k) {
        auto it = ref.find(k);
        ASSERT_EQ(map.Find(k), it == ref.end() ? -1 : it->second) << "step " << step << " id " << k;
      }
    }
  }
  EXPECT_EQ(map.size(), ref.size());
  EXPECT_LE(map.bytes(), 16 * std::max<size_t>(ref.size(), 16) * 4);
  map.Clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.Find(ids[0]), -1);
}

}  // namespace
}  // namespace candor::search
