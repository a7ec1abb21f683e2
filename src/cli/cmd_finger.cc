// Copyright 2026 The Candor Authors.
//
// candor finger extract IMAGE : minutiae, quality and (with --out) the sealed
//   template (.cndf) or (with --iso) the ISO/IEC 19794-2:2005 record.
// candor finger compare A B   : MCC score in [0, 1] of two prints, each an
//   image or a template (.cndf sealed, or an ISO record).
// Images are decoded by content; --dpi states their resolution (default 500).
// Exit codes as every command: 2 bad input, 3 file not found, 5 no print found.

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "candor/finger.h"
#include "cli/command.h"
#include "cli/finger_input.h"
#include "common/file_util.h"

namespace candor::cli {
namespace {

using finger::FingerTemplate;

struct ExtractArgs {
  std::string image, out, iso;
  double dpi = 500;
  int position = 0;
  bool list = false;
};

Status RunExtract(const ExtractArgs& a) {
  finger::FingerQuality q;
  CANDOR_ASSIGN_OR_RETURN(FingerTemplate t, LoadFinger(a.image, a.dpi, a.position, &q));
  nlohmann::json doc = {{"image", a.image}, {"width", t.width}, {"height", t.height},
                        {"finger_position", t.finger_position}, {"minutiae", t.minutiae.size()},
                        {"quality", QualityJson(q)}};
  if (a.list) {
    doc["minutiae_list"] = nlohmann::json::array();
    for (const auto& m : t.minutiae) {
      doc["minutiae_list"].push_back({{"x", m.x}, {"y", m.y}, {"direction", m.direction},
                                      {"type", m.type == finger::MinutiaType::kEnding ? "ending" : "bifurcation"},
                                      {"quality", m.quality}});
    }
  }
  if (!a.out.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, finger::SerializeFingerTemplate(t));
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.out, std::span<const uint8_t>(bytes)));
    doc["template"] = a.out;
  }
  if (!a.iso.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                            finger::ExportIso19794_2(std::span<const FingerTemplate>(&t, 1)));
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.iso, std::span<const uint8_t>(bytes)));
    doc["iso_record"] = a.iso;
  }
  std::cout << doc.dump(2) << std::endl;
  return OkStatus();
}

struct CompareArgs {
  std::string a, b;
  double dpi = 500;
  bool bits = false;
};

Status RunCompare(const CompareArgs& a) {
  CANDOR_ASSIGN_OR_RETURN(FingerTemplate ta, LoadFinger(a.a, a.dpi, 0));
  CANDOR_ASSIGN_OR_RETURN(FingerTemplate tb, LoadFinger(a.b, a.dpi, 0));
  finger::MccParams p;
  p.bits = a.bits;
  const finger::MatchResult r = finger::CompareFingers(ta, tb, p);
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& pr : r.pairs) pairs.push_back({pr.a, pr.b, pr.similarity});
  std::cout << nlohmann::json{{"a", a.a}, {"b", a.b}, {"score", r.score},
                              {"minutiae_a", ta.minutiae.size()}, {"minutiae_b", tb.minutiae.size()},
                              {"paired_minutiae", pairs},
                              {"note", "MCC score in [0, 1]; a lead for human review, not an identification"}}
                   .dump(2)
            << std::endl;
  return OkStatus();
}

const bool kExtract = RegisterCommand({
    "finger extract", "Fingerprint minutiae and quality from an image (--out: sealed template, --iso: ISO 19794-2)",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<ExtractArgs>();
      sub.add_option("image", a->image, "Fingerprint image (TIFF, PNG, BMP, JPEG, ...)")->required();
      sub.add_option("--dpi", a->dpi, "Image resolution (default 500; others are rescaled)");
      sub.add_option("--position", a->position, "ISO finger position 0 (unknown) .. 10");
      sub.add_option("--out", a->out, "Write the sealed template (.cndf)");
      sub.add_option("--iso", a->iso, "Write the ISO/IEC 19794-2:2005 record");
      sub.add_flag("--list", a->list, "List every minutia");
      return [a] { return RunExtract(*a); };
    }});

const bool kCompare = RegisterCommand({
    "finger compare", "MCC score of two fingerprints (images, sealed templates or ISO records)",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<CompareArgs>();
      sub.add_option("a", a->a, "First print")->required();
      sub.add_option("b", a->b, "Second print")->required();
      sub.add_option("--dpi", a->dpi, "Resolution of image inputs (default 500)");
      sub.add_flag("--bits", a->bits, "MCC16b bit cylinders instead of float cells");
      return [a] { return RunCompare(*a); };
    }});

}  // namespace
}  // namespace candor::cli
