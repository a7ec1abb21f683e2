// Copyright 2026 The Candor Authors.

#include "calibrate/truth_corrections.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "common/file_util.h"

namespace candor::eval {
namespace {

std::vector<std::string> SplitTabs(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    out.emplace_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

StatusOr<TruthCorrection::Kind> KindOf(const std::string& word) {
  if (word == "alias") return TruthCorrection::Kind::kAlias;
  if (word == "same-photo") return TruthCorrection::Kind::kSamePhoto;
  if (word == "same-person") return TruthCorrection::Kind::kSamePerson;
  return InvalidArgumentError("unknown correction \"" + word +
                              "\" (expected alias, same-photo or same-person)");
}

}  // namespace

StatusOr<TruthCorrections> ParseTruthCorrections(std::string_view text) {
  TruthCorrections out;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto f = SplitTabs(line);
    const std::string where = "truth corrections, line " + std::to_string(n) + ": ";
    if (f.size() < 3) return InvalidArgumentError(where + "expected KIND<TAB>A<TAB>B[<TAB>reason]");
    auto kind = KindOf(f[0]);
    if (!kind.ok()) return InvalidArgumentError(where + kind.status().message());
    if (f[1].empty() || f[2].empty()) return InvalidArgumentError(where + "empty field");
    if (f[1] == f[2]) return InvalidArgumentError(where + "both fields name \"" + f[1] + "\"");
    out.lines.push_back({*kind, f[1], f[2], f.size() > 3 ? f[3] : ""});
  }
  return out;
}

StatusOr<TruthCorrections> LoadTruthCorrections(const std::filesystem::path& file) {
  auto bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.status().WithContext("truth corrections " + file.string());
  return ParseTruthCorrections(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

nlohmann::json TruthCorrectionReport::ToJson() const {
  return {{"identities_merged", identities_merged},
          {"images_relabelled", images_relabelled},
          {"images_dropped", images_dropped},
          {"lines_not_in_set", not_in_set}};
}

TruthCorrectionReport ApplyTruthCorrections(const TruthCorrections& c, EmbeddingSet* set) {
  TruthCorrectionReport r;
  std::set<std::string> drop;
  for (const TruthCorrection& t : c.lines) {  // aliases first: drops read the merged labels
    if (t.kind == TruthCorrection::Kind::kAlias) {
      std::size_t moved = 0;
      for (EmbeddedImage& e : set->images) {
        if (e.identity == t.b) e.identity = t.a, ++moved;
      }
      r.identities_merged += moved > 0;
      r.images_relabelled += moved;
      r.not_in_set += moved == 0;
    }
  }
  for (const TruthCorrection& t : c.lines) {
    if (t.kind == TruthCorrection::Kind::kAlias) continue;
    const EmbeddedImage* a = nullptr;
    const EmbeddedImage* b = nullptr;
    for (const EmbeddedImage& e : set->images) {
      if (e.path == t.a) a = &e;
      if (e.path == t.b) b = &e;
    }
    if (!a && !b) {
      ++r.not_in_set;
      continue;
    }
    const bool one_identity = a && b && a->identity == b->identity;
    if (!one_identity || t.kind == TruthCorrection::Kind::kSamePerson) drop.insert(t.a);
    drop.insert(t.b);
  }
  const std::size_t before = set->images.size();
  std::erase_if(set->images, [&](const EmbeddedImage& e) { return drop.count(e.path) > 0; });
  r.images_dropped = before - set->images.size();
  return r;
}

StatusOr<nlohmann::json> ApplyTruthCorrectionsFile(const std::filesystem::path& file,
                                                   EmbeddingSet* set) {
  CANDOR_ASSIGN_OR_RETURN(TruthCorrections c, LoadTruthCorrections(file));
  nlohmann::json applied = ApplyTruthCorrections(c, set).ToJson();
  applied["file"] = file.string();
  return applied;
}

}  // namespace candor::eval
