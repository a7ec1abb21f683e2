// Copyright 2026 The Candor Authors.

#include "common/attributes_csv.h"

#include <gtest/gtest.h>

namespace candor {
namespace {

TEST(AttributesCsv, ReadsIdsAndKeyValuesSkippingCommentsAndBlankLines) {
  auto a =
      ParseAttributesCsv("# id,attributes\n\nann,sex=female,group=g1\r\nbob,sex=male\ncid\n", "f");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ(a->at("ann").at("sex"), "female");
  EXPECT_EQ(a->at("ann").at("group"), "g1");
  EXPECT_EQ(a->at("bob").size(), 1u);
  EXPECT_TRUE(a->at("cid").empty());
}

TEST(AttributesCsv, BadLinesAreRefusedWithFileAndLine) {
  for (const char* bad :
       {"ok,sex=male\nann,sex\n", "ok,sex=male\n,sex=male\n", "ok,sex=male\nann,=male\n",
        "ok,sex=male\nann,sex=\n", "ok,sex=male\nok,sex=female\n"}) {
    auto a = ParseAttributesCsv(bad, "groups.csv");
    EXPECT_EQ(a.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(a.status().message().find("groups.csv:2"), std::string::npos) << a.status().message();
  }
  EXPECT_EQ(ReadAttributesCsv("/nonexistent/groups.csv").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace candor
