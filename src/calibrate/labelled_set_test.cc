// Copyright 2026 The Candor Authors.

#include "calibrate/labelled_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace candor::eval {
namespace {

TEST(LoadGroupsCsv, GivesEachAttributeItsGroupsByIdentity) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("candor_groups_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(file) << "# identity,attributes\nann,sex=female,group=a\nbob,sex=male\ncid\n";
  auto labels = LoadGroupsCsv(file);
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  ASSERT_EQ(labels->by_attribute.size(), 2u);
  EXPECT_EQ(labels->by_attribute.at("sex"),
            (std::map<std::string, std::string>{{"ann", "female"}, {"bob", "male"}}));
  EXPECT_EQ(labels->by_attribute.at("group"), (std::map<std::string, std::string>{{"ann", "a"}}));
  ASSERT_EQ(labels->notes.size(), 2u);
  EXPECT_NE(labels->notes[0].find("1 of the 3 identities"), std::string::npos) << labels->notes[0];

  std::ofstream(file) << "ann,sex\n";
  EXPECT_EQ(LoadGroupsCsv(file).status().code(), Code::kInvalidArgument);
  std::filesystem::remove(file);
  EXPECT_EQ(LoadGroupsCsv(file).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace candor::eval
