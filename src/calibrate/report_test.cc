// Copyright 2026 The Candor Authors.

#include "calibrate/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "calibrate/identify_eval.h"

namespace candor::eval {
namespace {

nlohmann::json SmallEvaluation() {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> n01(0, 1);
  EmbeddingSet set;
  set.model_id = "toy<model>";
  set.model_sha256 = std::string(64, 'd');
  GroupLabels labels;
  for (int i = 0; i < 600; ++i) {
    std::vector<float> c(16);
    for (float& x : c) x = n01(rng);
    const std::string id = "id" + std::to_string(i);
    labels.by_attribute["gender"][id] = i % 3 ? "male" : "female";
    for (int k = 0; k < (i < 300 ? 2 : 1); ++k) {
      std::vector<float> v = c;
      double s = 0;
      for (float& x : v) x += 0.4f * n01(rng), s += x * x;
      for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
      set.images.push_back({id + "/" + std::to_string(k), id, true, v});
    }
  }
  labels.notes.push_back("toy labels");
  IdentifyOptions o;
  o.synthetic_gallery_sizes = {1000};
  o.bootstrap_replicates = 20;
  o.max_nonmated = 100;
  o.operating_fmr = 1e-2;
  auto out = RunIdentifyEvaluation(set, &labels, o);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? out->report : nlohmann::json();
}

TEST(ReportTest, HtmlIsSelfContainedAndEscaped) {
  std::vector<ModelResults> results = {{SmallEvaluation(), nullptr}};
  auto html = RenderHtml(results, "Toy & report");
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_NE(html->find("Toy &amp; report"), std::string::npos);
  EXPECT_NE(html->find("toy&lt;model&gt;"), std::string::npos);
  EXPECT_EQ(html->find("<model>"), std::string::npos);
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_EQ(html->find("src=\"http"), std::string::npos);
  EXPECT_GE(std::count(html->begin(), html->end(), '\n'), 10);
  // DET per model, CMC, gallery growth, DET per group, histograms: five plots at least.
  std::size_t svgs = 0;
  for (auto p = html->find("<svg"); p != std::string::npos; p = html->find("<svg", p + 1)) ++svgs;
  EXPECT_GE(svgs, 5u);
  EXPECT_NE(html->find("toy labels"), std::string::npos);
}

TEST(ReportTest, AccuracyTableUsesLfwResultsWhenGiven) {
  nlohmann::json identify = SmallEvaluation();
  nlohmann::json lfw = {{"results",
                         {{{"model", "toy<model>"},
                           {"onnx_sha256", std::string(64, 'd')},
                           {"accuracy_mean", 0.9905},
                           {"accuracy_std", 0.0048},
                           {"tar_at_far_1e-3", 0.97}}}}};
  auto table = AccuracyTable({{identify, lfw}}, "candor report ...");
  ASSERT_TRUE(table.ok());
  EXPECT_NE(table->find("99.05 % ± 0.48 %"), std::string::npos) << *table;
  EXPECT_NE(table->find("97.00 %"), std::string::npos);
  EXPECT_NE(table->find("Reproduce: `candor report ...`"), std::string::npos);
  auto without = AccuracyTable({{identify, nullptr}}, "x");
  ASSERT_TRUE(without.ok());
  EXPECT_NE(without->find("| n/a | n/a |"), std::string::npos);
}

TEST(ReportTest, RejectsJsonThatIsNotAnEvaluation) {
  EXPECT_FALSE(RenderHtml({{nlohmann::json{{"foo", 1}}, nullptr}}, "x").ok());
  EXPECT_FALSE(AccuracyTable({}, "x").ok());
}

TEST(ReportTest, ReplaceMarkedBlockKeepsTheRestOfTheDocument) {
  const std::string doc = "# Title\n\nintro\n";
  const std::string once = ReplaceMarkedBlock(doc, "t", "table v1\n");
  EXPECT_EQ(once.rfind("# Title\n\nintro\n", 0), 0u);
  EXPECT_NE(once.find("table v1"), std::string::npos);
  const std::string twice = ReplaceMarkedBlock(once + "after\n", "t", "table v2\n");
  EXPECT_EQ(twice.find("table v1"), std::string::npos);
  EXPECT_NE(twice.find("table v2"), std::string::npos);
  EXPECT_NE(twice.find("after\n"), std::string::npos);
  EXPECT_EQ(twice.find("BEGIN candor-report:t"), twice.rfind("BEGIN candor-report:t"));
}

}  // namespace
}  // namespace candor::eval
