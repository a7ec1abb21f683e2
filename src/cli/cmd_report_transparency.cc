// Copyright 2026 The Candor Authors.
//
// candor report transparency --as AUDITOR --from DATE --to DATE
//                            [--json-out FILE] [--html FILE]
// The public transparency report for [from, to): counts of searches by legal
// basis, gallery, outcome and role, exigent searches and what became of them.
// No biometric data, no identities. Prints the JSON; writes the JSON and a
// self-contained HTML page (inline-SVG charts) where asked.
// Where thresholds came from (search_desk/report_sources.h), as the server's
// report: the period's searches by the calibration that set their threshold,
// and each gallery's current identify threshold source. Needs the store key
// (--key-file / $CANDOR_KEY_FILE / $CANDOR_KEY) to read the sealed records;
// without one the report says so on stderr and leaves them out.
//
// `candor report-transparency` is kept as a hidden alias (the name before
// `candor report` could host subcommands).

#include <iostream>

#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/govern_flags.h"
#include "common/file_util.h"
#include "search_desk/report_sources.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string from, to, json_out, html;
  std::string calibration;  // model calibration file (default calibration/<model>.json)
  double target_fpir = 1e-3;
};

// Adds the threshold sources when the store and its key are at hand.
Status AddSources(const Args& a, TransparencyReport& r) {
  StoreFlags sf;
  sf.store = a.gov.store;
  sf.key_file = a.gov.key_file;
  auto store = OpenStore(sf, false, /*read_only=*/true);
  if (!store.ok()) {
    if (store.status().code() == Code::kUnauthenticated || store.status().code() == Code::kNotFound) {
      std::cerr << "note: threshold sources left out (" << store.status().message() << ")"
                << std::endl;
      return OkStatus();
    }
    return store.status();
  }
  CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<SearchBook> book, OpenSearchBook(sf));
  SearchCalibrationOptions o;
  o.model_calibration = a.calibration;
  o.target_fpir = a.target_fpir;
  auto calibration = OpenSearchCalibration(**store, o);
  return AddThresholdSources(*book, **store, *calibration, r);
}

Status Run(const Args& a) {
  CANDOR_ASSIGN_OR_RETURN(int64_t from, ParseTime(a.from));
  CANDOR_ASSIGN_OR_RETURN(int64_t to, ParseTime(a.to));
  CANDOR_ASSIGN_OR_RETURN(auto gov, OpenGovernance(a.gov));
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  CANDOR_ASSIGN_OR_RETURN(TransparencyReport r, gov->Transparency(op, from, to));
  CANDOR_RETURN_IF_ERROR(AddSources(a, r));
  const std::string json = TransparencyToJson(r);
  if (!a.json_out.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, json + "\n"));
  if (!a.html.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.html, TransparencyToHtml(r)));
  std::cout << json << std::endl;
  return OkStatus();
}

RunFn SetUp(CLI::App& sub, bool hidden) {
  if (hidden) sub.group("");
  auto a = std::make_shared<Args>();
  AddGovernFlags(sub, &a->gov, true);
  sub.add_option("--from", a->from, "Start, inclusive (YYYY-MM-DD or ...THH:MM:SSZ)")
      ->required();
  sub.add_option("--to", a->to, "End, exclusive")->required();
  sub.add_option("--json-out", a->json_out, "Also write the JSON here");
  sub.add_option("--html", a->html, "Write the HTML page here");
  sub.add_option("--calibration", a->calibration,
                 "Model calibration file for the threshold sources (default calibration/<model>.json)");
  sub.add_option("--target-fpir", a->target_fpir,
                 "Target FPIR whose threshold source is reported per gallery (as `candor serve`)")
      ->check(CLI::Range(1e-9, 0.5));
  return [a] { return Run(*a); };
}

constexpr char kDescription[] =
    "Transparency report: searches by legal basis, gallery, outcome, role; exigent searches "
    "(JSON + HTML, no biometric data or identities)";
const bool kRegistered = RegisterCommand(
    {"report transparency", kDescription,
     [](CLI::App& sub, const GlobalOptions&) { return SetUp(sub, /*hidden=*/false); }});
const bool kRegisteredAlias = RegisterCommand(
    {"report-transparency", kDescription,
     [](CLI::App& sub, const GlobalOptions&) { return SetUp(sub, /*hidden=*/true); }});

}  // namespace
}  // namespace candor::cli
